/**
 * Types of the SAML core's public contract (DESIGN.md "SAML core entry point").
 * Pure declarations: no behaviour, no imports from outside src/saml.
 */

/** The IdP as the admin configured it. Certificates are the only trust anchors (PEM or bare base64 DER). */
export interface IdpConfig {
  entityId: string
  certificates: readonly string[]
}

/** This gateway as a SAML service provider. */
export interface SpConfig {
  entityId: string
  acsUrl: string
}

/** Per-IdP policy for one response: given directly, or returned by an IdpResolver. */
export interface IdpPolicy {
  /** ID of the AuthnRequest this browser started; absent for an unsolicited (IdP-initiated) response. */
  expectedRequestId?: string | null
  allowIdpInitiated?: boolean
  /** Tolerated clock difference with the IdP; default DEFAULT_CLOCK_SKEW_SECONDS, at most MAX_CLOCK_SKEW_SECONDS. */
  clockSkewSeconds?: number
  allowSha1?: boolean
  /** SP private keys (PEM, PKCS#8 or PKCS#1) for EncryptedAssertion; several during rollover. */
  decryptionKeys?: readonly string[]
  /**
   * The Assertion itself must carry a valid signature; a signed Response around an unsigned
   * Assertion is then refused (the IdP's `wantAssertionsSigned`). Default false: profiles §4.1.4.2
   * accepts either.
   */
  requireSignedAssertion?: boolean
}

/**
 * What an UNVERIFIED response claims, for choosing the IdP configuration and the pending login:
 * every value is checked again against the signed content afterwards. Never a trust decision.
 */
export interface ResponseHints {
  /** Response Issuer, else the (plain) Assertion's Issuer; trimmed. */
  issuer: string | null
  inResponseTo: string | null
  hasEncryptedAssertion: boolean
}

/** The IdP configuration and policy a resolver chose for a response. */
export interface ResolvedIdp extends IdpPolicy {
  idp: IdpConfig
}

/**
 * Chooses the IdP for a response from its hints, the way jose's verify takes a get-key function:
 * the core parses the message once and asks. Throwing refuses the response with that error.
 */
export type IdpResolver = (hints: ResponseHints) => Promise<ResolvedIdp>

export interface ValidateSamlResponseOptions extends IdpPolicy {
  /** base64 text of the `SAMLResponse` form field (HTTP-POST binding); whitespace/CRLF tolerated. */
  samlResponse: string
  /** The IdP, or a resolver; a resolver's policy replaces the policy fields given here. */
  idp: IdpConfig | IdpResolver
  sp: SpConfig
  /** The clock: time is an input of the core, never read from the platform. */
  now: Date
}

/** Per-attribute XML metadata, named as the XML attributes are (SAML core §2.7.3.1). */
export interface AttributeNameInfo {
  NameFormat?: string
  FriendlyName?: string
}

/** What a valid Response asserts, read only from signature-covered elements. */
export interface SamlAssertionResult {
  /** Full text content of NameID (comments skipped, never trimmed or truncated). */
  nameId: string
  nameIdFormat: string | null
  nameQualifier: string | null
  spNameQualifier: string | null
  sessionIndex: string | null
  /** AuthnStatement SessionNotOnOrAfter as sent, or null. */
  sessionNotOnOrAfter: string | null
  authnContextClassRef: string | null
  /** Keyed by Attribute Name as sent; values in document order, empty values kept as ''. */
  attributes: Record<string, string[]>
  attributeNameFormats: Record<string, AttributeNameInfo>
  /** Name → FriendlyName, for attributes that carry one. */
  attributeFriendlyNames: Record<string, string>
  issuer: string
  assertionId: string
  responseId: string
  /** Earliest of Conditions and bearer SubjectConfirmationData NotOnOrAfter, as sent. */
  notOnOrAfter: string
  inResponseTo: string | null
  signedParts: { response: boolean; assertion: boolean }
  /** Non-fatal findings for the admin, e.g. `CERT_EXPIRED (...)` for the certificate that verified. */
  warnings: string[]
}

/** Attribute names per identity field, as configured per IdP (`attributeMap` in the admin API). */
export interface AttributeMap {
  email: string
  firstName: string
  lastName: string
  displayName: string
  groups: string
}

export interface MappedIdentity {
  email: string | null
  firstName: string | null
  lastName: string | null
  displayName: string | null
  groups: string[]
}
