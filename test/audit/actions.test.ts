// The audit action vocabulary (audit/actions.ts): filters and docs list exactly these names.
import { describe, expect, it } from 'vitest'
import { AUDIT_ACTIONS, isAuditAction } from '../../src/audit/actions'

describe('isAuditAction', () => {
  it('accepts every shipped action name', () => {
    for (const action of AUDIT_ACTIONS) expect(isAuditAction(action)).toBe(true)
  })

  it.each(['', 'LOGIN', 'login ', 'login.bogus', 'idp', 'constructor', 'toString', '__proto__'])('refuses %j', (value) => {
    expect(isAuditAction(value)).toBe(false)
  })

  it('keeps the customer-facing names that audit rows and docs cite', () => {
    expect(AUDIT_ACTIONS).toEqual(
      expect.arrayContaining([
        'login',
        'login.test',
        'logout',
        'logout.idp-response',
        'logout.idp-initiated',
        'logout.app-initiated',
        'handoff.saml',
        'handoff.zendesk',
        'handoff.freshworks',
      ]),
    )
    expect(new Set(AUDIT_ACTIONS).size).toBe(AUDIT_ACTIONS.length)
  })
})
