// workerd: failed admin sign-ins counted per client IP in real KV for a ten-minute window.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { addAdminFailure, countAdminFailures } from '../../src/store/admin-failures'
import { ADMIN_FAILURE_WINDOW_SECONDS } from '../../src/store/kv-keys'
import { clearKv, listAllKeys } from '../helpers/storage'

beforeEach(async () => {
  await clearKv(env.SESSIONS)
})

describe('admin failure counter', () => {
  it('counts nothing for an IP that never failed', async () => {
    expect(await countAdminFailures(env.SESSIONS, '203.0.113.7')).toBe(0)
  })

  it('adds one failure at a time and returns the new count', async () => {
    expect(await addAdminFailure(env.SESSIONS, '203.0.113.7')).toBe(1)
    expect(await addAdminFailure(env.SESSIONS, '203.0.113.7')).toBe(2)
    expect(await addAdminFailure(env.SESSIONS, '203.0.113.7')).toBe(3)
    expect(await countAdminFailures(env.SESSIONS, '203.0.113.7')).toBe(3)
  })

  it('counts each client IP on its own', async () => {
    await addAdminFailure(env.SESSIONS, '203.0.113.7')
    await addAdminFailure(env.SESSIONS, '203.0.113.7')
    expect(await addAdminFailure(env.SESSIONS, '2001:db8::1')).toBe(1)
    expect(await countAdminFailures(env.SESSIONS, '203.0.113.8')).toBe(0)
    expect(await countAdminFailures(env.SESSIONS, '203.0.113.7')).toBe(2)
  })

  it('keeps the count for the ten-minute window only', async () => {
    const now = Date.now() / 1000
    await addAdminFailure(env.SESSIONS, '203.0.113.7')
    const [key] = await listAllKeys(env.SESSIONS)
    expect(ADMIN_FAILURE_WINDOW_SECONDS).toBe(600)
    expect(key!.expiration! - now).toBeGreaterThan(600 - 5)
    expect(key!.expiration! - now).toBeLessThan(600 + 5)
  })

  it('reads an unreadable stored count as no failures and starts again from one', async () => {
    await addAdminFailure(env.SESSIONS, '203.0.113.7')
    const [key] = await listAllKeys(env.SESSIONS)
    await env.SESSIONS.put(key!.name, 'garbage')
    expect(await countAdminFailures(env.SESSIONS, '203.0.113.7')).toBe(0)
    expect(await addAdminFailure(env.SESSIONS, '203.0.113.7')).toBe(1)
  })
})
