import { env, exports } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'

describe('GET /sso/health', () => {
  it('reports D1 (migrated) and KV as reachable', async () => {
    const res = await exports.default.fetch('https://support.example.com/sso/health')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.json<{ status: string; checks: Record<string, { ok: boolean }> }>()
    expect(body.status).toBe('ok')
    expect(body.checks.d1?.ok).toBe(true)
    expect(body.checks.kv?.ok).toBe(true)
  })

  it('sends secure headers and a request ID on gateway responses', async () => {
    const res = await exports.default.fetch('https://support.example.com/sso/health')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("answers 503 degraded with the failing check's code, never the store's message, which goes to the log", async () => {
    const logged: string[] = []
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void logged.push(String(line)))
    await env.DB.exec('DROP TABLE idps')
    const res = await exports.default.fetch('https://support.example.com/sso/health')
    expect(res.status).toBe(503)
    const text = await res.text()
    const body = JSON.parse(text) as { status: string; checks: Record<string, { ok: boolean; code?: string }> }
    expect(body.status).toBe('degraded')
    expect(body.checks.d1).toMatchObject({ ok: false, code: 'D1_SCHEMA_MISSING' })
    expect(body.checks.kv?.ok).toBe(true)
    // Issue 11 item 10: the raw D1 error (table names, SQLite internals) is not public.
    expect(text).not.toMatch(/no such table|idps|SQLITE/i)
    expect(logged.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ msg: 'health', store: 'd1', code: 'D1_SCHEMA_MISSING', detail: expect.stringContaining('no such table: idps') }),
    )
    vi.restoreAllMocks()
  })
})
