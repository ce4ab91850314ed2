/**
 * Admin JSON API under /sso/admin/api (DESIGN.md): IdPs, settings, audit. Bearer ADMIN_TOKEN.
 * Routes parse input, call the store, audit the change and answer; no SQL or XML here.
 */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { requireAdminToken } from '../middleware/admin-auth'
import { auditRequest } from '../middleware/audit'
import { listAudit, type AuditEntry } from '../store/audit'
import { createIdp, deleteIdp, getIdp, listIdps, updateIdp } from '../store/idps'
import { getSettings, putSettings } from '../store/settings'
import { parseIdpInput, requireObject } from './admin-input'
import { parseSettingsInput } from './admin-settings-input'
import { describeCertificate, idpView } from './admin-views'
import { activateNextSpKey, listSpKeys, stageNextSpKey } from '../store/sp-keys'
import { fieldsFromMetadata, loadMetadata, refreshedFields } from './metadata-import'
import type { IdpFields } from '../store/idps'

async function readJson(c: Context<AppEnv>): Promise<unknown> {
  const text = await c.req.text()
  if (text.length > 1_048_576) throw new AppError('ADMIN_INVALID_JSON', 'The body is larger than 1 MiB.')
  try {
    return JSON.parse(text)
  } catch {
    throw new AppError('ADMIN_INVALID_JSON', 'The body is not valid JSON.')
  }
}

export function auditAdmin(c: Context<AppEnv>, entry: Pick<AuditEntry, 'action' | 'idpId' | 'detail'>): Promise<void> {
  return auditRequest(c, { actor: c.var.adminActor ?? 'admin', outcome: 'success', ...entry })
}

