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
    // Dot segments and encodings that normalize to `//host` (issue 11, item 1): each ended in
    // `Location: //evil.example` before safeReturnTo checked the resolved path.
    '/.//evil.example',
    '/x/..//evil.example',
    '/x/../..//evil.example',
    '/%2e//evil.example',
    '/%2E//evil.example',
    '/%2e%2e//evil.example',
    '/x/%2e%2e//evil.example',
    '/.%2f/evil.example',
    '/%2e%2f%2fevil.example',
    '/%252e//evil.example',
    '/%25252e//evil.example',
    '/./\\evil.example',
    '/%5c%5cevil.example',
    '/x/..%5c%5cevil.example',
    '/.\t//evil.example',
    '/.\r\n//evil.example',
    '/sso/%6cogin',
    '/sso/./login?x=1',
  ])('sends %j to /', (value) => {
    expect(safeReturnTo(value)).toBe('/')
  })

  it('keeps harmless dot segments and double slashes inside the path, resolved', () => {
    expect(safeReturnTo('/a/./b/../c')).toBe('/a/c')
    expect(safeReturnTo('/a//b')).toBe('/a//b')
    expect(safeReturnTo('/tickets?next=//evil.example')).toBe('/tickets?next=//evil.example')
  })

  it('never returns a value a browser would read as another host, whatever the input (fuzzed)', () => {
    const parts = ['/', '.', '..', '%2e', '%2E', '%2f', '%5c', '\\', '%252e', '%252f', 'evil.example', 'x', '?', '#', '%00', '%09']
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % parts.length
    for (let i = 0; i < 5000; i++) {
      const candidate = `/${Array.from({ length: 1 + (i % 7) }, () => parts[next()]).join('')}`
      const out = safeReturnTo(candidate)
      expect(out.startsWith('/'), candidate).toBe(true)
      expect(new URL(out, 'https://portal.example').origin, `${candidate} → ${out}`).toBe('https://portal.example')
      expect(out.startsWith('//') || out.startsWith('/\\'), `${candidate} → ${out}`).toBe(false)
    }
  })
})
