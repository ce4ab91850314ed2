import { describe, expect, it } from 'vitest'
import { safeReturnTo } from '../../src/sso/return-to'

describe('safeReturnTo', () => {
  it('keeps same-origin paths with query and fragment', () => {
    expect(safeReturnTo('/servicedesk/customer/portal/2?x=1#top')).toBe('/servicedesk/customer/portal/2?x=1#top')
    expect(safeReturnTo('/')).toBe('/')
    expect(safeReturnTo('/a%20b')).toBe('/a%20b')
  })

  it.each([
    '//evil.com',
    'https://evil.com',
    'http://evil.com/path',
    '/\\evil.com',
    '\\\\evil.com',
    '/%2F%2Fevil.com',
    '/%5Cevil.com',
    '%2F%2Fevil.com',
    '/%252F%252Fevil.com',
    '/\t/evil.com',
    '/\n/evil.com',
    'javascript:alert(1)',
    'evil.com',
    '',
    '/sso/login?return_to=/x',
    '/sso/logout',
    `/${'a'.repeat(3000)}`,
  ])('sends %j to /', (value) => {
    expect(safeReturnTo(value)).toBe('/')
  })
})
