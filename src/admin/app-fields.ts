/**
 * Parses helpdesk app bodies (`/sso/admin/api/apps`): common fields, then the config of the app's
 * kind, each into its typed shape (store/app-configs.ts). On update, the stored config is the base
 * and the body's config fields replace its fields. Unknown fields are refused by name. The
 * console's forms are turned into the same bodies here, so both are validated alike.
 */
import { AppError } from '../errors'
import type { App, AppFields } from '../store/apps'
import { SAML_APP_ATTRIBUTES, type AppKind, type FreshworksConfig, type SamlAppConfig, type ZendeskConfig } from '../store/app-configs'
import { splitCertificates, splitLines } from './idp-fields'
import { invalid, optCertificate, optUrl, parseCertificates, parseUrl, requireObject, SLUG, slugify } from './validate'

const APP_FIELDS = ['kind', 'name', 'slug', 'enabled', 'config', 'sharedSecret']
/** Most Zendesk user fields one app fills. */
export const MAX_USER_FIELDS = 50

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
  const fieldKeys = Object.keys(userFields)
  if (fieldKeys.length > MAX_USER_FIELDS || fieldKeys.some((k) => !k || k.length > 128))
    invalid('config.userFields', `must have at most ${MAX_USER_FIELDS} Zendesk field keys of 1 to 128 characters`)
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

