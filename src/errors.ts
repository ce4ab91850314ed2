/**
 * One vocabulary of error codes from the SAML core to the error page and the audit log.
 * Each code maps once to an HTTP status, a short user-facing text and an admin hint.
 * A shipped code is never renamed: docs and audit entries cite it.
 */
import { isSamlError, type SamlErrorCode } from './saml/errors'

export const APP_ERROR_CODES = [
  'INTERNAL',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'BAD_REQUEST',
  'REQUEST_TOO_LARGE',
  'SESSION_REQUIRED',
  'CONFIG_MISSING_SECRET',
  'HEALTH_DEGRADED',
  'ADMIN_AUTH_REQUIRED',
  'ADMIN_TOKEN_INVALID',
  'ADMIN_FORBIDDEN',
  'ADMIN_RATE_LIMITED',
  'ADMIN_INVALID_JSON',
  'ADMIN_INVALID_FIELD',
  'ADMIN_CONFLICT',
  'ADMIN_IDP_NOT_FOUND',
  'ADMIN_CSRF_REJECTED',
  'ADMIN_METADATA_FETCH_FAILED',
  'ADMIN_SESSION_REQUIRED',
  'LOGIN_IDP_NOT_FOUND',
  'LOGIN_IDP_DISABLED',
  'LOGIN_EMAIL_INVALID',
  'LOGIN_EMAIL_DOMAIN_UNKNOWN',
  'LOGIN_STATE_MISSING',
  'LOGOUT_REPLAY',
  'OIDC_TOKEN_INVALID',
  'OIDC_ALG_FORBIDDEN',
  'OIDC_SIGNATURE_INVALID',
  'OIDC_KEY_UNKNOWN',
  'OIDC_JWKS_UNAVAILABLE',
  'OIDC_ISSUER_MISMATCH',
  'OIDC_AUDIENCE_MISMATCH',
  'OIDC_AZP_MISMATCH',
  'OIDC_EXPIRED',
  'OIDC_NOT_YET_VALID',
  'OIDC_NONCE_MISMATCH',
  'OIDC_DISCOVERY_INVALID',
  'OIDC_DISCOVERY_FETCH_FAILED',
  'OIDC_CODE_REJECTED',
  'OIDC_TOKEN_EXCHANGE_FAILED',
  'OIDC_REPLAY',
  'OIDC_IDP_MISMATCH',
  'STORAGE_UNAVAILABLE',
  'CONSOLE_UNAVAILABLE',
  'SETUP_LINK_NOT_FOUND',
  'SETUP_LINK_EXPIRED',
  'SETUP_LINK_REVOKED',
  'SETUP_NOT_READY',
  'SETUP_ALREADY_DONE',
  'SETUP_RATE_LIMITED',
  'SETUP_CSRF_REJECTED',
  'OIDC_PROVIDER_ERROR',
  'OIDC_EMAIL_UNVERIFIED',
  'OIDC_HOSTED_DOMAIN_MISMATCH',
  'OIDC_USERINFO_FAILED',
  'LOGOUT_UNKNOWN_PRINCIPAL',
  'LOGIN_UNKNOWN_ISSUER',
  'LOGIN_GROUP_DENIED',
  'LOGIN_EMAIL_DOMAIN_MISMATCH',
  'LOGIN_EMAIL_MALFORMED',
  'LOGIN_NAMEID_INVALID',
  'LOGIN_ORGANIZATION_DISABLED',
  'ADMIN_ORGANIZATION_NOT_FOUND',
  'ADMIN_DOMAIN_NOT_FOUND',
  'ADMIN_DOMAIN_NOT_VERIFIED',
  'HANDOFF_EMAIL_REQUIRED',
  'HANDOFF_EMAIL_UNVERIFIED',
  'LOGIN_SP_NOT_CONFIGURED',
  'HANDOFF_APP_NOT_FOUND',
  'HANDOFF_REQUEST_REFUSED',
  'HANDOFF_NOT_CONFIGURED',
  'ADMIN_APP_NOT_FOUND',
  'HANDOFF_REDIRECT_NOT_ALLOWED',
  'ADMIN_METADATA_NOT_XML',
  'ADMIN_METADATA_CHOOSE_ENTITY',
  'ADMIN_METADATA_EXPIRED',
  'ADMIN_IDP_UNTESTED',
  'ADMIN_TEST_FIX_UNAVAILABLE',
  'ADMIN_EVENT_NOT_FOUND',
  'ADMIN_WEBHOOK_NOT_CONFIGURED',
] as const

