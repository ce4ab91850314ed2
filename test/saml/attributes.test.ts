// mapIdentity: per-IdP attribute map first, then defaults for Okta, Entra ID/ADFS, Google,
// LDAP/eduPerson OIDs and FriendlyNames; email falls back to an email-shaped NameID.
import { describe, expect, it } from 'vitest'
import { mapIdentity, validateSamlResponse } from '../../src/saml/index'
import { loadManifest, readInterop } from '../helpers/interop'
import type { InteropCase } from '../helpers/interop'

const result = (attributes: Record<string, string[]>, nameId = 'opaque-id', attributeFriendlyNames: Record<string, string> = {}) => ({
  nameId,
  attributes,
  attributeFriendlyNames,
})

async function validateCase(id: string) {
  const c = loadManifest().responses.find((r) => r.id === id) as InteropCase
  const window = c.window as { now: string }
  return validateSamlResponse({
    samlResponse: Buffer.from(readInterop(c.file), 'utf8').toString('base64'),
    idp: { entityId: c.idp.entityId, certificates: c.idp.certificates.map(readInterop) },
    sp: c.sp as { entityId: string; acsUrl: string },
    now: new Date(window.now),
    expectedRequestId: (c.expectedRequestId as string | null) ?? undefined,
    allowIdpInitiated: Boolean(c.allowIdpInitiated),
    allowSha1: Boolean(c.allowSha1),
    decryptionKeys: (c.decryptionKeys ?? []).map(readInterop),
  })
}

describe('mapIdentity', () => {
  it('maps Okta-style names', () => {
    expect(mapIdentity(result({ email: ['a@x.test'], firstName: ['Ann'], lastName: ['Lee'], groups: ['red', 'blue'] }))).toEqual({
      email: 'a@x.test',
      firstName: 'Ann',
      lastName: 'Lee',
      displayName: 'Ann Lee',
      groups: ['red', 'blue'],
    })
  })

  it('maps Entra ID claim URIs', () => {
    const claims = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/'
    expect(
      mapIdentity(
        result({
          [`${claims}emailaddress`]: ['a@x.test'],
          [`${claims}givenname`]: ['Ann'],
          [`${claims}surname`]: ['Lee'],
          'http://schemas.microsoft.com/identity/claims/displayname': ['Ann M. Lee'],
          'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups': ['0e2c…', '7a1f…'],
        }),
      ),
    ).toEqual({ email: 'a@x.test', firstName: 'Ann', lastName: 'Lee', displayName: 'Ann M. Lee', groups: ['0e2c…', '7a1f…'] })
  })

  it('maps ADFS group claims', () => {
    expect(mapIdentity(result({ 'http://schemas.xmlsoap.org/claims/Group': ['Domain Users'] })).groups).toEqual(['Domain Users'])
  })

  it('maps LDAP/eduPerson OIDs', () => {
    expect(
      mapIdentity(
        result({
          'urn:oid:0.9.2342.19200300.100.1.3': ['a@x.test'],
          'urn:oid:2.5.4.42': ['Ann'],
          'urn:oid:2.5.4.4': ['Lee'],
          'urn:oid:2.16.840.1.113730.3.1.241': ['Ann Lee'],
          'urn:oid:1.3.6.1.4.1.5923.1.5.1.1': ['cn=staff,ou=groups,dc=x', 'cn=admins,ou=groups,dc=x'],
        }),
      ),
    ).toEqual({ email: 'a@x.test', firstName: 'Ann', lastName: 'Lee', displayName: 'Ann Lee', groups: ['cn=staff,ou=groups,dc=x', 'cn=admins,ou=groups,dc=x'] })
  })

  it('falls back to FriendlyNames when the Name is unknown', () => {
    expect(mapIdentity(result({ 'urn:example:mail': ['a@x.test'] }, 'id', { 'urn:example:mail': 'mail' })).email).toBe('a@x.test')
  })

  it('uses a configured attribute name over the defaults, and nothing else for that field', () => {
    const r = result({ email: ['default@x.test'], corpMail: ['configured@x.test'], groups: ['g'] })
    expect(mapIdentity(r, { email: 'corpMail', groups: 'roles' })).toMatchObject({ email: 'configured@x.test', groups: [] })
  })

  it('falls back to an email-shaped NameID, but not to an opaque one', () => {
    expect(mapIdentity(result({}, 'bob@x.test')).email).toBe('bob@x.test')
    expect(mapIdentity(result({}, '_8f3a0c')).email).toBeNull()
  })

  it('splits a comma-joined group value (PingFederate) but not an LDAP DN', () => {
    expect(mapIdentity(result({ group: ['red,green,blue'] })).groups).toEqual(['red', 'green', 'blue'])
  })

  it('keeps an attribute named __proto__ as data', async () => {
    const r = result(JSON.parse('{"__proto__": ["x"], "email": ["a@x.test"]}') as Record<string, string[]>)
    expect(mapIdentity(r).email).toBe('a@x.test')
  })

  it('maps real Shibboleth (TestShib) attributes', async () => {
    const identity = mapIdentity(await validateCase('shibboleth-testshib-2015-encrypted-assertion'))
    expect(identity).toMatchObject({ firstName: 'Me Myself', lastName: 'And I', displayName: 'Me Myself And I', email: 'myself@testshib.org' })
  })

  it('maps real Azure AD attributes', async () => {
    const identity = mapIdentity(await validateCase('azure-ad-2015-assertion-signed'))
    expect(identity).toMatchObject({ email: 'sam.kaufman.socialflow@outlook.com', firstName: 'Samuel', lastName: 'Kaufman', displayName: 'Samuel Kaufman' })
  })
})
