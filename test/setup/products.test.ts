// The setup products (setup/products.ts): every product the issue names is offered, each with
// steps, a known attribute preset or none, and only values the setup page can fill in.
import { describe, expect, it } from 'vitest'
import { ATTRIBUTE_PRESETS } from '../../src/admin/attribute-presets'
import { setupProduct, SETUP_PRODUCTS } from '../../src/setup/products'

describe('setup products', () => {
  it('offers every IdP product of the issue, OIDC and a generic SAML IdP', () => {
    const labels = SETUP_PRODUCTS.map((p) => p.label).join(' | ')
    for (const name of [
      'Okta',
      'Entra ID',
      'Google Workspace',
      'ADFS',
      'OneLogin',
      'JumpCloud',
      'PingFederate',
      'PingOne',
      'Keycloak',
      'Auth0',
      'OpenID Connect',
      'Another SAML',
    ])
      expect(labels).toContain(name)
  })

  it('gives each product steps, a real preset (or none) and values the page knows', () => {
    const known = new Set(['acsUrl', 'entityId', 'metadataUrl', 'sloUrl', 'redirectUri', 'postLogoutUri'])
    for (const p of SETUP_PRODUCTS) {
      expect(p.steps.length, p.key).toBeGreaterThan(0)
      if (p.preset) expect(ATTRIBUTE_PRESETS[p.preset], p.key).toBeDefined()
      for (const s of p.steps) for (const v of s.values ?? []) expect(known.has(v), `${p.key}: ${v}`).toBe(true)
      expect(
        p.steps.some((s) => (s.values ?? []).length > 0),
        p.key,
      ).toBe(true)
    }
    expect(new Set(SETUP_PRODUCTS.map((p) => p.key)).size).toBe(SETUP_PRODUCTS.length)
  })

  it('finds a product by key, and nothing for anything else', () => {
    expect(setupProduct('okta')?.label).toBe('Okta')
    expect(setupProduct('__proto__')).toBeNull()
    expect(setupProduct(undefined)).toBeNull()
  })
})
