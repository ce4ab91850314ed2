// The shared admin input checks (admin/validate.ts): what each validator accepts, and that every
// refusal is ADMIN_INVALID_FIELD naming the field the admin has to fix.
import { describe, expect, it } from 'vitest'
import {
  bool,
  int,
  MAX_CERTIFICATES,
  newId,
  optStr,
  optUrl,
  parseCertificates,
  parseSlug,
  parseUrl,
  requireObject,
  slugify,
  str,
  stringArray,
} from '../../src/admin/validate'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { EC_P256_CERT } from '../fixtures/x509'

const invalidField = (field: string) => expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: { field } })

/** The certificate as metadata carries it: bare base64 DER, no PEM armour. */
const BARE_DER = TEST_IDP_CERT.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')

describe('requireObject', () => {
  it('accepts a JSON object and refuses arrays, null and scalars with ADMIN_INVALID_JSON', () => {
    expect(requireObject({ a: 1 })).toEqual({ a: 1 })
    for (const body of [[], null, 'text', 42, undefined]) expect(() => requireObject(body)).toThrow(expect.objectContaining({ code: 'ADMIN_INVALID_JSON' }))
  })
})

describe('str and optStr', () => {
  it('trims a non-empty string', () => {
    expect(str('  Acme  ', 'name', 100)).toBe('Acme')
  })

  it('refuses empty, blank, non-string and too-long values naming the field', () => {
    for (const v of ['', '   ', 7, null, undefined, ['a']]) expect(() => str(v, 'name', 100)).toThrow(invalidField('name'))
    expect(str('x'.repeat(10), 'name', 10)).toBe('x'.repeat(10))
    expect(() => str('x'.repeat(11), 'name', 10)).toThrow(invalidField('name'))
  })

  it('optStr reads undefined, null and the empty string as "none" but still checks a given value', () => {
    expect([optStr(undefined, 'nameIdFormat', 10), optStr(null, 'nameIdFormat', 10), optStr('', 'nameIdFormat', 10)]).toEqual([null, null, null])
    expect(optStr(' x ', 'nameIdFormat', 10)).toBe('x')
    expect(() => optStr('   ', 'nameIdFormat', 10)).toThrow(invalidField('nameIdFormat'))
    expect(() => optStr(5, 'nameIdFormat', 10)).toThrow(invalidField('nameIdFormat'))
  })
})

describe('bool and int', () => {
  it('bool takes only true and false, not their spellings', () => {
    expect([bool(true, 'enabled'), bool(false, 'enabled')]).toEqual([true, false])
    for (const v of ['true', 1, 0, null, undefined]) expect(() => bool(v, 'enabled')).toThrow(invalidField('enabled'))
  })

  it('int takes whole numbers within the bounds, inclusive', () => {
    expect([int(0, 'n', 0, 10), int(10, 'n', 0, 10)]).toEqual([0, 10])
    for (const v of [-1, 11, 1.5, '5', Number.NaN, Infinity, null]) expect(() => int(v, 'n', 0, 10)).toThrow(invalidField('n'))
  })
})

describe('parseUrl and optUrl', () => {
  it('accepts https URLs and returns them normalized', () => {
    expect(parseUrl('https://IdP.Example.com/sso', 'ssoUrl')).toBe('https://idp.example.com/sso')
    expect(parseUrl('  https://idp.example.com/sso?x=1  ', 'ssoUrl')).toBe('https://idp.example.com/sso?x=1')
  })

  it('allows plain http only for loopback hosts', () => {
    expect(parseUrl('http://localhost:8787/saml', 'ssoUrl')).toBe('http://localhost:8787/saml')
    expect(parseUrl('http://127.0.0.1:9000/saml', 'ssoUrl')).toBe('http://127.0.0.1:9000/saml')
    expect(parseUrl('http://[::1]:9000/saml', 'ssoUrl')).toBe('http://[::1]:9000/saml')
    for (const url of ['http://idp.example.com/sso', 'http://10.0.0.1/sso', 'http://localhost.example.com/sso'])
      expect(() => parseUrl(url, 'ssoUrl')).toThrow(invalidField('ssoUrl'))
  })

  it('refuses other schemes, relative URLs and non-strings naming the field', () => {
    for (const url of ['javascript:alert(1)', 'ftp://idp.example.com/md', 'data:text/html,x', '/sso/login', 'idp.example.com', '', 42])
      expect(() => parseUrl(url, 'sloUrl')).toThrow(invalidField('sloUrl'))
  })

  it('optUrl reads empty as none and checks anything else like parseUrl', () => {
    expect([optUrl(undefined, 'sloUrl'), optUrl(null, 'sloUrl'), optUrl('', 'sloUrl')]).toEqual([null, null, null])
    expect(optUrl('https://idp.example.com/slo', 'sloUrl')).toBe('https://idp.example.com/slo')
    expect(() => optUrl('http://idp.example.com/slo', 'sloUrl')).toThrow(invalidField('sloUrl'))
  })
})

