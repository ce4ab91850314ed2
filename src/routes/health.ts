/**
 * GET /sso/health: liveness plus reachability of D1 (schema migrated) and KV. Read-only checks,
 * no secrets in the answer; 503 with the failing check when degraded.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'

interface Check {
  ok: boolean
  ms: number
  error?: string
}

async function timed(probe: () => Promise<unknown>): Promise<Check> {
  const started = performance.now()
  try {
    await probe()
    return { ok: true, ms: Math.round(performance.now() - started) }
  } catch (err) {
    // The message names the failing store (e.g. "no such table: idps"); no secrets travel here.
    return { ok: false, ms: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) }
  }
}

export const healthRoutes = new Hono<AppEnv>().get('/health', async (c) => {
  const [d1, kv] = await Promise.all([
    // Counting a core table proves both reachability and that migrations were applied.
    timed(() => c.env.DB.prepare('SELECT count(*) AS n FROM idps').first()),
    timed(() => c.env.SESSIONS.get('health:probe')),
  ])
  const ok = d1.ok && kv.ok
  if (!ok) c.set('errorCode', 'HEALTH_DEGRADED')
  c.header('Cache-Control', 'no-store')
  return c.json({ status: ok ? 'ok' : 'degraded', checks: { d1, kv }, time: c.var.deps.clock().toISOString() }, ok ? 200 : 503)
})
