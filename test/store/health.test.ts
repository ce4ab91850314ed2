// workerd: the storage probe behind /sso/health against real D1 and KV: healthy, degraded when
// D1 lacks the migrated schema, and read-only.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { checkStorage } from '../../src/store/health'
import { listAllKeys } from '../helpers/storage'

describe('checkStorage', () => {
  it('reports D1 and KV reachable, each with a duration and no error', async () => {
    const result = await checkStorage(env.DB, env.SESSIONS)
    expect(result).toEqual({ d1: { ok: true, ms: expect.any(Number) }, kv: { ok: true, ms: expect.any(Number) } })
    expect(result.d1.ms).toBeGreaterThanOrEqual(0)
    expect(result.kv.ms).toBeGreaterThanOrEqual(0)
  })

  it('reports D1 degraded with the code D1_SCHEMA_MISSING (and the message for the log) when the migrations were not applied', async () => {
    // The same database without the idps table (as before `wrangler d1 migrations apply`).
    await env.DB.exec('ALTER TABLE idps RENAME TO idps_hidden')
    try {
      const result = await checkStorage(env.DB, env.SESSIONS)
      expect(result.d1).toEqual({ ok: false, ms: expect.any(Number), code: 'D1_SCHEMA_MISSING', detail: expect.stringContaining('idps') })
      expect(result.kv.ok).toBe(true)
    } finally {
      await env.DB.exec('ALTER TABLE idps_hidden RENAME TO idps')
    }
    expect((await checkStorage(env.DB, env.SESSIONS)).d1.ok).toBe(true)
  })

  it('writes nothing to KV or D1', async () => {
    const before = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()
    const counts = async () => (await env.DB.prepare('SELECT (SELECT count(*) FROM idps) + (SELECT count(*) FROM audit_log) AS n').first<{ n: number }>())!.n
    const rowsBefore = await counts()
    await checkStorage(env.DB, env.SESSIONS)
    await checkStorage(env.DB, env.SESSIONS)
    expect(await listAllKeys(env.SESSIONS)).toEqual([])
    expect(await counts()).toBe(rowsBefore)
    expect((await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()).results).toEqual(before.results)
  })
})
