/**
 * Emitting an event: one function for every trigger. The event goes into the D1 outbox and its
 * first delivery runs in `waitUntil`, so no request waits for the receiver (without waitUntil, the
 * cron delivers it). Nothing is written while no webhook URL is set. Event data carries ids and
 * names only, never secrets; a failure to emit is logged and never fails the change that caused it.
 */
import type { RequestContext } from '../context'
import { insertEvent } from '../store/events'
import { getSettings } from '../store/settings'
import { deliverEvent } from './deliver'

export const EVENT_TYPES = [
  'idp.certificate_expiring',
  'idp.metadata_refresh_failed',
  'idp.failure_spike',
  'setup_link.completed',
  'idp.enabled',
  'idp.disabled',
  'webhook.test',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** Largest body kept; larger data (never expected: ids and names) is replaced by a note. */
export const MAX_EVENT_BODY_CHARS = 8192

/** The JSON body every delivery POSTs. */
export interface WebhookEventBody {
  id: string
  type: EventType
  createdAt: string
  data: Record<string, unknown>
}

/** What every IdP event says about its IdP. */
export function idpEventData(idp: { id: string; name: string; slug: string; organizationId: string }) {
  return { idpId: idp.id, idpName: idp.name, idpSlug: idp.slug, organizationId: idp.organizationId }
}

/** `evt_` + 24 hex characters from the injected randomness. */
function newEventId(random: (n: number) => Uint8Array): string {
  return `evt_${[...random(12)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

/**
 * Writes the event into the outbox, due now; its id, or null when webhooks are off or an event
 * with the same `dedupeKey` exists (once per certificate and threshold, once per IdP and window).
 */
export async function queueEvent(
  ctx: RequestContext,
  type: EventType,
  data: Record<string, unknown>,
  options: { dedupeKey?: string } = {},
): Promise<string | null> {
  if (!(await getSettings(ctx.db)).webhookUrl) return null
  const id = newEventId(ctx.random)
  const now = ctx.clock()
  let body = JSON.stringify({ id, type, createdAt: now.toISOString(), data } satisfies WebhookEventBody)
  if (body.length > MAX_EVENT_BODY_CHARS)
    body = JSON.stringify({ id, type, createdAt: now.toISOString(), data: { truncated: true, keys: Object.keys(data).slice(0, 50) } })
  const inserted = await insertEvent(ctx.db, { id, type, body, dedupeKey: options.dedupeKey ?? null, createdAt: now })
  return inserted ? id : null
}

/** Queues the event and starts its delivery in the background; its id, or null (see queueEvent). */
export async function emitEvent(
  ctx: RequestContext,
  type: EventType,
  data: Record<string, unknown>,
  options: { dedupeKey?: string } = {},
): Promise<string | null> {
  try {
    const id = await queueEvent(ctx, type, data, options)
    if (id && ctx.waitUntil) ctx.waitUntil(deliverEvent(ctx, id))
    return id
  } catch (err) {
    // The change that caused the event stands; the event is lost, and the log says so.
    console.error(JSON.stringify({ level: 'error', msg: 'event not queued', type, requestId: ctx.requestId, error: String(err).slice(0, 200) }))
    return null
  }
}

/**
 * A setup link completed (the customer's IT activated it, or the admin approved it):
 * `setup_link.completed`, and `idp.enabled` when the link's IdP (`idp` as it was before) was off.
 */
export async function emitSetupCompleted(
  ctx: RequestContext,
  link: { id: string; organizationName: string },
  idp: { id: string; name: string; slug: string; organizationId: string; enabled: boolean },
  via: 'setup' | 'console' | 'api',
): Promise<void> {
  await emitEvent(ctx, 'setup_link.completed', { setupLinkId: link.id, organizationName: link.organizationName, ...idpEventData(idp), via })
  if (!idp.enabled) await emitEvent(ctx, 'idp.enabled', { ...idpEventData(idp), via })
}
