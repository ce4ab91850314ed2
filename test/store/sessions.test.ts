// workerd: portal sessions in real KV with their index in real D1: create/read/delete, expiry,
// the SHA-256 storage key (never the token), no lookup for a malformed token, IdP-initiated logout
// by NameID and SessionIndex, and revocation by organization, IdP or subject through the index.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  countLiveSessionsByOrganization,
  createSession,
  KV_PROPAGATION_BOUND_MS,
  MAX_KV_DELETES_PER_CALL,
  MAX_SESSION_LIFETIME_SECONDS,
  pruneSessionRevocations,
  deleteSession,
  endSessionsFor,
  pruneSessionIndex,
  readSession,
  revokeSessions,
  type Session,
} from '../../src/store/sessions'
import { clearKv, listAllKeys, recordingKv, sha256Hex } from '../helpers/storage'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const T1 = new Date('2026-11-26T13:00:00.000Z')
const HOUR_MS = 3600_000
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))

const stores = { kv: env.SESSIONS, db: env.DB }

type IndexedSession = Session & { organizationId: string; subject: string }

function session(overrides: Partial<IndexedSession> = {}): IndexedSession {
  const idpSlug = overrides.idpSlug ?? 'acme'
  return {
    idpId: 'idp_acme',
    idpSlug,
    organizationId: 'org_acme',
    organizationSlug: 'acme',
    subject: `${idpSlug}:${overrides.nameId ?? 'jane@acme.example'}`,
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

/** The session revocation rows, as stored (without their ids). */
async function revocationRows(): Promise<Record<string, unknown>[]> {
  return (await env.DB.prepare('SELECT kind, value, not_before, until FROM session_revocations ORDER BY id').all()).results
}

/** The session index rows, as stored. */
async function indexRows(): Promise<Record<string, unknown>[]> {
  return (await env.DB.prepare('SELECT * FROM session_index ORDER BY subject, session_index').all()).results
}

beforeEach(async () => {
  await clearKv(env.SESSIONS)
  // The tenants the sessions belong to (revocation stamps their rows).
  await env.DB.batch([
    env.DB.prepare('DELETE FROM session_index'),
    env.DB.prepare('DELETE FROM session_revocations'),
    env.DB.prepare('DELETE FROM organizations'),
    env.DB.prepare('DELETE FROM idps'),
    ...[
      ['org_acme', 'acme'],
      ['org_globex', 'globex'],
    ].map(([id, slug]) => env.DB.prepare('INSERT INTO organizations (id, name, slug) VALUES (?, ?, ?)').bind(id, slug, slug)),
    ...[
      ['idp_acme', 'org_acme', 'acme'],
      ['idp_acme2', 'org_acme', 'acme2'],
      ['idp_globex', 'org_globex', 'globex'],
    ].map(([id, org, slug]) =>
      env.DB.prepare('INSERT INTO idps (id, organization_id, name, slug, entity_id, sso_url) VALUES (?, ?, ?, ?, ?, ?)').bind(
        id,
        org,
        slug,
        slug,
        `urn:${slug}`,
        `https://${slug}.test/sso`,
      ),
    ),
  ])
})

describe('create and read', () => {
  it('reads a created session back by its token until it expires', async () => {
    const s = session()
    const token = await createSession(stores, s, random, T0)
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await readSession(env.SESSIONS, token, T0)).toEqual(s)
    expect(await readSession(env.SESSIONS, token, new Date(s.expiresAt - 1))).toEqual(s)
    expect(await readSession(env.SESSIONS, token, new Date(s.expiresAt))).toBeNull()
    expect(await readSession(env.SESSIONS, token, new Date(s.expiresAt + HOUR_MS))).toBeNull()
  })

  it('makes the token from the injected randomness, a new one per session', async () => {
    const pinned = (n: number) => new Uint8Array(n).fill(0xff)
    expect(await createSession(stores, session(), pinned, T0)).toBe(`${'_'.repeat(42)}8`)
    const a = await createSession(stores, session(), random, T0)
    const b = await createSession(stores, session(), random, T0)
    expect(a).not.toBe(b)
    expect(await readSession(env.SESSIONS, a, T0)).toEqual(session())
    expect(await readSession(env.SESSIONS, b, T0)).toEqual(session())
  })

  it('returns null for a well-formed token it never issued', async () => {
    await createSession(stores, session(), random, T0)
    expect(await readSession(env.SESSIONS, 'A'.repeat(43), T0)).toBeNull()
  })
})

describe('storage keys', () => {
  it('keys the session by the SHA-256 of the token, never the token or the NameID', async () => {
    const s = session({ nameId: 'Jane.Doe@acme.example' })
    const token = await createSession(stores, s, random, T0)
    const tokenHash = await sha256Hex(token)
    const names = (await listAllKeys(env.SESSIONS)).map((k) => k.name)
    expect(names).toEqual([`session:${tokenHash}`])
    expect(names[0]).not.toContain(token)
    // The D1 index row: the token's hash, the NameID's hash, the tenant, never the token.
    const rows = await indexRows()
    expect(rows).toEqual([
      {
        token_hash: tokenHash,
        organization_id: 'org_acme',
        idp_id: 'idp_acme',
        subject: 'acme:Jane.Doe@acme.example',
        name_id_hash: await sha256Hex('Jane.Doe@acme.example'),
        session_index: '_idp-session-1',
        expires_at: s.expiresAt,
      },
    ])
    expect(JSON.stringify(rows)).not.toContain(token)
  })

  it("keeps a session in KV for its lifetime, and at least KV's 60-second minimum", async () => {
    // expirationTtl is relative to the real clock, so `now` is the real time here.
    const now = new Date()
    const long = await createSession(stores, session({ expiresAt: now.getTime() + 2 * HOUR_MS }), random, now)
    const short = await createSession(stores, session({ nameId: 'bob@acme.example', expiresAt: now.getTime() + 5_000 }), random, now)
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
      await deleteSession({ kv, db: env.DB }, token, T0)
    }
    expect(reads).toEqual([])
    expect(await env.SESSIONS.get(`session:${await sha256Hex(malformed)}`)).not.toBeNull()
  })
})

