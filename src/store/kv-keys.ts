/**
 * Every KV key the gateway uses, and how long each lives: the one place key shapes are written.
 * Keys hold hashes of tokens and NameIDs, never a live cookie or a raw identifier, so a KV
 * listing reveals nothing usable. docs/storage.md describes each; only src/store imports this.
 */

/** KV refuses a shorter expirationTtl. */
export const MIN_KV_TTL_SECONDS = 60
export const ADMIN_SESSION_TTL_SECONDS = 3600
export const TEST_RESULT_TTL_SECONDS = 600
export const BROKER_PENDING_TTL_SECONDS = 600

export const kvKeys = {
  /** A portal session, by the SHA-256 (hex) of its cookie token. TTL: the session's lifetime. */
  session: (tokenHash: string) => `session:${tokenHash}`,
  /** An admin console session, by the SHA-256 of its cookie token. TTL: ADMIN_SESSION_TTL_SECONDS. */
  adminSession: (tokenHash: string) => `admin-session:${tokenHash}`,
  /** A test-connection result, by the AuthnRequest ID of the test. TTL: TEST_RESULT_TTL_SECONDS. */
  testResult: (requestId: string) => `test-result:${requestId}`,
  /** A helpdesk's request parked while the customer signs in (or logs out) upstream. TTL: BROKER_PENDING_TTL_SECONDS. */
  brokerPending: (key: string) => `broker-pending:${key}`,
  /** Never written: /sso/health reads it to prove KV answers. */
  healthProbe: () => 'health:probe',
} as const
