// The attributes a helpdesk receives in broker mode (broker/attributes.ts): named as each app
// expects, '' leaves a field out, and the organization from the app's map (IdP slug first).
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
    expect(appAttributes(config(), sampleSession())).toEqual({
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
    )
    expect(attributes).toEqual({ 'User.Email': ['jane@acme.example'], givenName: ['Jane'], displayName: ['Jane Doe'], memberOf: ['support', 'admins'] })
  })

  it('splits the display name at the first space: the rest is the last name', () => {
    expect(appAttributes(config(), sampleSession({ displayName: 'Mary Ann van Dyke' }))).toMatchObject({ firstName: ['Mary'], lastName: ['Ann van Dyke'] })
  })

  it('sends no empty attributes: no email, no name parts, no groups', () => {
    expect(appAttributes(config(), sampleSession({ email: null, displayName: null, groups: [] }))).toEqual({ upstreamIdp: ['acme-okta'] })
    expect(appAttributes(config(), sampleSession({ displayName: 'Cher' }))).not.toHaveProperty('lastName')
  })

  it('takes the organization from the IdP slug before any group', () => {
    const organizationMap = { 'acme-okta': 'Acme Corp', support: 'Support Team' }
    expect(appAttributes(config({ organizationMap }), sampleSession()).organization).toEqual(['Acme Corp'])
  })

  it('falls back to the first mapped group, in the order the session lists them', () => {
    const organizationMap = { admins: 'Admins Org', support: 'Support Org' }
    expect(appAttributes(config({ organizationMap }), sampleSession()).organization).toEqual(['Support Org'])
    expect(appAttributes(config({ organizationMap }), sampleSession({ groups: ['admins', 'support'] })).organization).toEqual(['Admins Org'])
    expect(appAttributes(config({ organizationMap }), sampleSession({ groups: ['other'] }))).not.toHaveProperty('organization')
  })

  it('sends the organization under the name the app gives it', () => {
    const attributes = appAttributes(config({ organizationMap: { 'acme-okta': 'Acme Corp' }, attributeNames: { organization: 'company' } }), sampleSession())
    expect(attributes.company).toEqual(['Acme Corp'])
    expect(attributes).not.toHaveProperty('organization')
  })
})
