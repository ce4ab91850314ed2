/**
 * Who started a request: a page of the gateway's own origin, the user (a typed URL or a bookmark,
 * for a GET), or another site. Read from Fetch Metadata (`Sec-Fetch-Site`, sent by every current
 * browser), else from `Origin` or `Referer`; with none of them, another site is assumed. Actions
 * that a cross-site page must not be able to trigger (ending a session) ask the user first.
 */
export function startedHere(req: Request, origin: string): boolean {
  const site = req.headers.get('sec-fetch-site')
  if (site !== null) return site === 'same-origin' || (site === 'none' && (req.method === 'GET' || req.method === 'HEAD'))
  const from = req.headers.get('origin') ?? req.headers.get('referer')
  if (!from) return false
  try {
    return new URL(from).origin === origin
  } catch {
    // "null" (an opaque origin: sandboxed frames, data: URLs) or garbage.
    return false
  }
}
