/**
 * Per-client rate limits that hold under parallel requests: one Durable Object per (limit,
 * client IP) counts in a fixed window. A Durable Object runs one method at a time and each
 * method here is synchronous over its SQLite storage, so a take is an atomic check-and-add:
 * twenty parallel guesses get exactly `limit` through, where a KV read-modify-write let them all
 * read the same stale count (and hit KV's one-write-per-second-per-key limit).
 */
import { DurableObject } from 'cloudflare:workers'

export interface RateLimit {
  /** Names the counter (and its Durable Object, with the client key). */
  name: string
  /** Takes allowed within one window. */
  limit: number
  windowSeconds: number
}

/** Failed admin sign-ins (token or SSO) per client IP: then ADMIN_RATE_LIMITED. */
export const ADMIN_SIGN_IN: RateLimit = { name: 'admin-sign-in', limit: 10, windowSeconds: 600 }

/** Failure rows an unauthenticated client can make the audit log write per minute (audit/record.ts). */
export const FAILURE_AUDIT: RateLimit = { name: 'failure-audit', limit: 30, windowSeconds: 60 }
/** Setup-link pages and forms per client IP (any token): a customer's IT needs a few dozen. */
export const SETUP_REQUESTS: RateLimit = { name: 'setup', limit: 120, windowSeconds: 600 }

export interface Take {
  allowed: boolean
  /** Takes in this window, this one included (also when refused). */
  count: number
  /** When the window ends (epoch ms). */
  resetAt: number
}

/** One counter: a fixed window that starts at its first take, and is wiped by an alarm after it. */
export class RateLimiter extends DurableObject<Env> {
  /** Whether this instance made sure its table exists (the alarm's deleteAll drops it). */
  private ready = false

  private current(now: number, windowMs: number): { startedAt: number; count: number } {
    if (!this.ready) {
      this.ctx.storage.sql.exec(
        'CREATE TABLE IF NOT EXISTS window (id INTEGER PRIMARY KEY CHECK (id = 1), started_at INTEGER NOT NULL, count INTEGER NOT NULL)',
      )
      this.ready = true
    }
    const row = this.ctx.storage.sql.exec<{ started_at: number; count: number }>('SELECT started_at, count FROM window WHERE id = 1').toArray()[0]
    if (!row || now >= row.started_at + windowMs) return { startedAt: now, count: 0 }
    return { startedAt: row.started_at, count: row.count }
  }

  private save(startedAt: number, count: number, windowMs: number): void {
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO window (id, started_at, count) VALUES (1, ?, ?)', startedAt, count)
    // Storage of a finished window is wiped, so a client seen once costs nothing afterwards.
    void this.ctx.storage.setAlarm(startedAt + windowMs)
  }

  /** Counts one take (refused ones too, so hammering never opens the window early). */
  take(limit: number, windowSeconds: number, now: number): Take {
    const windowMs = windowSeconds * 1000
    const { startedAt, count } = this.current(now, windowMs)
    this.save(startedAt, count + 1, windowMs)
    return { allowed: count < limit, count: count + 1, resetAt: startedAt + windowMs }
  }

  /** Gives one take back (a guess that turned out right); never below zero. */
  refund(windowSeconds: number, now: number): void {
    const windowMs = windowSeconds * 1000
    const { startedAt, count } = this.current(now, windowMs)
    if (count > 0) this.save(startedAt, count - 1, windowMs)
  }

  /** Takes in the current window, without counting one. */
  peek(windowSeconds: number, now: number): number {
    return this.current(now, windowSeconds * 1000).count
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll()
    this.ready = false
  }
}

function counter(ns: DurableObjectNamespace<RateLimiter>, limit: RateLimit, client: string): DurableObjectStub<RateLimiter> {
  return ns.get(ns.idFromName(`${limit.name}:${client}`))
}

/** Takes one from `client`'s allowance under `limit` at `now`. */
export async function takeRateLimit(ns: DurableObjectNamespace<RateLimiter>, limit: RateLimit, client: string, now: Date): Promise<Take> {
  return counter(ns, limit, client).take(limit.limit, limit.windowSeconds, now.getTime())
}

export async function refundRateLimit(ns: DurableObjectNamespace<RateLimiter>, limit: RateLimit, client: string, now: Date): Promise<void> {
  await counter(ns, limit, client).refund(limit.windowSeconds, now.getTime())
}

export async function peekRateLimit(ns: DurableObjectNamespace<RateLimiter>, limit: RateLimit, client: string, now: Date): Promise<number> {
  return counter(ns, limit, client).peek(limit.windowSeconds, now.getTime())
}
