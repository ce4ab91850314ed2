// The attributes a helpdesk receives in broker mode (broker/attributes.ts): named as each app
// expects, '' leaves a field out, the organization's helpdesk name, and an email only from a
// verified domain.
import { describe, expect, it } from 'vitest'
import { appAttributes, issuedAttributes, NAME_FORMAT_BASIC, NAME_FORMAT_URI } from '../../src/broker/attributes'
import type { SamlAppConfig } from '../../src/store/app-configs'
import { sampleSession } from '../helpers/session'

const config = (overrides: Partial<SamlAppConfig> = {}): SamlAppConfig => ({
  entityId: 'https://helpdesk.test/sp',
  acsUrl: 'https://helpdesk.test/acs',
  nameIdFormat: 'email',
  signResponse: true,
  certificates: [],
  ...overrides,
})

describe('appAttributes', () => {
  it('sends every known field under its own name by default', () => {
    expect(appAttributes(config(), sampleSession(), null)).toEqual({
      email: ['jane@acme.example'],
      firstName: ['Jane'],
      lastName: ['Doe'],
      displayName: ['Jane Doe'],
      groups: ['support', 'admins'],
      upstreamIdp: ['acme-okta'],
    })
  })

  it('uses the names the app expects, and leaves out a field named ""', () => {
    const attributes = appAttributes(
      config({ attributeNames: { email: 'User.Email', firstName: 'givenName', lastName: '', groups: 'memberOf', upstreamIdp: '' } }),
      sampleSession(),
      null,
    )
    expect(attributes).toEqual({ 'User.Email': ['jane@acme.example'], givenName: ['Jane'], displayName: ['Jane Doe'], memberOf: ['support', 'admins'] })
  })

  it('splits the display name at the first space: the rest is the last name', () => {
    expect(appAttributes(config(), sampleSession({ displayName: 'Mary Ann van Dyke' }), null)).toMatchObject({
      firstName: ['Mary'],
      lastName: ['Ann van Dyke'],
    })
  })

  it('sends no empty attributes: no email, no name parts, no groups', () => {
    expect(appAttributes(config(), sampleSession({ email: null, displayName: null, groups: [] }), null)).toEqual({ upstreamIdp: ['acme-okta'] })
    expect(appAttributes(config(), sampleSession({ displayName: 'Cher' }), null)).not.toHaveProperty('lastName')
  })

  it("sends no email whose domain is not verified for the user's organization (trustAnyEmail)", () => {
    expect(appAttributes(config(), sampleSession({ email: 'x@elsewhere.example', emailVerified: false }), null)).not.toHaveProperty('email')
  })

  it("sends the organization's helpdesk name it is given, and no organization without one", () => {
    expect(appAttributes(config(), sampleSession(), 'Acme Corp').organization).toEqual(['Acme Corp'])
    expect(appAttributes(config(), sampleSession(), null)).not.toHaveProperty('organization')
  })

  it('sends the organization under the name the app gives it', () => {
    const attributes = appAttributes(config({ attributeNames: { organization: 'company' } }), sampleSession(), 'Acme Corp')
    expect(attributes.company).toEqual(['Acme Corp'])
    expect(attributes).not.toHaveProperty('organization')
  })
})

// Issue 16: names were ad hoc and always NameFormat basic; pysaml2 drops such attributes by default
// and Shibboleth-style SPs expect OIDs.
describe('attribute profiles', () => {
  it('basic (the default): the field names, NameFormat basic', () => {
    const issued = issuedAttributes(config(), sampleSession(), null)
    expect(issued.every((a) => a.nameFormat === NAME_FORMAT_BASIC && a.friendlyName === undefined)).toBe(true)
    expect(issued.map((a) => a.name)).toEqual(['email', 'firstName', 'lastName', 'displayName', 'groups', 'upstreamIdp'])
  })

  it('uri: eduPerson and X.500 OIDs with FriendlyNames and NameFormat uri, and nothing without an OID', () => {
    expect(issuedAttributes(config({ attributeProfile: 'uri' }), sampleSession(), 'Acme Corp')).toEqual([
      { name: 'urn:oid:0.9.2342.19200300.100.1.3', friendlyName: 'mail', nameFormat: NAME_FORMAT_URI, values: ['jane@acme.example'] },
      { name: 'urn:oid:2.5.4.42', friendlyName: 'givenName', nameFormat: NAME_FORMAT_URI, values: ['Jane'] },
      { name: 'urn:oid:2.5.4.4', friendlyName: 'sn', nameFormat: NAME_FORMAT_URI, values: ['Doe'] },
      { name: 'urn:oid:2.16.840.1.113730.3.1.241', friendlyName: 'displayName', nameFormat: NAME_FORMAT_URI, values: ['Jane Doe'] },
      { name: 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1', friendlyName: 'isMemberOf', nameFormat: NAME_FORMAT_URI, values: ['support', 'admins'] },
      { name: 'urn:oid:2.5.4.10', friendlyName: 'o', nameFormat: NAME_FORMAT_URI, values: ['Acme Corp'] },
    ])
  })

  it.each([
    ['zammad', { email: ['jane@acme.example'], name: ['Jane Doe'], first_name: ['Jane'], last_name: ['Doe'] }],
    [
      'jsm',
      {
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['jane@acme.example'],
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname': ['Jane'],
        'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname': ['Doe'],
      },
    ],
    ['zendesk', { first_name: ['Jane'], last_name: ['Doe'], tags: ['support', 'admins'], organization: ['Acme Corp'] }],
    ['freshdesk', { name: ['Jane Doe'], company: ['Acme Corp'] }],
  ] as const)('the %s preset', (profile, expected) => {
    expect(appAttributes(config({ attributeProfile: profile }), sampleSession(), 'Acme Corp')).toEqual(expected)
  })

  it('renames a field over a profile, in a NameFormat that fits the new name, and drops one named ""', () => {
    const issued = issuedAttributes(
      config({ attributeProfile: 'uri', attributeNames: { groups: 'memberOf', email: 'urn:oid:1.2.3', displayName: '' } }),
      sampleSession(),
      null,
    )
    expect(issued.find((a) => a.name === 'memberOf')).toEqual({ name: 'memberOf', nameFormat: NAME_FORMAT_BASIC, values: ['support', 'admins'] })
    expect(issued.find((a) => a.name === 'urn:oid:1.2.3')).toMatchObject({ nameFormat: NAME_FORMAT_URI })
    expect(issued.some((a) => a.friendlyName === 'displayName')).toBe(false)
  })
})
