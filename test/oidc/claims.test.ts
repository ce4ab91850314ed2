// The identity an OIDC provider asserts (oidc/claims.ts): an email only when verified, never a
// UPN taken for one, userinfo only for the same sub, Entra's groups overage and Google's hd.
import { describe, expect, it } from 'vitest'
import { oidcIdentity } from '../../src/oidc/claims'

describe('oidcIdentity', () => {
  it('takes a verified email (lower-cased), names and groups', () => {
    expect(
      oidcIdentity({
        sub: 's1',
        email: 'Jane@Acme.example',
        email_verified: true,
        given_name: 'Jane',
        family_name: 'Doe',
        name: 'Jane Doe',
        groups: ['support'],
      }),
    ).toEqual({
      sub: 's1',
      email: 'jane@acme.example',
      emailVerified: true,
      emailClaimed: 'Jane@Acme.example',
      firstName: 'Jane',
      lastName: 'Doe',
      displayName: 'Jane Doe',
      groups: ['support'],
      hostedDomain: null,
      groupsOverage: false,
    })
  })

  it('drops an email with email_verified false or absent, and never takes preferred_username or upn for one', () => {
    expect(oidcIdentity({ sub: 's1', email: 'ceo@umbrella.example', email_verified: false })).toMatchObject({ email: null, emailVerified: false })
    expect(oidcIdentity({ sub: 's1', email: 'ceo@umbrella.example' })).toMatchObject({ email: null })
    expect(oidcIdentity({ sub: 's1', preferred_username: 'jane@acme.example', upn: 'jane@acme.example' })).toMatchObject({ email: null })
  })

  it("takes Entra ID's xms_edov (domain owner verified) when there is no email_verified", () => {
    expect(oidcIdentity({ sub: 's1', email: 'jane@acme.example', xms_edov: true })).toMatchObject({ email: 'jane@acme.example', emailVerified: true })
    expect(oidcIdentity({ sub: 's1', email: 'jane@acme.example', xms_edov: false })).toMatchObject({ email: null })
  })

  it('notes an Entra groups overage instead of guessing, and reads Google hd', () => {
    expect(oidcIdentity({ sub: 's1', _claim_names: { groups: 'src1' }, _claim_sources: {} })).toMatchObject({ groups: [], groupsOverage: true })
    expect(oidcIdentity({ sub: 's1', hd: 'acme.example' }).hostedDomain).toBe('acme.example')
  })

  it("completes the token from userinfo for the same sub only, never overriding the token's claims", () => {
    const token = { sub: 's1', name: 'From Token' }
    expect(oidcIdentity(token, { sub: 's1', name: 'From Userinfo', email: 'jane@acme.example', email_verified: true })).toMatchObject({
      displayName: 'From Token',
      email: 'jane@acme.example',
    })
    expect(oidcIdentity(token, { sub: 'someone-else', email: 'ceo@umbrella.example', email_verified: true })).toMatchObject({ email: null })
  })

  it('follows a claims map', () => {
    expect(
      oidcIdentity({ sub: 's1', mail: 'jane@acme.example', email_verified: true, roles: ['agents'] }, null, { email: 'mail', groups: 'roles' }),
    ).toMatchObject({
      email: 'jane@acme.example',
      groups: ['agents'],
    })
  })
})
