/**
 * Proxy mode: forwards a portal request upstream with the signed-in identity. Client-supplied
 * identity headers (`x-sso-*`, `sso-jwt`, the configured names) are always stripped first, so a
 * customer can never speak for the gateway. Bodies stream both ways; upstream status, headers
 * and cookies are kept.
 */
import type { Session } from '../store/sessions'
import { DEFAULT_SETTINGS, type IdentityHeaderNames, type UserHeader } from '../store/settings'

export const IDENTITY_HEADER_PREFIX = 'x-sso-'
export const IDENTITY_JWT_HEADER = 'sso-jwt'

/** How identity reaches the portal: header names (settings.headerNames) and the optional user header. */
export interface ForwardingConfig {
  headerNames: IdentityHeaderNames
  userHeader: UserHeader | null
}

export const DEFAULT_FORWARDING: ForwardingConfig = { headerNames: DEFAULT_SETTINGS.headerNames, userHeader: null }

/** A header name as CGI, WSGI and Rack servers see it: case and `_` versus `-` folded together. */
function folded(name: string): string {
  return name.toLowerCase().replace(/_/g, '-')
}

/**
 * Removes every header a client could use to impersonate the gateway's identity assertion: all
 * `x-sso-*`, `sso-jwt`, and whatever names the admin configured for identity, in every spelling
 * a server may fold into the same name (DESIGN.md: case, `_` for `-`).
 */
export function stripIdentityHeaders(headers: Headers, config: ForwardingConfig = DEFAULT_FORWARDING): void {
  const configured = new Set([...Object.values(config.headerNames), ...(config.userHeader ? [config.userHeader.name] : [])].map(folded))
  const doomed: string[] = []
  headers.forEach((_value, name) => {
    const f = folded(name)
    if (f.startsWith(IDENTITY_HEADER_PREFIX) || f === IDENTITY_JWT_HEADER || configured.has(f)) doomed.push(name)
  })
  for (const name of doomed) headers.delete(name)
}

/**
 * Cookies the gateway sets for itself (session, admin, pending logins and logouts): never the
 * portal's business. Any case: browsers match the __Host- prefix case-insensitively.
 */
const GATEWAY_COOKIE = /^__host-sso_/i

/** The Cookie header without the gateway's own cookies (DESIGN.md: gateway cookies never reach the portal). */
export function stripGatewayCookies(headers: Headers): void {
  const cookie = headers.get('cookie')
  if (cookie === null) return
  const kept = cookie
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair && !GATEWAY_COOKIE.test(pair.slice(0, pair.indexOf('=') < 0 ? undefined : pair.indexOf('='))))
  if (kept.length) headers.set('cookie', kept.join('; '))
  else headers.delete('cookie')
}

