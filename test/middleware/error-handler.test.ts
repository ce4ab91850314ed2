// The one failure path (middleware/error-handler.tsx) as a customer's browser sees it: the page
// carries the portal's branding and support contact from Settings; API clients get JSON.
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { putSettings } from '../../src/store/settings'

describe('error pages', () => {
  it("show the portal's name and support contact to a browser, and the code to an API client", async () => {
    await putSettings(env.DB, { portalName: 'Globex Support', supportContact: 'https://globex.example/help' }, new Date(Date.now() + 1))
    const page = await exports.default.fetch('https://support.example.com/sso/nowhere', { headers: { accept: 'text/html' } })
    expect(page.status).toBe(404)
    const html = await page.text()
    expect(html).toContain('Globex Support')
    expect(html).toContain('<a href="https://globex.example/help">https://globex.example/help</a>')
    expect(html).toContain('data-testid="error-code">NOT_FOUND<')
    const api = await exports.default.fetch('https://support.example.com/sso/nowhere', { headers: { accept: 'application/json' } })
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND')
  })
})
