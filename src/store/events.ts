/**
 * The webhook outbox in D1 (table webhook_events): events waiting to be sent, sent, or given up.
 * An attempt first claims its row (a conditional update), so the request's waitUntil and the cron
 * never send the same attempt twice. Every read is bounded (LIMIT); bodies hold no secrets.
 */
import { and, asc, desc, eq, lt, lte, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { webhookEvents } from './schema'

export type WebhookEventRow = typeof webhookEvents.$inferSelect
export type WebhookEventStatus = WebhookEventRow['status']

export interface NewWebhookEvent {
  id: string
  type: string
  body: string
  dedupeKey: string | null
  createdAt: Date
}

/** Queues an event (due at once). false when an event with the same dedupe key is already there. */
export async function insertEvent(d1: D1Database, event: NewWebhookEvent): Promise<boolean> {
  const rows = await drizzle(d1)
    .insert(webhookEvents)
    .values({ ...event, status: 'pending', attempts: 0, nextAttemptAt: event.createdAt })
    .onConflictDoNothing()
    .returning({ id: webhookEvents.id })
  return rows.length > 0
}

/** Whether an event with this dedupe key is in the outbox (any status). */
export async function hasEventWithKey(d1: D1Database, dedupeKey: string): Promise<boolean> {
  const rows = await drizzle(d1).select({ id: webhookEvents.id }).from(webhookEvents).where(eq(webhookEvents.dedupeKey, dedupeKey)).limit(1)
  return rows.length > 0
}

export async function getEvent(d1: D1Database, id: string): Promise<WebhookEventRow | null> {
  return (await drizzle(d1).select().from(webhookEvents).where(eq(webhookEvents.id, id)).limit(1))[0] ?? null
}

/** The newest events first, at most `limit`. */
export async function listEvents(d1: D1Database, limit: number): Promise<WebhookEventRow[]> {
  return drizzle(d1).select().from(webhookEvents).orderBy(desc(webhookEvents.createdAt), desc(webhookEvents.id)).limit(limit)
}

/** Ids of pending events due at `now`, the longest-waiting first, at most `limit`. */
export async function listDueEvents(d1: D1Database, now: Date, limit: number): Promise<string[]> {
  const rows = await drizzle(d1)
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.status, 'pending'), lte(webhookEvents.nextAttemptAt, now)))
    .orderBy(asc(webhookEvents.nextAttemptAt))
    .limit(limit)
  return rows.map((r) => r.id)
}

/**
 * Claims the next attempt of a due pending event: counts it and pushes its due time to
 * `leaseUntil`, so no one else starts the same attempt (if this one dies, it is due again then).
 * null when the event is not pending, not due, or another attempt claimed it first.
 */
export async function claimAttempt(d1: D1Database, id: string, now: Date, leaseUntil: Date): Promise<WebhookEventRow | null> {
  const rows = await drizzle(d1)
    .update(webhookEvents)
    .set({ attempts: sql`${webhookEvents.attempts} + 1`, nextAttemptAt: leaseUntil, lastAttemptAt: now })
    .where(and(eq(webhookEvents.id, id), eq(webhookEvents.status, 'pending'), lte(webhookEvents.nextAttemptAt, now)))
    .returning()
  return rows[0] ?? null
}

export type AttemptOutcome =
  | { status: 'delivered'; httpStatus: number; at: Date }
  | { status: 'pending'; httpStatus: number | null; error: string; nextAttemptAt: Date }
  | { status: 'failed'; httpStatus: number | null; error: string }

/** Records how a claimed attempt ended. */
export async function recordAttempt(d1: D1Database, id: string, outcome: AttemptOutcome): Promise<void> {
  const set =
    outcome.status === 'delivered'
      ? { status: 'delivered' as const, lastHttpStatus: outcome.httpStatus, lastError: null, nextAttemptAt: null, deliveredAt: outcome.at }
      : {
          status: outcome.status,
          lastHttpStatus: outcome.httpStatus,
          lastError: outcome.error,
          nextAttemptAt: outcome.status === 'pending' ? outcome.nextAttemptAt : null,
        }
  await drizzle(d1).update(webhookEvents).set(set).where(eq(webhookEvents.id, id))
}

/** A failed event back in the queue with a fresh retry schedule, due at `now`; null unless it had failed. */
export async function requeueFailedEvent(d1: D1Database, id: string, now: Date): Promise<WebhookEventRow | null> {
  const rows = await drizzle(d1)
    .update(webhookEvents)
    .set({ status: 'pending', attempts: 0, nextAttemptAt: now })
    .where(and(eq(webhookEvents.id, id), eq(webhookEvents.status, 'failed')))
    .returning()
  return rows[0] ?? null
}

/** Deletes events created before `cutoff` (whatever their status); returns how many went. */
export async function pruneEvents(d1: D1Database, cutoff: Date): Promise<number> {
  const rows = await drizzle(d1).delete(webhookEvents).where(lt(webhookEvents.createdAt, cutoff)).returning({ id: webhookEvents.id })
  return rows.length
}
