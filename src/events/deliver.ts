/**
 * Delivering outbox events to the webhook URL: one signed POST per attempt, bounded (5 s timeout,
 * no redirect followed, the answer's body never read), a 2xx is success. A failed attempt is
 * retried after 1 min, 5 min, 30 min, 2 h and 12 h (the cron drives them), then the event is
 * `failed`. Each attempt is claimed first, so the request's waitUntil and the cron never both send it.
 */
import type { RequestContext } from '../context'
import { claimAttempt, listDueEvents, recordAttempt, type AttemptOutcome, type WebhookEventRow } from '../store/events'
import { getSettings, readWebhookSecret } from '../store/settings'
import { WEBHOOK_HEADERS, webhookSignature } from './signature'

export const WEBHOOK_TIMEOUT_MS = 5_000
/** The wait after each failed attempt; after the last one, the event is given up. */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 12 * 3_600_000] as const
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1
/** How long a claimed attempt holds its event; an attempt that died is due again after it. */
export const ATTEMPT_LEASE_MS = 60_000
/** Attempts one cron run makes at most (the Workers subrequest budget is shared with maintenance). */
export const MAX_DELIVERIES_PER_RUN = 50
/** Attempts a cron run makes at once. */
export const DELIVERY_CONCURRENCY = 5

/** Why an attempt failed, as the delivery log shows it. */
export type DeliveryErrorCode =
  /** The receiver answered with a status outside 2xx and 3xx (lastHttpStatus says which). */
  | 'WEBHOOK_HTTP_ERROR'
  /** The receiver answered with a redirect: never followed, the URL must be the final one. */
  | 'WEBHOOK_REDIRECT'
  /** No answer within WEBHOOK_TIMEOUT_MS. */
  | 'WEBHOOK_TIMEOUT'
  /** The host could not be reached (DNS, TLS, connection refused). */
  | 'WEBHOOK_UNREACHABLE'
  /** No signing secret, or it cannot be opened (SSO_SECRET changed): nothing is sent unsigned. */
  | 'WEBHOOK_SECRET_MISSING'

export interface DeliveryResult {
  id: string
  status: 'delivered' | 'pending' | 'failed'
  attempts: number
  httpStatus: number | null
  error: DeliveryErrorCode | null
}

type Sent = { ok: true; httpStatus: number } | { ok: false; httpStatus: number | null; error: DeliveryErrorCode }

/** One POST of the event's body, signed with the attempt's own timestamp. */
async function post(url: string, secret: string, row: WebhookEventRow, now: Date): Promise<Sent> {
  const timestamp = Math.floor(now.getTime() / 1000)
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'edge-sso-gateway-webhooks',
        [WEBHOOK_HEADERS.id]: row.id,
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: await webhookSignature(secret, timestamp, row.body),
      },
      body: row.body,
      // A redirect is a failure: following it would POST the event to a URL nobody configured.
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    })
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
    return { ok: false, httpStatus: null, error: timedOut ? 'WEBHOOK_TIMEOUT' : 'WEBHOOK_UNREACHABLE' }
  }
  // The answer's body is never read: only its status counts.
  await res.body?.cancel()
  if (res.status >= 200 && res.status < 300) return { ok: true, httpStatus: res.status }
  return { ok: false, httpStatus: res.status, error: res.status >= 300 && res.status < 400 ? 'WEBHOOK_REDIRECT' : 'WEBHOOK_HTTP_ERROR' }
}

function outcomeOf(sent: Sent, attempts: number, now: Date): AttemptOutcome {
  if (sent.ok) return { status: 'delivered', httpStatus: sent.httpStatus, at: now }
  if (attempts >= MAX_ATTEMPTS) return { status: 'failed', httpStatus: sent.httpStatus, error: sent.error }
  return { status: 'pending', httpStatus: sent.httpStatus, error: sent.error, nextAttemptAt: new Date(now.getTime() + RETRY_DELAYS_MS[attempts - 1]!) }
}

/**
 * Makes the next attempt of one event if it is due and nobody else is making it; null when no
 * attempt was made (webhooks off, not due, claimed elsewhere). Never throws: it runs in waitUntil.
 */
export async function deliverEvent(ctx: RequestContext, id: string): Promise<DeliveryResult | null> {
  try {
    const url = (await getSettings(ctx.db)).webhookUrl
    // Webhooks turned off: queued events wait (and are pruned after 30 days).
    if (!url) return null
    const now = ctx.clock()
    const row = await claimAttempt(ctx.db, id, now, new Date(now.getTime() + ATTEMPT_LEASE_MS))
    if (!row) return null
    const secret = await readWebhookSecret(ctx.db, ctx.secret).catch(() => null)
    const sent: Sent = secret ? await post(url, secret, row, now) : { ok: false, httpStatus: null, error: 'WEBHOOK_SECRET_MISSING' }
    const outcome = outcomeOf(sent, row.attempts, ctx.clock())
    await recordAttempt(ctx.db, row.id, outcome)
    return { id: row.id, status: outcome.status, attempts: row.attempts, httpStatus: sent.httpStatus, error: sent.ok ? null : sent.error }
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'event delivery failed', eventId: id, requestId: ctx.requestId, error: String(err).slice(0, 200) }))
    return null
  }
}

export interface OutboxReport {
  attempted: number
  delivered: number
  retrying: number
  failed: number
}

/** The cron's pass over the outbox: due events, the longest-waiting first, at most MAX_DELIVERIES_PER_RUN. */
export async function deliverDueEvents(ctx: RequestContext, limit = MAX_DELIVERIES_PER_RUN): Promise<OutboxReport> {
  const report: OutboxReport = { attempted: 0, delivered: 0, retrying: 0, failed: 0 }
  if (!(await getSettings(ctx.db)).webhookUrl) return report
  const ids = await listDueEvents(ctx.db, ctx.clock(), limit)
  for (let i = 0; i < ids.length; i += DELIVERY_CONCURRENCY) {
    const results = await Promise.all(ids.slice(i, i + DELIVERY_CONCURRENCY).map((id) => deliverEvent(ctx, id)))
    for (const r of results) {
      if (!r) continue
      report.attempted++
      if (r.status === 'delivered') report.delivered++
      else if (r.status === 'pending') report.retrying++
      else report.failed++
    }
  }
  return report
}
