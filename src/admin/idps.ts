/**
 * Admin operations on upstream IdPs, each one function that validates, stores and audits. The
 * JSON API and the console call the same functions (the console adds forms, the API adds JSON).
 * Input is untrusted until parseIdpInput has read it; every change leaves an audit row.
 */
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError, errorCode } from '../errors'
import { emitEvent, idpEventData } from '../events/emit'
import type { BrowserStep } from '../navigation'
import { startSignIn } from '../sso/sign-in'
import {
  createIdp as insertIdp,
  deleteIdp as removeIdp,
  findIdp,
  findIdpByEntityId,
  getIdp,
  listIdps,
  updateIdp as storeIdpUpdate,
  type IdpFields,
  type IdpRow,
} from '../store/idps'
import { isSlugRetired } from '../store/retired-slugs'
import { revokeSessions } from '../store/sessions'
import { getTestResult, type TestResult } from '../store/test-results'

export type { TestResult } from '../store/test-results'
import { idpView, parseIdpInput, type IdpView } from './idp-fields'
import { assertNotExpired, fieldsFromMetadata, loadIdpMetadata, refreshedFields } from './metadata-source'
import { ATTRIBUTE_PRESETS, detectPreset } from './attribute-presets'
import { describeCertificate } from './certificates'
import { pinSpEntityId } from './console-host'
import { oidcFields, refreshedOidcFields } from './oidc-settings'
import { claimIdpDomains, organizationForNewIdp, requireOrganization, revokeSessionsOf } from './organizations'
import { bool, invalid, newId, requireObject } from './validate'

/** How the change arrived, for the audit row (`setup`: a customer's IT on a setup link). */
export type AdminChannel = 'api' | 'console' | 'setup'

/** Room between sortOrders, so a new IdP lands last and reordering renumbers rarely. */
const SORT_STEP = 10

export async function listIdpViews(ctx: RequestContext): Promise<IdpView[]> {
  const now = ctx.clock()
  return Promise.all((await listIdps(ctx.db)).map((row) => idpView(row, now)))
}

/** The IdP with this id, or ADMIN_IDP_NOT_FOUND. */
export async function requireIdp(ctx: RequestContext, id: string): Promise<IdpRow> {
  const row = await getIdp(ctx.db, id)
  if (!row) throw new AppError('ADMIN_IDP_NOT_FOUND', undefined, { idpId: id.slice(0, 64) })
  return row
}

async function nextSortOrder(ctx: RequestContext): Promise<number> {
  return ((await listIdps(ctx.db)).at(-1)?.sortOrder ?? 0) + SORT_STEP
}

/**
 * Refuses a slug or entity ID another IdP holds before anything is written (no organization made
 * in vain). The detail names that IdP (id and name only) for the console's link; the message does
 * not, as a setup page shows it to another tenant's IT.
 */
async function assertIdpFree(ctx: RequestContext, fields: Partial<IdpFields>, except: string | null): Promise<void> {
  for (const [field, value] of [
    ['slug', fields.slug],
    ['entityId', fields.entityId],
  ] as const) {
    if (!value) continue
    const holder = field === 'slug' ? await findIdp(ctx.db, value) : await findIdpByEntityId(ctx.db, value)
    if (holder && holder.id !== except && (field !== 'slug' || holder.slug === value))
      throw new AppError('ADMIN_CONFLICT', `Another IdP already uses this ${field}.`, { field, existingIdp: { id: holder.id, name: holder.name } })
  }
}

/** The IdP an ADMIN_CONFLICT names as already holding the slug or entity ID, or null. */
export function conflictingIdpOf(err: unknown): { id: string; name: string } | null {
  if (!(err instanceof AppError) || err.code !== 'ADMIN_CONFLICT') return null
  return (err.detail.existingIdp as { id: string; name: string } | undefined) ?? null
}

/**
 * The organization an IdP speaks for: the one named (it must exist), else, on create, a new one
 * of its own (as migration 0004 did for existing IdPs). The IdP's emailDomains are claimed for it.
 */
