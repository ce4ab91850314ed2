import { describe, expect, it } from 'vitest'
import { signEnveloped } from '../../src/saml/dsig/sign'
import { MAX_METADATA_BYTES } from '../../src/saml/limits'
import { parseIdpMetadata, selectIdp } from '../../src/saml/metadata'
import { parseCertificate } from '../../src/saml/x509'
import { NS } from '../../src/saml/xml/dom'
import { parseXml } from '../../src/saml/xml/parse'
import { XMLSerializer } from '@xmldom/xmldom'
import { loadManifest, readInterop } from '../helpers/interop'
import { signingKey, testKeyPair } from '../helpers/keys'

type Endpoint = string | { Location: string; ResponseLocation?: string }

interface MetadataCase {
  id: string
  file: string
  signed: boolean
  idpCount: number
  validUntil: string | null
  signatureCheck?: { result: 'OK' | 'FAIL'; certificate: string; signatureMethod: string }[] | null
  entities: {
    entityID: string
    idp?: {
      wantAuthnRequestsSigned: boolean | null
      singleSignOnService: Record<string, Endpoint[]> | null
      singleLogoutService: Record<string, Endpoint[]> | null
      nameIdFormats: string[]
      signingCertificates: { sha1: string }[]
      encryptionCertificates: unknown[]
    } | null
    ssoBindings?: string[]
    signingCertificates?: number
  }[]
}

const manifest = loadManifest() as unknown as { metadata: MetadataCase[] }
const byId = (id: string): MetadataCase => manifest.metadata.find((m) => m.id === id)!
const location = (e: Endpoint): string => (typeof e === 'string' ? e : e.Location)
const sha1Hex = async (b64: string) => Buffer.from(await crypto.subtle.digest('SHA-1', parseCertificate(b64).der)).toString('hex')

const md = (body: string, attrs = '') =>
  `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" entityID="https://idp.example.com"${attrs}>${body}</md:EntityDescriptor>`
const certB64 = () => testKeyPair('rsa', 'md-idp').certificatePem.replace(/-----[^-]+-----|\s+/g, '')
const idpRole = (inner: string, attrs = '') =>
  `<md:IDPSSODescriptor protocolSupportEnumeration="${NS.samlp}"${attrs}>` +
  `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certB64()}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
  `${inner}</md:IDPSSODescriptor>`
const sso = (binding: string, url: string) => `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:${binding}" Location="${url}"/>`

