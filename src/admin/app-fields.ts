/**
 * Parses helpdesk app bodies (`/sso/admin/api/apps`): common fields, then the config of the app's
 * kind, each into its typed shape (store/app-configs.ts). On update, the stored config is the base
 * and the body's config fields replace its fields. Unknown fields are refused by name.
 */
import type { App, AppFields } from '../store/apps'
import { SAML_APP_ATTRIBUTES, type FreshworksConfig, type SamlAppConfig, type ZendeskConfig } from '../store/app-configs'
import { invalid, optCertificate, optUrl, parseCertificates, parseUrl, requireObject, SLUG, slugify } from './validate'

const APP_FIELDS = ['kind', 'name', 'slug', 'enabled', 'config', 'sharedSecret']

/** Where organizations come from now (configs stored before organizations may still hold organizationMap: ignored). */
const ORGANIZATION_MAP_REPLACED =
  "was replaced by organizations: set the organization's helpdeskOrganization, with (IdP, group) refinements, in /sso/admin/api/organizations"

function merged(v: unknown, base: object | undefined): Record<string, unknown> {
  const input = v === undefined ? {} : requireObject(v)
  if ('organizationMap' in input) invalid('config.organizationMap', ORGANIZATION_MAP_REPLACED)
  const { organizationMap: _old, ...stored } = (base ?? {}) as Record<string, unknown>
  return { ...stored, ...input }
}

function parseZendeskConfig(v: unknown, base: ZendeskConfig | undefined): ZendeskConfig {
  const input = merged(v, base)
  const subdomain = input.subdomain
  if (typeof subdomain !== 'string' || !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(subdomain))
    invalid('config.subdomain', 'must be the Zendesk subdomain, e.g. acme for acme.zendesk.com')
  const externalIdFrom = input.externalIdFrom ?? 'nameId'
  if (externalIdFrom !== 'nameId' && externalIdFrom !== 'none') invalid('config.externalIdFrom', "must be 'nameId' or 'none'")
  const tagsFromGroups = input.tagsFromGroups ?? false
  if (typeof tagsFromGroups !== 'boolean') invalid('config.tagsFromGroups', 'must be true or false')
  const userFields = input.userFields ?? {}
  if (
    typeof userFields !== 'object' ||
    userFields === null ||
    Array.isArray(userFields) ||
    Object.values(userFields).some((s) => !['idp', 'nameId', 'subject', 'groups', 'organization'].includes(s as string))
  ) {
    invalid('config.userFields', "must map Zendesk user field keys to 'idp', 'subject', 'groups' or 'organization'")
  }
  const baseUrl = optUrl(input.baseUrl, 'config.baseUrl')
  return { subdomain, externalIdFrom, tagsFromGroups, userFields: userFields as ZendeskConfig['userFields'], ...(baseUrl ? { baseUrl } : {}) }
}

