// Dev-only demo OpenID Connect provider ("Hooli", an OIDC look-alike of the two SAML demo IdPs)
// for `npm start` and the browser tests: a real OpenID provider, panva's oidc-provider, in memory.
// Never deployed, never imported by src/. It trusts nobody: users are picked on its sign-in page
// (no passwords), and its one client is the gateway, with a secret and RS256 keys made at start.
//
// Endpoints (under the issuer, e.g. http://localhost:8813), beside oidc-provider's own
// (/.well-known/openid-configuration, /auth, /token, /jwks, /me, /session/end):
//   GET  /                             a small index page
//   GET  /interaction/:uid             the sign-in page (one button per demo user, and Cancel)
//   POST /interaction/:uid/login       that page's user buttons
//   POST /interaction/:uid/abort       its Cancel: access_denied back to the gateway
//
// As OIDC Core §5.4 asks of the code flow, the ID token carries only `sub` (and the protocol
// claims): the email, names and groups come from userinfo, so the gateway's userinfo path runs.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import Provider from 'oidc-provider'

/** @import { IncomingMessage, Server, ServerResponse } from 'node:http' */
/** @import { AddressInfo } from 'node:net' */
/** @import { Account, Adapter, AdapterPayload, Configuration, JWK } from 'oidc-provider' */

/**
 * @typedef {{ sub: string, email: string, emailVerified: boolean, firstName: string, lastName: string, groups: string[], note?: string }} DemoOidcUserDef
 *   A demo user as defined in DEMO_OIDC (note: shown on the picker and by `npm start`).
 * @typedef {DemoOidcUserDef & { displayName: string }} DemoOidcUser A demo user as the running provider offers it.
 * @typedef {object} DemoOidc A running demo OpenID provider (what startDemoOidc resolves to).
 * @property {'oidc'} kind
 * @property {string} name
 * @property {string} slug
 * @property {string} url the issuer, exactly as the discovery document states it
 * @property {string} issuer
 * @property {number} port
 * @property {string} clientId
 * @property {string} clientSecret
 * @property {string} redirectUri
 * @property {DemoOidcUser[]} users
 * @property {() => Promise<void>} close
 * @typedef {Pick<DemoOidc, 'issuer' | 'clientId' | 'clientSecret'>} DemoOidcRegistration What registration needs of the provider.
 */

/** The demo provider: its organization, its gateway IdP and its users (subjects are opaque, as real providers' are). */
export const DEMO_OIDC = {
  label: 'OpenID Connect',
  org: 'Hooli',
  name: 'Hooli (OIDC demo)',
  slug: 'hooli-oidc-demo',
  emailDomains: ['hooli.example'],
  clientId: 'edge-sso-gateway',
  // `groups` is a scope of its own here, as at Okta: the gateway asks for it (its `scopes` field).
  scopes: 'openid email profile groups',
  /** @type {DemoOidcUserDef[]} */
  users: [
    { sub: '7f3c2a10-0001', email: 'erin@hooli.example', emailVerified: true, firstName: 'Erin', lastName: 'Evans', groups: ['Hooli-Support', 'Hooli-Staff'] },
    { sub: '7f3c2a10-0002', email: 'frank@hooli.example', emailVerified: true, firstName: 'Frank', lastName: 'Fischer', groups: ['Hooli-Staff'] },
    {
      // A directory entry whose address nobody confirmed: the gateway refuses it rather than trust it.
      sub: '7f3c2a10-0003',
      email: 'grace@hooli.example',
      emailVerified: false,
      firstName: 'Grace',
      lastName: 'Green',
      groups: [],
      note: 'email not verified: the gateway refuses it (OIDC_EMAIL_UNVERIFIED)',
    },
    {
      // Another company's account at the same provider: Hooli's IdP refuses it (not a Hooli
      // address); Initech's IT can connect this provider for itself through a setup link.
      sub: '7f3c2a10-0004',
      email: 'ivy@initech.example',
      emailVerified: true,
      firstName: 'Ivy',
      lastName: 'Ito',
      groups: ['Initech-IT'],
      note: 'Initech: not a Hooli address (refused here); for the setup-link demo',
    },
  ],
}

const MAX_BODY_BYTES = 16 * 1024
const ACCENT = '#2e7d32'

