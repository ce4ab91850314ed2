/**
 * Admin API for downstream helpdesk apps: /sso/admin/api/apps (GET, POST 201, GET/PATCH/DELETE
 * :id). The shared secret is write-only: responses say `hasSecret`, never the value.
 */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { requireAdminToken } from '../middleware/admin-auth'
import { encodeBase64 } from '../saml/encoding'
import { parseSpMetadata } from '../saml/metadata'
import { parseCertificate } from '../saml/x509'
import { fetchMetadata } from './metadata-import'
import { activeSpKey } from '../store/sp-keys'
import { deleteApp, getApp, listApps, SAML_APP_ATTRIBUTES, saveApp, type AppRow, type ZendeskConfig } from '../store/apps'
import { zendeskOrigin } from '../handoff/zendesk'
import { auditAdmin, newIdpId } from './admin-api'
import { parseCertificates, parseUrl, requireObject, slugify } from './admin-input'

function invalid(field: string, message: string): never {
  throw new AppError('ADMIN_INVALID_FIELD', `${field}: ${message}`, { field })
}

function appView(row: AppRow, signingCertificatePem: string | null) {
  const origin = row.kind === 'zendesk' ? zendeskOrigin(row.config as unknown as ZendeskConfig) : null
  const setup =
    row.kind === 'zendesk'
      ? { remoteLoginUrl: `/sso/handoff/zendesk?app=${row.slug}`, jwtEndpoint: `${origin}/access/jwt` }
      : row.kind === 'saml'
        ? { idpMetadataUrl: '/sso/idp/metadata', ssoUrl: '/sso/idp/sso', launchUrl: `/sso/idp/launch/${row.slug}`, signingCertificatePem }
        : { loginUrl: `/sso/handoff/freshworks?app=${row.slug}`, publicKeyPem: signingCertificatePem ? publicKeyPem(signingCertificatePem) : null }
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    slug: row.slug,
    enabled: row.enabled,
    config: row.config,
    hasSecret: row.secretSealed !== null,
    // What to enter in the helpdesk's SSO settings.
    setup,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

function parseZendeskConfig(v: unknown, base: Record<string, unknown>): Record<string, unknown> {
  const input = { ...base, ...(v === undefined ? {} : requireObject(v)) }
  const subdomain = input.subdomain
  if (typeof subdomain !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(subdomain))
    invalid('config.subdomain', 'must be the Zendesk subdomain, e.g. acme for acme.zendesk.com')
  const externalIdFrom = input.externalIdFrom ?? 'nameId'
  if (externalIdFrom !== 'nameId' && externalIdFrom !== 'none') invalid('config.externalIdFrom', "must be 'nameId' or 'none'")
  const map = input.organizationMap ?? {}
  if (typeof map !== 'object' || map === null || Array.isArray(map) || Object.values(map).some((o) => typeof o !== 'string' || !o || o.length > 255)) {
    invalid('config.organizationMap', 'must map IdP slugs or group names to organization names')
  }
  const tags = input.tagsFromGroups ?? false
  if (typeof tags !== 'boolean') invalid('config.tagsFromGroups', 'must be true or false')
  const userFields = input.userFields ?? {}
  if (
    typeof userFields !== 'object' ||
    userFields === null ||
    Array.isArray(userFields) ||
    Object.values(userFields).some((v) => v !== 'idp' && v !== 'nameId' && v !== 'groups')
  ) {
    invalid('config.userFields', "must map Zendesk user field keys to 'idp', 'nameId' or 'groups'")
  }
  const baseUrl = input.baseUrl === undefined || input.baseUrl === null || input.baseUrl === '' ? undefined : parseUrl(input.baseUrl, 'config.baseUrl')
  return { subdomain, externalIdFrom, organizationMap: map, tagsFromGroups: tags, userFields, ...(baseUrl ? { baseUrl } : {}) }
}

function parseSamlAppConfig(v: unknown, base: Record<string, unknown>): Record<string, unknown> {
  const input = { ...base, ...(v === undefined ? {} : requireObject(v)) }
  const entityId = input.entityId
  if (typeof entityId !== 'string' || !entityId.trim() || entityId.length > 1024) invalid('config.entityId', "must be the helpdesk's SP entity ID")
  const nameIdFormat = input.nameIdFormat ?? 'email'
  if (nameIdFormat !== 'email' && nameIdFormat !== 'persistent') invalid('config.nameIdFormat', "must be 'email' or 'persistent'")
  const signResponse = input.signResponse ?? false
  if (typeof signResponse !== 'boolean') invalid('config.signResponse', 'must be true or false')
  const certificates = input.certificates === undefined ? [] : input.certificates
  if (!Array.isArray(certificates)) invalid('config.certificates', 'must be an array of PEM certificates')
  const sloUrl = input.sloUrl === undefined || input.sloUrl === null || input.sloUrl === '' ? undefined : parseUrl(input.sloUrl, 'config.sloUrl')
  const attributeNames = input.attributeNames ?? {}
  if (typeof attributeNames !== 'object' || attributeNames === null || Array.isArray(attributeNames)) invalid('config.attributeNames', 'must be an object')
  for (const [k, v] of Object.entries(attributeNames)) {
    if (!(SAML_APP_ATTRIBUTES as readonly string[]).includes(k))
      invalid(`config.attributeNames.${k}`, `unknown field (allowed: ${SAML_APP_ATTRIBUTES.join(', ')})`)
    if (typeof v !== 'string' || v.length > 512) invalid(`config.attributeNames.${k}`, "must be an attribute name ('' = do not send)")
  }
  const orgs = input.organizationMap ?? {}
  if (typeof orgs !== 'object' || orgs === null || Array.isArray(orgs) || Object.values(orgs).some((o) => typeof o !== 'string' || !o))
    invalid('config.organizationMap', 'must map IdP slugs or group names to organization names')
  return {
    attributeNames,
    organizationMap: orgs,
    entityId: entityId.trim(),
    acsUrl: parseUrl(input.acsUrl, 'config.acsUrl'),
    nameIdFormat,
    signResponse,
    certificates: certificates.length ? parseCertificates(certificates, 'config.certificates') : [],
    ...(sloUrl ? { sloUrl } : {}),
  }
}

function parseFreshworksConfig(v: unknown, base: Record<string, unknown>): Record<string, unknown> {
  const input = { ...base, ...(v === undefined ? {} : requireObject(v)) }
  const uris = input.redirectUris
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > 10) invalid('config.redirectUris', "must list 1 to 10 of the helpdesk's SSO callback URLs")
  return { redirectUris: uris.map((u, i) => parseUrl(u, `config.redirectUris[${i}]`)) }
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
  if (kind !== 'zendesk' && kind !== 'freshworks' && kind !== 'saml') invalid('kind', "must be 'zendesk', 'freshworks' or 'saml'")
  if (existing && kind !== existing.kind) invalid('kind', 'cannot change; create a new app')
  const name = input.name ?? existing?.name
  if (typeof name !== 'string' || !name.trim() || name.length > 100) invalid('name', 'must be a non-empty string of at most 100 characters')
  const slug = input.slug ?? existing?.slug ?? slugify(name)
  if (typeof slug !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/.test(slug)) invalid('slug', 'use lowercase letters, digits and dashes')
  const enabled = input.enabled ?? existing?.enabled ?? true
  if (typeof enabled !== 'boolean') invalid('enabled', 'must be true or false')
  const sharedSecret = input.sharedSecret
  if (sharedSecret !== undefined && (typeof sharedSecret !== 'string' || sharedSecret.length < 16 || sharedSecret.length > 512))
    invalid('sharedSecret', 'must be the shared secret Zendesk shows (16 to 512 characters)')
  if (kind === 'saml') {
    if (sharedSecret !== undefined) invalid('sharedSecret', 'SAML apps use certificates, not a shared secret')
    return {
      kind: 'saml' as const,
      name: name.trim(),
      slug,
      enabled,
      config: parseSamlAppConfig(input.config, existing?.config ?? {}),
      sharedSecret: undefined,
    }
  }
  if (kind === 'freshworks') {
    if (sharedSecret !== undefined) invalid('sharedSecret', 'Freshworks apps are signed with the gateway key (RS256); no shared secret')
    return {
      kind: 'freshworks' as const,
      name: name.trim(),
      slug,
      enabled,
      config: parseFreshworksConfig(input.config, existing?.config ?? {}),
      sharedSecret: undefined,
    }
  }
  if (!existing && sharedSecret === undefined) invalid('sharedSecret', 'is required')
  return {
    kind: 'zendesk' as const,
    name: name.trim(),
    slug,
    enabled,
    config: parseZendeskConfig(input.config, existing?.config ?? {}),
    sharedSecret: sharedSecret as string | undefined,
  }
}

