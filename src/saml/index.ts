/**
 * Public face of the pure SAML core: `validateSamlResponse` (DESIGN.md contract) and its types.
 * Trusts the IdP/SP configuration it is given and nothing in the message. Runs in workerd and Node;
 * must never import platform modules, read the clock, or parse the message more than once.
 */
import { decodeBase64, utf8Decode } from './encoding'
import { SamlError } from './errors'
import { validateResponseDocument } from './response'
import type { SamlAssertionResult, ValidateSamlResponseOptions } from './types'
import { parseCertificate } from './x509'
import type { ParsedCertificate } from './x509'
import { MAX_XML_BYTES, parseXml } from './xml/parse'

export { isSamlError, SAML_ERROR_CODES, SamlError } from './errors'
export type { SamlErrorCode, SamlErrorDetail } from './errors'
export { DEFAULT_ATTRIBUTE_CANDIDATES, mapIdentity } from './attributes'
export type { AttributeMap, AttributeNameInfo, IdpConfig, MappedIdentity, SamlAssertionResult, SpConfig, ValidateSamlResponseOptions } from './types'
export { MAX_XML_BYTES } from './xml/parse'

/** Clock difference tolerated with the IdP (DESIGN.md: default 3 min). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 180
/** Upper bound for an admin-configured skew: beyond this, time checks mean nothing. */
export const MAX_CLOCK_SKEW_SECONDS = 3600

// base64 grows 4/3; MIME line breaks (76 columns + CRLF) add under 3 %. Checked on the raw text
// before any regex or decoding work, then exactly on the decoded bytes.
const MAX_BASE64_CHARS = Math.ceil((MAX_XML_BYTES * 4) / 3 / 76) * 78 + 4

/**
 * Validate the `SAMLResponse` of an HTTP-POST binding (bindings §3.5) against one IdP config.
 * Resolves to what the verified assertion states, or rejects with a `SamlError` whose `code` is
 * stable. Replay (assertion ID already consumed) is the caller's job: it has the store.
 */
export async function validateSamlResponse(options: ValidateSamlResponseOptions): Promise<SamlAssertionResult> {
  const skewSeconds = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS
  if (!Number.isFinite(skewSeconds) || skewSeconds < 0 || skewSeconds > MAX_CLOCK_SKEW_SECONDS) {
    // A configuration error (the admin API validates the field), not something the message did.
    throw new RangeError(`clockSkewSeconds must be within 0..${MAX_CLOCK_SKEW_SECONDS}`)
  }
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) throw new TypeError('now must be a valid Date')
  const certificates = readCertificates(options.idp.certificates)

  // Bounded input (DESIGN.md invariant): refuse before decoding, never after allocating.
  if (typeof options.samlResponse !== 'string') throw new SamlError('SAML_INVALID_BASE64', 'SAMLResponse is missing')
  if (options.samlResponse.length > MAX_BASE64_CHARS) {
    throw new SamlError('SAML_INPUT_TOO_LARGE', 'SAMLResponse is too large', { maxBytes: MAX_XML_BYTES })
  }
  const bytes = decodeBase64(options.samlResponse)
  if (bytes.length > MAX_XML_BYTES) throw new SamlError('SAML_INPUT_TOO_LARGE', 'SAMLResponse is too large', { maxBytes: MAX_XML_BYTES })
  // One parse (DOCTYPE refused, errors fatal); everything after works on this DOM.
  const doc = parseXml(utf8Decode(bytes))

  return validateResponseDocument(doc, {
    idpEntityId: options.idp.entityId,
    sp: options.sp,
    now: options.now,
    skewSeconds,
    expectedRequestId: options.expectedRequestId ?? null,
    allowIdpInitiated: options.allowIdpInitiated ?? false,
    certificates,
    allowSha1: options.allowSha1 ?? false,
    decryptionKeys: options.decryptionKeys ?? [],
  })
}

/** Configured certificates are the only trust anchors; none configured is a config error. */
function readCertificates(pems: readonly string[]): ParsedCertificate[] {
  if (pems.length === 0) throw new SamlError('SAML_NO_CERTIFICATES', 'No signing certificate is configured for this IdP')
  return pems.map((pem) => parseCertificate(pem))
}
