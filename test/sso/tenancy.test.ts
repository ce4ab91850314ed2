// The tenant rules (sso/tenancy.ts, DESIGN.md "Tenants") on real D1, KV and signed SAML: two
// customer organizations, Acme (acme.example verified) and Umbrella (umbrella.example verified),
// each with its own IdP. Acme's IdP may not speak for Umbrella's users, nor for any address outside
// Acme's verified domains, whatever the spelling; subjects are namespaced by IdP; an organization
// that trusts any email (the helpdesk company's own staff) is the one, audited, exception.
import { env, exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { newTrail } from '../../src/audit/record'
import { acceptSamlResponse } from '../../src/sso/acs'
import { currentSession, identityView, SESSION_COOKIE } from '../../src/sso/sessions'
import { emailAuthority, helpdeskOrganizationOf, normalizeDomain, parseEmail, subjectOf } from '../../src/sso/tenancy'
import { getOrganization } from '../../src/store/organizations'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { TestBrowser } from '../helpers/browser-fetch'
import { testContext } from '../helpers/context'
import { issueResponse } from '../helpers/idp'
import { seedIdp, seedOrganization } from '../helpers/tenants'

const ACME_IDP = 'https://idp.acme.test/saml'
const UMBRELLA_IDP = 'https://idp.umbrella.test/saml'
const STAFF_IDP = 'https://idp.staff.test/saml'

beforeAll(async () => {
  await seedOrganization({ id: 'org_acme', name: 'Acme', slug: 'acme', domains: ['acme.example'], pendingDomains: ['pending.acme.example'] })
  await seedOrganization({ id: 'org_umbrella', name: 'Umbrella', slug: 'umbrella', domains: ['umbrella.example'] })
  await seedOrganization({ id: 'org_staff', name: 'Helpdesk staff', slug: 'staff', domains: ['helpdesk.example'], trustAnyEmail: true })
  const idp = (slug: string, entityId: string, organizationId: string) => ({
    name: slug,
    slug,
    entityId,
    ssoUrl: `${entityId}/sso`,
    certificates: [TEST_IDP_CERT],
    allowIdpInitiated: true,
    organizationId,
  })
  await seedIdp(env.DB, 'idp_acme', idp('acme-okta', ACME_IDP, 'org_acme'))
  await seedIdp(env.DB, 'idp_umbrella', idp('umbrella-entra', UMBRELLA_IDP, 'org_umbrella'))
  await seedIdp(env.DB, 'idp_staff', idp('staff-google', STAFF_IDP, 'org_staff'))
})

type SignIn = { ok: true; cookie: string } | { ok: false; code: string | undefined; detail: Record<string, unknown> | undefined }

/** An unsolicited, correctly signed response from `issuer` for `nameId`, with `email` as attribute (or none), through the ACS service. */
async function signIn(issuer: string, nameId: string, email: string | null): Promise<SignIn> {
  const attributes: Record<string, string[]> = { firstName: ['Test'], lastName: ['User'], ...(email === null ? {} : { email: [email] }) }
  const samlResponse = await issueResponse({ issuer, nameId, attributes })
  try {
    const step = await acceptSamlResponse(testContext(), newTrail('login'), { samlResponse, relayState: null, cookies: {} })
    return { ok: true, cookie: step.cookies.find((c) => c.name === SESSION_COOKIE)!.value! }
  } catch (err) {
    const e = err as { code?: string; detail?: Record<string, unknown> }
    return { ok: false, code: e.code, detail: e.detail }
  }
}

async function sessionOf(cookie: string) {
  return (await currentSession(testContext(), { [SESSION_COOKIE]: cookie }))!
}

describe("Acme's IdP cannot sign in as an Umbrella address, or any address outside Acme's verified domains", () => {
  const mismatch = (receivedDomain: string) => ({
    ok: false,
    code: 'LOGIN_EMAIL_DOMAIN_MISMATCH',
    detail: { allowedDomains: ['acme.example'], receivedDomain, organizationId: 'org_acme' },
  })
  const malformed = { ok: false, code: 'LOGIN_EMAIL_MALFORMED' }

  it.each([
    // [what the attacker tries, NameID, email attribute (null: none), expected refusal]
    ['the NameID as email', 'cfo@umbrella.example', null, mismatch('umbrella.example')],
    ['the email attribute', '00u1acmeopaque', 'cfo@umbrella.example', mismatch('umbrella.example')],
    ['upper case', '00u1acmeopaque', 'CFO@UMBRELLA.EXAMPLE', mismatch('umbrella.example')],
    ['upper case in the NameID', 'CFO@UMBRELLA.EXAMPLE', null, mismatch('umbrella.example')],
    ['fullwidth letters that IDN maps to ASCII', '00u1acmeopaque', 'cfo@ｕｍｂｒｅｌｌａ.example', mismatch('umbrella.example')],
    // Expected punycode computed independently (Python's idna codec).
    ['a Cyrillic look-alike of Umbrella', '00u1acmeopaque', 'cfo@umbrеlla.example', mismatch('xn--umbrlla-bhg.example')],
    ["a Cyrillic look-alike of Acme's own domain", '00u1acmeopaque', 'ceo@аcme.example', mismatch('xn--cme-5cd.example')],
    ['a subdomain that is not listed itself', '00u1acmeopaque', 'ceo@eu.acme.example', mismatch('eu.acme.example')],
    ['a domain Acme claimed but never verified', '00u1acmeopaque', 'ceo@pending.acme.example', mismatch('pending.acme.example')],
    ['a trailing dot', '00u1acmeopaque', 'cfo@umbrella.example.', malformed],
    ['two @: Umbrella address before an Acme domain', '00u1acmeopaque', 'cfo@umbrella.example@acme.example', malformed],
    ['a quoted address', '00u1acmeopaque', '"cfo@umbrella.example"@acme.example', malformed],
    ['spaces around the @', '00u1acmeopaque', 'cfo @umbrella.example', malformed],
    ['a percent-encoded host', '00u1acmeopaque', 'cfo@umbrella%2eexample', malformed],
    ['a fullwidth @ in the local part before an Acme domain', '00u1acmeopaque', 'cfo＠umbrella.example@acme.example', malformed],
    ["a '%' route in the local part", '00u1acmeopaque', 'cfo%umbrella.example@acme.example', malformed],
    ['a right-to-left override in the local part', '00u1acmeopaque', 'elpmaxe.allerbmu\u202e@acme.example', malformed],
  ])('refuses %s', async (_, nameId, email, expected) => {
    expect(await signIn(ACME_IDP, nameId, email)).toMatchObject(expected)
  })

  it('never takes a NameID with two @ for an email: the user signs in with no email at all', async () => {
    const outcome = await signIn(ACME_IDP, 'cfo@umbrella.example@acme.example', null)
    expect(outcome.ok).toBe(true)
    const session = await sessionOf((outcome as { cookie: string }).cookie)
    expect(session).toMatchObject({ email: null, emailVerified: false, subject: 'acme-okta:cfo@umbrella.example@acme.example' })
  })

  it("lets Umbrella's own IdP sign in its own address (control)", async () => {
    const outcome = await signIn(UMBRELLA_IDP, 'cfo@umbrella.example', 'cfo@umbrella.example')
    expect(outcome.ok).toBe(true)
    const session = await sessionOf((outcome as { cookie: string }).cookie)
    expect(session).toMatchObject({
      email: 'cfo@umbrella.example',
      emailVerified: true,
      organizationId: 'org_umbrella',
      subject: 'umbrella-entra:cfo@umbrella.example',
    })
  })

  it("forwards Acme's own addresses with the domain normalized, the local part as sent", async () => {
    for (const [sent, forwarded] of [
      ['Jane.Doe@ACME.Example', 'Jane.Doe@acme.example'],
      ['jane@ａｃｍｅ.example', 'jane@acme.example'],
    ]) {
      const outcome = await signIn(ACME_IDP, '00u1jane', sent!)
      expect(outcome.ok, sent).toBe(true)
      expect(await sessionOf((outcome as { cookie: string }).cookie)).toMatchObject({ email: forwarded, emailVerified: true, organizationSlug: 'acme' })
    }
  })

  it('audits the refusal with the allowed and received domains, and shows the customer a clear page without them', async () => {
    const browser = new TestBrowser()
    const res = await browser.fetch('/sso/acs', {
      form: { SAMLResponse: await issueResponse({ issuer: ACME_IDP, nameId: 'cfo@umbrella.example', attributes: { email: ['cfo@umbrella.example'] } }) },
      crossSite: true,
      headers: { accept: 'text/html' },
    })
    expect(res.status).toBe(403)
    const page = await res.text()
    expect(page).toContain('LOGIN_EMAIL_DOMAIN_MISMATCH')
    expect(page).toContain('Your organization signed you in with an email address it is not allowed to use here')
    expect(page).not.toContain('acme.example')
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false)
    const row = await env.DB.prepare("SELECT * FROM audit_log WHERE action = 'login' AND code = 'LOGIN_EMAIL_DOMAIN_MISMATCH' ORDER BY id DESC").first<
      Record<string, unknown>
    >()
    expect(row).toMatchObject({ outcome: 'failure', idp_id: 'idp_acme', subject: 'acme-okta:cfo@umbrella.example' })
    expect(JSON.parse(String(row!.detail))).toMatchObject({ allowedDomains: ['acme.example'], receivedDomain: 'umbrella.example' })
    // The gateway's own answer for a portal request afterwards: still signed out.
    expect((await exports.default.fetch('https://support.example.com/sso/me', { headers: { accept: 'application/json' } })).status).toBe(401)
  })
})