/** A Zendesk shared secret as Zendesk generates it: 16 to 512 characters. */
export function parseSharedSecret(v: unknown): string {
  if (typeof v !== 'string' || v.length < 16 || v.length > 512) invalid('sharedSecret', 'must be the shared secret Zendesk shows (16 to 512 characters)')
  return v
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
  if (sharedSecret !== undefined) parseSharedSecret(sharedSecret)
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

// --- the console's forms -------------------------------------------------------------------------

type Form = Record<string, string>

/** A form's fields, as typed or as stored: what the console shows and shows again after a refusal. */
export interface AppFormValues {
  name?: string
  slug?: string
  enabled?: boolean
  /** Zendesk */
  subdomain?: string
  baseUrl?: string
  externalIdFrom?: string
  tagsFromGroups?: boolean
  /** One `key = source` per line. */
  userFields?: string
  /** Freshworks: one redirect URL per line. */
  redirectUris?: string
  /** SAML */
  entityId?: string
  acsUrl?: string
  certificates?: string
  nameIdFormat?: string
  signResponse?: boolean
  sloUrl?: string
  sloBinding?: string
  encryptAssertions?: boolean
  encryptionCertificate?: string
  encryptionAlgorithm?: string
  attributeProfile?: string
  /** Every SAML attribute field, its rename ('' = the profile's name, '-' = not sent). */
  attributeNames?: Record<string, string>
  metadataUrl?: string
}

/** The form input of a SAML attribute rename; a dash there means "do not send". */
export const attributeInputName = (field: string) => `attr-${field}`

/** The kind a console URL or form names, or null. */
export function appKindOf(value: string | undefined): AppKind | null {
  return value === 'zendesk' || value === 'freshworks' || value === 'saml' ? value : null
}

/** What a new app's form starts with: off until the helpdesk side is configured. */
export function newAppFormValues(): AppFormValues {
  return {
    enabled: false,
    externalIdFrom: 'nameId',
    tagsFromGroups: false,
    nameIdFormat: 'email',
    signResponse: true,
    sloBinding: 'redirect',
    encryptionAlgorithm: 'aes256-gcm',
    attributeProfile: 'basic',
    attributeNames: Object.fromEntries(SAML_APP_ATTRIBUTES.map((f) => [f, ''])),
  }
}

/** Zendesk user fields typed as `key = source` lines. */
function userFieldsFromText(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  splitLines(text).forEach((line, i) => {
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(line)
    if (!m) invalid('config.userFields', `line ${i + 1}: write one Zendesk field key = idp, subject, groups or organization`)
    out[m[1]!] = m[2]!
  })
  return out
}

/**
 * A console form of `kind` as the API's JSON body (createApp, or updateApp's merge over the
 * stored app). Checkboxes come with a hidden 'false' first; an empty optional field clears it.
 */
export function appInputFromForm(kind: AppKind, form: Form, isNew: boolean): Record<string, unknown> {
  const text = (k: string) => (form[k] ?? '').trim()
  const bool = (k: string) => text(k) === 'true'
  const common: Record<string, unknown> = { name: text('name'), ...(isNew ? { kind } : {}) }
  // A new app is off unless its box is ticked; an edit form without the box leaves it as it is.
  if (isNew || form.enabled !== undefined) common.enabled = bool('enabled')
  if (text('slug')) common.slug = text('slug')
  if (kind === 'zendesk') {
    return {
      ...common,
      ...(isNew || text('sharedSecret') ? { sharedSecret: text('sharedSecret') } : {}),
      config: {
        subdomain: text('subdomain'),
        baseUrl: text('baseUrl'),
        externalIdFrom: text('externalIdFrom') || 'nameId',
        tagsFromGroups: bool('tagsFromGroups'),
        userFields: userFieldsFromText(form.userFields ?? ''),
      },
    }
  }
  if (kind === 'freshworks') return { ...common, config: { redirectUris: splitLines(form.redirectUris ?? '') } }
  const attributeNames: Record<string, string> = {}
  for (const f of SAML_APP_ATTRIBUTES) {
    const name = text(attributeInputName(f))
    if (name) attributeNames[f] = name === '-' ? '' : name
  }
  return {
    ...common,
    config: {
      entityId: text('entityId'),
      acsUrl: text('acsUrl'),
      certificates: splitCertificates(form.certificates ?? ''),
      nameIdFormat: text('nameIdFormat') || 'email',
      signResponse: bool('signResponse'),
      sloUrl: text('sloUrl'),
      sloBinding: text('sloBinding') || 'redirect',
      encryptAssertions: bool('encryptAssertions'),
      encryptionCertificate: text('encryptionCertificate'),
      encryptionAlgorithm: text('encryptionAlgorithm') || 'aes256-gcm',
      attributeProfile: text('attributeProfile') || 'basic',
      attributeNames,
    },
  }
}

/** What the form shows for a stored app. */
export function appFormValuesOf(app: App): AppFormValues {
  const common = { name: app.name, slug: app.slug, enabled: app.enabled }
  if (app.kind === 'zendesk') {
    const c = app.config
    return {
      ...common,
      subdomain: c.subdomain,
      baseUrl: c.baseUrl ?? '',
      externalIdFrom: c.externalIdFrom,
      tagsFromGroups: c.tagsFromGroups,
      userFields: Object.entries(c.userFields ?? {})
        .map(([k, v]) => `${k} = ${v}`)
        .join('\n'),
    }
  }
  if (app.kind === 'freshworks') return { ...common, redirectUris: app.config.redirectUris.join('\n') }
  const c = app.config
  const renames = c.attributeNames ?? {}
  return {
    ...common,
    entityId: c.entityId,
    acsUrl: c.acsUrl,
    certificates: c.certificates.join('\n\n'),
    nameIdFormat: c.nameIdFormat,
    signResponse: c.signResponse,
    sloUrl: c.sloUrl ?? '',
    sloBinding: c.sloBinding ?? 'redirect',
    encryptAssertions: c.encryptAssertions ?? false,
    encryptionCertificate: c.encryptionCertificate ?? '',
    encryptionAlgorithm: c.encryptionAlgorithm ?? 'aes256-gcm',
    attributeProfile: c.attributeProfile ?? 'basic',
    attributeNames: Object.fromEntries(SAML_APP_ATTRIBUTES.map((f) => [f, renames[f] === '' ? '-' : (renames[f] ?? '')])),
    ...(c.metadataUrl ? { metadataUrl: c.metadataUrl } : {}),
  }
}

/** Shows a refused form again as typed (the secret never: it is typed again). */
export function appFormValuesFromForm(form: Form): AppFormValues {
  const text = (k: string) => (form[k] ?? '').trim()
  const bool = (k: string) => text(k) === 'true'
  const values: AppFormValues = { attributeNames: Object.fromEntries(SAML_APP_ATTRIBUTES.map((f) => [f, text(attributeInputName(f))])) }
  for (const k of ['name', 'slug', 'subdomain', 'baseUrl', 'externalIdFrom', 'userFields', 'redirectUris', 'entityId', 'acsUrl', 'certificates'] as const)
    values[k] = text(k)
  for (const k of ['nameIdFormat', 'sloUrl', 'sloBinding', 'encryptionCertificate', 'encryptionAlgorithm', 'attributeProfile'] as const) values[k] = text(k)
  for (const k of ['enabled', 'tagsFromGroups', 'signResponse', 'encryptAssertions'] as const) values[k] = bool(k)
  return values
}

/**
 * A refusal of a console form, named by the form's input rather than the API's path
 * (`config.acsUrl` → `acsUrl`, `config.redirectUris[1]` → `redirectUris`,
 * `config.attributeNames.email` → `attr-email`), so the error sits at its field.
 */
export function asAppFormError(err: unknown): unknown {
  if (!(err instanceof AppError) || typeof err.detail.field !== 'string' || !err.detail.field.startsWith('config.')) return err
  const path = err.detail.field.slice('config.'.length)
  const rename = /^attributeNames\.(\w+)$/.exec(path)
  const field = rename ? attributeInputName(rename[1]!) : path.replace(/\[\d+\]$/, '').replace(/\..*$/, '')
  return new AppError(err.code, err.message.replace(/^config\./, ''), { ...err.detail, field })
}
