// CPU per request in workerd (issue 15), the budget that matters on Cloudflare (the Free plan
// allows 10 ms per request). Method: run the gateway under `wrangler dev` (local workerd), read
// the workerd processes' CPU time (utime + stime from /proc/<pid>/stat, all processes of the
// stack's process group named workerd) before and after N requests of one kind, divide by N, and
// subtract the same figure for a no-op request (a 404 under /sso/: routing, middleware, the error
// page) so the dev server's own proxying drops out. Requests run one at a time after a warm-up.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DOMParser, XMLSerializer } from '@xmldom/xmldom'
import { importX509 } from 'jose'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { readDevVarsAdminToken, startStack } from '../dev/stack.mjs'
import { signEnveloped } from '../src/saml/dsig/sign'
import { encryptAssertion } from '../test/helpers/encrypt'
import { signingKey, testKeyPair } from '../test/helpers/keys'

const N = Number(process.env.BENCH_CPU_REQUESTS ?? 300)
const IDP = 'https://cpu-idp.example/saml'
const TOKEN = 'bench-admin-token-0123456789abcdef'
const TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim() || 100)

let stack: { gatewayUrl: string; stop: () => Promise<void>; child: { pid?: number } }
let state: string
beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'sso-cpu-'))
  stack = await startStack({
    gatewayPort: 8797,
    portalPort: 8807,
    dnsPort: 8857,
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

/** CPU seconds used so far by the stack's workerd processes (same process group as wrangler). */
function workerdCpuSeconds(): number {
  let ticks = 0
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch {
      continue
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15.
    if (comm.startsWith('workerd') && Number(fields[2]) === stack.child.pid) ticks += Number(fields[11]) + Number(fields[12])
  }
  return ticks / TICKS
}

/** Milliseconds of workerd CPU per request of one kind. */
async function cpuPerRequest(make: (i: number) => Promise<Response>, expectStatus: number): Promise<number> {
  for (let i = 0; i < 10; i++) await (await make(-1 - i)).arrayBuffer()
  const before = workerdCpuSeconds()
  for (let i = 0; i < N; i++) {
    const res = await make(i)
    await res.arrayBuffer()
    if (res.status !== expectStatus) throw new Error(`request ${i}: status ${res.status}, expected ${expectStatus}`)
  }
  return ((workerdCpuSeconds() - before) * 1000) / N
}

let serial = 0
/** A signed SAML response for the ACS: `groups` group values (500 make it ~60 KB), encrypted on request. */
async function response(pair: ReturnType<typeof testKeyPair>, groups: number, encryptFor: CryptoKey | null): Promise<string> {
  const i = ++serial
  const now = Date.now()
  const iso = (s: number) => new Date(now + s * 1000).toISOString()
  const acs = `${stack.gatewayUrl}/sso/acs`
  const values = Array.from(
    { length: groups },
    (_, g) => `<saml:AttributeValue>CN=Support Group ${g},OU=Customer Support Groups,O=Acme Corporation,DC=acme,DC=example</saml:AttributeValue>`,
  ).join('')
  const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${i}" Version="2.0" IssueInstant="${iso(0)}" Destination="${acs}"><saml:Issuer>${IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a${i}-${now}" Version="2.0" IssueInstant="${iso(0)}"><saml:Issuer>${IDP}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">user${i}@acme.example</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(600)}" Recipient="${acs}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${iso(-60)}" NotOnOrAfter="${iso(600)}"><saml:AudienceRestriction><saml:Audience>${stack.gatewayUrl}/sso/metadata</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="_s${i}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>user${i}@acme.example</saml:AttributeValue></saml:Attribute><saml:Attribute Name="firstName"><saml:AttributeValue>Jane</saml:AttributeValue></saml:Attribute><saml:Attribute Name="lastName"><saml:AttributeValue>Doe</saml:AttributeValue></saml:Attribute><saml:Attribute Name="groups">${values}</saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>`
  const doc = new DOMParser().parseFromString(xml, 'text/xml')
  const assertion = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')[0]!
  await signEnveloped(assertion, { privateKey: await signingKey(pair), certificatePem: pair.certificatePem })
  if (encryptFor) await encryptAssertion(assertion, encryptFor)
  return Buffer.from(new XMLSerializer().serializeToString(doc)).toString('base64')
}

const postAcs = (samlResponse: string) =>
  fetch(`${stack.gatewayUrl}/sso/acs`, {
    method: 'POST',
    body: new URLSearchParams({ SAMLResponse: samlResponse }),
    redirect: 'manual',
    headers: { accept: 'application/json' },
  })

it('measures CPU per request in workerd', async () => {
  expect(workerdCpuSeconds()).toBeGreaterThan(0)
  const pair = testKeyPair('rsa', 'bench-cpu')
  const token = readDevVarsAdminToken() ?? TOKEN
  const created = await fetch(`${stack.gatewayUrl}/sso/admin/api/idps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'CPU IdP',
      entityId: IDP,
      ssoUrl: 'https://cpu-idp.example/sso',
      certificates: [pair.certificatePem],
      allowIdpInitiated: true,
      emailDomains: ['acme.example'],
    }),
  })
  expect(created.status).toBe(201)
  const { organizationId } = (await created.json()) as { organizationId: string }
  await fetch(`${stack.gatewayUrl}/sso/admin/api/organizations/${organizationId}/domains/acme.example/confirm`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  })
  const metadata = await (await fetch(`${stack.gatewayUrl}/sso/metadata`)).text()
  const encryptionCert = /<md:KeyDescriptor use="encryption">[\s\S]*?<ds:X509Certificate>([^<]+)</.exec(metadata)![1]!
  const spKey = await importX509(`-----BEGIN CERTIFICATE-----\n${encryptionCert}\n-----END CERTIFICATE-----`, 'RSA-OAEP')

  const login = await postAcs(await response(pair, 2, null))
  expect(login.status).toBe(303)
  const cookie = login.headers
    .getSetCookie()
    .find((c) => c.startsWith('__Host-sso_session='))!
    .split(';')[0]!

  const sizes: Record<string, number> = {}
  const prepared = async (name: string, groups: number, encrypted: boolean) => {
    const list = await Promise.all(Array.from({ length: N + 10 }, () => response(pair, groups, encrypted ? spKey : null)))
    sizes[name] = Math.round(Buffer.from(list[0]!, 'base64').length / 1024)
    return (i: number) => postAcs(list[i < 0 ? N - 1 - i : i]!)
  }
  const typical = await prepared('typical', 40, false)
  const large = await prepared('large', 500, false)
  const encrypted = await prepared('encrypted', 40, true)

  const floor = await cpuPerRequest(() => fetch(`${stack.gatewayUrl}/sso/no-such-page`, { headers: { accept: 'application/json' } }), 404)
  const figures: [string, number, number | null][] = [
    [
      'proxied portal request (session, SSO-JWT, upstream fetch)',
      await cpuPerRequest(() => fetch(`${stack.gatewayUrl}/tickets/42`, { headers: { cookie } }), 200),
      0.3,
    ],
    [
      '/sso/health (one D1 query, one KV read: local storage runs inside the same workerd)',
      await cpuPerRequest(() => fetch(`${stack.gatewayUrl}/sso/health`), 200),
      null,
    ],
    ['selection page', await cpuPerRequest(() => fetch(`${stack.gatewayUrl}/sso/login`, { headers: { accept: 'text/html' } }), 200), null],
    [`ACS, typical response (${sizes.typical} KB)`, await cpuPerRequest(typical, 303), 1.5],
    [`ACS, 500 groups (${sizes.large} KB)`, await cpuPerRequest(large, 303), 5],
    [`ACS, encrypted assertion (${sizes.encrypted} KB)`, await cpuPerRequest(encrypted, 303), null],
  ]
  console.log(
    [
      '',
      `workerd CPU per request (wrangler dev, ${N} requests each, one at a time; /proc utime+stime at ${TICKS} Hz), minus a no-op 404 (${floor.toFixed(2)} ms)`,
      '',
      '| request | CPU ms above the no-op | target |',
      '|---|---|---|',
      ...figures.map(([name, ms, target]) => `| ${name} | ${(ms - floor).toFixed(2)} | ${target === null ? '' : `≤ ${target}`} |`),
      '',
    ].join('\n'),
  )
}, 900_000)
