// The xs:dateTime reader of the SAML core (saml/assertion.ts parseDateTime): UTC instants from
// the forms IdPs send, and a refusal (SAML_NOT_SAML) for anything else, impossible offsets included.
import { describe, expect, it } from 'vitest'
import { parseDateTime } from '../../src/saml/assertion'

describe('parseDateTime', () => {
  it.each([
    ['2026-11-26T12:00:00Z', Date.UTC(2026, 10, 26, 12)],
    ['2026-11-26T12:00:00.123Z', Date.UTC(2026, 10, 26, 12, 0, 0, 123)],
    // ADFS writes 7 fractional digits: truncated to milliseconds.
    ['2026-11-26T12:00:00.1234567Z', Date.UTC(2026, 10, 26, 12, 0, 0, 123)],
    ['2026-11-26T13:30:00+01:30', Date.UTC(2026, 10, 26, 12)],
    ['2026-11-26T02:00:00-10:00', Date.UTC(2026, 10, 26, 12)],
    ['2026-11-27T02:00:00+14:00', Date.UTC(2026, 10, 26, 12)],
    ['2026-11-25T22:00:00-14:00', Date.UTC(2026, 10, 26, 12)],
  ])('reads %s', (value, utc) => {
    expect(parseDateTime(value, 'test')).toBe(utc)
  })

  it.each([
    // Issue 11 item 10: offsets beyond ±14:00 or with minutes over 59 were accepted (+99:99 moved
    // an instant by more than four days).
    '2026-11-26T12:00:00+99:99',
    '2026-11-26T12:00:00+14:01',
    '2026-11-26T12:00:00-15:00',
    '2026-11-26T12:00:00+01:60',
    '2026-11-26T12:00:00+1:00',
    '2026-11-26T12:00:00+0100',
    '2026-11-26T12:00:00',
    '2026-02-30T12:00:00Z',
    '2026-11-26T24:00:00Z',
    '2026-11-26T12:60:00Z',
    '2026-11-26 12:00:00Z',
    '',
  ])('refuses %j with SAML_NOT_SAML', (value) => {
    expect(() => parseDateTime(value, 'test')).toThrow(expect.objectContaining({ code: 'SAML_NOT_SAML' }))
  })
})
