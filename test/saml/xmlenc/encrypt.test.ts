// Encrypting an issued assertion for a downstream SP (saml/xmlenc/encrypt.ts): AES-256-GCM or
// AES-256-CBC content with RSA-OAEP key transport. Read back by this gateway's own decrypter, by
// xmlsec1 with the SP's private key, and by node-saml configured to require encryption.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SAML } from '@node-saml/node-saml'
import { describe, expect, it } from 'vitest'
import { buildIssuedResponse, encodeIssuedResponse } from '../../../src/saml/broker/response'
import { validateSamlResponse } from '../../../src/saml/index'
import { encryptAssertionXml, type ContentEncryption } from '../../../src/saml/xmlenc/encrypt'
import { decryptEncryptedAssertion } from '../../../src/saml/xmlenc/decrypt'
import { parseXml } from '../../../src/saml/xml/parse'
import { signingKey, testKeyPair } from '../../helpers/keys'
import { hasXmlsec1 } from '../../helpers/xmlsec1'

const idp = testKeyPair('rsa', 'broker-encrypting-idp')
const sp = testKeyPair('rsa', 'helpdesk-encryption')
const other = testKeyPair('rsa', 'someone-else')
const ISSUER = 'https://support.example.com/sso/idp/metadata'
const SP = 'https://desk.example/sp'
const ACS = 'https://desk.example/acs'

async function issue(algorithm: ContentEncryption) {
  const now = new Date()
  const xml = await buildIssuedResponse({
    issuer: ISSUER,
    audience: SP,
    acsUrl: ACS,
    inResponseTo: '_req-enc',
    nameId: 'jane@acme.example',
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    sessionIndex: '_s-enc',
    attributes: { email: ['jane@acme.example'], groups: ['Support'] },
    now,
    authnInstant: now,
    responseId: '_resp-enc',
    assertionId: '_assert-enc',
    signing: { privateKey: await signingKey(idp), certificatePem: idp.certificatePem },
    signResponse: true,
    encryptFor: { certificatePem: sp.certificatePem, algorithm },
  })
  return { xml, now }
}

describe.each(['aes256-gcm', 'aes256-cbc'] as const)('an assertion encrypted with %s', (algorithm) => {
  it('carries no plaintext identity, only an EncryptedAssertion with the algorithms asked for', async () => {
    const { xml } = await issue(algorithm)
    expect(xml).not.toContain('jane@acme.example')
    expect(xml).not.toContain('<saml:Assertion')
    expect(xml).toContain('<saml:EncryptedAssertion')
    expect(xml).toContain(algorithm === 'aes256-gcm' ? 'http://www.w3.org/2009/xmlenc11#aes256-gcm' : 'http://www.w3.org/2001/04/xmlenc#aes256-cbc')
    expect(xml).toContain('http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p')
  })

  it("is read by this gateway's own SP core with the SP's key (signatures intact), and not with another key", async () => {
    const { xml, now } = await issue(algorithm)
    const options = {
      samlResponse: encodeIssuedResponse(xml),
      idp: { entityId: ISSUER, certificates: [idp.certificatePem] },
      sp: { entityId: SP, acsUrl: ACS },
      now,
      expectedRequestId: '_req-enc',
    }
    const result = await validateSamlResponse({ ...options, decryptionKeys: [sp.privateKeyPem], requireSignedAssertion: true })
    expect(result).toMatchObject({ nameId: 'jane@acme.example', signedParts: { response: true, assertion: true } })
    await expect(validateSamlResponse({ ...options, decryptionKeys: [other.privateKeyPem] })).rejects.toMatchObject({ code: 'SAML_DECRYPTION_FAILED' })
  })

  it('is decrypted by xmlsec1 with the SP private key', async () => {
    if (!hasXmlsec1) {
      if (process.env.CI) throw new Error('xmlsec1 is required in CI')
      return
    }
    const { xml } = await issue(algorithm)
    const dir = mkdtempSync(join(tmpdir(), 'enc-'))
    try {
      writeFileSync(join(dir, 'r.xml'), xml)
      writeFileSync(join(dir, 'sp.key'), sp.privateKeyPem)
      const out = execFileSync('xmlsec1', ['--decrypt', '--privkey-pem', join(dir, 'sp.key'), join(dir, 'r.xml')], { stdio: 'pipe' }).toString()
      expect(out).toContain('<saml:Assertion')
      expect(out).toContain('jane@acme.example')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('is accepted by node-saml with its decryption key, signed Response and assertion required', async () => {
    const { xml } = await issue(algorithm)
    const saml = new SAML({
      callbackUrl: ACS,
      entryPoint: 'https://support.example.com/sso/idp/sso',
      issuer: SP,
      audience: SP,
      idpCert: idp.certificatePem,
      decryptionPvk: sp.privateKeyPem,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: 'never' as never,
    })
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: encodeIssuedResponse(xml) })
    expect(profile?.nameID).toBe('jane@acme.example')
  })
})

describe('encryptAssertionXml', () => {
  it('refuses a certificate without an RSA key', async () => {
    const ec = testKeyPair('ec', 'ec-sp')
    await expect(encryptAssertionXml('<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>', ec.certificatePem)).rejects.toMatchObject({
      code: 'SAML_CERTIFICATE_INVALID',
    })
  })

  it('uses a fresh content key each time (two encryptions of one assertion differ)', async () => {
    const a = await encryptAssertionXml('<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>', sp.certificatePem)
    const b = await encryptAssertionXml('<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>', sp.certificatePem)
    expect(a).not.toBe(b)
    const plain = await decryptEncryptedAssertion(parseXml(a).documentElement!, [sp.privateKeyPem])
    expect(plain).toContain('<saml:Assertion')
  })
})