async function organizationOf(ctx: RequestContext, fields: Partial<IdpFields>, via: AdminChannel): Promise<string> {
  if (fields.organizationId) {
    await requireOrganization(ctx, fields.organizationId)
    await claimIdpDomains(ctx, fields.organizationId, fields.emailDomains ?? [])
    return fields.organizationId
  }
  return (await organizationForNewIdp(ctx, { name: fields.name!, slug: fields.slug! }, fields.emailDomains ?? [], via)).id
}

async function create(ctx: RequestContext, fields: IdpFields, detail: Record<string, unknown> & { via: AdminChannel; skipTest?: true }): Promise<IdpRow> {
  await assertIdpFree(ctx, fields, null)
  if (await isSlugRetired(ctx.db, 'idp', fields.slug))
    throw new AppError(
      'ADMIN_CONFLICT',
      `The slug ${fields.slug} belonged to a deleted IdP: its users' subjects (${fields.slug}:<NameID>) may still be in the portal and the helpdesks. Choose another slug.`,
      { field: 'slug' },
    )
  // A draft (issue 14): hidden and refused until a test sign-in passes, then enabled by the admin.
  fields.enabled ??= false
  if (fields.enabled && !detail.skipTest) untested()
  fields.organizationId = await organizationOf(ctx, fields, detail.via)
  fields.sortOrder ??= await nextSortOrder(ctx)
  const row = await insertIdp(ctx.db, newId('idp', ctx.random), fields, ctx.clock())
  // From now on IdPs know this gateway's entity ID: it no longer follows the host it is reached on.
  // Only an admin pins it: a customer's IT on a setup link could be on any host the Worker answers.
  if (detail.via !== 'setup') await pinSpEntityId(ctx)
  await recordAudit(ctx, {
    action: 'idp.create',
    outcome: 'success',
    idpId: row.id,
    detail: { name: row.name, entityId: row.entityId, organizationId: row.organizationId, ...detail },
  })
  return row
}

/**
 * POST /idps, or the console's add form: every required field given by hand; no organizationId =
 * a new organization. An OIDC IdP (`protocol: 'oidc'`) is imported by discovery from its issuer.
 */
export async function createIdp(ctx: RequestContext, input: unknown, via: AdminChannel): Promise<IdpRow> {
  const { input: body, skip } = skipTestOf(input, via)
  const parsed = parseIdpInput(body, 'create')
  if (parsed.protocol === 'oidc') {
    // Free slug first: discovery is an outbound request, not to be made for a doomed create.
    await assertIdpFree(ctx, { slug: parsed.slug }, null)
    return create(ctx, (await oidcFields(ctx, parsed, null)) as IdpFields, { via, protocol: 'oidc', issuer: parsed.issuer, ...skip })
  }
  return create(ctx, parsed as IdpFields, { via, ...skip })
}

/**
 * The API's `"skipTest": true`: enable an IdP that has not passed a test sign-in here, for
 * automation that tested it elsewhere (the demo's local IdPs). Audited; the console never offers it.
 */
function skipTestOf(input: unknown, via: AdminChannel): { input: Record<string, unknown>; skip: { skipTest?: true } } {
  const { skipTest, ...rest } = requireObject(input)
  if (skipTest === undefined) return { input: rest, skip: {} }
  if (via !== 'api') invalid('skipTest', 'is for the admin API only')
  return { input: rest, skip: bool(skipTest, 'skipTest') ? { skipTest: true } : {} }
}

/**
 * POST /idps/import, or the console's import form: `{ metadataXml | metadataUrl, entityId?,
 * importAnyway?, ...overrides }`. Expired metadata is refused unless importAnyway is true. The
 * metadata's fields, then the admin's overrides, go through the same parser as a hand-made IdP.
 */
