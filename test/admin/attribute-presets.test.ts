// Attribute-map presets (admin/attribute-presets.ts): every vendor preset maps all five identity
// fields, to the names that vendor sends, and the console form applies it whole.
import { describe, expect, it } from 'vitest'
import { ATTRIBUTE_PRESETS, detectPreset } from '../../src/admin/attribute-presets'
import { ATTRIBUTE_FIELDS, idpInputFromForm, parseIdpInput } from '../../src/admin/idp-fields'

describe('ATTRIBUTE_PRESETS', () => {
  it('offers Okta, Entra ID, ADFS, Google Workspace and Shibboleth/LDAP', () => {
    expect(Object.keys(ATTRIBUTE_PRESETS).sort()).toEqual(['adfs', 'entra', 'google', 'ldap', 'okta'])
  })

  it.each(Object.entries(ATTRIBUTE_PRESETS))('%s maps all five identity fields to non-empty attribute names', (_key, preset) => {
    expect(preset.label.trim()).not.toBe('')
    expect(Object.keys(preset.map).sort()).toEqual([...ATTRIBUTE_FIELDS].sort())
    for (const field of ATTRIBUTE_FIELDS) expect(preset.map[field].trim(), field).not.toBe('')
  })

  it.each(Object.keys(ATTRIBUTE_PRESETS))('the console form with the %s preset stores the whole map', (key) => {
    const input = idpInputFromForm({ name: 'Acme', entityId: 'urn:acme', ssoUrl: 'https://acme.example/sso', certificates: '', preset: key })
    expect(parseIdpInput({ attributeMap: input.attributeMap }, 'patch').attributeMap).toEqual(ATTRIBUTE_PRESETS[key]!.map)
  })

  it('uses the claim URIs Entra ID and ADFS send, and the eduPerson/inetOrgPerson OIDs for LDAP', () => {
    expect(ATTRIBUTE_PRESETS.entra!.map.email).toBe('http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress')
    expect(ATTRIBUTE_PRESETS.entra!.map.groups).toBe('http://schemas.microsoft.com/ws/2008/06/identity/claims/groups')
    expect(ATTRIBUTE_PRESETS.adfs!.map.groups).toBe('http://schemas.xmlsoap.org/claims/Group')
    expect(ATTRIBUTE_PRESETS.ldap!.map).toMatchObject({ email: 'urn:oid:0.9.2342.19200300.100.1.3', groups: 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1' })
  })
})

describe('detectPreset', () => {
  it.each([
    ['okta', 'http://www.okta.com/exk1a2b3c', 'https://acme.okta.com/app/acme/exk1a2b3c/sso/saml'],
    ['okta', 'urn:acme', 'https://acme.oktapreview.com/app/x/sso/saml'],
    ['entra', 'https://sts.windows.net/239f867f-feea-452e-a800-6859e696161c/', 'https://login.microsoftonline.com/239f867f/saml2'],
    ['adfs', 'http://idp.adfs.example.com/adfs/services/trust', 'https://idp.adfs.example.com/adfs/ls/'],
    ['google', 'https://accounts.google.com/o/saml2?idpid=C02dfl1r1', 'https://accounts.google.com/o/saml2/idp?idpid=C02dfl1r1'],
    ['ldap', 'https://idp.testshib.org/idp/shibboleth', 'https://idp.testshib.org/idp/profile/SAML2/Redirect/SSO'],
  ])('recognizes %s from %s', (preset, entityId, ssoUrl) => {
    expect(detectPreset({ entityId, ssoUrl })).toBe(preset)
  })

  it('guesses nothing for other products, URNs, and look-alike hosts', () => {
    expect(
      detectPreset({ entityId: 'https://app.onelogin.com/saml/metadata/645460', ssoUrl: 'https://acme.onelogin.com/trust/saml2/http-redirect/sso/1' }),
    ).toBeNull()
    expect(detectPreset({ entityId: 'urn:dev-tyj7qyzz.auth0.com', ssoUrl: 'https://dev-tyj7qyzz.auth0.com/samlp/x' })).toBeNull()
    expect(detectPreset({ entityId: 'https://notokta.com/x', ssoUrl: 'https://okta.com.evil.example/sso' })).toBeNull()
  })
})