export type AppErrorCode = (typeof APP_ERROR_CODES)[number]
export type ErrorCode = AppErrorCode | SamlErrorCode

export type ErrorDetail = Record<string, unknown>

/** A typed, expected failure: `app.onError` turns it into a status + stable code. */
export class AppError extends Error {
  override readonly name = 'AppError'
  readonly code: ErrorCode
  readonly detail: ErrorDetail

  constructor(code: ErrorCode, message?: string, detail: ErrorDetail = {}) {
    super(message ?? code)
    this.code = code
    this.detail = detail
  }
}

interface ErrorInfo {
  status: 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 422 | 429 | 500 | 503
  /** What the customer (or API client) sees: short, plain, never the admin's explanation. */
  user: string
  /** What the admin sees in the audit log and on the test-connection page. */
  admin?: string
  /** Admin API errors: the thrown message is specific and safe (names the field), show it. */
  exposeMessage?: boolean
  /** false: not worth an audit row even on an audited route (a missing credential, a wrong path). */
  audit?: false
}

const SAML_REJECTED: ErrorInfo = {
  status: 403,
  user: 'We could not verify your sign-in with your organization.',
  admin: 'The SAML response was rejected; see the audit log entry for expected and received values.',
}

/** A SAML code whose cause is the IdP's or our setup: the customer can only pass it on. */
const setupProblem = (admin: string): ErrorInfo => ({
  status: 403,
  user: "Your organization's sign-in is not set up correctly for this portal yet. Please tell your IT team or the helpdesk, quoting the reference below.",
  admin,
})

