/**
 * The `idp.failure_spike` event: at least FAILURE_SPIKE_THRESHOLD sign-in failures for one IdP
 * within FAILURE_SPIKE_WINDOW_MS, checked as each failure is audited. At most one event per IdP
 * per window (a dedupe key on the window's start); the count reads at most THRESHOLD rows through
 * the audit log's (idp_id, at) index, and nothing at all while webhooks are off.
 */
import type { RequestContext } from '../context'
import { countRecentFailures } from '../store/audit'
import { hasEventWithKey } from '../store/events'
import { getIdp } from '../store/idps'
import { getSettings } from '../store/settings'
import { emitEvent, idpEventData } from './emit'

export const FAILURE_SPIKE_THRESHOLD = 20
export const FAILURE_SPIKE_WINDOW_MS = 15 * 60_000

/** Called after a failed sign-in at `idpId` was audited (audit/record.ts); never throws. */
export async function checkFailureSpike(ctx: RequestContext, idpId: string, code: string | null): Promise<void> {
  try {
    if (!(await getSettings(ctx.db)).webhookUrl) return
    const now = ctx.clock().getTime()
    const windowStart = Math.floor(now / FAILURE_SPIKE_WINDOW_MS) * FAILURE_SPIKE_WINDOW_MS
    const dedupeKey = `idp.failure_spike:${idpId}:${windowStart}`
    // Announced in this window already: one indexed lookup, and the flood costs nothing more.
    if (await hasEventWithKey(ctx.db, dedupeKey)) return
    const since = new Date(now - FAILURE_SPIKE_WINDOW_MS)
    const failures = await countRecentFailures(ctx.db, { idpId, action: 'login', since, limit: FAILURE_SPIKE_THRESHOLD })
    if (failures < FAILURE_SPIKE_THRESHOLD) return
    const idp = await getIdp(ctx.db, idpId)
    if (!idp) return
    await emitEvent(
      ctx,
      'idp.failure_spike',
      {
        ...idpEventData(idp),
        failures,
        windowMinutes: FAILURE_SPIKE_WINDOW_MS / 60_000,
        since: since.toISOString(),
        lastCode: code,
      },
      { dedupeKey },
    )
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'failure-spike check failed', idpId, requestId: ctx.requestId, error: String(err).slice(0, 200) }))
  }
}
