/**
 * The IdP field list, once: for every field, how the admin API parses it, how the console form
 * edits it, and how both show it. parseIdpInput is the only way a client's values reach the IdP
 * store; unknown and read-only fields are refused by name, so a typo never silently does nothing.
 */
import { parseIssuer } from '../oidc/discovery'
import { MAX_CLOCK_SKEW_SECONDS } from '../saml/limits'
import type { IdpFields, IdpRow } from '../store/idps'
import { TOKEN_ENDPOINT_AUTH_METHODS, type AttributeMap } from '../store/schema'
import { ATTRIBUTE_PRESETS } from './attribute-presets'
import { describeCertificate, type CertificateInfo } from './certificates'
import {
  bool,
  invalid,
  optCertificate,
  optStr,
  optUrl,
  parseCertificates,
  parseDomain,
  parseSlug,
  parseUrl,
  requireObject,
  slugify,
  str,
  stringArray,
} from './validate'

export const ATTRIBUTE_FIELDS = ['email', 'firstName', 'lastName', 'displayName', 'groups'] as const

/**
 * How the console edits a field: `text` (trimmed, '' kept), `optional` ('' = none), `list`
 * (comma or line separated), `certificates` (PEM blocks or base64 DER separated by blank lines),
 * `boolean` (a checkbox sending 'true'), `number` ('' = the default), `attributes` (one input per
 * identity field, filled from a vendor preset), or null: not in the form.
 */
type FormKind = 'text' | 'optional' | 'list' | 'lines' | 'certificates' | 'boolean' | 'number' | 'attributes' | 'claims' | 'slug' | 'choice' | null

export type IdpProtocol = 'saml' | 'oidc'

interface FieldSpec {
  /** API value → stored value; null = set by the gateway only (read-only to clients). */
  parse: ((v: unknown) => unknown) | null
  form: FormKind
  /** A field of one protocol only: the other protocol's IdPs refuse it by name. */
  only?: IdpProtocol
}

/** attributeMap (SAML attribute names) or claimsMap (OIDC claim names): one name per identity field. */
function nameMap(field: 'attributeMap' | 'claimsMap') {
  return (v: unknown): AttributeMap => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid(field, 'must be an object')
    const out: AttributeMap = {}
    for (const [k, value] of Object.entries(v)) {
      if (!(ATTRIBUTE_FIELDS as readonly string[]).includes(k)) invalid(`${field}.${k}`, `unknown field (allowed: ${ATTRIBUTE_FIELDS.join(', ')})`)
      const name = optStr(value, `${field}.${k}`, field === 'claimsMap' ? 128 : 512)
      if (name) out[k as keyof AttributeMap] = name
    }
    return out
  }
}

/** RFC 6749 §3.3 scope tokens, space-separated, `openid` among them (OIDC Core §3.1.2.1). */
export const DEFAULT_OIDC_SCOPES = 'openid email profile'
function parseScopes(v: unknown): string {
  const tokens = str(v, 'scopes', 1024).split(/\s+/).filter(Boolean)
  const bad = tokens.find((t) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(t))
  if (bad !== undefined) invalid('scopes', `"${bad.slice(0, 64)}" is not a scope name (printable ASCII, no quotes or backslashes)`)
  if (!tokens.includes('openid')) invalid('scopes', 'must include openid (without it the provider sends no ID token)')
  if (tokens.length > 30) invalid('scopes', 'at most 30 scopes')
  return [...new Set(tokens)].join(' ')
}

function binding(field: string, allowNull: boolean) {
  return (v: unknown) => {
    if (allowNull && v === null) return null
    if (v !== 'redirect' && v !== 'post') invalid(field, allowNull ? "must be 'redirect', 'post' or null" : "must be 'redirect' or 'post'")
    return v
  }
}

