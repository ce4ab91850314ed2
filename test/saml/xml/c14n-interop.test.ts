// Subset canonicalization checked against real signatures: for every signature of the interop
// corpus that the XML-DSig layer accepts (exc-c14n with and without PrefixList="xs", and the
// Starfield inclusive-C14N one), our canonical form of the referenced element minus its own
// Signature must hash to DigestValue, and our canonical SignedInfo must verify with the IdP
// certificate. The signers (ADFS, Okta, Shibboleth, PingFederate, …) are independent C14N
// implementations. Tampered controls must fail. Node-only: node:crypto for the RSA check.
import { X509Certificate, verify } from 'node:crypto'
import type { Document, Element } from '@xmldom/xmldom'
import { describe, expect, it } from 'vitest'
import { C14N_ALGORITHMS, canonicalize } from '../../../src/saml/xml/c14n'
import type { C14nOptions } from '../../../src/saml/xml/c14n'
import { childElements, firstChildNamed, NS } from '../../../src/saml/xml/dom'
import { parseXml } from '../../../src/saml/xml/parse'
import { loadManifest, readInterop } from '../../helpers/interop'
import type { InteropCase } from '../../helpers/interop'

const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature'
// XML-DSig §4.3.3.2: a node-set left at the end of the transforms is converted with C14N 1.0.
const DEFAULT_C14N: C14nOptions = { exclusive: false, withComments: false }

const DIGESTS: Record<string, string> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'SHA-1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'SHA-256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'SHA-384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'SHA-512',
}
const SIGNATURES: Record<string, string> = {
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': 'sha1',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'sha256',
}

interface SignatureEntry {
  in: string
  index: number
  c14n: string
  referencesParent: boolean
}

function child(parent: Element, localName: string): Element {
  const el = firstChildNamed(parent, NS.ds, localName)
  if (!el) throw new Error(`missing ds:${localName}`)
  return el
}

/** C14N options of a CanonicalizationMethod/Transform element, PrefixList included. */
function c14nOptionsOf(method: Element): C14nOptions {
  const algorithm = C14N_ALGORITHMS[method.getAttribute('Algorithm') ?? '']
  if (!algorithm) throw new Error(`not a C14N 1.0 algorithm: ${method.getAttribute('Algorithm')}`)
  const inclusive = firstChildNamed(method, NS.ec, 'InclusiveNamespaces')
  const prefixList = inclusive?.getAttribute('PrefixList')?.trim()
  return { ...algorithm, inclusiveNamespacePrefixes: prefixList ? prefixList.split(/\s+/) : undefined }
}

/** The element whose ID attribute is `id` (a test may search the whole document). */
function elementById(doc: Document, id: string): Element {
  const found: Element[] = []
  const walk = (el: Element) => {
    if (el.getAttribute('ID') === id) found.push(el)
    for (const c of childElements(el)) walk(c)
  }
  walk(doc.documentElement!)
  if (found.length !== 1) throw new Error(`${found.length} elements with ID ${id}`)
  return found[0]!
}

function base64(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
}

/** Our verdict on one signature: does the digest match, does SignedInfo verify? */
async function check(c: InteropCase, index: number): Promise<{ digestOk: boolean; signatureOk: boolean; prefixList: string[] }> {
  const doc = parseXml(readInterop(c.file))
  const signature = doc.getElementsByTagNameNS(NS.ds, 'Signature')[index - 1]!
  const signedInfo = child(signature, 'SignedInfo')
  const reference = child(signedInfo, 'Reference')
  const signed = elementById(doc, (reference.getAttribute('URI') ?? '').slice(1))
  expect(signature.parentNode).toBe(signed)

  let options = DEFAULT_C14N
  let exclude: Element | null = null
  const transforms = firstChildNamed(reference, NS.ds, 'Transforms')
  for (const t of transforms ? childElements(transforms) : []) {
    if (t.getAttribute('Algorithm') === ENVELOPED) exclude = signature
    else options = c14nOptionsOf(t)
  }
  // XML-DSig §4.3.3.3: a "#id" reference drops comments whatever the algorithm says.
  const canonical = canonicalize(signed, { ...options, withComments: false, excludeElement: exclude })
  const hash = DIGESTS[child(reference, 'DigestMethod').getAttribute('Algorithm') ?? '']!
  const digest = base64(await crypto.subtle.digest(hash, new TextEncoder().encode(canonical)))
  const expectedDigest = (child(reference, 'DigestValue').textContent ?? '').replace(/\s+/g, '')

  const signedInfoBytes = new TextEncoder().encode(canonicalize(signedInfo, c14nOptionsOf(child(signedInfo, 'CanonicalizationMethod'))))
  const rsaHash = SIGNATURES[child(signedInfo, 'SignatureMethod').getAttribute('Algorithm') ?? '']!
  const signatureValue = Buffer.from((child(signature, 'SignatureValue').textContent ?? '').replace(/\s+/g, ''), 'base64')
  const signatureOk = c.idp.certificates.some((pem) => verify(rsaHash, signedInfoBytes, new X509Certificate(readInterop(pem)).publicKey, signatureValue))

  return { digestOk: digest === expectedDigest, signatureOk, prefixList: options.inclusiveNamespacePrefixes ? [...options.inclusiveNamespacePrefixes] : [] }
}

const all = loadManifest().responses
const signaturesOf = (c: InteropCase) => ((c.signatures as SignatureEntry[] | undefined) ?? []).filter((s) => s.in === 'message')
const accepted = all.filter((c) => c.signatureLayer === 'accept' && signaturesOf(c).some((s) => s.referencesParent && !s.c14n.startsWith('c14n-1.1')))

describe('subset C14N reproduces the digests and SignedInfo of real IdP signatures', () => {
  it('covers the cases the brief names: Okta PrefixList="xs", Starfield inclusive C14N, CRLF SiteMinder', () => {
    const ids = accepted.map((c) => c.id)
    expect(ids).toEqual(
      expect.arrayContaining([
        'okta-2016-both-signed',
        'okta-2013-assertion-signed',
        'starfield-2012-inclusive-c14n-response-signed',
        'ca-siteminder-2014-assertion-signed-crlf-base64',
      ]),
    )
    expect(accepted.length).toBeGreaterThan(25)
  })

  for (const c of accepted) {
    for (const s of signaturesOf(c)) {
      if (!s.referencesParent || s.c14n.startsWith('c14n-1.1')) continue
      it(`${c.id}: signature #${s.index} (${s.c14n})`, async () => {
        const result = await check(c, s.index)
        expect(result).toMatchObject({ digestOk: true, signatureOk: true })
        if (c.id.startsWith('okta-2013') || c.id === 'okta-2016-both-signed') expect(result.prefixList).toEqual(['xs'])
      })
    }
  }
})

describe('tampered controls fail the same checks', () => {
  it.each([
    ['onelogin-tool-2017-tampered-assertion-response-signed', 1],
    ['onelogin-tool-2017-tampered-assertion-assertion-signed', 1],
    ['oktadev-tool-2017-tampered-assertion', 1],
    ['pingfederate-bloomberg-2017-tampered-nameid', 1],
  ])('%s: digest mismatch', async (id, index) => {
    const c = all.find((x) => x.id === id)!
    expect((await check(c, index)).digestOk).toBe(false)
  })
})
