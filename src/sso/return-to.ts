/**
 * `return_to` / RelayState sanitizer: only ever a same-origin path (DESIGN.md invariant).
 * Anything else, including the browser-normalized tricks (`//evil`, `/\evil`, tabs and newlines
 * that browsers strip, encoded variants that decode to those), falls back to '/'.
 */

const MAX_RETURN_TO_LENGTH = 2048
const PROBE_ORIGIN = 'https://gateway.invalid'

/** The URL `value` resolves to on this origin, or null when it leaves it or its path starts a second authority (`//`). */
function sameOriginPath(value: string): URL | null {
  let url: URL
  try {
    url = new URL(value, PROBE_ORIGIN)
  } catch {
    return null
  }
  if (url.origin !== PROBE_ORIGIN || url.pathname.startsWith('//') || url.pathname.startsWith('/\\')) return null
  return url
}

export function safeReturnTo(value: string | null | undefined): string {
  if (!value || value.length > MAX_RETURN_TO_LENGTH) return '/'
  // Must be an absolute path; a second '/' or '\' would make it protocol-relative in browsers.
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/'
  // Browsers drop tabs/newlines inside URLs and treat '\' as '/': refuse them outright.
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/'
  let decoded = value
  try {
    // Percent-encoded '//' or '\' can be decoded by a portal's own redirect logic later.
    for (let i = 0; i < 3 && /%/.test(decoded); i++) decoded = decodeURIComponent(decoded)
  } catch {
    return '/'
  }
  if (decoded.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(decoded)) return '/'
  // Dot segments and encoded dots are resolved by URL parsing: `/.//evil`, `/x/..//evil` and
  // `/%2e//evil` all become `//evil`. Check the path as a browser (or a portal) would resolve it,
  // as sent and as decoded.
  const url = sameOriginPath(value)
  const decodedUrl = decoded === value ? url : sameOriginPath(decoded)
  if (!url || !decodedUrl) return '/'
  // Never bounce back into the sign-in flow itself (`/sso/%6cogin` included).
  if ([url, decodedUrl].some((u) => /^\/sso\/(login|acs|logout|slo)(\/|$)/.test(u.pathname))) return '/'
  return url.pathname + url.search + url.hash
}
