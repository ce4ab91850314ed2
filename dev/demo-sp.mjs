// Dev-only demo SAML service provider standing in for a hosted helpdesk (Jira Service Management
// and friends) in broker mode. It is a real SAML SP library (@node-saml/node-saml), not the
// gateway's own code: GET /login sends an AuthnRequest to the gateway's /sso/idp/sso, POST /acs
// validates the gateway's signed Response and shows who signed in. Never deployed.
import { createServer } from 'node:http'
import { SAML } from '@node-saml/node-saml'
/** @import { IncomingMessage } from 'node:http' */

/**
 * The demo SP as startDemoSp resolves it (what registration needs, and close()).
 * @typedef {{ url: string, entityId: string, acsUrl: string, close: () => Promise<unknown> }} DemoSp
 * @typedef {{ kind: string, slug: string, config: { entityId?: string } }} GatewayApp An app as the gateway's admin API lists it (fields used here).
 */

/** @param {unknown} s */
const escape = (s) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/**
 * @param {IncomingMessage} req
 * @returns {Promise<Record<string, string>>}
 */
async function readForm(req) {
  let body = ''
  for await (const chunk of req) body += chunk
  return Object.fromEntries(new URLSearchParams(body))
}

/**
 * The gateway's IdP signing certificate, from its published IdP metadata.
 * @param {string} gatewayUrl
 * @returns {Promise<string>}
 */
async function gatewayIdpCert(gatewayUrl) {
  const xml = await (await fetch(`${gatewayUrl}/sso/idp/metadata`)).text()
  const cert = /<ds:X509Certificate>([^<]+)</.exec(xml)?.[1] // the group is non-empty whenever the pattern matches
  if (!cert) throw new Error('demo SP: no certificate in the gateway IdP metadata')
  return cert
}

/**
 * @param {{ port?: number, host?: string, gatewayUrl: string }} options
 * @returns {Promise<DemoSp>}
 */
