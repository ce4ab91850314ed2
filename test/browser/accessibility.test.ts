// Accessibility in Chromium (issue 14): axe-core (the engine behind Lighthouse's accessibility
// audit) runs on every customer page and the console's main pages, which must have no serious or
// critical violation; and a customer signs in with the keyboard alone.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium } from './chromium'

const gatewayUrl = inject('gatewayUrl')
const adminToken = inject('adminToken')
const idps = inject('idps')
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

interface Violation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

/** Serious and critical violations on the page, one line each (evaluated over CDP, so the page's CSP does not apply). */
async function violations(page: Page): Promise<string[]> {
  const found = await page.evaluate<Violation[]>(
    `(async () => { ${AXE}; const r = await axe.run(document, { resultTypes: ['violations'] }); return r.violations })()`,
  )
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    )
}

describe('accessibility (axe-core, no serious or critical violations)', () => {
  it('finds violations where there are some (the check can fail)', async () => {
    const page = await (await browser.newContext()).newPage()
    await page.setContent('<html><body><img src="x.png"><form><input type="text"></form><p style="color:#eee;background:#fff">faint</p></body></html>')
    expect((await violations(page)).map((v) => v.split(' ')[0])).toEqual(expect.arrayContaining(['image-alt', 'label', 'color-contrast']))
  })

  it('on the customer pages', async () => {
    const page = await (await browser.newContext()).newPage()
    const found: Record<string, string[]> = {}
    for (const [name, path] of [
      ['selection page', '/sso/login'],
      ['error page', '/sso/login?idp=no-such-idp'],
      ['sign-out question', '/sso/logout'],
      ['not found', '/sso/nowhere'],
    ] as const) {
      await page.goto(`${gatewayUrl}${path}`)
      found[name] = await violations(page)
    }
    // A setup link's page, as a customer's IT sees it.
    const auth = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
    const org = (await (
      await fetch(`${gatewayUrl}/sso/admin/api/organizations`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Axe Corp', slug: 'axe-corp' }) })
    ).json()) as { id: string }
    const link = (await (await fetch(`${gatewayUrl}/sso/admin/api/organizations/${org.id}/setup-links`, { method: 'POST', headers: auth })).json()) as {
      url: string
    }
    await page.goto(`${link.url}?product=okta`)
    found['setup page'] = await violations(page)
    expect(found).toEqual({ 'selection page': [], 'error page': [], 'sign-out question': [], 'not found': [], 'setup page': [] })
  }, 60_000)

  it('in the admin console', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage()
    await page.goto(`${gatewayUrl}/sso/admin/login`)
    const found: Record<string, string[]> = { login: await violations(page) }
    // A wrong token first: the audit log then shows a failure row with its warning tag.
    await page.fill('#f-token', 'not-the-token')
    await page.click('button[type=submit]')
    await page.fill('#f-token', adminToken)
    await page.click('button[type=submit]')
    await page.waitForURL((u) => u.pathname === '/sso/admin')
    // A customer's sign-in and a refused response, so the overview draws its charts.
    const customer = await (await browser.newContext()).newPage()
    await customer.goto(`${gatewayUrl}/sso/login?idp=acme-okta-demo&return_to=%2Faxe`)
    await customer.click('[data-user="jane@acme.example"]')
    await customer.waitForURL((u) => u.origin === gatewayUrl && u.pathname === '/axe')
    await fetch(`${gatewayUrl}/sso/acs`, { method: 'POST', body: new URLSearchParams({ SAMLResponse: 'not-base64!' }) })
    for (const [name, path] of [
      ['overview', '/sso/admin'],
      ['overview by IdP', '/sso/admin?by=idp'],
      ['idps', '/sso/admin/idps'],
      ['idp', `/sso/admin/idps/${idps.okta.id}`],
      ['new oidc idp', '/sso/admin/idps/new?protocol=oidc'],
      ['organizations', '/sso/admin/organizations'],
      ['settings', '/sso/admin/settings'],
      ['audit', '/sso/admin/audit'],
      ['service provider', '/sso/admin/sp'],
      ['apps', '/sso/admin/apps'],
    ] as const) {
      await page.goto(`${gatewayUrl}${path}`)
      // The overview's numbers table, open: axe then checks it too.
      if (name.startsWith('overview')) await page.click('[data-chart="sign-ins"] summary')
      found[name] = await violations(page)
    }
    // Eleven pages, each audited by axe: slower than one page load on a loaded CI machine.
    for (const [name, list] of Object.entries(found)) expect(list, name).toEqual([])
  }, 60_000)

  it('on the helpdesk app pages: each kind new and saved, a refused form, the delete confirmation', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage()
    await page.goto(`${gatewayUrl}/sso/admin/login?next=%2Fsso%2Fadmin%2Fapps`)
    await page.fill('#f-token', adminToken)
    await page.click('button[type=submit]')
    await page.waitForURL((u) => u.pathname === '/sso/admin/apps')
    // A Freshworks app beside the demo stack's SAML and Zendesk apps (a re-run finds it there).
    const auth = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
    const freshworks = { kind: 'freshworks', name: 'Axe Freshdesk', slug: 'axe-freshdesk', config: { redirectUris: ['https://axe.freshdesk.com/cb'] } }
    await fetch(`${gatewayUrl}/sso/admin/api/apps`, { method: 'POST', headers: auth, body: JSON.stringify(freshworks) })
    const { apps } = (await (await fetch(`${gatewayUrl}/sso/admin/api/apps`, { headers: auth })).json()) as { apps: { id: string; kind: string }[] }
    const idOf = (kind: string) => apps.find((a) => a.kind === kind)!.id
    const found: Record<string, string[]> = {}
    for (const [name, path] of [
      ['apps', '/sso/admin/apps'],
      ['new zendesk app', '/sso/admin/apps/new?kind=zendesk'],
      ['new freshworks app', '/sso/admin/apps/new?kind=freshworks'],
      ['new saml app', '/sso/admin/apps/new?kind=saml'],
      ['zendesk app', `/sso/admin/apps/${idOf('zendesk')}`],
      ['freshworks app', `/sso/admin/apps/${idOf('freshworks')}`],
      ['saml app', `/sso/admin/apps/${idOf('saml')}`],
      ['delete app', `/sso/admin/apps/${idOf('freshworks')}/delete`],
    ] as const) {
      await page.goto(`${gatewayUrl}${path}`)
      found[name] = await violations(page)
    }
    // A refused form: the error summary at the top and the fields it links to.
    await page.goto(`${gatewayUrl}/sso/admin/apps/new?kind=saml`)
    await page.fill('#f-name', 'Refused')
    await page.fill('#f-acsUrl', 'http://insecure.example/acs')
    await page.click('[data-testid="app-save"]')
    await page.waitForSelector('[data-testid="error-summary"]')
    found['refused app form'] = await violations(page)
    for (const [name, list] of Object.entries(found)) expect(list, name).toEqual([])
  }, 90_000)

  it('on the events pages: webhooks off, the delivery log with events, a generated secret shown once', async () => {
    // A local receiver: the first delivery is accepted, later ones refused (a pending row with its error).
    let received = 0
    const receiver = createServer((req, res) => {
      received++
      req.resume()
      res.writeHead(received === 1 ? 204 : 500).end()
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const auth = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
    const settings = (body: Record<string, unknown>) =>
      fetch(`${gatewayUrl}/sso/admin/api/settings`, { method: 'PUT', headers: auth, body: JSON.stringify(body) })
    try {
      const page = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage()
      await page.goto(`${gatewayUrl}/sso/admin/login?next=%2Fsso%2Fadmin%2Fevents`)
      await page.fill('#f-token', adminToken)
      await page.click('button[type=submit]')
      await page.waitForURL((u) => u.pathname === '/sso/admin/events')
      const found: Record<string, string[]> = { 'events, webhooks off': await violations(page) }
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
      expect((await settings({ webhookUrl: url, webhookSecret: 'whsec_browser-test-secret-0123456789' })).status).toBe(200)
      await page.goto(`${gatewayUrl}/sso/admin/events`)
      await page.click('[data-testid="send-test"]')
      await page.waitForURL((u) => u.search.includes('flash=event-delivered'))
      await page.click('[data-testid="send-test"]')
      await page.waitForURL((u) => u.search.includes('flash=event-not-delivered'))
      await page.click('tr[data-status="pending"] summary')
      found['events, a delivered and a refused one'] = await violations(page)
      await page.goto(`${gatewayUrl}/sso/admin/settings`)
      await page.click('[data-testid="generate-webhook-secret"]')
      await page.waitForSelector('[data-testid="new-webhook-secret"]')
      found['settings, new secret shown'] = await violations(page)
      for (const [name, list] of Object.entries(found)) expect(list, name).toEqual([])
    } finally {
      await settings({ webhookUrl: null })
      receiver.close()
    }
  }, 60_000)

  it('lets a customer sign in with the keyboard alone, with a visible focus', async () => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${gatewayUrl}/sso/login?return_to=%2Ftickets`)
    // Tab to the first organization: it takes the focus visibly, and Enter follows it.
    await page.keyboard.press('Tab')
    const focused = await page.evaluate<{ idp: string | null; outline: string }>(
      `(() => { const a = document.activeElement; return { idp: a.getAttribute('data-idp'), outline: getComputedStyle(a).outlineStyle } })()`,
    )
    expect(focused.idp).not.toBeNull()
    expect(focused.outline).not.toBe('none')
    await page.keyboard.press('Enter')
    await page.waitForURL((u) => u.origin !== gatewayUrl || !u.pathname.startsWith('/sso/login'))
  })
})