describe('delete', () => {
  it('ends the session and its index row, leaving other sessions', async () => {
    const token = await createSession(stores, session(), random, T0)
    const other = await createSession(stores, session({ nameId: 'bob@acme.example' }), random, T0)
    await deleteSession(stores, token, T1)
    expect(await readSession(env.SESSIONS, token, T0)).toBeNull()
    expect(await readSession(env.SESSIONS, other, T0)).not.toBeNull()
    const otherHash = await sha256Hex(other)
    expect((await listAllKeys(env.SESSIONS)).map((k) => k.name)).toEqual([`session:${otherHash}`])
    expect((await indexRows()).map((r) => r.token_hash)).toEqual([otherHash])
    // A revocation row first, in force as long as KV may still serve the session elsewhere.
    expect(await revocationRows()).toEqual([
      { kind: 'session', value: await sha256Hex(token), not_before: T1.getTime(), until: T1.getTime() + KV_PROPAGATION_BOUND_MS },
    ])
  })

  it('treats an unknown token as a no-op', async () => {
    const token = await createSession(stores, session(), random, T0)
    await deleteSession(stores, 'B'.repeat(43), T1)
    expect(await readSession(env.SESSIONS, token, T0)).not.toBeNull()
    expect(await listAllKeys(env.SESSIONS)).toHaveLength(1)
    expect(await indexRows()).toHaveLength(1)
    expect(await revocationRows()).toEqual([])
  })
})

