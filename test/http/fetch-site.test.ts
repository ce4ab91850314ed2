// Who started a request (http/fetch-site.ts): what decides whether a logout acts or asks first.
import { describe, expect, it } from 'vitest'
import { startedHere } from '../../src/http/fetch-site'

const ORIGIN = 'https://support.example.com'
const req = (method: string, headers: Record<string, string>) => new Request(`${ORIGIN}/sso/logout`, { method, headers })

describe('startedHere', () => {
  it.each([
    ['a page of this origin', 'GET', { 'sec-fetch-site': 'same-origin' }, true],
    ['a form of this origin', 'POST', { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' }, true],
    ['the user typing the URL or a bookmark', 'GET', { 'sec-fetch-site': 'none' }, true],
    ['another site', 'GET', { 'sec-fetch-site': 'cross-site', referer: `${ORIGIN}/` }, false],
    ['a sibling subdomain (same-site is not same-origin)', 'GET', { 'sec-fetch-site': 'same-site' }, false],
    ['a POST with no initiator (never from a typed URL)', 'POST', { 'sec-fetch-site': 'none' }, false],
    ['an older browser: Origin of this origin', 'POST', { origin: ORIGIN }, true],
    ['an older browser: Referer on this origin', 'GET', { referer: `${ORIGIN}/tickets` }, true],
    ['an older browser: Origin elsewhere', 'POST', { origin: 'https://evil.example' }, false],
    ['an older browser: Referer on a look-alike host', 'GET', { referer: 'https://support.example.com.evil.example/' }, false],
    ['an opaque origin', 'POST', { origin: 'null' }, false],
    ['no signal at all', 'GET', {}, false],
  ])('%s → %s', (_name, method, headers, expected) => {
    expect(startedHere(req(method, headers), ORIGIN)).toBe(expected)
  })
})
