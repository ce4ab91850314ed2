// Webhook delivery (events/deliver.ts) against a receiver behind the fetch spy: a signed POST a
// receiver can verify, bounded (timeout signal, redirects not followed); a 2xx delivers; a 500,
// a timeout, a redirect or an unreachable host leaves the event pending for the next attempt on
// the schedule (1 min, 5 min, 30 min, 2 h, 12 h), then failed; one attempt per claim; nothing is
// sent while the URL is empty or unsigned when the secret is missing.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deliverDueEvents, deliverEvent, MAX_ATTEMPTS, MAX_DELIVERIES_PER_RUN, RETRY_DELAYS_MS, WEBHOOK_TIMEOUT_MS } from '../../src/events/deliver'
import { queueEvent } from '../../src/events/emit'
import { putSettings } from '../../src/store/settings'
import { testContext } from '../helpers/context'
import { clearOutbox, configureWebhook, expectedSignature, outbox, WEBHOOK_SECRET, WEBHOOK_URL, webhookReceiver } from '../helpers/webhooks'
import { vi } from 'vitest'

const T0 = new Date('2031-05-01T12:00:00Z')
const ctxAt = (now: Date) => testContext({ clock: () => now, actor: 'cron', ip: null })

async function queued(now = T0): Promise<string> {
  return (await queueEvent(ctxAt(now), 'webhook.test', { message: 'hello' }))!
}

async function row(id: string) {
  return (await outbox()).find((r) => r.id === id)!
}

