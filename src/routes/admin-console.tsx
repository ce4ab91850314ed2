/**
 * The admin console under /sso/admin (server-rendered hono/jsx, no client framework). Each page
 * reads a form, calls the same admin service function as the JSON API, and renders; a validation
 * failure is shown next to its field (and audited like any failure), anything else goes to the
 * error handler. Every form is CSRF-checked; every page is `no-store`.
 */
import { Hono, type Context } from 'hono'
import { ATTRIBUTE_PRESETS } from '../admin/attribute-presets'
import { closeConsoleSession, openConsoleSession, verifyAdminToken } from '../admin/auth'
import { consoleAuditQuery, readAuditLog } from '../admin/audit-log'
import { readOverview } from '../admin/overview'
import { describeCertificate } from '../admin/certificates'
import { formProtocol, idpFormValuesFromForm, idpFormValuesFromRow, idpInputFromForm, type IdpFormValues } from '../admin/idp-fields'
import {
  conflictingIdpOf,
  createIdp,
  deleteIdp,
  importIdp,
  listIdpViews,
  makeDefaultIdp,
  moveIdp,
  refreshIdpMetadata,
  requireIdp,
  startTestConnection,
  testConnectionResult,
  toggleIdp,
  trustTestCertificate,
  useTestEmailAttribute,
  updateIdp,
} from '../admin/idps'
import { entityChoicesOf } from '../admin/metadata-source'
import { organizationChoices, revokeSessionsOf } from '../admin/organizations'
import { activateSpKey, keyDependents, listJwtKeyViews, listSpKeyViews, parseKeyUse, rotateJwtKey, stageSpKey } from '../admin/keys'
import { adminAccessLines, readSettings, updateSettings } from '../admin/settings'
import { settingsInputFromForm } from '../admin/settings-fields'
import { auditFailure, newTrail, recordAudit } from '../audit/record'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { readForm } from '../http/body'
import { consoleChrome, consolePage, formErrors, importError } from '../http/console'
import { applyCookies, requestCookies, respond } from '../http/respond'
import { auditAs, audited, trailOf } from '../middleware/audited'
import { limitBody, MAX_ADMIN_BODY_BYTES } from '../middleware/body-limit'
import { setActor } from '../middleware/context'
import { oidcRedirectUri } from '../sso/oidc-sign-in'
import { spEndpoints } from '../sso/sp-endpoints'
import type { IdpRow } from '../store/idps'
import { AuditPage } from '../ui/admin/audit'
import { IdpFormPage, type ConflictingIdp, type ImportValues } from '../ui/admin/idp-form'
import { IdpListPage } from '../ui/admin/idps'
import { AdminLoginPage } from '../ui/admin/login'
import { OverviewPage } from '../ui/admin/overview'
import { SettingsPage } from '../ui/admin/settings'
import { SpPage } from '../ui/admin/sp'
import { TestResultPage } from '../ui/admin/test-result'

type C = Context<AppEnv>

const PRESETS = Object.entries(ATTRIBUTE_PRESETS).map(([key, p]) => ({ key, label: p.label }))

