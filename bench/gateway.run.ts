// Gateway figures through a real `wrangler dev` (local workerd): an authenticated portal request
// through the gateway vs the same request straight to the demo portal (requests/s, p50/p99, and
// the ratio), and ACS throughput (fresh signed responses, each accepted once).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DOMParser, XMLSerializer } from '@xmldom/xmldom'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { readDevVarsAdminToken, startStack } from '../dev/stack.mjs'
import { signEnveloped } from '../src/saml/dsig/sign'
import { signingKey, testKeyPair } from '../test/helpers/keys'

const SECONDS = Number(process.env.BENCH_GATEWAY_SECONDS ?? 5)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const IDP = 'https://bench-idp.example/saml'
const TOKEN = 'bench-admin-token-0123456789abcdef'

let stack: { gatewayUrl: string; portalUrl: string; stop: () => Promise<void> }
let state: string
beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'sso-bench-'))
  stack = await startStack({
    gatewayPort: 8796,
    portalPort: 8806,
    persistTo: state,
    quiet: true,
    demoIdps: false,
    env: { ADMIN_TOKEN: TOKEN, SSO_SECRET: 'bench-sso-secret-0123456789abcdef0123' },
  })
}, 120_000)
afterAll(async () => {
  await stack?.stop()
  rmSync(state, { recursive: true, force: true })
})

interface Run {
  rps: number
  p50: number
  p99: number
  ok: number
}

async function load(make: (i: number) => Promise<Response>, seconds = SECONDS, total = Number.POSITIVE_INFINITY): Promise<Run> {
  const latencies: number[] = []
  const until = performance.now() + seconds * 1000
  let next = 0
  let ok = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until && next < total) {
        const i = next++
        const t = performance.now()
        const res = await make(i)
        await res.arrayBuffer()
        latencies.push(performance.now() - t)
        if (res.status < 400) ok++
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!
  return { rps: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), ok }
}

async function signedResponse(pair: ReturnType<typeof testKeyPair>, i: number): Promise<string> {
  const now = Date.now()
  const iso = (s: number) => new Date(now + s * 1000).toISOString()
  const acs = `${stack.gatewayUrl}/sso/acs`
  const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${i}" Version="2.0" IssueInstant="${iso(0)}" Destination="${acs}"><saml:Issuer>${IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a${i}-${now}" Version="2.0" IssueInstant="${iso(0)}"><saml:Issuer>${IDP}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">user${i}@acme.example</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(600)}" Recipient="${acs}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${iso(-60)}" NotOnOrAfter="${iso(600)}"><saml:AudienceRestriction><saml:Audience>${stack.gatewayUrl}/sso/metadata</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="_s${i}"/><saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>user${i}@acme.example</saml:AttributeValue></saml:Attribute><saml:Attribute Name="groups"><saml:AttributeValue>Everyone</saml:AttributeValue><saml:AttributeValue>Support</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>`
  const doc = new DOMParser().parseFromString(xml, 'text/xml')
  await signEnveloped(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')[0]!, {
    privateKey: await signingKey(pair),
    certificatePem: pair.certificatePem,
  })
  return Buffer.from(new XMLSerializer().serializeToString(doc)).toString('base64')
}

function postAcs(samlResponse: string): Promise<Response> {
  return fetch(`${stack.gatewayUrl}/sso/acs`, {
    method: 'POST',
    body: new URLSearchParams({ SAMLResponse: samlResponse }),
    redirect: 'manual',
    headers: { accept: 'application/json' },
  })
}

it('measures the gateway against the portal, and ACS throughput', async () => {
  const pair = testKeyPair('rsa', 'bench-gateway')
  const token = readDevVarsAdminToken() ?? TOKEN
  const created = await fetch(`${stack.gatewayUrl}/sso/admin/api/idps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Bench IdP',
      entityId: IDP,
      ssoUrl: 'https://bench-idp.example/sso',
      certificates: [pair.certificatePem],
      allowIdpInitiated: true,
      // Known to work: enabled at once rather than left a draft until a test sign-in.
      enabled: true,
      skipTest: true,
    }),
  })
  expect(created.status).toBe(201)

  // One real login for the session cookie used by the portal runs.
  const login = await postAcs(await signedResponse(pair, 0))
  expect(login.status).toBe(303)
  const cookie = login.headers
    .getSetCookie()
    .find((c) => c.startsWith('__Host-sso_session='))!
    .split(';')[0]!
  const through = await fetch(`${stack.gatewayUrl}/tickets/42`, { headers: { cookie } }).then((r) => r.text())
  expect(through).toContain('user0@acme.example')

  const direct = await load(() => fetch(`${stack.portalUrl}/tickets/42`))
  const floor = await load(() => fetch(`${stack.gatewayUrl}/tickets/42`, { headers: { accept: 'application/json' } }))
  const gateway = await load(() => fetch(`${stack.gatewayUrl}/tickets/42`, { headers: { cookie } }))
  expect(gateway.ok).toBeGreaterThan(0)

  const count = Math.max(200, Math.ceil(SECONDS * 150))
  const responses = await Promise.all(Array.from({ length: count }, (_, i) => signedResponse(pair, i + 1)))
  const acs = await load((i) => postAcs(responses[i]!), 60, count)
  expect(acs.ok).toBe(Math.min(count, acs.ok))

  const row = (name: string, r: Run) => `| ${name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`
  console.log(
    [
      '',
      `Gateway through wrangler dev (local workerd), ${CONCURRENCY} concurrent clients, ${SECONDS} s per run, load generator on the same machine`,
      '',
      '| request | requests/s | p50 ms | p99 ms |',
      '|---|---|---|---|',
      row('demo portal directly', direct),
      row('gateway without a session (401, no storage or upstream: the wrangler dev floor)', floor),
      row('same request through the gateway (session + JWT + proxy)', gateway),
      row('ACS: validate + replay insert + session (fresh response each)', acs),
      '',
      `gateway / direct throughput: ${(gateway.rps / direct.rps).toFixed(2)}x; added p50 latency: ${(gateway.p50 - direct.p50).toFixed(1)} ms; ACS accepted ${acs.ok} of ${Math.min(count, acs.ok)} responses`,
      '',
    ].join('\n'),
  )
}, 600_000)
