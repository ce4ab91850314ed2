/**
 * Enveloped XML-DSig signing of a SAML element (SAML core §5.4): exclusive C14N, one Reference to
 * the element's ID, optional KeyInfo/X509Data with our own certificate.
 * Trusts the private key and certificate it is handed. Must never sign an element without an ID
 * or leave the element changed after the SignatureValue is computed.
 */
import type { Element } from '@xmldom/xmldom'
import { encodeBase64, utf8Encode } from '../encoding'
import { SamlError } from '../errors'
import { parseCertificate } from '../x509'
import { canonicalize } from '../xml/c14n'
import { attr, childElements, NS } from '../xml/dom'
import { computeDigest, EXC_C14N, lookupDigest, lookupSignature, TRANSFORM_ENVELOPED_SIGNATURE } from './algorithms'

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
export const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256'
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256'

export interface SignOptions {
  /** PKCS#8 key imported for the signature algorithm (RSASSA-PKCS1-v1_5/RSA-PSS/ECDSA with its hash). */
  privateKey: CryptoKey
  /** Our certificate (PEM or base64 DER), copied into KeyInfo/X509Data when given. */
  certificatePem?: string
  /** SignatureMethod URI; default RSA_SHA256. */
  signatureAlgorithm?: string
  /** DigestMethod URI; default SHA256. */
  digestAlgorithm?: string
  /**
   * Insert the Signature right after this child (SAML schema: after Issuer). Default: after the
   * element's first child when that is a saml:Issuer, else as the first child.
   */
  insertAfter?: Element | null
}

/**
 * Sign `element` in place with an enveloped signature and return the inserted ds:Signature.
 * The element must carry an `ID` attribute; the reference is `#<ID>`.
 */
export async function signEnveloped(element: Element, options: SignOptions): Promise<Element> {
  const id = attr(element, 'ID')
  if (!id) throw new SamlError('SAML_KEY_INVALID', 'Element to sign has no ID attribute')
  const doc = element.ownerDocument
  if (!doc) throw new SamlError('SAML_KEY_INVALID', 'Element to sign is not in a document')
  const signatureUri = options.signatureAlgorithm ?? RSA_SHA256
  const digestUri = options.digestAlgorithm ?? SHA256
  const signatureAlg = lookupSignature(signatureUri)
  lookupDigest(digestUri)

  const ds = (name: string, parent: Element | null, text?: string, algorithm?: string): Element => {
    const el = doc.createElementNS(NS.ds, `ds:${name}`)
    if (algorithm !== undefined) el.setAttribute('Algorithm', algorithm)
    if (text !== undefined) el.appendChild(doc.createTextNode(text))
    if (parent) parent.appendChild(el)
    return el
  }
  const signature = ds('Signature', null)
  // Declared explicitly so that serializers and C14N see the same namespace node.
  signature.setAttributeNS(NS.xmlns, 'xmlns:ds', NS.ds)
  const signedInfo = ds('SignedInfo', signature)
  ds('CanonicalizationMethod', signedInfo, undefined, EXC_C14N)
  ds('SignatureMethod', signedInfo, undefined, signatureUri)
  const reference = ds('Reference', signedInfo)
  reference.setAttribute('URI', `#${id}`)
  const transforms = ds('Transforms', reference)
  ds('Transform', transforms, undefined, TRANSFORM_ENVELOPED_SIGNATURE)
  ds('Transform', transforms, undefined, EXC_C14N)
  ds('DigestMethod', reference, undefined, digestUri)
  const digestValue = ds('DigestValue', reference)
  const signatureValue = ds('SignatureValue', signature)
  if (options.certificatePem !== undefined) {
    const keyInfo = ds('KeyInfo', signature)
    const x509Data = ds('X509Data', keyInfo)
    ds('X509Certificate', x509Data, encodeBase64(parseCertificate(options.certificatePem).der))
  }

  // SAML schema: Signature follows Issuer in Response, Assertion, AuthnRequest, Logout*, metadata.
  const first = childElements(element)[0]
  const after = options.insertAfter !== undefined ? options.insertAfter : first && first.namespaceURI === NS.saml && first.localName === 'Issuer' ? first : null
  if (after && after.parentNode !== element) throw new SamlError('SAML_KEY_INVALID', 'insertAfter is not a child of the signed element')
  element.insertBefore(signature, after ? after.nextSibling : element.firstChild)

  // Digest the element as the verifier will see it: this Signature removed (enveloped transform).
  const canonical = canonicalize(element, { exclusive: true, withComments: false, excludeElement: signature })
  digestValue.appendChild(doc.createTextNode(encodeBase64(await computeDigest(digestUri, utf8Encode(canonical)))))
  const signedInfoBytes = utf8Encode(canonicalize(signedInfo, { exclusive: true, withComments: false }))
  const params: SubtleCryptoSignAlgorithm =
    signatureAlg.name === 'ECDSA'
      ? { name: 'ECDSA', hash: signatureAlg.hash }
      : signatureAlg.name === 'RSA-PSS'
        ? { name: 'RSA-PSS', saltLength: signatureAlg.saltLength ?? 32 }
        : { name: signatureAlg.name }
  // WebCrypto ECDSA output is r || s, which is exactly the XML-DSig SignatureValue (RFC 6931 §2.3.6).
  const value = new Uint8Array(await crypto.subtle.sign(params, options.privateKey, signedInfoBytes))
  signatureValue.appendChild(doc.createTextNode(encodeBase64(value)))
  return signature
}