export async function importIdp(ctx: RequestContext, input: unknown, via: AdminChannel): Promise<IdpRow> {
  const { input: body, skip } = skipTestOf(input, via)
  // An OIDC provider's "metadata" is its discovery document: importing is creating from the issuer.
  if (body.protocol === 'oidc' || (body.issuer !== undefined && body.metadataXml === undefined && body.metadataUrl === undefined))
    return createIdp(ctx, { ...body, ...skip, protocol: 'oidc' }, via)
  const { metadataXml, metadataUrl, entityId, importAnyway, ...rest } = body
  const overrides = parseIdpInput(rest, 'patch')
  const anyway = importAnyway === undefined ? false : bool(importAnyway, 'importAnyway')
  const { idp, metadataUrl: url } = await loadIdpMetadata({
    metadataXml,
    metadataUrl,
    entityId,
    metadataSigningCertificate: overrides.metadataSigningCertificate,
  })
  if (!anyway) assertNotExpired(idp, ctx.clock())
  const fromMetadata = fieldsFromMetadata(idp, url)
  // The product's attribute names, guessed from the metadata, unless the admin gave a mapping.
  const preset = detectPreset({ entityId: idp.entityId, ssoUrl: fromMetadata.ssoUrl! })
  const presetMap = preset && overrides.attributeMap === undefined ? { attributeMap: { ...ATTRIBUTE_PRESETS[preset]!.map } } : {}
  const fields = parseIdpInput({ ...fromMetadata, ...presetMap, ...overrides }, 'create') as IdpFields
  return create(ctx, fields, { via, source: url ? 'metadata-url' : 'metadata-xml', ...(presetMap.attributeMap ? { preset } : {}), ...skip })
}

/** PUT (`replace`: every required field) or PATCH (any subset); the audit row lists what changed. */
export async function updateIdp(ctx: RequestContext, id: string, input: unknown, mode: 'replace' | 'patch', via: AdminChannel): Promise<IdpRow> {
  const before = await requireIdp(ctx, id)
  const { input: body, skip } = skipTestOf(input, via)
  const parsed = parseIdpInput(body, mode, before.protocol)
  // parseIdpInput takes a clientSecret for OIDC IdPs only; oidcFields seals it.
  const fields: Partial<IdpFields> = before.protocol === 'oidc' ? await oidcFields(ctx, parsed, before) : (parsed as Partial<IdpFields>)
  if (fields.slug !== undefined && fields.slug !== before.slug)
    invalid('slug', `cannot change: every user of this IdP is known to the portal and the helpdesks as ${before.slug}:<NameID>. Add a new IdP instead`)
  await assertIdpFree(ctx, fields, before.id)
  if (fields.organizationId !== undefined || fields.emailDomains !== undefined) {
    fields.organizationId = await organizationOf(ctx, { ...fields, organizationId: fields.organizationId ?? before.organizationId }, via)
  }
  const row = await applyChanges(ctx, before, fields, via, skip)
  // Moved to another organization: its sessions belonged to the old one (the tenant check already
  // refuses them); they are ended and leave the old organization's count.
  if (row.organizationId !== before.organizationId) await revokeSessionsOf(ctx, { idpId: row.id }, via)
  return row
}

/** Enabling a draft: refused until a test sign-in has passed (an untested IdP never meets a customer). */
function untested(): never {
  throw new AppError('ADMIN_IDP_UNTESTED', 'Run a test sign-in first: a new IdP stays a draft, hidden from customers, until one passes.', { field: 'enabled' })
}

/** What a test sign-in exercised: changing one of these on a disabled IdP makes it a draft again. */
const SIGN_IN_FIELDS = [
  'entityId',
  'ssoUrl',
  'ssoBinding',
  'certificates',
  'organizationId',
  'attributeMap',
  'issuer',
  'clientId',
  'clientSecretSealed',
  'tokenEndpointAuth',
  'scopes',
  'claimsMap',
] as const satisfies readonly (keyof IdpFields)[]