async function mustGetApp(c: Context<AppEnv>): Promise<AppRow> {
  const row = await getApp(c.env.DB, c.req.param('id') ?? '')
  if (!row) throw new AppError('ADMIN_APP_NOT_FOUND')
  return row
}

/** The SPKI public key (PEM) of a certificate: what Freshworks asks for to verify RS256 tokens. */
function publicKeyPem(certificatePem: string): string {
  const b64 = encodeBase64(parseCertificate(certificatePem).spki)
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')
  return `-----BEGIN PUBLIC KEY-----\n${b64}\n-----END PUBLIC KEY-----\n`
}

async function signingCertificate(c: Context<AppEnv>): Promise<string> {
  return (await activeSpKey(c.env.DB, c.env.SSO_SECRET, 'signing', c.var.deps.clock(), new URL(c.req.url).host)).certificatePem
}

/** Creates a SAML app from `{ metadataXml | metadataUrl, name?, slug?, entityId?, signResponse? }`. */
export async function importSamlApp(c: Context<AppEnv>, input: Record<string, unknown>): Promise<AppRow> {
  let xml: string
  if (typeof input.metadataXml === 'string' && input.metadataXml.trim()) xml = input.metadataXml
  else if (typeof input.metadataUrl === 'string' && input.metadataUrl.trim()) xml = await fetchMetadata(input.metadataUrl)
  else invalid('metadataXml', 'give metadataXml or metadataUrl')
  const sp = parseSpMetadata(xml, typeof input.entityId === 'string' && input.entityId ? input.entityId : undefined)
  const name = typeof input.name === 'string' && input.name.trim() ? input.name.trim() : new URL(sp.acsUrl).host
  const config = parseSamlAppConfig(
    { entityId: sp.entityId, acsUrl: sp.acsUrl, signResponse: input.signResponse ?? false, certificates: sp.authnRequestsSigned ? sp.signingCertificates : [] },
    {},
  )
  const slug = typeof input.slug === 'string' && input.slug ? input.slug : slugify(name)
  const row = await saveApp(
    c.env.DB,
    c.env.SSO_SECRET,
    newIdpId(c.var.deps.random).replace(/^idp_/, 'app_'),
    { kind: 'saml', name, slug, enabled: true, config },
    c.var.deps.clock(),
    true,
  )
  await auditAdmin(c, { action: 'app.create', idpId: null, detail: { appId: row.id, kind: 'saml', via: 'sp-metadata' } })
  return row
}

