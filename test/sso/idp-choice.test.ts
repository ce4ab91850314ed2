// Which IdP a customer signs in with (sso/idp-choice.ts), on real D1: the IdP a link names, the
// one default IdP, the selection page, and email-domain discovery by verified domains only. Each
// test starts from no IdPs and no organizations; each IdP is in an organization of its own unless
// a test puts two together.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { chooseIdp, discoverIdp, selectionPage } from '../../src/sso/idp-choice'
import { seedIdp, seedOrganization, type IdpSeed } from '../helpers/tenants'
import { DEFAULT_SETTINGS, putSettings } from '../../src/store/settings'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { testContext } from '../helpers/context'

let n = 0
async function idp(id: string, fields: Partial<IdpSeed> = {}) {
  n++
  return seedIdp(
    env.DB,
    id,
    {
      name: `IdP ${id}`,
      slug: id.replace(/_/g, '-'),
      entityId: `https://idp${n}.test/${id}`,
      ssoUrl: `https://idp${n}.test/sso`,
      certificates: [TEST_IDP_CERT],
      organizationId: `org_${id}`,
      ...fields,
    },
    new Date(),
  )
}

beforeEach(async () => {
  await env.DB.batch(['idps', 'organizations', 'organization_domains'].map((t) => env.DB.prepare(`DELETE FROM ${t}`)))
})

describe('chooseIdp', () => {
  it('starts with the IdP a link names, by slug or by id', async () => {
    await idp('idp_okta', { slug: 'acme-okta' })
    expect(await chooseIdp(testContext(), { idp: 'acme-okta', select: false })).toMatchObject({ kind: 'start', idp: { id: 'idp_okta' } })
    expect(await chooseIdp(testContext(), { idp: 'idp_okta', select: false })).toMatchObject({ kind: 'start', idp: { id: 'idp_okta' } })
  })

  it('refuses a named IdP that is turned off with LOGIN_IDP_DISABLED, naming it for the audit log', async () => {
    await idp('idp_off', { enabled: false })
    await expect(chooseIdp(testContext(), { idp: 'idp_off', select: false })).rejects.toMatchObject({
      code: 'LOGIN_IDP_DISABLED',
      detail: { idpId: 'idp_off' },
    })
  })

  it('refuses an IdP name that is not configured with LOGIN_IDP_NOT_FOUND, even when a default exists', async () => {
    await idp('idp_default', { isDefault: true })
    await expect(chooseIdp(testContext(), { idp: 'nobody', select: false })).rejects.toMatchObject({ code: 'LOGIN_IDP_NOT_FOUND' })
  })

  it('goes straight to the one enabled default IdP', async () => {
    await idp('idp_a')
    await idp('idp_default', { isDefault: true })
    expect(await chooseIdp(testContext(), { idp: undefined, select: false })).toMatchObject({ kind: 'start', idp: { id: 'idp_default' } })
  })

  it('shows the selection page instead of the default when the customer asks to choose', async () => {
    await idp('idp_a')
    await idp('idp_default', { isDefault: true })
    const choice = await chooseIdp(testContext(), { idp: undefined, select: true })
    expect(choice.kind).toBe('select')
  })

  it('does not send anyone to a default IdP that is turned off', async () => {
    await idp('idp_a')
    await idp('idp_default', { isDefault: true, enabled: false })
    const choice = await chooseIdp(testContext(), { idp: undefined, select: false })
    expect(choice).toMatchObject({ kind: 'select', page: { idps: [{ slug: 'idp-a' }] } })
  })
})

describe('selection page', () => {
  it('lists only IdPs that are enabled and shown to users, with the portal branding', async () => {
    await putSettings(env.DB, { portalName: 'Acme Support', primaryColor: '#123456' }, new Date())
    await idp('idp_shown', { name: 'Shown', logoUrl: 'https://cdn.test/logo.png' })
    await idp('idp_hidden', { showOnSelection: false })
    await idp('idp_off', { enabled: false })
    const page = await selectionPage(testContext())
    expect(page).toMatchObject({ portalName: 'Acme Support', accent: '#123456' })
    expect(page.idps).toEqual([{ slug: 'idp-shown', name: 'Shown', logoUrl: 'https://cdn.test/logo.png' }])
    await putSettings(env.DB, { portalName: DEFAULT_SETTINGS.portalName, primaryColor: DEFAULT_SETTINGS.primaryColor }, new Date())
  })

  it('offers email routing only when an enabled IdP has a verified domain (hidden ones count, disabled or pending ones do not)', async () => {
    await idp('idp_plain')
    expect((await selectionPage(testContext())).hasEmailRouting).toBe(false)
    await idp('idp_off', { enabled: false, emailDomains: ['off.example'] })
    expect((await selectionPage(testContext())).hasEmailRouting).toBe(false)
    await seedOrganization({ id: 'org_pending', pendingDomains: ['pending.example'] })
    await idp('idp_pending', { organizationId: 'org_pending' })
    expect((await selectionPage(testContext())).hasEmailRouting).toBe(false)
    await idp('idp_hidden', { showOnSelection: false, emailDomains: ['acme.example'] })
    expect((await selectionPage(testContext())).hasEmailRouting).toBe(true)
  })
})

