/**
 * Admin operations on downstream helpdesk apps (hand-off targets), each validate → store → audit,
 * shared by the API and the console. The shared secret is write-only: views say `hasSecret`.
 * Each view carries what to enter in the helpdesk's SSO settings, as absolute URLs on this origin.
 */
import { exportSPKI, importX509 } from 'jose'
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { brokerEndpoints } from '../broker/endpoints'
import { zendeskOrigin } from '../handoff/zendesk'
import { NAMEID_EMAIL, NAMEID_PERSISTENT, parseSpMetadata, type SpMetadata } from '../saml/broker/metadata'
import { encodeBase64 } from '../saml/encoding'
import { parseCertificate } from '../saml/x509'
import type { AppKind, SamlAppConfig, ZendeskConfig } from '../store/app-configs'
import { deleteApp as removeApp, getApp, listApps, openAppSecret, saveApp, setAppEnabled as storeAppEnabled, type App } from '../store/apps'
import { activeSpKey, listSpKeys, type SigningRole } from '../store/sp-keys'
import { parseAppInput, parseSamlAppConfig, parseSharedSecret } from './app-fields'
import { describeCertificate, type CertificateInfo } from './certificates'
import type { AdminChannel } from './idps'
import { readMetadataSource } from './metadata-source'
import { invalid, newId, requireObject, slugify } from './validate'

/** The active certificate of a signing role (created on first use, as when it first signs). */
async function activeCertificate(ctx: RequestContext, role: SigningRole): Promise<string> {
  return (await activeSpKey(ctx.db, ctx.secret, role, ctx.clock(), new URL(ctx.origin).host)).certificatePem
}

/** Zendesk's JWT settings ("remote login URL" names the app, so several Zendesk apps can coexist). */
export interface ZendeskSetup {
  remoteLoginUrl: string
  remoteLogoutUrl: string
  /** Where the gateway posts the JWT: known once the subdomain is. */
  jwtEndpoint?: string
}

/** Freshworks' JWT settings: the login URL, and the public key of the gateway's own `freshworks` key. */
export interface FreshworksSetup {
  loginUrl: string
  logoutUrl: string
  publicKeyPem: string
}

/** A SAML helpdesk's IdP settings: the broker's endpoints and the `broker` key's certificate. */
export interface SamlSetup {
  idpEntityId: string
  ssoUrl: string
  sloUrl: string
  logoutUrl: string
  idpMetadataUrl: string
  /** IdP-initiated sign-in into this app: known once the app has its slug. */
  launchUrl?: string
  nameIdFormat: string
  signingCertificatePem: string
  signingCertificateFingerprintSha256: string
  signingCertificateNotAfter: string
}

/** The values for one kind of helpdesk, tagged with the kind (what the console's pages take). */
export type AppSetup = { kind: 'zendesk'; values: ZendeskSetup } | { kind: 'freshworks'; values: FreshworksSetup } | { kind: 'saml'; values: SamlSetup }

function zendeskSetup(ctx: RequestContext, slug: string, config: ZendeskConfig | null): ZendeskSetup {
  return {
    remoteLoginUrl: `${ctx.origin}/sso/handoff/zendesk?app=${encodeURIComponent(slug)}`,
    remoteLogoutUrl: `${ctx.origin}/sso/logout`,
    ...(config ? { jwtEndpoint: `${zendeskOrigin(config)}/access/jwt` } : {}),
  }
}

async function freshworksSetup(ctx: RequestContext, slug: string): Promise<FreshworksSetup> {
  return {
    loginUrl: `${ctx.origin}/sso/handoff/freshworks?app=${encodeURIComponent(slug)}`,
    logoutUrl: `${ctx.origin}/sso/logout`,
    publicKeyPem: await publicKeyPem(await activeCertificate(ctx, 'freshworks')),
  }
}

async function samlSetup(ctx: RequestContext, slug: string | null, nameIdFormat: SamlAppConfig['nameIdFormat']): Promise<SamlSetup> {
  const broker = brokerEndpoints(ctx.origin)
  const certificatePem = await activeCertificate(ctx, 'broker')
  const certificate = await describeCertificate(certificatePem, ctx.clock())
  return {
    idpEntityId: broker.entityId,
    ssoUrl: broker.ssoUrl,
    sloUrl: broker.sloUrl,
    logoutUrl: `${ctx.origin}/sso/logout`,
    // The app's own copy: it says WantAuthnRequestsSigned="true" when the app must sign.
    idpMetadataUrl: slug ? `${broker.entityId}?app=${encodeURIComponent(slug)}` : broker.entityId,
    ...(slug ? { launchUrl: `${ctx.origin}/sso/idp/launch/${encodeURIComponent(slug)}` } : {}),
    nameIdFormat: nameIdFormat === 'persistent' ? NAMEID_PERSISTENT : NAMEID_EMAIL,
    signingCertificatePem: certificatePem,
    signingCertificateFingerprintSha256: certificate.fingerprintSha256,
    signingCertificateNotAfter: certificate.notAfter,
  }
}

