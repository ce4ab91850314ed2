// The broker's own URLs (broker/endpoints.ts): what an admin enters in the helpdesk's SAML settings.
import { describe, expect, it } from 'vitest'
import { brokerEndpoints } from '../../src/broker/endpoints'

describe('brokerEndpoints', () => {
  it('names the IdP by its metadata URL and puts SSO and SLO under /sso/idp/ on this origin', () => {
    expect(brokerEndpoints('https://support.example.com')).toEqual({
      entityId: 'https://support.example.com/sso/idp/metadata',
      ssoUrl: 'https://support.example.com/sso/idp/sso',
      sloUrl: 'https://support.example.com/sso/idp/slo',
    })
  })

  it('keeps a port (a local gateway)', () => {
    expect(brokerEndpoints('http://localhost:8787').ssoUrl).toBe('http://localhost:8787/sso/idp/sso')
  })
})