export async function startDemoSp({ port = 8831, host = 'localhost', gatewayUrl }) {
  const origin = `http://${host}:${port}`
  const entityId = `${origin}/metadata`
  const acsUrl = `${origin}/acs`
  /** @type {SAML | null} */
  let saml = null
  const verifyZendesk = zendeskStandIn()
  const client = async () => {
    saml ??= new SAML({
      callbackUrl: acsUrl,
      entryPoint: `${gatewayUrl}/sso/idp/sso`,
      issuer: entityId,
      audience: entityId,
      idpCert: await gatewayIdpCert(gatewayUrl),
      idpIssuer: `${gatewayUrl}/sso/idp/metadata`,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      acceptedClockSkewMs: 180_000,
    })
    return saml
  }
  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && req.url?.startsWith('/login')) {
        const url = await (await client()).getAuthorizeUrlAsync('demo-relay', undefined, {})
        res.writeHead(302, { location: url })
        return res.end()
      }
      if (req.method === 'POST' && req.url === '/access/jwt') {
        const form = await readForm(req)
        const payload = await verifyZendesk(form)
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        return res.end(
          `<!doctype html><title>Zendesk stand-in</title><h1>Zendesk stand-in</h1><p data-testid="zd-user">${escape(payload.email)}</p><p data-testid="zd-return-to">${escape(form.return_to ?? '')}</p><pre>${escape(JSON.stringify(payload, null, 2))}</pre>`,
        )
      }
      if (req.method === 'POST' && req.url === '/acs') {
        const form = await readForm(req)
        // A missing SAMLResponse (undefined) is node-saml's to reject, as its runtime does.
        const container = /** @type {Record<string, string>} */ ({ SAMLResponse: form.SAMLResponse })
        const { profile } = await (await client()).validatePostResponseAsync(container)
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        return res.end(
          `<!doctype html><title>Demo helpdesk (SAML SP)</title><h1>Demo helpdesk</h1><p data-testid="sp-user">${escape(profile?.nameID ?? '')}</p><pre data-testid="sp-profile">${escape(JSON.stringify(profile, null, 2))}</pre>`,
        )
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><title>Demo helpdesk (SAML SP)</title><h1>Demo helpdesk (SAML SP)</h1><p><a href="/login" id="sp-login">Sign in with SSO</a></p>`)
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain' })
      res.end(`demo SP: ${err instanceof Error ? err.message : String(err)}`)
    }
  })
  await /** @type {Promise<void>} */ (new Promise((resolve) => server.listen(port, host === 'localhost' ? '127.0.0.1' : host, resolve)))
  return { url: origin, entityId, acsUrl, close: () => new Promise((r) => server.close(r)) }
}

/**
 * Registers the demo SP as a broker-mode app (idempotent by entity ID).
 * @param {string} gatewayUrl
 * @param {string} adminToken
 * @param {Pick<DemoSp, 'entityId' | 'acsUrl'>} sp
 */
export async function registerDemoSp(gatewayUrl, adminToken, sp) {
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
  const list = await fetch(`${gatewayUrl}/sso/admin/api/apps`, { headers })
  if (list.status === 401) throw Object.assign(new Error('admin token refused'), { status: 401 })
  const { apps } = /** @type {{ apps: GatewayApp[] }} */ (await list.json())
  if (apps.some((a) => a.kind === 'saml' && a.config.entityId === sp.entityId)) return
  const res = await fetch(`${gatewayUrl}/sso/admin/api/apps`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      kind: 'saml',
      name: 'Demo helpdesk (SAML SP)',
      slug: 'demo-helpdesk',
      config: { entityId: sp.entityId, acsUrl: sp.acsUrl, signResponse: true },
    }),
  })
  if (res.status !== 201) throw new Error(`demo SP registration failed: HTTP ${res.status} ${await res.text()}`)
}

/**
 * A Zendesk stand-in on the same dev server: POST /access/jwt checks the token the way Zendesk
 * documents it (HS256 with the shared secret, iat at most 3 minutes old, jti never seen, email
 * and name present) and shows the user; return_to is echoed.
 */
export const DEMO_ZENDESK_SECRET = 'demo-zendesk-shared-secret-0123456789'

/** @returns {(form: Record<string, string>) => Promise<import('jose').JWTPayload>} */
export function zendeskStandIn() {
  /** @type {Set<string>} */
  const seen = new Set()
  return async (form) => {
    const { jwtVerify } = await import('jose')
    const { payload, protectedHeader } = await jwtVerify(form.jwt ?? '', new TextEncoder().encode(DEMO_ZENDESK_SECRET), {
      algorithms: ['HS256'],
      maxTokenAge: '3m',
    })
    if (protectedHeader.alg !== 'HS256') throw new Error('not HS256')
    if (!payload.jti || seen.has(payload.jti)) throw new Error('jti missing or reused')
    seen.add(payload.jti)
    if (!payload.email || !payload.name) throw new Error('email and name are required')
    return payload
  }
}

/**
 * Registers the stand-in as a Zendesk app whose help center lives on the demo server.
 * @param {string} gatewayUrl
 * @param {string} adminToken
 * @param {Pick<DemoSp, 'url'>} sp
 */
export async function registerDemoZendesk(gatewayUrl, adminToken, sp) {
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
  const { apps } = /** @type {{ apps: GatewayApp[] }} */ (await (await fetch(`${gatewayUrl}/sso/admin/api/apps`, { headers })).json())
  if (apps.some((a) => a.kind === 'zendesk' && a.slug === 'demo-zendesk')) return
  const res = await fetch(`${gatewayUrl}/sso/admin/api/apps`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      kind: 'zendesk',
      name: 'Demo Zendesk (stand-in)',
      slug: 'demo-zendesk',
      config: { subdomain: 'demo', baseUrl: sp.url, tagsFromGroups: true },
      sharedSecret: DEMO_ZENDESK_SECRET,
    }),
  })
  if (res.status !== 201) throw new Error(`demo Zendesk registration failed: HTTP ${res.status} ${await res.text()}`)
}
