/**
 * The webhook delivery log, the admin's side: the latest events with their delivery state, a test
 * event, and "retry now" for an event that was given up. Test and retry are sent at once (bounded
 * by the delivery timeout) so the admin sees the answer; both are audited. Views never carry the
 * signing secret, and event bodies hold ids and names only.
 */
import { recordAudit } from '../audit/record'
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { deliverEvent, MAX_ATTEMPTS, type DeliveryResult } from '../events/deliver'
import { queueEvent } from '../events/emit'
import { getEvent, listEvents, requeueFailedEvent, type WebhookEventRow } from '../store/events'
import { getSettings, hasWebhookSecret } from '../store/settings'
import type { AdminChannel } from './idps'

/** Events the delivery log lists (the newest). */
export const EVENT_LOG_LIMIT = 100

export interface EventView {
  id: string
  type: string
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  maxAttempts: number
  createdAt: string
  lastAttemptAt: string | null
  /** The last answer's HTTP status, when there was one. */
  lastHttpStatus: number | null
  /** Why the last attempt failed (events/deliver.ts DeliveryErrorCode), null after a 2xx. */
  lastError: string | null
  nextAttemptAt: string | null
  deliveredAt: string | null
  /** The event's `data`, as sent. */
  data: Record<string, unknown>
}

export interface WebhookState {
  url: string | null
  hasSecret: boolean
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

function eventView(row: WebhookEventRow): EventView {
  let data: Record<string, unknown> = {}
  try {
    data = (JSON.parse(row.body) as { data?: Record<string, unknown> }).data ?? {}
  } catch (err) {
    // The outbox is written only by events/emit.ts; a body that does not parse is shown empty, and logged.
    console.warn(JSON.stringify({ level: 'warn', msg: 'event body unreadable', eventId: row.id, error: String(err).slice(0, 200) }))
  }
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: MAX_ATTEMPTS,
    createdAt: row.createdAt.toISOString(),
    lastAttemptAt: iso(row.lastAttemptAt),
    lastHttpStatus: row.lastHttpStatus,
    lastError: row.lastError,
    nextAttemptAt: row.status === 'pending' ? iso(row.nextAttemptAt) : null,
    deliveredAt: iso(row.deliveredAt),
    data,
  }
}

export async function webhookState(ctx: RequestContext): Promise<WebhookState> {
  const [settings, hasSecret] = await Promise.all([getSettings(ctx.db), hasWebhookSecret(ctx.db)])
  return { url: settings.webhookUrl, hasSecret }
}

/** The latest EVENT_LOG_LIMIT events, newest first. */
export async function listEventViews(ctx: RequestContext): Promise<EventView[]> {
  return (await listEvents(ctx.db, EVENT_LOG_LIMIT)).map(eventView)
}

async function requireWebhook(ctx: RequestContext): Promise<void> {
  const state = await webhookState(ctx)
  if (!state.url || !state.hasSecret) throw new AppError('ADMIN_WEBHOOK_NOT_CONFIGURED', 'Set a webhook URL and its signing secret in Settings first.')
}

export interface SendResult {
  eventId: string
  /** null: no attempt was made (another one held the event). */
  delivery: DeliveryResult | null
}

/** Queues a `webhook.test` event and makes its first attempt now. */
export async function sendTestEvent(ctx: RequestContext, via: AdminChannel): Promise<SendResult> {
  await requireWebhook(ctx)
  const eventId = await queueEvent(ctx, 'webhook.test', { message: 'A test event from the edge SSO gateway. No action is needed.' })
  if (!eventId) throw new AppError('ADMIN_WEBHOOK_NOT_CONFIGURED', 'Set a webhook URL in Settings first.')
  const delivery = await deliverEvent(ctx, eventId)
  await recordAudit(ctx, { action: 'event.test', outcome: 'success', detail: { eventId, delivery: delivery?.status ?? null, via } })
  return { eventId, delivery }
}

/** A failed event back in the queue with a fresh retry schedule, its first new attempt made now. */
export async function retryEvent(ctx: RequestContext, id: string, via: AdminChannel): Promise<SendResult> {
  await requireWebhook(ctx)
  const row = await getEvent(ctx.db, id)
  if (!row) throw new AppError('ADMIN_EVENT_NOT_FOUND', undefined, { eventId: id.slice(0, 64) })
  if (!(await requeueFailedEvent(ctx.db, row.id, ctx.clock())))
    throw new AppError('ADMIN_CONFLICT', `Only a failed event can be retried; this one is ${row.status}.`, { eventId: row.id, status: row.status })
  const delivery = await deliverEvent(ctx, row.id)
  await recordAudit(ctx, { action: 'event.retry', outcome: 'success', detail: { eventId: row.id, delivery: delivery?.status ?? null, via } })
  return { eventId: row.id, delivery }
}
