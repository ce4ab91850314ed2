// The broker's IdP metadata (broker/metadata.ts) as a helpdesk imports it, read with the core's
// metadata parser: endpoints, the gateway's signing certificate, and, when asked, a signature
// that verifies with that certificate and no other.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { activateSpKey, stageSpKey } from '../../src/admin/keys'
import { brokerMetadata } from '../../src/broker/metadata'
import { parseIdpMetadata } from '../../src/saml/metadata'
import { signingKey } from '../../src/sso/signing-key'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { TEST_ORIGIN, testContext } from '../helpers/context'

const bare = (pem: string) => pem.replace(/-----[^-]+-----|\s+/g, '')

describe('brokerMetadata', () => {
  it("describes the broker IdP: entity ID, SSO and SLO for both bindings, the gateway's signing certificate", async () => {
    const xml = await brokerMetadata(testContext(), { signed: false })
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true)
    const parsed = await parseIdpMetadata(xml)
    expect(parsed.signed).toBe(false)
    expect(parsed.idps).toHaveLength(1)
    expect(parsed.idps[0]).toMatchObject({
      entityId: `${TEST_ORIGIN}/sso/idp/metadata`,
      ssoUrls: { 'HTTP-Redirect': `${TEST_ORIGIN}/sso/idp/sso`, 'HTTP-POST': `${TEST_ORIGIN}/sso/idp/sso` },
      sloUrls: { 'HTTP-Redirect': `${TEST_ORIGIN}/sso/idp/slo`, 'HTTP-POST': `${TEST_ORIGIN}/sso/idp/slo` },
      signingCertificates: [bare((await signingKey(testContext(), 'broker')).certificatePem)],
      nameIdFormats: [
        'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
        'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
      ],
      problem: null,
    })
  })

  it("is signed on request with the metadata role's key, not the key that signs assertions", async () => {
    const xml = await brokerMetadata(testContext(), { signed: true })
    const cert = (await signingKey(testContext(), 'metadata')).certificatePem
    const parsed = await parseIdpMetadata(xml, { verifyWith: [cert], allowSha1: false })
    expect(parsed).toMatchObject({ signed: true, signatureVerified: true })
    expect(parsed.idps[0]!.entityId).toBe(`${TEST_ORIGIN}/sso/idp/metadata`)
    const broker = (await signingKey(testContext(), 'broker')).certificatePem
    await expect(parseIdpMetadata(xml, { verifyWith: [broker] })).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })

  it("publishes the broker role's staged next certificate beside the active one during a rollover", async () => {
    const active = bare((await signingKey(testContext(), 'broker')).certificatePem)
    const next = await stageSpKey(testContext({ actor: 'admin-token' }), 'broker')
    const parsed = await parseIdpMetadata(await brokerMetadata(testContext(), { signed: false }))
    expect(parsed.idps[0]!.signingCertificates).toEqual([active, bare(next.certificatePem)])
    await activateSpKey(testContext({ actor: 'admin-token' }), 'broker')
    expect((await signingKey(testContext(), 'broker')).id).toBe(next.id)
  })

  it('does not verify with another certificate, and unsigned metadata does not pass as signed', async () => {
    const signed = await brokerMetadata(testContext(), { signed: true })
    await expect(parseIdpMetadata(signed, { verifyWith: [TEST_IDP_CERT] })).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
    const unsigned = await brokerMetadata(testContext(), { signed: false })
    const cert = (await signingKey(testContext(), 'metadata')).certificatePem
    await expect(parseIdpMetadata(unsigned, { verifyWith: [cert] })).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
  })

  // Issue 16: WantAuthnRequestsSigned was always "false", even for apps that must sign.
  it('says WantAuthnRequestsSigned="true" in the copy for an app with certificates, "false" otherwise', async () => {
    const { saveApp } = await import('../../src/store/apps')
    const config = { acsUrl: 'https://x.example/acs', nameIdFormat: 'email' as const, signResponse: true }
    await saveApp(
      env.DB,
      env.SSO_SECRET,
      'app_md_signed',
      { kind: 'saml', name: 'Signed', slug: 'md-signed', enabled: true, config: { ...config, entityId: 'urn:md-signed', certificates: [TEST_IDP_CERT] } },
      new Date(),
      true,
    )
    await saveApp(
      env.DB,
      env.SSO_SECRET,
      'app_md_plain',
      { kind: 'saml', name: 'Plain', slug: 'md-plain', enabled: true, config: { ...config, entityId: 'urn:md-plain', certificates: [] } },
      new Date(),
      true,
    )
    const want = (xml: string) => /WantAuthnRequestsSigned="(\w+)"/.exec(xml)![1]
    expect(want(await brokerMetadata(testContext(), { signed: false, app: 'md-signed' }))).toBe('true')
    expect(want(await brokerMetadata(testContext(), { signed: false, app: 'md-plain' }))).toBe('false')
    expect(want(await brokerMetadata(testContext(), { signed: false }))).toBe('false')
    await expect(brokerMetadata(testContext(), { signed: false, app: 'nope' })).rejects.toMatchObject({ code: 'HANDOFF_APP_NOT_FOUND' })
  })
})
