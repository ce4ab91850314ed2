// Dev-only demo helpdesk portal (never deployed): shows the identity headers the gateway forwards.
// GET /api/whoami answers the same as JSON. Port: DEMO_PORTAL_PORT (default 8801).
import { createServer } from 'node:http'
/** @import { Server } from 'node:http' */
/** @import { AddressInfo } from 'node:net' */

const IDENTITY = ['x-sso-subject', 'x-sso-email', 'x-sso-name', 'x-sso-groups', 'x-sso-idp', 'x-sso-org', 'sso-jwt']

/** @param {unknown} s */
const escape = (s) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/**
 * The claims of a JWT, unverified (for display only); null when it does not decode.
 * @param {string | string[]} jwt a request header's value
 * @returns {unknown}
 */
function decodeJwtClaims(jwt) {
  try {
    if (typeof jwt !== 'string') return null // (never for this header: Node joins repeated ones into one string)
    return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'))
  } catch {
    return null
  }
}

/**
 * @param {number} [port]
 * @param {string} [host]
 * @returns {Promise<Server>}
 */
export function startPortal(port = Number(process.env.DEMO_PORTAL_PORT ?? 8801), host = '127.0.0.1') {
  const server = createServer((req, res) => {
    const identity = Object.fromEntries(IDENTITY.map((h) => [h, req.headers[h] ?? null]))
    const claims = identity['sso-jwt'] ? decodeJwtClaims(identity['sso-jwt']) : null
    if (req.url?.startsWith('/api/whoami')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ path: req.url, method: req.method, identity, claims }))
      return
    }
    const rows = IDENTITY.map((h) => `<tr><th scope="row">${h}</th><td data-header="${h}">${escape(identity[h] ?? '(not sent)')}</td></tr>`).join('')
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Demo helpdesk portal</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.4rem;text-align:left;word-break:break-all}th{width:9rem}</style></head>
<body><h1>Demo helpdesk portal</h1><p>You asked for <code>${escape(req.method)} ${escape(req.url)}</code>. This dev-only page shows what the gateway told the portal about you.</p>
<table>${rows}</table>${claims ? `<h2>SSO-JWT claims</h2><pre data-testid="jwt-claims">${escape(JSON.stringify(claims, null, 2))}</pre>` : ''}
<p><a href="/sso/me">/sso/me</a> · <a href="/sso/logout">Sign out</a></p></body></html>`)
  })
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startPortal()
  console.log(`demo portal on http://127.0.0.1:${/** @type {AddressInfo} */ (server.address()).port}`)
}