describe('IdP metadata from real IdPs (manifest.metadata)', () => {
  it('covers all 15 documents of the corpus', () => {
    expect(manifest.metadata).toHaveLength(15)
  })

  for (const c of manifest.metadata) {
    it(`parses ${c.id}: entity IDs, endpoints per binding, certificates, NameID formats`, async () => {
      const parsed = await parseIdpMetadata(readInterop(c.file))
      expect(parsed.signed).toBe(c.signed)
      expect(parsed.signatureVerified).toBe(false)
      expect(parsed.idps.map((i) => i.entityId)).toEqual(c.entities.filter((e) => e.idp || e.ssoBindings?.length).map((e) => e.entityID))
      expect(parsed.idps).toHaveLength(c.idpCount)
      for (const entity of c.entities) {
        const idp = parsed.idps.find((i) => i.entityId === entity.entityID)
        if (!entity.idp) {
          // Aggregate summaries: SSO binding names and the signing certificate count only.
          if (!entity.ssoBindings?.length) continue
          expect(Object.keys(idp!.ssoUrls).sort()).toEqual([...entity.ssoBindings].sort())
          expect(idp!.signingCertificates).toHaveLength(entity.signingCertificates!)
          continue
        }
        expect(idp, entity.entityID).toBeDefined()
        const sso = entity.idp.singleSignOnService ?? {}
        expect(Object.keys(idp!.ssoUrls).sort()).toEqual(Object.keys(sso).sort())
        for (const [binding, urls] of Object.entries(sso)) expect(idp!.ssoUrls[binding]).toBe(location(urls[0]!))
        const slo = entity.idp.singleLogoutService ?? {}
        expect(Object.keys(idp!.sloUrls).sort()).toEqual(Object.keys(slo).sort())
        for (const [binding, urls] of Object.entries(slo)) {
          const first = urls[0]!
          expect(idp!.sloUrls[binding]).toBe(location(first))
          if (typeof first !== 'string' && first.ResponseLocation) expect(idp!.sloResponseUrls[binding]).toBe(first.ResponseLocation)
        }
        // Same certificates as the manifest, by SHA-1 thumbprint (the form admins compare).
        expect(await Promise.all(idp!.signingCertificates.map(sha1Hex))).toEqual(entity.idp.signingCertificates.map((s) => s.sha1))
        expect(idp!.encryptionCertificates).toHaveLength(entity.idp.encryptionCertificates.length)
        expect(idp!.nameIdFormats).toEqual(entity.idp.nameIdFormats)
        expect(idp!.wantAuthnRequestsSigned).toBe(entity.idp.wantAuthnRequestsSigned === true)
        expect(idp!.problem).toBeNull()
      }
      if (c.validUntil) expect(Date.parse(parsed.idps[0]!.validUntil!)).toBe(Date.parse(c.validUntil))
    })

    for (const check of c.signatureCheck ?? []) {
      const verdict = check.result === 'OK' ? 'verifies' : 'rejects'
      it(`${verdict} the metadata signature of ${c.id} with ${check.certificate} (xmlsec1: ${check.result})`, async () => {
        const run = parseIdpMetadata(readInterop(c.file), { verifyWith: [readInterop(check.certificate)] })
        if (check.result === 'FAIL') return expect(run).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
        const parsed = await run
        expect(parsed.signatureVerified).toBe(true)
        expect(parsed.idps.every((i) => i.signed && i.signatureVerified)).toBe(true)
        expect(parsed.idps).toHaveLength(c.idpCount)
      })
    }
  }

  it('rejects the signed Azure AD 2015 metadata once an SSO URL is edited', async () => {
    const c = byId('azure-ad-federationmetadata-2015')
    const xml = readInterop(c.file)
    const edited = xml.replace(/(SingleSignOnService[^>]*Location=")https:\/\/login\.windows\.net\//, '$1https://login.attacker.example/')
    expect(edited).not.toBe(xml)
    const cert = readInterop(c.signatureCheck![0]!.certificate)
    await expect(parseIdpMetadata(edited, { verifyWith: [cert] })).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
    // Without verifyWith the edit goes unnoticed: which is why imports by URL should pin a key.
    expect(Object.values((await parseIdpMetadata(edited)).idps[0]!.ssoUrls).join(' ')).toContain('attacker')
  })

  it('refuses verification with a certificate that did not sign, and of unsigned metadata', async () => {
    const other = testKeyPair('rsa', 'not-the-signer').certificatePem
    await expect(parseIdpMetadata(readInterop(byId('azure-ad-federationmetadata-2015').file), { verifyWith: [other] })).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_INVALID',
    })
    await expect(parseIdpMetadata(readInterop(byId('okta-app-metadata-2020').file), { verifyWith: [other] })).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_MISSING',
    })
  })

  it('refuses the rsa-sha1 ADFS metadata signature when SHA-1 is not allowed', async () => {
    const c = byId('adfs-federationmetadata')
    expect(c.signatureCheck![0]!.signatureMethod).toBe('rsa-sha1')
    const cert = readInterop(c.signatureCheck![0]!.certificate)
    await expect(parseIdpMetadata(readInterop(c.file), { verifyWith: [cert], allowSha1: false })).rejects.toMatchObject({ code: 'SAML_SHA1_FORBIDDEN' })
  })

  it('ignores WS-Federation RoleDescriptors and the SPSSODescriptor of ADFS metadata', async () => {
    const [idp] = (await parseIdpMetadata(readInterop(byId('adfs-federationmetadata').file))).idps
    // The RoleDescriptors carry their own (encryption) KeyDescriptors; only the IdP role's count.
    expect(idp!.signingCertificates).toHaveLength(1)
    expect(idp!.encryptionCertificates).toHaveLength(1)
  })

  it('counts a KeyDescriptor without use as signing and encryption (Shibboleth)', async () => {
    const [idp] = (await parseIdpMetadata(readInterop(byId('shibboleth-testshib-providers').file))).idps
    expect(idp!.signingCertificates).toEqual(idp!.encryptionCertificates)
  })
})

