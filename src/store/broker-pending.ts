/**
 * A helpdesk's request parked in KV while the customer signs in upstream (AuthnRequest) or logs
 * out upstream (LogoutRequest): which app, which request ID to answer, its RelayState. Single
 * use: taking it deletes it. Keys are `_` + 40 hex characters from the gateway's randomness.
 */
import { BROKER_PENDING_TTL_SECONDS, kvKeys } from './kv-keys'

export interface BrokerPending {
  appId: string
  /** The helpdesk's request ID to answer (InResponseTo); null for an IdP-initiated launch. */
  requestId: string | null
  relayState: string | null
}

const KEY = /^_[0-9a-f]{40}$/

export async function putBrokerPending(kv: KVNamespace, key: string, pending: BrokerPending): Promise<void> {
  await kv.put(kvKeys.brokerPending(key), JSON.stringify(pending), { expirationTtl: BROKER_PENDING_TTL_SECONDS })
}

export async function getBrokerPending(kv: KVNamespace, key: string): Promise<BrokerPending | null> {
  return KEY.test(key) ? kv.get<BrokerPending>(kvKeys.brokerPending(key), 'json') : null
}

export async function deleteBrokerPending(kv: KVNamespace, key: string): Promise<void> {
  if (KEY.test(key)) await kv.delete(kvKeys.brokerPending(key))
}