const APP_ERRORS: Record<AppErrorCode, ErrorInfo> = {
  INTERNAL: { status: 500, user: 'Something went wrong on our side. Please try again.' },
  NOT_FOUND: { status: 404, user: 'This page does not exist.', audit: false },
  METHOD_NOT_ALLOWED: { status: 405, user: 'This method is not allowed here.', audit: false },
  BAD_REQUEST: { status: 400, user: 'The request was not understood.' },
  REQUEST_TOO_LARGE: { status: 413, user: 'The request is too large.' },
  SESSION_REQUIRED: { status: 401, user: 'Please sign in to continue.', audit: false },
  CONFIG_MISSING_SECRET: {
    status: 500,
    user: 'The sign-in service is not configured yet.',
    admin: 'Set the ADMIN_TOKEN and SSO_SECRET secrets (wrangler secret put, or .dev.vars locally).',
  },
  HEALTH_DEGRADED: { status: 503, user: 'The sign-in service is degraded.' },
  ADMIN_AUTH_REQUIRED: { status: 401, user: 'Admin authentication is required (Authorization: Bearer <ADMIN_TOKEN>).', audit: false },
  ADMIN_TOKEN_INVALID: { status: 401, user: 'The admin token is not valid.' },
  ADMIN_FORBIDDEN: { status: 403, user: 'You are not allowed to change these settings.' },
  ADMIN_RATE_LIMITED: { status: 429, user: 'Too many failed attempts. Wait a few minutes and try again.', exposeMessage: true },
  ADMIN_INVALID_JSON: { status: 400, user: 'The request body is not valid JSON.', exposeMessage: true },
  ADMIN_INVALID_FIELD: { status: 400, user: 'A field is invalid.', exposeMessage: true },
  ADMIN_CONFLICT: { status: 409, user: 'This conflicts with an existing entry.', exposeMessage: true },
  ADMIN_IDP_NOT_FOUND: { status: 404, user: 'No identity provider with this id.' },
  ADMIN_CSRF_REJECTED: {
    status: 403,
    user: 'This form was submitted from another site or has expired. Reload the page and try again.',
  },
  ADMIN_METADATA_FETCH_FAILED: { status: 422, user: 'The metadata URL could not be fetched.', exposeMessage: true },
  ADMIN_SESSION_REQUIRED: { status: 401, user: 'Please sign in to the admin console.', audit: false },
  LOGIN_IDP_NOT_FOUND: {
    status: 404,
    user: 'This sign-in option does not exist.',
    admin: 'The link names an IdP slug or id that is not configured.',
  },
  LOGIN_IDP_DISABLED: { status: 403, user: 'This sign-in option is turned off.', admin: 'Enable the IdP in the admin console.' },
  LOGIN_EMAIL_INVALID: { status: 400, user: 'Enter a valid email address.' },
  LOGIN_EMAIL_DOMAIN_UNKNOWN: {
    status: 400,
    user: 'We do not know a sign-in option for this email domain. Choose your organization instead.',
    admin: "Add the domain to the IdP's email domains.",
  },
  LOGIN_STATE_MISSING: {
    status: 400,
    user: 'Your sign-in session expired or was started in another browser. Please sign in again.',
    admin: 'The login cookie was missing, expired or already used (SameSite/third-party cookie settings, or a replayed response).',
  },
  LOGOUT_REPLAY: {
    status: 403,
    user: 'This sign-out request was already used.',
    admin: 'A LogoutRequest ID was seen before: a replayed message, or a helpdesk or IdP that reuses IDs.',
  },
  OIDC_TOKEN_INVALID: {
    status: 403,
    user: 'We could not verify your sign-in with your organization.',
    admin: 'The ID token is malformed or misses a required claim (sub, exp, iat).',
  },
  OIDC_ALG_FORBIDDEN: {
    status: 403,
    user: 'We could not verify your sign-in with your organization.',
    admin: 'The ID token is signed with none, HS* or another algorithm outside RS256, PS256, ES256, EdDSA: configure the IdP to sign with RS256.',
  },
  OIDC_SIGNATURE_INVALID: {
    status: 403,
    user: 'We could not verify your sign-in with your organization.',
    admin: "The ID token's signature does not verify with the provider's published keys.",
  },
  OIDC_KEY_UNKNOWN: {
    status: 403,
    user: 'We could not verify your sign-in with your organization.',
    admin: "The ID token names a key (kid) the provider's JWKS does not list, even after fetching it again.",
  },
  OIDC_JWKS_UNAVAILABLE: {
    status: 503,
    user: "Your organization's sign-in service could not be reached. Please try again.",
    admin: "The provider's JWKS could not be fetched or read.",
  },
  OIDC_ISSUER_MISMATCH: {
    status: 403,
    user: 'We could not verify your sign-in with your organization.',
    admin: "The ID token's iss is not the configured issuer (Entra ID: use the tenant-specific issuer).",
  },
  OIDC_AUDIENCE_MISMATCH: {
    status: 403,
    user: 'We could not verify your sign-in with your organization.',
    admin: "The ID token's aud does not contain the configured client ID.",
  },
  OIDC_AZP_MISMATCH: {
    status: 403,
    user: 'We could not verify your sign-in with your organization.',
    admin: 'The ID token has several audiences and its azp is not the configured client ID.',
  },
  OIDC_EXPIRED: {
    status: 403,
    user: 'Your sign-in took too long or the clocks disagree. Please try again.',
    admin: "The ID token has expired: check the IdP's clock or raise the clock skew for this IdP.",
  },
  OIDC_NOT_YET_VALID: {
    status: 403,
    user: 'Your sign-in took too long or the clocks disagree. Please try again.',
    admin: "The ID token's iat or nbf is in the future: check the IdP's clock.",
  },
  OIDC_NONCE_MISMATCH: {
    status: 403,
    user: 'We could not verify your sign-in. Please sign in again.',
    admin: "The ID token's nonce is not the one this browser's sign-in sent (a replayed or injected token).",
  },
  OIDC_DISCOVERY_INVALID: {
    status: 422,
    user: 'This is not a usable OpenID Connect provider.',
    admin: 'The discovery document is refused: see the message and the expected and received values.',
    exposeMessage: true,
  },
  OIDC_DISCOVERY_FETCH_FAILED: {
    status: 422,
    user: "The provider's discovery document could not be read.",
    admin: 'Check the issuer URL: the gateway reads <issuer>/.well-known/openid-configuration over https, without following redirects.',
    exposeMessage: true,
  },
  OIDC_CODE_REJECTED: {
    status: 403,
    user: 'Your sign-in could not be completed. Please sign in again.',
    admin: 'The provider refused the authorization code (invalid_grant): it was used already, expired, or issued to another client or redirect URI.',
  },
  OIDC_TOKEN_EXCHANGE_FAILED: {
    status: 503,
    user: "Your organization's sign-in service did not answer as expected. Please try again.",
    admin: 'The token request failed: check the client ID, secret or key, the token endpoint auth method and the redirect URI registered at the provider.',
  },
  STORAGE_UNAVAILABLE: {
    status: 503,
    user: 'The sign-in service is briefly unavailable. Please try again in a moment.',
    admin: "D1 or KV failed (see the request's log line for the store, the operation and the reason); nothing was half-written.",
  },
  CONSOLE_UNAVAILABLE: {
    status: 503,
    user: 'The admin console and setup pages are briefly unavailable. Please try again in a moment.',
    admin:
      "The gateway could not reach the console Worker through its CONSOLE service binding: deploy both Workers with `npm run deploy` (the gateway's log line names the error).",
  },
  SETUP_LINK_NOT_FOUND: {
    status: 404,
    user: 'This setup link does not exist. Check that you copied all of it, or ask the helpdesk for a new one.',
  },
  SETUP_LINK_EXPIRED: {
    status: 410,
    user: 'This setup link has expired. Ask the helpdesk for a new one; what you configured so far is kept.',
    admin: 'The setup link is past its expiry: create a new link on the organization page.',
  },
  SETUP_LINK_REVOKED: {
    status: 410,
    user: 'This setup link was withdrawn by the helpdesk. Ask them for a new one.',
    admin: 'An admin revoked this setup link.',
  },
  SETUP_NOT_READY: {
    status: 409,
    user: 'Not yet: verify a domain of your company and pass a test sign-in first.',
    exposeMessage: true,
  },
  SETUP_ALREADY_DONE: {
    status: 409,
    user: 'This setup is finished (or waiting for the helpdesk to approve it); ask the helpdesk for a new link to change it.',
  },
  SETUP_RATE_LIMITED: { status: 429, user: 'Too many requests from your network. Wait a few minutes and try again.' },
  SETUP_CSRF_REJECTED: {
    status: 403,
    user: 'This form was not sent from the setup page. Open the setup link again and retry.',
  },
  OIDC_IDP_MISMATCH: {
    status: 403,
    user: 'Your sign-in came back from another sign-in service than the one it started at. Please sign in again.',
    admin:
      "The callback's IdP (redirect URI ?idp=, or the iss parameter) is not the IdP this browser's sign-in went to: a mix-up attempt, or a redirect URI registered for the wrong IdP.",
  },
  OIDC_REPLAY: {
    status: 403,
    user: 'This sign-in link was already used. Please sign in again.',
    admin: "The callback's state was already consumed: a replayed authorization response (code and state) in the same browser.",
  },
  OIDC_PROVIDER_ERROR: {
    status: 403,
    user: 'Your organization did not sign you in (the sign-in was cancelled or refused). Please try again.',
    admin:
      'The provider answered with an error instead of a code (access_denied: the user cancelled or is not assigned to the app); see error and description.',
  },
  OIDC_EMAIL_UNVERIFIED: {
    status: 403,
    user: 'Your organization has not confirmed your email address, so we cannot sign you in with it.',
    admin:
      'The provider sent an email with email_verified not true: mark the address verified at the IdP (Keycloak: "Email verified"; Entra ID: use a verified domain), or map no email claim.',
  },
  OIDC_HOSTED_DOMAIN_MISMATCH: {
    status: 403,
    user: "This account is not one of your organization's accounts. Sign in with your work account.",
    admin: "Google Workspace: the ID token's hd (hosted domain) is missing (a consumer Google account) or not one of the organization's verified domains.",
  },
  OIDC_USERINFO_FAILED: {
    status: 503,
    user: "Your organization's sign-in service did not answer as expected. Please try again.",
    admin: "The userinfo endpoint could not be read (the ID token lacked claims the gateway needs): check the scopes and the provider's userinfo endpoint.",
  },
  LOGOUT_UNKNOWN_PRINCIPAL: {
    status: 400,
    user: 'The help desk asked to sign out someone else; you are still signed in.',
    admin: "A helpdesk LogoutRequest named a NameID or SessionIndex that is not this browser's user: answered UnknownPrincipal, nothing ended.",
  },
  LOGIN_UNKNOWN_ISSUER: {
    status: 403,
    user: 'We could not match your sign-in to a configured organization.',
    admin: 'The response Issuer matches no enabled IdP: check the IdP entity ID.',
  },
  LOGIN_GROUP_DENIED: {
    status: 403,
    user: 'Your account is not allowed to use this portal.',
    admin: "The user is in none of the IdP's allowed groups (or the IdP sent no groups attribute).",
  },
  LOGIN_EMAIL_DOMAIN_MISMATCH: {
    status: 403,
    user: 'Your organization signed you in with an email address it is not allowed to use here. Ask your IT team to check your account.',
    admin:
      "The IdP asserted an email outside its organization's verified domains (see allowed and received). Verify the domain, fix the IdP's email attribute, or, for your own staff's IdP only, let the organization trust any email.",
  },
  LOGIN_EMAIL_MALFORMED: {
    status: 403,
    user: 'Your organization sent an email address we cannot use. Ask your IT team to check your account.',
    admin: 'The IdP asserted an email that is not one plain address (two @, quotes, spaces or an invalid domain).',
  },
  LOGIN_NAMEID_INVALID: {
    status: 403,
    user: 'Your organization sent a user identifier we cannot use. Ask your IT team to check your account.',
    admin:
      "The NameID has control characters (line breaks, tabs) or is longer than 1024 characters: it could not be forwarded as one unambiguous subject. Fix the IdP's NameID source.",
  },
  LOGIN_ORGANIZATION_DISABLED: {
    status: 403,
    user: 'Sign-in for your organization is turned off.',
    admin: 'Enable the organization in the admin console.',
  },
  ADMIN_ORGANIZATION_NOT_FOUND: { status: 404, user: 'No organization with this id.' },
  ADMIN_DOMAIN_NOT_FOUND: { status: 404, user: 'This organization has no such domain.' },
  ADMIN_DOMAIN_NOT_VERIFIED: {
    status: 409,
    user: 'The domain is not verified yet.',
    admin: 'The TXT record was not found with the expected value: publish it at the name shown, wait for DNS, and check again.',
  },
  HANDOFF_EMAIL_REQUIRED: {
    status: 403,
    user: 'The help center needs an email address, and your organization sent none.',
    admin: "The IdP sends no email for this user: map the email attribute in the IdP's attribute map.",
  },
  HANDOFF_EMAIL_UNVERIFIED: {
    status: 403,
    user: 'The help center needs a verified email address for your account.',
    admin:
      "This helpdesk identifies users by email, and the user's email domain is not verified for their organization (it trusts any email): sending it would let that organization's IdP sign in as any address there. Verify the domain (a SAML broker app can use a persistent NameID instead).",
  },
  HANDOFF_REQUEST_REFUSED: {
    status: 400,
    user: 'The help desk sent a sign-in request that cannot be accepted. This is a setting at the help desk, not something you did: please let the help desk team know.',
    admin:
      "The helpdesk app's AuthnRequest was refused (samlCode and the expected and received values say why): fix the app's ACS URL, SSO URL, certificate or clock at the helpdesk, or the app's settings here.",
  },
  HANDOFF_APP_NOT_FOUND: {
    status: 404,
    user: 'This help center sign-in is not set up.',
    admin: 'Add exactly one enabled Zendesk app (or name it with ?app=<slug>) in /sso/admin/api/apps.',
  },
  HANDOFF_NOT_CONFIGURED: { status: 409, user: 'This help center sign-in is not set up.', admin: "Set the app's shared secret." },
  ADMIN_APP_NOT_FOUND: { status: 404, user: 'No app with this id.' },
  HANDOFF_REDIRECT_NOT_ALLOWED: {
    status: 400,
    user: 'The help center asked to return to an address that is not registered.',
    admin: "Add the helpdesk's SSO callback URL to the app's redirectUris.",
  },
  LOGIN_SP_NOT_CONFIGURED: { status: 500, user: 'The sign-in service is not configured yet.', admin: 'Set SSO_SECRET.' },
  ADMIN_METADATA_NOT_XML: {
    status: 422,
    user: 'This is not SAML metadata.',
    admin:
      "The metadata URL answered a web page (a sign-in or portal page), or the pasted text is a web page or a certificate: give the IdP's metadata URL itself, or add the IdP by hand.",
    exposeMessage: true,
  },
  ADMIN_METADATA_CHOOSE_ENTITY: {
    status: 422,
    user: 'The metadata describes several identity providers: choose one.',
    admin: 'An aggregate (md:EntitiesDescriptor) lists several IdPs and no entityId was given: the detail lists them (at most 200); import again with one.',
    exposeMessage: true,
  },
  ADMIN_IDP_UNTESTED: {
    status: 409,
    user: 'This IdP has not passed a test sign-in yet.',
    admin: 'New IdPs are drafts, hidden from customers: press Test, sign in at the IdP, and enable it once the test passes.',
    exposeMessage: true,
  },
  ADMIN_TEST_FIX_UNAVAILABLE: {
    status: 409,
    user: 'This fix is no longer available.',
    admin: 'A test result keeps its fixes for 10 minutes, and offers only what the IdP really sent: run the test again.',
    exposeMessage: true,
  },
  ADMIN_EVENT_NOT_FOUND: { status: 404, user: 'No event with this id.' },
  ADMIN_WEBHOOK_NOT_CONFIGURED: {
    status: 409,
    user: 'Webhooks are off.',
    admin: 'Set a webhook URL and its signing secret in Settings first: no event is sent while the URL is empty.',
    exposeMessage: true,
  },
  ADMIN_METADATA_EXPIRED: {
    status: 422,
    user: 'The metadata has expired.',
    admin:
      'The metadata is past its validUntil or has an expired signing certificate (the message says which, and when): get current metadata from the IdP, or import it anyway ("importAnyway": true).',
    exposeMessage: true,
  },
}

