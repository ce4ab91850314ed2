/**
 * Parses admin API bodies at the edge: one function per body, each field checked, the first
 * problem thrown as ADMIN_INVALID_FIELD naming the field. Nothing unvalidated reaches the store.
 */
import { AppError } from '../errors'
import { isSamlError } from '../saml/errors'
import { parseCertificate } from '../saml/x509'
import type { AttributeMap } from '../store/schema'
import type { IdpFields } from '../store/idps'

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/
const ATTRIBUTE_FIELDS = ['email', 'firstName', 'lastName', 'displayName', 'groups'] as const
export const MAX_CLOCK_SKEW_SECONDS = 900
const MAX_CERTIFICATES = 5

function invalid(field: string, message: string): never {
  throw new AppError('ADMIN_INVALID_FIELD', `${field}: ${message}`, { field })
}

function str(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string' || !v.trim()) invalid(field, 'must be a non-empty string')
  if (v.length > max) invalid(field, `must be at most ${max} characters`)
  return v.trim()
}

function optStr(v: unknown, field: string, max: number): string | null {
  return v === undefined || v === null || v === '' ? null : str(v, field, max)
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') invalid(field, 'must be true or false')
  return v
}

/** http(s) URL; plain http only for loopback hosts (local demo IdPs). */
export function parseUrl(v: unknown, field: string): string {
  const s = str(v, field, 2048)
  let url: URL
  try {
    url = new URL(s)
  } catch {
    invalid(field, 'must be an absolute URL')
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]'
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) invalid(field, 'must be an https:// URL')
  return url.toString()
}

function stringArray(v: unknown, field: string, maxItems: number, maxLen: number): string[] {
  if (!Array.isArray(v)) invalid(field, 'must be an array of strings')
  if (v.length > maxItems) invalid(field, `must have at most ${maxItems} entries`)
  return v.map((item, i) => str(item, `${field}[${i}]`, maxLen))
}

/** Each certificate must parse as X.509 (PEM or bare base64 DER); stored as given, trimmed. */
export function parseCertificates(v: unknown, field = 'certificates'): string[] {
  const certs = stringArray(v, field, MAX_CERTIFICATES, 16_384)
  if (certs.length === 0) invalid(field, 'needs at least one signing certificate')
  certs.forEach((pem, i) => {
    try {
      parseCertificate(pem)
    } catch (err) {
      if (isSamlError(err)) invalid(`${field}[${i}]`, 'is not a valid X.509 certificate (PEM or base64 DER)')
      throw err
    }
  })
  return certs
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

export function slugify(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64)
      .replace(/-+$/, '') || 'idp'
  )
}

type FieldParser = (v: unknown, body: Record<string, unknown>) => unknown

const PARSERS: Record<keyof IdpFields, FieldParser | null> = {
  name: (v) => str(v, 'name', 100),
  slug: (v) => {
    const s = str(v, 'slug', 64)
    if (!SLUG.test(s)) invalid('slug', 'use lowercase letters, digits and dashes')
    return s
  },
  entityId: (v) => str(v, 'entityId', 1024),
  ssoUrl: (v) => parseUrl(v, 'ssoUrl'),
  ssoBinding: (v) => {
    if (v !== 'redirect' && v !== 'post') invalid('ssoBinding', "must be 'redirect' or 'post'")
    return v
  },
  sloUrl: (v) => (v === null || v === '' ? null : parseUrl(v, 'sloUrl')),
  sloBinding: (v) => {
    if (v !== null && v !== 'redirect' && v !== 'post') invalid('sloBinding', "must be 'redirect', 'post' or null")
    return v
  },
  certificates: (v) => parseCertificates(v),
  enabled: (v) => bool(v, 'enabled'),
  showOnSelection: (v) => bool(v, 'showOnSelection'),
  isDefault: (v) => bool(v, 'isDefault'),
  emailDomains: (v) =>
    stringArray(v, 'emailDomains', 50, 253).map((d, i) => {
      const domain = d.toLowerCase().replace(/^@/, '')
      if (!DOMAIN.test(domain)) invalid(`emailDomains[${i}]`, 'must be a domain like example.com')
      return domain
    }),
  attributeMap: (v) => attributeMap(v),
  allowedGroups: (v) => stringArray(v, 'allowedGroups', 200, 512),
  signAuthnRequests: (v) => bool(v, 'signAuthnRequests'),
  wantAssertionsSigned: (v) => bool(v, 'wantAssertionsSigned'),
  allowIdpInitiated: (v) => bool(v, 'allowIdpInitiated'),
  allowSha1: (v) => bool(v, 'allowSha1'),
  clockSkewSeconds: (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_CLOCK_SKEW_SECONDS)
      invalid('clockSkewSeconds', `must be a whole number from 0 to ${MAX_CLOCK_SKEW_SECONDS}`)
    return v
  },
  nameIdFormat: (v) => optStr(v, 'nameIdFormat', 256),
  logoUrl: (v) => (v === null || v === '' ? null : parseUrl(v, 'logoUrl')),
  sortOrder: (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 1e6) invalid('sortOrder', 'must be a whole number')
    return v
  },
  metadataUrl: (v) => (v === null || v === '' ? null : parseUrl(v, 'metadataUrl')),
  // Set by the gateway (metadata refresh), never by a client.
  metadataRefreshedAt: null,
}

const REQUIRED: (keyof IdpFields)[] = ['name', 'entityId', 'ssoUrl', 'certificates']

export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('ADMIN_INVALID_JSON', 'The body must be a JSON object.')
  return body as Record<string, unknown>
}

/**
 * Parses an IdP body. `create`/`replace` need every required field (slug defaults from name);
 * `patch` takes any subset. Unknown fields are rejected, so a typo never silently does nothing.
 */
export function parseIdpInput(body: unknown, mode: 'create' | 'replace' | 'patch'): Partial<IdpFields> {
  const input = requireObject(body)
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (!(key in PARSERS)) invalid(key, 'unknown field')
    const parse = PARSERS[key as keyof IdpFields]
    if (!parse) invalid(key, 'is read-only')
    if (value === undefined) continue
    out[key] = parse(value, input)
  }
  if (mode !== 'patch') {
    for (const key of REQUIRED) if (out[key] === undefined) invalid(key, 'is required')
    out.slug ??= slugify(out.name as string)
  }
  return out as Partial<IdpFields>
}