describe('choosing an IdP from an aggregate', () => {
  it('keeps only the entity asked for', async () => {
    const c = byId('shibboleth-ualg-signed-aggregate')
    const parsed = await parseIdpMetadata(readInterop(c.file), { entityId: 'https://idp.fccn.pt/idp/shibboleth' })
    expect(parsed.idps.map((i) => i.entityId)).toEqual(['https://idp.fccn.pt/idp/shibboleth'])
    await expect(parseIdpMetadata(readInterop(c.file), { entityId: 'https://nope.example' })).rejects.toMatchObject({ code: 'SAML_METADATA_INVALID' })
  })

  it('selectIdp picks the only usable SAML 2.0 IdP, refuses ambiguity and SAML 1-only IdPs', async () => {
    const swamid = await parseIdpMetadata(readInterop(byId('swamid-test-federation-aggregate').file))
    const saml1Only = swamid.idps.filter((i) => !i.supportsSaml2)
    expect(saml1Only.length).toBeGreaterThan(0)
    for (const idp of saml1Only) expect(idp.problem).toMatch(/SAML 2\.0/)
    expect(selectIdp(swamid).entityId).toBe('https://idp.umu.se/saml2/idp/metadata.php')
    expect(() => selectIdp(swamid, saml1Only[0]!.entityId)).toThrow(expect.objectContaining({ code: 'SAML_METADATA_INVALID' }))
    const ualg = await parseIdpMetadata(readInterop(byId('shibboleth-ualg-signed-aggregate').file))
    expect(() => selectIdp(ualg)).toThrow(expect.objectContaining({ code: 'SAML_METADATA_INVALID' }))
    expect(selectIdp(ualg, 'https://si-saai.ualg.pt/idp/shibboleth').ssoUrls['HTTP-Redirect']).toBe('https://si-saai.ualg.pt/idp/profile/SAML2/Redirect/SSO')
  })

  it('verifies individually signed entities of an unsigned aggregate and drops unsigned ones', async () => {
    const pair = testKeyPair('rsa', 'md-entity')
    const entity = (id: string, name: string) =>
      `<md:EntityDescriptor ID="${id}" entityID="https://${name}.example">${idpRole(sso('HTTP-Redirect', `https://${name}.example/sso`))}</md:EntityDescriptor>`
    const doc = parseXml(
      `<md:EntitiesDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}">${entity('_a', 'signed')}${entity('_b', 'unsigned')}</md:EntitiesDescriptor>`,
    )
    await signEnveloped(doc.documentElement!.firstChild as never, {
      privateKey: await signingKey(pair),
      certificatePem: pair.certificatePem,
      insertAfter: null,
    })
    const xml = new XMLSerializer().serializeToString(doc)
    const parsed = await parseIdpMetadata(xml, { verifyWith: [pair.certificatePem] })
    expect(parsed.signatureVerified).toBe(false)
    expect(parsed.idps.map((i) => [i.entityId, i.signatureVerified])).toEqual([['https://signed.example', true]])
    await expect(parseIdpMetadata(xml, { verifyWith: [pair.certificatePem], entityId: 'https://unsigned.example' })).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_MISSING',
    })
  })
})

