import { env, exports } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { seedIdp, seedOrganization, type IdpSeed } from '../helpers/tenants'
import { putSettings } from '../../src/store/settings'
import { RSA_ESCAPES_CERT } from '../fixtures/x509'

const ORIGIN = 'https://support.example.com'
const html = { accept: 'text/html', 'sec-fetch-mode': 'navigate' }

function idp(slug: string, extra: Partial<IdpSeed> = {}): IdpSeed {
  return { name: `IdP ${slug}`, slug, entityId: `urn:${slug}`, ssoUrl: `https://${slug}.example/sso`, certificates: [RSA_ESCAPES_CERT], ...extra }
}

function post(form: Record<string, string>) {
  return exports.default.fetch(`${ORIGIN}/sso/login`, {
    method: 'POST',
    body: new URLSearchParams(form),
    headers: { ...html, 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
  })
}

beforeAll(async () => {
  const now = new Date()
  // Each IdP in its own organization, whose verified domains are the IdP's emailDomains.
  const org = (id: string) => ({ organizationId: id })
  await seedIdp(
    env.DB,
    'idp_a',
    idp('acme', { ...org('org_a'), emailDomains: ['acme.example'], sortOrder: 2, logoUrl: 'https://cdn.acme.example/logo.png' }),
    now,
  )
  await seedIdp(env.DB, 'idp_b', idp('globex', { ...org('org_b'), emailDomains: ['globex.example'], sortOrder: 1 }), now)
  await seedIdp(env.DB, 'idp_c', idp('hidden', { ...org('org_c'), showOnSelection: false, emailDomains: ['hidden.example'] }), now)
  await seedIdp(env.DB, 'idp_d', idp('off', { ...org('org_d'), enabled: false, emailDomains: ['off.example'] }), now)
  // Claimed by an organization but not verified yet: it routes nowhere.
  await seedOrganization({ id: 'org_pending', pendingDomains: ['pending.example'] })
  await seedIdp(env.DB, 'idp_e', idp('pending', { organizationId: 'org_pending', showOnSelection: false }), now)
  await putSettings(env.DB, { portalName: 'Acme Help Center', primaryColor: '#aa3300' }, now)
})

describe('IdP selection page', () => {
  it('shows enabled, visible IdPs in admin order as buttons, with branding', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/login?return_to=%2Ftickets%2F7`, { headers: html })
    expect(res.status).toBe(200)
    const page = await res.text()
    const order = [...page.matchAll(/data-idp="([^"]+)"/g)].map((m) => m[1])
    expect(order).toEqual(['globex', 'acme'])
    expect(page).toContain('href="/sso/login?idp=acme&amp;return_to=%2Ftickets%2F7"')
    expect(page).toContain('src="https://cdn.acme.example/logo.png"')
    expect(page).toContain('Acme Help Center')
    expect(page).toContain(':root{--accent:#aa3300}')
    expect(page).toMatch(/<label for="email">/)
    expect(page).not.toContain('<script')
  })

  it('never echoes an off-site return_to into its links', async () => {
    const page = await (await exports.default.fetch(`${ORIGIN}/sso/login?return_to=%2F%2Fevil.com`, { headers: html })).text()
    expect(page).not.toContain('evil.com')
    expect(page).toContain('return_to=%2F"')
  })

  it('answers unknown and disabled IdPs with coded error pages', async () => {
    const unknown = await exports.default.fetch(`${ORIGIN}/sso/login?idp=nope`, { headers: html })
    expect(unknown.status).toBe(404)
    expect(await unknown.text()).toContain('LOGIN_IDP_NOT_FOUND')
    const off = await exports.default.fetch(`${ORIGIN}/sso/login?idp=off`, { headers: { accept: 'application/json' } })
    expect(off.status).toBe(403)
    expect((await off.json<{ error: { code: string } }>()).error.code).toBe('LOGIN_IDP_DISABLED')
  })
})

describe('discovery by email only (settings.discoveryByEmailOnly)', () => {
  it('names no organization on the selection page, still routes emails, and keeps direct links working', async () => {
    await putSettings(env.DB, { discoveryByEmailOnly: true }, new Date(Date.now() + 1))
    try {
      const page = await (await exports.default.fetch(`${ORIGIN}/sso/login`, { headers: html })).text()
      expect(page).not.toMatch(/data-idp=/)
      for (const name of ['IdP acme', 'IdP globex']) expect(page).not.toContain(name)
      expect(page).toMatch(/<label for="email">/)
      const routed = await post({ email: 'jane@globex.example', return_to: '/' })
      expect(routed.status).toBe(303)
      expect(routed.headers.get('location')).toContain('idp=globex')
      expect((await exports.default.fetch(`${ORIGIN}/sso/login?idp=acme`, { headers: html, redirect: 'manual' })).status).toBe(302)
    } finally {
      await putSettings(env.DB, { discoveryByEmailOnly: false }, new Date(Date.now() + 2))
    }
  })
})

describe('email-domain discovery', () => {
  it('routes an email to its IdP by verified domain (any case, hidden IdPs included), keeping return_to', async () => {
    for (const [email, slug] of [
      ['jane@acme.example', 'acme'],
      ['Bob@ACME.Example', 'acme'],
      ['x@hidden.example', 'hidden'],
    ]) {
      const res = await post({ email: email!, return_to: '/tickets/7' })
      expect(res.status, email).toBe(303)
      expect(res.headers.get('location')).toBe(`/sso/login?idp=${slug}&return_to=%2Ftickets%2F7`)
    }
  })

  it('shows the error next to the email field for unknown, pending and sub- domains, disabled IdPs and bad input', async () => {
    for (const [email, code] of [
      ['jane@unknown.example', 'LOGIN_EMAIL_DOMAIN_UNKNOWN'],
      ['x@off.example', 'LOGIN_EMAIL_DOMAIN_UNKNOWN'],
      // A subdomain routes only when it is listed itself.
      ['bob@eu.acme.example', 'LOGIN_EMAIL_DOMAIN_UNKNOWN'],
      // Claimed but not verified: no routing on a domain nobody proved.
      ['x@pending.example', 'LOGIN_EMAIL_DOMAIN_UNKNOWN'],
      ['x@acme.example@globex.example', 'LOGIN_EMAIL_INVALID'],
      ['not-an-email', 'LOGIN_EMAIL_INVALID'],
      ['', 'LOGIN_EMAIL_INVALID'],
    ]) {
      const res = await post({ email: email!, return_to: '/' })
      expect(res.status, email).toBe(400)
      const page = await res.text()
      expect(page).toContain('id="email-error"')
      expect(page).toContain(code)
      expect(page).toContain('aria-invalid="true"')
    }
  })
})
