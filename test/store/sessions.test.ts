// workerd: portal sessions in real KV: create/read/delete, expiry, the SHA-256 storage key (never
// the token), no lookup for a malformed token, and IdP-initiated logout by NameID and SessionIndex.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createSession, deleteSession, endSessionsFor, readSession, type Session } from '../../src/store/sessions'
import { clearKv, listAllKeys, recordingKv, sha256Hex } from '../helpers/storage'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const HOUR_MS = 3600_000
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

function session(overrides: Partial<Session> = {}): Session {
  return {
    idpId: 'idp_acme',
    idpSlug: 'acme',
    nameId: 'jane@acme.example',
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: '_idp-session-1',
    email: 'jane@acme.example',
    displayName: 'Jane Doe',
    groups: ['Everyone', 'Support'],
    createdAt: T0.getTime(),
    expiresAt: T0.getTime() + 8 * HOUR_MS,
    ...overrides,
  }
}

beforeEach(async () => {
  await clearKv(env.SESSIONS)
})

describe('create and read', () => {
  it('reads a created session back by its token until it expires', async () => {
    const s = session()
    const token = await createSession(env.SESSIONS, s, random, T0)
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await readSession(env.SESSIONS, token, T0)).toEqual(s)
    expect(await readSession(env.SESSIONS, token, new Date(s.expiresAt - 1))).toEqual(s)
    expect(await readSession(env.SESSIONS, token, new Date(s.expiresAt))).toBeNull()
    expect(await readSession(env.SESSIONS, token, new Date(s.expiresAt + HOUR_MS))).toBeNull()
  })

  it('makes the token from the injected randomness, a new one per session', async () => {
    const pinned = (n: number) => new Uint8Array(n).fill(0xff)
    expect(await createSession(env.SESSIONS, session(), pinned, T0)).toBe(`${'_'.repeat(42)}8`)
    const a = await createSession(env.SESSIONS, session(), random, T0)
    const b = await createSession(env.SESSIONS, session(), random, T0)
    expect(a).not.toBe(b)
    expect(await readSession(env.SESSIONS, a, T0)).toEqual(session())
    expect(await readSession(env.SESSIONS, b, T0)).toEqual(session())
  })

  it('returns null for a well-formed token it never issued', async () => {
    await createSession(env.SESSIONS, session(), random, T0)
    expect(await readSession(env.SESSIONS, 'A'.repeat(43), T0)).toBeNull()
  })
})

