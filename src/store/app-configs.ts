/**
 * The configuration of each kind of helpdesk app, as stored in `apps.config` (JSON). Validated
 * at the edge (admin/app-fields.ts) before it is stored, so reads can trust the shape per kind.
 */

export interface ZendeskConfig {
  /** `acme` for https://acme.zendesk.com */
  subdomain: string
  /** Host-mapped help center (e.g. https://help.acme.com); overrides the zendesk.com origin. */
  baseUrl?: string
  /** external_id claim: the namespaced subject `<idp slug>:<NameID>` (stable per IdP) or nothing. */
  externalIdFrom: 'nameId' | 'none'
  /** Send the user's groups as Zendesk tags. */
  tagsFromGroups: boolean
  /** Zendesk user field key → value source, sent as `user_fields` ('nameId' and 'subject' both send the namespaced subject). */
  userFields?: Record<string, ZendeskUserFieldSource>
}

export type ZendeskUserFieldSource = 'idp' | 'nameId' | 'subject' | 'groups' | 'organization'

export interface FreshworksConfig {
  /** Exact redirect URIs the helpdesk may ask for (its SSO callback URLs). */
  redirectUris: string[]
}

export const SAML_APP_ATTRIBUTES = ['email', 'firstName', 'lastName', 'displayName', 'groups', 'upstreamIdp', 'organization'] as const
export type SamlAppAttribute = (typeof SAML_APP_ATTRIBUTES)[number]

/** A downstream SAML SP (Jira Service Management, Zammad, Freshdesk SAML, ...) in broker mode. */
export interface SamlAppConfig {
  entityId: string
  acsUrl: string
  nameIdFormat: 'email' | 'persistent'
  signResponse: boolean
  /** SP signing certificates: when set, AuthnRequests must be signed with one of them. */
  certificates: string[]
  /** The SP's SingleLogoutService, for logout started at the helpdesk, and its binding (default redirect). */
  sloUrl?: string
  sloBinding?: 'redirect' | 'post'
  /** Where the config was imported from (SP metadata); the daily cron re-reads it. */
  metadataUrl?: string
  /** Encrypt assertions for the SP (its encryptionCertificate), AES-256-GCM unless it needs CBC. */
  encryptAssertions?: boolean
  encryptionCertificate?: string
  encryptionAlgorithm?: 'aes256-gcm' | 'aes256-cbc'
  /** Attribute names and NameFormat by profile (broker/attributes.ts); default basic. */
  attributeProfile?: 'basic' | 'uri' | 'zammad' | 'jsm' | 'zendesk' | 'freshdesk'
  /** Per-field renames over the profile; a field mapped to '' is not sent. */
  attributeNames?: Partial<Record<SamlAppAttribute, string>>
}

export type AppConfig = ZendeskConfig | FreshworksConfig | SamlAppConfig

/** Kind and config together: the one pairing every app has. */
export type AppKindConfig =
  { kind: 'zendesk'; config: ZendeskConfig } | { kind: 'freshworks'; config: FreshworksConfig } | { kind: 'saml'; config: SamlAppConfig }

export type AppKind = AppKindConfig['kind']