export const IDP_FIELDS = {
  // The organization it speaks for (admin/idps.ts checks it exists); on create, none = a new one.
  organizationId: { parse: (v) => str(v, 'organizationId', 64), form: 'choice' },
  name: { parse: (v) => str(v, 'name', 100), form: 'text' },
  slug: { parse: (v) => parseSlug(v), form: 'slug' },
  // Fixed when the IdP is created (its users' subjects and sessions depend on it).
  protocol: {
    parse: (v) => {
      if (v !== 'saml' && v !== 'oidc') invalid('protocol', "must be 'saml' or 'oidc'")
      return v
    },
    form: null,
  },
  entityId: { parse: (v) => str(v, 'entityId', 1024), form: 'text', only: 'saml' },
  ssoUrl: { parse: (v) => parseUrl(v, 'ssoUrl'), form: 'text', only: 'saml' },
  ssoBinding: { parse: binding('ssoBinding', false), form: 'text', only: 'saml' },
  sloUrl: { parse: (v) => optUrl(v, 'sloUrl'), form: 'optional', only: 'saml' },
  sloBinding: { parse: binding('sloBinding', true), form: null, only: 'saml' },
  certificates: { parse: (v) => parseCertificates(v), form: 'certificates', only: 'saml' },
  // OpenID Connect (the endpoints come from discovery at <issuer>/.well-known/openid-configuration).
  issuer: { parse: (v) => parseIssuer(v), form: 'text', only: 'oidc' },
  clientId: { parse: (v) => str(v, 'clientId', 256), form: 'text', only: 'oidc' },
  // Write-only: parseIdpInput takes `clientSecret` and the service seals it here.
  clientSecretSealed: { parse: null, form: null, only: 'oidc' },
  scopes: { parse: parseScopes, form: 'text', only: 'oidc' },
  tokenEndpointAuth: {
    parse: (v) => {
      if (!(TOKEN_ENDPOINT_AUTH_METHODS as readonly unknown[]).includes(v))
        invalid('tokenEndpointAuth', `must be one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}`)
      return v
    },
    form: 'text',
    only: 'oidc',
  },
  claimsMap: { parse: nameMap('claimsMap'), form: 'claims', only: 'oidc' },
  oidcEndpoints: { parse: null, form: null, only: 'oidc' },
  enabled: { parse: (v) => bool(v, 'enabled'), form: 'boolean' },
  showOnSelection: { parse: (v) => bool(v, 'showOnSelection'), form: 'boolean' },
  isDefault: { parse: (v) => bool(v, 'isDefault'), form: 'boolean' },
  emailDomains: {
    // Normalized as organization domains are (they are claimed for the IdP's organization).
    parse: (v) => [...new Set(stringArray(v, 'emailDomains', 50, 253).map((d, i) => parseDomain(d, `emailDomains[${i}]`)))],
    form: 'list',
  },
  attributeMap: { parse: nameMap('attributeMap'), form: 'attributes', only: 'saml' },
  allowedGroups: { parse: (v) => stringArray(v, 'allowedGroups', 200, 512), form: 'lines' },
  signAuthnRequests: { parse: (v) => bool(v, 'signAuthnRequests'), form: 'boolean', only: 'saml' },
  wantAssertionsSigned: { parse: (v) => bool(v, 'wantAssertionsSigned'), form: 'boolean', only: 'saml' },
  allowIdpInitiated: { parse: (v) => bool(v, 'allowIdpInitiated'), form: 'boolean', only: 'saml' },
  allowSha1: { parse: (v) => bool(v, 'allowSha1'), form: 'boolean', only: 'saml' },
  clockSkewSeconds: {
    // null: the gateway's default (settings.clockSkewSeconds).
    parse: (v) => {
      if (v === null) return null
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_CLOCK_SKEW_SECONDS)
        invalid('clockSkewSeconds', `must be a whole number from 0 to ${MAX_CLOCK_SKEW_SECONDS}`)
      return v
    },
    form: 'number',
  },
  nameIdFormat: { parse: (v) => optStr(v, 'nameIdFormat', 256), form: 'optional', only: 'saml' },
  logoUrl: { parse: (v) => optUrl(v, 'logoUrl'), form: 'optional' },
  sortOrder: {
    parse: (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 1e6) invalid('sortOrder', 'must be a whole number')
      return v
    },
    form: null,
  },
  metadataUrl: { parse: (v) => optUrl(v, 'metadataUrl'), form: null, only: 'saml' },
  // The key the IdP (or its federation) signs metadata with, obtained out of band: refreshes
  // then refuse metadata it has not signed, so a hijacked URL cannot swap the trust anchors.
  metadataSigningCertificate: {
    parse: (v) => optCertificate(v, 'metadataSigningCertificate'),
    form: 'optional',
    only: 'saml',
  },
  // Set by the gateway (metadata refresh), never by a client.
  metadataRefreshedAt: { parse: null, form: null },
  sessionsRevokedAt: { parse: null, form: null },
  testedAt: { parse: null, form: null },
} as const satisfies { readonly [K in keyof IdpFields]-?: FieldSpec }

