// workerd: replay protection in real D1: each (issuer, ID) is consumed once, even by racing
// requests; pruning removes only rows whose assertion has expired.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { AUTHN_REQUEST_ISSUER, consumeOnce, pruneConsumed } from '../../src/store/replay'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const IDP = 'https://idp.acme.test/saml'
const in5min = new Date(T0.getTime() + 5 * 60_000)

async function rows(): Promise<{ issuer: string; assertion_id: string; expires_at: number; consumed_at: number }[]> {
  return (
    await env.DB.prepare('SELECT * FROM consumed_assertions ORDER BY issuer, assertion_id').all<{
      issuer: string
      assertion_id: string
      expires_at: number
      consumed_at: number
    }>()
  ).results
}

beforeEach(async () => {
  await env.DB.exec('DELETE FROM consumed_assertions')
})

describe('consumeOnce', () => {
  it('accepts an assertion once and refuses a second consume of the same assertion', async () => {
    expect(await consumeOnce(env.DB, IDP, '_assertion-1', in5min, T0)).toBe(true)
    expect(await consumeOnce(env.DB, IDP, '_assertion-1', in5min, new Date(T0.getTime() + 1000))).toBe(false)
    expect(await rows()).toEqual([{ issuer: IDP, assertion_id: '_assertion-1', expires_at: in5min.getTime(), consumed_at: T0.getTime() }])
  })

  it('keeps the first record when a replay is refused', async () => {
    await consumeOnce(env.DB, IDP, '_assertion-1', in5min, T0)
    await consumeOnce(env.DB, IDP, '_assertion-1', new Date(T0.getTime() + 3600_000), new Date(T0.getTime() + 1000))
    expect((await rows()).map((r) => [r.expires_at, r.consumed_at])).toEqual([[in5min.getTime(), T0.getTime()]])
  })

  it('treats the same ID from another issuer as another assertion', async () => {
    expect(await consumeOnce(env.DB, IDP, '_assertion-1', in5min, T0)).toBe(true)
    expect(await consumeOnce(env.DB, 'https://idp.other.test/saml', '_assertion-1', in5min, T0)).toBe(true)
    expect(await consumeOnce(env.DB, IDP, '_assertion-2', in5min, T0)).toBe(true)
    expect(await rows()).toHaveLength(3)
  })

  it('keeps login-state request IDs apart from assertion IDs, each single use', async () => {
    expect(await consumeOnce(env.DB, AUTHN_REQUEST_ISSUER, '_req-1', in5min, T0)).toBe(true)
    expect(await consumeOnce(env.DB, IDP, '_req-1', in5min, T0)).toBe(true)
    expect(await consumeOnce(env.DB, AUTHN_REQUEST_ISSUER, '_req-1', in5min, T0)).toBe(false)
  })

  it('lets exactly one of several racing consumes of an assertion win', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => consumeOnce(env.DB, IDP, '_raced', in5min, T0)))
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await rows()).toHaveLength(1)
  })

  it('matches IDs exactly (case and whitespace count)', async () => {
    expect(await consumeOnce(env.DB, IDP, '_abc', in5min, T0)).toBe(true)
    expect(await consumeOnce(env.DB, IDP, '_ABC', in5min, T0)).toBe(true)
    expect(await consumeOnce(env.DB, IDP, '_abc ', in5min, T0)).toBe(true)
    expect(await consumeOnce(env.DB, IDP, '_abc', in5min, T0)).toBe(false)
  })
})

describe('pruneConsumed', () => {
  it('deletes only rows whose assertion expired before now and says how many', async () => {
    await consumeOnce(env.DB, IDP, '_expired-1', new Date(T0.getTime() - 60_000), T0)
    await consumeOnce(env.DB, IDP, '_expired-2', new Date(T0.getTime() - 1), T0)
    await consumeOnce(env.DB, IDP, '_expires-now', T0, T0)
    await consumeOnce(env.DB, IDP, '_live', in5min, T0)
    expect(await pruneConsumed(env.DB, T0)).toBe(2)
    expect((await rows()).map((r) => r.assertion_id)).toEqual(['_expires-now', '_live'])
    // Still refused until pruned.
    expect(await consumeOnce(env.DB, IDP, '_live', in5min, T0)).toBe(false)
  })

  it('deletes nothing when nothing has expired', async () => {
    await consumeOnce(env.DB, IDP, '_live', in5min, T0)
    expect(await pruneConsumed(env.DB, T0)).toBe(0)
    expect(await rows()).toHaveLength(1)
  })
})