describe('stringArray', () => {
  it('trims every entry and names the index of a bad one', () => {
    expect(stringArray([' a ', 'b'], 'allowedGroups', 5, 10)).toEqual(['a', 'b'])
    expect(() => stringArray(['a', ''], 'allowedGroups', 5, 10)).toThrow(invalidField('allowedGroups[1]'))
    expect(() => stringArray(['a', 'x'.repeat(11)], 'allowedGroups', 5, 10)).toThrow(invalidField('allowedGroups[1]'))
  })

  it('refuses a non-array and too many entries naming the field', () => {
    expect(() => stringArray('a,b', 'allowedGroups', 5, 10)).toThrow(invalidField('allowedGroups'))
    expect(() => stringArray(['a', 'b', 'c'], 'allowedGroups', 2, 10)).toThrow(invalidField('allowedGroups'))
  })
})

describe('parseCertificates', () => {
  it('accepts PEM and bare base64 DER and stores them as given, trimmed', () => {
    expect(parseCertificates([`\n${TEST_IDP_CERT}\n`, BARE_DER, EC_P256_CERT])).toEqual([TEST_IDP_CERT.trim(), BARE_DER, EC_P256_CERT.trim()])
  })

  it('needs at least one certificate', () => {
    expect(() => parseCertificates([])).toThrow(invalidField('certificates'))
  })

  it('names the entry that is not an X.509 certificate', () => {
    expect(() => parseCertificates([TEST_IDP_CERT, 'not a certificate'])).toThrow(invalidField('certificates[1]'))
    expect(() => parseCertificates([BARE_DER.slice(0, 200)])).toThrow(invalidField('certificates[0]'))
  })

  it(`refuses more than ${MAX_CERTIFICATES} certificates, and uses the field name it is given`, () => {
    expect(() => parseCertificates(Array(MAX_CERTIFICATES + 1).fill(TEST_IDP_CERT))).toThrow(invalidField('certificates'))
    expect(() => parseCertificates(['nope'], 'config.certificates')).toThrow(invalidField('config.certificates[0]'))
  })
})

describe('slugify and parseSlug', () => {
  it('turns a display name into lowercase letters, digits and single dashes', () => {
    expect(slugify('Acme Corp (Okta)')).toBe('acme-corp-okta')
    expect(slugify('  --Contoso__Entra ID 2--  ')).toBe('contoso-entra-id-2')
    expect(slugify('www.okta.com')).toBe('www-okta-com')
  })

  it('uses the fallback when nothing usable is left', () => {
    expect(slugify('日本語')).toBe('idp')
    expect(slugify('!!!', 'app')).toBe('app')
  })

  it('caps the slug at 64 characters without a trailing dash, so parseSlug accepts it', () => {
    const slug = slugify(`${'a'.repeat(63)} b`)
    expect(slug).toBe('a'.repeat(63))
    expect(parseSlug(slugify('x'.repeat(200)))).toHaveLength(64)
  })

  // NFKD splits "è" into "e" and a combining accent; the accent is dropped, the word stays whole
  // (found by this test: the accent used to become a dash, "cre-me").
  it('drops accents instead of splitting the word (Crème Brûlée → creme-brulee)', () => {
    expect(slugify('Crème Brûlée')).toBe('creme-brulee')
  })

  it('parseSlug refuses uppercase, spaces and leading or trailing dashes', () => {
    expect(parseSlug('acme-okta')).toBe('acme-okta')
    for (const v of ['Acme', 'acme okta', '-acme', 'acme-', 'a'.repeat(65), '']) expect(() => parseSlug(v)).toThrow(invalidField('slug'))
  })
})

describe('newId', () => {
  it('is the prefix and 18 hex characters from the injected randomness', () => {
    const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => i * 17)
    expect(newId('idp', random)).toBe('idp_001122334455667788')
    expect(newId('app', random)).toMatch(/^app_[0-9a-f]{18}$/)
  })

  it('differs between calls with real randomness', () => {
    const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
    expect(newId('idp', random)).not.toBe(newId('idp', random))
  })
})
