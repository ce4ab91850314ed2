/**
 * Admin API for downstream helpdesk apps: /sso/admin/api/apps (GET, POST 201, GET/PATCH/DELETE
 * :id). The shared secret is write-only: responses say `hasSecret`, never the value.
 */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { requireAdminToken } from '../middleware/admin-auth'
import { deleteApp, getApp, listApps, saveApp, type AppRow } from '../store/apps'
import { auditAdmin, newIdpId } from './admin-api'
import { requireObject, slugify } from './admin-input'

function invalid(field: string, message: string): never {
  throw new AppError('ADMIN_INVALID_FIELD', `${field}: ${message}`, { field })
}

function appView(row: AppRow) {
  const origin = row.kind === 'zendesk' ? `https://${String(row.config.subdomain)}.zendesk.com` : null
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    slug: row.slug,
    enabled: row.enabled,
    config: row.config,
    hasSecret: row.secretSealed !== null,
    // What to enter in Zendesk: Admin Center → Account → Security → SSO → JSON Web Token.
    setup: origin ? { remoteLoginUrl: `/sso/handoff/zendesk?app=${row.slug}`, jwtEndpoint: `${origin}/access/jwt` } : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

function parseZendeskConfig(v: unknown, base: Record<string, unknown>): Record<string, unknown> {
  const input = { ...base, ...(v === undefined ? {} : requireObject(v)) }
  const subdomain = input.subdomain
  if (typeof subdomain !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(subdomain)) invalid('config.subdomain', 'must be the Zendesk subdomain, e.g. acme for acme.zendesk.com')
  const externalIdFrom = input.externalIdFrom ?? 'nameId'
  if (externalIdFrom !== 'nameId' && externalIdFrom !== 'none') invalid('config.externalIdFrom', "must be 'nameId' or 'none'")
  const map = input.organizationMap ?? {}
  if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.values(map).some((o) => typeof o !== 'string' || !o || o.length > 255)) {
    invalid('config.organizationMap', 'must map IdP slugs or group names to organization names')
  }
  const tags = input.tagsFromGroups ?? false
  if (typeof tags !== 'boolean') invalid('config.tagsFromGroups', 'must be true or false')
  return { subdomain, externalIdFrom, organizationMap: map, tagsFromGroups: tags }
}

async function parseApp(c: Context<AppEnv>, existing: AppRow | null) {
  let body: unknown
  try {
    body = JSON.parse(await c.req.text())
  } catch {
    throw new AppError('ADMIN_INVALID_JSON', 'The body is not valid JSON.')
  }
  const input = requireObject(body)
  for (const key of Object.keys(input)) if (!['kind', 'name', 'slug', 'enabled', 'config', 'sharedSecret'].includes(key)) invalid(key, 'unknown field')
  const kind = input.kind ?? existing?.kind
  if (kind !== 'zendesk') invalid('kind', "must be 'zendesk'")
  const name = input.name ?? existing?.name
  if (typeof name !== 'string' || !name.trim() || name.length > 100) invalid('name', 'must be a non-empty string of at most 100 characters')
  const slug = input.slug ?? existing?.slug ?? slugify(name)
  if (typeof slug !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/.test(slug)) invalid('slug', 'use lowercase letters, digits and dashes')
  const enabled = input.enabled ?? existing?.enabled ?? true
  if (typeof enabled !== 'boolean') invalid('enabled', 'must be true or false')
  const sharedSecret = input.sharedSecret
  if (sharedSecret !== undefined && (typeof sharedSecret !== 'string' || sharedSecret.length < 16 || sharedSecret.length > 512)) invalid('sharedSecret', 'must be the shared secret Zendesk shows (16 to 512 characters)')
  if (!existing && sharedSecret === undefined) invalid('sharedSecret', 'is required')
  return { kind: 'zendesk' as const, name: name.trim(), slug, enabled, config: parseZendeskConfig(input.config, existing?.config ?? {}), sharedSecret: sharedSecret as string | undefined }
}

async function mustGetApp(c: Context<AppEnv>): Promise<AppRow> {
  const row = await getApp(c.env.DB, c.req.param('id') ?? '')
  if (!row) throw new AppError('ADMIN_APP_NOT_FOUND')
  return row
}

export const adminAppRoutes = new Hono<AppEnv>()
  .use(requireAdminToken())
  .use(async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
  .get('/', async (c) => c.json({ apps: (await listApps(c.env.DB)).map(appView) }))
  .post('/', async (c) => {
    const fields = await parseApp(c, null)
    const row = await saveApp(c.env.DB, c.env.SSO_SECRET, newIdpId(c.var.deps.random).replace(/^idp_/, 'app_'), fields, c.var.deps.clock(), true)
    await auditAdmin(c, { action: 'app.create', idpId: null, detail: { appId: row.id, kind: row.kind } })
    return c.json(appView(row), 201)
  })
  .get('/:id', async (c) => c.json(appView(await mustGetApp(c))))
  .patch('/:id', async (c) => {
    const existing = await mustGetApp(c)
    const fields = await parseApp(c, existing)
    const row = await saveApp(c.env.DB, c.env.SSO_SECRET, existing.id, fields, c.var.deps.clock(), false)
    await auditAdmin(c, { action: 'app.update', idpId: null, detail: { appId: row.id, secretChanged: fields.sharedSecret !== undefined } })
    return c.json(appView(row))
  })
  .delete('/:id', async (c) => {
    const row = await mustGetApp(c)
    await deleteApp(c.env.DB, row.id)
    await auditAdmin(c, { action: 'app.delete', idpId: null, detail: { appId: row.id } })
    return c.body(null, 204)
  })
