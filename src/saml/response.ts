/**
 * SAML 2.0 Response validation for the Web Browser SSO profile: decides which signature covers
 * the assertion, verifies it, then reads everything from the element that signature covered.
 * Trusts only the configured IdP certificates. Must never read a value it returns from an element
 * no signature covered, nor decrypt before the Response signature (if any) is verified.
 */
import type { Document, Element } from '@xmldom/xmldom'
import { checkAssertion } from './assertion'
import type { ProfileContext } from './assertion'
import { readAttributes } from './attributes'
import { verifiedByEncryptedParent, verifiedDescendant, verifyEnvelopedSignature } from './dsig/verify'
import type { Verified, VerifiedSignature } from './dsig/verify'
import { isSamlError, SamlError } from './errors'
import { checkDecryptedAssertionShape, readResponseShape } from './response-shape'
import type { SamlAssertionResult } from './types'
import type { ParsedCertificate } from './x509'
import { certificateValidityWarning } from './x509'
import { decryptEncryptedAssertion } from './xmlenc/decrypt'
import { attr, childElements, childrenNamed, isElementNamed, NS, textContent } from './xml/dom'
import { parseXml } from './xml/parse'

const STATUS_SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'

export interface ResponseCheckOptions extends ProfileContext {
  certificates: readonly ParsedCertificate[]
  allowSha1: boolean
  decryptionKeys: readonly string[]
  /** The Assertion must carry its own signature (the IdP's wantAssertionsSigned). */
  requireSignedAssertion: boolean
}

/** Validate a parsed Response document; throws SamlError with a stable code on any failure. */
export async function validateResponseDocument(doc: Document, options: ResponseCheckOptions): Promise<SamlAssertionResult> {
  // Structure first: wrapping shapes, duplicate IDs and assertion count, before any crypto.
  const shape = readResponseShape(doc)
  const { response } = shape
  // Status is read before verification because a non-Success answer is a rejection whatever its
  // signature (IdPs often leave error responses unsigned); it can never make us accept anything.
  checkStatus(response)
  if (!shape.assertion && !shape.encryptedAssertion) throw new SamlError('SAML_ASSERTION_MISSING', 'Response carries no assertion')

  const verify = (el: Element, signature: Element): Promise<VerifiedSignature> =>
    verifyEnvelopedSignature(el, signature, options.certificates, { allowSha1: options.allowSha1 })
  const responseCheck = shape.responseSignature ? verify(response, shape.responseSignature) : null

  // The assertion is either a direct child (covered by a verified Response signature, if any) or
  // the plaintext of the one EncryptedAssertion (covered only through the verified ciphertext).
  let assertion: Element
  if (shape.encryptedAssertion) {
    // SAML core §6.2 / profiles §4.1.4.1: a Response signature covers the ciphertext, so it is
    // verified BEFORE decryption (a signed Response is never a decryption oracle).
    if (responseCheck) await responseCheck
    assertion = await decryptAssertion(shape.encryptedAssertion, response, options.decryptionKeys)
  } else {
    assertion = shape.assertion as Element
  }
  // An Assertion's own signature is always checked when present, even under a signed Response.
  const assertionSignature = childElements(assertion).find((c) => isElementNamed(c, NS.ds, 'Signature'))
  const assertionCheck = assertionSignature ? verify(assertion, assertionSignature) : null
  // Both checks run concurrently; the Response's failure is reported first (it covers the other).
  const [responseResult, assertionResult] = await Promise.allSettled([responseCheck, assertionCheck])
  if (responseResult.status === 'rejected') throw responseResult.reason
  if (assertionResult.status === 'rejected') throw assertionResult.reason
  const verifiedResponse = responseResult.value?.element ?? null
  const warnings = new Set<string>()
  for (const result of [responseResult.value, assertionResult.value]) {
    const warning = result ? certificateValidityWarning(result.certificate, options.now) : null
    if (warning) warnings.add(warning)
  }

  let verifiedAssertion: Verified<Element> | null = assertionResult.value?.element ?? null
  if (!verifiedAssertion && verifiedResponse) {
    verifiedAssertion = shape.encryptedAssertion
      ? verifiedByEncryptedParent(verifiedDescendant(verifiedResponse, shape.encryptedAssertion), assertion)
      : verifiedDescendant(verifiedResponse, assertion)
  }
  // Profiles §4.1.4.2: the assertion must be signed, directly or by the enclosing Response.
  if (!verifiedAssertion) throw new SamlError('SAML_SIGNATURE_MISSING', 'Neither the Response nor the Assertion is signed')
  // Stricter, per IdP (metadata §2.4.4 WantAssertionsSigned): the Response's signature alone is not enough.
  if (options.requireSignedAssertion && !assertionSignature) {
    throw new SamlError('SAML_SIGNATURE_MISSING', 'The Assertion is not signed, and this IdP is set to require signed assertions', {
      signedParts: 'response',
    })
  }

  // From here on only the verified assertion is read for what we return; the raw Response only
  // feeds rejection-only checks (Destination, Issuer, InResponseTo of an unsigned Response).
  const facts = checkAssertion(verifiedAssertion, { verified: verifiedResponse, raw: response }, options)
  return {
    ...facts,
    ...readAttributes(verifiedAssertion),
    // The Response ID is informational (logs); it is unverified under an assertion-only signature.
    responseId: attr(response, 'ID') ?? '',
    signedParts: { response: verifiedResponse !== null, assertion: assertionSignature !== undefined },
    warnings: [...warnings],
  }
}

