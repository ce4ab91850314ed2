// The names IdP metadata gives itself (saml/metadata-names.ts, through parseIdpMetadata):
// mdui:DisplayName from real federation metadata (manifest.metadata), md:Organization from SWAMID,
// English preferred, whitespace collapsed, length bounded; nothing read from outside its place.
import { describe, expect, it } from 'vitest'
import { parseIdpMetadata } from '../../src/saml/metadata'
import { MAX_METADATA_NAME_CHARS, MDUI_NS } from '../../src/saml/metadata-names'
import { NS } from '../../src/saml/xml/dom'
import { loadManifest, readInterop } from '../helpers/interop'
import { testKeyPair } from '../helpers/keys'

interface NamedCase {
  id: string
  file: string
  entities: { entityID: string; idp?: { displayNames: string[] | null } | null }[]
}

const manifest = loadManifest() as unknown as { metadata: NamedCase[] }
const certB64 = () => testKeyPair('rsa', 'md-names').certificatePem.replace(/-----[^-]+-----|\s+/g, '')

/** One IdP with `extensions` in its role and `after` (e.g. md:Organization) after the role. */
const md = (extensions: string, after = '') =>
  `<md:EntityDescriptor xmlns:md="${NS.md}" xmlns:ds="${NS.ds}" xmlns:mdui="${MDUI_NS}" entityID="https://idp.example.com">` +
  `<md:IDPSSODescriptor protocolSupportEnumeration="${NS.samlp}">${extensions}` +
  `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certB64()}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
  `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>` +
  `</md:IDPSSODescriptor>${after}</md:EntityDescriptor>`
const ui = (names: string) => `<md:Extensions><mdui:UIInfo>${names}</mdui:UIInfo></md:Extensions>`
const displayName = (lang: string, text: string) => `<mdui:DisplayName xml:lang="${lang}">${text}</mdui:DisplayName>`
const organization = (inner: string) => `<md:Organization>${inner}</md:Organization>`
const first = async (xml: string) => (await parseIdpMetadata(xml)).idps[0]!

describe('mdui:DisplayName from real metadata (manifest.metadata)', () => {
  for (const c of manifest.metadata) {
    const named = c.entities.filter((e) => e.idp?.displayNames?.length)
    if (named.length === 0) continue
    it(`reads ${c.id}: one of the names the manifest lists, for each IdP that has one`, async () => {
      const parsed = await parseIdpMetadata(readInterop(c.file))
      for (const e of named) expect(e.idp!.displayNames).toContain(parsed.idps.find((i) => i.entityId === e.entityID)!.displayName)
    })
  }

  it('prefers English: the Algarve IdP is "University of Algarve", not "Universidade do Algarve"', async () => {
    const parsed = await parseIdpMetadata(readInterop('metadata/shibboleth-ualg-signed-aggregate.xml'))
    expect(parsed.idps.find((i) => i.entityId === 'https://si-saai.ualg.pt/idp/shibboleth')).toMatchObject({
      displayName: 'University of Algarve',
      organizationName: 'University of Algarve',
    })
  })

  it('gives null for IdPs that name nothing (Okta, Entra ID)', async () => {
    for (const file of ['metadata/okta-app-metadata-2020.xml', 'metadata/azure-ad-entra-federationmetadata.xml']) {
      expect(await first(readInterop(file))).toMatchObject({ displayName: null, organizationName: null })
    }
  })
})

describe('md:Organization', () => {
  it('reads OrganizationDisplayName from SWAMID', async () => {
    const parsed = await parseIdpMetadata(readInterop('metadata/swamid-test-federation-aggregate.xml'))
    expect(parsed.idps.find((i) => i.entityId === 'https://idp.umu.se/saml2/idp/metadata.php')!.organizationName).toBe('Umeå university (New SAML2)')
  })

  it('falls back to OrganizationName when there is no OrganizationDisplayName', async () => {
    const idp = await first(md('', organization('<md:OrganizationName xml:lang="de">Acme GmbH</md:OrganizationName>')))
    expect(idp.organizationName).toBe('Acme GmbH')
  })
})

describe('reading a name', () => {
  it('takes the first name when none is English, and en-GB as English', async () => {
    expect((await first(md(ui(displayName('sv', 'Umeå universitet') + displayName('fi', 'Uumajan yliopisto'))))).displayName).toBe('Umeå universitet')
    expect((await first(md(ui(displayName('sv', 'Umeå universitet') + displayName('en-GB', 'Umeå University'))))).displayName).toBe('Umeå University')
  })

  it(`collapses whitespace and control characters, skips empty names, and cuts at ${MAX_METADATA_NAME_CHARS} characters`, async () => {
    expect((await first(md(ui(displayName('en', '  ') + displayName('sv', '\n  Acme\t\tStaff&#x9b;Login \r\n '))))).displayName).toBe('Acme Staff Login')
    const long = (await first(md(ui(displayName('en', `${'é'.repeat(MAX_METADATA_NAME_CHARS)}🙂`))))).displayName!
    expect(Array.from(long)).toHaveLength(MAX_METADATA_NAME_CHARS)
  })

  it("reads mdui:UIInfo only inside the role's md:Extensions, and a DisplayName only in the MDUI namespace", async () => {
    const outside = md('').replace('<md:KeyDescriptor', `<mdui:UIInfo>${displayName('en', 'Stray')}</mdui:UIInfo><md:KeyDescriptor`)
    expect((await first(outside)).displayName).toBeNull()
    const wrongNs = md(`<md:Extensions><mdui:UIInfo><md:DisplayName xml:lang="en">Not MDUI</md:DisplayName></mdui:UIInfo></md:Extensions>`)
    expect((await first(wrongNs)).displayName).toBeNull()
  })
})
