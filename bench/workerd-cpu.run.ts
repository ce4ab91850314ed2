// CPU per request in workerd (issue 15), the budget that matters on Cloudflare (the Free plan
// allows 10 ms per request). Method (bench/split-workerd.ts): the deploy bundle runs in a bare
// `workerd` process with the bindings wrangler.toml declares, while D1 and KV are served by a
// second process (wrangler dev over miniflare's local storage), so SQLite, the dev server and its
// inspector are not counted. The gateway process's CPU time (its threads' run time from /proc) is
// read before and after N requests of one kind, one at a time after a warm-up, and divided by N.
// Figures are given above an empty Worker in the same kind of process (workerd's own HTTP
// handling), and also net of the storage calls' transport: every request's D1 and KV calls are
// counted by the storage process, and what one call costs the calling process here (local HTTP)
// is measured with a calibration Worker and subtracted. Cold start: bundle size, and the CPU of a
// fresh process from start to its first answer, minus the same for the empty Worker.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DOMParser, XMLSerializer } from '@xmldom/xmldom'
import { importX509 } from 'jose'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startPortal } from '../dev/portal.mjs'
import { buildAuthnRequest } from '../src/saml/authn-request'
import { encodeRedirectBinding } from '../src/saml/bindings'
import { signEnveloped } from '../src/saml/dsig/sign'
import { encryptAssertion } from '../test/helpers/encrypt'
import { signingKey, testKeyPair } from '../test/helpers/keys'
import {
  buildBundle,
  processCpuSeconds,
  removeState,
  startCalibrationWorkerd,
  startGatewayWorkerd,
  startStorage,
  storageCalls,
  type Bundle,
  type StorageProcess,
  type WorkerdProcess,
} from './split-workerd'

/** Requests of each kind per round, and rounds (kinds take turns within a round; each figure is its least disturbed round). */
const N = Number(process.env.BENCH_CPU_REQUESTS ?? 40)
const ROUNDS = Number(process.env.BENCH_CPU_ROUNDS ?? 7)
/** Fresh processes started to measure the cold start, each kind. */
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 7)
const PORTS = { gateway: 8797, storage: 8798, calibration: 8799, portal: 8807, inspector: 9239 }
/**
 * BENCH_PROFILE=<kind> (e.g. acsTypical): instead of measuring, take a CPU profile of N × ROUNDS
 * requests of that kind through workerd's inspector, from an unminified bundle, and print the
 * self time by source module (the profile itself is written beside the bundle, for DevTools).
 */
const PROFILE = process.env.BENCH_PROFILE
const IDP = 'https://cpu-idp.example/saml'
const TOKEN = 'bench-admin-token-0123456789abcdef'
const SSO_SECRET = 'bench-sso-secret-0123456789abcdef0123'
const HELPDESK_SP = 'https://helpdesk.example/saml/sp'
const HELPDESK_ACS = 'https://helpdesk.example/saml/acs'

let state: string
let bundle: Bundle
let storage: StorageProcess | undefined
let gateway: WorkerdProcess | undefined
let calibration: WorkerdProcess | undefined
let portal: { close: () => void } | undefined
const gatewayOptions = () => ({
  ...(PROFILE ? { inspectorPort: PORTS.inspector } : {}),
  bundle,
  port: PORTS.gateway,
  storageUrl: storage!.url,
  state: join(state, 'durable-objects'),
  vars: { PORTAL_ORIGIN: `http://127.0.0.1:${PORTS.portal}`, DOH_URL: '', ADMIN_TOKEN: TOKEN, SSO_SECRET },
})

beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'sso-cpu-'))
  bundle = buildBundle(join(state, 'bundle'), { minify: !PROFILE })
  storage = await startStorage(state, PORTS.storage)
  portal = await startPortal(PORTS.portal)
}, 180_000)
afterAll(async () => {
  await gateway?.stop()
  await calibration?.stop()
  await storage?.stop()
  portal?.close()
  removeState(state)
})

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

interface Figure {
  /** CPU ms per request of the process. */
  cpuMs: number
  /** Storage calls per request. */
  d1: number
  kv: number
}

/** One kind of request: where it runs, how to make the next one (each may be used once), its status. */
interface Kind {
  worker: () => WorkerdProcess
  next: () => Promise<Response>
  status: number
}

