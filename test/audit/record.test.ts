// Audit rows (audit/record.ts) in real D1, as an admin reads them: who, when, from where, which
// request; details bounded whatever a client sends; failures with their stable code and the
// admin's hint, and nothing for codes not worth a row.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { auditFailure, capDetail, MAX_AUDIT_DETAIL_CHARS, MAX_AUDIT_LIST_ITEMS, MAX_AUDIT_VALUE_CHARS, newTrail, recordAudit } from '../../src/audit/record'
import { AppError, errorInfo } from '../../src/errors'
import { SamlError } from '../../src/saml/errors'
import { FAILURE_AUDIT } from '../../src/store/rate-limits'
import { lastAuditRow, testContext } from '../helpers/context'

const NOW = new Date('2031-03-01T12:00:00Z')
const HUGE = 250_000

async function rowCount(): Promise<number> {
  return (await env.DB.prepare('SELECT COUNT(*) AS n FROM audit_log').first<{ n: number }>())!.n
}

describe('recordAudit', () => {
  it('fills time, client IP, user agent and request ID from the request context', async () => {
    const ctx = testContext({ clock: () => NOW, ip: '198.51.100.9', userAgent: 'Mozilla/5.0 test', requestId: 'req-abc', actor: 'admin-token' })
    await recordAudit(ctx, { action: 'idp.update', outcome: 'success', idpId: 'idp_1', detail: { fields: ['name'] } })
    expect(await lastAuditRow('idp.update')).toMatchObject({
      at: NOW.getTime(),
      actor: 'admin-token',
      action: 'idp.update',
      outcome: 'success',
      code: null,
      idp_id: 'idp_1',
      subject: null,
      ip: '198.51.100.9',
      user_agent: 'Mozilla/5.0 test',
      request_id: 'req-abc',
      detail: { fields: ['name'] },
    })
  })

  it('records an anonymous request that acts for a subject (a login) as that subject', async () => {
    await recordAudit(testContext({ actor: 'anonymous' }), { action: 'login', outcome: 'success', subject: 'jane@acme.example' })
    expect(await lastAuditRow('login')).toMatchObject({ actor: 'jane@acme.example', subject: 'jane@acme.example', detail: {} })
    await recordAudit(testContext({ actor: 'anonymous' }), { action: 'logout', outcome: 'success' })
    expect(await lastAuditRow('logout')).toMatchObject({ actor: 'anonymous', subject: null })
  })

  it('keeps a known actor even when the event names a subject', async () => {
    await recordAudit(testContext({ actor: 'admin-token' }), { action: 'idp.test', outcome: 'success', subject: 'jane@acme.example' })
    expect(await lastAuditRow('idp.test')).toMatchObject({ actor: 'admin-token', subject: 'jane@acme.example' })
  })

  it('writes nothing unbounded: a 250,000-character subject, user agent and detail value are cut', async () => {
    const ctx = testContext({ actor: 'anonymous', userAgent: 'u'.repeat(HUGE) })
    await recordAudit(ctx, { action: 'login', outcome: 'failure', subject: 's'.repeat(HUGE), detail: { received: 'x'.repeat(HUGE) } })
    const raw = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'login' ORDER BY id DESC").first<Record<string, string>>()
    expect(raw!.detail!.length).toBeLessThanOrEqual(MAX_AUDIT_DETAIL_CHARS)
    for (const column of ['subject', 'actor', 'user_agent'] as const) expect(raw![column]!.length).toBeLessThan(MAX_AUDIT_VALUE_CHARS + 32)
  })
})

describe('capDetail', () => {
  it('keeps a small detail as it is', () => {
    const detail = { expected: 'https://sp.test', received: 'https://evil.test', groups: ['a', 'b'], skew: 180, ok: false, none: null }
    expect(capDetail(detail)).toEqual(detail)
  })

  it(`cuts a string at MAX_AUDIT_VALUE_CHARS (${MAX_AUDIT_VALUE_CHARS}) and says how long it was`, () => {
    const value = `${'a'.repeat(MAX_AUDIT_VALUE_CHARS)}${'b'.repeat(HUGE - MAX_AUDIT_VALUE_CHARS)}`
    expect(capDetail({ value })).toEqual({ value: `${'a'.repeat(MAX_AUDIT_VALUE_CHARS)}…[${HUGE} chars]` })
    expect(capDetail({ value: 'a'.repeat(MAX_AUDIT_VALUE_CHARS) })).toEqual({ value: 'a'.repeat(MAX_AUDIT_VALUE_CHARS) })
  })

  it(`keeps MAX_AUDIT_LIST_ITEMS (${MAX_AUDIT_LIST_ITEMS}) list items and says how many there were`, () => {
    const groups = Array.from({ length: 1000 }, (_, i) => `g${i}`)
    const capped = capDetail({ groups }).groups as string[]
    expect(capped).toHaveLength(MAX_AUDIT_LIST_ITEMS + 1)
    expect(capped.slice(0, 3)).toEqual(['g0', 'g1', 'g2'])
    expect(capped.at(-1)).toBe('…[1000 items]')
  })

  it('caps values inside nested objects and lists, and stops at a depth', () => {
    const capped = capDetail({ outer: { inner: ['y'.repeat(HUGE)] }, deep: { a: { b: { c: { d: 'too deep' } } } } })
    expect(capped).toEqual({ outer: { inner: [`${'y'.repeat(MAX_AUDIT_VALUE_CHARS)}…[${HUGE} chars]`] }, deep: { a: { b: { c: '[nested]' } } } })
  })

  it(`keeps only the key names of a detail still over MAX_AUDIT_DETAIL_CHARS (${MAX_AUDIT_DETAIL_CHARS}) once capped`, () => {
    const detail = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`field${i}`, 'v'.repeat(HUGE)]))
    const capped = capDetail(detail)
    expect(capped).toEqual({ truncated: true, keys: Object.keys(detail) })
    expect(JSON.stringify(capped).length).toBeLessThanOrEqual(MAX_AUDIT_DETAIL_CHARS)
  })

  it('turns values JSON cannot hold into text', () => {
    expect(capDetail({ big: 12n, fn: () => 1 })).toEqual({ big: '12', fn: expect.stringContaining('=>') })
  })
})

