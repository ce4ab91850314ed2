// Dev-only DNS-over-HTTPS resolver (never deployed): answers the JSON API the gateway's domain
// verification uses (`GET /dns-query?name=…&type=TXT`, as cloudflare-dns.com does) from records
// registered in memory, so `npm start` and the browser tests verify domains with no network.
// Register with `POST /records` `{ "name": "_edge-sso-challenge.acme.example", "value": "edge-sso-verify=…" }`.
import { createServer } from 'node:http'
/** @import { Server } from 'node:http' */
/** @import { AddressInfo } from 'node:net' */

/**
 * @typedef {{ url: string, endpoint: string, register: (name: string, value: string) => void, clear: (name: string) => void, close: () => Promise<void> }} DemoDns
 */

/**
 * Starts the resolver on 127.0.0.1 (`port` 0: any free port).
 * @param {{ port?: number }} [options]
 * @returns {Promise<DemoDns>}
 */
export async function startDemoDns({ port = Number(process.env.DEMO_DNS_PORT ?? 8853) } = {}) {
  /** @type {Map<string, string[]>} TXT values by lower-case name */
  const records = new Map()
  /** @param {string} name @param {string} value */
  const register = (name, value) => {
    const key = name.toLowerCase().replace(/\.$/, '')
    records.set(key, [...new Set([...(records.get(key) ?? []), value])])
  }
  /** @param {string} name */
  const clear = (name) => void records.delete(name.toLowerCase().replace(/\.$/, ''))
  /** @type {Server} */
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dns.local')
    if (req.method === 'GET' && url.pathname === '/dns-query') {
      const name = (url.searchParams.get('name') ?? '').toLowerCase().replace(/\.$/, '')
      const values = url.searchParams.get('type')?.toUpperCase() === 'TXT' ? (records.get(name) ?? []) : []
      res.writeHead(200, { 'content-type': 'application/dns-json' })
      // RCODE 3 (NXDOMAIN) when nothing is registered, as a real resolver answers for a missing name.
      res.end(
        JSON.stringify({
          Status: values.length ? 0 : 3,
          Question: [{ name, type: 16 }],
          Answer: values.map((v) => ({ name, type: 16, TTL: 60, data: JSON.stringify(v) })),
        }),
      )
      return
    }
    if (req.method === 'POST' && url.pathname === '/records') {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => {
        try {
          const parsed = /** @type {{ name?: unknown, value?: unknown }} */ (JSON.parse(body))
          if (typeof parsed.name !== 'string' || typeof parsed.value !== 'string') throw new Error('name and value must be strings')
          register(parsed.name, parsed.value)
          res.writeHead(204).end()
        } catch (err) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(err instanceof Error ? err.message : 'bad request')
        }
      })
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
  })
  await /** @type {Promise<void>} */ (
    new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
  )
  const address = /** @type {AddressInfo} */ (server.address())
  const base = `http://127.0.0.1:${address.port}`
  return {
    url: base,
    endpoint: `${base}/dns-query`,
    register,
    clear,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/**
 * Publishes, in the demo resolver, the TXT record of every pending domain among `domains`, then
 * asks the gateway to check it (what an organization's IT and the admin do by hand). Answers the
 * domains now verified.
 * @param {string} gatewayUrl
 * @param {string} adminToken
 * @param {DemoDns} dns
 * @param {string[]} domains
 * @returns {Promise<string[]>}
 */
export async function verifyDemoDomains(gatewayUrl, adminToken, dns, domains) {
  const api = `${gatewayUrl.replace(/\/+$/, '')}/sso/admin/api/organizations`
  /**
   * @param {string} method
   * @param {string} path
   * @returns {Promise<unknown>}
   */
  const call = async (method, path) => {
    const res = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json' } })
    const text = await res.text()
    if (!res.ok) throw Object.assign(new Error(`${method} ${api}${path}: HTTP ${res.status} ${text.slice(0, 500)}`), { status: res.status })
    return text ? JSON.parse(text) : null
  }
  /** @typedef {{ domain: string, status: string, txtRecord: { name: string, value: string } }} GatewayDomain */
  // The gateway's own admin API: its answers are typed here, not validated.
  const { organizations } = /** @type {{ organizations: { id: string, domains: GatewayDomain[] }[] }} */ (await call('GET', ''))
  const wanted = new Set(domains.map((d) => d.toLowerCase()))
  /** @type {string[]} */
  const verified = []
  for (const org of organizations) {
    for (const d of org.domains) {
      if (!wanted.has(d.domain)) continue
      if (d.status !== 'verified') {
        dns.register(d.txtRecord.name, d.txtRecord.value)
        const checked = /** @type {GatewayDomain} */ (await call('POST', `/${encodeURIComponent(org.id)}/domains/${encodeURIComponent(d.domain)}/check`))
        if (checked.status !== 'verified') throw new Error(`demo DNS: ${d.domain} did not verify (the gateway's DOH_URL must point at ${dns.endpoint})`)
      }
      verified.push(d.domain)
    }
  }
  return verified
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dns = await startDemoDns()
  console.log(`demo DNS-over-HTTPS resolver: ${dns.endpoint} (register records with POST ${dns.url}/records)`)
}
