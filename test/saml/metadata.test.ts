import { describe, expect, it } from 'vitest'
import { buildSpMetadata, parseIdpMetadata } from '../../src/saml/metadata'
import { parseCertificate } from '../../src/saml/x509'
import { firstChildNamed, NS } from '../../src/saml/xml/dom'
import { parseXml } from '../../src/saml/xml/parse'
import { loadManifest, readInterop } from '../helpers/interop'
import { testKeyPair } from '../helpers/keys'

interface MetadataCase {
  id: string
  file: string
  signed: boolean
  idpCount: number
  signatureCheck: { result: string; certificate: string }[] | null
  entities: {
    entityID: string
    idp?: {
      singleSignOnService: Record<string, string[]> | null
      singleLogoutService: Record<string, (string | { Location: string })[]> | null
      signingCertificates: { sha1: string }[]
    } | null
    ssoBindings?: string[]
    signingCertificates?: unknown[]
  }[]
}

const manifest = loadManifest() as unknown as { metadata: MetadataCase[] }

describe('IdP metadata from real IdPs', () => {
  for (const c of manifest.metadata) {
    it(`parses ${c.id}: entity IDs, endpoints per binding, signing certificates`, async () => {
      const parsed = await parseIdpMetadata(readInterop(c.file))
      expect(parsed.signed).toBe(c.signed)
      expect(parsed.idps).toHaveLength(c.idpCount)
      for (const entity of c.entities.filter((e) => e.idp)) {
        const idp = parsed.idps.find((i) => i.entityId === entity.entityID)!
        expect(idp, entity.entityID).toBeDefined()
        for (const [binding, urls] of Object.entries(entity.idp!.singleSignOnService ?? {})) expect(idp.ssoUrls[binding]).toBe(urls[0])
        for (const [binding, urls] of Object.entries(entity.idp!.singleLogoutService ?? {})) {
          const first = urls[0]!
          expect(idp.sloUrls[binding]).toBe(typeof first === 'string' ? first : first.Location)
        }
        expect(idp.signingCertificates).toHaveLength(entity.idp!.signingCertificates.length)
        for (const cert of idp.signingCertificates) expect(() => parseCertificate(cert)).not.toThrow()
      }
    })

    for (const check of c.signatureCheck ?? []) {
      it(`${check.result === 'OK' ? 'verifies' : 'rejects'} the signature of ${c.id} (xmlsec1: ${check.result})`, async () => {
        const run = parseIdpMetadata(readInterop(c.file), { verifyWith: [readInterop(check.certificate)] })
        if (check.result === 'OK') await expect(run).resolves.toMatchObject({ signatureVerified: true })
        else await expect(run).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
      })
    }
  }

  it('refuses a signature check with a certificate that did not sign it', async () => {
    const signed = manifest.metadata.find((m) => m.id === 'azure-ad-federationmetadata-2015')!
    await expect(parseIdpMetadata(readInterop(signed.file), { verifyWith: [testKeyPair('rsa').certificatePem] })).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
    const unsigned = manifest.metadata.find((m) => !m.signed)!
    await expect(parseIdpMetadata(readInterop(unsigned.file), { verifyWith: [testKeyPair('rsa').certificatePem] })).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
  })

  it('lists SAML 1-only IdPs of a federation aggregate but flags them', async () => {
    const swamid = manifest.metadata.find((m) => m.id.startsWith('swamid'))!
    const parsed = await parseIdpMetadata(readInterop(swamid.file))
    const saml1Only = parsed.idps.filter((i) => !i.supportsSaml2)
    expect(saml1Only.length).toBeGreaterThan(0)
    for (const idp of saml1Only) expect(idp.ssoUrls['HTTP-Redirect'] ?? idp.ssoUrls['HTTP-POST']).toBeUndefined()
  })

  it('rejects documents that are not IdP metadata with SAML_METADATA_INVALID', async () => {
    await expect(parseIdpMetadata('<x/>')).rejects.toMatchObject({ code: 'SAML_METADATA_INVALID' })
    const spOnly = `<md:EntityDescriptor xmlns:md="${NS.md}" entityID="urn:sp"><md:SPSSODescriptor protocolSupportEnumeration="${NS.samlp}"/></md:EntityDescriptor>`
    await expect(parseIdpMetadata(spOnly)).rejects.toMatchObject({ code: 'SAML_METADATA_INVALID' })
    await expect(parseIdpMetadata('<!DOCTYPE x><x/>')).rejects.toMatchObject({ code: 'SAML_DTD_FORBIDDEN' })
  })
})

describe('SP metadata', () => {
  it('lists ACS, SLO, NameID formats and both certificates during a rollover', async () => {
    const a = testKeyPair('rsa', 'sp-a').certificatePem
    const b = testKeyPair('rsa', 'sp-b').certificatePem
    const xml = buildSpMetadata({
      entityId: 'https://support.example.com/sso/metadata',
      acsUrl: 'https://support.example.com/sso/acs',
      sloUrl: 'https://support.example.com/sso/slo',
      signingCertificates: [a, b],
      encryptionCertificates: [a],
      wantAssertionsSigned: true,
      authnRequestsSigned: false,
    })
    const root = parseXml(xml).documentElement!
    expect(root.getAttribute('entityID')).toBe('https://support.example.com/sso/metadata')
    const sp = firstChildNamed(root, NS.md, 'SPSSODescriptor')!
    expect(sp.getAttribute('WantAssertionsSigned')).toBe('true')
    const keys = sp.getElementsByTagNameNS(NS.md, 'KeyDescriptor')
    expect([...Array(keys.length).keys()].map((i) => keys.item(i)!.getAttribute('use'))).toEqual(['signing', 'signing', 'encryption'])
    const acs = firstChildNamed(sp, NS.md, 'AssertionConsumerService')!
    expect(acs.getAttribute('Location')).toBe('https://support.example.com/sso/acs')
    expect(acs.getAttribute('Binding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST')
  })
})