describe('the NameID becomes one unambiguous subject', () => {
  it.each([
    ['a line break', 'jdoe\nX-SSO-Subject: umbrella-entra:cfo'],
    ['a tab', 'jdoe\tadmin'],
    ['more than 1024 characters', 'x'.repeat(1025)],
  ])('refuses a NameID with %s (LOGIN_NAMEID_INVALID)', async (_, nameId) => {
    expect(await signIn(ACME_IDP, nameId, null)).toMatchObject({ ok: false, code: 'LOGIN_NAMEID_INVALID' })
  })
})

describe('subjects are namespaced by IdP', () => {
  it('gives the same NameID from Acme and from Umbrella two different subjects', async () => {
    const acme = await signIn(ACME_IDP, 'jdoe', 'jdoe@acme.example')
    const umbrella = await signIn(UMBRELLA_IDP, 'jdoe', 'jdoe@umbrella.example')
    const a = identityView(await sessionOf((acme as { cookie: string }).cookie))
    const u = identityView(await sessionOf((umbrella as { cookie: string }).cookie))
    expect([a.sub, a.org]).toEqual(['acme-okta:jdoe', 'acme'])
    expect([u.sub, u.org]).toEqual(['umbrella-entra:jdoe', 'umbrella'])
  })

  it('builds the subject from the IdP slug and the NameID as sent', () => {
    expect(subjectOf('acme-okta', 'Jane@Acme.example')).toBe('acme-okta:Jane@Acme.example')
  })
})

