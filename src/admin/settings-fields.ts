/**
 * Parses PUT /sso/admin/api/settings (and the console's settings form, converted to the same
 * shape): a partial Settings object, every field checked, unknown settings refused by name.
 */
import { MAX_SESSION_LIFETIME_SECONDS } from '../store/sessions'
import { MAX_CLOCK_SKEW_SECONDS } from '../saml/limits'
import { DEFAULT_SETTINGS, type Settings } from '../store/settings'
import { splitLines, splitList } from './idp-fields'
import { int, invalid, optUrl, parseUrl } from './validate'

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

/** What a client may send for settings.adminAccess: the IdP by id or slug; admin/settings.ts resolves it to the id. */
export interface AdminAccessInput {
  idp: string
  group: string
}

type SettingsInput = Omit<Settings, 'adminAccess'> & { adminAccess: AdminAccessInput[] }

/** The webhook signing secret as typed (write-only: never part of Settings, never shown back). */
export const MIN_WEBHOOK_SECRET_CHARS = 16
export const MAX_WEBHOOK_SECRET_CHARS = 256

/** null removes the secret; a secret is printable ASCII without spaces, so it survives every copy and paste. */
function webhookSecret(v: unknown): string | null {
  if (v === null) return null
  if (typeof v !== 'string' || v.length < MIN_WEBHOOK_SECRET_CHARS || v.length > MAX_WEBHOOK_SECRET_CHARS || !/^[\x21-\x7e]+$/.test(v))
    invalid('webhookSecret', `must be ${MIN_WEBHOOK_SECRET_CHARS} to ${MAX_WEBHOOK_SECRET_CHARS} printable characters without spaces (or null to remove it)`)
  return v
}

/** https (plain http only to a loopback host, as for metadata URLs); no user name or password in it. */
function webhookUrl(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null
  const url = parseUrl(v, 'webhookUrl')
  const parsed = new URL(url)
  if (parsed.username || parsed.password) invalid('webhookUrl', 'must not carry a user name or password: events are authenticated by their signature')
  return url
}

