/**
 * The checks every admin input parser shares: each throws ADMIN_INVALID_FIELD naming the field,
 * with a message that says what is wanted. Nothing unvalidated reaches the store.
 */
import { AppError } from '../errors'
import { isSamlError } from '../saml/errors'
import { parseCertificate } from '../saml/x509'
import { normalizeDomain } from '../sso/tenancy'

export const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/
/** Most certificates one IdP or app may list (rollover needs two; five leaves room). */
export const MAX_CERTIFICATES = 5

export function invalid(field: string, message: string): never {
  throw new AppError('ADMIN_INVALID_FIELD', `${field}: ${message}`, { field })
}

export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('ADMIN_INVALID_JSON', 'The body must be a JSON object.')
  return body as Record<string, unknown>
}

export function str(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string' || !v.trim()) invalid(field, 'must be a non-empty string')
  if (v.length > max) invalid(field, `must be at most ${max} characters`)
  return v.trim()
}

export function optStr(v: unknown, field: string, max: number): string | null {
  return v === undefined || v === null || v === '' ? null : str(v, field, max)
}

export function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') invalid(field, 'must be true or false')
  return v
}

export function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(field, `must be a whole number from ${min} to ${max}`)
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

export function optUrl(v: unknown, field: string): string | null {
  return v === undefined || v === null || v === '' ? null : parseUrl(v, field)
}

export function stringArray(v: unknown, field: string, maxItems: number, maxLen: number): string[] {
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

/** One optional certificate (PEM or base64 DER); '' or null = none. */
export function optCertificate(v: unknown, field: string): string | null {
  if (v === undefined || v === null || v === '') return null
  const pem = str(v, field, 16_384)
  try {
    parseCertificate(pem)
  } catch (err) {
    if (isSamlError(err)) invalid(field, 'is not a valid X.509 certificate (PEM or base64 DER)')
    throw err
  }
  return pem
}

/** A slug from a display name: lowercase ASCII letters, digits and single dashes, at most 64. */
export function slugify(name: string, fallback = 'idp'): string {
  return (
    name
      .normalize('NFKD')
      // NFKD splits "è" into "e" and a combining accent: drop the accent, keep the letter.
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64)
      .replace(/-+$/, '') || fallback
  )
}

export function parseSlug(v: unknown, field = 'slug'): string {
  const s = str(v, field, 64)
  if (!SLUG.test(s)) invalid(field, 'use lowercase letters, digits and dashes')
  return s
}

/** `prefix_` + 18 hex characters from the injected randomness (IdPs `idp_`, apps `app_`, organizations `org_`). */
export function newId(prefix: 'idp' | 'app' | 'org', random: (n: number) => Uint8Array): string {
  return `${prefix}_${[...random(9)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

/** A domain as typed (`@` prefix allowed), normalized as email authority compares it: lower case, IDN in ASCII. */
export function parseDomain(v: unknown, field: string): string {
  const raw = str(v, field, 253).replace(/^@/, '')
  const domain = normalizeDomain(raw)
  if (!domain) invalid(field, 'must be a domain like example.com (Unicode domains are fine)')
  return domain
}
