/**
 * Test connection results: the ACS stores what came back (NameID, every attribute, the mapped
 * identity, or the rejection code with expected/received values) for 10 minutes under the
 * request ID; the admin console shows it. No portal session is created in test mode.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import type { MappedIdentity, SamlAssertionResult } from '../saml/index'

const KEY_PREFIX = 'test-result:'
const TTL_SECONDS = 600

export type TestResult =
  | { ok: true; idpId: string; result: SamlAssertionResult; identity: MappedIdentity }
  | { ok: false; idpId: string; code: string; detail: Record<string, unknown> }

export async function storeTestResult(c: Context<AppEnv>, requestId: string, result: TestResult): Promise<void> {
  await c.env.SESSIONS.put(KEY_PREFIX + requestId, JSON.stringify(result), { expirationTtl: TTL_SECONDS })
}

export async function readTestResult(c: Context<AppEnv>, requestId: string): Promise<TestResult | null> {
  if (!/^_[0-9a-f]{40}$/.test(requestId)) return null
  return c.env.SESSIONS.get<TestResult>(KEY_PREFIX + requestId, 'json')
}
