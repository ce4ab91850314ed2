// The gateway's SP metadata (sso/sp-metadata.ts) as a customer's IdP imports it, read back with
// the core's SP-metadata parser: entity ID, ACS, SLO, and the certificates of the keys in use.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { parseSpMetadata } from '../../src/saml/broker/metadata'
import { readCertificates } from '../../src/saml/metadata'
import { childrenNamed, firstChildNamed, NS } from '../../src/saml/xml/dom'
import { parseXml } from '../../src/saml/xml/parse'
import { signingKey } from '../../src/sso/signing-key'
import { spMetadata } from '../../src/sso/sp-metadata'
import { seedIdp } from '../helpers/tenants'
import { putSettings } from '../../src/store/settings'
import { metadataCertificates, stageNextSpKey } from '../../src/store/sp-keys'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { TEST_ORIGIN, testContext } from '../helpers/context'

const bare = (pem: string) => pem.replace(/-----[^-]+-----|\s+/g, '')

function spRole(xml: string) {
  const root = parseXml(xml.replace(/^<\?xml[^>]*\?>\s*/, '')).documentElement!
  return firstChildNamed(root, NS.md, 'SPSSODescriptor')!
}

describe('spMetadata', () => {
  it('describes this gateway: entity ID, HTTP-POST ACS and the active signing certificate', async () => {
    const xml = await spMetadata(testContext())
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true)
    const sp = parseSpMetadata(xml)
    expect(sp).toMatchObject({ entityId: `${TEST_ORIGIN}/sso/metadata`, acsUrl: `${TEST_ORIGIN}/sso/acs`, authnRequestsSigned: false })
    expect(sp.signingCertificates).toEqual([bare((await signingKey(testContext(), 'signing')).certificatePem)])
  })

  it('lists the SLO endpoint for both bindings and an encryption certificate distinct from the signing one', async () => {
    const role = spRole(await spMetadata(testContext()))
    const slo = childrenNamed(role, NS.md, 'SingleLogoutService').map((s) => [s.getAttribute('Binding'), s.getAttribute('Location')])
    expect(slo).toEqual([
      ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', `${TEST_ORIGIN}/sso/slo`],
      ['urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', `${TEST_ORIGIN}/sso/slo`],
    ])
    const encryption = readCertificates(role, 'encryption')
    expect(encryption).toEqual((await metadataCertificates(env.DB, 'encryption')).map(bare))
    expect(encryption).toHaveLength(1)
    expect(encryption[0]).not.toBe(bare((await signingKey(testContext(), 'signing')).certificatePem))
    expect(role.getAttribute('WantAssertionsSigned')).toBe('true')
  })

  it('announces signed AuthnRequests once an IdP is set to receive them', async () => {
    await seedIdp(
      env.DB,
      'idp_signs',
      {
        name: 'Signs',
        slug: 'signs',
        entityId: 'https://signs.test',
        ssoUrl: 'https://signs.test/sso',
        certificates: [TEST_IDP_CERT],
        signAuthnRequests: true,
      },
      new Date(),
    )
    expect(parseSpMetadata(await spMetadata(testContext())).authnRequestsSigned).toBe(true)
  })

  it('publishes the staged next signing key beside the active one during a rollover, active first', async () => {
    const active = bare((await signingKey(testContext(), 'signing')).certificatePem)
    const next = await stageNextSpKey(env.DB, env.SSO_SECRET, 'signing', new Date(), 'support.example.com')
    expect(parseSpMetadata(await spMetadata(testContext())).signingCertificates).toEqual([active, bare(next.certificatePem)])
  })

  it('follows a configured SP entity ID', async () => {
    await putSettings(env.DB, { spEntityId: 'urn:acme:gateway' }, new Date())
    try {
      expect(parseSpMetadata(await spMetadata(testContext())).entityId).toBe('urn:acme:gateway')
    } finally {
      await putSettings(env.DB, { spEntityId: '' }, new Date())
    }
  })
})