describe('endSessionsFor (IdP-initiated logout)', () => {
  it('ends every session of the NameID at that IdP, and none of another user or IdP', async () => {
    const jane1 = await createSession(stores, session({ sessionIndex: '_s1' }), random, T0)
    const jane2 = await createSession(stores, session({ sessionIndex: '_s2' }), random, T0)
    const bob = await createSession(stores, session({ nameId: 'bob@acme.example' }), random, T0)
    const janeElsewhere = await createSession(stores, session({ idpId: 'idp_other', idpSlug: 'other' }), random, T0)

    expect(await endSessionsFor(stores, 'idp_acme', 'jane@acme.example', [], T1)).toBe(2)
    expect(await readSession(env.SESSIONS, jane1, T0)).toBeNull()
    expect(await readSession(env.SESSIONS, jane2, T0)).toBeNull()
    expect(await readSession(env.SESSIONS, bob, T0)).not.toBeNull()
    expect(await readSession(env.SESSIONS, janeElsewhere, T0)).not.toBeNull()
    expect((await revocationRows()).map((r) => r.value).sort()).toEqual([await sha256Hex(jane1), await sha256Hex(jane2)].sort())
    // Their index rows went too: a second logout finds nothing.
    expect(await endSessionsFor(stores, 'idp_acme', 'jane@acme.example', [], T1)).toBe(0)
    expect(await listAllKeys(env.SESSIONS)).toHaveLength(2)
    expect(await indexRows()).toHaveLength(2)
  })

  it('with SessionIndexes, ends only the sessions that carry one of them', async () => {
    const s1 = await createSession(stores, session({ sessionIndex: '_s1' }), random, T0)
    const s2 = await createSession(stores, session({ sessionIndex: '_s2' }), random, T0)
    const s3 = await createSession(stores, session({ sessionIndex: '_s3' }), random, T0)
    const none = await createSession(stores, session({ sessionIndex: null }), random, T0)

    expect(await endSessionsFor(stores, 'idp_acme', 'jane@acme.example', ['_s1', '_s3', '_unknown'], T1)).toBe(2)
    expect(await readSession(env.SESSIONS, s1, T0)).toBeNull()
    expect(await readSession(env.SESSIONS, s3, T0)).toBeNull()
    expect(await readSession(env.SESSIONS, s2, T0)).not.toBeNull()
    expect(await readSession(env.SESSIONS, none, T0)).not.toBeNull()
    expect(await endSessionsFor(stores, 'idp_acme', 'jane@acme.example', ['_unknown'], T1)).toBe(0)
  })

  it('matches the NameID exactly: another case or spelling is another user', async () => {
    const token = await createSession(stores, session(), random, T0)
    expect(await endSessionsFor(stores, 'idp_acme', 'Jane@acme.example', [], T1)).toBe(0)
    expect(await endSessionsFor(stores, 'idp_acme', 'jane@acme.example ', [], T1)).toBe(0)
    expect(await readSession(env.SESSIONS, token, T0)).not.toBeNull()
  })
})

