/**
 * XML Encryption of an issued Assertion for a downstream SP (the broker): a fresh AES-256 key
 * encrypts the signed assertion (AES-256-GCM by default, AES-256-CBC for SPs without GCM), and
 * RSA-OAEP (MGF1 and digest SHA-1, `rsa-oaep-mgf1p`, what every SAML library reads) wraps that
 * key for the SP's encryption certificate (XML-Enc 1.0 §5.4.2, 1.1 §5.2.4). Never RSA PKCS#1 v1.5.
 * Pure: WebCrypto only; the certificate is the one the admin configured for the app.
 */
import { encodeBase64, utf8Encode } from '../encoding'
import { SamlError } from '../errors'
import { parseCertificate } from '../x509'
import { NS } from '../xml/dom'

export type ContentEncryption = 'aes256-gcm' | 'aes256-cbc'

const CONTENT_URI: Record<ContentEncryption, string> = {
  'aes256-gcm': `${NS.xenc11}aes256-gcm`,
  'aes256-cbc': `${NS.xenc}aes256-cbc`,
}
const RSA_OAEP_MGF1P = `${NS.xenc}rsa-oaep-mgf1p`
const SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1'

/**
 * `<saml:EncryptedAssertion>` holding `assertionXml` (a serialized, already signed saml:Assertion)
 * for the certificate's RSA key. Throws SAML_CERTIFICATE_INVALID for a certificate without one.
 */
export async function encryptAssertionXml(assertionXml: string, certificatePem: string, content: ContentEncryption = 'aes256-gcm'): Promise<string> {
  const cert = parseCertificate(certificatePem)
  if (cert.keyType !== 'RSA') throw new SamlError('SAML_CERTIFICATE_INVALID', 'The encryption certificate has no RSA key (RSA-OAEP needs one)')
  const publicKey = await crypto.subtle.importKey('spki', cert.spki, { name: 'RSA-OAEP', hash: 'SHA-1' }, false, ['encrypt'])
  const aesName = content === 'aes256-gcm' ? 'AES-GCM' : 'AES-CBC'
  const aesKey = (await crypto.subtle.generateKey({ name: aesName, length: 256 }, true, ['encrypt'])) as CryptoKey
  // GCM: a 96-bit IV; CBC: 128 bits. The IV goes first in CipherValue (the GCM tag last, as WebCrypto puts it).
  const iv = crypto.getRandomValues(new Uint8Array(content === 'aes256-gcm' ? 12 : 16))
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: aesName, iv }, aesKey, utf8Encode(assertionXml)))
  const cipherValue = new Uint8Array(iv.length + sealed.length)
  cipherValue.set(iv)
  cipherValue.set(sealed, iv.length)
  const rawKey = new Uint8Array((await crypto.subtle.exportKey('raw', aesKey)) as ArrayBuffer)
  const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, publicKey, rawKey))
  return (
    `<saml:EncryptedAssertion xmlns:saml="${NS.saml}">` +
    `<xenc:EncryptedData xmlns:xenc="${NS.xenc}" Type="${NS.xenc}Element">` +
    `<xenc:EncryptionMethod Algorithm="${CONTENT_URI[content]}"/>` +
    `<ds:KeyInfo xmlns:ds="${NS.ds}"><xenc:EncryptedKey>` +
    `<xenc:EncryptionMethod Algorithm="${RSA_OAEP_MGF1P}"><ds:DigestMethod Algorithm="${SHA1}"/></xenc:EncryptionMethod>` +
    `<xenc:CipherData><xenc:CipherValue>${encodeBase64(wrapped)}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedKey></ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${encodeBase64(cipherValue)}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedData></saml:EncryptedAssertion>`
  )
}
