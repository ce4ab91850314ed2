// Request IDs (middleware/request-id.ts) through the whole app: ours on every answer, error page,
// audit row and log line; a client's X-Request-Id never taken for it (issue 11 item 10), only
// logged apart when it looks like an ID.
import { env, exports } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'

const ORIGIN = 'https://support.example.com'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

afterEach(() => vi.restoreAllMocks())

/** The request log lines written while `run` ran. */
async function logged(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = []
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)))
  await run()
  return lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('request IDs', () => {
  it("answers with its own ID, whatever the client sent, and logs the client's apart", async () => {
    let res!: Response
    const lines = await logged(async () => {
      res = await exports.default.fetch(`${ORIGIN}/sso/nope`, { headers: { accept: 'application/json', 'x-request-id': 'ticket-4711' } })
    })
    const ours = res.headers.get('x-request-id')!
    expect(ours).toMatch(UUID)
    expect((await res.json<{ error: { requestId: string } }>()).error.requestId).toBe(ours)
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', requestId: ours, clientRequestId: 'ticket-4711' }))
  })

  it("never files an audit row under the client's ID", async () => {
    const chosen = 'audit-row-i-want-to-hide-behind'
    const res = await exports.default.fetch(`${ORIGIN}/sso/admin/api/idps`, { headers: { 'x-request-id': chosen, authorization: 'Bearer wrong' } })
    expect(res.status).toBe(401)
    const ours = res.headers.get('x-request-id')!
    expect(ours).not.toBe(chosen)
    const row = await env.DB.prepare('SELECT request_id FROM audit_log ORDER BY id DESC LIMIT 1').first<{ request_id: string }>()
    expect(row?.request_id).toBe(ours)
  })

  it('logs no client ID that could forge a log line or is too long', async () => {
    for (const theirs of ['a"b', 'x'.repeat(129), 'line\\nbreak', '{"level":"info"}']) {
      const lines = await logged(() => exports.default.fetch(`${ORIGIN}/sso/health`, { headers: { 'x-request-id': theirs } }))
      expect(lines.find((l) => l.msg === 'request')).not.toHaveProperty('clientRequestId')
    }
  })

  it('gives every request a new ID', async () => {
    const ids = new Set<string>()
    for (let i = 0; i < 5; i++) ids.add((await exports.default.fetch(`${ORIGIN}/sso/health`)).headers.get('x-request-id')!)
    expect(ids.size).toBe(5)
  })
})
