// The console's events pages (routes/admin-events.tsx) as a signed-in admin uses them: the
// delivery log (webhooks off or on, each event's status, attempts, last result, next attempt),
// "Send a test event" and "Retry now" (CSRF-checked, refusals shown with their code), and
// Settings' webhook section: the signing secret generated and shown once, or typed in, and never
// shown back on any page or in any API answer.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { deliverEvent, MAX_ATTEMPTS } from '../../src/events/deliver'
import { queueEvent } from '../../src/events/emit'
import { DEFAULT_SETTINGS, putSettings, readWebhookSecret } from '../../src/store/settings'
import { hiddenValue, TestBrowser } from '../helpers/browser-fetch'
import { testContext } from '../helpers/context'
import { clearOutbox, configureWebhook, expectedSignature, outbox, WEBHOOK_SECRET, WEBHOOK_URL, webhookReceiver } from '../helpers/webhooks'

async function signedIn(): Promise<{ browser: TestBrowser; csrf: string }> {
  const browser = new TestBrowser()
  const login = await browser.fetch('/sso/admin/login', { form: { token: env.ADMIN_TOKEN, next: '/sso/admin/events' } })
  expect(login.status).toBe(303)
  const page = await browser.fetch('/sso/admin/events')
  expect(page.status).toBe(200)
  return { browser, csrf: hiddenValue(await page.text(), '_csrf') }
}

