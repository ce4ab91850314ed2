import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

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

  it('answers 503 degraded with the failing check when the schema is missing', async () => {
    await env.DB.exec('DROP TABLE idps')
    const res = await exports.default.fetch('https://support.example.com/sso/health')
    expect(res.status).toBe(503)
    const body = await res.json<{ status: string; checks: Record<string, { ok: boolean; error?: string }> }>()
    expect(body.status).toBe('degraded')
    expect(body.checks.d1?.ok).toBe(false)
    expect(body.checks.d1?.error).toContain('idps')
    expect(body.checks.kv?.ok).toBe(true)
  })
})