/** Identity headers for a session (DESIGN.md "Identity forwarded to the portal"), names as configured. */
export function identityHeaders(session: ForwardedSession, path: string, config: ForwardingConfig = DEFAULT_FORWARDING): Record<string, string> {
  const n = config.headerNames
  const out: Record<string, string> = {
    [n.subject]: headerValue(session.subject),
    [n.email]: headerValue(session.email ?? ''),
    [n.name]: headerValue(session.displayName ?? ''),
    [n.groups]: headerValue(session.groups.join(',')),
    [n.idp]: session.idpSlug,
    [n.org]: session.organizationSlug,
  }
  const user = config.userHeader
  if (user && user.pathPrefixes.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`) || p === '/')) {
    // An email the IdP did not send is never made up from the NameID: without one, no user header.
    const value = user.value === 'email' ? session.email : session.subject
    if (value) out[user.name] = headerValue(value)
  }
  return out
}

/** A session as forwarded: with its organization and namespaced subject (sso/sessions.ts LiveSession). */
export type ForwardedSession = Session & { subject: string; organizationSlug: string }

/** Header values carry no line breaks or control characters (a display name with a newline must not break the request). */
export function headerValue(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ')
}

/** Where a portal request goes upstream: the same path and query on `portalOrigin` when set, else the route's own origin. */
export function upstreamUrl(request: Request, portalOrigin: string | undefined): string {
  // The runtime's request URL is already parsed and serialized.
  if (!portalOrigin) return request.url
  const url = new URL(request.url)
  // Path and query are set on the portal's URL, never resolved against it: `//evil.example/x`
  // as a reference would be protocol-relative and leave the portal's host.
  const target = new URL(portalOrigin)
  target.pathname = url.pathname
  target.search = url.search
  return target.toString()
}

/**
 * Forwards the request upstream (hop-by-hop headers dropped both ways, the body streamed), after
 * stripping every client copy of an identity header and adding ours. Redirects are passed to the
 * browser, never followed here. The answer is personalized: it bypasses Cloudflare's cache
 * (`cache: 'no-store'`), and shared caches downstream must not keep it. One copy of the headers
 * each way (hono's proxy helper, used before, copied each twice: issue 15's profile).
 */
export async function forwardUpstream(
  request: Request,
  portalOrigin: string | undefined,
  identity: Record<string, string>,
  config: ForwardingConfig = DEFAULT_FORWARDING,
): Promise<Response> {
  const headers = new Headers(request.headers)
  stripHopByHop(headers)
  stripIdentityHeaders(headers, config)
  stripGatewayCookies(headers)
  // The runtime asks for the encodings it can decode itself.
  headers.delete('accept-encoding')
  for (const [name, value] of Object.entries(identity)) headers.set(name, value)
  // no-store: the subrequest never goes through Cloudflare's cache, so one user's page is never served to another.
  const upstream = await fetch(upstreamUrl(request, portalOrigin), {
    method: request.method,
    headers,
    body: request.body,
    redirect: 'manual',
    cache: 'no-store',
  })
  return privatize(upstream)
}

/** RFC 9110 §7.6.1: headers for this hop only (hono's proxy list), and whatever Connection names. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]

/**
 * Drops hop-by-hop headers, and those Connection names: a client's Proxy-Authorization, or a
 * header it names in Connection, never reaches the portal, nor the portal's the browser. (On a
 * request it runs before our identity headers are set: naming one of them removes nothing of ours.)
 */
function stripHopByHop(headers: Headers): void {
  for (const name of (headers.get('connection') ?? '').split(',')) {
    const token = name.trim().toLowerCase()
    if (/^[!#$%&'*+\-.0-9^_`a-z|~]+$/.test(token)) headers.delete(token)
  }
  for (const name of HOP_BY_HOP) headers.delete(name)
}

/** A Set-Cookie line for one of the gateway's cookie names (the name as a browser reads it: trimmed). */
function isGatewaySetCookie(line: string): boolean {
  const eq = line.indexOf('=')
  return GATEWAY_COOKIE.test((eq < 0 ? line : line.slice(0, eq)).trim())
}

/**
 * The upstream answer as the browser gets it, in one copy: no hop-by-hop header (nor what its
 * Connection names), no Content-Encoding of a body the runtime decoded; marked not cacheable by
 * shared caches (RFC 9111 §5.2.2.7); and no Set-Cookie of a gateway cookie: the portal shares the
 * origin, and may not replace or clear the customer's gateway session (session fixation) or the
 * login and logout state.
 */
function privatize(response: Response): Response {
  const out = new Response(response.body, response)
  stripHopByHop(out.headers)
  if (out.headers.has('content-encoding')) {
    out.headers.delete('content-encoding')
    out.headers.delete('content-length')
  }
  const cookies = out.headers.getSetCookie()
  if (cookies.some(isGatewaySetCookie)) {
    out.headers.delete('Set-Cookie')
    for (const cookie of cookies) if (!isGatewaySetCookie(cookie)) out.headers.append('Set-Cookie', cookie)
  }
  const cc = out.headers.get('cache-control')
  // Anything short of private or no-store (a bare max-age too) would let a shared cache keep it.
  if (!cc || !/\b(private|no-store)\b/i.test(cc) || /\b(public|s-maxage)\b/i.test(cc)) out.headers.set('Cache-Control', 'private, no-cache')
  out.headers.append('Vary', 'Cookie')
  return out
}