async function applyChanges(
  ctx: RequestContext,
  before: IdpRow,
  fields: Partial<IdpFields>,
  via: AdminChannel,
  extra: { skipTest?: true; fix?: Record<string, unknown> } = {},
): Promise<IdpRow> {
  // A passed test vouches for the configuration it ran with: a disabled IdP whose sign-in changes
  // needs a new one before it is enabled (a live IdP stays live: its admin changed it knowingly).
  const retest = !before.enabled && SIGN_IN_FIELDS.some((k) => k in fields && JSON.stringify(fields[k]) !== JSON.stringify(before[k]))
  if (fields.enabled && !before.enabled && (!before.testedAt || retest) && !extra.skipTest) untested()
  const row = (await storeIdpUpdate(ctx.db, before.id, retest ? { ...fields, testedAt: null } : fields, ctx.clock()))!
  // The sealed secret is re-sealed with a fresh IV on every write: named as the secret, not compared.
  const changed = Object.keys(fields)
    .filter((k) => JSON.stringify(before[k as keyof IdpRow]) !== JSON.stringify(row[k as keyof IdpRow]))
    .map((k) => (k === 'clientSecretSealed' ? 'clientSecret' : k))
  await recordAudit(ctx, {
    action: 'idp.update',
    outcome: 'success',
    idpId: row.id,
    detail: { changed, certificatesChanged: changed.includes('certificates'), via, ...extra },
  })
  if (row.enabled !== before.enabled) await emitEvent(ctx, row.enabled ? 'idp.enabled' : 'idp.disabled', { ...idpEventData(row), via })
  return row
}

/** The console's enable/disable button, and "Enable" after a test passed (`enabled` given). */
export async function toggleIdp(ctx: RequestContext, id: string, enabled?: boolean): Promise<IdpRow> {
  const before = await requireIdp(ctx, id)
  return applyChanges(ctx, before, { enabled: enabled ?? !before.enabled }, 'console')
}

/** The console's "make default" button (at most one default: the store clears the others), and "unset default". */
export async function makeDefaultIdp(ctx: RequestContext, id: string, isDefault = true): Promise<IdpRow> {
  return applyChanges(ctx, await requireIdp(ctx, id), { isDefault }, 'console')
}

/** Deletes the IdP: its sessions end, and its slug is retired for good (it namespaces subjects the portal keeps). */
export async function deleteIdp(ctx: RequestContext, id: string, via: AdminChannel): Promise<void> {
  const row = await requireIdp(ctx, id)
  const { revoked } = await revokeSessions(ctx, { idpId: row.id }, ctx.clock())
  await removeIdp(ctx.db, row.id, ctx.clock())
  await recordAudit(ctx, {
    action: 'idp.delete',
    outcome: 'success',
    idpId: row.id,
    detail: { name: row.name, slug: row.slug, entityId: row.entityId, sessionsRevoked: revoked, via },
  })
}

/** Moves an IdP one place up or down the selection page; everything is renumbered so ties never stick. */
export async function moveIdp(ctx: RequestContext, id: string, direction: 'up' | 'down'): Promise<void> {
  const row = await requireIdp(ctx, id)
  const rows = await listIdps(ctx.db)
  const from = rows.findIndex((r) => r.id === row.id)
  const to = from + (direction === 'up' ? -1 : 1)
  if (to < 0 || to >= rows.length) return
  ;[rows[from], rows[to]] = [rows[to]!, rows[from]!]
  const now = ctx.clock()
  for (const [i, r] of rows.entries()) if (r.sortOrder !== (i + 1) * SORT_STEP) await storeIdpUpdate(ctx.db, r.id, { sortOrder: (i + 1) * SORT_STEP }, now)
  await recordAudit(ctx, { action: 'idp.reorder', outcome: 'success', idpId: row.id, detail: { order: rows.map((r) => r.slug) } })
}

