// Emitting events (events/emit.ts): nothing is written while webhooks are off; an event goes into
// the outbox with the documented body and is delivered in waitUntil (or left to the cron without
// it); a dedupe key admits one event; a storage failure never fails the change that emitted it.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { emitEvent, emitSetupCompleted, EVENT_TYPES, queueEvent } from '../../src/events/emit'
import { testContext } from '../helpers/context'
import { faultyD1 } from '../helpers/storage'
import { clearOutbox, configureWebhook, outbox, webhookReceiver } from '../helpers/webhooks'

const T0 = new Date('2031-06-01T08:00:00Z')
const IDP = { id: 'idp_x', name: 'Acme Okta', slug: 'acme-okta', organizationId: 'org_x', enabled: false }

/** A context whose waitUntil collects the background work, so the test can await it. */
function backgroundContext() {
  const pending: Promise<unknown>[] = []
  const ctx = testContext({ clock: () => T0, waitUntil: (p) => pending.push(p) })
  return { ctx, settled: () => Promise.all(pending) }
}

beforeEach(async () => {
  await clearOutbox()
  await configureWebhook(true)
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('queueEvent', () => {
  it('writes nothing while no webhook URL is set', async () => {
    await configureWebhook(false)
    const receiver = webhookReceiver()
    const { ctx, settled } = backgroundContext()
    expect(await queueEvent(ctx, 'webhook.test', {})).toBeNull()
    expect(await emitEvent(ctx, 'idp.enabled', { idpId: 'idp_x' })).toBeNull()
    await settled()
    expect(await outbox()).toEqual([])
    expect(receiver.requests).toEqual([])
  })

  it('stores the body as documented: id evt_…, type, createdAt and data', async () => {
    const id = await queueEvent(testContext({ clock: () => T0 }), 'idp.disabled', { idpId: 'idp_x', via: 'api' })
    expect(id).toMatch(/^evt_[0-9a-f]{24}$/)
    const [row] = await outbox()
    expect(row).toMatchObject({ id, type: 'idp.disabled', status: 'pending', attempts: 0, next_attempt_at: T0.getTime(), dedupe_key: null })
    expect(JSON.parse(row!.body)).toEqual({ id, type: 'idp.disabled', createdAt: T0.toISOString(), data: { idpId: 'idp_x', via: 'api' } })
  })

  it('admits one event per dedupe key', async () => {
    const ctx = testContext({ clock: () => T0 })
    expect(await queueEvent(ctx, 'idp.failure_spike', {}, { dedupeKey: 'spike:idp_x:1' })).not.toBeNull()
    expect(await queueEvent(ctx, 'idp.failure_spike', {}, { dedupeKey: 'spike:idp_x:1' })).toBeNull()
    expect(await outbox()).toHaveLength(1)
  })

  it('names every event type the docs list', () => {
    expect(EVENT_TYPES).toEqual([
      'idp.certificate_expiring',
      'idp.metadata_refresh_failed',
      'idp.failure_spike',
      'setup_link.completed',
      'idp.enabled',
      'idp.disabled',
      'webhook.test',
    ])
  })
})

describe('emitEvent', () => {
  it('delivers in waitUntil: the caller does not wait for the receiver', async () => {
    const receiver = webhookReceiver()
    let answer!: (res: Response) => void
    receiver.respond = () => new Promise<Response>((resolve) => (answer = resolve))
    const { ctx, settled } = backgroundContext()
    const id = await emitEvent(ctx, 'idp.enabled', { idpId: 'idp_x' })
    // emitEvent returned while the receiver still holds the request.
    await vi.waitFor(() => expect(receiver.requests).toHaveLength(1))
    expect((await outbox())[0]).toMatchObject({ id, status: 'pending', attempts: 1 })
    answer(new Response('ok'))
    await settled()
    expect((await outbox())[0]).toMatchObject({ id, status: 'delivered' })
  })

  it('leaves the delivery to the cron when there is no waitUntil', async () => {
    const receiver = webhookReceiver()
    const id = await emitEvent(testContext({ clock: () => T0 }), 'idp.enabled', { idpId: 'idp_x' })
    expect(receiver.requests).toEqual([])
    expect(await outbox()).toMatchObject([{ id, status: 'pending', attempts: 0 }])
  })

  it('never throws when the outbox cannot be written: the change that emitted stands', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const ctx = testContext({ db: faultyD1(env.DB, { fails: /webhook_events/ }) })
    expect(await emitEvent(ctx, 'idp.enabled', { idpId: 'idp_x' })).toBeNull()
    expect(error).toHaveBeenCalledWith(expect.stringContaining('event not queued'))
  })
})

describe('emitSetupCompleted', () => {
  it('announces the completed link and, when the IdP was off, that it is enabled now', async () => {
    await emitSetupCompleted(testContext({ clock: () => T0 }), { id: 'sl_1', organizationName: 'Acme' }, IDP, 'setup')
    const data = (await outbox()).map((r) => [r.type, JSON.parse(r.body).data])
    expect(data).toEqual(
      expect.arrayContaining([
        [
          'setup_link.completed',
          { setupLinkId: 'sl_1', organizationName: 'Acme', idpId: 'idp_x', idpName: 'Acme Okta', idpSlug: 'acme-okta', organizationId: 'org_x', via: 'setup' },
        ],
        ['idp.enabled', { idpId: 'idp_x', idpName: 'Acme Okta', idpSlug: 'acme-okta', organizationId: 'org_x', via: 'setup' }],
      ]),
    )
    expect(data).toHaveLength(2)
  })

  it('sends no idp.enabled for an IdP that was already on', async () => {
    await emitSetupCompleted(testContext({ clock: () => T0 }), { id: 'sl_2', organizationName: 'Acme' }, { ...IDP, enabled: true }, 'console')
    expect((await outbox()).map((r) => r.type)).toEqual(['setup_link.completed'])
  })
})
