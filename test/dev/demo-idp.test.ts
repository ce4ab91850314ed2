// Plain Node: the dev-only demo IdPs (dev/demo-idp.mjs) driven over HTTP like a browser would.
// Round-trip proof: xmlsec1 (reference implementation) verifies every signature with the IdP
// certificate, and the gateway's own SAML core accepts the Response. Needs the openssl CLI (key
// generation) and xmlsec1; without xmlsec1 those checks are skipped locally but FAIL under CI.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isSamlError, validateSamlResponse } from '../../src/saml/index'
import { registerDemoIdps, startDemoIdp } from '../../dev/demo-idp.mjs'

interface DemoUser {
  email: string
  firstName: string
  lastName: string
  displayName: string
  groups: string[]
}
interface DemoIdp {
  kind: 'okta' | 'entra'
  url: string
  entityId: string
  certificatePem: string
  users: DemoUser[]
  close(): Promise<void>
}

const SP_ENTITY_ID = 'https://support.example.test/sso/metadata'
const ACS_URL = 'https://support.example.test/sso/acs'
const SP_ORIGIN = 'https://support.example.test'
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol'
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/'

const hasXmlsec = spawnSync('xmlsec1', ['--version']).status === 0
// Locally a missing xmlsec1 skips; under CI it must fail, never silently pass.
const itXmlsec = hasXmlsec || process.env.CI ? it : it.skip

let work: string
const idps: Partial<Record<'okta' | 'entra', DemoIdp>> = {}
let fileCounter = 0

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'demo-idp-test-'))
  for (const kind of ['okta', 'entra'] as const) {
    idps[kind] = (await startDemoIdp({ kind, port: 0, keyDir: join(work, `keys-${kind}`), spOrigin: SP_ORIGIN })) as DemoIdp
  }
})

afterAll(async () => {
  await Promise.all(Object.values(idps).map((idp) => idp?.close()))
  if (work) rmSync(work, { recursive: true, force: true })
})

function idp(kind: 'okta' | 'entra'): DemoIdp {
  const found = idps[kind]
  if (!found) throw new Error(`${kind} demo IdP did not start`)
  return found
}

const newRequestId = () => `_${crypto.randomUUID().replace(/-/g, '')}${crypto.randomUUID().replace(/-/g, '').slice(0, 8)}`

function authnRequestXml(o: { id: string; destination: string; acsUrl?: string; issuer?: string }): string {
  return (
    `<samlp:AuthnRequest xmlns:samlp="${SAMLP}" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${o.id}" Version="2.0"` +
    ` IssueInstant="${new Date().toISOString()}" Destination="${o.destination}" AssertionConsumerServiceURL="${o.acsUrl ?? ACS_URL}"` +
    ` ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>${o.issuer ?? SP_ENTITY_ID}</saml:Issuer>` +
    `<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/></samlp:AuthnRequest>`
  )
}

const NAMED: Record<string, string> = { amp: '&', quot: '"', lt: '<', gt: '>', apos: "'" }
const unescapeHtml = (s: string) =>
  s.replace(/&(#\d+|amp|quot|lt|gt|apos);/g, (_, e: string) => (e[0] === '#' ? String.fromCharCode(Number(e.slice(1))) : NAMED[e]!))

function hiddenFields(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, unescapeHtml(m[2]!)]))
}

function formAction(html: string): string {
  const m = /<form method="post" action="([^"]*)"/.exec(html)
  if (!m) throw new Error(`no form in ${html.slice(0, 300)}`)
  return unescapeHtml(m[1]!)
}

/** GET /sso (Redirect binding) or POST /sso (POST binding) → the sign-in page. */
async function openSignIn(kind: 'okta' | 'entra', o: { binding?: 'redirect' | 'post'; requestId?: string; relayState?: string; acsUrl?: string } = {}) {
  const demo = idp(kind)
  const requestId = o.requestId ?? newRequestId()
  const xml = authnRequestXml({ id: requestId, destination: `${demo.url}/sso`, acsUrl: o.acsUrl })
  let res: Response
  if ((o.binding ?? 'redirect') === 'redirect') {
    const query = new URLSearchParams({ SAMLRequest: deflateRawSync(Buffer.from(xml)).toString('base64') })
    if (o.relayState) query.set('RelayState', o.relayState)
    res = await fetch(`${demo.url}/sso?${query}`)
  } else {
    const form = new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64') })
    if (o.relayState) form.set('RelayState', o.relayState)
    res = await fetch(`${demo.url}/sso`, { method: 'POST', body: form })
  }
  return { res, html: await res.text(), requestId }
}

