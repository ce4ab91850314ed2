// Concurrent admin edits of one IdP (issue 15, "Races"): ten PATCHes at once all land, the last
// write wins whole (no field mix of two writes), and each leaves its own audit row.
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'

const API = 'https://support.example.com/sso/admin/api'
const api = (path: string, method: string, body?: unknown) =>
  exports.default.fetch(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

describe('ten concurrent edits of one IdP', () => {
  it('all land, last write wins whole, and each is audited', async () => {
    const created = await api('/idps', 'POST', {
      name: 'Race IdP',
      entityId: 'urn:race:edit',
      ssoUrl: 'https://race.example/sso',
      certificates: [TEST_IDP_CERT],
    })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    const edits = Array.from({ length: 10 }, (_, i) => ({ name: `Race IdP ${i}`, sloUrl: `https://race.example/slo/${i}` }))
    const statuses = await Promise.all(edits.map((e) => api(`/idps/${id}`, 'PATCH', e).then((r) => r.status)))
    expect(statuses).toEqual(Array(10).fill(200))
    const final = (await (await api(`/idps/${id}`, 'GET')).json()) as { name: string; sloUrl: string }
    // One write's values, both fields from the same write.
    const i = Number(final.name.split(' ').at(-1))
    expect(final).toMatchObject(edits[i]!)
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'idp.update' AND idp_id = ?").bind(id).first<{ n: number }>()
    expect(rows!.n).toBe(10)
  })
})