const PARSERS: { [K in keyof SettingsInput]: (v: unknown) => SettingsInput[K] } = {
  spEntityId: (v) => text(v, 'spEntityId', 1024, true),
  portalName: (v) => text(v, 'portalName', 100),
  primaryColor: (v) => {
    const s = text(v, 'primaryColor', 7)
    if (!/^#[0-9a-fA-F]{6}$/.test(s)) invalid('primaryColor', 'must be a hex color like #2557d6')
    return s.toLowerCase()
  },
  logoUrl: (v) => optUrl(v, 'logoUrl'),
  discoveryByEmailOnly: (v) => {
    if (typeof v !== 'boolean') invalid('discoveryByEmailOnly', 'must be true or false')
    return v
  },
  supportContact: (v) => {
    const s = text(v, 'supportContact', 200, true)
    if (s && !/^[^\s@<>"]+@[^\s@<>"]+\.[a-z]{2,}$/i.test(s) && !/^https:\/\/[^\s<>"]+$/.test(s))
      invalid('supportContact', `must be an email address or an https:// URL, not "${s.slice(0, 60)}"`)
    return s
  },
  sessionLifetimeSeconds: (v) => int(v, 'sessionLifetimeSeconds', 300, MAX_SESSION_LIFETIME_SECONDS),
  clockSkewSeconds: (v) => int(v, 'clockSkewSeconds', 0, MAX_CLOCK_SKEW_SECONDS),
  allowSha1: (v) => {
    if (typeof v !== 'boolean') invalid('allowSha1', 'must be true or false')
    return v
  },
  adminAccess: (v) => {
    if (!Array.isArray(v) || v.length > 50) invalid('adminAccess', 'must be a list of at most 50 { idp, group } pairs')
    return v.map((pair: unknown, i) => {
      if (typeof pair !== 'object' || pair === null || Array.isArray(pair))
        invalid(`adminAccess[${i}]`, 'must be { idp, group }: the IdP (id or slug) and one of its groups')
      const p = pair as Record<string, unknown>
      for (const key of Object.keys(p))
        if (key !== 'idp' && key !== 'idpId' && key !== 'group') invalid(`adminAccess[${i}].${key}`, 'unknown field (allowed: idp, group)')
      return { idp: text(p.idp ?? p.idpId, `adminAccess[${i}].idp`, 128), group: text(p.group, `adminAccess[${i}].group`, 512) }
    })
  },
  auditRetentionDays: (v) => int(v, 'auditRetentionDays', 1, 3650),
  webhookUrl: (v) => webhookUrl(v),
  headerNames: (v) => {
    const allowed = Object.keys(DEFAULT_SETTINGS.headerNames).join(', ')
    if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid('headerNames', `must be an object { ${allowed} }`)
    const out = { ...DEFAULT_SETTINGS.headerNames }
    for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
      if (!Object.hasOwn(out, k)) invalid(`headerNames.${k}`, `unknown field (allowed: ${allowed})`)
      out[k as keyof typeof out] = headerName(value, `headerNames.${k}`)
    }
    const folded = Object.values(out).map((n) => n.toLowerCase().replace(/_/g, '-'))
    if (new Set(folded).size !== folded.length) invalid('headerNames', 'each identity header needs its own name')
    return out
  },
  userHeader: (v) => {
    if (v === null) return null
    if (typeof v !== 'object' || Array.isArray(v)) invalid('userHeader', 'must be null or { name, value, pathPrefixes }')
    const input = v as Record<string, unknown>
    // 'nameId' (before subjects were namespaced) now means the namespaced subject.
    const value = input.value === 'nameId' ? 'subject' : (input.value ?? 'email')
    if (value !== 'email' && value !== 'subject') invalid('userHeader.value', "must be 'email' or 'subject' (<idp slug>:<NameID>)")
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

export function parseSettingsInput(input: Record<string, unknown>): Partial<SettingsInput> & { webhookSecret?: string | null } {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (key === 'webhookSecret') {
      out.webhookSecret = webhookSecret(value)
      continue
    }
    if (key === 'adminGroups') invalid(key, 'was replaced by adminAccess: (IdP, group) pairs, because a group name alone must not grant access across IdPs')
    if (!Object.hasOwn(DEFAULT_SETTINGS, key)) invalid(key, 'unknown setting')
    out[key] = PARSERS[key as keyof SettingsInput](value)
  }
  return out as Partial<SettingsInput> & { webhookSecret?: string | null }
}

/** `idp-slug: group` lines (the console's form) as pairs; a line without ':' names no IdP and is refused by the service. */
export function parseAdminAccessLines(text: string): AdminAccessInput[] {
  return splitLines(text).map((line) => {
    const colon = line.indexOf(':')
    return colon < 0 ? { idp: '', group: line } : { idp: line.slice(0, colon).trim(), group: line.slice(colon + 1).trim() }
  })
}

/** The console's settings form as the API's JSON shape. */
export function settingsInputFromForm(form: Record<string, string>): Record<string, unknown> {
  const text = (k: string) => (form[k] ?? '').trim()
  const num = (k: string) => (/^\d+$/.test(text(k)) ? Number(text(k)) : text(k))
  return {
    portalName: text('portalName'),
    primaryColor: text('primaryColor'),
    logoUrl: text('logoUrl') || null,
    supportContact: text('supportContact'),
    discoveryByEmailOnly: text('discoveryByEmailOnly') === 'true',
    spEntityId: text('spEntityId'),
    sessionLifetimeSeconds: num('sessionLifetimeSeconds'),
    clockSkewSeconds: num('clockSkewSeconds'),
    allowSha1: text('allowSha1') === 'true',
    adminAccess: parseAdminAccessLines(text('adminAccess')),
    auditRetentionDays: num('auditRetentionDays'),
    webhookUrl: text('webhookUrl') || null,
    // Empty: keep the secret there is (the form never shows it).
    ...(text('webhookSecret') ? { webhookSecret: text('webhookSecret') } : {}),
    headerNames: Object.fromEntries(Object.entries(DEFAULT_SETTINGS.headerNames).map(([k, name]) => [k, text(`headerNames.${k}`) || name])),
    userHeader: text('userHeader.name')
      ? { name: text('userHeader.name'), value: text('userHeader.value') || 'email', pathPrefixes: splitList(text('userHeader.pathPrefixes')) }
      : null,
  }
}
