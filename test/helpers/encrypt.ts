// Encrypts an Assertion the way IdPs do (XML-Enc: RSA-OAEP-MGF1P key transport + AES-256-GCM),
// with WebCrypto, for encrypted-assertion tests with keys we control.
import type { Document, Element } from '@xmldom/xmldom'
import { XMLSerializer } from '@xmldom/xmldom'
import { NS } from '../../src/saml/xml/dom'

const XENC = 'http://www.w3.org/2001/04/xmlenc#'

/**
 * Replace `assertion` (in place) with a saml:EncryptedAssertion of `plaintext` (default: the
 * assertion's own serialization) for the SP's RSA-OAEP public key.
 */
export async function encryptAssertion(assertion: Element, spPublicKey: CryptoKey, plaintext?: string): Promise<Element> {
  const doc = assertion.ownerDocument as Document
  const text = plaintext ?? new XMLSerializer().serializeToString(assertion)
  const aesKey = (await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt'])) as CryptoKey
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, aesKey, new TextEncoder().encode(text)))
  const rawKey = new Uint8Array((await crypto.subtle.exportKey('raw', aesKey)) as ArrayBuffer)
  const wrapped = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, spPublicKey, rawKey))
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

  const el = (ns: string, name: string, parent: Element | null, attrs: Record<string, string> = {}, content?: string): Element => {
    const e = doc.createElementNS(ns, name)
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
    if (content !== undefined) e.appendChild(doc.createTextNode(content))
    if (parent) parent.appendChild(e)
    return e
  }
  const encrypted = el(NS.saml, 'saml:EncryptedAssertion', null)
  const data = el(XENC, 'xenc:EncryptedData', encrypted, { Type: `${XENC}Element` })
  data.setAttributeNS(NS.xmlns, 'xmlns:xenc', XENC)
  el(XENC, 'xenc:EncryptionMethod', data, { Algorithm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm' })
  const keyInfo = el(NS.ds, 'ds:KeyInfo', data)
  keyInfo.setAttributeNS(NS.xmlns, 'xmlns:ds', NS.ds)
  const encryptedKey = el(XENC, 'xenc:EncryptedKey', keyInfo)
  const method = el(XENC, 'xenc:EncryptionMethod', encryptedKey, { Algorithm: `${XENC}rsa-oaep-mgf1p` })
  el(NS.ds, 'ds:DigestMethod', method, { Algorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' })
  el(XENC, 'xenc:CipherValue', el(XENC, 'xenc:CipherData', encryptedKey), {}, b64(wrapped))
  const ivAndSealed = new Uint8Array(iv.length + sealed.length)
  ivAndSealed.set(iv)
  ivAndSealed.set(sealed, iv.length)
  el(XENC, 'xenc:CipherValue', el(XENC, 'xenc:CipherData', data), {}, b64(ivAndSealed))
  assertion.parentNode?.replaceChild(encrypted, assertion)
  return encrypted
}