/** What to enter in the helpdesk's SSO settings for this app, by kind. */
async function setupOf(ctx: RequestContext, app: App): Promise<AppSetup> {
  // Each kind verifies with its own role's key: broker apps the broker's, Freshworks its own (Zendesk: the shared secret).
  if (app.kind === 'zendesk') return { kind: 'zendesk', values: zendeskSetup(ctx, app.slug, app.config) }
  if (app.kind === 'freshworks') return { kind: 'freshworks', values: await freshworksSetup(ctx, app.slug) }
  return { kind: 'saml', values: await samlSetup(ctx, app.slug, app.config.nameIdFormat) }
}

/**
 * The values a new app's page shows before it is saved: the helpdesk often asks for them first
 * (Atlassian Guard wants the IdP's values before it shows its own). `slug` as typed, or null.
 */
export async function previewSetup(ctx: RequestContext, kind: AppKind, slug: string | null): Promise<AppSetup> {
  if (kind === 'zendesk') return { kind, values: zendeskSetup(ctx, slug ?? 'SLUG', null) }
  if (kind === 'freshworks') return { kind, values: await freshworksSetup(ctx, slug ?? 'SLUG') }
  return { kind, values: await samlSetup(ctx, null, 'email') }
}

export async function appView(ctx: RequestContext, app: App) {
  return viewOf(app, await setupOf(ctx, app))
}

function viewOf(app: App, setup: AppSetup) {
  return {
    id: app.id,
    kind: app.kind,
    name: app.name,
    slug: app.slug,
    enabled: app.enabled,
    config: app.config,
    hasSecret: app.secretSealed !== null,
    // What to enter in the helpdesk's SSO settings.
    setup: setup.values,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  }
}

export type AppView = ReturnType<typeof viewOf>

/** The console's app page: the view, its setup by kind, and the broker certificate a rollover has staged (to hand out before activation). */
export async function appDetail(
  ctx: RequestContext,
  app: App,
): Promise<{ view: AppView; setup: AppSetup; stagedCertificate: (CertificateInfo & { pem: string }) | null }> {
  const setup = await setupOf(ctx, app)
  const staged = app.kind === 'saml' ? (await listSpKeys(ctx.db)).find((k) => k.use === 'broker' && k.status === 'next') : undefined
  return {
    view: viewOf(app, setup),
    setup,
    stagedCertificate: staged ? { ...(await describeCertificate(staged.certificatePem, ctx.clock())), pem: staged.certificatePem } : null,
  }
}

/**
 * The broker certificate as a file for helpdesks that take an upload: PEM (`.pem`), or DER
 * (`.cer`, what Windows and some admin screens expect).
 */
export async function brokerCertificateFile(
  ctx: RequestContext,
  format: 'pem' | 'cer',
): Promise<{ body: string | Uint8Array<ArrayBuffer>; contentType: string; filename: string }> {
  const pem = await activeCertificate(ctx, 'broker')
  const host = new URL(ctx.origin).host.replace(/[^\w.-]/g, '_')
  if (format === 'pem') {
    // Canonical PEM (RFC 7468): whatever the store holds, 64-column base64 between the labels.
    const lines = encodeBase64(parseCertificate(pem).der).match(/.{1,64}/g) ?? []
    return {
      body: `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`,
      contentType: 'application/x-pem-file',
      filename: `${host}-idp.pem`,
    }
  }
  return { body: new Uint8Array(parseCertificate(pem).der), contentType: 'application/pkix-cert', filename: `${host}-idp.cer` }
}

/** The SPKI public key (PEM) of a certificate: what Freshworks asks for to verify RS256 tokens. */
async function publicKeyPem(certificatePem: string): Promise<string> {
  return exportSPKI(await importX509(certificatePem, 'RS256', { extractable: true }))
}

/** One line per app for the console's list: where it sends customers. */
export async function listAppSummaries(ctx: RequestContext) {
  return (await listApps(ctx.db)).map((a) => ({
    id: a.id,
    kind: a.kind,
    name: a.name,
    slug: a.slug,
    enabled: a.enabled,
    target: a.kind === 'saml' ? a.config.acsUrl : a.kind === 'zendesk' ? new URL(zendeskOrigin(a.config)).host : (a.config.redirectUris[0] ?? ''),
  }))
}

