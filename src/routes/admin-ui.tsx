/**
 * Admin console pages under /sso/admin (server-rendered hono/jsx, no client framework).
 * Forms go through the same parsers as the JSON API; every change is audited.
 */
import { Hono, type Context } from 'hono'
import { AppError } from '../errors'
import { assertNotThrottled, recordAdminFailure } from '../middleware/admin-auth'
import { checkCsrf, createAdminSession, endAdminSession, requireAdminSession, type AdminUiEnv } from '../middleware/admin-session'
import { timingSafeEqual } from '../crypto/mac'
import { createIdp, deleteIdp, getIdp, listIdps, updateIdp, type IdpFields } from '../store/idps'
import { listAudit } from '../store/audit'
import { getSettings, putSettings, spEntityId } from '../store/settings'
import { AuditPage } from '../ui/admin/audit'
import { IdpFormPage, type IdpFormValues } from '../ui/admin/idp-form'
import { IdpListPage } from '../ui/admin/idps'
import { AdminLoginPage } from '../ui/admin/login'
import { SettingsPage } from '../ui/admin/settings'
import { auditAdmin, newIdpId } from './admin-api'
import { formToValues, idpFormToInput, idpRowToForm, settingsFormToInput } from './admin-form'
import { parseIdpInput } from './admin-input'
import { parseSettingsInput } from './admin-settings-input'
import { describeCertificate } from './admin-views'
import { startLogin } from './login-start'
import { spEndpoints } from './sp-config'
import { activateNextSpKey, activeSpKey, listSpKeys, stageNextSpKey } from '../store/sp-keys'
import { SpPage } from '../ui/admin/sp'
import { AppsPage } from '../ui/admin/apps'
import { importSamlApp } from './admin-apps'
import { deleteApp, getApp, listApps } from '../store/apps'
import { fieldsFromMetadata, loadMetadata, refreshedFields } from './metadata-import'
import { isSamlError } from '../saml/errors'
import { readTestResult } from './test-connection'
import { TestResultPage } from '../ui/admin/test-result'
import type { AppEnv } from '../env'

type C = Context<AdminUiEnv>

async function renderApps(c: C, values: Record<string, string>, errors: Record<string, string>, status: 200 | 422 = 200) {
  const apps = (await listApps(c.env.DB)).map((a) => ({
    id: a.id,
    kind: a.kind,
    name: a.name,
    slug: a.slug,
    enabled: a.enabled,
    target:
      a.kind === 'saml'
        ? String(a.config.acsUrl)
        : a.kind === 'zendesk'
          ? `${String(a.config.subdomain)}.zendesk.com`
          : String((a.config.redirectUris as string[] | undefined)?.[0] ?? ''),
  }))
  const idpMetadataUrl = `${new URL(c.req.url).origin}/sso/idp/metadata`
  return c.html(<AppsPage {...common(c)} apps={apps} idpMetadataUrl={idpMetadataUrl} values={values} errors={errors} />, status)
}

const FLASH: Record<string, string> = {
  created: 'Identity provider added.',
  saved: 'Changes saved.',
  deleted: 'Identity provider deleted.',
  'app-created': 'Helpdesk app added.',
  'app-deleted': 'Helpdesk app deleted.',
  settings: 'Settings saved.',
}

function common(c: C) {
  const flash = FLASH[c.req.query('flash') ?? '']
  const session = c.var.adminSession!
  return { csrf: session.csrf, actor: session.actor, flash: flash ? { kind: 'ok' as const, text: flash } : undefined }
}

/** Field errors from a parse failure, keyed by the field (certificates[1] → certificates). */
function fieldErrors(err: unknown): Record<string, string> {
  if (err instanceof AppError && (err.code === 'ADMIN_INVALID_FIELD' || err.code === 'ADMIN_CONFLICT')) {
    const field = String(err.detail.field ?? 'name')
    const key = /^(attributeMap|headerNames|userHeader)\./.test(field) ? field.replace(/\[\d+\]$/, '') : field.replace(/\[\d+\]$/, '').replace(/\..*$/, '')
    return { [key]: err.message }
  }
  throw err
}