/**
 * SAML core §3.2.2.2: the top-level StatusCode must be Success. Codes (top and nested) and the
 * StatusMessage go to the detail for the admin; they are unverified IdP text, so truncated.
 */
function checkStatus(response: Element): void {
  const status = childrenNamed(response, NS.samlp, 'Status')[0]
  const codes: string[] = []
  // Nested StatusCodes refine the top one (e.g. Responder/AuthnFailed); a few are enough to report.
  for (let code = status ? childrenNamed(status, NS.samlp, 'StatusCode')[0] : undefined; code && codes.length < 4;) {
    codes.push((attr(code, 'Value') ?? '').slice(0, 200))
    code = childrenNamed(code, NS.samlp, 'StatusCode')[0]
  }
  if (codes[0] === STATUS_SUCCESS) return
  const message = status ? childrenNamed(status, NS.samlp, 'StatusMessage')[0] : undefined
  throw new SamlError('SAML_STATUS_NOT_SUCCESS', 'IdP answered with a non-Success status', {
    statusCodes: codes,
    statusMessage: message ? textContent(message).slice(0, 500) : null,
    verified: false,
  })
}

/**
 * Decrypt the one EncryptedAssertion and parse the plaintext as its own document. Every failure
 * after the key (bad padding, non-XML, not an Assertion) is one code, SAML_DECRYPTION_FAILED, so
 * an unsigned Response cannot be used as a CBC padding/format oracle (Jager & Somorovsky, 2011).
 */
async function decryptAssertion(encrypted: Element, response: Element, keys: readonly string[]): Promise<Element> {
  if (keys.length === 0) throw new SamlError('SAML_NO_DECRYPTION_KEY', 'Assertion is encrypted but no SP decryption key is configured')
  const xml = await decryptEncryptedAssertion(encrypted, [...keys])
  let root: Element | null
  try {
    root = parseXml(xml).documentElement
  } catch (error) {
    if (isSamlError(error) && error.code === 'SAML_INPUT_TOO_LARGE') throw error
    throw new SamlError('SAML_DECRYPTION_FAILED', 'Decrypted content is not an XML document')
  }
  if (!root || !isElementNamed(root, NS.saml, 'Assertion')) {
    throw new SamlError('SAML_DECRYPTION_FAILED', 'Decrypted content is not a saml:Assertion')
  }
  checkDecryptedAssertionShape(root, response)
  return root
}
