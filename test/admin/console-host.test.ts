// The deploy trap (admin/console-host.ts): the SP entity ID is pinned when the first IdP is added,
// so it stops following the host the gateway is reached on; the console warns on another host
// than the pinned one, and on a workers.dev address.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { consoleHostNotice } from '../../src/admin/console-host'
import { createIdp } from '../../src/admin/idps'
import { getSettings, putSettings } from '../../src/store/settings'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { TestBrowser } from '../helpers/browser-fetch'
import { lastAuditRow, testContext } from '../helpers/context'

describe('the deploy trap', () => {
  it('warns on workers.dev before anything is pinned, then pins the entity ID with the first IdP', async () => {
    await putSettings(env.DB, { spEntityId: '' }, new Date(Date.now() + 1))
    const dev = testContext({ origin: 'https://edge-sso-gateway.acme.workers.dev' })
    expect(await consoleHostNotice(dev)).toMatch(/This is the workers\.dev address/)
    expect(await consoleHostNotice(testContext())).toBeNull()
    await createIdp(
      testContext({ actor: 'admin-token' }),
      { name: 'First', entityId: 'urn:first:pin', ssoUrl: 'https://first.example/sso', certificates: [TEST_IDP_CERT] },
      'api',
    )
    expect((await getSettings(env.DB)).spEntityId).toBe('https://support.example.com/sso/metadata')
    expect((await lastAuditRow('settings.update'))?.detail).toMatchObject({ changed: ['spEntityId'], reason: 'pinned when the first IdP was added' })
    // From another host, the console says which host the IdPs know.
    expect(await consoleHostNotice(dev)).toMatch(/IdPs know this gateway as support\.example\.com, and you are on edge-sso-gateway\.acme\.workers\.dev/)
    expect(await consoleHostNotice(testContext())).toBeNull()
    // A second IdP changes nothing.
    await createIdp(
      testContext({ actor: 'admin-token', origin: 'https://other.example' }),
      { name: 'Second', entityId: 'urn:second:pin', ssoUrl: 'https://second.example/sso', certificates: [TEST_IDP_CERT] },
      'api',
    )
    expect((await getSettings(env.DB)).spEntityId).toBe('https://support.example.com/sso/metadata')
  })

  it('is never pinned by a customer’s IT (a setup link may be opened on any host the Worker answers)', async () => {
    await putSettings(env.DB, { spEntityId: '' }, new Date(Date.now() + 3))
    await createIdp(
      testContext({ actor: 'setup:sl_1', origin: 'https://edge-sso-gateway.acme.workers.dev' }),
      { name: 'Via setup', entityId: 'urn:setup:pin', ssoUrl: 'https://setup.example/sso', certificates: [TEST_IDP_CERT] },
      'setup',
    )
    expect((await getSettings(env.DB)).spEntityId).toBe('')
  })

  it('shows the warning on every console page', async () => {
    await putSettings(env.DB, { spEntityId: 'https://portal.acme.example/sso/metadata' }, new Date(Date.now() + 2))
    const browser = new TestBrowser()
    await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN, next: '/sso/admin/idps' } })
    const page = await (await browser.fetch('/sso/admin/idps')).text()
    expect(page).toMatch(/data-testid="host-notice">IdPs know this gateway as portal\.acme\.example/)
  })
})
