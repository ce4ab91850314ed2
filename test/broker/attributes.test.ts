// The attributes a helpdesk receives in broker mode (broker/attributes.ts): named as each app
// expects, '' leaves a field out, the organization's helpdesk name, and an email only from a
// verified domain.
import { describe, expect, it } from 'vitest'
import { appAttributes } from '../../src/broker/attributes'
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