export async function listAppViews(ctx: RequestContext) {
  return Promise.all((await listApps(ctx.db)).map((a) => appView(ctx, a)))
}

/** The app with this id, or ADMIN_APP_NOT_FOUND. */
export async function requireApp(ctx: RequestContext, id: string): Promise<App> {
  const app = await getApp(ctx.db, id)
  if (!app) throw new AppError('ADMIN_APP_NOT_FOUND', undefined, { appId: id.slice(0, 64) })
  return app
}

export async function createApp(ctx: RequestContext, input: unknown, via: AdminChannel): Promise<App> {
  const fields = parseAppInput(input, null)
  const app = await saveApp(ctx.db, ctx.secret, newId('app', ctx.random), fields, ctx.clock(), true)
  await recordAudit(ctx, { action: 'app.create', outcome: 'success', detail: { appId: app.id, kind: app.kind, via } })
  return app
}

/**
 * The app config its SP metadata describes: entity ID, ACS URL, the SingleLogoutService and its
 * binding, the NameID format (persistent when that is all it lists), its signing certificates
 * when it signs AuthnRequests (then required), and where it came from (refreshed daily).
 * WantAssertionsSigned needs nothing: the broker always signs its assertions.
 */
function configFromSpMetadata(sp: SpMetadata, metadataUrl: string | null, base: Partial<SamlAppConfig> = {}): Record<string, unknown> {
  const persistentOnly = sp.nameIdFormats.length > 0 && sp.nameIdFormats.every((f) => f === NAMEID_PERSISTENT)
  return {
    ...base,
    entityId: sp.entityId,
    acsUrl: sp.acsUrl,
    certificates: sp.authnRequestsSigned ? sp.signingCertificates : [],
    ...(base.nameIdFormat ? {} : { nameIdFormat: persistentOnly ? 'persistent' : 'email' }),
    ...(sp.slo ? { sloUrl: sp.slo.url, sloBinding: sp.slo.binding } : { sloUrl: null }),
    // Kept for when the admin turns encryptAssertions on (the SP asks for it); refreshed with the rest.
    encryptionCertificate: sp.encryptionCertificates[0] ?? null,
    ...(metadataUrl ? { metadataUrl } : {}),
  }
}

/**
 * A SAML helpdesk from its SP metadata (Atlassian Guard, Zammad and Freshdesk show it):
 * `{ metadataXml | metadataUrl, name?, slug?, entityId?, enabled?, signResponse?, nameIdFormat? }`
 * (enabled unless `enabled: false`, which the console sends: its new apps start off).
 * Everything the metadata says goes through the same parser as a hand-made app.
 */
export async function importSamlApp(ctx: RequestContext, input: Record<string, unknown>, via: AdminChannel): Promise<App> {
  const { xml, metadataUrl } = await readMetadataSource(input)
  const sp = parseSpMetadata(xml, typeof input.entityId === 'string' && input.entityId ? input.entityId : undefined)
  const name = typeof input.name === 'string' && input.name.trim() ? input.name.trim() : new URL(sp.acsUrl).host
  const overrides: Partial<SamlAppConfig> = {}
  if (input.signResponse !== undefined) overrides.signResponse = input.signResponse as boolean
  if (input.nameIdFormat !== undefined) overrides.nameIdFormat = input.nameIdFormat as SamlAppConfig['nameIdFormat']
  if (input.encryptAssertions !== undefined) overrides.encryptAssertions = input.encryptAssertions as boolean
  const config = parseSamlAppConfig(configFromSpMetadata(sp, metadataUrl, overrides), undefined)
  const slug = typeof input.slug === 'string' && input.slug ? input.slug : slugify(name, 'app')
  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') invalid('enabled', 'must be true or false')
  const enabled = input.enabled ?? true
  const app = await saveApp(ctx.db, ctx.secret, newId('app', ctx.random), { kind: 'saml', name, slug, enabled, config }, ctx.clock(), true)
  await recordAudit(ctx, {
    action: 'app.create',
    outcome: 'success',
    detail: { appId: app.id, kind: 'saml', via, source: metadataUrl ? 'sp-metadata-url' : 'sp-metadata' },
  })
  return app
}

/**
 * Re-reads a SAML app's metadata URL (the daily cron, or an admin) and takes its endpoints and
 * certificates, validated as an import is; the admin's own choices (signResponse, NameID format,
 * attribute names) stay. The audit row says what changed.
 */