const REQUIRED: Record<IdpProtocol, (keyof IdpFields)[]> = {
  saml: ['name', 'entityId', 'ssoUrl', 'certificates'],
  oidc: ['name', 'issuer', 'clientId'],
}

/** An IdP body as parsed: stored fields, and the OIDC client secret in clear (the service seals it). */
export type IdpInput = Partial<IdpFields> & { clientSecret?: string }

/**
 * Parses an IdP body. `create`/`replace` need every required field of the IdP's protocol (on
 * create the slug defaults from the name; on update it never changes, see admin/idps.ts);
 * `patch` takes any subset. `protocol` is the stored IdP's on update (it cannot change), the
 * body's on create (default `saml`); the other protocol's fields are refused by name.
 */
export function parseIdpInput(body: unknown, mode: 'create' | 'replace' | 'patch', protocol?: IdpProtocol): IdpInput {
  const input = requireObject(body)
  const out: Record<string, unknown> = {}
  const kind: IdpProtocol = protocol ?? (input.protocol === undefined ? 'saml' : (IDP_FIELDS.protocol.parse(input.protocol) as IdpProtocol))
  for (const [key, value] of Object.entries(input)) {
    if (key === 'clientSecret') {
      if (kind !== 'oidc') invalid(key, 'applies to OIDC IdPs only')
      if (value !== undefined) out.clientSecret = str(value, 'clientSecret', 1024)
      continue
    }
    if (!Object.hasOwn(IDP_FIELDS, key)) invalid(key, 'unknown field')
    const spec: FieldSpec = IDP_FIELDS[key as keyof IdpFields]
    if (!spec.parse) invalid(key, 'is read-only')
    if (key === 'protocol' && protocol !== undefined && value !== protocol)
      invalid(key, `cannot change: add a new IdP for ${value === 'oidc' ? 'OpenID Connect' : 'SAML'} instead`)
    if (spec.only && spec.only !== kind) invalid(key, `applies to ${spec.only === 'oidc' ? 'OIDC' : 'SAML'} IdPs only`)
    if (value === undefined) continue
    out[key] = spec.parse(value)
  }
  if (mode === 'create') out.protocol = kind
  if (mode !== 'patch') {
    for (const key of REQUIRED[kind]) if (out[key] === undefined) invalid(key, 'is required')
    if (mode === 'create') out.slug ??= slugify(out.name as string)
  }
  return out as IdpInput
}

// --- the console form -------------------------------------------------------------------------

type Form = Record<string, string>

type FormKindOf<K extends keyof typeof IDP_FIELDS> = (typeof IDP_FIELDS)[K]['form']
type FormValueOf<F> = F extends 'boolean' ? boolean : F extends 'attributes' | 'claims' ? Partial<Record<keyof AttributeMap, string>> : string | number | null

/** Form values as typed (strings) or stored (booleans), per field of the form: what the console shows and re-shows after an error. */
export type IdpFormValues = { [K in keyof typeof IDP_FIELDS as FormKindOf<K> extends null ? never : K]?: FormValueOf<FormKindOf<K>> }

/** One entry per line, blanks dropped (for values that may contain commas: LDAP DNs as group names). */
export function splitLines(value: string): string[] {
  return value
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** Comma- or line-separated list, blanks dropped. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
}

/** PEM blocks as pasted, or bare base64 DER separated by blank lines. */
export function splitCertificates(value: string): string[] {
  const pems = value.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)
  if (pems) return pems
  return value
    .split(/\n\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean)
}

/** The protocol a console form is for (a hidden input; SAML when absent). */
export function formProtocol(form: Form): IdpProtocol {
  return form.protocol === 'oidc' ? 'oidc' : 'saml'
}

/**
 * A console form post as the API's JSON shape, so parseIdpInput validates both alike. Only the
 * fields of the form's protocol are read; an OIDC form's empty client secret keeps the stored one.
 */