describe('revokeSessions (the admin ends sessions of an organization, an IdP or one user)', () => {
  async function seed() {
    return {
      acmeJane: await createSession(stores, session(), random, T0),
      acmeBob: await createSession(stores, session({ nameId: 'bob@acme.example' }), random, T0),
      acmeOtherIdp: await createSession(stores, session({ idpId: 'idp_acme2', idpSlug: 'acme2' }), random, T0),
      globex: await createSession(
        stores,
        session({ idpId: 'idp_globex', idpSlug: 'globex', organizationId: 'org_globex', nameId: 'jane@acme.example' }),
        random,
        T0,
      ),
    }
  }
  const alive = async (tokens: Record<string, string>) =>
    Object.fromEntries(await Promise.all(Object.entries(tokens).map(async ([k, t]) => [k, (await readSession(env.SESSIONS, t, T0)) !== null])))

  const revokedAt = async (table: 'idps' | 'organizations', id: string) =>
    (await env.DB.prepare(`SELECT sessions_revoked_at AS at FROM ${table} WHERE id = ?`).bind(id).first<{ at: number | null }>())?.at

  it('by organization: every session of its IdPs, none of another organization; stamps the organization', async () => {
    const tokens = await seed()
    expect(await revokeSessions(stores, { organizationId: 'org_acme' }, T1)).toEqual({ revoked: 3, remaining: 0 })
    expect(await alive(tokens)).toEqual({ acmeJane: false, acmeBob: false, acmeOtherIdp: false, globex: true })
    expect(await indexRows()).toHaveLength(1)
    // Sessions started before this instant are ended wherever the tenant status is read (sso/tenancy.ts).
    expect(await revokedAt('organizations', 'org_acme')).toBe(T1.getTime())
    expect(await revokedAt('organizations', 'org_globex')).toBeNull()
  })

  it('by IdP: only that IdP; stamps the IdP', async () => {
    const tokens = await seed()
    expect(await revokeSessions(stores, { idpId: 'idp_acme' }, T1)).toEqual({ revoked: 2, remaining: 0 })
    expect(await alive(tokens)).toEqual({ acmeJane: false, acmeBob: false, acmeOtherIdp: true, globex: true })
    expect(await revokedAt('idps', 'idp_acme')).toBe(T1.getTime())
    expect(await revokedAt('idps', 'idp_acme2')).toBeNull()
  })

  it('by subject: that user at that IdP only, not the same NameID at another IdP', async () => {
    const tokens = await seed()
    expect(await revokeSessions(stores, { subject: 'acme:jane@acme.example' }, T1)).toEqual({ revoked: 1, remaining: 0 })
    expect(await alive(tokens)).toEqual({ acmeJane: false, acmeBob: true, acmeOtherIdp: true, globex: true })
    expect(await revokeSessions(stores, { subject: 'acme:jane@acme.example' }, T1)).toEqual({ revoked: 0, remaining: 0 })
    expect(await revokedAt('idps', 'idp_acme')).toBeNull()
  })

  it(`stays within a Worker's KV budget: an organization's sessions past ${MAX_KV_DELETES_PER_CALL} end by its stamp, their index rows all go`, async () => {
    const n = MAX_KV_DELETES_PER_CALL + 20
    for (let i = 0; i < n; i++) await createSession(stores, session({ nameId: `user${i}@acme.example` }), random, T0)
    const kvDeletes: string[] = []
    const counting = {
      ...stores,
      kv: new Proxy(env.SESSIONS, {
        get(target, property) {
          const value = Reflect.get(target, property, target) as unknown
          if (typeof value !== 'function') return value
          const fn = (value as (...args: unknown[]) => unknown).bind(target)
          return property === 'delete' ? (...args: unknown[]) => (kvDeletes.push(String(args[0])), fn(...args)) : fn
        },
      }),
    }
    expect(await revokeSessions(counting, { organizationId: 'org_acme' }, T1)).toEqual({ revoked: n, remaining: 0 })
    expect(kvDeletes).toHaveLength(MAX_KV_DELETES_PER_CALL)
    expect(await listAllKeys(env.SESSIONS)).toHaveLength(20)
    expect(await indexRows()).toEqual([])
    expect(await revokedAt('organizations', 'org_acme')).toBe(T1.getTime())
  })

  it(`ends one user's sessions past ${MAX_KV_DELETES_PER_CALL} in one call, by a subject stamp in force as long as a session can live`, async () => {
    const n = MAX_KV_DELETES_PER_CALL + 10
    for (let i = 0; i < n; i++) await createSession(stores, session({ sessionIndex: `_s${i}` }), random, T0)
    expect(await revokeSessions(stores, { subject: 'acme:jane@acme.example' }, T1)).toEqual({ revoked: n, remaining: 0 })
    expect(await listAllKeys(env.SESSIONS)).toHaveLength(10)
    expect(await indexRows()).toEqual([])
    expect(await revocationRows()).toEqual([
      { kind: 'subject', value: 'acme:jane@acme.example', not_before: T1.getTime(), until: T1.getTime() + MAX_SESSION_LIFETIME_SECONDS * 1000 },
    ])
  })
})

describe('counting and pruning the index', () => {
  it('counts live sessions per organization, not expired ones', async () => {
    await createSession(stores, session(), random, T0)
    await createSession(stores, session({ expiresAt: T0.getTime() + 60_000 }), random, T0)
    await createSession(stores, session({ organizationId: 'org_globex' }), random, T0)
    expect(await countLiveSessionsByOrganization(env.DB, T0)).toEqual(
      new Map([
        ['org_acme', 2],
        ['org_globex', 1],
      ]),
    )
    expect(await countLiveSessionsByOrganization(env.DB, new Date(T0.getTime() + 120_000))).toEqual(
      new Map([
        ['org_acme', 1],
        ['org_globex', 1],
      ]),
    )
  })

  it('prunes revocation rows past their until only', async () => {
    const token = await createSession(stores, session(), random, T0)
    await deleteSession(stores, token, T0)
    await revokeSessions(stores, { subject: 'acme:bob@acme.example' }, T0)
    expect(await pruneSessionRevocations(env.DB, new Date(T0.getTime() + KV_PROPAGATION_BOUND_MS + 1))).toBe(1)
    expect((await revocationRows()).map((r) => r.kind)).toEqual(['subject'])
  })

  it('prunes the rows of expired sessions only', async () => {
    await createSession(stores, session({ expiresAt: T0.getTime() + 60_000 }), random, T0)
    const kept = await createSession(stores, session(), random, T0)
    expect(await pruneSessionIndex(env.DB, new Date(T0.getTime() + 120_000))).toBe(1)
    expect((await indexRows()).map((r) => r.token_hash)).toEqual([await sha256Hex(kept)])
  })
})