/**
 * The message of a caught error (everything caught in this file is an Error; anything else as text).
 * @param {unknown} err
 */
const messageOf = (err) => (err instanceof Error ? err.message : String(err))

/** @param {unknown} s */
const html = (s) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/** @param {string} title @param {string} body */
function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${html(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;color:${ACCENT}}.badge{font-size:.75rem;background:#ffe9a8;border-radius:4px;padding:.1rem .4rem}
button{display:block;width:100%;margin:.5rem 0;padding:.7rem;border:1px solid ${ACCENT};border-radius:6px;background:#fff;font:inherit;text-align:left;cursor:pointer}
button.primary,button:hover{background:${ACCENT};color:#fff}button.cancel{border-color:#999;text-align:center}
small{color:#555;display:block;word-break:break-all}code{word-break:break-all}</style></head>
<body><main>${body}</main></body></html>`
}

// The pages carry no script. No form-action: Chromium applies it to the redirects after a post too,
// and the sign-in's last redirect goes to the gateway.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"

/** @param {ServerResponse} res @param {number} status @param {string} body */
function sendHtml(res, status, body) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': CSP,
  })
  res.end(body)
}

/**
 * The provider's storage: one Map per provider instance, entries dropped once expired. What
 * oidc-provider's own memory adapter does, minus its start-up warning (ours is meant for a demo).
 * @returns {(name: string) => Adapter}
 */
function memoryAdapter() {
  /** @type {Map<string, { payload: AdapterPayload, expiresAt: number }>} */
  const entries = new Map()
  const live = (/** @type {string} */ key) => {
    const entry = entries.get(key)
    if (entry && entry.expiresAt <= Date.now()) entries.delete(key)
    return entry && entry.expiresAt > Date.now() ? entry.payload : undefined
  }
  return (name) => ({
    async upsert(id, payload, expiresIn) {
      entries.set(`${name}:${id}`, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity })
    },
    async find(id) {
      return live(`${name}:${id}`)
    },
    async findByUid(uid) {
      for (const [key, entry] of entries) if (key.startsWith(`${name}:`) && entry.payload.uid === uid) return live(key)
      return undefined
    },
    async findByUserCode(userCode) {
      for (const [key, entry] of entries) if (key.startsWith(`${name}:`) && entry.payload.userCode === userCode) return live(key)
      return undefined
    },
    async consume(id) {
      const payload = live(`${name}:${id}`)
      if (payload) payload.consumed = Math.floor(Date.now() / 1000)
    },
    async destroy(id) {
      entries.delete(`${name}:${id}`)
    },
    async revokeByGrantId(grantId) {
      for (const [key, entry] of entries) if (entry.payload.grantId === grantId) entries.delete(key)
    },
  })
}

/**
 * @param {IncomingMessage} req
 * @returns {Promise<URLSearchParams>}
 */
function readForm(req) {
  return new Promise((resolve, reject) => {
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      reject(new Error('expected an HTML form post'))
      return
    }
    /** @type {Buffer[]} */
    const chunks = []
    let size = 0
    req.on('data', (/** @type {Buffer} */ chunk) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'))
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))))
    req.on('error', reject)
  })
}

/**
 * @param {Server} server
 * @param {number} port
 * @param {string} address
 * @returns {Promise<number>} the port listened on
 */
function listen(server, port, address) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, address, () => {
      server.off('error', reject)
      resolve(/** @type {AddressInfo} */ (server.address()).port) // a TCP server, listening
    })
  })
}

/**
 * The provider's configuration: one confidential client (the gateway, PKCE required), RS256 keys
 * made now, the demo users, sign-in at our own interaction pages, consent granted without asking
 * (the gateway is this demo organization's own, first-party client), and RP-initiated logout.
 * @param {{ clientSecret: string, redirectUri: string, postLogoutRedirectUri: string, users: DemoOidcUser[] }} options
 * @returns {Configuration}
 */
function providerConfiguration({ clientSecret, redirectUri, postLogoutRedirectUri, users }) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `demo-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' }
  return {
    adapter: memoryAdapter(),
    clients: [
      {
        client_id: DEMO_OIDC.clientId,
        client_secret: clientSecret,
        client_name: 'Edge SSO gateway (local)',
        redirect_uris: [redirectUri, redirectUri.replace(/\?idp=.*$/, '?idp=initech-sso')],
        post_logout_redirect_uris: [postLogoutRedirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      },
    ],
    // @types/oidc-provider types JWKS keys as public-only JWKs; the provider needs the private one.
    jwks: { keys: [/** @type {JWK} */ (signingKey)] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    responseTypes: ['code'], // the code flow only: no implicit or hybrid
    scopes: ['openid'], // no offline_access: no refresh tokens
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
      groups: ['groups'],
    },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html'
          ctx.body = page(
            `Sign out – ${DEMO_OIDC.org}`,
            `<h1>${html(DEMO_OIDC.org)} <span class="badge">${DEMO_OIDC.label} demo IdP</span></h1>
<p>Sign out of ${html(DEMO_OIDC.org)} too?</p>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="logout-confirm" class="primary">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" id="logout-stay" class="cancel">No, stay signed in here</button>`,
          )
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html'
          ctx.body = page('Signed out', `<h1>Signed out</h1><p>You are signed out of ${html(DEMO_OIDC.org)}.</p>`)
        },
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (ctx, sub) => {
      const user = users.find((u) => u.sub === sub)
      if (!user) return undefined
      /** @type {Account} */
      const account = {
        accountId: user.sub,
        // The provider keeps only what the granted scopes allow.
        claims: () => ({
          sub: user.sub,
          email: user.email,
          email_verified: user.emailVerified,
          name: user.displayName,
          given_name: user.firstName,
          family_name: user.lastName,
          groups: [...user.groups],
        }),
      }
      return account
    },
    // The gateway is this organization's own app: whatever OIDC scopes it asks for are granted
    // without a consent page (an existing grant is extended, a missing one made).
    loadExistingGrant: async (ctx) => {
      const { client, session, params } = ctx.oidc
      if (!client || !session?.accountId) return undefined
      const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId)
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined
      if (client.clientId !== DEMO_OIDC.clientId) return existing // any other client: the default, consent asked
      const grant = existing ?? new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId })
      grant.addOIDCScope(typeof params?.scope === 'string' ? params.scope : 'openid')
      await grant.save()
      return grant
    },
    clientBasedCORS: () => false, // no browser-side client here
    renderError: async (ctx, out) => {
      ctx.type = 'html'
      ctx.body = page(
        'Error',
        `<h1>${html(DEMO_OIDC.org)} <span class="badge">${DEMO_OIDC.label} demo IdP</span></h1>` +
          `<p data-error>${html(out.error)}${out.error_description ? `: ${html(out.error_description)}` : ''}</p>`,
      )
    },
  }
}

/**
 * Starts the demo OpenID provider. Options: port (0 = any free port); host in its issuer (default
 * 'localhost': the gateway runs on 127.0.0.1, so the provider is another site, as in production);
 * gatewayOrigin (the gateway's origin, for the client's redirect and post-logout URIs; default
 * http://127.0.0.1:8787). The issuer is `http://<host>:<port>`, with no trailing slash.
 * @param {{ port?: number, host?: string, gatewayOrigin?: string }} [options]
 * @returns {Promise<DemoOidc>}
 */
export async function startDemoOidc({ port = 0, host = 'localhost', gatewayOrigin = 'http://127.0.0.1:8787' } = {}) {
  const origin = gatewayOrigin.replace(/\/+$/, '')
  const users = DEMO_OIDC.users.map((u) => ({ ...u, displayName: `${u.firstName} ${u.lastName}`, groups: [...u.groups] }))
  const clientSecret = randomBytes(24).toString('base64url')
  // One redirect URI per gateway IdP (?idp=<slug>): Hooli's, and Initech's, which the setup-link demo connects.
  const redirectUri = `${origin}/sso/oidc/callback?idp=${DEMO_OIDC.slug}`
  /** @type {Provider | null} */
  let provider = null // made once the port, and so the issuer, is known
  /** @type {((req: IncomingMessage, res: ServerResponse) => void) | null} */
  let providerCallback = null

  /** @param {IncomingMessage} req @param {ServerResponse} res @param {string} uid */
  const signInPage = async (req, res, uid) => {
    const details = await /** @type {Provider} */ (provider).interactionDetails(req, res)
    if (details.uid !== uid) throw new Error('this sign-in page belongs to another sign-in: start again at the application')
    if (details.prompt.name !== 'login') throw new Error(`unexpected prompt ${details.prompt.name}`)
    const buttons = users
      .map(
        (u) =>
          `<button type="submit" name="user" value="${html(u.sub)}" data-user="${html(u.email)}">` +
          `<strong>${html(u.displayName)}</strong><small>${html(u.email)}${u.groups.length ? ` · groups: ${html(u.groups.join(', '))}` : ' · no groups'}` +
          `${u.note ? ` · ${html(u.note)}` : ''}</small></button>`,
      )
      .join('')
    const client = String(details.params.client_id ?? '')
    sendHtml(
      res,
      200,
      page(
        `Sign in – ${DEMO_OIDC.org} (${DEMO_OIDC.label} demo)`,
        `<h1>${html(DEMO_OIDC.org)} <span class="badge">${DEMO_OIDC.label} demo IdP</span></h1>
<p>Sign in to <code>${html(client)}</code> as:</p>
<form method="post" action="/interaction/${html(uid)}/login">${buttons}</form>
<form method="post" action="/interaction/${html(uid)}/abort"><button type="submit" id="cancel" class="cancel">Cancel</button></form>
<small>Dev-only OpenID provider: no passwords. Scopes asked for: <code>${html(details.params.scope ?? '')}</code>.</small>`,
      ),
    )
  }

  /** @param {IncomingMessage} req @param {ServerResponse} res @param {string} uid @param {'login' | 'abort'} action */
  const finishSignIn = async (req, res, uid, action) => {
    const form = await readForm(req)
    const details = await /** @type {Provider} */ (provider).interactionDetails(req, res)
    if (details.uid !== uid) throw new Error('this sign-in page belongs to another sign-in: start again at the application')
    if (action === 'abort') {
      await /** @type {Provider} */ (provider).interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
        { mergeWithLastSubmission: false },
      )
      return
    }
    const user = users.find((u) => u.sub === form.get('user'))
    if (!user) throw new Error('unknown demo user')
    await /** @type {Provider} */ (provider).interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false })
  }

  /** @param {IncomingMessage} req @param {ServerResponse} res */
  const handle = async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://demo-oidc.invalid').pathname
    const interaction = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(path)
    try {
      if (req.method === 'GET' && path === '/') {
        sendHtml(
          res,
          200,
          page(
            `${DEMO_OIDC.org} (${DEMO_OIDC.label} demo IdP)`,
            `<h1>${html(DEMO_OIDC.org)} <span class="badge">${DEMO_OIDC.label} demo IdP</span></h1>
<p>Issuer <code>${html(provider?.issuer)}</code> · <a href="/.well-known/openid-configuration">discovery</a> · client <code>${html(DEMO_OIDC.clientId)}</code></p>
<ul>${users.map((u) => `<li>${html(u.displayName)} &lt;${html(u.email)}&gt;</li>`).join('')}</ul>`,
          ),
        )
      } else if (interaction && req.method === 'GET' && !interaction[2]) await signInPage(req, res, /** @type {string} */ (interaction[1]))
      else if (interaction && req.method === 'POST' && interaction[2])
        await finishSignIn(req, res, /** @type {string} */ (interaction[1]), /** @type {'login' | 'abort'} */ (interaction[2]))
      else /** @type {NonNullable<typeof providerCallback>} */ (providerCallback)(req, res)
    } catch (err) {
      if (res.headersSent) return void res.destroy()
      // An expired or foreign sign-in (oidc-provider's SessionNotFound) is the user's to restart.
      const status = err instanceof Error && 'status' in err && typeof err.status === 'number' && err.status < 500 ? err.status : 400
      sendHtml(res, status, page('Error', `<h1>Bad request</h1><p data-error>${html(messageOf(err))}</p>`))
    }
  }

  // 'localhost' resolves to 127.0.0.1 and ::1; browsers and fetch may pick either, so listen on both.
  const addresses = host === 'localhost' ? ['127.0.0.1', '::1'] : [host]
  /** @type {Server[]} */
  const servers = []
  let actualPort = port
  for (const [i, address] of addresses.entries()) {
    const server = createServer((req, res) => void handle(req, res))
    try {
      actualPort = await listen(server, actualPort, address)
      servers.push(server)
    } catch (err) {
      if (i === 0) throw err
      // ::1 unavailable (no IPv6) or taken: 127.0.0.1 alone serves localhost.
    }
  }
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`
  provider = new Provider(issuer, providerConfiguration({ clientSecret, redirectUri, postLogoutRedirectUri: `${origin}/sso/slo`, users }))
  providerCallback = provider.callback()
  let closed = false
  return {
    kind: 'oidc',
    name: DEMO_OIDC.name,
    slug: DEMO_OIDC.slug,
    url: issuer,
    issuer,
    port: actualPort,
    clientId: DEMO_OIDC.clientId,
    clientSecret,
    redirectUri,
    users,
    close: async () => {
      if (closed) return
      closed = true
      await Promise.all(
        servers.map(
          (s) =>
            /** @type {Promise<void>} */ (
              new Promise((r) => {
                s.close(() => r())
                s.closeAllConnections()
              })
            ),
        ),
      )
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Registration with the gateway (admin API)
// ---------------------------------------------------------------------------------------------

/**
 * The admin API body that creates the demo provider's IdP (a new organization of its own).
 * @param {DemoOidcRegistration} demo
 */
export function demoOidcConfig(demo) {
  return {
    protocol: 'oidc',
    name: DEMO_OIDC.name,
    slug: DEMO_OIDC.slug,
    issuer: demo.issuer,
    clientId: demo.clientId,
    clientSecret: demo.clientSecret,
    scopes: DEMO_OIDC.scopes,
    emailDomains: DEMO_OIDC.emailDomains,
  }
}

/**
 * An IdP as the gateway's admin API lists it (only the fields used here).
 * @typedef {{ id: string, slug: string, protocol?: string, issuer?: string | null, clientId?: string | null }} GatewayIdp
 */

/**
 * Makes sure the gateway knows the demo provider (matched by slug): creates it when missing;
 * otherwise sets the issuer (another port: the gateway reads discovery again), the client ID and
 * the client secret (a fresh one each start), leaving every other admin edit alone. Resolves to
 * the gateway's IdP id. Rejects with an Error carrying `status` when the admin API refuses a call.
 * @param {string} gatewayUrl
 * @param {string} adminToken
 * @param {DemoOidcRegistration} demo
 * @returns {Promise<string>}
 */
export async function registerDemoOidc(gatewayUrl, adminToken, demo) {
  const api = `${gatewayUrl.replace(/\/+$/, '')}/sso/admin/api/idps`
  /**
   * @param {string} method
   * @param {string} path
   * @param {object} [body]
   * @returns {Promise<unknown>} the parsed JSON answer (null when empty)
   */
  const call = async (method, path, body) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    if (!res.ok) throw Object.assign(new Error(`${method} ${api}${path}: HTTP ${res.status} ${text.slice(0, 500)}`), { status: res.status })
    return text ? JSON.parse(text) : null
  }
  // The gateway's own admin API: its answers are typed here, not validated.
  const { idps } = /** @type {{ idps: GatewayIdp[] }} */ (await call('GET', ''))
  const found = idps.find((idp) => idp.slug === DEMO_OIDC.slug)
  // The demo's own local provider is known to work: enabled at once, not left as a draft.
  if (!found) return /** @type {GatewayIdp} */ (await call('POST', '', { ...demoOidcConfig(demo), enabled: true, skipTest: true })).id
  if (found.protocol !== 'oidc') throw new Error(`demo OIDC: the gateway's IdP ${DEMO_OIDC.slug} is not an OIDC IdP; delete or rename it`)
  /** @type {{ issuer?: string, clientId?: string, clientSecret: string }} */
  const patch = { clientSecret: demo.clientSecret }
  if (found.issuer !== demo.issuer) patch.issuer = demo.issuer
  if (found.clientId !== demo.clientId) patch.clientId = demo.clientId
  await call('PATCH', `/${encodeURIComponent(found.id)}`, patch)
  return found.id
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `node dev/demo-oidc.mjs`: run the provider alone (no gateway registration).
  const demo = await startDemoOidc({ port: Number(process.env.DEMO_OIDC_PORT ?? 8813) })
  console.log(`${demo.name}: issuer ${demo.issuer}; client ${demo.clientId}, secret ${demo.clientSecret}, redirect URI ${demo.redirectUri}`)
  console.log(`users: ${demo.users.map((u) => u.email).join(', ')}`)
}