export const adminAppRoutes = new Hono<AppEnv>()
  .use(requireAdminToken())
  .use(async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
  })
  .get('/', async (c) => {
    const cert = await signingCertificate(c)
    return c.json({ apps: (await listApps(c.env.DB)).map((a) => appView(a, cert)) })
  })
  .post('/', async (c) => {
    const fields = await parseApp(c, null)
    const row = await saveApp(c.env.DB, c.env.SSO_SECRET, newIdpId(c.var.deps.random).replace(/^idp_/, 'app_'), fields, c.var.deps.clock(), true)
    await auditAdmin(c, { action: 'app.create', idpId: null, detail: { appId: row.id, kind: row.kind } })
    return c.json(appView(row, await signingCertificate(c)), 201)
  })
  .post('/import', async (c) => {
    // A helpdesk's SP metadata (Atlassian Guard, Zammad, Freshdesk show it) becomes a SAML app.
    let body: unknown
    try {
      body = JSON.parse(await c.req.text())
    } catch {
      throw new AppError('ADMIN_INVALID_JSON', 'The body is not valid JSON.')
    }
    const row = await importSamlApp(c, requireObject(body))
    return c.json(appView(row, await signingCertificate(c)), 201)
  })
  .get('/:id', async (c) => c.json(appView(await mustGetApp(c), await signingCertificate(c))))
  .patch('/:id', async (c) => {
    const existing = await mustGetApp(c)
    const fields = await parseApp(c, existing)
    const row = await saveApp(c.env.DB, c.env.SSO_SECRET, existing.id, fields, c.var.deps.clock(), false)
    await auditAdmin(c, { action: 'app.update', idpId: null, detail: { appId: row.id, secretChanged: fields.sharedSecret !== undefined } })
    return c.json(appView(row, await signingCertificate(c)))
  })
  .delete('/:id', async (c) => {
    const row = await mustGetApp(c)
    await deleteApp(c.env.DB, row.id)
    await auditAdmin(c, { action: 'app.delete', idpId: null, detail: { appId: row.id } })
    return c.body(null, 204)
  })