/** Clicks a user button (or Cancel) on the sign-in page → the auto-posting response form. */
async function clickOn(kind: 'okta' | 'entra', signInHtml: string, choice: { user: string } | { cancel: true }) {
  const form = new URLSearchParams(hiddenFields(signInHtml))
  if ('user' in choice) form.set('user', choice.user)
  else form.set('cancel', '1')
  const res = await fetch(`${idp(kind).url}${formAction(signInHtml)}`, { method: 'POST', body: form })
  const html = await res.text()
  return { res, html, action: formAction(html), fields: hiddenFields(html) }
}

async function signIn(kind: 'okta' | 'entra', user: string, o: { binding?: 'redirect' | 'post'; relayState?: string } = {}) {
  const start = await openSignIn(kind, o)
  expect(start.res.status).toBe(200)
  const answer = await clickOn(kind, start.html, { user })
  expect(answer.res.status).toBe(200)
  const samlResponse = answer.fields.SAMLResponse
  if (!samlResponse) throw new Error('no SAMLResponse in the answer page')
  return { ...answer, requestId: start.requestId, samlResponse, xml: Buffer.from(samlResponse, 'base64').toString('utf8') }
}

function writeTemp(name: string, content: string): string {
  const file = join(work, `${++fileCounter}-${name}`)
  writeFileSync(file, content)
  return file
}

/** xmlsec1 over one Signature element; trust only the given certificate (KeyInfo is ignored). */
function xmlsecVerify(xml: string, certPem: string, signatureXPath: string) {
  const r = spawnSync(
    'xmlsec1',
    [
      '--verify',
      '--enabled-key-data',
      'rsa',
      '--pubkey-cert-pem',
      writeTemp('cert.pem', certPem),
      '--id-attr:ID',
      'urn:oasis:names:tc:SAML:2.0:assertion:Assertion',
      '--id-attr:ID',
      'urn:oasis:names:tc:SAML:2.0:protocol:Response',
      '--node-xpath',
      signatureXPath,
      writeTemp('response.xml', xml),
    ],
    { encoding: 'utf8' },
  )
  return { ok: r.status === 0, output: `${r.error ?? ''}${r.stdout}${r.stderr}` }
}

const ASSERTION_SIGNATURE = "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']"
const RESPONSE_SIGNATURE = "/*[local-name()='Response']/*[local-name()='Signature']"

function validate(kind: 'okta' | 'entra', samlResponse: string, requestId: string, certificates = [idp(kind).certificatePem]) {
  return validateSamlResponse({
    samlResponse,
    idp: { entityId: idp(kind).entityId, certificates },
    sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL },
    now: new Date(),
    expectedRequestId: requestId,
  })
}

async function rejection(p: Promise<unknown>) {
  try {
    await p
  } catch (err) {
    if (isSamlError(err)) return err
    throw err
  }
  throw new Error('expected a SamlError')
}

