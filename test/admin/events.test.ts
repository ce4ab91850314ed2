// The delivery log's service (admin/events.ts): the latest events as the console shows them
// (bounded), a test event sent at once, "retry now" only for a failed event (a fresh schedule),
// both refused with ADMIN_WEBHOOK_NOT_CONFIGURED while webhooks are off, and both audited.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { EVENT_LOG_LIMIT, listEventViews, retryEvent, sendTestEvent, webhookState } from '../../src/admin/events'
import { deliverEvent, MAX_ATTEMPTS } from '../../src/events/deliver'
import { queueEvent } from '../../src/events/emit'
import { putSettings } from '../../src/store/settings'
import { lastAuditRow, testContext } from '../helpers/context'
import { clearOutbox, configureWebhook, outbox, WEBHOOK_SECRET, WEBHOOK_URL, webhookReceiver } from '../helpers/webhooks'

const T0 = new Date('2031-09-01T10:00:00Z')
const at = (ms: number) => new Date(T0.getTime() + ms)
const ctx = (now = T0) => testContext({ actor: 'admin-token', clock: () => now })

/** An event that used up every attempt against a failing receiver. */
async function failedEvent(): Promise<string> {
  const receiver = webhookReceiver()
  receiver.respond = () => new Response('no', { status: 500 })
  const id = (await queueEvent(ctx(), 'idp.disabled', { idpId: 'idp_x' }))!
  let now = T0
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    await deliverEvent(ctx(now), id)
    now = at(2 * 86_400_000 * (i + 1))
  }
  vi.restoreAllMocks()
  return id
}

beforeEach(async () => {
  await clearOutbox()
  await configureWebhook(true)
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('listEventViews', () => {
  it('shows each event with its status, attempts, last result and next attempt, newest first', async () => {
    const receiver = webhookReceiver()
    receiver.respond = () => new Response('busy', { status: 503 })
    const first = (await queueEvent(ctx(at(0)), 'idp.enabled', { idpId: 'idp_x' }))!
    await deliverEvent(ctx(at(0)), first)
    const second = (await queueEvent(ctx(at(1000)), 'webhook.test', { message: 'hi' }))!
    const views = await listEventViews(ctx())
    expect(views.map((v) => v.id)).toEqual([second, first])
    expect(views[1]).toEqual({
      id: first,
      type: 'idp.enabled',
      status: 'pending',
      attempts: 1,
      maxAttempts: 6,
      createdAt: T0.toISOString(),
      lastAttemptAt: T0.toISOString(),
      lastHttpStatus: 503,
      lastError: 'WEBHOOK_HTTP_ERROR',
      nextAttemptAt: at(60_000).toISOString(),
      deliveredAt: null,
      data: { idpId: 'idp_x' },
    })
    expect(views[0]).toMatchObject({ status: 'pending', attempts: 0, lastHttpStatus: null, lastError: null, data: { message: 'hi' } })
  })

  it(`lists at most the latest ${EVENT_LOG_LIMIT}`, async () => {
    for (let i = 0; i < EVENT_LOG_LIMIT + 5; i++) await queueEvent(ctx(at(i)), 'webhook.test', { i })
    const views = await listEventViews(ctx())
    expect(views).toHaveLength(EVENT_LOG_LIMIT)
    expect(views[0]!.data).toEqual({ i: EVENT_LOG_LIMIT + 4 })
  })
})

describe('webhookState', () => {
  it('says where events go and whether a secret is set, never the secret', async () => {
    const state = await webhookState(ctx())
    expect(state).toEqual({ url: WEBHOOK_URL, hasSecret: true })
    expect(JSON.stringify(state)).not.toContain(WEBHOOK_SECRET)
  })
})

describe('sendTestEvent', () => {
  it('sends a webhook.test event now and audits it', async () => {
    const receiver = webhookReceiver()
    const { eventId, delivery } = await sendTestEvent(ctx(), 'console')
    expect(delivery).toMatchObject({ status: 'delivered', httpStatus: 200 })
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ id: eventId, type: 'webhook.test' })
    expect(await lastAuditRow('event.test')).toMatchObject({
      actor: 'admin-token',
      outcome: 'success',
      detail: { eventId, delivery: 'delivered', via: 'console' },
    })
  })

  it('is refused while webhooks are off, or without a secret', async () => {
    await configureWebhook(false)
    await expect(sendTestEvent(ctx(), 'console')).rejects.toMatchObject({ code: 'ADMIN_WEBHOOK_NOT_CONFIGURED' })
    await putSettings(env.DB, { webhookUrl: WEBHOOK_URL }, T0)
    await expect(sendTestEvent(ctx(), 'console')).rejects.toMatchObject({ code: 'ADMIN_WEBHOOK_NOT_CONFIGURED' })
    expect(await outbox()).toEqual([])
  })
})

describe('retryEvent', () => {
  it('puts a failed event back with a fresh schedule and makes its first attempt now', async () => {
    const id = await failedEvent()
    expect((await outbox())[0]).toMatchObject({ status: 'failed', attempts: 6 })
    const receiver = webhookReceiver()
    const later = at(30 * 86_400_000)
    expect(await retryEvent(ctx(later), id, 'console')).toMatchObject({ eventId: id, delivery: { status: 'delivered', attempts: 1 } })
    expect(receiver.requests).toHaveLength(1)
    expect((await outbox())[0]).toMatchObject({ status: 'delivered', attempts: 1 })
    expect(await lastAuditRow('event.retry')).toMatchObject({ outcome: 'success', detail: { eventId: id, delivery: 'delivered', via: 'console' } })
  })

  it('keeps a retried event on the schedule when the receiver still fails', async () => {
    const id = await failedEvent()
    const receiver = webhookReceiver()
    receiver.respond = () => new Response('still down', { status: 500 })
    const later = at(30 * 86_400_000)
    await retryEvent(ctx(later), id, 'console')
    expect((await outbox())[0]).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: later.getTime() + 60_000 })
  })

  it('refuses an unknown event, and one that has not failed', async () => {
    await expect(retryEvent(ctx(), 'evt_000000000000000000000000', 'console')).rejects.toMatchObject({ code: 'ADMIN_EVENT_NOT_FOUND' })
    const pending = (await queueEvent(ctx(), 'webhook.test', {}))!
    await expect(retryEvent(ctx(), pending, 'console')).rejects.toMatchObject({ code: 'ADMIN_CONFLICT', detail: { status: 'pending' } })
  })

  it('is refused while webhooks are off', async () => {
    const id = await failedEvent()
    await configureWebhook(false)
    await expect(retryEvent(ctx(), id, 'console')).rejects.toMatchObject({ code: 'ADMIN_WEBHOOK_NOT_CONFIGURED' })
    expect((await outbox())[0]).toMatchObject({ status: 'failed' })
  })
})
