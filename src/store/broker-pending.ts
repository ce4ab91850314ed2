/**
 * A helpdesk's request parked in KV while the customer signs in upstream (AuthnRequest) or logs
 * out upstream (LogoutRequest): which app, which request ID to answer, its RelayState. Single
 * use, atomically: taking it consumes its key in D1's replay table (a KV get-then-delete lets two
 * racing requests, or two locations, both answer). Keys are `_` + 40 hex characters from the
 * gateway's randomness.
 */
import { BROKER_PENDING_TTL_SECONDS, kvKeys } from './kv-keys'
import { consumeOnce } from './replay'

/** Taken parked requests share the replay table under this pseudo-issuer. */
export const BROKER_PENDING_ISSUER = 'urn:edge-sso:broker-pending'

export interface BrokerPending {
  appId: string
  /** The helpdesk's request ID to answer (InResponseTo); null for an IdP-initiated launch. */
  requestId: string | null
  relayState: string | null
  /** The NameID format its NameIDPolicy asked for (absent: the app's own). */
  nameIdFormat?: 'email' | 'persistent' | 'transient'
  /** Its RequestedAuthnContext, to check against the upstream sign-in. */
  requestedAuthnContext?: { comparison: string; classRefs: string[] } | null
  /** ForceAuthn: only a session started at or after this instant (ms) may answer it. */
  authnAfter?: number | null
  /** A LogoutRequest naming someone else than this browser's user: answered UnknownPrincipal, nothing ended. */
  unknownPrincipal?: boolean
}

const KEY = /^_[0-9a-f]{40}$/

export async function putBrokerPending(kv: KVNamespace, key: string, pending: BrokerPending): Promise<void> {
  await kv.put(kvKeys.brokerPending(key), JSON.stringify(pending), { expirationTtl: BROKER_PENDING_TTL_SECONDS })
}

export async function getBrokerPending(kv: KVNamespace, key: string): Promise<BrokerPending | null> {
  return KEY.test(key) ? kv.get<BrokerPending>(kvKeys.brokerPending(key), 'json') : null
}

/** The parked request, for this caller only: null when there is none, or another request took it first. */
export async function takeBrokerPending(stores: { kv: KVNamespace; db: D1Database }, key: string, now: Date): Promise<BrokerPending | null> {
  const pending = await getBrokerPending(stores.kv, key)
  if (!pending) return null
  if (!(await consumeOnce(stores.db, BROKER_PENDING_ISSUER, key, new Date(now.getTime() + BROKER_PENDING_TTL_SECONDS * 1000), now))) return null
  await stores.kv.delete(kvKeys.brokerPending(key))
  return pending
}
