/**
 * What a service knows about the request it serves: storage handles, the master secret, time,
 * randomness, the gateway's own origin, and who is acting (for the audit log). Built once per
 * request by middleware/context.ts; services never see hono's Context or the Worker env.
 */

/** Injected dependencies: time, randomness and DNS are inputs, so tests can pin them. */
export interface AppDeps {
  clock: () => Date
  random: (bytes: number) => Uint8Array
  /** TXT lookups for domain verification; default: DNS-over-HTTPS at DOH_URL (outbound/doh.ts). */
  resolveTxt?: (name: string) => Promise<string[]>
}

export interface RequestContext extends AppDeps {
  resolveTxt: (name: string) => Promise<string[]>
  /** Handed to src/store only (the boundary test enforces it). */
  db: D1Database
  kv: KVNamespace
  /** Per-client counters (store/rate-limits.ts). */
  rateLimiter: DurableObjectNamespace<import('./store/rate-limits').RateLimiter>
  /** SSO_SECRET: seals keys at rest, keys cookie MACs. */
  secret: string
  /** Origin of the request URL: the gateway's own origin (SP and broker URLs derive from it). */
  origin: string
  /** null outside a request (the cron trigger). */
  requestId: string | null
  ip: string | null
  userAgent: string | null
  /** Who acts, for the audit log: 'anonymous', 'admin-token', 'sso:<subject>', or 'cron'. */
  actor: string
  /**
   * Keeps the Worker alive for background work after the response (webhook deliveries,
   * events/emit.ts): the request's or the cron's ExecutionContext. Absent, the cron does that work.
   */
  waitUntil?: (promise: Promise<unknown>) => void
}