/** CPU and storage calls per request over N requests of one kind, one at a time. */
async function perRequest(kind: Kind): Promise<Figure> {
  const pid = kind.worker().pid
  const calls = await storageCalls(storage!.url)
  const before = processCpuSeconds(pid)
  for (let i = 0; i < N; i++) {
    const res = await kind.next()
    await res.arrayBuffer()
    if (res.status !== kind.status) throw new Error(`request ${i}: status ${res.status}, expected ${kind.status}`)
  }
  const cpuMs = ((processCpuSeconds(pid) - before) * 1000) / N
  // The counts requests are not the gateway's: both are outside the window.
  const after = await storageCalls(storage!.url)
  return { cpuMs, d1: (after.d1 - calls.d1) / N, kv: (after.kv - calls.kv) / N }
}

/**
 * Each kind measured in ROUNDS rounds after a warm-up, the kinds taking turns within a round, so
 * a passing burst of other load on the machine disturbs some rounds of every kind, not every
 * round of one.
 */
async function measureAll<K extends string>(kinds: Record<K, Kind>): Promise<Record<K, Figure>[]> {
  const entries = Object.entries(kinds) as [K, Kind][]
  for (const [, kind] of entries) for (let i = 0; i < 10; i++) await (await kind.next()).arrayBuffer()
  const rounds: Record<K, Figure>[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const figures = {} as Record<K, Figure>
    for (const [name, kind] of entries) figures[name] = await perRequest(kind)
    rounds.push(figures)
  }
  if (process.env.BENCH_SHOW_CALLS)
    for (const [name, kind] of entries) {
      await fetch(storage!.url, { headers: { 'x-bench-store': 'log' } })
      await (await kind.next()).arrayBuffer()
      const log = (await (await fetch(storage!.url, { headers: { 'x-bench-store': 'log' } })).json()) as string[]
      console.log(`storage calls of one request, ${name}:\n  ${log.join('\n  ')}`)
    }
  return rounds
}

