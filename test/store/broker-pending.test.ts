// workerd: a helpdesk's request parked in real KV while the customer signs in (or logs out)
// upstream: round trip, taken once (atomically, through D1), ten-minute lifetime, and keys not of
// the gateway's shape never read.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { getBrokerPending, putBrokerPending, takeBrokerPending, type BrokerPending } from '../../src/store/broker-pending'
import { kvKeys } from '../../src/store/kv-keys'
import { clearKv, listAllKeys, otherLocationKv, recordingKv } from '../helpers/storage'

const KEY = `_${'0123456789abcdef'.repeat(2)}01234567`
const PENDING: BrokerPending = { appId: 'app_jsm', requestId: '_jsm-authn-1', relayState: 'https://jsm.example/servicedesk' }

const stores = { kv: env.SESSIONS, db: env.DB }

beforeEach(async () => {
  await clearKv(env.SESSIONS)
})

describe('broker pending requests', () => {
  it('reads back what was parked under a key', async () => {
    expect(KEY).toMatch(/^_[0-9a-f]{40}$/)
    await putBrokerPending(env.SESSIONS, KEY, PENDING)
    expect(await getBrokerPending(env.SESSIONS, KEY)).toEqual(PENDING)
  })

  it('keeps an IdP-initiated launch (no request ID, no RelayState) as such', async () => {
    const launch: BrokerPending = { appId: 'app_jsm', requestId: null, relayState: null }
    await putBrokerPending(env.SESSIONS, KEY, launch)
    expect(await getBrokerPending(env.SESSIONS, KEY)).toEqual(launch)
  })

  it('returns null for a key never parked, and after the pending request was taken', async () => {
    const other = `_${'f'.repeat(40)}`
    await putBrokerPending(env.SESSIONS, KEY, PENDING)
    expect(await getBrokerPending(env.SESSIONS, other)).toBeNull()
    expect(await takeBrokerPending(stores, other, new Date())).toBeNull()
    expect(await takeBrokerPending(stores, KEY, new Date())).toEqual(PENDING)
    expect(await getBrokerPending(env.SESSIONS, KEY)).toBeNull()
    expect(await listAllKeys(env.SESSIONS)).toEqual([])
  })

  // Review of issue 11: a KV get-then-delete let racing requests (two tabs, two locations) both
  // answer the helpdesk's request.
  it('gives a parked request to exactly one of 10 racing takers, even while KV still serves it', async () => {
    const key = `_${'a'.repeat(40)}`
    await putBrokerPending(env.SESSIONS, key, PENDING)
    const stale = { ...stores, kv: otherLocationKv(env.SESSIONS) }
    expect(await getBrokerPending(stale.kv, key)).toEqual(PENDING) // cached there
    const taken = await Promise.all(Array.from({ length: 10 }, (_, i) => takeBrokerPending(i % 2 ? stale : stores, key, new Date())))
    expect(taken.filter((t) => t !== null)).toEqual([PENDING])
    expect(await takeBrokerPending(stale, key, new Date())).toBeNull()
  })

  it('parks it for ten minutes', async () => {
    const now = Date.now() / 1000
    await putBrokerPending(env.SESSIONS, KEY, PENDING)
    const [key] = await listAllKeys(env.SESSIONS)
    expect(key!.name).toBe(`broker-pending:${KEY}`)
    expect(key!.expiration! - now).toBeGreaterThan(600 - 5)
    expect(key!.expiration! - now).toBeLessThan(600 + 5)
  })

  it.each([
    ['upper-case hex', `_${'0123456789ABCDEF'.repeat(2)}01234567`],
    ['no leading underscore', `${'0'.repeat(40)}`],
    ['39 hex characters', `_${'0'.repeat(39)}`],
    ['41 hex characters', `_${'0'.repeat(41)}`],
    ['another namespace', `_${'0'.repeat(40)}:x`],
    ['empty', ''],
  ])('never reads or deletes a key with %s, even when something is stored under it', async (_, key) => {
    await env.SESSIONS.put(kvKeys.brokerPending(key), JSON.stringify(PENDING))
    const { kv, reads } = recordingKv(env.SESSIONS)
    expect(await getBrokerPending(kv, key)).toBeNull()
    expect(await takeBrokerPending({ kv, db: env.DB }, key, new Date())).toBeNull()
    expect(reads).toEqual([])
    expect(await env.SESSIONS.get(kvKeys.brokerPending(key))).not.toBeNull()
  })
})