async function renderIdpForm(
  c: C,
  props: {
    idp?: IdpRow
    values: IdpFormValues
    errors: Record<string, string>
    status?: 200 | 400 | 422
    importValues?: ImportValues
    /** A new IdP's protocol (an existing one's is its own). */
    protocol?: 'saml' | 'oidc'
    /** What the refusal offers: the entity picker, the "Import anyway" box, a link to the IdP in the way. */
    followUp?: FollowUp
  },
) {
  const ctx = c.get('ctx')
  const row = props.idp
  const protocol = row?.protocol ?? props.protocol ?? 'saml'
  const sp = await spEndpoints(ctx)
  const now = ctx.clock()
  const certificateInfo = row ? await Promise.all(row.certificates.map((p) => describeCertificate(p, now))) : undefined
  const setup = row
    ? {
        acsUrl: sp.acsUrl,
        spEntityId: sp.entityId,
        metadataUrl: sp.metadataUrl,
        sloUrl: sp.sloUrl,
        loginUrl: `${ctx.origin}/sso/login?idp=${encodeURIComponent(row.slug)}`,
      }
    : undefined
  return c.html(
    <IdpFormPage
      {...consoleChrome(c)}
      {...(row ? { idpId: row.id, metadataUrl: row.metadataUrl, hasClientSecret: row.clientSecretSealed !== null } : {})}
      protocol={protocol}
      draft={!row || (!row.testedAt && !row.enabled)}
      oidcSetup={{
        // One redirect URI per IdP (its slug): before the IdP exists, the slug typed, or a placeholder.
        redirectUri: oidcRedirectUri(ctx.origin, row?.slug ?? (String(props.values.slug ?? '').trim() || 'SLUG')),
        postLogoutRedirectUri: sp.sloUrl,
        certsUrl: `${ctx.origin}/sso/certs`,
        ...(row ? { loginUrl: `${ctx.origin}/sso/login?idp=${encodeURIComponent(row.slug)}` } : {}),
      }}
      values={props.values}
      errors={props.errors}
      presets={PRESETS}
      organizations={await organizationChoices(ctx)}
      gatewayClockSkewSeconds={sp.settings.clockSkewSeconds}
      {...(certificateInfo ? { certificateInfo } : {})}
      {...(setup ? { setup } : {})}
      {...(props.importValues ? { importValues: props.importValues } : {})}
      {...props.followUp}
    />,
    props.status ?? 200,
  )
}

interface FollowUp {
  entityChoices?: NonNullable<ReturnType<typeof entityChoicesOf>>
  offerImportAnyway?: boolean
  conflict?: ConflictingIdp
}

/** What a refused IdP form offers next: a picker of the metadata's entities, "Import anyway", or a link to the IdP in the way. */
function followUpOf(err: unknown, form: ConflictingIdp['form']): FollowUp {
  const choices = entityChoicesOf(err)
  const holder = conflictingIdpOf(err)
  return {
    ...(choices ? { entityChoices: choices } : {}),
    ...(err instanceof AppError && err.code === 'ADMIN_METADATA_EXPIRED' ? { offerImportAnyway: true } : {}),
    ...(holder ? { conflict: { ...holder, form, field: String((err as AppError).detail.field) } } : {}),
  }
}

/** The import form as typed, kept to show again after a refusal. */
function importValuesFromForm(form: Record<string, string>): Required<ImportValues> {
  const text = (name: string) => (form[name] ?? '').trim()
  const values = { metadataUrl: text('metadataUrl'), metadataXml: text('metadataXml'), name: text('importName'), entityId: text('entityId') }
  return { ...values, importAnyway: form.importAnyway === 'true' }
}

/** The import service's input: only what the admin gave. */
function importInputFrom(v: Required<ImportValues>): Record<string, unknown> {
  return {
    metadataUrl: v.metadataUrl,
    metadataXml: v.metadataXml,
    ...(v.name ? { name: v.name } : {}),
    ...(v.entityId ? { entityId: v.entityId } : {}),
    ...(v.importAnyway ? { importAnyway: true } : {}),
  }
}

const publicRoutes = new Hono<AppEnv>()
  .get('/login', (c) => c.html(<AdminLoginPage next={c.req.query('next') ?? '/sso/admin'} />))
  .post('/login', limitBody(MAX_ADMIN_BODY_BYTES), async (c) => {
    const ctx = c.get('ctx')
    const form = await readForm(c)
    const next = form.next && /^\/sso\/admin(\/[\w/-]*)?$/.test(form.next) ? form.next : '/sso/admin'
    try {
      await verifyAdminToken(ctx, (form.token ?? '').trim(), c.env.ADMIN_TOKEN)
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'ADMIN_TOKEN_INVALID') throw err
      await auditFailure(ctx, newTrail('admin.auth'), err)
      c.set('errorCode', err.code)
      return c.html(<AdminLoginPage next={next} error="That is not the admin token." />, 401)
    }
    const { cookie } = await openConsoleSession(ctx, 'admin-token')
    applyCookies(c, [cookie])
    setActor(c, 'admin-token')
    await recordAudit(c.get('ctx'), { action: 'admin.login', outcome: 'success', detail: { method: 'token' } })
    return c.redirect(next, 303)
  })