describe('discoverIdp', () => {
  it('routes an email to the IdP of the organization that verified its exact domain', async () => {
    await idp('idp_parent', { emailDomains: ['acme.com'] })
    await idp('idp_eu', { emailDomains: ['eu.acme.com'] })
    expect((await discoverIdp(testContext(), 'jane@eu.acme.com')).id).toBe('idp_eu')
    expect((await discoverIdp(testContext(), 'jane@acme.com')).id).toBe('idp_parent')
  })

  it('routes a subdomain only when it is listed itself: no fallback to a parent domain', async () => {
    await idp('idp_parent', { emailDomains: ['acme.com'] })
    await expect(discoverIdp(testContext(), 'jane@us.acme.com')).rejects.toMatchObject({
      code: 'LOGIN_EMAIL_DOMAIN_UNKNOWN',
      detail: { domain: 'us.acme.com' },
    })
  })

  it('routes by verified domains only: a claimed, pending domain leads nowhere', async () => {
    await seedOrganization({ id: 'org_acme', pendingDomains: ['acme.com'] })
    await idp('idp_acme', { organizationId: 'org_acme', emailDomains: [] })
    await expect(discoverIdp(testContext(), 'jane@acme.com')).rejects.toMatchObject({ code: 'LOGIN_EMAIL_DOMAIN_UNKNOWN' })
  })

  it("among an organization's IdPs, prefers the one that lists the domain, else the first enabled one", async () => {
    await seedOrganization({ id: 'org_acme', domains: ['acme.com', 'acme.co.uk'] })
    await idp('idp_adfs', { organizationId: 'org_acme', sortOrder: 1 })
    await idp('idp_entra', { organizationId: 'org_acme', sortOrder: 2, emailDomains: ['acme.co.uk'] })
    expect((await discoverIdp(testContext(), 'jane@acme.co.uk')).id).toBe('idp_entra')
    expect((await discoverIdp(testContext(), 'jane@acme.com')).id).toBe('idp_adfs')
  })

  it('reads the domain case-insensitively', async () => {
    await idp('idp_parent', { emailDomains: ['acme.com'] })
    expect((await discoverIdp(testContext(), 'Jane.Doe@ACME.Com')).id).toBe('idp_parent')
  })

  it("ignores disabled IdPs and disabled organizations: their domain is unknown, never another organization's IdP", async () => {
    await idp('idp_parent', { emailDomains: ['acme.com'] })
    await idp('idp_eu_off', { enabled: false, emailDomains: ['eu.acme.com'] })
    await expect(discoverIdp(testContext(), 'jane@eu.acme.com')).rejects.toMatchObject({ code: 'LOGIN_EMAIL_DOMAIN_UNKNOWN' })
    await seedOrganization({ id: 'org_globex', enabled: false, domains: ['globex.com'] })
    await idp('idp_globex', { organizationId: 'org_globex' })
    await expect(discoverIdp(testContext(), 'jane@globex.com')).rejects.toMatchObject({ code: 'LOGIN_EMAIL_DOMAIN_UNKNOWN' })
  })

  it('never routes a lookalike domain that merely ends with a configured one', async () => {
    await idp('idp_parent', { emailDomains: ['acme.com'] })
    await expect(discoverIdp(testContext(), 'mallory@evilacme.com')).rejects.toMatchObject({
      code: 'LOGIN_EMAIL_DOMAIN_UNKNOWN',
      detail: { domain: 'evilacme.com' },
    })
  })

  it.each(['', 'jane', 'jane@', '@acme.com', 'jane doe@acme.com', 'jane@acme.com@evil.com', 'jane@acme_com'])(
    'refuses %j with LOGIN_EMAIL_INVALID',
    async (email) => {
      await idp('idp_parent', { emailDomains: ['acme.com'] })
      await expect(discoverIdp(testContext(), email)).rejects.toMatchObject({ code: 'LOGIN_EMAIL_INVALID' })
    },
  )
})