export function parseSamlAppConfig(v: unknown, base: SamlAppConfig | undefined): SamlAppConfig {
  const input = merged(v, base)
  const entityId = input.entityId
  if (typeof entityId !== 'string' || !entityId.trim() || entityId.length > 1024) invalid('config.entityId', "must be the helpdesk's SP entity ID")
  const nameIdFormat = input.nameIdFormat ?? 'email'
  if (nameIdFormat !== 'email' && nameIdFormat !== 'persistent') invalid('config.nameIdFormat', "must be 'email' or 'persistent'")
  // Signed by default: many SPs (Zammad's ruby-saml, pysaml2, mod_auth_mellon) want the Response signed too.
  const signResponse = input.signResponse ?? true
  if (typeof signResponse !== 'boolean') invalid('config.signResponse', 'must be true or false')
  const certificates = input.certificates ?? []
  if (!Array.isArray(certificates)) invalid('config.certificates', 'must be an array of PEM certificates')
  const sloUrl = optUrl(input.sloUrl, 'config.sloUrl')
  const sloBinding = input.sloBinding ?? 'redirect'
  if (sloBinding !== 'redirect' && sloBinding !== 'post') invalid('config.sloBinding', "must be 'redirect' or 'post'")
  const metadataUrl = optUrl(input.metadataUrl, 'config.metadataUrl')
  const encryptAssertions = input.encryptAssertions ?? false
  if (typeof encryptAssertions !== 'boolean') invalid('config.encryptAssertions', 'must be true or false')
  const encryptionCertificate = optCertificate(input.encryptionCertificate, 'config.encryptionCertificate')
  if (encryptAssertions && !encryptionCertificate)
    invalid('config.encryptionCertificate', "is needed to encrypt assertions: the SP's encryption certificate (from its metadata)")
  const encryptionAlgorithm = input.encryptionAlgorithm ?? 'aes256-gcm'
  if (encryptionAlgorithm !== 'aes256-gcm' && encryptionAlgorithm !== 'aes256-cbc')
    invalid('config.encryptionAlgorithm', "must be 'aes256-gcm' or 'aes256-cbc'")
  const attributeProfile = input.attributeProfile ?? 'basic'
  if (!['basic', 'uri', 'zammad', 'jsm', 'zendesk', 'freshdesk'].includes(attributeProfile as string))
    invalid('config.attributeProfile', "must be 'basic', 'uri', 'zammad', 'jsm', 'zendesk' or 'freshdesk'")
  const attributeNames = input.attributeNames ?? {}
  if (typeof attributeNames !== 'object' || attributeNames === null || Array.isArray(attributeNames)) invalid('config.attributeNames', 'must be an object')
  for (const [k, name] of Object.entries(attributeNames)) {
    if (!(SAML_APP_ATTRIBUTES as readonly string[]).includes(k))
      invalid(`config.attributeNames.${k}`, `unknown field (allowed: ${SAML_APP_ATTRIBUTES.join(', ')})`)
    if (typeof name !== 'string' || name.length > 512) invalid(`config.attributeNames.${k}`, "must be an attribute name ('' = do not send)")
  }
  return {
    attributeProfile: attributeProfile as NonNullable<SamlAppConfig['attributeProfile']>,
    attributeNames: attributeNames as SamlAppConfig['attributeNames'],
    entityId: entityId.trim(),
    acsUrl: parseUrl(input.acsUrl, 'config.acsUrl'),
    nameIdFormat,
    signResponse,
    certificates: certificates.length ? parseCertificates(certificates, 'config.certificates') : [],
    ...(sloUrl ? { sloUrl, sloBinding } : {}),
    ...(metadataUrl ? { metadataUrl } : {}),
    encryptAssertions,
    ...(encryptionCertificate ? { encryptionCertificate } : {}),
    encryptionAlgorithm,
  }
}

function parseFreshworksConfig(v: unknown, base: FreshworksConfig | undefined): FreshworksConfig {
  const input = merged(v, base)
  const uris = input.redirectUris
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > 10) invalid('config.redirectUris', "must list 1 to 10 of the helpdesk's SSO callback URLs")
  return { redirectUris: uris.map((u, i) => parseUrl(u, `config.redirectUris[${i}]`)) }
}

/** An app body (POST, or PATCH over `existing`) as the fields the store saves. */
export function parseAppInput(body: unknown, existing: App | null): AppFields {
  const input = requireObject(body)
  for (const key of Object.keys(input)) if (!APP_FIELDS.includes(key)) invalid(key, 'unknown field')
  const kind = input.kind ?? existing?.kind
  if (kind !== 'zendesk' && kind !== 'freshworks' && kind !== 'saml') invalid('kind', "must be 'zendesk', 'freshworks' or 'saml'")
  if (existing && kind !== existing.kind) invalid('kind', 'cannot change; create a new app')
  const name = input.name ?? existing?.name
  if (typeof name !== 'string' || !name.trim() || name.length > 100) invalid('name', 'must be a non-empty string of at most 100 characters')
  const slug = input.slug ?? existing?.slug ?? slugify(name, 'app')
  if (typeof slug !== 'string' || !SLUG.test(slug)) invalid('slug', 'use lowercase letters, digits and dashes')
  const enabled = input.enabled ?? existing?.enabled ?? true
  if (typeof enabled !== 'boolean') invalid('enabled', 'must be true or false')
  const sharedSecret = input.sharedSecret
  if (sharedSecret !== undefined && (typeof sharedSecret !== 'string' || sharedSecret.length < 16 || sharedSecret.length > 512))
    invalid('sharedSecret', 'must be the shared secret Zendesk shows (16 to 512 characters)')
  const common = { name: name.trim(), slug, enabled }
  if (kind === 'saml') {
    if (sharedSecret !== undefined) invalid('sharedSecret', 'SAML apps use certificates, not a shared secret')
    return { ...common, kind, config: parseSamlAppConfig(input.config, existing?.kind === 'saml' ? existing.config : undefined) }
  }
  if (kind === 'freshworks') {
    if (sharedSecret !== undefined) invalid('sharedSecret', 'Freshworks apps are signed with the gateway key (RS256); no shared secret')
    return { ...common, kind, config: parseFreshworksConfig(input.config, existing?.kind === 'freshworks' ? existing.config : undefined) }
  }
  if (!existing && sharedSecret === undefined) invalid('sharedSecret', 'is required')
  return {
    ...common,
    kind,
    config: parseZendeskConfig(input.config, existing?.kind === 'zendesk' ? existing.config : undefined),
    sharedSecret: sharedSecret as string | undefined,
  }
}
