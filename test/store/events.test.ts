// The webhook outbox (store/events.ts): a dedupe key admits one event, an attempt is claimed by
// one caller only and counted, due events come longest-waiting first and bounded, only a failed
// event goes back to the queue, and old events are pruned whatever their status.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  claimAttempt,
  getEvent,
  hasEventWithKey,
  insertEvent,
  listDueEvents,
  listEvents,
  pruneEvents,
  recordAttempt,
  requeueFailedEvent,
} from '../../src/store/events'
import { clearOutbox } from '../helpers/webhooks'

const T0 = new Date('2031-04-01T10:00:00Z')
const DAY_MS = 86_400_000
const at = (ms: number) => new Date(T0.getTime() + ms)
const event = (id: string, createdAt = T0, dedupeKey: string | null = null) => ({ id, type: 'webhook.test', body: `{"id":"${id}"}`, dedupeKey, createdAt })

beforeEach(clearOutbox)

describe('insertEvent', () => {
  it('queues an event due at once, and refuses a second one with the same dedupe key', async () => {
    expect(await insertEvent(env.DB, event('evt_a', T0, 'k1'))).toBe(true)
    expect(await insertEvent(env.DB, event('evt_b', T0, 'k1'))).toBe(false)
    expect(await insertEvent(env.DB, event('evt_c', T0, null))).toBe(true)
    expect(await insertEvent(env.DB, event('evt_d', T0, null))).toBe(true)
    expect(await hasEventWithKey(env.DB, 'k1')).toBe(true)
    expect(await hasEventWithKey(env.DB, 'k2')).toBe(false)
    expect(await getEvent(env.DB, 'evt_a')).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: T0 })
    expect(await getEvent(env.DB, 'evt_b')).toBeNull()
  })
})

describe('claimAttempt', () => {
  it('gives an attempt to one caller only, counts it and holds the event for the lease', async () => {
    await insertEvent(env.DB, event('evt_a'))
    const claims = await Promise.all([1, 2, 3].map(() => claimAttempt(env.DB, 'evt_a', T0, at(60_000))))
    expect(claims.filter(Boolean)).toHaveLength(1)
    expect(await getEvent(env.DB, 'evt_a')).toMatchObject({ attempts: 1, nextAttemptAt: at(60_000), lastAttemptAt: T0 })
    // Not due while the lease runs; due again after it (the attempt died).
    expect(await claimAttempt(env.DB, 'evt_a', at(30_000), at(90_000))).toBeNull()
    expect(await claimAttempt(env.DB, 'evt_a', at(60_000), at(120_000))).toMatchObject({ attempts: 2 })
  })

  it('never claims an event that is delivered or failed', async () => {
    await insertEvent(env.DB, event('evt_a'))
    await insertEvent(env.DB, event('evt_b'))
    await recordAttempt(env.DB, 'evt_a', { status: 'delivered', httpStatus: 204, at: T0 })
    await recordAttempt(env.DB, 'evt_b', { status: 'failed', httpStatus: 500, error: 'WEBHOOK_HTTP_ERROR' })
    expect(await claimAttempt(env.DB, 'evt_a', at(DAY_MS), at(DAY_MS + 1))).toBeNull()
    expect(await claimAttempt(env.DB, 'evt_b', at(DAY_MS), at(DAY_MS + 1))).toBeNull()
  })
})

describe('recordAttempt', () => {
  it('keeps the outcome: delivered clears the error, pending sets the next attempt, failed stops', async () => {
    for (const id of ['evt_a', 'evt_b', 'evt_c']) await insertEvent(env.DB, event(id))
    await recordAttempt(env.DB, 'evt_a', { status: 'delivered', httpStatus: 200, at: at(1000) })
    await recordAttempt(env.DB, 'evt_b', { status: 'pending', httpStatus: null, error: 'WEBHOOK_TIMEOUT', nextAttemptAt: at(60_000) })
    await recordAttempt(env.DB, 'evt_c', { status: 'failed', httpStatus: 302, error: 'WEBHOOK_REDIRECT' })
    expect(await getEvent(env.DB, 'evt_a')).toMatchObject({
      status: 'delivered',
      lastHttpStatus: 200,
      lastError: null,
      nextAttemptAt: null,
      deliveredAt: at(1000),
    })
    expect(await getEvent(env.DB, 'evt_b')).toMatchObject({ status: 'pending', lastHttpStatus: null, lastError: 'WEBHOOK_TIMEOUT', nextAttemptAt: at(60_000) })
    expect(await getEvent(env.DB, 'evt_c')).toMatchObject({ status: 'failed', lastHttpStatus: 302, lastError: 'WEBHOOK_REDIRECT', nextAttemptAt: null })
  })
})

describe('listDueEvents', () => {
  it('lists pending events due now, the longest-waiting first, at most the limit', async () => {
    await insertEvent(env.DB, event('evt_late', at(2000)))
    await insertEvent(env.DB, event('evt_early', at(1000)))
    await insertEvent(env.DB, event('evt_future', at(60_000)))
    await insertEvent(env.DB, event('evt_done', T0))
    await recordAttempt(env.DB, 'evt_done', { status: 'delivered', httpStatus: 200, at: T0 })
    expect(await listDueEvents(env.DB, at(5000), 10)).toEqual(['evt_early', 'evt_late'])
    expect(await listDueEvents(env.DB, at(5000), 1)).toEqual(['evt_early'])
  })
})

describe('listEvents', () => {
  it('lists the newest first, at most the limit', async () => {
    for (let i = 0; i < 5; i++) await insertEvent(env.DB, event(`evt_${i}`, at(i * 1000)))
    expect((await listEvents(env.DB, 3)).map((e) => e.id)).toEqual(['evt_4', 'evt_3', 'evt_2'])
  })
})

describe('requeueFailedEvent', () => {
  it('puts a failed event back with a fresh schedule, and nothing else', async () => {
    await insertEvent(env.DB, event('evt_failed'))
    await insertEvent(env.DB, event('evt_pending'))
    await claimAttempt(env.DB, 'evt_failed', T0, at(1))
    await recordAttempt(env.DB, 'evt_failed', { status: 'failed', httpStatus: 500, error: 'WEBHOOK_HTTP_ERROR' })
    expect(await requeueFailedEvent(env.DB, 'evt_failed', at(DAY_MS))).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: at(DAY_MS) })
    expect(await requeueFailedEvent(env.DB, 'evt_pending', at(DAY_MS))).toBeNull()
    expect(await requeueFailedEvent(env.DB, 'evt_unknown', at(DAY_MS))).toBeNull()
  })
})

describe('pruneEvents', () => {
  it('deletes events created before the cutoff, whatever their status', async () => {
    await insertEvent(env.DB, event('evt_old_pending', at(-31 * DAY_MS)))
    await insertEvent(env.DB, event('evt_old_failed', at(-31 * DAY_MS)))
    await recordAttempt(env.DB, 'evt_old_failed', { status: 'failed', httpStatus: 500, error: 'WEBHOOK_HTTP_ERROR' })
    await insertEvent(env.DB, event('evt_recent', at(-29 * DAY_MS)))
    expect(await pruneEvents(env.DB, at(-30 * DAY_MS))).toBe(2)
    expect((await listEvents(env.DB, 10)).map((e) => e.id)).toEqual(['evt_recent'])
  })
})
