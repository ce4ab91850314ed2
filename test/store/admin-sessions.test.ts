// workerd: admin console sessions in real KV: one hour, never extended, each with its own CSRF
// token; keyed by the SHA-256 of the cookie token; malformed tokens cost no lookup.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createAdminSession, deleteAdminSession, readAdminSession } from '../../src/store/admin-sessions'
import { clearKv, listAllKeys, recordingKv, sha256Hex } from '../helpers/storage'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const HOUR_MS = 3600_000
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

beforeEach(async () => {
  await clearKv(env.SESSIONS)
})

describe('admin sessions', () => {
  it('creates a one-hour session for the actor with a CSRF token, read back by its cookie token', async () => {
    const { token, session } = await createAdminSession(env.SESSIONS, 'admin-token', random, T0)
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(session).toEqual({ actor: 'admin-token', csrf: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), expiresAt: T0.getTime() + HOUR_MS })
    expect(session.csrf).not.toBe(token)
    expect(await readAdminSession(env.SESSIONS, token, T0)).toEqual(session)
  })

  it('takes the token and the CSRF token from the injected randomness', async () => {
    let call = 0
    const pinned = (n: number) => new Uint8Array(n).fill(++call)
    const { token, session } = await createAdminSession(env.SESSIONS, 'sso:jane', pinned, T0)
    expect(token).toBe('AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE')
    expect(session.csrf).toBe('AgICAgICAgICAgICAgICAgICAgICAgIC')
  })

  it('expires after one hour and is not extended by reading it', async () => {
    const { token, session } = await createAdminSession(env.SESSIONS, 'admin-token', random, T0)
    expect(await readAdminSession(env.SESSIONS, token, new Date(T0.getTime() + 30 * 60_000))).toEqual(session)
    expect(await readAdminSession(env.SESSIONS, token, new Date(T0.getTime() + HOUR_MS - 1))).toEqual(session)
    expect(await readAdminSession(env.SESSIONS, token, new Date(T0.getTime() + HOUR_MS))).toBeNull()
  })

  it('gives each session its own token and CSRF token', async () => {
    const a = await createAdminSession(env.SESSIONS, 'admin-token', random, T0)
    const b = await createAdminSession(env.SESSIONS, 'admin-token', random, T0)
    expect(a.token).not.toBe(b.token)
    expect(a.session.csrf).not.toBe(b.session.csrf)
    expect((await readAdminSession(env.SESSIONS, b.token, T0))?.csrf).toBe(b.session.csrf)
  })

  it('stores it under the SHA-256 of the token (never the token) for one hour', async () => {
    const now = new Date()
    const { token } = await createAdminSession(env.SESSIONS, 'admin-token', random, now)
    const keys = await listAllKeys(env.SESSIONS)
    expect(keys.map((k) => k.name)).toEqual([`admin-session:${await sha256Hex(token)}`])
    expect(keys[0]!.name).not.toContain(token)
    expect(keys[0]!.expiration! - now.getTime() / 1000).toBeGreaterThan(3600 - 5)
    expect(keys[0]!.expiration! - now.getTime() / 1000).toBeLessThan(3600 + 5)
  })

  it('ends a session on delete and leaves the others', async () => {
    const a = await createAdminSession(env.SESSIONS, 'admin-token', random, T0)
    const b = await createAdminSession(env.SESSIONS, 'admin-token', random, T0)
    await deleteAdminSession(env.SESSIONS, a.token)
    expect(await readAdminSession(env.SESSIONS, a.token, T0)).toBeNull()
    expect(await readAdminSession(env.SESSIONS, b.token, T0)).toEqual(b.session)
  })

  it('spends no KV read or delete on a malformed token, even one whose hash holds a session', async () => {
    const malformed = 'admin-token-as-cookie'
    const key = `admin-session:${await sha256Hex(malformed)}`
    await env.SESSIONS.put(key, JSON.stringify({ actor: 'admin-token', csrf: 'x', expiresAt: T0.getTime() + HOUR_MS }))
    const { kv, reads } = recordingKv(env.SESSIONS)
    for (const token of [malformed, '', 'A'.repeat(42), `${'A'.repeat(42)}+`]) {
      expect(await readAdminSession(kv, token, T0)).toBeNull()
      await deleteAdminSession(kv, token)
    }
    expect(reads).toEqual([])
    expect(await env.SESSIONS.get(key)).not.toBeNull()
  })

  it('returns null for a well-formed token it never issued', async () => {
    await createAdminSession(env.SESSIONS, 'admin-token', random, T0)
    expect(await readAdminSession(env.SESSIONS, 'A'.repeat(43), T0)).toBeNull()
  })
})
