// Load through `wrangler dev` (issue 15): 10,000 proxied portal requests with 32 concurrent
// clients, 1,000 logins (ACS, each a fresh signed response) with 8, 10,000 proxied requests spread
// over the 1,000 new sessions with 16, then the first phase again. Every answer must be the
// expected one (0 errors). The memory of the stack's workerd processes (RSS from /proc) is read
// before and after each phase. workerd's RSS climbs to a plateau during its first tens of
// thousands of requests whatever the Worker does (an empty Worker too: README "Performance"), so
// stable memory shows as the growth per 1,000 requests falling towards zero, the repeated first
// phase (every per-isolate cache full by then) growing far less than the first run of it.
// Not part of `npm test` (it takes about five minutes).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DOMParser, XMLSerializer } from '@xmldom/xmldom'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startStack } from '../dev/stack.mjs'
import { signEnveloped } from '../src/saml/dsig/sign'
import { signingKey, testKeyPair } from '../test/helpers/keys'
import { processRssMiB } from './split-workerd'

const PROXIED = Number(process.env.BENCH_LOAD_PROXIED ?? 10_000)
const LOGINS = Number(process.env.BENCH_LOAD_LOGINS ?? 1_000)
const IDP = 'https://load-idp.example/saml'
const TOKEN = 'bench-admin-token-0123456789abcdef'

let stack: { gatewayUrl: string; stop: () => Promise<void>; child: { pid?: number } }
let state: string
beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'sso-load-'))
  stack = await startStack({
    gatewayPort: 8794,
    portalPort: 8804,
    dnsPort: 8855,
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

/** The workerd processes of the stack (wrangler's process group). */
function workerdPids(): number[] {
  const pids: number[] = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // fields[2] is field 5, the process group.
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith('workerd') && Number(fields[2]) === stack.child.pid) pids.push(Number(pid))
    } catch {
      // gone meanwhile
    }
  }
  return pids
}

const rssMiB = () => workerdPids().reduce((sum, pid) => sum + processRssMiB(pid), 0)

interface Phase {
  name: string
  clients: number
  requests: number
  errors: number
  firstError: string | null
  rps: number
  p50: number
  p99: number
  rssBefore: number
  rssAfter: number
}

/** `total` requests from `clients` concurrent clients; an answer other than `expected` is an error. */
async function phase(name: string, clients: number, total: number, make: (i: number) => Promise<Response>, expected: number): Promise<Phase> {
  const rssBefore = rssMiB()
  const latencies: number[] = []
  let next = 0
  let errors = 0
  let firstError: string | null = null
  const started = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++
        const t = performance.now()
        try {
          const res = await make(i)
          const body = await res.text()
          if (res.status !== expected) {
            errors++
            firstError ??= `${res.status} ${body.slice(0, 200)}`
          }
        } catch (err) {
          errors++
          firstError ??= String(err)
        }
        latencies.push(performance.now() - t)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!
  return { name, clients, requests: total, errors, firstError, rps: total / seconds, p50: pct(0.5), p99: pct(0.99), rssBefore, rssAfter: rssMiB() }
}

