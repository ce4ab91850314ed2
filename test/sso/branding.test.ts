// Portal branding for customer pages (sso/branding.ts): the settings as saved, and the defaults
// when D1 fails (an error page must still render when D1 is the error).
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { portalBranding } from '../../src/sso/branding'
import { DEFAULT_SETTINGS, putSettings } from '../../src/store/settings'
import { testContext } from '../helpers/context'

describe('portalBranding', () => {
  it('reads the name, color, logo and support contact from settings', async () => {
    await putSettings(
      env.DB,
      { portalName: 'Acme Help', primaryColor: '#aa3300', logoUrl: 'https://acme.example/logo.png', supportContact: 'help@acme.example' },
      new Date(),
    )
    expect(await portalBranding(testContext())).toEqual({
      portalName: 'Acme Help',
      accent: '#aa3300',
      logoUrl: 'https://acme.example/logo.png',
      supportContact: 'help@acme.example',
    })
  })

  it('falls back to the defaults when D1 fails or there is no request context', async () => {
    const broken = {
      prepare: () => {
        throw new Error('D1 down')
      },
    }
    const fallback = { portalName: DEFAULT_SETTINGS.portalName, accent: DEFAULT_SETTINGS.primaryColor, logoUrl: null, supportContact: null }
    expect(await portalBranding(testContext({ db: broken as unknown as D1Database }))).toEqual(fallback)
    expect(await portalBranding(undefined)).toEqual(fallback)
  })
})
