/**
 * Test-connection results in KV for TEST_RESULT_TTL_SECONDS, under the test's AuthnRequest ID:
 * what came back from the IdP (NameID, every attribute, the mapped identity) or the rejection
 * code with expected/received values. Read only by the admin console.
 */
import type { MappedIdentity, SamlAssertionResult } from '../saml/index'
import { kvKeys, TEST_RESULT_TTL_SECONDS } from './kv-keys'

export type TestResult =
  | { ok: true; idpId: string; result: SamlAssertionResult; identity: MappedIdentity }
  /** An OIDC test: the ID token's verified claims and userinfo's answer (null when not read). */
  | { ok: true; protocol: 'oidc'; idpId: string; claims: Record<string, unknown>; userinfo: Record<string, unknown> | null; identity: MappedIdentity }
  | { ok: false; idpId: string; code: string; detail: Record<string, unknown>; hint: string | null }

/** Request IDs are `_` + 40 hex characters; anything else is never a key of ours. */
const REQUEST_ID = /^_[0-9a-f]{40}$/

export async function putTestResult(kv: KVNamespace, requestId: string, result: TestResult): Promise<void> {
  await kv.put(kvKeys.testResult(requestId), JSON.stringify(result), { expirationTtl: TEST_RESULT_TTL_SECONDS })
}

export async function getTestResult(kv: KVNamespace, requestId: string): Promise<TestResult | null> {
  if (!REQUEST_ID.test(requestId)) return null
  return kv.get<TestResult>(kvKeys.testResult(requestId), 'json')
}