beforeEach(async () => {
  await clearOutbox()
  await configureWebhook(true)
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('deliverEvent', () => {
  it('POSTs the stored body with Webhook-Id, Webhook-Timestamp and a signature the receiver can check', async () => {
    const receiver = webhookReceiver()
    const id = await queued()
    expect(await deliverEvent(ctxAt(T0), id)).toMatchObject({ id, status: 'delivered', attempts: 1, httpStatus: 200, error: null })
    const [req] = receiver.requests
    expect(req).toMatchObject({ url: WEBHOOK_URL, method: 'POST', redirect: 'manual' })
    expect(req!.signal).toBeInstanceOf(AbortSignal)
    expect(req!.headers.get('content-type')).toBe('application/json')
    expect(req!.headers.get('webhook-id')).toBe(id)
    expect(req!.headers.get('webhook-timestamp')).toBe(String(T0.getTime() / 1000))
    expect(req!.headers.get('webhook-signature')).toBe(await expectedSignature(WEBHOOK_SECRET, String(T0.getTime() / 1000), req!.body))
    expect(JSON.parse(req!.body)).toEqual({ id, type: 'webhook.test', createdAt: T0.toISOString(), data: { message: 'hello' } })
    expect(req!.body).toBe((await row(id)).body)
    // The signing secret itself travels nowhere.
    expect(JSON.stringify([...req!.headers]) + req!.body).not.toContain(WEBHOOK_SECRET)
    expect(await row(id)).toMatchObject({ status: 'delivered', attempts: 1, last_http_status: 200, last_error: null, next_attempt_at: null })
  })

  it('gives a signature that another secret does not reproduce (a forged delivery shows)', async () => {
    const receiver = webhookReceiver()
    await deliverEvent(ctxAt(T0), await queued())
    const req = receiver.requests[0]!
    expect(req.headers.get('webhook-signature')).not.toBe(
      await expectedSignature('whsec_some-other-secret-000000', req.headers.get('webhook-timestamp')!, req.body),
    )
  })

  it.each([
    ['a 500', () => new Response('boom', { status: 500 }), 500, 'WEBHOOK_HTTP_ERROR'],
    ['a 404', () => new Response('no', { status: 404 }), 404, 'WEBHOOK_HTTP_ERROR'],
    ['a redirect (never followed)', () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } }), 302, 'WEBHOOK_REDIRECT'],
    [
      'a timeout',
      () => {
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError')
      },
      null,
      'WEBHOOK_TIMEOUT',
    ],
    [
      'an unreachable host',
      () => {
        throw new TypeError('Network connection lost.')
      },
      null,
      'WEBHOOK_UNREACHABLE',
    ],
  ])('leaves the event pending after %s, due again in 1 minute', async (_name, respond, httpStatus, error) => {
    const receiver = webhookReceiver()
    receiver.respond = respond
    const id = await queued()
    expect(await deliverEvent(ctxAt(T0), id)).toMatchObject({ status: 'pending', attempts: 1, httpStatus, error })
    expect(await row(id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_http_status: httpStatus,
      last_error: error,
      next_attempt_at: T0.getTime() + 60_000,
    })
    // Only the one request: a redirect's Location is never fetched.
    expect(receiver.requests).toHaveLength(1)
  })

  it('retries on the schedule and gives up after the last attempt', async () => {
    const receiver = webhookReceiver()
    receiver.respond = () => new Response('down', { status: 503 })
    const id = await queued()
    let now = T0
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      // Not due a millisecond early.
      if (attempt > 1) expect(await deliverEvent(ctxAt(new Date(now.getTime() - 1)), id)).toBeNull()
      const result = await deliverEvent(ctxAt(now), id)
      expect(result).toMatchObject({ attempts: attempt, status: attempt < MAX_ATTEMPTS ? 'pending' : 'failed' })
      if (attempt < MAX_ATTEMPTS) {
        const next = now.getTime() + RETRY_DELAYS_MS[attempt - 1]!
        expect((await row(id)).next_attempt_at).toBe(next)
        now = new Date(next)
      }
    }
    expect(RETRY_DELAYS_MS).toEqual([60_000, 300_000, 1_800_000, 7_200_000, 43_200_000])
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 6, last_http_status: 503, last_error: 'WEBHOOK_HTTP_ERROR', next_attempt_at: null })
    expect(receiver.requests).toHaveLength(6)
    // Given up: no further attempt, however late.
    expect(await deliverEvent(ctxAt(new Date(now.getTime() + 86_400_000)), id)).toBeNull()
  })

  it('makes one attempt when the request and the cron both try at once', async () => {
    const receiver = webhookReceiver()
    const id = await queued()
    const results = await Promise.all([deliverEvent(ctxAt(T0), id), deliverEvent(ctxAt(T0), id), deliverEvent(ctxAt(T0), id)])
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(receiver.requests).toHaveLength(1)
  })

  it('aborts a receiver that never answers at the timeout', async () => {
    expect(WEBHOOK_TIMEOUT_MS).toBe(5000)
    const receiver = webhookReceiver()
    // A receiver that hangs until the gateway's signal gives up (the real AbortSignal.timeout).
    receiver.respond = (req) => new Promise((_resolve, reject) => req.signal!.addEventListener('abort', () => reject(req.signal!.reason), { once: true }))
    const id = await queued()
    const started = Date.now()
    expect(await deliverEvent(ctxAt(T0), id)).toMatchObject({ status: 'pending', error: 'WEBHOOK_TIMEOUT' })
    expect(Date.now() - started).toBeLessThan(WEBHOOK_TIMEOUT_MS + 3000)
  }, 15_000)

  it('sends nothing unsigned: without a secret the attempt fails as WEBHOOK_SECRET_MISSING', async () => {
    const receiver = webhookReceiver()
    const id = await queued()
    await env.DB.prepare("DELETE FROM settings WHERE key = 'webhookSecretSealed'").run()
    expect(await deliverEvent(ctxAt(T0), id)).toMatchObject({ status: 'pending', error: 'WEBHOOK_SECRET_MISSING' })
    expect(receiver.requests).toHaveLength(0)
  })

  it('sends nothing while the URL is empty: queued events wait', async () => {
    const receiver = webhookReceiver()
    const id = await queued()
    await putSettings(env.DB, { webhookUrl: null }, T0)
    expect(await deliverEvent(ctxAt(T0), id)).toBeNull()
    expect(await deliverDueEvents(ctxAt(T0))).toEqual({ attempted: 0, delivered: 0, retrying: 0, failed: 0 })
    expect(receiver.requests).toHaveLength(0)
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 0 })
  })
})

describe('deliverDueEvents', () => {
  it('attempts the due events only, at most the limit, and reports what happened', async () => {
    const receiver = webhookReceiver()
    receiver.respond = (req) => (JSON.parse(req.body).data.n % 2 ? new Response(null, { status: 204 }) : new Response('no', { status: 500 }))
    for (let n = 0; n < 4; n++) await queueEvent(ctxAt(new Date(T0.getTime() + n)), 'webhook.test', { n })
    const later = (await queueEvent(ctxAt(new Date(T0.getTime() + 3_600_000)), 'webhook.test', { n: 99 }))!
    expect(await deliverDueEvents(ctxAt(new Date(T0.getTime() + 10)), 3)).toEqual({ attempted: 3, delivered: 1, retrying: 2, failed: 0 })
    expect(await deliverDueEvents(ctxAt(new Date(T0.getTime() + 10)))).toEqual({ attempted: 1, delivered: 1, retrying: 0, failed: 0 })
    expect((await row(later)).attempts).toBe(0)
    expect(receiver.requests.map((r) => JSON.parse(r.body).data.n)).toEqual([0, 1, 2, 3])
    expect(MAX_DELIVERIES_PER_RUN).toBe(50)
  })
})
