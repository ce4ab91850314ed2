// The admin API for helpdesk apps (routes/admin-api.ts): every view carries absolute URLs on the
// gateway's origin that answer there, and POST /apps/:id/rotate-secret replaces a Zendesk app's
// shared secret (write-only: never echoed), refusing what would rotate nothing.
import { env, exports } from 'cloudflare:workers'
import { jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { readAutoPost } from '../helpers/auto-post'
import { sessionCookie } from '../helpers/session'

const ORIGIN = 'https://support.example.com'
const AUTH = { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' }
const SECRET = 'zendesk-shared-secret-0123456789abcdef'
const NEW_SECRET = 'zendesk-shared-secret-regenerated-0123'
type ErrorBody = { error: { code: string; message: string } }
type View = { id: string; slug: string; hasSecret: boolean; setup: Record<string, string> }

const api = (path: string, method = 'GET', body?: unknown, headers: Record<string, string> = AUTH) =>
  exports.default.fetch(`${ORIGIN}/sso/admin/api/apps${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })

async function created(body: unknown): Promise<View> {
  const res = await api('', 'POST', body)
  expect(res.status).toBe(201)
  return res.json<View>()
}

describe('app views: absolute URLs', () => {
  it('gives every URL of every kind on the gateway origin, and each answers there', async () => {
    const zendesk = await created({ kind: 'zendesk', name: 'Abs Zendesk', sharedSecret: SECRET, config: { subdomain: 'abs' } })
    const freshworks = await created({ kind: 'freshworks', name: 'Abs Freshdesk', config: { redirectUris: ['https://abs.freshdesk.com/cb'] } })
    const saml = await created({ kind: 'saml', name: 'Abs SAML', config: { entityId: 'urn:abs:sp', acsUrl: 'https://abs.example/acs' } })
    const urls = (v: View) => Object.entries(v.setup).filter(([k]) => /Url$/.test(k) && k !== 'jwtEndpoint')
    for (const view of [zendesk, freshworks, saml]) {
      expect(urls(view).length).toBeGreaterThan(1)
      for (const [name, url] of urls(view)) expect(url, name).toMatch(/^https:\/\/support\.example\.com\/sso\//)
    }
    expect(saml.setup).toMatchObject({
      idpEntityId: `${ORIGIN}/sso/idp/metadata`,
      ssoUrl: `${ORIGIN}/sso/idp/sso`,
      idpMetadataUrl: `${ORIGIN}/sso/idp/metadata?app=abs-saml`,
      launchUrl: `${ORIGIN}/sso/idp/launch/abs-saml`,
    })
    // They lead somewhere real: the metadata names this entity and SSO URL, the launch URL signs in.
    const metadata = await (await exports.default.fetch(saml.setup.idpMetadataUrl!)).text()
    expect(metadata).toContain(`entityID="${saml.setup.idpEntityId}"`)
    expect(metadata).toContain(`Location="${saml.setup.ssoUrl}"`)
    const cookie = await sessionCookie()
    expect(readAutoPost(await (await exports.default.fetch(saml.setup.launchUrl!, { headers: { cookie } })).text()).action).toBe('https://abs.example/acs')
    expect(readAutoPost(await (await exports.default.fetch(zendesk.setup.remoteLoginUrl!, { headers: { cookie } })).text()).action).toBe(
      'https://abs.zendesk.com/access/jwt',
    )
    const list = await (await api('')).json<{ apps: View[] }>()
    expect(list.apps.find((a) => a.id === saml.id)?.setup.launchUrl).toBe(saml.setup.launchUrl)
  })
})

describe('POST /sso/admin/api/apps/:id/rotate-secret', () => {
  it("replaces a Zendesk app's secret: the answer never carries it, and tokens are signed with the new one only", async () => {
    const app = await created({ kind: 'zendesk', name: 'Rotate Zendesk', sharedSecret: SECRET, config: { subdomain: 'rotate' } })
    const res = await api(`/${app.id}/rotate-secret`, 'POST', { sharedSecret: NEW_SECRET })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).not.toContain(NEW_SECRET)
    expect(JSON.parse(text)).toMatchObject({ id: app.id, hasSecret: true })
    const { fields } = readAutoPost(await (await exports.default.fetch(app.setup.remoteLoginUrl!, { headers: { cookie: await sessionCookie() } })).text())
    await jwtVerify(fields.jwt!, new TextEncoder().encode(NEW_SECRET), { algorithms: ['HS256'] })
    await expect(jwtVerify(fields.jwt!, new TextEncoder().encode(SECRET), { algorithms: ['HS256'] })).rejects.toThrow()
    const row = await env.DB.prepare("SELECT actor, detail FROM audit_log WHERE action = 'app.secret-rotate' AND outcome = 'success' ORDER BY id DESC").first<{
      actor: string
      detail: string
    }>()
    expect(row).toMatchObject({ actor: 'admin-token' })
    expect(JSON.parse(row!.detail)).toEqual({ appId: app.id, via: 'api' })
  })

  it('refuses the same secret, a short one, an unknown field, and apps without a secret, each with a 400 and its field', async () => {
    const zendesk = await created({ kind: 'zendesk', name: 'Refusing Zendesk', sharedSecret: SECRET, config: { subdomain: 'refusing' } })
    const saml = await created({ kind: 'saml', name: 'Refusing SAML', config: { entityId: 'urn:refusing:sp', acsUrl: 'https://refusing.example/acs' } })
    const freshworks = await created({ kind: 'freshworks', name: 'Refusing Freshdesk', config: { redirectUris: ['https://refusing.freshdesk.com/cb'] } })
    for (const [id, body, field] of [
      [zendesk.id, { sharedSecret: SECRET }, 'sharedSecret'],
      [zendesk.id, { sharedSecret: 'short' }, 'sharedSecret'],
      [zendesk.id, {}, 'sharedSecret'],
      [zendesk.id, { sharedSecret: NEW_SECRET, config: {} }, 'config'],
      [saml.id, { sharedSecret: NEW_SECRET }, 'kind'],
      [freshworks.id, { sharedSecret: NEW_SECRET }, 'kind'],
    ] as const) {
      const res = await api(`/${id}/rotate-secret`, 'POST', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      const { error } = await res.json<ErrorBody>()
      expect(error.code).toBe('ADMIN_INVALID_FIELD')
      expect(error.message.startsWith(`${field}:`), error.message).toBe(true)
    }
    expect((await api(`/${zendesk.id}/rotate-secret`, 'POST', 'not json')).status).toBe(400)
    expect((await api('/app_nope/rotate-secret', 'POST', { sharedSecret: NEW_SECRET })).status).toBe(404)
    expect((await api(`/${zendesk.id}/rotate-secret`, 'POST', { sharedSecret: NEW_SECRET }, { 'content-type': 'application/json' })).status).toBe(401)
  })
})
