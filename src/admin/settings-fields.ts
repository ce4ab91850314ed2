/**
 * Parses PUT /sso/admin/api/settings (and the console's settings form, converted to the same
 * shape): a partial Settings object, every field checked, unknown settings refused by name.
 */
import { MAX_CLOCK_SKEW_SECONDS } from '../saml/limits'
import { DEFAULT_SETTINGS, type Settings } from '../store/settings'
import { splitLines, splitList } from './idp-fields'
import { int, invalid, optUrl } from './validate'

function text(v: unknown, field: string, max: number, allowEmpty = false): string {
  if (typeof v !== 'string' || (!allowEmpty && !v.trim()) || v.length > max)
    invalid(field, `must be a ${allowEmpty ? '' : 'non-empty '}string of at most ${max} characters`)
  return v.trim()
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

const PARSERS: { [K in keyof Settings]: (v: unknown) => Settings[K] } = {
  spEntityId: (v) => text(v, 'spEntityId', 1024, true),
  portalName: (v) => text(v, 'portalName', 100),
  primaryColor: (v) => {
    const s = text(v, 'primaryColor', 7)
    if (!/^#[0-9a-fA-F]{6}$/.test(s)) invalid('primaryColor', 'must be a hex color like #2557d6')
    return s.toLowerCase()
  },
  logoUrl: (v) => optUrl(v, 'logoUrl'),
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
    const out = { ...DEFAULT_SETTINGS.headerNames }
    for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
      if (!Object.hasOwn(out, k)) invalid(`headerNames.${k}`, 'unknown field (allowed: email, name, groups, idp)')
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

export function parseSettingsInput(input: Record<string, unknown>): Partial<Settings> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (!Object.hasOwn(DEFAULT_SETTINGS, key)) invalid(key, 'unknown setting')
    out[key] = PARSERS[key as keyof Settings](value)
  }
  return out as Partial<Settings>
}

/** The console's settings form as the API's JSON shape. */
export function settingsInputFromForm(form: Record<string, string>): Record<string, unknown> {
  const text = (k: string) => (form[k] ?? '').trim()
  const num = (k: string) => (/^\d+$/.test(text(k)) ? Number(text(k)) : text(k))
  return {
    portalName: text('portalName'),
    primaryColor: text('primaryColor'),
    logoUrl: text('logoUrl') || null,
    spEntityId: text('spEntityId'),
    sessionLifetimeSeconds: num('sessionLifetimeSeconds'),
    clockSkewSeconds: num('clockSkewSeconds'),
    allowSha1: text('allowSha1') === 'true',
    adminGroups: splitLines(text('adminGroups')),
    auditRetentionDays: num('auditRetentionDays'),
    headerNames: {
      email: text('headerNames.email') || DEFAULT_SETTINGS.headerNames.email,
      name: text('headerNames.name') || DEFAULT_SETTINGS.headerNames.name,
      groups: text('headerNames.groups') || DEFAULT_SETTINGS.headerNames.groups,
      idp: text('headerNames.idp') || DEFAULT_SETTINGS.headerNames.idp,
    },
    userHeader: text('userHeader.name')
      ? { name: text('userHeader.name'), value: text('userHeader.value') || 'email', pathPrefixes: splitList(text('userHeader.pathPrefixes')) }
      : null,
  }
}
