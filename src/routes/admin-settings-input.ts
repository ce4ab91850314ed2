/**
 * Parses PUT /sso/admin/api/settings: a partial Settings object, every field checked.
 */
import { AppError } from '../errors'
import { DEFAULT_SETTINGS, type Settings } from '../store/settings'
import { MAX_CLOCK_SKEW_SECONDS, parseUrl } from './admin-input'

function invalid(field: string, message: string): never {
  throw new AppError('ADMIN_INVALID_FIELD', `${field}: ${message}`, { field })
}

function int(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(field, `must be a whole number from ${min} to ${max}`)
  return v
}

function text(v: unknown, field: string, max: number, allowEmpty = false): string {
  if (typeof v !== 'string' || (!allowEmpty && !v.trim()) || v.length > max)
    invalid(field, `must be a ${allowEmpty ? '' : 'non-empty '}string of at most ${max} characters`)
  return v.trim()
}

const PARSERS: { [K in keyof Settings]: (v: unknown) => Settings[K] } = {
  spEntityId: (v) => text(v, 'spEntityId', 1024, true),
  portalName: (v) => text(v, 'portalName', 100),
  primaryColor: (v) => {
    const s = text(v, 'primaryColor', 7)
    if (!/^#[0-9a-fA-F]{6}$/.test(s)) invalid('primaryColor', 'must be a hex color like #2557d6')
    return s.toLowerCase()
  },
  logoUrl: (v) => (v === null || v === '' ? null : parseUrl(v, 'logoUrl')),
  sessionLifetimeSeconds: (v) => int(v, 'sessionLifetimeSeconds', 300, 30 * 86_400),
  clockSkewSeconds: (v) => int(v, 'clockSkewSeconds', 0, MAX_CLOCK_SKEW_SECONDS),
  allowSha1: (v) => {
    if (typeof v !== 'boolean') invalid('allowSha1', 'must be true or false')
    return v
  },
  adminGroups: (v) => {
    if (!Array.isArray(v) || v.length > 50) invalid('adminGroups', 'must be an array of at most 50 group names')
    return v.map((g, i) => text(g, `adminGroups[${i}]`, 512))
  },
  auditRetentionDays: (v) => int(v, 'auditRetentionDays', 1, 3650),
  headerNames: (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid('headerNames', 'must be an object { email, name, groups, idp }')
    const input = v as Record<string, unknown>
    const out = { ...DEFAULT_SETTINGS.headerNames }
    for (const [k, value] of Object.entries(input)) {
      if (!(k in out)) invalid(`headerNames.${k}`, 'unknown field (allowed: email, name, groups, idp)')
      out[k as keyof typeof out] = headerName(value, `headerNames.${k}`)
    }
    return out
  },
  userHeader: (v) => {
    if (v === null) return null
    if (typeof v !== 'object' || Array.isArray(v)) invalid('userHeader', 'must be null or { name, value, pathPrefixes }')
    const input = v as Record<string, unknown>
    const value = input.value ?? 'email'
    if (value !== 'email' && value !== 'nameId') invalid('userHeader.value', "must be 'email' or 'nameId'")
    const prefixes = input.pathPrefixes ?? ['/']
    if (!Array.isArray(prefixes) || prefixes.length === 0 || prefixes.length > 20) invalid('userHeader.pathPrefixes', 'must be a list of 1 to 20 paths')
    return {
      name: headerName(input.name, 'userHeader.name'),
      value,
      pathPrefixes: prefixes.map((p, i) => {
        if (typeof p !== 'string' || !p.startsWith('/') || p.length > 256) invalid(`userHeader.pathPrefixes[${i}]`, 'must be a path starting with /')
        return p
      }),
    }
  },
}

// Headers the gateway must never let an admin repurpose: transport, cookies, credentials.
const RESERVED_HEADERS = new Set([
  'host',
  'cookie',
  'set-cookie',
  'authorization',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'sso-jwt',
  'cf-connecting-ip',
  'x-forwarded-for',
  'x-real-ip',
])

function headerName(v: unknown, field: string): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/.test(v)) invalid(field, 'must be a header name (letters, digits, dashes)')
  if (RESERVED_HEADERS.has(v.toLowerCase())) invalid(field, `${v} is reserved and cannot carry the identity`)
  return v
}

export function parseSettingsInput(input: Record<string, unknown>): Partial<Settings> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (!(key in DEFAULT_SETTINGS)) invalid(key, 'unknown setting')
    out[key] = PARSERS[key as keyof Settings](value)
  }
  return out as Partial<Settings>
}