/** Specific texts for SAML codes whose fix an admin can act on; others use SAML_REJECTED. */
const SAML_ERRORS: Partial<Record<SamlErrorCode, ErrorInfo>> = {
  SAML_INPUT_TOO_LARGE: { status: 413, user: 'The sign-in message is too large.' },
  SAML_INVALID_BASE64: { status: 400, user: 'The sign-in message is malformed.' },
  SAML_MALFORMED_XML: { status: 400, user: 'The sign-in message is malformed.' },
  SAML_DTD_FORBIDDEN: { status: 400, user: 'The sign-in message is malformed.' },
  SAML_NOT_SAML: { status: 400, user: 'The sign-in message is not a SAML response.' },
  SAML_SIGNATURE_INVALID: {
    status: 403,
    user: 'We could not verify your sign-in with your organization. If this keeps happening, tell your IT team or the helpdesk, quoting the reference below.',
    admin: 'The IdP signed with a certificate that is not configured: update the certificate or re-import metadata.',
  },
  SAML_EXPIRED: {
    status: 403,
    user: 'Your sign-in took too long or the clocks disagree. Please try again.',
    admin: 'Check the IdP clock or raise the clock skew for this IdP.',
  },
  SAML_REPLAY: { status: 403, user: 'This sign-in was already used. Please sign in again.' },
  SAML_STATUS_NOT_SUCCESS: {
    status: 403,
    user: 'Your organization did not sign you in (the sign-in was cancelled or refused). Please try again, or ask your IT team for access.',
    admin:
      'The IdP answered with a non-success status (the user cancelled, is not assigned to the app, or failed to authenticate): see the status in the audit row.',
  },
  SAML_IN_RESPONSE_TO_MISMATCH: {
    status: 400,
    user: 'Your sign-in session expired or was started in another browser. Please sign in again.',
    admin: 'The response answers an AuthnRequest this browser did not send (or no longer holds).',
  },
  SAML_NOT_YET_VALID: {
    status: 403,
    user: 'Your sign-in took too long or the clocks disagree. Please try again.',
    admin: "The assertion is not valid yet: check the IdP's clock or raise the clock skew for this IdP.",
  },
  SAML_AUDIENCE_MISMATCH: setupProblem("The assertion is for another audience: the IdP's app must use this gateway's SP entity ID."),
  SAML_DESTINATION_MISMATCH: setupProblem("The response was sent to another address: the IdP's app must use this gateway's ACS URL."),
  SAML_RECIPIENT_MISMATCH: setupProblem("The assertion names another recipient: the IdP's app must use this gateway's ACS URL."),
  SAML_ISSUER_MISMATCH: setupProblem("The response's Issuer is not the IdP's configured entity ID: re-import the IdP's metadata."),
  SAML_SIGNATURE_MISSING: setupProblem('The IdP sent no signature where one is required: sign the assertion (or the response) at the IdP.'),
  SAML_NO_CERTIFICATES: setupProblem("The IdP has no signing certificate configured here: add it or re-import the IdP's metadata."),
  SAML_SHA1_FORBIDDEN: setupProblem('The IdP signs with SHA-1: set SHA-256 at the IdP (or allow SHA-1 for this IdP, if it can do nothing else).'),
  SAML_SIGNATURE_UNSUPPORTED: setupProblem('The IdP signs with an algorithm the gateway does not accept: use RSA-SHA256 or ECDSA-SHA256.'),
  SAML_NO_DECRYPTION_KEY: setupProblem(
    'The IdP encrypted the assertion to a key the gateway does not have: give it the current encryption certificate (SP metadata).',
  ),
  SAML_DECRYPTION_FAILED: setupProblem('The encrypted assertion could not be decrypted: give the IdP the current encryption certificate (SP metadata).'),
  SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED: setupProblem(
    'The IdP encrypts with an algorithm the gateway does not accept: use AES-GCM (or AES-CBC) with RSA-OAEP.',
  ),
  SAML_NAMEID_MISSING: setupProblem('The assertion has no NameID: configure a Name ID (e.g. the email address) at the IdP.'),
  SAML_UNSOLICITED_NOT_ALLOWED: setupProblem("An IdP-initiated sign-in arrived, but this IdP's 'Allow IdP-initiated sign-in' is off."),
  SAML_METADATA_INVALID: { status: 422, user: 'This is not usable IdP metadata.', exposeMessage: true },
}

export function errorInfo(code: string): ErrorInfo {
  if (code in APP_ERRORS) return APP_ERRORS[code as AppErrorCode]
  if (code.startsWith('SAML_')) return SAML_ERRORS[code as SamlErrorCode] ?? SAML_REJECTED
  return APP_ERRORS.INTERNAL
}

/** The stable code of a known error, or 'INTERNAL' for anything else. */
export function errorCode(err: unknown): string {
  return err instanceof AppError || isSamlError(err) ? err.code : 'INTERNAL'
}

/** Expected vs received values of a known error (for the audit log), never its stack. */
export function errorDetail(err: unknown): Record<string, unknown> {
  if (err instanceof AppError || isSamlError(err)) return { ...err.detail, ...(err.message !== err.code ? { message: err.message } : {}) }
  return { error: err instanceof Error ? err.name : typeof err }
}
