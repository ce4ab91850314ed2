/**
 * Public face of the pure SAML core: `validateSamlResponse` (DESIGN.md contract) and its types.
 * Trusts the IdP/SP configuration it is given and nothing in the message. Runs in workerd and Node;
 * must never import platform modules, read the clock, or parse the message more than once.
 */
import type { Document } from '@xmldom/xmldom'
import { decodeBase64, utf8Decode } from './encoding'
import { SamlError } from './errors'
import { DEFAULT_CLOCK_SKEW_SECONDS, MAX_BASE64_MESSAGE_CHARS, MAX_CLOCK_SKEW_SECONDS, MAX_XML_BYTES } from './limits'
import { validateResponseDocument } from './response'
import type { IdpConfig, IdpPolicy, IdpResolver, ResolvedIdp, ResponseHints, SamlAssertionResult, ValidateSamlResponseOptions } from './types'
import { parseCertificate } from './x509'
import type { ParsedCertificate } from './x509'
import { attr, firstChildNamed, isElementNamed, NS, textContent } from './xml/dom'
import { parseXml } from './xml/parse'

export { isSamlError, SAML_ERROR_CODES, SamlError } from './errors'
export type { SamlErrorCode, SamlErrorDetail } from './errors'
export { DEFAULT_ATTRIBUTE_CANDIDATES, mapIdentity } from './attributes'
export type {
  AttributeMap,
  AttributeNameInfo,
  IdpConfig,
  IdpPolicy,
  IdpResolver,
  MappedIdentity,
  ResolvedIdp,
  ResponseHints,
  SamlAssertionResult,
  SpConfig,
  ValidateSamlResponseOptions,
} from './types'
export { DEFAULT_CLOCK_SKEW_SECONDS, MAX_CLOCK_SKEW_SECONDS, MAX_XML_BYTES } from './limits'
export { offeredSigningCertificate } from './offered-certificate'

/**
 * Validate the `SAMLResponse` of an HTTP-POST binding (bindings §3.5) against one IdP config, or
 * against the config a resolver picks from the response's unverified hints (parsed once either
 * way). Resolves to what the verified assertion states, or rejects with a `SamlError` whose `code`
 * is stable. Replay (assertion ID already consumed) is the caller's job: it has the store.
 */
export async function validateSamlResponse(options: ValidateSamlResponseOptions): Promise<SamlAssertionResult> {
  // A fixed IdP's configuration is checked before the message costs anything.
  const fixed: ResolvedIdp | null = typeof options.idp === 'function' ? null : { ...options, idp: options.idp }
  if (fixed) checkPolicy(fixed)
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) throw new TypeError('now must be a valid Date')
  const fixedCertificates = fixed ? readCertificates(fixed.idp) : null

  // Bounded input (DESIGN.md invariant): refuse before decoding, never after allocating.
  if (typeof options.samlResponse !== 'string') throw new SamlError('SAML_INVALID_BASE64', 'SAMLResponse is missing')
  if (options.samlResponse.length > MAX_BASE64_MESSAGE_CHARS) {
    throw new SamlError('SAML_INPUT_TOO_LARGE', 'SAMLResponse is too large', { maxBytes: MAX_XML_BYTES })
  }
  const bytes = decodeBase64(options.samlResponse)
  if (bytes.length > MAX_XML_BYTES) throw new SamlError('SAML_INPUT_TOO_LARGE', 'SAMLResponse is too large', { maxBytes: MAX_XML_BYTES })
  // One parse (DOCTYPE refused, errors fatal); the hints, the checks and the result all use this DOM.
  const doc = parseXml(utf8Decode(bytes))

  const resolved: ResolvedIdp = fixed ?? (await (options.idp as IdpResolver)(readHints(doc)))
  const skewSeconds = checkPolicy(resolved)
  return validateResponseDocument(doc, {
    idpEntityId: resolved.idp.entityId,
    sp: options.sp,
    now: options.now,
    skewSeconds,
    expectedRequestId: resolved.expectedRequestId ?? null,
    allowIdpInitiated: resolved.allowIdpInitiated ?? false,
    certificates: fixedCertificates ?? readCertificates(resolved.idp),
    allowSha1: resolved.allowSha1 ?? false,
    decryptionKeys: resolved.decryptionKeys ?? [],
    requireSignedAssertion: resolved.requireSignedAssertion ?? false,
  })
}

/** The skew in force; a value out of range is a configuration error (the admin API bounds it), not something the message did. */
function checkPolicy(policy: IdpPolicy): number {
  const skewSeconds = policy.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS
  if (!Number.isFinite(skewSeconds) || skewSeconds < 0 || skewSeconds > MAX_CLOCK_SKEW_SECONDS) {
    throw new RangeError(`clockSkewSeconds must be within 0..${MAX_CLOCK_SKEW_SECONDS}`)
  }
  return skewSeconds
}

/** Routing hints from the unverified document; only the root's name is enforced here. */
function readHints(doc: Document): ResponseHints {
  const root = doc.documentElement
  if (!isElementNamed(root, NS.samlp, 'Response')) throw new SamlError('SAML_NOT_SAML', 'Not a SAML 2.0 Response')
  const assertion = firstChildNamed(root, NS.saml, 'Assertion')
  const issuerEl = firstChildNamed(root, NS.saml, 'Issuer') ?? (assertion ? firstChildNamed(assertion, NS.saml, 'Issuer') : null)
  return {
    issuer: issuerEl ? textContent(issuerEl).trim() : null,
    inResponseTo: attr(root, 'InResponseTo'),
    hasEncryptedAssertion: firstChildNamed(root, NS.saml, 'EncryptedAssertion') !== null,
  }
}

/** Configured certificates are the only trust anchors; none configured is a config error. */
function readCertificates(idp: IdpConfig): ParsedCertificate[] {
  const pems = idp.certificates
  if (pems.length === 0) throw new SamlError('SAML_NO_CERTIFICATES', 'No signing certificate is configured for this IdP')
  return pems.map((pem) => parseCertificate(pem))
}
