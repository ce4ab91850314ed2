// Reading the audit log (admin/audit-log.ts): the API's query refused by name when bad, the
// console's filter form applied leniently, and newest-first keyset pages over real D1 rows.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { consoleAuditQuery, DEFAULT_AUDIT_PAGE, MAX_AUDIT_PAGE, parseAuditQuery, parseAuditTime, readAuditLog } from '../../src/admin/audit-log'
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

describe('parseAuditTime', () => {
  it.each([
    ['2031-01-31', '2031-01-31T00:00:00.000Z'],
    ['2031-01-31T12:30Z', '2031-01-31T12:30:00.000Z'],
    ['2031-01-31T12:30:15.250Z', '2031-01-31T12:30:15.250Z'],
    ['2031-01-31T12:30:00+02:00', '2031-01-31T10:30:00.000Z'],
    ['1924992000000', '2031-01-01T00:00:00.000Z'],
    ['0', '1970-01-01T00:00:00.000Z'],
  ])('reads %j as %s', (value, iso) => {
    expect(parseAuditTime(value)?.toISOString()).toBe(iso)
  })

  it.each([
    '',
    'yesterday',
    '2031-02-30',
    '2031-13-01',
    '31/01/2031',
    '2031-01-31T12:00',
    '2031-01-31 12:00Z',
    '2031-01-31T25:00Z',
    '-5',
    '1e12',
    '12.5',
    '0050-01-01',
  ])('refuses %j (no offset would be ambiguous; no rolled-over date)', (value) => {
    expect(parseAuditTime(value)).toBeNull()
  })
})

describe('parseAuditQuery time and organization filters', () => {
  it('reads since, until and organizationId', () => {
    expect(parseAuditQuery({ since: '2031-01-05', until: '2031-01-06', organizationId: 'org_1' })).toMatchObject({
      since: new Date('2031-01-05T00:00:00Z'),
      until: new Date('2031-01-06T00:00:00Z'),
      organizationId: 'org_1',
    })
  })

  it.each(['since', 'until'])('refuses a %s it cannot read, naming it and quoting the value', (name) => {
    expect(() => parseAuditQuery({ [name]: '2031-02-30' })).toThrow(invalidField(name))
    expect(() => parseAuditQuery({ [name]: '2031-02-30' })).toThrow(/2031-02-30/)
  })

  it('refuses an until that is not after since', () => {
    expect(() => parseAuditQuery({ since: '2031-01-06', until: '2031-01-06' })).toThrow(invalidField('until'))
    expect(() => parseAuditQuery({ since: '2031-01-06', until: '2031-01-05' })).toThrow(invalidField('until'))
  })
})

describe('consoleAuditQuery (console, lenient)', () => {
  it('applies the time filters that parse, keeping every typed value for the form', () => {
    const { query, filters } = consoleAuditQuery({ since: '2031-01-05', until: 'soon', organizationId: 'org_1' })
    expect(query).toMatchObject({ since: new Date('2031-01-05T00:00:00Z'), until: undefined, organizationId: 'org_1' })
    expect(filters).toEqual({ since: '2031-01-05', until: 'soon', organizationId: 'org_1' })
  })

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
