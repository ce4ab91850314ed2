import { DOMParser } from '@xmldom/xmldom'
import { describe, expect, it } from 'vitest'
import { SamlError } from '../../../src/saml/errors'
import { childrenNamed, firstChildNamed, NS, singleChildNamed, textContent } from '../../../src/saml/xml/dom'

const doc = (xml: string) => new DOMParser().parseFromString(xml, 'text/xml')

describe('dom helpers', () => {
  it('reads the full NameID text across comments (comment injection must not truncate)', () => {
    const d = doc(`<saml:NameID xmlns:saml="${NS.saml}">admin@evil.com<!---->.example.com</saml:NameID>`)
    expect(textContent(d.documentElement!)).toBe('admin@evil.com.example.com')
  })

  it('finds direct children by namespace and local name only, never descendants', () => {
    const d = doc(`<r xmlns:saml="${NS.saml}" xmlns:x="urn:other"><x:Assertion/><saml:Assertion ID="a"/><w><saml:Assertion ID="deep"/></w></r>`)
    const root = d.documentElement!
    expect(childrenNamed(root, NS.saml, 'Assertion').map((e) => e.getAttribute('ID'))).toEqual(['a'])
    expect(firstChildNamed(root, NS.saml, 'Missing')).toBeNull()
  })

  it('throws the caller-supplied error when a single child appears twice', () => {
    const d = doc(`<r xmlns:saml="${NS.saml}"><saml:Issuer>a</saml:Issuer><saml:Issuer>b</saml:Issuer></r>`)
    expect(() => singleChildNamed(d.documentElement!, NS.saml, 'Issuer', () => new SamlError('SAML_DUPLICATE_ID'))).toThrow(SamlError)
  })
})
