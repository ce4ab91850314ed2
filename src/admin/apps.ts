/**
 * Admin operations on downstream helpdesk apps (hand-off targets), each validate → store → audit,
 * shared by the API and the console. The shared secret is write-only: views say `hasSecret`.
 * Each view carries what to enter in the helpdesk's SSO settings.
 */
import { exportSPKI, importX509 } from 'jose'
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { brokerEndpoints } from '../broker/endpoints'
import { zendeskOrigin } from '../handoff/zendesk'
import { NAMEID_PERSISTENT, parseSpMetadata, type SpMetadata } from '../saml/broker/metadata'
import { signingKey } from '../sso/signing-key'
import type { SamlAppConfig } from '../store/app-configs'
import { deleteApp as removeApp, getApp, listApps, saveApp, type App } from '../store/apps'
import { parseAppInput, parseSamlAppConfig } from './app-fields'
import type { AdminChannel } from './idps'
import { readMetadataSource } from './metadata-source'
import { newId, slugify } from './validate'

export async function appView(ctx: RequestContext, app: App) {
  // Each kind verifies with its own role's key: broker apps the broker's, Freshworks its own (Zendesk: the shared secret).
  const setup =
    app.kind === 'zendesk'
      ? { remoteLoginUrl: `/sso/handoff/zendesk?app=${app.slug}`, jwtEndpoint: `${zendeskOrigin(app.config)}/access/jwt` }
      : app.kind === 'saml'
        ? {
            // The app's own copy: it says WantAuthnRequestsSigned="true" when the app must sign.
            idpMetadataUrl: `/sso/idp/metadata?app=${encodeURIComponent(app.slug)}`,
            ssoUrl: '/sso/idp/sso',
            launchUrl: `/sso/idp/launch/${app.slug}`,
            signingCertificatePem: (await signingKey(ctx, 'broker')).certificatePem,
          }
        : { loginUrl: `/sso/handoff/freshworks?app=${app.slug}`, publicKeyPem: await publicKeyPem((await signingKey(ctx, 'freshworks')).certificatePem) }
  return {
    id: app.id,
    kind: app.kind,
    name: app.name,
    slug: app.slug,
    enabled: app.enabled,
    config: app.config,
    hasSecret: app.secretSealed !== null,
    // What to enter in the helpdesk's SSO settings.
    setup,
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  }
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
    target: a.kind === 'saml' ? a.config.acsUrl : a.kind === 'zendesk' ? `${a.config.subdomain}.zendesk.com` : (a.config.redirectUris[0] ?? ''),
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
 * `{ metadataXml | metadataUrl, name?, slug?, entityId?, signResponse?, nameIdFormat? }`.
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
  const app = await saveApp(ctx.db, ctx.secret, newId('app', ctx.random), { kind: 'saml', name, slug, enabled: true, config }, ctx.clock(), true)
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

export async function deleteApp(ctx: RequestContext, id: string, via: AdminChannel): Promise<void> {
  const app = await requireApp(ctx, id)
  await removeApp(ctx.db, app.id)
  await recordAudit(ctx, { action: 'app.delete', outcome: 'success', detail: { appId: app.id, via } })
}

/** The broker values a helpdesk admin enters, for the console's apps page. */
export function brokerSetup(ctx: RequestContext): { brokerMetadataUrl: string } {
  return { brokerMetadataUrl: brokerEndpoints(ctx.origin).entityId }
}