export async function refreshSamlApp(ctx: RequestContext, id: string, via: AdminChannel | 'cron'): Promise<App> {
  const app = await requireApp(ctx, id)
  if (app.kind !== 'saml' || !app.config.metadataUrl)
    throw new AppError('ADMIN_INVALID_FIELD', 'config.metadataUrl: this app was not imported from a metadata URL', { field: 'config.metadataUrl' })
  const before = app.config
  const { xml } = await readMetadataSource({ metadataUrl: before.metadataUrl })
  const sp = parseSpMetadata(xml, before.entityId)
  const config = parseSamlAppConfig(configFromSpMetadata(sp, before.metadataUrl ?? null, { ...before }), undefined)
  const changed = (['acsUrl', 'sloUrl', 'sloBinding', 'certificates', 'encryptionCertificate'] as const).filter(
    (k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(config[k] ?? null),
  )
  const saved = await saveApp(ctx.db, ctx.secret, app.id, { kind: 'saml', name: app.name, slug: app.slug, enabled: app.enabled, config }, ctx.clock(), false)
  await recordAudit(ctx, { action: 'app.metadata-refresh', outcome: 'success', detail: { appId: app.id, changed, via } })
  return saved
}

export async function updateApp(ctx: RequestContext, id: string, input: unknown, via: AdminChannel): Promise<App> {
  const existing = await requireApp(ctx, id)
  const fields = parseAppInput(input, existing)
  const app = await saveApp(ctx.db, ctx.secret, existing.id, fields, ctx.clock(), false)
  await recordAudit(ctx, { action: 'app.update', outcome: 'success', detail: { appId: app.id, secretChanged: fields.sharedSecret !== undefined, via } })
  return app
}

/** Turns the app on or off (off: its hand-offs and sign-ons are refused at once). */
export async function setAppEnabled(ctx: RequestContext, id: string, enabled: boolean, via: AdminChannel): Promise<App> {
  const app = await requireApp(ctx, id)
  const saved = await storeAppEnabled(ctx.db, app.id, enabled, ctx.clock())
  if (!saved) throw new AppError('ADMIN_APP_NOT_FOUND', undefined, { appId: id.slice(0, 64) })
  await recordAudit(ctx, { action: 'app.update', outcome: 'success', detail: { appId: app.id, enabled, via } })
  return saved
}

/**
 * Replaces a Zendesk app's shared secret with the new one Zendesk generated (`{ sharedSecret }`):
 * every token from now on is signed with it, none with the old one. Zendesk makes the secret, so
 * the gateway takes it rather than inventing one; giving the stored secret again is refused, as
 * it would rotate nothing. Freshworks and SAML apps have no secret of their own.
 */
export async function rotateAppSecret(ctx: RequestContext, id: string, input: unknown, via: AdminChannel): Promise<App> {
  const app = await requireApp(ctx, id)
  if (app.kind === 'freshworks')
    invalid('kind', "Freshworks apps have no secret of their own: they verify the gateway's freshworks key (roll it over on the Service provider page)")
  if (app.kind === 'saml') invalid('kind', "SAML apps have no secret: they verify the broker key's certificate (roll it over on the Service provider page)")
  const body = requireObject(input)
  for (const key of Object.keys(body)) if (key !== 'sharedSecret') invalid(key, 'unknown field')
  const sharedSecret = parseSharedSecret(body.sharedSecret)
  if (sharedSecret === (await openAppSecret(ctx.secret, app))) invalid('sharedSecret', 'is the secret already stored: generate a new one in Zendesk first')
  const saved = await saveApp(
    ctx.db,
    ctx.secret,
    app.id,
    { kind: app.kind, name: app.name, slug: app.slug, enabled: app.enabled, config: app.config, sharedSecret },
    ctx.clock(),
    false,
  )
  await recordAudit(ctx, { action: 'app.secret-rotate', outcome: 'success', detail: { appId: app.id, via } })
  return saved
}

export async function deleteApp(ctx: RequestContext, id: string, via: AdminChannel): Promise<void> {
  const app = await requireApp(ctx, id)
  await removeApp(ctx.db, app.id)
  await recordAudit(ctx, { action: 'app.delete', outcome: 'success', detail: { appId: app.id, via } })
}

/** The broker values a helpdesk admin enters, for the console's apps page. */
export function brokerSetup(ctx: RequestContext): { brokerMetadataUrl: string } {
  return { brokerMetadataUrl: brokerEndpoints(ctx.origin).entityId }
}
