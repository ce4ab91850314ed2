/**
 * The IdP field list, once: for every field, how the admin API parses it, how the console form
 * edits it, and how both show it. parseIdpInput is the only way a client's values reach the IdP
 * store; unknown and read-only fields are refused by name, so a typo never silently does nothing.
 */
import { MAX_CLOCK_SKEW_SECONDS } from '../saml/limits'
import type { IdpFields, IdpRow } from '../store/idps'
import type { AttributeMap } from '../store/schema'
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
type FormKind = 'text' | 'optional' | 'list' | 'lines' | 'certificates' | 'boolean' | 'number' | 'attributes' | 'slug' | 'choice' | null

interface FieldSpec {
  /** API value → stored value; null = set by the gateway only (read-only to clients). */
  parse: ((v: unknown) => unknown) | null
  form: FormKind
}

function attributeMap(v: unknown): AttributeMap {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid('attributeMap', 'must be an object')
  const out: AttributeMap = {}
  for (const [k, value] of Object.entries(v)) {
    if (!(ATTRIBUTE_FIELDS as readonly string[]).includes(k)) invalid(`attributeMap.${k}`, `unknown field (allowed: ${ATTRIBUTE_FIELDS.join(', ')})`)
    const name = optStr(value, `attributeMap.${k}`, 512)
    if (name) out[k as keyof AttributeMap] = name
  }
  return out
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
  entityId: { parse: (v) => str(v, 'entityId', 1024), form: 'text' },
  ssoUrl: { parse: (v) => parseUrl(v, 'ssoUrl'), form: 'text' },
  ssoBinding: { parse: binding('ssoBinding', false), form: 'text' },
  sloUrl: { parse: (v) => optUrl(v, 'sloUrl'), form: 'optional' },
  sloBinding: { parse: binding('sloBinding', true), form: null },
  certificates: { parse: (v) => parseCertificates(v), form: 'certificates' },
  enabled: { parse: (v) => bool(v, 'enabled'), form: 'boolean' },
  showOnSelection: { parse: (v) => bool(v, 'showOnSelection'), form: 'boolean' },
  isDefault: { parse: (v) => bool(v, 'isDefault'), form: 'boolean' },
  emailDomains: {
    // Normalized as organization domains are (they are claimed for the IdP's organization).
    parse: (v) => [...new Set(stringArray(v, 'emailDomains', 50, 253).map((d, i) => parseDomain(d, `emailDomains[${i}]`)))],
    form: 'list',
  },
  attributeMap: { parse: attributeMap, form: 'attributes' },
  allowedGroups: { parse: (v) => stringArray(v, 'allowedGroups', 200, 512), form: 'lines' },
  signAuthnRequests: { parse: (v) => bool(v, 'signAuthnRequests'), form: 'boolean' },
  wantAssertionsSigned: { parse: (v) => bool(v, 'wantAssertionsSigned'), form: 'boolean' },
  allowIdpInitiated: { parse: (v) => bool(v, 'allowIdpInitiated'), form: 'boolean' },
  allowSha1: { parse: (v) => bool(v, 'allowSha1'), form: 'boolean' },
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
  nameIdFormat: { parse: (v) => optStr(v, 'nameIdFormat', 256), form: 'optional' },
  logoUrl: { parse: (v) => optUrl(v, 'logoUrl'), form: 'optional' },
  sortOrder: {
    parse: (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 1e6) invalid('sortOrder', 'must be a whole number')
      return v
    },
    form: null,
  },
  metadataUrl: { parse: (v) => optUrl(v, 'metadataUrl'), form: null },
  // The key the IdP (or its federation) signs metadata with, obtained out of band: refreshes
  // then refuse metadata it has not signed, so a hijacked URL cannot swap the trust anchors.
  metadataSigningCertificate: {
    parse: (v) => optCertificate(v, 'metadataSigningCertificate'),
    form: 'optional',
  },
  // Set by the gateway (metadata refresh), never by a client.
  metadataRefreshedAt: { parse: null, form: null },
  sessionsRevokedAt: { parse: null, form: null },
} as const satisfies { readonly [K in keyof IdpFields]-?: FieldSpec }

const REQUIRED: (keyof IdpFields)[] = ['name', 'entityId', 'ssoUrl', 'certificates']

/**
 * Parses an IdP body. `create`/`replace` need every required field (on create the slug defaults
 * from the name; on update it never changes, see admin/idps.ts); `patch` takes any subset.
 */
export function parseIdpInput(body: unknown, mode: 'create' | 'replace' | 'patch'): Partial<IdpFields> {
  const input = requireObject(body)
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (!Object.hasOwn(IDP_FIELDS, key)) invalid(key, 'unknown field')
    const parse: FieldSpec['parse'] = IDP_FIELDS[key as keyof IdpFields].parse
    if (!parse) invalid(key, 'is read-only')
    if (value === undefined) continue
    out[key] = parse(value)
  }
  if (mode !== 'patch') {
    for (const key of REQUIRED) if (out[key] === undefined) invalid(key, 'is required')
    if (mode === 'create') out.slug ??= slugify(out.name as string)
  }
  return out as Partial<IdpFields>
}

// --- the console form -------------------------------------------------------------------------

type Form = Record<string, string>

type FormKindOf<K extends keyof typeof IDP_FIELDS> = (typeof IDP_FIELDS)[K]['form']
type FormValueOf<F> = F extends 'boolean' ? boolean : F extends 'attributes' ? Partial<Record<keyof AttributeMap, string>> : string | number | null

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

/** A console form post as the API's JSON shape, so parseIdpInput validates both alike. */
export function idpInputFromForm(form: Form): Record<string, unknown> {
  const text = (k: string) => (form[k] ?? '').trim()
  const out: Record<string, unknown> = {}
  for (const [key, spec] of Object.entries(IDP_FIELDS) as [string, FieldSpec][]) {
    const value = text(key)
    switch (spec.form) {
      case 'text':
        out[key] = key === 'ssoBinding' ? value || 'redirect' : value
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
    else if (spec.form === 'attributes') values[key] = { ...(stored as AttributeMap) }
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

export type IdpView = Omit<IdpRow, 'metadataRefreshedAt' | 'sessionsRevokedAt' | 'createdAt' | 'updatedAt'> & {
  certificateInfo: CertificateInfo[]
  metadataRefreshedAt: string | null
  sessionsRevokedAt: string | null
  createdAt: string
  updatedAt: string
}

export async function idpView(row: IdpRow, now: Date): Promise<IdpView> {
  return {
    ...row,
    certificateInfo: await Promise.all(row.certificates.map((pem) => describeCertificate(pem, now))),
    metadataRefreshedAt: row.metadataRefreshedAt?.toISOString() ?? null,
    sessionsRevokedAt: row.sessionsRevokedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
