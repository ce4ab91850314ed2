import { describe, expect, it } from 'vitest'
import { buildAuthnRequest, buildPostForm, encodeRedirectBinding, POST_FORM_SCRIPT, signPostMessage } from '../../src/saml/authn-request'
import { importCertificateVerifyKey, lookupSignature, verifySignatureValue } from '../../src/saml/dsig/algorithms'
import { verifyEnvelopedSignature } from '../../src/saml/dsig/verify'
import { decodeBase64, inflateRaw, utf8Decode, utf8Encode } from '../../src/saml/encoding'
import { parseCertificate } from '../../src/saml/x509'
import { firstChildNamed, NS, textContent } from '../../src/saml/xml/dom'
import { parseXml } from '../../src/saml/xml/parse'
import { signingKey, testKeyPair } from '../helpers/keys'
import { POST_FORM_SCRIPT_HASH } from '../../src/app'

const input = {
  id: '_0123456789abcdef0123456789abcdef01234567',
  issueInstant: new Date('2026-11-26T10:00:00Z'),
  destination: 'https://acme.okta.com/app/x/sso/saml?a=1&b=2',
  spEntityId: 'https://support.example.com/sso/metadata',
  acsUrl: 'https://support.example.com/sso/acs',
  nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
}

describe('AuthnRequest', () => {
  it('round-trips through the Redirect binding (raw DEFLATE + base64 + URL encoding)', async () => {
    const query = await encodeRedirectBinding({ xml: buildAuthnRequest(input), param: 'SAMLRequest', relayState: '/x?y=1' })
    const params = new URLSearchParams(query)
    expect(params.get('RelayState')).toBe('/x?y=1')
    const doc = parseXml(utf8Decode(await inflateRaw(decodeBase64(params.get('SAMLRequest')!), 65_536)))
    const root = doc.documentElement!
    expect(root.localName).toBe('AuthnRequest')
    expect(root.getAttribute('ID')).toBe(input.id)
    expect(root.getAttribute('Destination')).toBe(input.destination)
    expect(root.getAttribute('AssertionConsumerServiceURL')).toBe(input.acsUrl)
    expect(root.getAttribute('ProtocolBinding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST')
    expect(textContent(firstChildNamed(root, NS.saml, 'Issuer')!)).toBe(input.spEntityId)
  })

  it('signs the Redirect query (SAMLRequest, RelayState, SigAlg) so the SP certificate verifies it', async () => {
    const pair = testKeyPair('rsa', 'sp')
    const query = await encodeRedirectBinding({ xml: buildAuthnRequest(input), param: 'SAMLRequest', relayState: 'r', signing: { privateKey: await signingKey(pair) } })
    const [signed, sigPart] = [query.slice(0, query.indexOf('&Signature=')), query.slice(query.indexOf('&Signature=') + 11)]
    expect(signed).toMatch(/^SAMLRequest=[^&]+&RelayState=r&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256$/)
    const sig = lookupSignature('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')
    const key = await importCertificateVerifyKey(parseCertificate(pair.certificatePem), sig)
    const value = decodeBase64(decodeURIComponent(sigPart))
    expect(await verifySignatureValue(sig, key, value, utf8Encode(signed))).toBe(true)
    expect(await verifySignatureValue(sig, key, value, utf8Encode(signed.replace('RelayState=r', 'RelayState=s')))).toBe(false)
  })

  it('signs POST-binding requests with an enveloped signature after the Issuer', async () => {
    const pair = testKeyPair('rsa', 'sp')
    const xml = await signPostMessage(buildAuthnRequest(input), { privateKey: await signingKey(pair), certificatePem: pair.certificatePem })
    const root = parseXml(xml).documentElement!
    const signature = firstChildNamed(root, NS.ds, 'Signature')!
    expect(signature.previousSibling && (signature.previousSibling as unknown as { localName: string }).localName).toBe('Issuer')
    await expect(verifyEnvelopedSignature(root, signature, [parseCertificate(pair.certificatePem)], { allowSha1: false })).resolves.toBeTruthy()
  })

  it('escapes hostile values in the XML and in the POST form', () => {
    const xml = buildAuthnRequest({ ...input, spEntityId: 'a<b>&"c' })
    expect(() => parseXml(xml)).not.toThrow()
    const page = buildPostForm({ action: 'https://idp.example/sso?"><script>x</script>', field: 'SAMLRequest', value: 'abc', relayState: '"><img src=x onerror=alert(1)>' })
    expect(page).not.toContain('<img')
    expect(page).not.toContain('<script>x')
    expect(page).toContain(`<script>${POST_FORM_SCRIPT}</script>`)
  })

  it('keeps the CSP hash in step with the auto-submit script', async () => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', utf8Encode(POST_FORM_SCRIPT)))
    expect(POST_FORM_SCRIPT_HASH).toBe(`'sha256-${Buffer.from(digest).toString('base64')}'`)
  })
})