describe('invalid or unusable metadata', () => {
  const cases: [string, string, string][] = [
    ['a root that is not metadata', '<x/>', 'SAML_METADATA_INVALID'],
    ['a DOCTYPE', '<!DOCTYPE x><x/>', 'SAML_DTD_FORBIDDEN'],
    ['malformed XML', md('<md:IDPSSODescriptor>'), 'SAML_MALFORMED_XML'],
    ['an SP-only entity', md(`<md:SPSSODescriptor protocolSupportEnumeration="${NS.samlp}"/>`), 'SAML_METADATA_INVALID'],
    ['an IdP without SSO endpoint', md(idpRole('')), 'SAML_METADATA_INVALID'],
    ['an IdP with only a SOAP SSO endpoint', md(idpRole(sso('SOAP', 'https://idp.example.com/soap'))), 'SAML_METADATA_INVALID'],
    [
      'a SAML 1-only IdP',
      md(idpRole(sso('HTTP-POST', 'https://idp.example.com/sso'), '').replace(NS.samlp, 'urn:oasis:names:tc:SAML:1.1:protocol')),
      'SAML_METADATA_INVALID',
    ],
    [
      'an IdP without signing certificate',
      md(idpRole(sso('HTTP-POST', 'https://idp.example.com/sso')).replace('use="signing"', 'use="encryption"')),
      'SAML_METADATA_INVALID',
    ],
    [
      'a broken signing certificate',
      md(idpRole(sso('HTTP-POST', 'https://idp.example.com/sso')).replace(/<ds:X509Certificate>[^<]+/, '<ds:X509Certificate>AAAA')),
      'SAML_METADATA_INVALID',
    ],
    [
      'an entity without entityID',
      md(idpRole(sso('HTTP-POST', 'https://idp.example.com/sso'))).replace('entityID="https://idp.example.com"', ''),
      'SAML_METADATA_INVALID',
    ],
  ]
  for (const [name, xml, code] of cases) {
    it(`rejects ${name} with ${code}`, async () => {
      await expect(parseIdpMetadata(xml)).rejects.toMatchObject({ code })
    })
  }

  it('ignores endpoints whose Location is not an http(s) URL, with a warning', async () => {
    const xml = md(idpRole(sso('HTTP-Redirect', 'javascript:alert(1)') + sso('HTTP-POST', 'https://idp.example.com/sso')))
    const [idp] = (await parseIdpMetadata(xml)).idps
    expect(idp!.ssoUrls).toEqual({ 'HTTP-POST': 'https://idp.example.com/sso' })
    expect(idp!.warnings.join(' ')).toMatch(/HTTP-Redirect/)
    await expect(parseIdpMetadata(md(idpRole(sso('HTTP-POST', 'javascript:alert(1)'))))).rejects.toMatchObject({ code: 'SAML_METADATA_INVALID' })
  })

  it('refuses expired metadata when now is given, and warns about expired certificates', async () => {
    const google = readInterop(byId('google-workspace-metadata-2016').file)
    await expect(parseIdpMetadata(google, { now: new Date('2026-01-01T00:00:00Z') })).rejects.toMatchObject({ code: 'SAML_METADATA_INVALID' })
    const parsed = await parseIdpMetadata(google, { now: new Date('2020-01-01T00:00:00Z') })
    expect(parsed.idps[0]!.warnings).toEqual([])
    const late = await parseIdpMetadata(readInterop(byId('okta-app-metadata-2020').file), { now: new Date('2099-01-01T00:00:00Z') })
    expect(late.idps[0]!.warnings.join(' ')).toMatch(/CERT_EXPIRED/)
    // An EntitiesDescriptor's validUntil is inherited by its entities (metadata §2.3.2).
    const ualg = readInterop(byId('shibboleth-ualg-signed-aggregate').file)
    await expect(parseIdpMetadata(ualg, { now: new Date('2026-01-01T00:00:00Z') })).rejects.toMatchObject({ code: 'SAML_METADATA_INVALID' })
  })

  it('reads WantAuthnRequestsSigned as xs:boolean', async () => {
    const role = (v: string) => md(idpRole(sso('HTTP-POST', 'https://idp.example.com/sso'), ` WantAuthnRequestsSigned="${v}"`))
    expect((await parseIdpMetadata(role('1'))).idps[0]!.wantAuthnRequestsSigned).toBe(true)
    expect((await parseIdpMetadata(role('false'))).idps[0]!.wantAuthnRequestsSigned).toBe(false)
  })

  it('bounds the document size', async () => {
    const huge = md(`<!--${'x'.repeat(MAX_METADATA_BYTES)}-->`)
    await expect(parseIdpMetadata(huge)).rejects.toMatchObject({ code: 'SAML_INPUT_TOO_LARGE' })
  })
})
