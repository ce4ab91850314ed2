// workerd: the KV key builders: each key's exact, stable shape, kinds that never collide, TTLs KV
// accepts, and (through the stores that write them) no raw token or NameID in any key. The session
// index lives in D1 (test/store/sessions.test.ts), so no KV key names a user.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createAdminSession } from '../../src/store/admin-sessions'
import { putBrokerPending } from '../../src/store/broker-pending'
import { ADMIN_SESSION_TTL_SECONDS, BROKER_PENDING_TTL_SECONDS, kvKeys, MIN_KV_TTL_SECONDS, TEST_RESULT_TTL_SECONDS } from '../../src/store/kv-keys'
import { createSession } from '../../src/store/sessions'
import { putTestResult } from '../../src/store/test-results'
import { clearKv, listAllKeys, sha256Hex } from '../helpers/storage'

const TOKEN_HASH = 'a'.repeat(64)
const REQUEST_ID = `_${'c'.repeat(40)}`

/** Every builder, called with sample inputs, and the exact key it must give. */
const BUILT: [string, () => string, string][] = [
  ['session', () => kvKeys.session(TOKEN_HASH), `session:${TOKEN_HASH}`],
  ['adminSession', () => kvKeys.adminSession(TOKEN_HASH), `admin-session:${TOKEN_HASH}`],
  ['testResult', () => kvKeys.testResult(REQUEST_ID), `test-result:${REQUEST_ID}`],
  ['brokerPending', () => kvKeys.brokerPending(REQUEST_ID), `broker-pending:${REQUEST_ID}`],
  ['healthProbe', () => kvKeys.healthProbe(), 'health:probe'],
]

describe('key builders', () => {
  it.each(BUILT)('%s gives exactly its documented key, the same on every call', (_, build, expected) => {
    expect(build()).toBe(expected)
    expect(build()).toBe(build())
  })

  it('has a test row for every builder', () => {
    expect(BUILT.map(([name]) => name).sort()).toEqual(Object.keys(kvKeys).sort())
  })

  it('gives every kind of key its own namespace, none a prefix of another', () => {
    const namespaces = [
      kvKeys.session(TOKEN_HASH),
      kvKeys.adminSession(TOKEN_HASH),
      kvKeys.testResult(REQUEST_ID),
      kvKeys.brokerPending(REQUEST_ID),
      kvKeys.healthProbe(),
    ].map((key) => key.slice(0, key.indexOf(':') + 1))
    expect(new Set(namespaces).size).toBe(namespaces.length)
    for (const a of namespaces) for (const b of namespaces) if (a !== b) expect(b.startsWith(a)).toBe(false)
  })

  it("keeps every TTL at or above KV's 60-second minimum", () => {
    expect(MIN_KV_TTL_SECONDS).toBe(60)
    for (const ttl of [ADMIN_SESSION_TTL_SECONDS, TEST_RESULT_TTL_SECONDS, BROKER_PENDING_TTL_SECONDS]) expect(ttl).toBeGreaterThanOrEqual(MIN_KV_TTL_SECONDS)
  })
})

describe('keys as the stores write them', () => {
  it('hashes tokens and NameIDs before they reach a key: every key has a builder shape and no raw value', async () => {
    await clearKv(env.SESSIONS)
    const now = new Date()
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
    const nameId = 'Jane.Doe@Acme.example'
    const portalToken = await createSession(
      { kv: env.SESSIONS, db: env.DB },
      {
        idpId: 'idp_acme',
        idpSlug: 'acme',
        organizationId: 'org_acme',
        subject: `acme:${nameId}`,
        nameId,
        nameIdFormat: null,
        sessionIndex: '_s1',
        email: 'jane@acme.example',
        displayName: null,
        groups: [],
        createdAt: now.getTime(),
        expiresAt: now.getTime() + 3600_000,
      },
      random,
      now,
    )
    const admin = await createAdminSession(env.SESSIONS, 'sso:jane', random, now)
    await putTestResult(env.SESSIONS, REQUEST_ID, { ok: false, idpId: 'idp_acme', code: 'SAML_EXPIRED', detail: {}, hint: null })
    await putBrokerPending(env.SESSIONS, REQUEST_ID, { appId: 'app_1', requestId: null, relayState: null })

    const names = (await listAllKeys(env.SESSIONS)).map((k) => k.name).sort()
    expect(names).toEqual(
      [
        kvKeys.session(await sha256Hex(portalToken)),
        kvKeys.adminSession(await sha256Hex(admin.token)),
        kvKeys.testResult(REQUEST_ID),
        kvKeys.brokerPending(REQUEST_ID),
      ].sort(),
    )
    for (const name of names) {
      expect(name).not.toContain(portalToken)
      expect(name).not.toContain(admin.token)
      expect(name.toLowerCase()).not.toContain('jane')
    }
  })
})
