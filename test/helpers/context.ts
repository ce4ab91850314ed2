// Test helper (workerd): a RequestContext over the test's real D1 and KV, as middleware/context.ts
// builds it for a request, with the clock and randomness pinnable.
import { env } from 'cloudflare:workers'
import type { RequestContext } from '../../src/context'
import { localDns } from './dns'

export const TEST_ORIGIN = 'https://support.example.com'

export function testContext(overrides: Partial<RequestContext> = {}): RequestContext {
  return {
    db: env.DB,
    kv: env.SESSIONS,
    rateLimiter: env.RATE_LIMITER,
    secret: env.SSO_SECRET,
    clock: () => new Date(),
    random: (n) => crypto.getRandomValues(new Uint8Array(n)),
    // A local resolver with no records: a test that checks domains passes its own (helpers/dns.ts).
    resolveTxt: localDns().resolver,
    origin: TEST_ORIGIN,
    requestId: `test-${crypto.randomUUID()}`,
    ip: '203.0.113.7',
    userAgent: 'vitest',
    actor: 'anonymous',
    ...overrides,
  }
}

/** The newest audit row of `action`, detail parsed. */
export async function lastAuditRow(action: string): Promise<(Record<string, unknown> & { detail: Record<string, unknown> | null }) | null> {
  const row = await env.DB.prepare('SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC').bind(action).first<Record<string, unknown>>()
  if (!row) return null
  return { ...row, detail: row.detail ? (JSON.parse(String(row.detail)) as Record<string, unknown>) : null }
}