export function newIdpId(random: (n: number) => Uint8Array): string {
  return `idp_${[...random(9)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

async function mustGetIdp(c: Context<AppEnv>) {
  const row = await getIdp(c.env.DB, c.req.param('id') ?? '')
  if (!row) throw new AppError('ADMIN_IDP_NOT_FOUND')
  return row
}

export const adminApiRoutes = new Hono<AppEnv>()
  .use(requireAdminToken())
  .use(async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
  .get('/idps', async (c) => {
    const now = c.var.deps.clock()
    return c.json({ idps: await Promise.all((await listIdps(c.env.DB)).map((r) => idpView(r, now))) })
  })
  .post('/idps', async (c) => {
    const fields = parseIdpInput(await readJson(c), 'create') as IdpFields
    const now = c.var.deps.clock()
    const row = await createIdp(c.env.DB, newIdpId(c.var.deps.random), fields, now)
    await auditAdmin(c, { action: 'idp.create', idpId: row.id, detail: { name: row.name, entityId: row.entityId } })
    return c.json(await idpView(row, now), 201)
  })
  .post('/idps/import', async (c) => {
    const { metadataXml, metadataUrl, entityId, ...overrides } = requireObject(await readJson(c))
    const { idp, metadataUrl: url } = await loadMetadata({ metadataXml, metadataUrl, entityId })
    const fields = parseIdpInput({ ...fieldsFromMetadata(idp, url), ...parseIdpInput(overrides, 'patch') }, 'create') as IdpFields
    const now = c.var.deps.clock()
    const row = await createIdp(c.env.DB, newIdpId(c.var.deps.random), fields, now)
    await auditAdmin(c, { action: 'idp.create', idpId: row.id, detail: { name: row.name, entityId: row.entityId, via: url ? 'metadata-url' : 'metadata-xml' } })
    return c.json(await idpView(row, now), 201)
  })
  .post('/idps/:id/refresh', async (c) => {
    const row = await mustGetIdp(c)
    const { update, certificatesChanged, endpointsChanged } = await refreshedFields(row)
    const now = c.var.deps.clock()
    const saved = (await updateIdp(c.env.DB, row.id, { ...update, metadataRefreshedAt: now }, now))!
    await auditAdmin(c, { action: 'idp.metadata-refresh', idpId: row.id, detail: { certificatesChanged, endpointsChanged } })
    return c.json(await idpView(saved, now))
  })
  .get('/idps/:id', async (c) => c.json(await idpView(await mustGetIdp(c), c.var.deps.clock())))
  .on(['PUT', 'PATCH'], '/idps/:id', async (c) => {
    const before = await mustGetIdp(c)
    const fields = parseIdpInput(await readJson(c), c.req.method === 'PUT' ? 'replace' : 'patch')
    const now = c.var.deps.clock()
    const row = (await updateIdp(c.env.DB, before.id, fields, now))!
    const changed = Object.keys(fields).filter((k) => JSON.stringify(before[k as keyof typeof before]) !== JSON.stringify(row[k as keyof typeof row]))
    await auditAdmin(c, { action: 'idp.update', idpId: row.id, detail: { changed, certificatesChanged: changed.includes('certificates') } })
    return c.json(await idpView(row, now))
  })
  .delete('/idps/:id', async (c) => {
    const row = await mustGetIdp(c)
    await deleteIdp(c.env.DB, row.id)
    await auditAdmin(c, { action: 'idp.delete', idpId: row.id, detail: { name: row.name, entityId: row.entityId } })
    return c.body(null, 204)
  })
  .get('/sp/keys', async (c) => {
    const now = c.var.deps.clock()
    const keys = await listSpKeys(c.env.DB)
    return c.json({
      keys: await Promise.all(
        keys.map(async (k) => ({
          id: k.id,
          use: k.use,
          status: k.status,
          certificatePem: k.certificatePem,
          certificate: await describeCertificate(k.certificatePem, now),
        })),
      ),
    })
  })
  .post('/sp/keys/:use/:step', async (c) => {
    const use = c.req.param('use')
    const step = c.req.param('step')
    if (use !== 'signing' && use !== 'encryption') throw new AppError('ADMIN_INVALID_FIELD', "use: must be 'signing' or 'encryption'", { field: 'use' })
    const now = c.var.deps.clock()
    if (step === 'stage') {
      const key = await stageNextSpKey(c.env.DB, c.env.SSO_SECRET, use, now, new URL(c.req.url).host)
      await auditAdmin(c, { action: 'sp-key.stage', idpId: null, detail: { use, id: key.id } })
      return c.json({ id: key.id, status: 'next', certificatePem: key.certificatePem }, 201)
    }
    if (step !== 'activate') throw new AppError('NOT_FOUND')
    if (!(await activateNextSpKey(c.env.DB, use, now))) throw new AppError('ADMIN_INVALID_FIELD', `use: no staged ${use} key to activate`, { field: 'use' })
    await auditAdmin(c, { action: 'sp-key.activate', idpId: null, detail: { use } })
    return c.json({ ok: true })
  })
  .get('/settings', async (c) => c.json(await getSettings(c.env.DB)))
  .put('/settings', async (c) => {
    const changes = parseSettingsInput(requireObject(await readJson(c)))
    const saved = await putSettings(c.env.DB, changes, c.var.deps.clock())
    await auditAdmin(c, { action: 'settings.update', idpId: null, detail: { changed: Object.keys(changes) } })
    return c.json(saved)
  })
  .get('/audit', async (c) => {
    const q = c.req.query()
    const limit = q.limit === undefined ? 50 : Number(q.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      throw new AppError('ADMIN_INVALID_FIELD', 'limit: must be a whole number from 1 to 500', { field: 'limit' })
    const before = q.before === undefined ? undefined : Number(q.before)
    if (before !== undefined && (!Number.isInteger(before) || before < 1))
      throw new AppError('ADMIN_INVALID_FIELD', 'before: must be a positive whole number', { field: 'before' })
    if (q.outcome !== undefined && q.outcome !== 'success' && q.outcome !== 'failure')
      throw new AppError('ADMIN_INVALID_FIELD', "outcome: must be 'success' or 'failure'", { field: 'outcome' })
    const page = await listAudit(c.env.DB, { action: q.action, idpId: q.idpId, outcome: q.outcome, code: q.code, before, limit })
    return c.json({ entries: page.entries.map((e) => ({ ...e, at: e.at.toISOString() })), nextBefore: page.nextBefore })
  })
