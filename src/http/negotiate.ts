/**
 * Tells a browser navigation from an API/XHR call: browsers get pages and redirects, API clients
 * get JSON and 401s. Decided from standard request headers only.
 */

export function wantsHtml(request: Request): boolean {
  const h = request.headers
  if (h.get('x-requested-with')?.toLowerCase() === 'xmlhttprequest') return false
  const mode = h.get('sec-fetch-mode')
  if (mode && mode !== 'navigate') return false
  const accept = h.get('accept') ?? ''
  if (accept.includes('text/html')) return true
  // No Accept (curl) or */* on a navigation-like GET: treat as a browser only when it says navigate.
  return mode === 'navigate'
}