/** Re-reads the IdP's metadata URL now (the cron does the same daily, runMaintenance). */
export async function refreshIdpMetadata(ctx: RequestContext, id: string, via: AdminChannel | 'cron'): Promise<IdpRow> {
  const row = await requireIdp(ctx, id)
  const now = ctx.clock()
  let refreshed
  try {
    refreshed = row.protocol === 'oidc' ? { ...(await refreshedOidcFields(row)), certificatesChanged: false, expired: [] } : await refreshedFields(row, now)
  } catch (err) {
    // The caller audits the failure (error handler or cron); the webhook hears of it here, once for every channel.
    await emitEvent(ctx, 'idp.metadata_refresh_failed', { ...idpEventData(row), code: errorCode(err), via })
    throw err
  }
  const { update, certificatesChanged, endpointsChanged, expired } = refreshed
  const saved = (await storeIdpUpdate(ctx.db, row.id, { ...update, metadataRefreshedAt: now }, now))!
  // Expired metadata is taken as before import checked it, but never silently: the row names it.
  const detail = { certificatesChanged, endpointsChanged, via, ...(expired.length > 0 ? { expired } : {}) }
  await recordAudit(ctx, { action: 'idp.metadata-refresh', outcome: 'success', idpId: row.id, detail })
  return saved
}

/** Test connection: a real sign-in at the IdP in test mode; the ACS keeps the result for the admin. */
export async function startTestConnection(ctx: RequestContext, id: string, cookies: Record<string, string>): Promise<BrowserStep> {
  const row = await requireIdp(ctx, id)
  await recordAudit(ctx, { action: 'idp.test', outcome: 'success', idpId: row.id, detail: {} })
  return startSignIn(ctx, row, '/', cookies, { test: true })
}

/** A test's result, only for the IdP it tested (null once it expired). */
export async function testConnectionResult(ctx: RequestContext, id: string, requestId: string): Promise<{ idp: IdpRow; result: TestResult | null }> {
  const idp = await requireIdp(ctx, id)
  const result = await getTestResult(ctx.kv, requestId)
  return { idp, result: result && result.idpId === idp.id ? result : null }
}

/** Attribute names the result of a SAML test shows: every attribute, whether or not the login was refused. */
function testAttributes(result: TestResult | null): Record<string, unknown> | null {
  if (!result) return null
  if (result.ok) return 'result' in result ? result.result.attributes : null
  const received = result.detail.receivedAttributes
  return received && typeof received === 'object' ? (received as Record<string, unknown>) : null
}

function noFix(what: string): never {
  throw new AppError('ADMIN_TEST_FIX_UNAVAILABLE', `${what} Run the test again.`)
}

/**
 * A test's one-click fix: trust the certificate the IdP just signed with. Only a certificate the
 * result offers (the response verified with it, acs.ts certificateOffer), kept in KV for 10
 * minutes under this IdP's test: a form cannot name another. Added beside the configured ones.
 */
export async function trustTestCertificate(ctx: RequestContext, id: string, requestId: string): Promise<IdpRow> {
  const { idp, result } = await testConnectionResult(ctx, id, requestId)
  const offered = result && !result.ok ? result.detail.offeredCertificate : undefined
  if (typeof offered !== 'string' || idp.protocol !== 'saml') noFix('This test result offers no certificate to trust (it expired after 10 minutes).')
  const fields = parseIdpInput({ certificates: [...idp.certificates, offered] }, 'patch', idp.protocol)
  // The one way KeyInfo becomes a trust anchor (the admin's click): the row says which and from where.
  const { fingerprintSha256 } = await describeCertificate(offered, ctx.clock())
  return applyChanges(ctx, idp, fields as Partial<IdpFields>, 'console', { fix: { kind: 'trust-certificate', requestId, fingerprintSha256 } })
}

/** A test's one-click fix: map the email from an attribute the IdP just sent. */
export async function useTestEmailAttribute(ctx: RequestContext, id: string, requestId: string, name: string): Promise<IdpRow> {
  const { idp, result } = await testConnectionResult(ctx, id, requestId)
  const attributes = testAttributes(result)
  if (!attributes || !Object.hasOwn(attributes, name) || idp.protocol !== 'saml')
    noFix(`The IdP sent no attribute named "${name}" in this test (or the result expired after 10 minutes).`)
  const fields = parseIdpInput({ attributeMap: { ...idp.attributeMap, email: name } }, 'patch', idp.protocol)
  return applyChanges(ctx, idp, fields as Partial<IdpFields>, 'console', { fix: { kind: 'email-attribute', requestId, attribute: name } })
}