describe('auditFailure', () => {
  it("writes the failure's code, its detail and the admin's hint on the request's trail", async () => {
    const trail = { ...newTrail('login'), idpId: 'idp_acme', subject: 'jane@acme.example' }
    const err = new AppError('LOGIN_GROUP_DENIED', undefined, { allowedGroups: ['staff'], groups: ['guests'] })
    await auditFailure(testContext({ requestId: 'req-fail' }), trail, err)
    expect(await lastAuditRow('login')).toMatchObject({
      outcome: 'failure',
      code: 'LOGIN_GROUP_DENIED',
      idp_id: 'idp_acme',
      subject: 'jane@acme.example',
      request_id: 'req-fail',
      detail: { allowedGroups: ['staff'], groups: ['guests'], hint: errorInfo('LOGIN_GROUP_DENIED').admin },
    })
  })

  it('writes a SAML rejection with its code and expected/received values', async () => {
    const err = new SamlError('SAML_AUDIENCE_MISMATCH', 'Audience is not this SP', { expected: 'https://sp.test', received: 'https://other.test' })
    await auditFailure(testContext(), newTrail('login.test'), err)
    const row = await lastAuditRow('login.test')
    expect(row).toMatchObject({ outcome: 'failure', code: 'SAML_AUDIENCE_MISMATCH', detail: { expected: 'https://sp.test', received: 'https://other.test' } })
    expect(row!.detail!.hint).toBe(errorInfo('SAML_AUDIENCE_MISMATCH').admin)
  })

  it('records an unexpected error as INTERNAL with its kind only, never its message or stack', async () => {
    await auditFailure(testContext(), newTrail('maintenance'), new TypeError('secret=hunter2 at /src/x.ts:1'))
    const row = await lastAuditRow('maintenance')
    expect(row).toMatchObject({ outcome: 'failure', code: 'INTERNAL', detail: { error: 'TypeError' } })
    expect(JSON.stringify(row)).not.toContain('hunter2')
  })

  it.each(['NOT_FOUND', 'METHOD_NOT_ALLOWED', 'SESSION_REQUIRED', 'ADMIN_AUTH_REQUIRED'] as const)(
    'writes nothing for %s (marked audit: false)',
    async (code) => {
      const before = await rowCount()
      await auditFailure(testContext(), newTrail('login'), new AppError(code))
      expect(await rowCount()).toBe(before)
    },
  )
})

// Issue 11 item 4: an anonymous client could make the audit log write a row per request, without bound.
describe('auditFailure: rows per client IP', () => {
  const ip = '192.0.2.44'
  const failure = (i: number) => new AppError('LOGIN_STATE_MISSING', undefined, { attempt: i })
  const rowsFrom = async (from: string) =>
    (await env.DB.prepare("SELECT detail FROM audit_log WHERE ip = ? AND action = 'login' ORDER BY id").bind(from).all<{ detail: string }>()).results.map(
      (r) => JSON.parse(r.detail) as Record<string, unknown>,
    )

  it(`writes ${FAILURE_AUDIT.limit} anonymous failure rows per IP a window, then one saying the rest are left out, then none`, async () => {
    for (let i = 1; i <= FAILURE_AUDIT.limit + 10; i++) await auditFailure(testContext({ ip }), newTrail('login'), failure(i))
    const rows = await rowsFrom(ip)
    expect(rows).toHaveLength(FAILURE_AUDIT.limit + 1)
    expect(rows.slice(0, FAILURE_AUDIT.limit).map((d) => d.attempt)).toEqual(Array.from({ length: FAILURE_AUDIT.limit }, (_, i) => i + 1))
    expect(rows.at(-1)).toEqual({ auditSuppressed: expect.stringMatching(/^More than 30 failures from this IP within 60 s/) })
    // Another client, an admin and the cron are not held back by this one.
    await auditFailure(testContext({ ip: '192.0.2.45' }), newTrail('login'), failure(0))
    await auditFailure(testContext({ ip, actor: 'admin-token' }), newTrail('login'), failure(-1))
    await auditFailure(testContext({ ip: null, actor: 'cron' }), newTrail('login'), failure(-2))
    expect(await rowsFrom('192.0.2.45')).toHaveLength(1)
    expect((await rowsFrom(ip)).at(-1)).toMatchObject({ attempt: -1 })
  })

  it('holds under parallel failures', async () => {
    await Promise.all(Array.from({ length: 60 }, (_, i) => auditFailure(testContext({ ip: '192.0.2.46' }), newTrail('login'), failure(i))))
    expect(await rowsFrom('192.0.2.46')).toHaveLength(FAILURE_AUDIT.limit + 1)
  })
})
