// Reading the audit log (admin/audit-log.ts): the API's query refused by name when bad, the
// console's filter form applied leniently, and newest-first keyset pages over real D1 rows.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { consoleAuditQuery, DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE, parseAuditQuery, readAuditLog } from '../../src/admin/audit-log'
import { recordAudit } from '../../src/audit/record'
import { testContext } from '../helpers/context'

const invalidField = (field: string) => expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: { field } })

describe('parseAuditQuery (API, strict)', () => {
  it('defaults to a page of DEFAULT_AUDIT_PAGE with no filters', () => {
    expect(parseAuditQuery({})).toEqual({
      action: undefined,
      idpId: undefined,
      outcome: undefined,
      code: undefined,
      before: undefined,
      limit: DEFAULT_AUDIT_PAGE,
    })
  })

  it('passes the filters and page through', () => {
    expect(parseAuditQuery({ action: 'login', idpId: 'idp_1', outcome: 'failure', code: 'SAML_SIGNATURE_INVALID', before: '42', limit: '500' })).toEqual({
      action: 'login',
      idpId: 'idp_1',
      outcome: 'failure',
      code: 'SAML_SIGNATURE_INVALID',
      before: 42,
      limit: MAX_AUDIT_PAGE,
    })
  })

  it.each(['0', '501', '-1', '2.5', 'ten', ''])('refuses limit=%j naming limit', (limit) => {
    expect(() => parseAuditQuery({ limit })).toThrow(invalidField('limit'))
  })

  it.each(['0', '-5', '1.5', 'abc', ''])('refuses before=%j naming before', (before) => {
    expect(() => parseAuditQuery({ before })).toThrow(invalidField('before'))
  })

  it('refuses an outcome other than success or failure', () => {
    expect(() => parseAuditQuery({ outcome: 'ok' })).toThrow(invalidField('outcome'))
    expect(() => parseAuditQuery({ outcome: '' })).toThrow(invalidField('outcome'))
  })
})

describe('consoleAuditQuery (console, lenient)', () => {
  it('applies the filters that parse and drops the others, keeping what was typed for the form', () => {
    const { query, filters } = consoleAuditQuery({ action: 'login', outcome: 'bogus', code: '', idpId: 'idp_1', before: '12x', limit: '3' })
    expect(query).toEqual({ action: 'login', idpId: 'idp_1', outcome: undefined, before: undefined, limit: DEFAULT_AUDIT_PAGE })
    expect(filters).toEqual({ action: 'login', outcome: 'bogus', idpId: 'idp_1' })
  })

  it('applies a valid outcome and page', () => {
    expect(consoleAuditQuery({ outcome: 'failure', before: '7' }).query).toMatchObject({ outcome: 'failure', before: 7 })
  })
})

describe('readAuditLog', () => {
  const t0 = Date.parse('2031-01-01T00:00:00Z')

  beforeEach(async () => {
    await env.DB.prepare('DELETE FROM audit_log').run()
    const events = [
      { action: 'login', outcome: 'success', idpId: 'idp_a' },
      { action: 'login', outcome: 'failure', code: 'SAML_SIGNATURE_INVALID', idpId: 'idp_a' },
      { action: 'idp.update', outcome: 'success', idpId: 'idp_b' },
      { action: 'login', outcome: 'failure', code: 'LOGIN_STATE_MISSING', idpId: 'idp_b' },
      { action: 'login', outcome: 'success', idpId: 'idp_b' },
    ] as const
    for (const [i, e] of events.entries()) await recordAudit(testContext({ clock: () => new Date(t0 + i * 1000), actor: `actor-${i}` }), e)
  })

  it('pages newest first, each page continuing before the last id of the previous one', async () => {
    const ctx = testContext()
    const first = await readAuditLog(ctx, parseAuditQuery({ limit: '2' }))
    expect(first.entries.map((e) => e.actor)).toEqual(['actor-4', 'actor-3'])
    expect(first.nextBefore).toBe(first.entries[1]!.id)
    const second = await readAuditLog(ctx, parseAuditQuery({ limit: '2', before: String(first.nextBefore) }))
    expect(second.entries.map((e) => e.actor)).toEqual(['actor-2', 'actor-1'])
    const last = await readAuditLog(ctx, parseAuditQuery({ limit: '2', before: String(second.nextBefore) }))
    expect(last.entries.map((e) => e.actor)).toEqual(['actor-0'])
    expect(last.nextBefore).toBeNull()
  })

  it('says there is no next page when the page holds everything', async () => {
    const page = await readAuditLog(testContext(), parseAuditQuery({ limit: '5' }))
    expect(page.entries).toHaveLength(5)
    expect(page.nextBefore).toBeNull()
  })

  it('filters by action, outcome, code and IdP together', async () => {
    const ctx = testContext()
    const failures = await readAuditLog(ctx, parseAuditQuery({ action: 'login', outcome: 'failure' }))
    expect(failures.entries.map((e) => e.code)).toEqual(['LOGIN_STATE_MISSING', 'SAML_SIGNATURE_INVALID'])
    const one = await readAuditLog(ctx, parseAuditQuery({ code: 'SAML_SIGNATURE_INVALID', idpId: 'idp_a' }))
    expect(one.entries.map((e) => e.actor)).toEqual(['actor-1'])
    expect((await readAuditLog(ctx, parseAuditQuery({ idpId: 'idp_b', outcome: 'success' }))).entries.map((e) => e.action)).toEqual(['login', 'idp.update'])
  })

  it('shows times as ISO strings and the row as written', async () => {
    const [newest] = (await readAuditLog(testContext(), parseAuditQuery({ limit: '1' }))).entries
    expect(newest).toMatchObject({
      at: '2031-01-01T00:00:04.000Z',
      action: 'login',
      outcome: 'success',
      idpId: 'idp_b',
      ip: '203.0.113.7',
      userAgent: 'vitest',
    })
  })

  it('reads the console query with its dropped filters as an unfiltered page', async () => {
    const { query } = consoleAuditQuery({ outcome: 'maybe', before: 'x' })
    expect((await readAuditLog(testContext(), query)).entries).toHaveLength(5)
  })
})