describe.each(['okta', 'entra'] as const)('demo IdP %s', (kind) => {
  it('shows a sign-in page with one button per demo user and a Cancel', async () => {
    const { res, html } = await openSignIn(kind)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    for (const user of idp(kind).users) expect(html).toContain(`data-user="${user.email}"`)
    expect(html).toContain('id="cancel"')
    expect(formAction(html)).toBe('/sso/continue')
  })

  it('answers with an auto-posting form to the ACS, carrying RelayState back', async () => {
    const user = idp(kind).users[0]!
    const relayState = 'rs-<&">-123'
    const { action, fields, html } = await signIn(kind, user.email, { relayState })
    expect(action).toBe(ACS_URL)
    expect(fields.RelayState).toBe(relayState)
    expect(html).toContain('id="continue"')
    expect(html).toContain('<script>document.forms[0].submit()</script>')
  })

  itXmlsec('xmlsec1 verifies every signature with the IdP certificate', async () => {
    const { xml } = await signIn(kind, idp(kind).users[0]!.email)
    const assertion = xmlsecVerify(xml, idp(kind).certificatePem, ASSERTION_SIGNATURE)
    expect(assertion.output).toContain('OK')
    expect(assertion.ok, assertion.output).toBe(true)
    const responseSigned = xml.includes('</Issuer><Signature ')
    expect(responseSigned).toBe(kind === 'entra')
    if (responseSigned) {
      const response = xmlsecVerify(xml, idp(kind).certificatePem, RESPONSE_SIGNATURE)
      expect(response.ok, response.output).toBe(true)
    }
    // Sanity of the check itself: another key, or one changed byte, fails.
    const other = idp(kind === 'okta' ? 'entra' : 'okta').certificatePem
    expect(xmlsecVerify(xml, other, ASSERTION_SIGNATURE).ok).toBe(false)
    const tampered = xml.replace(`>${idp(kind).users[0]!.email}<`, '>mallory@evil.example<')
    expect(tampered).not.toBe(xml)
    expect(xmlsecVerify(tampered, idp(kind).certificatePem, ASSERTION_SIGNATURE).ok).toBe(false)
  })

  it.each(['redirect', 'post'] as const)('the gateway SAML core accepts the Response (AuthnRequest via %s binding)', async (binding) => {
    const user = idp(kind).users[0]!
    const { samlResponse, requestId } = await signIn(kind, user.email, { binding })
    const result = await validate(kind, samlResponse, requestId)
    expect(result.nameId).toBe(user.email)
    expect(result.nameIdFormat).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress')
    expect(result.issuer).toBe(idp(kind).entityId)
    expect(result.sessionIndex).toMatch(/^_[0-9a-f]{32}$/)
    expect(result.assertionId).toMatch(/^_[0-9a-f]{40}$/)
    const lifetime = Date.parse(result.notOnOrAfter) - Date.now()
    expect(lifetime).toBeGreaterThan(4 * 60_000)
    expect(lifetime).toBeLessThanOrEqual(5 * 60_000)
    const session = Date.parse(result.sessionNotOnOrAfter ?? '') - Date.now()
    expect(session).toBeGreaterThan(7.9 * 3600_000)
    expect(result.signedParts).toEqual({ response: kind === 'entra', assertion: true })
    if (kind === 'okta') {
      expect(result.attributes).toMatchObject({ email: [user.email], firstName: [user.firstName], lastName: [user.lastName], groups: user.groups })
    } else {
      expect(result.attributes).toMatchObject({
        [`${CLAIMS}emailaddress`]: [user.email],
        [`${CLAIMS}givenname`]: [user.firstName],
        [`${CLAIMS}surname`]: [user.lastName],
        'http://schemas.microsoft.com/identity/claims/displayname': [user.displayName],
        'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': user.groups,
      })
    }
  })

  it('escapes request values in HTML and XML; the core still accepts the Response', async () => {
    const spEntityId = 'urn:sp:"><script>alert(1)</script>&amp;'
    const acsUrl = 'https://support.example.test/sso/acs?a=1&b="2"'
    const id = newRequestId()
    const escapeXml = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
    const xml = authnRequestXml({ id, destination: `${idp(kind).url}/sso`, acsUrl: escapeXml(acsUrl), issuer: escapeXml(spEntityId) })
    const res = await fetch(`${idp(kind).url}/sso?${new URLSearchParams({ SAMLRequest: deflateRawSync(Buffer.from(xml)).toString('base64') })}`)
    const html = await res.text()
    expect(res.status).toBe(200)
    expect(html).not.toContain('<script>alert')
    expect(hiddenFields(html)).toMatchObject({ requestId: id, acsUrl, spEntityId })
    const answer = await clickOn(kind, html, { user: idp(kind).users[0]!.email })
    expect(answer.html).not.toContain('<script>alert')
    expect(answer.action).toBe(acsUrl)
    const result = await validateSamlResponse({
      samlResponse: answer.fields.SAMLResponse!,
      idp: { entityId: idp(kind).entityId, certificates: [idp(kind).certificatePem] },
      sp: { entityId: spEntityId, acsUrl },
      now: new Date(),
      expectedRequestId: id,
    })
    expect(result.nameId).toBe(idp(kind).users[0]!.email)
  })

  it('every demo user signs in', async () => {
    for (const user of idp(kind).users) {
      const { samlResponse, requestId } = await signIn(kind, user.email)
      const result = await validate(kind, samlResponse, requestId)
      expect(result.nameId).toBe(user.email)
      const groupsName = kind === 'okta' ? 'groups' : 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'
      // Entra sends no groups claim at all for a user without groups.
      expect(result.attributes[groupsName] ?? []).toEqual(user.groups)
    }
  })

  it('the core rejects the Response for another request ID or another IdP certificate', async () => {
    const { samlResponse, requestId } = await signIn(kind, idp(kind).users[0]!.email)
    expect((await rejection(validate(kind, samlResponse, `${requestId}x`))).code).toMatch(/^SAML_/)
    const other = idp(kind === 'okta' ? 'entra' : 'okta').certificatePem
    expect((await rejection(validate(kind, samlResponse, requestId, [other]))).code).toBe('SAML_SIGNATURE_INVALID')
  })

  it('Cancel answers Responder/AuthnFailed, which the core rejects with SAML_STATUS_NOT_SUCCESS', async () => {
    const start = await openSignIn(kind, { relayState: 'r1' })
    const answer = await clickOn(kind, start.html, { cancel: true })
    expect(answer.action).toBe(ACS_URL)
    expect(answer.fields.RelayState).toBe('r1')
    const samlResponse = answer.fields.SAMLResponse!
    const xml = Buffer.from(samlResponse, 'base64').toString('utf8')
    expect(xml).toContain(`InResponseTo="${start.requestId}"`)
    expect(xml).not.toContain('Assertion')
    const err = await rejection(validate(kind, samlResponse, start.requestId))
    expect(err.code).toBe('SAML_STATUS_NOT_SUCCESS')
    expect(err.detail).toMatchObject({
      statusCodes: ['urn:oasis:names:tc:SAML:2.0:status:Responder', 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed'],
    })
  })

  it('rejects an AuthnRequest whose ACS URL is not http(s), and a tampered sign-in context, with 400', async () => {
    for (const acsUrl of ['javascript:alert(1)', 'ftp://support.example.test/acs', 'not a url']) {
      const { res, html } = await openSignIn(kind, { acsUrl })
      expect(res.status).toBe(400)
      expect(html).not.toContain('<script>')
    }
    const { html } = await openSignIn(kind)
    const form = new URLSearchParams({ ...hiddenFields(html), acsUrl: 'https://evil.example/acs', user: idp(kind).users[0]!.email })
    const res = await fetch(`${idp(kind).url}/sso/continue`, { method: 'POST', body: form })
    expect(res.status).toBe(400)
    const garbage = await fetch(`${idp(kind).url}/sso?SAMLRequest=${encodeURIComponent(Buffer.from('not deflate').toString('base64'))}`)
    expect(garbage.status).toBe(400)
    const missing = await fetch(`${idp(kind).url}/sso`)
    expect(missing.status).toBe(400)
  })

  it('serves IdP metadata with its entity ID, SSO/SLO endpoints and signing certificate', async () => {
    const res = await fetch(`${idp(kind).url}/metadata`)
    expect(res.status).toBe(200)
    const xml = await res.text()
    const certB64 = idp(kind).certificatePem.replace(/-----[^-]+-----|\s+/g, '')
    expect(xml).toContain(`entityID="${idp(kind).entityId}"`)
    expect(xml).toContain(`<md:KeyDescriptor use="signing">`)
    expect(xml).toContain(certB64)
    for (const binding of ['HTTP-Redirect', 'HTTP-POST']) {
      expect(xml).toContain(`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="${idp(kind).url}/sso">`)
      expect(xml).toContain(`<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="${idp(kind).url}/slo">`)
    }
  })

  it.each(['redirect', 'post'] as const)('answers a LogoutRequest (%s) with a Success LogoutResponse to <spOrigin>/sso/slo', async (binding) => {
    const id = newRequestId()
    const xml =
      `<samlp:LogoutRequest xmlns:samlp="${SAMLP}" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}"` +
      ` Destination="${idp(kind).url}/slo"><saml:Issuer>${SP_ENTITY_ID}</saml:Issuer><saml:NameID>x@acme.example</saml:NameID><samlp:SessionIndex>_abc</samlp:SessionIndex></samlp:LogoutRequest>`
    const res =
      binding === 'redirect'
        ? await fetch(
            `${idp(kind).url}/slo?${new URLSearchParams({ SAMLRequest: deflateRawSync(Buffer.from(xml)).toString('base64'), RelayState: 'back/1' })}`,
            { redirect: 'manual' },
          )
        : await fetch(`${idp(kind).url}/slo`, {
            method: 'POST',
            redirect: 'manual',
            body: new URLSearchParams({ SAMLRequest: Buffer.from(xml).toString('base64'), RelayState: 'back/1' }),
          })
    expect(res.status).toBe(302)
    const location = new URL(res.headers.get('location')!)
    expect(`${location.origin}${location.pathname}`).toBe(`${SP_ORIGIN}/sso/slo`)
    expect(location.searchParams.get('RelayState')).toBe('back/1')
    const answer = inflateRawSync(Buffer.from(location.searchParams.get('SAMLResponse')!, 'base64')).toString('utf8')
    expect(answer).toMatch(/^<(samlp|saml2p):LogoutResponse /)
    expect(answer).toContain(`InResponseTo="${id}"`)
    expect(answer).toContain(`Destination="${SP_ORIGIN}/sso/slo"`)
    expect(answer).toContain(`<${kind === 'okta' ? 'saml2p' : 'samlp'}:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success">`)
    expect(answer).toContain(idp(kind).entityId)
  })
})

describe('demo IdP keys', () => {
  it('each kind has its own key, reused on the next start from the same key directory', async () => {
    expect(idp('okta').certificatePem).not.toBe(idp('entra').certificatePem)
    const again = (await startDemoIdp({ kind: 'okta', port: 0, keyDir: join(work, 'keys-okta') })) as DemoIdp
    try {
      expect(again.certificatePem).toBe(idp('okta').certificatePem)
      expect(again.entityId).toBe(idp('okta').entityId)
    } finally {
      await again.close()
    }
  })

  it('regenerates a key pair whose key and certificate do not match', async () => {
    const dir = join(work, 'keys-mixed')
    const first = (await startDemoIdp({ kind: 'okta', port: 0, keyDir: dir })) as DemoIdp
    await first.close()
    writeFileSync(join(dir, 'cert.pem'), idp('entra').certificatePem)
    const second = (await startDemoIdp({ kind: 'okta', port: 0, keyDir: dir })) as DemoIdp
    try {
      expect(second.certificatePem).not.toBe(first.certificatePem)
      expect(second.certificatePem).not.toBe(idp('entra').certificatePem)
      const { samlResponse, requestId } = await (async () => {
        const start = await fetch(
          `${second.url}/sso?${new URLSearchParams({ SAMLRequest: deflateRawSync(Buffer.from(authnRequestXml({ id: newRequestId(), destination: `${second.url}/sso` }))).toString('base64') })}`,
        )
        const html = await start.text()
        const form = new URLSearchParams({ ...hiddenFields(html), user: second.users[0]!.email })
        const answer = await (await fetch(`${second.url}/sso/continue`, { method: 'POST', body: form })).text()
        return { samlResponse: hiddenFields(answer).SAMLResponse!, requestId: hiddenFields(html).requestId! }
      })()
      const result = await validateSamlResponse({
        samlResponse,
        idp: { entityId: second.entityId, certificates: [second.certificatePem] },
        sp: { entityId: SP_ENTITY_ID, acsUrl: ACS_URL },
        now: new Date(),
        expectedRequestId: requestId,
      })
      expect(result.nameId).toBe(second.users[0]!.email)
    } finally {
      await second.close()
    }
  })
})

describe('registerDemoIdps', () => {
  // A stand-in for the gateway admin API: records calls, keeps IdPs in memory.
  let server: Server
  let base: string
  const calls: { method: string; path: string; auth: string | undefined; body: unknown }[] = []
  const store: Record<string, unknown>[] = []

  const readJson = async (req: IncomingMessage) => {
    let text = ''
    for await (const chunk of req) text += chunk
    return text ? JSON.parse(text) : null
  }

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await readJson(req)
      calls.push({ method: req.method!, path: req.url!, auth: req.headers.authorization, body })
      res.setHeader('content-type', 'application/json')
      if (req.headers.authorization !== 'Bearer good-token') return res.writeHead(401).end('{"error":{"code":"ADMIN_TOKEN_INVALID"}}')
      if (req.method === 'GET' && req.url === '/sso/admin/api/idps') return res.end(JSON.stringify({ idps: store }))
      if (req.method === 'POST' && req.url === '/sso/admin/api/idps') {
        const row = { id: `idp_${store.length + 1}`, ...body }
        store.push(row)
        return res.writeHead(201).end(JSON.stringify(row))
      }
      const m = /^\/sso\/admin\/api\/idps\/(.+)$/.exec(req.url!)
      const row = m && store.find((r) => r.id === m[1])
      if (req.method === 'PATCH' && row) return res.end(JSON.stringify(Object.assign(row, body)))
      res.writeHead(404).end('{}')
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  })

  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('creates missing IdPs, then only patches what changed (certificate, URLs)', async () => {
    const both = [idp('okta'), idp('entra')]
    const ids = await registerDemoIdps(base, 'good-token', both)
    expect(ids).toEqual(['idp_1', 'idp_2'])
    const posts = calls.filter((c) => c.method === 'POST')
    expect(posts.map((c) => c.body)).toMatchObject([
      {
        name: 'Acme Corp (Okta demo)',
        slug: 'acme-okta-demo',
        entityId: idp('okta').entityId,
        ssoUrl: `${idp('okta').url}/sso`,
        ssoBinding: 'redirect',
        sloUrl: `${idp('okta').url}/slo`,
        emailDomains: ['acme.example'],
        // The demo's own IdPs go live at once instead of waiting as drafts.
        enabled: true,
        skipTest: true,
      },
      {
        name: 'Globex (Entra ID demo)',
        slug: 'globex-entra-demo',
        entityId: idp('entra').entityId,
        ssoBinding: 'post',
        emailDomains: ['globex.example'],
        attributeMap: {
          email: `${CLAIMS}emailaddress`,
          firstName: `${CLAIMS}givenname`,
          lastName: `${CLAIMS}surname`,
          displayName: 'http://schemas.microsoft.com/identity/claims/displayname',
          groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
        },
      },
    ])
    expect(calls.every((c) => c.auth === 'Bearer good-token')).toBe(true)

    calls.length = 0
    expect(await registerDemoIdps(base, 'good-token', both)).toEqual(['idp_1', 'idp_2'])
    expect(calls.map((c) => c.method)).toEqual(['GET'])

    // Keys regenerated (another cert) and another port: PATCH exactly those fields.
    calls.length = 0
    const moved = { ...idp('okta'), url: 'http://localhost:9999', certificatePem: idp('entra').certificatePem }
    await registerDemoIdps(base, 'good-token', [moved])
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /sso/admin/api/idps', 'PATCH /sso/admin/api/idps/idp_1'])
    expect(calls[1]!.body).toEqual({
      certificates: [idp('entra').certificatePem.trim()],
      ssoUrl: 'http://localhost:9999/sso',
      sloUrl: 'http://localhost:9999/slo',
    })
  })

  it('fails loudly on a wrong admin token', async () => {
    await expect(registerDemoIdps(base, 'bad-token', [idp('okta')])).rejects.toThrow(/401/)
  })
})
