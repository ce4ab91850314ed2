// The webhook verification snippets of docs/operations.md ("Verifying a delivery"), run exactly as
// printed (Node with node:crypto; Python with hmac) against bodies and signatures made by the
// gateway's own signing code (src/events/signature.ts, WebCrypto): an independent check that the
// docs and the gateway agree, and that the snippets refuse a changed body, another secret, an old
// timestamp and a malformed header.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { webhookSignature } from '../../src/events/signature'

const DOC = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8')
const SECRET = 'whsec_docs-snippet-secret-0123456789'
const NOW_S = 1_943_174_102
const BODY = JSON.stringify({
  id: 'evt_5f0c3b1e9a7d4c2b8e6f1a3d',
  type: 'idp.disabled',
  createdAt: '2031-07-30T10:35:02.114Z',
  data: { idpId: 'idp_3f9a0c1d2e4b5a6c7d', idpName: 'Acme Okta – Zürich', idpSlug: 'acme-okta', organizationId: 'org_8b1c2d3e4f5a6b7c8d', via: 'console' },
})

/** The fenced code block right after `<!-- verify-webhook:<name> -->`. */
function snippet(name: string): string {
  const m = new RegExp(`<!-- verify-webhook:${name} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC)
  if (!m) throw new Error(`no ${name} snippet in docs/operations.md`)
  return m[1]!
}

interface Case {
  name: string
  secret: string
  timestamp: string
  signature: string
  body: string
  now: number
  valid: boolean
}

let cases: Case[]

beforeAll(async () => {
  const signature = await webhookSignature(SECRET, NOW_S, BODY)
  const otherSecret = await webhookSignature('whsec_another-secret-000000000000', NOW_S, BODY)
  const old = await webhookSignature(SECRET, NOW_S - 301, BODY)
  cases = [
    { name: 'a delivery as the gateway signs it', secret: SECRET, timestamp: String(NOW_S), signature, body: BODY, now: NOW_S, valid: true },
    { name: 'within the tolerance', secret: SECRET, timestamp: String(NOW_S), signature, body: BODY, now: NOW_S + 299, valid: true },
    {
      name: 'among several signatures',
      secret: SECRET,
      timestamp: String(NOW_S),
      signature: `v1=${'0'.repeat(64)}, ${signature}`,
      body: BODY,
      now: NOW_S,
      valid: true,
    },
    {
      name: 'a changed body',
      secret: SECRET,
      timestamp: String(NOW_S),
      signature,
      body: BODY.replace('idp.disabled', 'idp.enabled'),
      now: NOW_S,
      valid: false,
    },
    {
      name: 'a re-serialized body',
      secret: SECRET,
      timestamp: String(NOW_S),
      signature,
      body: JSON.stringify(JSON.parse(BODY), null, 1),
      now: NOW_S,
      valid: false,
    },
    { name: 'another secret', secret: SECRET, timestamp: String(NOW_S), signature: otherSecret, body: BODY, now: NOW_S, valid: false },
    { name: 'an old timestamp, correctly signed', secret: SECRET, timestamp: String(NOW_S - 301), signature: old, body: BODY, now: NOW_S, valid: false },
    { name: 'a timestamp moved without re-signing', secret: SECRET, timestamp: String(NOW_S + 1), signature, body: BODY, now: NOW_S, valid: false },
    { name: 'no v1= prefix', secret: SECRET, timestamp: String(NOW_S), signature: signature.slice(3), body: BODY, now: NOW_S, valid: false },
    { name: 'a truncated signature', secret: SECRET, timestamp: String(NOW_S), signature: signature.slice(0, 40), body: BODY, now: NOW_S, valid: false },
    { name: 'a timestamp that is not a number', secret: SECRET, timestamp: `${NOW_S}.5`, signature, body: BODY, now: NOW_S, valid: false },
  ]
})

describe('the Node snippet', () => {
  it('accepts what the gateway signed and refuses every forgery', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webhook-snippet-'))
    const file = join(dir, 'verify.mjs')
    writeFileSync(file, snippet('node'))
    const { verifyWebhook } = (await import(pathToFileURL(file).href)) as {
      verifyWebhook: (secret: string, headers: Record<string, string>, rawBody: Buffer, nowMs?: number) => boolean
    }
    for (const c of cases) {
      const headers = { 'webhook-timestamp': c.timestamp, 'webhook-signature': c.signature, 'webhook-id': 'evt_5f0c3b1e9a7d4c2b8e6f1a3d' }
      expect(verifyWebhook(c.secret, headers, Buffer.from(c.body, 'utf8'), c.now * 1000), c.name).toBe(c.valid)
    }
  })
})

const hasPython = spawnSync('python3', ['--version']).status === 0

describe('the Python snippet', () => {
  it.skipIf(!hasPython)('accepts what the gateway signed and refuses every forgery', () => {
    const harness = `${snippet('python')}

import json, sys
results = []
for c in json.load(sys.stdin):
    headers = {"Webhook-Timestamp": c["timestamp"], "Webhook-Signature": c["signature"]}
    results.append(verify_webhook(c["secret"], headers, c["body"].encode("utf-8"), now=c["now"]))
print(json.dumps(results))
`
    const out = execFileSync('python3', ['-c', harness], { input: JSON.stringify(cases), encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual(cases.map((c) => c.valid))
  })
})
