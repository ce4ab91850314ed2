// Per-client rate limits in real Durable Objects inside workerd (store/rate-limits.ts): a fixed
// window per (limit, client), atomic under parallel takes, refunds, and wiped after its window.
import { env, runDurableObjectAlarm } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { peekRateLimit, refundRateLimit, takeRateLimit, type RateLimit } from '../../src/store/rate-limits'

let n = 0
/** A limit of its own per test (its counters are Durable Objects no other test touches). */
const fresh = (limit = 3, windowSeconds = 60): RateLimit => ({ name: `test-${++n}`, limit, windowSeconds })
// A day ahead of the real clock: the window's alarm is real, and one already past would fire at once
// and wipe the counter mid-test (a fixed date here broke once that date came).
const T0 = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 86_400_000)
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000)

describe('takeRateLimit', () => {
  it('allows `limit` takes in a window, refuses the next ones and counts them too', async () => {
    const limit = fresh(3)
    const takes = []
    for (let i = 0; i < 5; i++) takes.push(await takeRateLimit(env.RATE_LIMITER, limit, '203.0.113.7', at(i)))
    expect(takes.map((t) => [t.allowed, t.count])).toEqual([
      [true, 1],
      [true, 2],
      [true, 3],
      [false, 4],
      [false, 5],
    ])
    expect(new Set(takes.map((t) => t.resetAt))).toEqual(new Set([at(60).getTime()]))
  })

  it('starts a new window once the last one is over', async () => {
    const limit = fresh(1, 60)
    expect((await takeRateLimit(env.RATE_LIMITER, limit, 'ip', at(0))).allowed).toBe(true)
    expect((await takeRateLimit(env.RATE_LIMITER, limit, 'ip', at(59))).allowed).toBe(false)
    expect(await takeRateLimit(env.RATE_LIMITER, limit, 'ip', at(60))).toEqual({ allowed: true, count: 1, resetAt: at(120).getTime() })
  })

  it('counts each client, and each limit, on its own', async () => {
    const a = fresh(1)
    const b = fresh(1)
    await takeRateLimit(env.RATE_LIMITER, a, '203.0.113.7', T0)
    expect((await takeRateLimit(env.RATE_LIMITER, a, '2001:db8::1', T0)).allowed).toBe(true)
    expect((await takeRateLimit(env.RATE_LIMITER, b, '203.0.113.7', T0)).allowed).toBe(true)
    expect((await takeRateLimit(env.RATE_LIMITER, a, '203.0.113.7', T0)).allowed).toBe(false)
  })

  // Issue 11 item 9: the KV counter was a read-modify-write; parallel takes all read the same count.
  it('lets exactly `limit` of 25 parallel takes through', async () => {
    const limit = fresh(5)
    const takes = await Promise.all(Array.from({ length: 25 }, () => takeRateLimit(env.RATE_LIMITER, limit, '203.0.113.9', T0)))
    expect(takes.filter((t) => t.allowed)).toHaveLength(5)
    expect(takes.map((t) => t.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
  })
})

describe('refundRateLimit and peekRateLimit', () => {
  it('gives a take back, never below zero, and peeks without counting', async () => {
    const limit = fresh(2)
    await takeRateLimit(env.RATE_LIMITER, limit, 'ip', T0)
    await takeRateLimit(env.RATE_LIMITER, limit, 'ip', T0)
    expect(await peekRateLimit(env.RATE_LIMITER, limit, 'ip', T0)).toBe(2)
    await refundRateLimit(env.RATE_LIMITER, limit, 'ip', T0)
    expect(await peekRateLimit(env.RATE_LIMITER, limit, 'ip', T0)).toBe(1)
    expect((await takeRateLimit(env.RATE_LIMITER, limit, 'ip', T0)).allowed).toBe(true)
    await refundRateLimit(env.RATE_LIMITER, limit, 'other', T0)
    expect(await peekRateLimit(env.RATE_LIMITER, limit, 'other', T0)).toBe(0)
  })
})

describe('storage', () => {
  it('is wiped by the alarm at the end of the window', async () => {
    const limit = fresh(2)
    await takeRateLimit(env.RATE_LIMITER, limit, 'ip', new Date())
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`${limit.name}:ip`))
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await peekRateLimit(env.RATE_LIMITER, limit, 'ip', new Date())).toBe(0)
  })
})
