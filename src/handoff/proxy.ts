/**
 * Proxy mode: forwards a portal request upstream with the signed-in identity. Client-supplied
 * identity headers (`x-sso-*`, `sso-jwt`) are always stripped first, so a customer can never
 * speak for the gateway. Bodies stream both ways; upstream status, headers and cookies are kept.
 */
import type { Session } from '../store/sessions'

export const IDENTITY_HEADER_PREFIX = 'x-sso-'
export const IDENTITY_JWT_HEADER = 'sso-jwt'

/** Removes every header a client could use to impersonate the gateway's identity assertion. */
export function stripIdentityHeaders(headers: Headers): void {
  const doomed: string[] = []
  headers.forEach((_value, name) => {
    const lower = name.toLowerCase()
    if (lower.startsWith(IDENTITY_HEADER_PREFIX) || lower === IDENTITY_JWT_HEADER) doomed.push(name)
  })
  for (const name of doomed) headers.delete(name)
}

/** Identity headers for a session (DESIGN.md "Identity forwarded to the portal"). */
export function identityHeaders(session: Session): Record<string, string> {
  return {
    'X-SSO-Email': session.email ?? '',
    'X-SSO-Name': session.displayName ?? '',
    'X-SSO-Groups': session.groups.join(','),
    'X-SSO-IdP': session.idpSlug,
  }
}

/**
 * Builds the upstream request: same method, path, query and body; `portalOrigin` replaces the
 * origin when set (local dev, or a portal on another host), else the route's own origin is used.
 */
export function upstreamRequest(request: Request, portalOrigin: string | undefined, extra: Record<string, string>): Request {
  const url = new URL(request.url)
  const target = portalOrigin ? new URL(url.pathname + url.search, portalOrigin) : url
  const headers = new Headers(request.headers)
  stripIdentityHeaders(headers)
  for (const [name, value] of Object.entries(extra)) headers.set(name, value)
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD'
  return new Request(target, {
    method: request.method,
    headers,
    body: hasBody ? request.body : null,
    redirect: 'manual',
  })
}

/** Marks a personalized upstream response as not cacheable by shared caches. */
export function privatize(response: Response): Response {
  const out = new Response(response.body, response)
  const cc = out.headers.get('cache-control')
  if (!cc || /\b(public|s-maxage)\b/i.test(cc)) out.headers.set('Cache-Control', 'private, no-cache')
  out.headers.append('Vary', 'Cookie')
  return out
}
