/**
 * The SAML core's one error type. Every rejection carries a stable `code` (never renamed once
 * shipped: docs and audit logs cite it) and a `detail` with expected vs received values for the
 * admin. Messages and details never carry raw XML, keys or tokens: fingerprints or short excerpts.
 */

export const SAML_ERROR_CODES = [
  // input and parsing
  'SAML_INPUT_TOO_LARGE',
  'SAML_INVALID_BASE64',
  'SAML_INFLATE_FAILED',
  'SAML_MALFORMED_XML',
  'SAML_DTD_FORBIDDEN',
  'SAML_NOT_SAML',
  // structure
  'SAML_MULTIPLE_ASSERTIONS',
  'SAML_ASSERTION_MISSING',
  'SAML_DUPLICATE_ID',
  // signatures
  'SAML_SIGNATURE_MISSING',
  'SAML_SIGNATURE_INVALID',
  'SAML_SIGNATURE_WRAPPING',
  'SAML_SIGNATURE_UNSUPPORTED',
  'SAML_SHA1_FORBIDDEN',
  'SAML_CERTIFICATE_INVALID',
  'SAML_NO_CERTIFICATES',
  // encryption
  'SAML_DECRYPTION_FAILED',
  'SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED',
  'SAML_NO_DECRYPTION_KEY',
  // profile checks
  'SAML_STATUS_NOT_SUCCESS',
  'SAML_ISSUER_MISMATCH',
  'SAML_DESTINATION_MISMATCH',
  'SAML_RECIPIENT_MISMATCH',
  'SAML_AUDIENCE_MISMATCH',
  'SAML_NOT_YET_VALID',
  'SAML_EXPIRED',
  'SAML_IN_RESPONSE_TO_MISMATCH',
  'SAML_UNSOLICITED_NOT_ALLOWED',
  'SAML_SUBJECT_CONFIRMATION_INVALID',
  'SAML_NAMEID_MISSING',
  'SAML_VERSION_UNSUPPORTED',
  'SAML_REPLAY',
  'SAML_BINDING_UNSUPPORTED',
  // messages and metadata
  'SAML_METADATA_INVALID',
  'SAML_LOGOUT_INVALID',
  'SAML_KEY_INVALID',
] as const

export type SamlErrorCode = (typeof SAML_ERROR_CODES)[number]

/** Expected vs received values and other admin-facing facts; never secrets or raw XML. */
export type SamlErrorDetail = Record<string, string | number | boolean | string[] | null | undefined>

export class SamlError extends Error {
  override readonly name = 'SamlError'
  readonly code: SamlErrorCode
  readonly detail: SamlErrorDetail

  constructor(code: SamlErrorCode, message?: string, detail: SamlErrorDetail = {}) {
    super(message ?? code)
    this.code = code
    this.detail = detail
  }
}

/** Type guard usable across module copies (workerd and Node may load two instances in tests). */
export function isSamlError(error: unknown): error is SamlError {
  return error instanceof Error && (error as { name?: unknown }).name === 'SamlError' && typeof (error as { code?: unknown }).code === 'string'
}