function setupValues(c: C, idp: { slug: string }, entityId: string) {
  const origin = new URL(c.req.url).origin
  return {
    acsUrl: `${origin}/sso/acs`,
    spEntityId: entityId,
    metadataUrl: `${origin}/sso/metadata`,
    sloUrl: `${origin}/sso/slo`,
    loginUrl: `${origin}/sso/login?idp=${encodeURIComponent(idp.slug)}`,
  }
}

async function renderIdpForm(
  c: C,
  props: {
    idpId?: string
    values: IdpFormValues
    errors: Record<string, string>
    status?: 200 | 400 | 409 | 422
    importValues?: { metadataUrl?: string; metadataXml?: string; name?: string }
  },
) {
  const now = c.var.deps.clock()
  const row = props.idpId ? await getIdp(c.env.DB, props.idpId) : null
  const settings = await getSettings(c.env.DB)
  const certificateInfo = row ? await Promise.all(row.certificates.map((p) => describeCertificate(p, now))) : undefined
  return c.html(
    <IdpFormPage
      {...common(c)}
      {...(props.idpId ? { idpId: props.idpId } : {})}
      values={props.values}
      errors={props.errors}
      {...(certificateInfo ? { certificateInfo } : {})}
      {...(row ? { setup: setupValues(c, row, spEntityId(settings, new URL(c.req.url).origin)), metadataUrl: row.metadataUrl } : {})}
      {...(props.importValues ? { importValues: props.importValues } : {})}
    />,
    props.status ?? 200,
  )
}

async function mustGetIdp(c: C) {
  const row = await getIdp(c.env.DB, c.req.param('id') ?? '')
  if (!row) throw new AppError('ADMIN_IDP_NOT_FOUND')
  return row
}

const publicRoutes = new Hono<AppEnv>()
  .get('/login', (c) => c.html(<AdminLoginPage next={c.req.query('next') ?? '/sso/admin/idps'} />))
  .post('/login', async (c) => {
    if (!c.env.ADMIN_TOKEN) throw new AppError('CONFIG_MISSING_SECRET')
    await assertNotThrottled(c)
    const form = await c.req.parseBody()
    const token = typeof form.token === 'string' ? form.token.trim() : ''
    const next = typeof form.next === 'string' && /^\/sso\/admin(\/[\w/-]*)?$/.test(form.next) ? form.next : '/sso/admin/idps'
    if (!token || !(await timingSafeEqual(token, c.env.ADMIN_TOKEN))) {
      await recordAdminFailure(c, 'ADMIN_TOKEN_INVALID')
      c.set('errorCode', 'ADMIN_TOKEN_INVALID')
      return c.html(<AdminLoginPage next={next} error="That is not the admin token." />, 401)
    }
    await createAdminSession(c, 'admin-token')
    c.set('adminActor', 'admin-token')
    await auditAdmin(c, { action: 'admin.login', idpId: null, detail: { method: 'token' } })
    return c.redirect(next, 303)
  })