describe('storage keys', () => {
  it('keys the session by the SHA-256 of the token, never the token or the NameID', async () => {
    const s = session({ nameId: 'Jane.Doe@acme.example' })
    const token = await createSession(env.SESSIONS, s, random, T0)
    const tokenHash = await sha256Hex(token)
    const names = (await listAllKeys(env.SESSIONS)).map((k) => k.name).sort()
    expect(names).toEqual([`session-index:idp_acme:${await sha256Hex('Jane.Doe@acme.example')}:${tokenHash}`, `session:${tokenHash}`])
    for (const name of names) {
      expect(name).not.toContain(token)
      expect(name.toLowerCase()).not.toContain('jane')
    }
    // The index entry carries the IdP's SessionIndex, for IdP-initiated logout of one IdP session.
    expect(await env.SESSIONS.get(names[0]!)).toBe('_idp-session-1')
  })

  it("keeps a session in KV for its lifetime, and at least KV's 60-second minimum", async () => {
    // expirationTtl is relative to the real clock, so `now` is the real time here.
    const now = new Date()
    const long = await createSession(env.SESSIONS, session({ expiresAt: now.getTime() + 2 * HOUR_MS }), random, now)
    const short = await createSession(env.SESSIONS, session({ nameId: 'bob@acme.example', expiresAt: now.getTime() + 5_000 }), random, now)
    const keys = await listAllKeys(env.SESSIONS)
    const expiresIn = async (token: string) => {
      const name = `session:${await sha256Hex(token)}`
      return keys.find((k) => k.name === name)!.expiration! - now.getTime() / 1000
    }
    expect(await expiresIn(long)).toBeGreaterThan(2 * 3600 - 5)
    expect(await expiresIn(long)).toBeLessThan(2 * 3600 + 5)
    expect(await expiresIn(short)).toBeGreaterThan(60 - 5)
    expect(await expiresIn(short)).toBeLessThan(60 + 5)
    for (const key of keys) expect(key.expiration).toBeDefined()
  })

  it('spends no KV read on a malformed token, even one whose hash holds a session', async () => {
    const malformed = 'not-a-token'
    await env.SESSIONS.put(`session:${await sha256Hex(malformed)}`, JSON.stringify(session()))
    const { kv, reads } = recordingKv(env.SESSIONS)
    for (const token of [malformed, '', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}=`]) {
      expect(await readSession(kv, token, T0)).toBeNull()
      await deleteSession(kv, token)
    }
    expect(reads).toEqual([])
    expect(await env.SESSIONS.get(`session:${await sha256Hex(malformed)}`)).not.toBeNull()
  })
})

describe('delete', () => {
  it('ends the session and its logout index entry, leaving other sessions', async () => {
    const token = await createSession(env.SESSIONS, session(), random, T0)
    const other = await createSession(env.SESSIONS, session({ nameId: 'bob@acme.example' }), random, T0)
    await deleteSession(env.SESSIONS, token)
    expect(await readSession(env.SESSIONS, token, T0)).toBeNull()
    expect(await readSession(env.SESSIONS, other, T0)).not.toBeNull()
    const otherHash = await sha256Hex(other)
    expect((await listAllKeys(env.SESSIONS)).map((k) => k.name).sort()).toEqual([
      `session-index:idp_acme:${await sha256Hex('bob@acme.example')}:${otherHash}`,
      `session:${otherHash}`,
    ])
  })

  it('treats an unknown token as a no-op', async () => {
    const token = await createSession(env.SESSIONS, session(), random, T0)
    await deleteSession(env.SESSIONS, 'B'.repeat(43))
    expect(await readSession(env.SESSIONS, token, T0)).not.toBeNull()
    expect(await listAllKeys(env.SESSIONS)).toHaveLength(2)
  })
})

describe('endSessionsFor (IdP-initiated logout)', () => {
  it('ends every session of the NameID at that IdP, and none of another user or IdP', async () => {
    const jane1 = await createSession(env.SESSIONS, session({ sessionIndex: '_s1' }), random, T0)
    const jane2 = await createSession(env.SESSIONS, session({ sessionIndex: '_s2' }), random, T0)
    const bob = await createSession(env.SESSIONS, session({ nameId: 'bob@acme.example' }), random, T0)
    const janeElsewhere = await createSession(env.SESSIONS, session({ idpId: 'idp_other', idpSlug: 'other' }), random, T0)

    expect(await endSessionsFor(env.SESSIONS, 'idp_acme', 'jane@acme.example')).toBe(2)
    expect(await readSession(env.SESSIONS, jane1, T0)).toBeNull()
    expect(await readSession(env.SESSIONS, jane2, T0)).toBeNull()
    expect(await readSession(env.SESSIONS, bob, T0)).not.toBeNull()
    expect(await readSession(env.SESSIONS, janeElsewhere, T0)).not.toBeNull()
    // Their index entries went too: a second logout finds nothing.
    expect(await endSessionsFor(env.SESSIONS, 'idp_acme', 'jane@acme.example')).toBe(0)
    expect(await listAllKeys(env.SESSIONS)).toHaveLength(4)
  })

  it('with SessionIndexes, ends only the sessions that carry one of them', async () => {
    const s1 = await createSession(env.SESSIONS, session({ sessionIndex: '_s1' }), random, T0)
    const s2 = await createSession(env.SESSIONS, session({ sessionIndex: '_s2' }), random, T0)
    const s3 = await createSession(env.SESSIONS, session({ sessionIndex: '_s3' }), random, T0)
    const none = await createSession(env.SESSIONS, session({ sessionIndex: null }), random, T0)

    expect(await endSessionsFor(env.SESSIONS, 'idp_acme', 'jane@acme.example', ['_s1', '_s3', '_unknown'])).toBe(2)
    expect(await readSession(env.SESSIONS, s1, T0)).toBeNull()
    expect(await readSession(env.SESSIONS, s3, T0)).toBeNull()
    expect(await readSession(env.SESSIONS, s2, T0)).not.toBeNull()
    expect(await readSession(env.SESSIONS, none, T0)).not.toBeNull()
    expect(await endSessionsFor(env.SESSIONS, 'idp_acme', 'jane@acme.example', ['_unknown'])).toBe(0)
  })

  it('matches the NameID exactly: another case or spelling is another user', async () => {
    const token = await createSession(env.SESSIONS, session(), random, T0)
    expect(await endSessionsFor(env.SESSIONS, 'idp_acme', 'Jane@acme.example')).toBe(0)
    expect(await endSessionsFor(env.SESSIONS, 'idp_acme', 'jane@acme.example ')).toBe(0)
    expect(await readSession(env.SESSIONS, token, T0)).not.toBeNull()
  })
})