const api = (path: string, init: { method?: string; body?: unknown } = {}) =>
  new TestBrowser().fetch(`/sso/admin/api${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json', accept: 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  })

/** The settings form as the page posts it, every field at its default. */
function settingsForm(extra: Record<string, string>): Record<string, string> {
  const s = DEFAULT_SETTINGS
  return {
    portalName: s.portalName,
    primaryColor: s.primaryColor,
    spEntityId: '',
    sessionLifetimeSeconds: String(s.sessionLifetimeSeconds),
    clockSkewSeconds: String(s.clockSkewSeconds),
    adminAccess: '',
    auditRetentionDays: String(s.auditRetentionDays),
    ...Object.fromEntries(Object.entries(s.headerNames).map(([k, v]) => [`headerNames.${k}`, v])),
    ...extra,
  }
}

const rowHtml = (page: string, id: string) => {
  const m = new RegExp(`<tr data-event="${id}"[^>]*>([\\s\\S]*?)</tr>`).exec(page)
  if (!m) throw new Error(`no row for ${id}`)
  return m[0]
}

beforeEach(async () => {
  await clearOutbox()
  await configureWebhook(true)
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('the delivery log', () => {
  it('sends anonymous visitors to the sign-in form', async () => {
    const res = await new TestBrowser().fetch('/sso/admin/events')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toMatch(/^\/sso\/admin\/login/)
  })

  it('says webhooks are off, and offers no test button, while no URL is set', async () => {
    await configureWebhook(false)
    const { browser } = await signedIn()
    const page = await (await browser.fetch('/sso/admin/events')).text()
    expect(page).toContain('data-testid="webhook-off"')
    expect(page).not.toContain('data-testid="send-test"')
    expect(page).toContain('data-testid="events-empty"')
    expect(page).toMatch(/<a href="\/sso\/admin\/events" aria-current="page">Events<\/a>/)
  })

  it('lists each event with its status, attempts, last result and next attempt; Retry only for a failed one', async () => {
    const receiver = webhookReceiver()
    receiver.respond = () => new Response('down', { status: 500 })
    const ctx = (now: Date) => testContext({ clock: () => now })
    const T0 = new Date()
    const failing = (await queueEvent(ctx(T0), 'idp.disabled', { idpId: 'idp_log', idpName: 'Log <IdP>' }))!
    for (let i = 0; i < MAX_ATTEMPTS; i++) await deliverEvent(ctx(new Date(T0.getTime() + i * 86_400_000)), failing)
    const retrying = (await queueEvent(ctx(T0), 'idp.enabled', { idpId: 'idp_log' }))!
    await deliverEvent(ctx(T0), retrying)
    receiver.respond = () => new Response(null, { status: 204 })
    const delivered = (await queueEvent(ctx(T0), 'webhook.test', {}))!
    await deliverEvent(ctx(T0), delivered)

    const { browser } = await signedIn()
    const page = await (await browser.fetch('/sso/admin/events')).text()
    expect(page).toContain('data-testid="webhook-on"')
    expect(page).toContain(WEBHOOK_URL)
    const failedRow = rowHtml(page, failing)
    expect(failedRow).toContain('data-status="failed"')
    expect(failedRow).toContain('6 of 6')
    expect(failedRow).toContain('HTTP 500 · WEBHOOK_HTTP_ERROR')
    expect(failedRow).toContain(`action="/sso/admin/events/${failing}/retry"`)
    // Data is escaped like everything else.
    expect(failedRow).toContain('Log &lt;IdP&gt;')
    const retryingRow = rowHtml(page, retrying)
    expect(retryingRow).toContain('data-status="pending"')
    expect(retryingRow).toContain('1 of 6')
    expect(retryingRow).toContain(`<time datetime="${new Date(T0.getTime() + 60_000).toISOString()}">`)
    expect(retryingRow).not.toContain('/retry"')
    expect(rowHtml(page, delivered)).toContain('HTTP 204')
  })
})

describe('Send a test event', () => {
  it('sends a signed webhook.test event and says it was delivered', async () => {
    const receiver = webhookReceiver()
    const { browser, csrf } = await signedIn()
    const res = await browser.fetch('/sso/admin/events/test', { form: { _csrf: csrf } })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/sso/admin/events?flash=event-delivered')
    const [req] = receiver.requests
    expect(JSON.parse(req!.body)).toMatchObject({ type: 'webhook.test' })
    expect(req!.headers.get('webhook-signature')).toBe(await expectedSignature(WEBHOOK_SECRET, req!.headers.get('webhook-timestamp')!, req!.body))
    const page = await (await browser.fetch(res.headers.get('location')!)).text()
    expect(page).toContain('Event delivered')
    expect(page).toContain('data-status="delivered"')
  })

  it('says so when the receiver refuses it', async () => {
    const receiver = webhookReceiver()
    receiver.respond = () => new Response(null, { status: 301, headers: { location: 'https://elsewhere.example/' } })
    const { browser, csrf } = await signedIn()
    const res = await browser.fetch('/sso/admin/events/test', { form: { _csrf: csrf } })
    expect(res.headers.get('location')).toBe('/sso/admin/events?flash=event-not-delivered')
    const page = await (await browser.fetch(res.headers.get('location')!)).text()
    expect(page).toContain('role="alert"')
    expect(page).toContain('HTTP 301 · WEBHOOK_REDIRECT')
  })

  it('is refused with its code while webhooks are off', async () => {
    const { browser, csrf } = await signedIn()
    await configureWebhook(false)
    const res = await browser.fetch('/sso/admin/events/test', { form: { _csrf: csrf } })
    expect(res.status).toBe(409)
    expect(await res.text()).toContain('<code data-testid="error-code">ADMIN_WEBHOOK_NOT_CONFIGURED</code>')
  })
})

describe('Retry now', () => {
  it('retries a failed event at once; an unknown one is 404 with its code', async () => {
    const receiver = webhookReceiver()
    receiver.respond = () => new Response('down', { status: 500 })
    const T0 = new Date()
    const id = (await queueEvent(testContext({ clock: () => new Date(T0.getTime() - 7 * 86_400_000) }), 'idp.enabled', { idpId: 'idp_retry' }))!
    for (let i = 0; i < MAX_ATTEMPTS; i++) await deliverEvent(testContext({ clock: () => new Date(T0.getTime() - (MAX_ATTEMPTS - i) * 86_400_000) }), id)
    expect((await outbox())[0]).toMatchObject({ status: 'failed' })
    receiver.respond = () => new Response('ok')
    const { browser, csrf } = await signedIn()
    const res = await browser.fetch(`/sso/admin/events/${id}/retry`, { form: { _csrf: csrf } })
    expect(res.headers.get('location')).toBe('/sso/admin/events?flash=event-delivered')
    expect((await outbox())[0]).toMatchObject({ status: 'delivered', attempts: 1 })

    const unknown = await browser.fetch('/sso/admin/events/evt_unknown/retry', { form: { _csrf: csrf } })
    expect(unknown.status).toBe(404)
    expect(await unknown.text()).toContain('ADMIN_EVENT_NOT_FOUND')
  })

  it('checks CSRF on every form: without the token, or cross-site, nothing is sent', async () => {
    const receiver = webhookReceiver()
    const id = (await queueEvent(testContext(), 'idp.enabled', { idpId: 'idp_csrf' }))!
    const { browser, csrf } = await signedIn()
    for (const path of ['/sso/admin/events/test', `/sso/admin/events/${id}/retry`, '/sso/admin/settings/webhook-secret']) {
      const noToken = await browser.fetch(path, { form: {}, headers: { accept: 'application/json' } })
      expect(noToken.status, path).toBe(403)
      expect((await noToken.json<{ error: { code: string } }>()).error.code).toBe('ADMIN_CSRF_REJECTED')
      const crossSite = await browser.fetch(path, {
        form: { _csrf: csrf },
        crossSite: true,
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', accept: 'application/json' },
      })
      expect(crossSite.status, path).toBe(403)
    }
    expect(receiver.requests).toEqual([])
    expect(await readWebhookSecret(env.DB, env.SSO_SECRET)).toBe(WEBHOOK_SECRET)
  })
})

describe('the signing secret', () => {
  it('is generated and shown once, in the answer to Generate, then never again', async () => {
    const { browser, csrf } = await signedIn()
    const res = await browser.fetch('/sso/admin/settings/webhook-secret', { form: { _csrf: csrf } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const page = await res.text()
    expect(page).toContain('data-testid="new-webhook-secret"')
    const secret = /value="(whsec_[^"]+)"/.exec(page)?.[1]
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/)
    expect(await readWebhookSecret(env.DB, env.SSO_SECRET)).toBe(secret)
    expect(await (await browser.fetch('/sso/admin/settings')).text()).not.toContain(secret!)
    // Deliveries are signed with it from now on.
    const receiver = webhookReceiver()
    await browser.fetch('/sso/admin/events/test', { form: { _csrf: csrf } })
    const req = receiver.requests[0]!
    expect(req.headers.get('webhook-signature')).toBe(await expectedSignature(secret!, req.headers.get('webhook-timestamp')!, req.body))
  })

  it('is taken when typed into the settings form, and appears on no page and in no API answer', async () => {
    const typed = 'whsec_typed-into-the-console-0123'
    const { browser, csrf } = await signedIn()
    // A refused save (bad brand color) shows the form again without the typed secret.
    const refused = await browser.fetch('/sso/admin/settings', {
      form: settingsForm({ _csrf: csrf, primaryColor: 'red', webhookUrl: WEBHOOK_URL, webhookSecret: typed }),
    })
    expect(refused.status).toBe(400)
    expect(await refused.text()).not.toContain(typed)
    const saved = await browser.fetch('/sso/admin/settings', { form: settingsForm({ _csrf: csrf, webhookUrl: WEBHOOK_URL, webhookSecret: typed }) })
    expect(saved.status).toBe(303)
    expect(await readWebhookSecret(env.DB, env.SSO_SECRET)).toBe(typed)

    const settingsPage = await (await browser.fetch('/sso/admin/settings')).text()
    expect(settingsPage).toContain('Signing secret (set; type a new one to replace it)')
    expect(settingsPage).toContain(`value="${WEBHOOK_URL}"`)
    const answers = [
      settingsPage,
      await (await browser.fetch('/sso/admin/events')).text(),
      await (await browser.fetch('/sso/admin/audit')).text(),
      await (await api('/settings')).text(),
      await (await api('/audit')).text(),
    ]
    for (const answer of answers) expect(answer).not.toContain(typed)
    expect(await (await api('/settings')).json()).toMatchObject({ webhookUrl: WEBHOOK_URL, hasWebhookSecret: true })
  })

  it('is write-only in the API: PUT takes webhookUrl and webhookSecret, and answers hasWebhookSecret', async () => {
    await configureWebhook(false)
    const typed = 'whsec_sent-through-the-api-0123456'
    const res = await api('/settings', { method: 'PUT', body: { webhookUrl: 'https://hooks.acme.example/sso', webhookSecret: typed } })
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).not.toContain(typed)
    expect(JSON.parse(text)).toMatchObject({ webhookUrl: 'https://hooks.acme.example/sso', hasWebhookSecret: true })
    expect(JSON.parse(text)).not.toHaveProperty('webhookSecret')

    const http = await api('/settings', { method: 'PUT', body: { webhookUrl: 'http://hooks.acme.example/sso' } })
    expect(http.status).toBe(400)
    expect(await http.json()).toMatchObject({ error: { code: 'ADMIN_INVALID_FIELD' } })
    const sealed = await api('/settings', { method: 'PUT', body: { webhookSecretSealed: 'v1.x.y' } })
    expect(sealed.status).toBe(400)
    await putSettings(env.DB, { webhookUrl: null }, new Date(), null)
  })
})