async function signedResponse(pair: ReturnType<typeof testKeyPair>, i: number): Promise<string> {
  const now = Date.now()
  const iso = (s: number) => new Date(now + s * 1000).toISOString()
  const acs = `${stack.gatewayUrl}/sso/acs`
  const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${i}" Version="2.0" IssueInstant="${iso(0)}" Destination="${acs}"><saml:Issuer>${IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a${i}-${now}" Version="2.0" IssueInstant="${iso(0)}"><saml:Issuer>${IDP}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">user${i}@acme.example</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(900)}" Recipient="${acs}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${iso(-60)}" NotOnOrAfter="${iso(900)}"><saml:AudienceRestriction><saml:Audience>${stack.gatewayUrl}/sso/metadata</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="_s${i}"/><saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>user${i}@acme.example</saml:AttributeValue></saml:Attribute><saml:Attribute Name="groups"><saml:AttributeValue>Everyone</saml:AttributeValue><saml:AttributeValue>Support</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>`
  const doc = new DOMParser().parseFromString(xml, 'text/xml')
  await signEnveloped(doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')[0]!, {
    privateKey: await signingKey(pair),
    certificatePem: pair.certificatePem,
  })
  return Buffer.from(new XMLSerializer().serializeToString(doc)).toString('base64')
}

const postAcs = (samlResponse: string) =>
  fetch(`${stack.gatewayUrl}/sso/acs`, { method: 'POST', body: new URLSearchParams({ SAMLResponse: samlResponse }), redirect: 'manual' })

const sessionCookieOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith('__Host-sso_session='))
    ?.split(';')[0]

it('serves 10,000 proxied requests and 1,000 logins without an error, with memory levelling off', async () => {
  const pair = testKeyPair('rsa', 'bench-load')
  const admin = (path: string, body?: unknown) =>
    fetch(`${stack.gatewayUrl}/sso/admin/api${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  const created = await admin('/idps', {
    name: 'Load IdP',
    entityId: IDP,
    ssoUrl: 'https://load-idp.example/sso',
    certificates: [pair.certificatePem],
    allowIdpInitiated: true,
    // Known to work: enabled at once rather than left a draft until a test sign-in.
    enabled: true,
    skipTest: true,
    emailDomains: ['acme.example'],
  })
  expect(created.status).toBe(201)
  const { organizationId } = (await created.json()) as { organizationId: string }
  expect((await admin(`/organizations/${organizationId}/domains/acme.example/confirm`)).status).toBeLessThan(300)

  const responses = await Promise.all(Array.from({ length: LOGINS + 1 }, (_, i) => signedResponse(pair, i)))
  const first = await postAcs(responses[LOGINS]!)
  expect(first.status).toBe(303)
  const cookie = sessionCookieOf(first)!
  const portal = (c: string) => fetch(`${stack.gatewayUrl}/tickets/42`, { headers: { cookie: c } })
  for (let i = 0; i < 200; i++) await (await portal(cookie)).arrayBuffer()

  const sessions: string[] = []
  const phases = [
    await phase(`proxied portal requests, one session`, 32, PROXIED, () => portal(cookie), 200),
    await phase(
      'logins (ACS: validate, replay row, session, audit row)',
      8,
      LOGINS,
      async (i) => {
        const res = await postAcs(responses[i]!)
        const c = sessionCookieOf(res)
        if (c) sessions.push(c)
        return res
      },
      303,
    ),
  ]
  phases.push(await phase(`proxied portal requests over the ${LOGINS} new sessions`, 16, PROXIED, (i) => portal(sessions[i % sessions.length]!), 200))
  phases.push(await phase(`proxied portal requests, one session, again`, 32, PROXIED, () => portal(cookie), 200))

  const growth = (p: Phase) => ((p.rssAfter - p.rssBefore) * 1000) / p.requests
  const row = (p: Phase) =>
    `| ${p.name} | ${p.clients} | ${p.requests} | ${p.errors} | ${p.rps.toFixed(0)} | ${p.p50.toFixed(1)} | ${p.p99.toFixed(1)} | ${p.rssBefore.toFixed(0)} → ${p.rssAfter.toFixed(0)} | ${growth(p).toFixed(1)} |`
  console.log(
    [
      '',
      'Load through wrangler dev (local workerd with miniflare D1/KV in the same process; load generator on the same machine)',
      '',
      '| phase | clients | requests | errors | requests/s | p50 ms | p99 ms | workerd RSS MiB before → after | MiB per 1,000 requests |',
      '|---|---|---|---|---|---|---|---|---|',
      ...phases.map(row),
      '',
      `memory: the repeated first phase grew ${growth(phases.at(-1)!).toFixed(1)} MiB per 1,000 requests against ${growth(phases[0]!).toFixed(1)} the first time (${(growth(phases.at(-1)!) / growth(phases[0]!)).toFixed(2)}x)`,
      ...phases.filter((p) => p.firstError).map((p) => `first error in "${p.name}": ${p.firstError}`),
      '',
    ].join('\n'),
  )
  for (const p of phases) expect(p.errors, `${p.name}: ${p.firstError}`).toBe(0)
  expect(sessions.length).toBe(LOGINS)
  // Levelling off: the repeated phase grows at most a quarter of what the first run of it did.
  expect(growth(phases.at(-1)!)).toBeLessThan(Math.max(5, growth(phases[0]!) / 4))
}, 900_000)