let serial = 0
/** A signed SAML response for the ACS: `groups` group values (500 make it ~60 KB), encrypted on request. */
async function response(pair: ReturnType<typeof testKeyPair>, groups: number, encryptFor: CryptoKey | null): Promise<string> {
  const i = ++serial
  const now = Date.now()
  const iso = (s: number) => new Date(now + s * 1000).toISOString()
  const acs = `${gateway!.url}/sso/acs`
  const values = Array.from(
    { length: groups },
    (_, g) => `<saml:AttributeValue>CN=Support Group ${g},OU=Customer Support Groups,O=Acme Corporation,DC=acme,DC=example</saml:AttributeValue>`,
  ).join('')
  const xml = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${i}" Version="2.0" IssueInstant="${iso(0)}" Destination="${acs}"><saml:Issuer>${IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a${i}-${now}" Version="2.0" IssueInstant="${iso(0)}"><saml:Issuer>${IDP}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">user${i}@acme.example</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(600)}" Recipient="${acs}"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${iso(-60)}" NotOnOrAfter="${iso(600)}"><saml:AudienceRestriction><saml:Audience>${gateway!.url}/sso/metadata</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="_s${i}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="email"><saml:AttributeValue>user${i}@acme.example</saml:AttributeValue></saml:Attribute><saml:Attribute Name="firstName"><saml:AttributeValue>Jane</saml:AttributeValue></saml:Attribute><saml:Attribute Name="lastName"><saml:AttributeValue>Doe</saml:AttributeValue></saml:Attribute><saml:Attribute Name="groups">${values}</saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>`
  const doc = new DOMParser().parseFromString(xml, 'text/xml')
  const assertion = doc.getElementsByTagNameNS('urn:oasis:names:tc:SAML:2.0:assertion', 'Assertion')[0]!
  await signEnveloped(assertion, { privateKey: await signingKey(pair), certificatePem: pair.certificatePem })
  if (encryptFor) await encryptAssertion(assertion, encryptFor)
  return Buffer.from(new XMLSerializer().serializeToString(doc)).toString('base64')
}

const postAcs = (samlResponse: string) =>
  fetch(`${gateway!.url}/sso/acs`, {
    method: 'POST',
    body: new URLSearchParams({ SAMLResponse: samlResponse }),
    redirect: 'manual',
    headers: { accept: 'application/json' },
  })

const admin = (path: string, body?: unknown) =>
  fetch(`${gateway!.url}/sso/admin/api${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

it.skipIf(Boolean(PROFILE))(
  'measures the cold start: bundle size and startup CPU',
  async () => {
    const gatewayMs: number[] = []
    const emptyMs: number[] = []
    for (let i = 0; i < COLD_STARTS; i++) {
      // The gateway Worker alone: the console is a Worker of its own in production (a stand-in here).
      const g = await startGatewayWorkerd({ ...gatewayOptions(), withConsole: false })
      gatewayMs.push(g.firstResponseCpuSeconds * 1000)
      await g.stop()
      const e = await startCalibrationWorkerd(join(state, 'calibration'), PORTS.calibration, storage!.url, `http://127.0.0.1:${PORTS.portal}/`)
      emptyMs.push(e.firstResponseCpuSeconds * 1000)
      await e.stop()
    }
    const kib = (bytes: number) => (bytes / 1024).toFixed(1)
    console.log(
      [
        '',
        `Cold start (bare workerd; median of ${COLD_STARTS} fresh processes, CPU from start to the first answer: a no-op 404 for the gateway Worker (its CONSOLE binding on a one-line stand-in), '/' for an empty Worker)`,
        '',
        '| bundle raw KiB | bundle gzip KiB | gateway start + first answer, CPU ms | empty Worker, CPU ms | gateway above empty |',
        '|---|---|---|---|---|',
        `| ${kib(bundle.rawBytes)} | ${kib(bundle.gzipBytes)} | ${median(gatewayMs).toFixed(1)} | ${median(emptyMs).toFixed(1)} | ${(median(gatewayMs) - median(emptyMs)).toFixed(1)} |`,
        '',
      ].join('\n'),
    )
    expect(median(gatewayMs)).toBeGreaterThan(0)
  },
  300_000,
)

it('measures CPU per request in workerd, storage in another process', async () => {
  gateway = await startGatewayWorkerd(gatewayOptions())
  calibration = await startCalibrationWorkerd(join(state, 'calibration'), PORTS.calibration, storage!.url, `http://127.0.0.1:${PORTS.portal}/`)
  const pair = testKeyPair('rsa', 'bench-cpu')
  const created = await admin('/idps', {
    name: 'CPU IdP',
    entityId: IDP,
    ssoUrl: 'https://cpu-idp.example/sso',
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
  const app = await admin('/apps', { kind: 'saml', name: 'Helpdesk', slug: 'helpdesk', config: { entityId: HELPDESK_SP, acsUrl: HELPDESK_ACS } })
  expect(app.status).toBe(201)
  const metadata = await (await fetch(`${gateway.url}/sso/metadata`)).text()
  const encryptionCert = /<md:KeyDescriptor use="encryption">[\s\S]*?<ds:X509Certificate>([^<]+)</.exec(metadata)![1]!
  const spKey = await importX509(`-----BEGIN CERTIFICATE-----\n${encryptionCert}\n-----END CERTIFICATE-----`, 'RSA-OAEP')

  const login = await postAcs(await response(pair, 2, null))
  expect(login.status, await login.clone().text()).toBe(303)
  const cookie = login.headers
    .getSetCookie()
    .find((c) => c.startsWith('__Host-sso_session='))!
    .split(';')[0]!

  const sizes: Record<string, number> = {}
  // Enough fresh requests of each kind for the warm-up, every round and the calls log.
  const needed = 10 + N * ROUNDS + 1
  const prepared = async (name: string, groups: number, encrypted: boolean) => {
    const list = await Promise.all(Array.from({ length: needed }, () => response(pair, groups, encrypted ? spKey : null)))
    sizes[name] = Math.round(Buffer.from(list[0]!, 'base64').length / 1024)
    let next = 0
    return () => postAcs(list[next++]!)
  }
  const typical = await prepared('typical', 40, false)
  const large = await prepared('large', 500, false)
  const encrypted = await prepared('encrypted', 40, true)
  // Each AuthnRequest ID is answered once (replay): a fresh one per request.
  const authnRequests = await Promise.all(
    Array.from({ length: needed + 1 }, async (_, i) => {
      const xml = buildAuthnRequest({
        id: `_bench${i}`,
        issueInstant: new Date(),
        destination: `${gateway!.url}/sso/idp/sso`,
        spEntityId: HELPDESK_SP,
        acsUrl: HELPDESK_ACS,
      })
      return encodeRedirectBinding({ xml, param: 'SAMLRequest', relayState: 'ticket-42' })
    }),
  )
  let nextAuthnRequest = 0
  const brokerAnswer = () => fetch(`${gateway!.url}/sso/idp/sso?${authnRequests[nextAuthnRequest++]}`, { headers: { cookie } })
  const probe = await brokerAnswer()
  expect(probe.status, await probe.text()).toBe(200)

  const onGateway = (next: () => Promise<Response>, status = 200): Kind => ({ worker: () => gateway!, next, status })
  const onCalibration = (path: string): Kind => ({ worker: () => calibration!, next: () => fetch(`${calibration!.url}${path}`), status: 200 })
  const kinds = {
    // What workerd itself and one storage call or subrequest cost the calling process.
    empty: onCalibration('/'),
    kvRead: onCalibration('/kv'),
    d1Query: onCalibration('/d1'),
    upstream: onCalibration('/upstream'),
    noop: onGateway(() => fetch(`${gateway!.url}/sso/no-such-page`, { headers: { accept: 'application/json' } }), 404),
    proxied: onGateway(() => fetch(`${gateway!.url}/tickets/42`, { headers: { cookie } })),
    health: onGateway(() => fetch(`${gateway!.url}/sso/health`)),
    selection: onGateway(() => fetch(`${gateway!.url}/sso/login`, { headers: { accept: 'text/html' } })),
    broker: onGateway(brokerAnswer),
    acsTypical: onGateway(typical, 303),
    acsLarge: onGateway(large, 303),
    acsEncrypted: onGateway(encrypted, 303),
  }
  if (PROFILE) {
    const kind = kinds[PROFILE as keyof typeof kinds]
    if (!kind) throw new Error(`BENCH_PROFILE: no kind ${PROFILE} (${Object.keys(kinds).join(', ')})`)
    console.log(await profileKind(kind, N * ROUNDS))
    return
  }
  const rounds = await measureAll(kinds)
  // Each kind's least disturbed round (other load only ever adds CPU time), and the storage calls'
  // transport priced by the calibration Worker's least disturbed rounds.
  const least = (name: keyof typeof kinds) => Math.min(...rounds.map((r) => r[name].cpuMs))
  const empty = least('empty')
  const cost = { kv: least('kvRead') - empty, d1: least('d1Query') - empty, upstream: least('upstream') - empty }
  const callsOf = (name: keyof typeof kinds) => ({ d1: median(rounds.map((r) => r[name].d1)), kv: median(rounds.map((r) => r[name].kv)) })
  const aboveEmpty = (name: keyof typeof kinds) => least(name) - empty
  const net = (name: keyof typeof kinds) => aboveEmpty(name) - callsOf(name).d1 * cost.d1 - callsOf(name).kv * cost.kv
  const calls = (name: keyof typeof kinds) => `${+callsOf(name).d1.toFixed(2)} + ${+callsOf(name).kv.toFixed(2)}`
  const rows: [string, keyof typeof kinds, string][] = [
    ['no-op: a 404 under /sso/ (routing, middleware, error JSON)', 'noop', ''],
    ['proxied portal request (session, SSO-JWT, upstream fetch)', 'proxied', '≤ 0.3 above the no-op'],
    ['/sso/health (one D1 query, one KV read)', 'health', ''],
    ['selection page', 'selection', ''],
    ['broker: signed SAML Response to a helpdesk AuthnRequest', 'broker', ''],
    [`ACS, typical response (${sizes.typical} KB)`, 'acsTypical', '≤ 1.5'],
    [`ACS, 500 groups (${sizes.large} KB)`, 'acsLarge', '≤ 5'],
    [`ACS, encrypted assertion (${sizes.encrypted} KB)`, 'acsEncrypted', ''],
  ]
  const proxiedAboveNoop = least('proxied') - least('noop') - callsOf('proxied').kv * cost.kv
  console.log(
    [
      '',
      `workerd CPU per request: deploy bundle in bare workerd, D1/KV in another process; ${N} requests of each kind per round, one by one, least disturbed of ${ROUNDS} rounds`,
      `empty Worker: ${empty.toFixed(3)} ms; one call from a Worker, above that: KV read ${cost.kv.toFixed(3)} ms, D1 query ${cost.d1.toFixed(3)} ms, upstream fetch ${cost.upstream.toFixed(3)} ms`,
      '',
      '| request | D1 + KV calls | CPU ms above an empty Worker | net of storage transport | target (issue 15) |',
      '|---|---|---|---|---|',
      ...rows.map(([label, name, target]) => `| ${label} | ${calls(name)} | ${aboveEmpty(name).toFixed(2)} | ${net(name).toFixed(2)} | ${target} |`),
      '',
      `proxied request above the no-op, net of its KV read: ${proxiedAboveNoop.toFixed(2)} ms, of which the upstream fetch itself ${cost.upstream.toFixed(2)} ms`,
      '',
    ].join('\n'),
  )
}, 900_000)

/** A CPU profile of `n` requests of `kind` (BENCH_PROFILE), as self time by source module of the bundle. */
async function profileKind(kind: Kind, n: number): Promise<string> {
  for (let i = 0; i < 10; i++) await (await kind.next()).arrayBuffer()
  const targets = (await (await fetch(`http://127.0.0.1:${PORTS.inspector}/json/list`)).json()) as { webSocketDebuggerUrl: string; title?: string }[]
  const target = targets.find((t) => !t.title || t.title.includes('gateway')) ?? targets[0]!
  // Node's WebSocket (the bench runs in Node; the project's types are the Workers runtime's).
  const ws = new WebSocket(target.webSocketDebuggerUrl) as unknown as {
    addEventListener(type: string, listener: (event: { data?: unknown }) => void): void
    send(data: string): void
    close(): void
  }
  await new Promise((resolve, reject) => (ws.addEventListener('open', resolve), ws.addEventListener('error', reject)))
  let id = 0
  const pending = new Map<number, (result: unknown) => void>()
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown }
    if (message.id !== undefined) pending.get(message.id)?.(message.result)
  })
  const send = (method: string, params: unknown = {}) =>
    new Promise<unknown>((resolve) => (pending.set(++id, resolve), ws.send(JSON.stringify({ id, method, params }))))
  await send('Profiler.enable')
  await send('Profiler.setSamplingInterval', { interval: 50 })
  await send('Profiler.start')
  for (let i = 0; i < n; i++) await (await kind.next()).arrayBuffer()
  const { profile } = (await send('Profiler.stop')) as {
    profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] }
  }
  ws.close()
  // Kept after the run (the state dir is removed): the profile and the bundle its frames point into.
  const kept = mkdtempSync(join(tmpdir(), `sso-profile-${PROFILE}-`))
  writeFileSync(join(kept, `${PROFILE}.cpuprofile`), JSON.stringify(profile))
  copyFileSync(bundle.file, join(kept, 'index.js'))
  // Unminified esbuild output marks each module with a `// <path>` line: map frames to them.
  const lines = readFileSync(bundle.file, 'utf8').split('\n')
  const marks = lines.flatMap((line, i) => (/^\/\/ ((src|node_modules)\/\S+)$/.exec(line) ? [{ line: i, module: RegExp.$1 }] : []))
  const moduleAt = (line: number) => {
    let found = '(bundle prelude)'
    for (const m of marks) if (m.line <= line) found = m.module
    return found
  }
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  let total = 0
  profile.samples.forEach((nodeId, i) => {
    const frame = byNode.get(nodeId)!.callFrame
    const us = profile.timeDeltas[i] ?? 0
    total += us
    const where = frame.url.endsWith('index.js') ? moduleAt(frame.lineNumber) : frame.functionName || frame.url || '(native)'
    const key = where.replace(/^node_modules\//, '').replace(/(@xmldom\/xmldom|drizzle-orm|hono|jose)\/.*/, '$1')
    self.set(key, (self.get(key) ?? 0) + us)
  })
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)
  return [
    '',
    `CPU profile of ${n} requests (${PROFILE}): ${(total / 1000 / n).toFixed(2)} ms sampled per request; self time by module (written: ${kept})`,
    '',
    '| module | ms per request | share |',
    '|---|---|---|',
    ...top.map(([k, us]) => `| ${k} | ${(us / 1000 / n).toFixed(3)} | ${((100 * us) / total).toFixed(1)} % |`),
    '',
  ].join('\n')
}