describe('an organization that trusts any email (the helpdesk company’s own staff)', () => {
  it('signs in an address outside its domains, marked unverified and audited as such', async () => {
    const outcome = await signIn(STAFF_IDP, 'agent-7', 'agent7@umbrella.example')
    expect(outcome.ok).toBe(true)
    expect(await sessionOf((outcome as { cookie: string }).cookie)).toMatchObject({ email: 'agent7@umbrella.example', emailVerified: false })
    const row = await env.DB.prepare(
      "SELECT detail FROM audit_log WHERE action = 'login' AND outcome = 'success' AND idp_id = 'idp_staff' ORDER BY id DESC",
    ).first<{
      detail: string
    }>()
    expect(JSON.parse(row!.detail)).toMatchObject({ organizationId: 'org_staff', email: 'agent7@umbrella.example', emailVerified: false })
  })

  it('still refuses a malformed address', async () => {
    expect(await signIn(STAFF_IDP, 'agent-7', 'a@b@umbrella.example')).toMatchObject({ ok: false, code: 'LOGIN_EMAIL_MALFORMED' })
  })
})

describe('emailAuthority, parseEmail and normalizeDomain', () => {
  it('passes no email through as none', async () => {
    const acme = (await getOrganization(env.DB, 'org_acme'))!
    expect(await emailAuthority(testContext(), acme, null)).toEqual({ email: null, verified: false })
  })

  it.each([
    ['Acme.Example', 'acme.example'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['XN--BCHER-KVA.example', 'xn--bcher-kva.example'],
    ['acme。example', 'acme.example'],
  ])('normalizes %s to %s', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected)
  })

  it.each([
    '',
    'localhost',
    'acme',
    'acme.example.',
    '.acme.example',
    'acme..example',
    'acme.example:443',
    'acme.example/x',
    '[::1]',
    '127.0.0.1',
    'a b.example',
    'acme%2eexample',
    `${'a'.repeat(64)}.example`,
  ])('refuses the domain %j', (input) => {
    expect(normalizeDomain(input)).toBeNull()
  })

  it('reads one plain address, or nothing', () => {
    expect(parseEmail('Jane@ACME.example')).toEqual({ local: 'Jane', domain: 'acme.example' })
    for (const bad of [
      'jane',
      '@acme.example',
      'jane@',
      'a@b@acme.example',
      '"a"@acme.example',
      'a b@acme.example',
      'a<b>@acme.example',
      `${'x'.repeat(65)}@acme.example`,
    ])
      expect(parseEmail(bad), bad).toBeNull()
  })
})

describe("the helpdesk organization: the organization's own name, refined by (IdP, group)", () => {
  const organization = {
    helpdeskOrganization: 'Acme Corp',
    groupMappings: [{ idpId: 'idp_acme_adfs', group: 'admins', helpdeskOrganization: 'Acme IT' }],
  }

  it('applies a refinement only to the IdP it names: the same group name from another IdP gets the plain name', () => {
    expect(helpdeskOrganizationOf(organization, { idpId: 'idp_acme_adfs', groups: ['admins'] })).toBe('Acme IT')
    expect(helpdeskOrganizationOf(organization, { idpId: 'idp_acme_entra', groups: ['admins'] })).toBe('Acme Corp')
    expect(helpdeskOrganizationOf(organization, { idpId: 'idp_acme_adfs', groups: ['everyone'] })).toBe('Acme Corp')
    expect(helpdeskOrganizationOf({ helpdeskOrganization: null, groupMappings: [] }, { idpId: 'idp_acme_adfs', groups: ['admins'] })).toBeNull()
  })
})
