/**
 * `return_to` / RelayState sanitizer: only ever a same-origin path (DESIGN.md invariant).
 * Anything else, including the browser-normalized tricks (`//evil`, `/\evil`, tabs and newlines
 * that browsers strip, encoded variants that decode to those), falls back to '/'.
 */

const MAX_RETURN_TO_LENGTH = 2048
const PROBE_ORIGIN = 'https://gateway.invalid'

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
  let url: URL
  try {
    url = new URL(value, PROBE_ORIGIN)
  } catch {
    return '/'
  }
  if (url.origin !== PROBE_ORIGIN) return '/'
  const path = url.pathname + url.search + url.hash
  // Never bounce back into the sign-in flow itself.
  if (/^\/sso\/(login|acs|logout|slo)(\/|\?|$)/.test(path)) return '/'
  return path
}
