// The storage guard (store/guard.ts) on real D1 and KV: a storage failure becomes
// STORAGE_UNAVAILABLE naming the store and operation; a constraint violation passes through for
// the store to turn into a 409; batches still run (the runtime gets its own statements back);
// and one wrapper per binding, so caches keyed by the binding keep working.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { guardD1, guardKv } from '../../src/store/guard'
import { faultyD1, faultyKv } from '../helpers/storage'

describe('the storage guard', () => {
  it('turns a D1 or KV failure into STORAGE_UNAVAILABLE with the store and operation', async () => {
    const db = guardD1(faultyD1(env.DB, { fails: /FROM settings/ }))
    await expect(db.prepare('SELECT * FROM settings').all()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', detail: { store: 'D1', op: 'all' } })
    const kv = guardKv(faultyKv(env.SESSIONS, ['put']))
    await expect(kv.put('k', 'v')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', detail: { store: 'KV', op: 'put' } })
  })

  it('lets a constraint violation through unchanged', async () => {
    const db = guardD1(env.DB)
    await db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('guard-test', '1', 0)").run()
    await expect(db.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('guard-test', '1', 0)").run()).rejects.toThrow(/UNIQUE/)
  })

  it('runs batches and reads through the guard, and wraps each binding once', async () => {
    const db = guardD1(env.DB)
    const [a, b] = await db.batch([db.prepare('SELECT 1 AS one'), db.prepare('SELECT ? AS two').bind(2)])
    expect(a!.results).toEqual([{ one: 1 }])
    expect(b!.results).toEqual([{ two: 2 }])
    expect(guardD1(env.DB)).toBe(db)
    expect(guardKv(env.SESSIONS)).toBe(guardKv(env.SESSIONS))
    const kv = guardKv(env.SESSIONS)
    await kv.put('guard-key', 'v')
    expect(await kv.get('guard-key')).toBe('v')
  })
})