const protectedRoutes = new Hono<AppEnv>()
  .use(...consolePage())
  // the console's home: what needs attention, sign-ins and failures, what expires
  .get('/', async (c) => {
    const overview = await readOverview(c.get('ctx'))
    const by = c.req.query('by') === 'idp' ? 'idp' : 'organization'
    return c.html(<OverviewPage {...consoleChrome(c)} overview={overview} by={by} />)
  })
  .post('/logout', async (c) => {
    await recordAudit(c.get('ctx'), { action: 'admin.logout', outcome: 'success', detail: {} })
    applyCookies(c, [await closeConsoleSession(c.get('ctx'), requestCookies(c))])
    return c.redirect('/sso/admin/login', 303)
  })
  // identity providers
  .get('/idps', async (c) => c.html(<IdpListPage {...consoleChrome(c)} idps={await listIdpViews(c.get('ctx'))} />))
  .get('/idps/new', (c) => renderIdpForm(c, { values: {}, errors: {}, protocol: c.req.query('protocol') === 'oidc' ? 'oidc' : 'saml' }))
  .post('/idps', audited('idp.create'), async (c) => {
    const form = await readForm(c)
    try {
      const row = await createIdp(c.get('ctx'), idpInputFromForm(form), 'console')
      return c.redirect(`/sso/admin/idps/${row.id}?flash=created`, 303)
    } catch (err) {
      const errors = await formErrors(c, err)
      return renderIdpForm(c, { values: idpFormValuesFromForm(form), errors, status: 400, protocol: formProtocol(form), followUp: followUpOf(err, 'idp') })
    }
  })
  .post('/idps/import', audited('idp.create'), async (c) => {
    const importValues = importValuesFromForm(await readForm(c))
    try {
      const row = await importIdp(c.get('ctx'), importInputFrom(importValues), 'console')
      return c.redirect(`/sso/admin/idps/${row.id}?flash=created`, 303)
    } catch (err) {
      const { field, message } = await importError(c, err, importValues.metadataUrl ? 'metadataUrl' : 'metadataXml')
      // The import's entityId is not the hand-made form's entityId field below it.
      const errors = { [field === 'entityId' ? 'importEntityId' : field]: message }
      return renderIdpForm(c, { values: {}, errors, importValues, status: 422, followUp: followUpOf(err, 'import') })
    }
  })
  .post('/idps/:id/refresh', audited('idp.metadata-refresh'), async (c) => {
    // A failed refresh is audited under its IdP (the overview's "metadata refresh failing").
    trailOf(c).idpId = c.req.param('id')
    const row = await refreshIdpMetadata(c.get('ctx'), c.req.param('id'), 'console')
    return c.redirect(`/sso/admin/idps/${row.id}?flash=saved`, 303)
  })
  .get('/idps/:id', async (c) => {
    const row = await requireIdp(c.get('ctx'), c.req.param('id'))
    return renderIdpForm(c, { idp: row, values: idpFormValuesFromRow(row), errors: {} })
  })
  .post('/idps/:id', audited('idp.update'), async (c) => {
    const before = await requireIdp(c.get('ctx'), c.req.param('id'))
    const form = await readForm(c)
    try {
      const row = await updateIdp(c.get('ctx'), before.id, idpInputFromForm(form), 'replace', 'console')
      return c.redirect(`/sso/admin/idps/${row.id}?flash=saved`, 303)
    } catch (err) {
      const errors = await formErrors(c, err)
      return renderIdpForm(c, { idp: before, values: idpFormValuesFromForm(form), errors, status: 400, followUp: followUpOf(err, 'idp') })
    }
  })
  .post('/idps/:id/delete', audited('idp.delete'), async (c) => {
    // Dangerous: only with its confirmation box ticked (the form requires it; this enforces it).
    if ((await readForm(c)).confirm !== 'yes') throw new AppError('ADMIN_INVALID_FIELD', 'confirm: tick the confirmation box first', { field: 'confirm' })
    await deleteIdp(c.get('ctx'), c.req.param('id'), 'console')
    return c.redirect('/sso/admin/idps?flash=deleted', 303)
  })
  .post('/idps/:id/toggle', audited('idp.update'), async (c) => {
    await toggleIdp(c.get('ctx'), c.req.param('id'))
    return c.redirect('/sso/admin/idps?flash=saved', 303)
  })
  .post('/idps/:id/enable', audited('idp.update'), async (c) => {
    const row = await toggleIdp(c.get('ctx'), c.req.param('id'), true)
    return c.redirect(`/sso/admin/idps/${row.id}?flash=saved`, 303)
  })
  .post('/idps/:id/default', audited('idp.update'), async (c) => {
    await makeDefaultIdp(c.get('ctx'), c.req.param('id'))
    return c.redirect('/sso/admin/idps?flash=saved', 303)
  })
  .post('/idps/:id/default/unset', audited('idp.update'), async (c) => {
    await makeDefaultIdp(c.get('ctx'), c.req.param('id'), false)
    return c.redirect('/sso/admin/idps?flash=saved', 303)
  })
  .post('/idps/:id/move', audited('idp.reorder'), async (c) => {
    await moveIdp(c.get('ctx'), c.req.param('id'), (await readForm(c)).direction === 'up' ? 'up' : 'down')
    return c.redirect('/sso/admin/idps?flash=saved', 303)
  })
  .post('/idps/:id/sessions/revoke', audited('sessions.revoke'), async (c) => {
    if ((await readForm(c)).confirm !== 'yes') throw new AppError('ADMIN_INVALID_FIELD', 'confirm: tick the confirmation box first', { field: 'confirm' })
    const idp = await requireIdp(c.get('ctx'), c.req.param('id'))
    const { revoked } = await revokeSessionsOf(c.get('ctx'), { idpId: idp.id }, 'console')
    return c.redirect(`/sso/admin/idps/${idp.id}?flash=revoked&n=${revoked}`, 303)
  })
  .post('/idps/:id/test', audited('idp.test'), async (c) => respond(c, await startTestConnection(c.get('ctx'), c.req.param('id'), requestCookies(c))))
  .get('/idps/:id/test/:requestId', async (c) => {
    const { idp, result } = await testConnectionResult(c.get('ctx'), c.req.param('id'), c.req.param('requestId'))
    const offered = result && !result.ok && typeof result.detail.offeredCertificate === 'string' ? result.detail.offeredCertificate : null
    const fixes = {
      requestId: c.req.param('requestId'),
      metadataUrl: idp.metadataUrl,
      emailAttribute: idp.attributeMap.email ?? null,
      offeredCertificate: offered ? await describeCertificate(offered, c.get('ctx').clock()) : null,
    }
    return c.html(<TestResultPage {...consoleChrome(c)} idpName={idp.name} idpId={idp.id} idpEnabled={idp.enabled} fixes={fixes} test={result} />)
  })
  // a test's one-click fixes: then test again from the IdP's page
  .post('/idps/:id/test/:requestId/trust-certificate', audited('idp.update'), async (c) => {
    const row = await trustTestCertificate(c.get('ctx'), c.req.param('id'), c.req.param('requestId'))
    return c.redirect(`/sso/admin/idps/${row.id}?flash=saved`, 303)
  })
  .post('/idps/:id/test/:requestId/use-email-attribute', audited('idp.update'), async (c) => {
    const row = await useTestEmailAttribute(c.get('ctx'), c.req.param('id'), c.req.param('requestId'), (await readForm(c)).attribute ?? '')
    return c.redirect(`/sso/admin/idps/${row.id}?flash=saved`, 303)
  })
  // helpdesk apps: routes/admin-apps.tsx
  // the gateway as SP: what IdPs need, and the key rollover
  .get('/sp', async (c) => {
    const sp = await spEndpoints(c.get('ctx'))
    const [keys, jwtKeys, dependents] = await Promise.all([listSpKeyViews(c.get('ctx')), listJwtKeyViews(c.get('ctx')), keyDependents(c.get('ctx'))])
    return c.html(
      <SpPage
        {...consoleChrome(c)}
        entityId={sp.entityId}
        acsUrl={sp.acsUrl}
        sloUrl={sp.sloUrl}
        metadataUrl={sp.metadataUrl}
        keys={keys}
        jwtKeys={jwtKeys}
        dependents={dependents}
      />,
    )
  })
  .post('/jwt/keys/rotate', audited('jwt-key.rotate'), async (c) => {
    await rotateJwtKey(c.get('ctx'))
    return c.redirect('/sso/admin/sp?flash=saved', 303)
  })
  .post('/sp/keys/:use/:step', async (c) => {
    const step = c.req.param('step')
    if (step !== 'stage' && step !== 'activate') throw new AppError('NOT_FOUND')
    auditAs(c, step === 'stage' ? 'sp-key.stage' : 'sp-key.activate')
    const use = parseKeyUse(c.req.param('use'))
    if (step === 'stage') await stageSpKey(c.get('ctx'), use)
    else await activateSpKey(c.get('ctx'), use)
    return c.redirect('/sso/admin/sp?flash=saved', 303)
  })
  // settings and audit
  .get('/settings', async (c) => {
    const values = await readSettings(c.get('ctx'))
    const adminAccessText = await adminAccessLines(c.get('ctx'), values.adminAccess)
    return c.html(
      <SettingsPage
        {...consoleChrome(c)}
        values={values}
        adminAccessText={adminAccessText}
        errors={{}}
        defaultEntityId={`${c.get('ctx').origin}/sso/metadata`}
      />,
    )
  })
  .post('/settings', audited('settings.update'), async (c) => {
    const form = await readForm(c)
    const input = settingsInputFromForm(form)
    try {
      await updateSettings(c.get('ctx'), input, 'console')
      return c.redirect('/sso/admin/settings?flash=settings', 303)
    } catch (err) {
      const errors = await formErrors(c, err)
      const { adminAccess: _typed, ...typed } = input
      const values = { ...(await readSettings(c.get('ctx'))), ...typed } as Awaited<ReturnType<typeof readSettings>>
      return c.html(
        <SettingsPage
          {...consoleChrome(c)}
          values={values}
          adminAccessText={form.adminAccess ?? ''}
          errors={errors}
          defaultEntityId={`${c.get('ctx').origin}/sso/metadata`}
        />,
        400,
      )
    }
  })
  .get('/audit', async (c) => {
    const { query, filters } = consoleAuditQuery(c.req.query())
    const page = await readAuditLog(c.get('ctx'), query)
    const nextHref = page.nextBefore ? `/sso/admin/audit?${new URLSearchParams({ ...filters, before: String(page.nextBefore) })}` : null
    const entries = page.entries.map((e) => ({ ...e, detail: e.detail ?? null }))
    return c.html(<AuditPage {...consoleChrome(c)} entries={entries} filters={filters} nextHref={nextHref} />)
  })

export const adminConsoleRoutes = new Hono<AppEnv>().route('/', publicRoutes).route('/', protectedRoutes)
