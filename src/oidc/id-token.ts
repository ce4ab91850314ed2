/**
 * OpenID Connect ID token validation (OIDC Core §3.1.3.7), on jose: the algorithm from an
 * allow-list (RS256, PS256, ES256, EdDSA; never `none`, never HS* keyed with a public key),
 * the signature with the provider's JWKS, `iss` exactly, `aud` containing the client ID and
 * `azp` when there are several audiences, `exp`, `nbf` and `iat` with the IdP's skew, and the
 * `nonce` bound to this browser's sign-in. Every failure is an AppError with a stable OIDC_* code
 * and the expected and received values for the audit row.
 */
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { AppError } from '../errors'

export const ALLOWED_ID_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const

export interface IdTokenExpectations {
  /** The discovered issuer: `iss` must be exactly this. */
  issuer: string
  clientId: string
  /** The nonce this browser's sign-in sent. */
  nonce: string
  /** The provider's keys (jwks.ts). */
  keys: JWTVerifyGetKey
  skewSeconds: number
  now: Date
}

const clip = (v: unknown) => (typeof v === 'string' ? v.slice(0, 256) : Array.isArray(v) ? v.slice(0, 10).map((x) => String(x).slice(0, 256)) : (v ?? null))

/** The verified claims of `idToken`, or the OIDC_* code of the first check it fails. */
export async function validateIdToken(idToken: string, expect: IdTokenExpectations): Promise<JWTPayload & { sub: string }> {
  let alg: string | undefined
  try {
    alg = decodeProtectedHeader(idToken).alg
  } catch {
    throw new AppError('OIDC_TOKEN_INVALID', 'The ID token is not a JWS')
  }
  // Checked before any key is looked up: `none` has no signature, and an HS* token would be
  // checked with a public key as its HMAC secret by a careless verifier.
  if (!alg || !(ALLOWED_ID_TOKEN_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new AppError('OIDC_ALG_FORBIDDEN', 'The ID token is signed with an algorithm outside the allow-list', {
      expected: [...ALLOWED_ID_TOKEN_ALGORITHMS],
      received: clip(alg ?? null),
    })
  }
  // The provider's keys failing to load (network, not a JWKS) is not the token's fault.
  const keys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await expect.keys(header, token)
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err
      throw new AppError('OIDC_JWKS_UNAVAILABLE', "The provider's keys could not be read", { reason: err instanceof Error ? err.message.slice(0, 200) : null })
    }
  }
  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(idToken, keys, {
      algorithms: [...ALLOWED_ID_TOKEN_ALGORITHMS],
      issuer: expect.issuer,
      audience: expect.clientId,
      clockTolerance: expect.skewSeconds,
      currentDate: expect.now,
      requiredClaims: ['sub', 'exp', 'iat'],
    }))
  } catch (err) {
    throw mapJoseError(err, expect)
  }
  const now = expect.now.getTime() / 1000
  if (typeof payload.iat !== 'number' || payload.iat > now + expect.skewSeconds)
    throw new AppError('OIDC_NOT_YET_VALID', 'The ID token is issued in the future', { iat: payload.iat ?? null, now: expect.now.toISOString() })
  // §3.1.3.7 steps 4-5: several audiences need an azp, and an azp must be us.
  const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
  const azp = payload.azp
  if ((audiences.length > 1 || azp !== undefined) && azp !== expect.clientId)
    throw new AppError('OIDC_AZP_MISMATCH', 'The ID token was issued to another client (azp)', { expected: expect.clientId, received: clip(azp ?? null) })
  if (typeof payload.nonce !== 'string' || payload.nonce !== expect.nonce)
    throw new AppError('OIDC_NONCE_MISMATCH', "The ID token's nonce is not the one this sign-in sent", { received: clip(payload.nonce ?? null) })
  if (typeof payload.sub !== 'string' || !payload.sub || payload.sub.length > 255)
    throw new AppError('OIDC_TOKEN_INVALID', 'The ID token has no usable sub (1 to 255 characters)')
  return payload as JWTPayload & { sub: string }
}

function mapJoseError(err: unknown, expect: IdTokenExpectations): AppError {
  if (err instanceof AppError) return err
  if (err instanceof errors.JWTExpired)
    return new AppError('OIDC_EXPIRED', 'The ID token has expired', { exp: clip(err.payload.exp), now: expect.now.toISOString() })
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss')
      return new AppError('OIDC_ISSUER_MISMATCH', 'The ID token is from another issuer', { expected: expect.issuer, received: clip(err.payload.iss) })
    if (err.claim === 'aud')
      return new AppError('OIDC_AUDIENCE_MISMATCH', 'The ID token is for another client', { expected: expect.clientId, received: clip(err.payload.aud) })
    if (err.claim === 'nbf')
      return new AppError('OIDC_NOT_YET_VALID', 'The ID token is not valid yet', { nbf: clip(err.payload.nbf), now: expect.now.toISOString() })
    return new AppError('OIDC_TOKEN_INVALID', `The ID token's ${err.claim} claim is ${err.reason}`, { claim: err.claim })
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new AppError('OIDC_ALG_FORBIDDEN', 'The ID token is signed with an algorithm outside the allow-list')
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return new AppError('OIDC_SIGNATURE_INVALID', "The ID token's signature does not verify with the provider's keys")
  if (err instanceof errors.JWKSNoMatchingKey) return new AppError('OIDC_KEY_UNKNOWN', "The ID token is signed with a key the provider's JWKS does not list")
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid)
    return new AppError('OIDC_JWKS_UNAVAILABLE', "The provider's keys could not be read")
  if (err instanceof errors.JOSEError) return new AppError('OIDC_TOKEN_INVALID', 'The ID token is malformed', { reason: err.code })
  if (err instanceof AppError) return err
  return new AppError('OIDC_TOKEN_INVALID', 'The ID token could not be verified')
}