export function idpInputFromForm(form: Form): Record<string, unknown> {
  const text = (k: string) => (form[k] ?? '').trim()
  const protocol = formProtocol(form)
  const out: Record<string, unknown> = {}
  if (protocol === 'oidc') {
    out.protocol = 'oidc'
    if (text('clientSecret')) out.clientSecret = text('clientSecret')
  }
  for (const [key, spec] of Object.entries(IDP_FIELDS) as [string, FieldSpec][]) {
    if (spec.only && spec.only !== protocol) continue
    const value = text(key)
    switch (spec.form) {
      case 'text':
        out[key] = key === 'ssoBinding' ? value || 'redirect' : key === 'tokenEndpointAuth' ? value || 'client_secret_basic' : value
        break
      case 'slug':
      case 'choice':
        if (value) out[key] = value
        break
      case 'optional':
        out[key] = value || null
        break
      case 'list':
        out[key] = splitList(value)
        break
      case 'lines':
        out[key] = splitLines(value)
        break
      case 'certificates':
        out[key] = splitCertificates(value)
        break
      case 'boolean':
        // Checkboxes: an unchecked box is absent; a hidden 'false' input comes first in the form.
        if (form[key] !== undefined) out[key] = value === 'true'
        break
      case 'number':
        // Empty: the gateway's default applies.
        out[key] = value === '' ? null : /^-?\d+$/.test(value) ? Number(value) : value
        break
      case 'attributes': {
        const preset = ATTRIBUTE_PRESETS[text('preset')]
        const map: Record<string, string> = {}
        for (const f of ATTRIBUTE_FIELDS) {
          const name = text(`attributeMap.${f}`) || preset?.map[f] || ''
          if (name) map[f] = name
        }
        out[key] = map
        break
      }
      case 'claims': {
        const map: Record<string, string> = {}
        for (const f of ATTRIBUTE_FIELDS) if (text(`claimsMap.${f}`)) map[f] = text(`claimsMap.${f}`)
        out[key] = map
        break
      }
    }
  }
  return out
}

/** What the form shows for a stored IdP. */
export function idpFormValuesFromRow(row: IdpRow): IdpFormValues {
  const values: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(IDP_FIELDS) as [string, FieldSpec][]) {
    const stored = row[key as keyof IdpRow]
    if (spec.form === 'list') values[key] = (stored as string[]).join(', ')
    else if (spec.form === 'lines') values[key] = (stored as string[]).join('\n')
    else if (spec.form === 'certificates') values[key] = (stored as string[]).join('\n\n')
    else if (spec.form === 'attributes' || spec.form === 'claims') values[key] = { ...(stored as AttributeMap) }
    else if (spec.form !== null) values[key] = stored
  }
  return values as IdpFormValues
}

/** Re-shows what the admin typed after a validation error (lists and numbers as typed, not parsed). */
export function idpFormValuesFromForm(form: Form): IdpFormValues {
  const input = idpInputFromForm(form)
  const values: Record<string, unknown> = { ...input }
  for (const [key, spec] of Object.entries(IDP_FIELDS) as [string, FieldSpec][]) {
    if (['list', 'lines', 'certificates', 'number', 'slug', 'choice'].includes(spec.form ?? '')) values[key] = (form[key] ?? '').trim()
  }
  return values as IdpFormValues
}

// --- how the API shows an IdP ---------------------------------------------------------------------

export type IdpView = Omit<IdpRow, 'clientSecretSealed' | 'metadataRefreshedAt' | 'sessionsRevokedAt' | 'testedAt' | 'createdAt' | 'updatedAt'> & {
  /** Never passed a test sign-in: hidden from customers, and it cannot be enabled yet. */
  draft: boolean
  testedAt: string | null
  /** OIDC: a client secret is stored (it is write-only: never shown, not even sealed). */
  hasClientSecret: boolean
  certificateInfo: CertificateInfo[]
  metadataRefreshedAt: string | null
  sessionsRevokedAt: string | null
  createdAt: string
  updatedAt: string
}

export async function idpView(row: IdpRow, now: Date): Promise<IdpView> {
  const { clientSecretSealed, ...rest } = row
  return {
    ...rest,
    hasClientSecret: clientSecretSealed !== null,
    certificateInfo: await Promise.all(row.certificates.map((pem) => describeCertificate(pem, now))),
    metadataRefreshedAt: row.metadataRefreshedAt?.toISOString() ?? null,
    sessionsRevokedAt: row.sessionsRevokedAt?.toISOString() ?? null,
    draft: row.testedAt === null && !row.enabled,
    testedAt: row.testedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
