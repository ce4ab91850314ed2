/**
 * D1 schema (drizzle). Field names follow DESIGN.md's admin API; JSON columns hold arrays and
 * maps. Migrations in migrations/ are generated from this file by drizzle-kit and never edited
 * once landed. docs/storage.md describes every table and KV key.
 */
import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { AppConfig } from './app-configs'

/** Attribute names (as the IdP sends them) for each identity field. */
export interface AttributeMap {
  email?: string
  firstName?: string
  lastName?: string
  displayName?: string
  groups?: string
}

/** Claim names (as the OIDC provider sends them) for each identity field; oidc/claims.ts has the defaults. */
export type ClaimsMap = AttributeMap

/** What discovery found for an OIDC IdP (oidc/discovery.ts OidcProvider), refreshed by the cron. */
export interface OidcEndpoints {
  issuer: string
  authorizationEndpoint: string
  tokenEndpoint: string
  jwksUri: string
  userinfoEndpoint: string | null
  endSessionEndpoint: string | null
  tokenEndpointAuthMethods: string[]
}

/** How the gateway authenticates to an OIDC provider's token endpoint. */
export const TOKEN_ENDPOINT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const

const createdAt = () =>
  integer('created_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`)
const updatedAt = () =>
  integer('updated_at', { mode: 'timestamp_ms' })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`)

/** An (IdP, group) pair refining an organization's name in the helpdesk (DESIGN.md "Groups belong to their IdP"). */
export interface GroupMapping {
  idpId: string
  group: string
  helpdeskOrganization: string
}

/**
 * A customer company (DESIGN.md "Tenants"): its IdPs may speak only for its verified domains.
 * `trust_any_email` lifts that for the helpdesk company's own staff IdP (audited, shown with a warning).
 */
export const organizations = sqliteTable(
  'organizations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    /** The company's name in the helpdesk (Zendesk organization, broker `organization` attribute). */
    helpdeskOrganization: text('helpdesk_organization'),
    trustAnyEmail: integer('trust_any_email', { mode: 'boolean' }).notNull().default(false),
    /** Off: no IdP of this organization signs anyone in, and its sessions stop reaching the portal. */
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    groupMappings: text('group_mappings', { mode: 'json' })
      .$type<GroupMapping[]>()
      .notNull()
      .default(sql`'[]'`),
    /** Every session of this organization started at or before this instant is ended (revocation, or its email authority withdrawn). */
    sessionsRevokedAt: integer('sessions_revoked_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('organizations_slug_unique').on(t.slug)],
)

/**
 * Slugs of deleted IdPs and organizations. A slug namespaces users' subjects (`<idp slug>:<NameID>`)
 * and names the organization (`X-SSO-Org`) in the portal and the helpdesks, which keep them; so a
 * slug is never given to another IdP or organization, and never changes.
 */
export const retiredSlugs = sqliteTable(
  'retired_slugs',
  {
    kind: text('kind', { enum: ['idp', 'organization'] }).notNull(),
    slug: text('slug').notNull(),
    retiredAt: integer('retired_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.slug] })],
)

/**
 * An email domain an organization claims. The primary key makes a domain belong to one
 * organization at most. Verified when the DNS TXT record `_edge-sso-challenge.<domain>` holds
 * `edge-sso-verify=<token>`, or when an admin confirmed it by hand (audited).
 */
export const organizationDomains = sqliteTable(
  'organization_domains',
  {
    /** Lower-case, IDN in ASCII (punycode) form. */
    domain: text('domain').primaryKey(),
    organizationId: text('organization_id').notNull(),
    status: text('status', { enum: ['pending', 'verified'] })
      .notNull()
      .default('pending'),
    /** Random, shown in the TXT record to publish; a new one only when the domain is claimed again. */
    token: text('token').notNull(),
    verificationMethod: text('verification_method', { enum: ['dns', 'manual', 'migrated'] }),
    verifiedAt: integer('verified_at', { mode: 'timestamp_ms' }),
    lastCheckedAt: integer('last_checked_at', { mode: 'timestamp_ms' }),
    /** What the last DNS check found, in plain words, when it did not verify. */
    lastCheckError: text('last_check_error'),
    createdAt: createdAt(),
  },
  (t) => [index('organization_domains_org').on(t.organizationId)],
)

/**
 * Every live portal session, by the SHA-256 of its cookie token: the index that revokes the
 * sessions of an organization, an IdP or one user, finds them for IdP-initiated logout, and
 * counts them, without listing KV. Rows expire with their session and are pruned by the cron.
 */
export const sessionIndex = sqliteTable(
  'session_index',
  {
    tokenHash: text('token_hash').primaryKey(),
    organizationId: text('organization_id').notNull(),
    idpId: text('idp_id').notNull(),
    /** `<idp slug>:<NameID>` at login. */
    subject: text('subject').notNull(),
    /** SHA-256 of the NameID (IdP-initiated logout names the user by NameID). */
    nameIdHash: text('name_id_hash').notNull(),
    sessionIndex: text('session_index'),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('session_index_org').on(t.organizationId),
    index('session_index_idp_name').on(t.idpId, t.nameIdHash),
    index('session_index_subject').on(t.subject),
    index('session_index_expires').on(t.expiresAt),
  ],
)

/**
 * Sessions ended while KV may still serve them elsewhere: one row per session a logout ended
 * (`kind` session, `value` its token hash) or per user whose sessions were all revoked (`kind`
 * subject, `value` the namespaced subject: every session of it created at or before `notBefore`
 * is ended). The tenant status loads the rows still in force (`until` in the future), so a
 * revocation holds everywhere within its 30 s cache window whatever KV's propagation does.
 */
export const sessionRevocations = sqliteTable(
  'session_revocations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['session', 'subject'] }).notNull(),
    value: text('value').notNull(),
    notBefore: integer('not_before', { mode: 'timestamp_ms' }).notNull(),
    /** After this, KV itself no longer serves what was ended (session rows) or no such session can be live (subject rows). */
    until: integer('until', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('session_revocations_until').on(t.until)],
)

/** One upstream identity provider (a customer company's IdP). */
export const idps = sqliteTable(
  'idps',
  {
    id: text('id').primaryKey(),
    /** The organization this IdP speaks for (organizations.id); every IdP has one. */
    organizationId: text('organization_id').notNull(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    entityId: text('entity_id').notNull(),
    ssoUrl: text('sso_url').notNull(),
    ssoBinding: text('sso_binding', { enum: ['redirect', 'post'] })
      .notNull()
      .default('redirect'),
    sloUrl: text('slo_url'),
    sloBinding: text('slo_binding', { enum: ['redirect', 'post'] }),
    /** PEM or bare base64 DER; several during a rollover. */
    certificates: text('certificates', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    showOnSelection: integer('show_on_selection', { mode: 'boolean' }).notNull().default(true),
    isDefault: integer('is_default', { mode: 'boolean' }).notNull().default(false),
    emailDomains: text('email_domains', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    attributeMap: text('attribute_map', { mode: 'json' })
      .$type<AttributeMap>()
      .notNull()
      .default(sql`'{}'`),
    allowedGroups: text('allowed_groups', { mode: 'json' })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    signAuthnRequests: integer('sign_authn_requests', { mode: 'boolean' }).notNull().default(false),
    /** The Assertion itself must be signed (a signed Response alone is refused). Off by default: profiles §4.1.4.2 accepts either. */
    wantAssertionsSigned: integer('want_assertions_signed', { mode: 'boolean' }).notNull().default(false),
    allowIdpInitiated: integer('allow_idp_initiated', { mode: 'boolean' }).notNull().default(false),
    allowSha1: integer('allow_sha1', { mode: 'boolean' }).notNull().default(false),
    /** Tolerated clock difference with this IdP; null = the gateway's settings.clockSkewSeconds. */
    clockSkewSeconds: integer('clock_skew_seconds'),
    nameIdFormat: text('name_id_format'),
    logoUrl: text('logo_url'),
    sortOrder: integer('sort_order').notNull().default(0),
    metadataUrl: text('metadata_url'),
    /** When set, metadata read from metadataUrl must carry a root signature this certificate verifies. */
    metadataSigningCertificate: text('metadata_signing_certificate'),
    metadataRefreshedAt: integer('metadata_refreshed_at', { mode: 'timestamp_ms' }),
    /** Every session of this IdP started at or before this instant is ended (revocation). */
    sessionsRevokedAt: integer('sessions_revoked_at', { mode: 'timestamp_ms' }),
    /** The last test sign-in that passed. Null = a draft: it cannot be enabled until a test passes. */
    testedAt: integer('tested_at', { mode: 'timestamp_ms' }),
    /** `saml`, or `oidc` (then entityId is the gateway's name for it and ssoUrl the authorization endpoint). */
    protocol: text('protocol', { enum: ['saml', 'oidc'] })
      .notNull()
      .default('saml'),
    /** OIDC: the issuer, exactly as the provider states it. */
    issuer: text('issuer'),
    clientId: text('client_id'),
    /** OIDC: the client secret, sealed with SSO_SECRET (purpose 'oidc-client-secret'); never shown. */
    clientSecretSealed: text('client_secret_sealed'),
    scopes: text('scopes').notNull().default('openid email profile'),
    tokenEndpointAuth: text('token_endpoint_auth', { enum: TOKEN_ENDPOINT_AUTH_METHODS }).notNull().default('client_secret_basic'),
    claimsMap: text('claims_map', { mode: 'json' })
      .$type<ClaimsMap>()
      .notNull()
      .default(sql`'{}'`),
    oidcEndpoints: text('oidc_endpoints', { mode: 'json' }).$type<OidcEndpoints>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('idps_slug_unique').on(t.slug), uniqueIndex('idps_entity_id_unique').on(t.entityId)],
)

/**
 * Self-serve setup links (issue 13): a customer's IT connects its own IdP to one organization.
 * Only the SHA-256 of the link's token is kept. Progress: opened → IdP configured → (domains
 * verified, read live) → test passed → submitted for approval or completed (the IdP enabled).
 */
export const setupLinks = sqliteTable(
  'setup_links',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    /** The IdP goes live only when an admin approves it (else the customer's IT activates it). */
    requiresApproval: integer('requires_approval', { mode: 'boolean' }).notNull().default(false),
    createdBy: text('created_by').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
    openedAt: integer('opened_at', { mode: 'timestamp_ms' }),
    /** The IdP this link created (it may change only that one). */
    idpId: text('idp_id'),
    idpConfiguredAt: integer('idp_configured_at', { mode: 'timestamp_ms' }),
    /** The test sign-in started since the IdP was last configured; only its result counts. */
    testRequestId: text('test_request_id'),
    testPassedAt: integer('test_passed_at', { mode: 'timestamp_ms' }),
    submittedAt: integer('submitted_at', { mode: 'timestamp_ms' }),
    completedAt: integer('completed_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('setup_links_token_hash_unique').on(t.tokenHash), index('setup_links_organization').on(t.organizationId)],
)

/** Gateway-wide settings (SP entity ID, portal name/colors, session lifetime, ...), one JSON value per key. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).notNull(),
  updatedAt: updatedAt(),
})

/** SP signing/encryption key pairs; private keys sealed with a key derived from SSO_SECRET. */
export const spKeys = sqliteTable(
  'sp_keys',
  {
    id: text('id').primaryKey(),
    /** The key's one role (store/sp-keys.ts SP_KEY_USES). */
    use: text('use', { enum: ['signing', 'encryption', 'broker', 'metadata', 'freshworks', 'oidc-client'] }).notNull(),
    algorithm: text('algorithm').notNull(),
    certificatePem: text('certificate_pem').notNull(),
    privateKeySealed: text('private_key_sealed').notNull(),
    status: text('status', { enum: ['next', 'active', 'retired'] }).notNull(),
    notAfter: integer('not_after', { mode: 'timestamp_ms' }).notNull(),
    activatedAt: integer('activated_at', { mode: 'timestamp_ms' }),
    /** When it stopped being active/next; retired encryption keys still decrypt for a while. */
    retiredAt: integer('retired_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('sp_keys_use_status').on(t.use, t.status)],
)

/** ES256 keys that sign the identity JWT forwarded to the portal (JWKS at /sso/certs). */
export const jwtKeys = sqliteTable('jwt_keys', {
  kid: text('kid').primaryKey(),
  publicJwk: text('public_jwk', { mode: 'json' }).$type<JsonWebKey>().notNull(),
  privateKeySealed: text('private_key_sealed').notNull(),
  status: text('status', { enum: ['next', 'active', 'retired'] }).notNull(),
  createdAt: createdAt(),
  retiredAt: integer('retired_at', { mode: 'timestamp_ms' }),
})

/**
 * Consumed assertion IDs: replay protection is a unique insert (D1 is strongly consistent, KV
 * is not). Rows are kept until the assertion expires, then pruned by the cron trigger.
 */
export const consumedAssertions = sqliteTable(
  'consumed_assertions',
  {
    issuer: text('issuer').notNull(),
    assertionId: text('assertion_id').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    consumedAt: integer('consumed_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.issuer, t.assertionId] }), index('consumed_assertions_expires').on(t.expiresAt)],
)

/** Audit log: every login, rejection (with code), logout, admin change and metadata refresh. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    idpId: text('idp_id'),
    subject: text('subject'),
    outcome: text('outcome', { enum: ['success', 'failure'] }).notNull(),
    code: text('code'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    detail: text('detail', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  // (action, at) leads the covering index: the overview's aggregates (counts by day, IdP, outcome
  // and code over 30 days of logins) read the index alone, never the rows.
  (t) => [
    index('audit_log_at').on(t.at),
    index('audit_log_idp_at').on(t.idpId, t.at),
    index('audit_log_action_at').on(t.action, t.at, t.outcome, t.idpId, t.code),
  ],
)

/**
 * Downstream helpdesk apps the gateway hands signed-in customers to (hand-off issue #6):
 * `zendesk` (HS256 JWT remote login) and `freshworks` (RS256 id_token to redirect_uri); secrets sealed with SSO_SECRET, never returned by the API.
 */
export const apps = sqliteTable(
  'apps',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['zendesk', 'freshworks', 'saml'] }).notNull(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    /** Per kind: ZendeskConfig, FreshworksConfig or SamlAppConfig (store/apps.ts pairs it with `kind`). */
    config: text('config', { mode: 'json' })
      .$type<AppConfig>()
      .notNull()
      .default(sql`'{}'`),
    secretSealed: text('secret_sealed'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('apps_slug_unique').on(t.slug)],
)

/**
 * Webhook outbox (issue 14, "Events"): every event the gateway sends, with its delivery state.
 * The body is kept as sent (each attempt signs it anew with its own timestamp); the cron retries
 * pending events with backoff. A unique `dedupeKey` makes "once per certificate and threshold" and
 * "once per IdP and window" a single insert. Rows older than 30 days are pruned.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    /** `evt_` + 24 hex characters; sent as `id` and `Webhook-Id`. */
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    /** The JSON body, exactly as POSTed. */
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** When the next attempt is due (pending only); while an attempt runs, the end of its lease. */
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
    lastAttemptAt: integer('last_attempt_at', { mode: 'timestamp_ms' }),
    lastHttpStatus: integer('last_http_status'),
    /** Why the last attempt failed (events/deliver.ts DeliveryErrorCode), null after a 2xx. */
    lastError: text('last_error'),
    dedupeKey: text('dedupe_key'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    deliveredAt: integer('delivered_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    uniqueIndex('webhook_events_dedupe_key_unique').on(t.dedupeKey),
    index('webhook_events_status_next').on(t.status, t.nextAttemptAt),
    index('webhook_events_created').on(t.createdAt),
  ],
)

/**
 * Jobs the 5-minute cron runs less often (daily maintenance): one row per job, claimed by a
 * conditional upsert so two overlapping cron runs never both start it.
 */
export const scheduledJobs = sqliteTable('scheduled_jobs', {
  name: text('name').primaryKey(),
  startedAt: integer('started_at', { mode: 'timestamp_ms' }).notNull(),
  finishedAt: integer('finished_at', { mode: 'timestamp_ms' }),
})

/**
 * One row (id 1, migration 0014): the tenant status's version. Every store write to idps,
 * organizations and session_revocations bumps it (tenantChanged), so an isolate whose cached
 * tenant status refuses something asks this one row whether anything changed before reloading
 * the whole status (store/tenant-status.ts).
 */
export const tenantVersion = sqliteTable('tenant_version', {
  id: integer('id').primaryKey(),
  version: integer('version').notNull(),
})