const protectedRoutes = new Hono<AdminUiEnv>()
  .use(requireAdminSession())
  .use(checkCsrf())
  .use(async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
  .get('/', (c) => c.redirect('/sso/admin/idps', 303))
  .post('/logout', async (c) => {
    await auditAdmin(c, { action: 'admin.logout', idpId: null, detail: {} })
    await endAdminSession(c)
    return c.redirect('/sso/admin/login', 303)
  })
  .get('/idps', async (c) => {
    const now = c.var.deps.clock()
    const rows = await listIdps(c.env.DB)
    const idps = await Promise.all(
      rows.map(async (r) => ({ ...r, certificateInfo: await Promise.all(r.certificates.map((p) => describeCertificate(p, now))) })),
    )
    return c.html(<IdpListPage {...common(c)} idps={idps} />)
  })
  .get('/idps/new', (c) => renderIdpForm(c, { values: {}, errors: {} }))
  .post('/idps', async (c) => {
    const form = await c.req.parseBody()
    let fields: IdpFields
    try {
      fields = parseIdpInput(idpFormToInput(form), 'create') as IdpFields
      const idps = await listIdps(c.env.DB)
      fields.sortOrder ??= (idps.at(-1)?.sortOrder ?? 0) + 10
      const row = await createIdp(c.env.DB, newIdpId(c.var.deps.random), fields, c.var.deps.clock())
      await auditAdmin(c, { action: 'idp.create', idpId: row.id, detail: { name: row.name, entityId: row.entityId, via: 'console' } })
      return c.redirect(`/sso/admin/idps/${row.id}?flash=created`, 303)
    } catch (err) {
      return renderIdpForm(c, { values: formToValues(form), errors: fieldErrors(err), status: 400 })
    }
  })
  .post('/idps/import', async (c) => {
    const form = await c.req.parseBody()
    const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '')
    const importValues = { metadataUrl: str('metadataUrl'), metadataXml: str('metadataXml'), name: str('importName') }
    try {
      const { idp, metadataUrl } = await loadMetadata({ metadataXml: importValues.metadataXml, metadataUrl: importValues.metadataUrl })
      const fields = parseIdpInput(
        { ...fieldsFromMetadata(idp, metadataUrl), ...(importValues.name ? { name: importValues.name } : {}) },
        'create',
      ) as IdpFields
      const idps = await listIdps(c.env.DB)
      fields.sortOrder ??= (idps.at(-1)?.sortOrder ?? 0) + 10
      const row = await createIdp(c.env.DB, newIdpId(c.var.deps.random), fields, c.var.deps.clock())
      await auditAdmin(c, {
        action: 'idp.create',
        idpId: row.id,
        detail: { name: row.name, entityId: row.entityId, via: metadataUrl ? 'metadata-url' : 'metadata-xml' },
      })
      return c.redirect(`/sso/admin/idps/${row.id}?flash=created`, 303)
    } catch (err) {
      if (!(err instanceof AppError) && !isSamlError(err)) throw err
      const field = String((err as AppError).detail?.field ?? (importValues.metadataUrl ? 'metadataUrl' : 'metadataXml'))
      return renderIdpForm(c, {
        values: {},
        errors: { [field === 'entityId' ? 'metadataXml' : field]: `${err.code}: ${err.message}` },
        importValues,
        status: 422,
      })
    }
  })
  .post('/idps/:id/refresh', async (c) => {
    const row = await mustGetIdp(c)
    const { update, certificatesChanged, endpointsChanged } = await refreshedFields(row)
    const now = c.var.deps.clock()
    await updateIdp(c.env.DB, row.id, { ...update, metadataRefreshedAt: now }, now)
    await auditAdmin(c, { action: 'idp.metadata-refresh', idpId: row.id, detail: { certificatesChanged, endpointsChanged, via: 'console' } })
    return c.redirect(`/sso/admin/idps/${row.id}?flash=saved`, 303)
  })
  .get('/idps/:id', async (c) => {
    const row = await mustGetIdp(c)
    return renderIdpForm(c, { idpId: row.id, values: idpRowToForm(row), errors: {} })
  })
  .post('/idps/:id', async (c) => {
    const before = await mustGetIdp(c)
    const form = await c.req.parseBody()
    try {
      const fields = parseIdpInput(idpFormToInput(form), 'replace')
      const row = (await updateIdp(c.env.DB, before.id, fields, c.var.deps.clock()))!
      const changed = Object.keys(fields).filter((k) => JSON.stringify(before[k as keyof typeof before]) !== JSON.stringify(row[k as keyof typeof row]))
      await auditAdmin(c, { action: 'idp.update', idpId: row.id, detail: { changed, certificatesChanged: changed.includes('certificates'), via: 'console' } })
      return c.redirect(`/sso/admin/idps/${row.id}?flash=saved`, 303)
    } catch (err) {
      return renderIdpForm(c, { idpId: before.id, values: formToValues(form), errors: fieldErrors(err), status: 400 })
    }
  })
  .post('/idps/:id/delete', async (c) => {
    const row = await mustGetIdp(c)
    await deleteIdp(c.env.DB, row.id)
    await auditAdmin(c, { action: 'idp.delete', idpId: row.id, detail: { name: row.name, via: 'console' } })
    return c.redirect('/sso/admin/idps?flash=deleted', 303)
  })
  .post('/idps/:id/toggle', async (c) => {
    const row = await mustGetIdp(c)
    await updateIdp(c.env.DB, row.id, { enabled: !row.enabled }, c.var.deps.clock())
    await auditAdmin(c, { action: 'idp.update', idpId: row.id, detail: { changed: ['enabled'], enabled: !row.enabled, via: 'console' } })
    return c.redirect('/sso/admin/idps?flash=saved', 303)
  })
  .post('/idps/:id/default', async (c) => {
    const row = await mustGetIdp(c)
    await updateIdp(c.env.DB, row.id, { isDefault: true }, c.var.deps.clock())
    await auditAdmin(c, { action: 'idp.update', idpId: row.id, detail: { changed: ['isDefault'], via: 'console' } })
    return c.redirect('/sso/admin/idps?flash=saved', 303)
  })
  .post('/idps/:id/move', async (c) => {
    const row = await mustGetIdp(c)
    const direction = (await c.req.parseBody()).direction === 'up' ? -1 : 1
    const rows = await listIdps(c.env.DB)
    const from = rows.findIndex((r) => r.id === row.id)
    const to = from + direction
    if (to >= 0 && to < rows.length) {
      ;[rows[from], rows[to]] = [rows[to]!, rows[from]!]
      const now = c.var.deps.clock()
      // Renumber everything: stable order even when old sortOrders tie.
      for (const [i, r] of rows.entries()) if (r.sortOrder !== (i + 1) * 10) await updateIdp(c.env.DB, r.id, { sortOrder: (i + 1) * 10 }, now)
      await auditAdmin(c, { action: 'idp.reorder', idpId: row.id, detail: { order: rows.map((r) => r.slug) } })
    }
    return c.redirect('/sso/admin/idps?flash=saved', 303)
  })
  .post('/idps/:id/test', async (c) => {
    // Test connection: a real login at the IdP in test mode; the ACS keeps the result for us.
    const row = await mustGetIdp(c)
    await auditAdmin(c, { action: 'idp.test', idpId: row.id, detail: {} })
    return startLogin(c, row, '/', { test: true })
  })
  .get('/idps/:id/test/:requestId', async (c) => {
    const row = await mustGetIdp(c)
    const test = await readTestResult(c, c.req.param('requestId'))
    return c.html(<TestResultPage {...common(c)} idpName={row.name} idpId={row.id} test={test && test.idpId === row.id ? test : null} />)
  })
  .get('/apps', async (c) => renderApps(c, {}, {}))
  .post('/apps/import', async (c) => {
    const form = await c.req.parseBody()
    const values = Object.fromEntries(['name', 'metadataUrl', 'metadataXml'].map((k) => [k, typeof form[k] === 'string' ? (form[k] as string).trim() : '']))
    try {
      await importSamlApp(c, values)
      return c.redirect('/sso/admin/apps?flash=app-created', 303)
    } catch (err) {
      if (!(err instanceof AppError) && !isSamlError(err)) throw err
      const field = String((err as AppError).detail?.field ?? (values.metadataUrl ? 'metadataUrl' : 'metadataXml'))
      return renderApps(c, values, { [field.replace(/^config\..*/, 'metadataXml')]: `${err.code}: ${err.message}` }, 422)
    }
  })
  .post('/apps/:id/delete', async (c) => {
    const app = await getApp(c.env.DB, c.req.param('id'))
    if (!app) throw new AppError('ADMIN_APP_NOT_FOUND')
    await deleteApp(c.env.DB, app.id)
    await auditAdmin(c, { action: 'app.delete', idpId: null, detail: { appId: app.id, via: 'console' } })
    return c.redirect('/sso/admin/apps?flash=app-deleted', 303)
  })
  .get('/sp', async (c) => {
    const sp = await spEndpoints(c)
    const now = c.var.deps.clock()
    const host = new URL(sp.origin).host
    await activeSpKey(c.env.DB, c.env.SSO_SECRET, 'signing', now, host)
    await activeSpKey(c.env.DB, c.env.SSO_SECRET, 'encryption', now, host)
    const keys = await Promise.all(
      (await listSpKeys(c.env.DB)).map(async (k) => ({
        id: k.id,
        use: k.use,
        status: k.status,
        createdAt: k.createdAt.toISOString(),
        certificate: await describeCertificate(k.certificatePem, now),
      })),
    )
    return c.html(<SpPage {...common(c)} entityId={sp.entityId} acsUrl={sp.acsUrl} sloUrl={sp.sloUrl} metadataUrl={sp.metadataUrl} keys={keys} />)
  })
  .post('/sp/keys/:use/:step', async (c) => {
    const use = c.req.param('use')
    const step = c.req.param('step')
    if ((use !== 'signing' && use !== 'encryption') || (step !== 'stage' && step !== 'activate')) throw new AppError('NOT_FOUND')
    const now = c.var.deps.clock()
    if (step === 'stage') await stageNextSpKey(c.env.DB, c.env.SSO_SECRET, use, now, new URL(c.req.url).host)
    else await activateNextSpKey(c.env.DB, use, now)
    await auditAdmin(c, { action: `sp-key.${step}`, idpId: null, detail: { use } })
    return c.redirect('/sso/admin/sp?flash=saved', 303)
  })
  .get('/settings', async (c) => {
    const origin = new URL(c.req.url).origin
    return c.html(<SettingsPage {...common(c)} values={await getSettings(c.env.DB)} errors={{}} defaultEntityId={`${origin}/sso/metadata`} />)
  })
  .post('/settings', async (c) => {
    const origin = new URL(c.req.url).origin
    const input = settingsFormToInput(await c.req.parseBody())
    try {
      const changes = parseSettingsInput(input)
      await putSettings(c.env.DB, changes, c.var.deps.clock())
      await auditAdmin(c, { action: 'settings.update', idpId: null, detail: { changed: Object.keys(changes), via: 'console' } })
      return c.redirect('/sso/admin/settings?flash=settings', 303)
    } catch (err) {
      const values = { ...(await getSettings(c.env.DB)), ...(input as object) } as Awaited<ReturnType<typeof getSettings>>
      return c.html(<SettingsPage {...common(c)} values={values} errors={fieldErrors(err)} defaultEntityId={`${origin}/sso/metadata`} />, 400)
    }
  })
  .get('/audit', async (c) => {
    const q = c.req.query()
    const filters: Record<string, string> = {}
    for (const k of ['action', 'outcome', 'code', 'idpId'] as const) if (q[k]) filters[k] = q[k]
    const before = q.before && /^\d+$/.test(q.before) ? Number(q.before) : undefined
    const outcome = filters.outcome === 'success' || filters.outcome === 'failure' ? filters.outcome : undefined
    const page = await listAudit(c.env.DB, { ...filters, outcome, before, limit: 50 })
    const nextHref = page.nextBefore ? `/sso/admin/audit?${new URLSearchParams({ ...filters, before: String(page.nextBefore) })}` : null
    const entries = page.entries.map((e) => ({ ...e, at: e.at.toISOString(), detail: e.detail ?? null }))
    return c.html(<AuditPage {...common(c)} entries={entries} filters={filters} nextHref={nextHref} />)
  })

export const adminUiRoutes = new Hono<AppEnv>().route('/', publicRoutes).route('/', protectedRoutes)
