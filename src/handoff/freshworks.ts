/**
 * Freshworks (Freshdesk / Freshservice) custom JWT SSO: the helpdesk sends the customer to our
 * login URL with `redirect_uri`, `state` and `nonce`; we answer with
 * `redirect_uri?state=…&id_token=<RS256 JWT>` signed with the gateway's SP signing key, whose
 * public key the admin pastes into Freshworks. redirect_uri must be one the admin registered.
 */
import { importPKCS8, SignJWT } from 'jose'
import type { FreshworksConfig } from '../store/apps'
import type { Session } from '../store/sessions'

export const FRESHWORKS_TOKEN_TTL_SECONDS = 300

/** True when `redirectUri` is exactly one of the registered callback URLs. */
export function isRegisteredRedirect(config: FreshworksConfig, redirectUri: string): boolean {
  return config.redirectUris.includes(redirectUri)
}

export async function signFreshworksToken(
  session: Session,
  input: { nonce: string | null; audience: string | null; now: Date; privateKeyPem: string; keyId: string },
): Promise<string> {
  const key = await importPKCS8(input.privateKeyPem, 'RS256')
  const [given, ...rest] = (session.displayName ?? '').split(' ')
  const iat = Math.floor(input.now.getTime() / 1000)
  const jwt = new SignJWT({
    email: session.email ?? session.nameId,
    name: session.displayName ?? session.email ?? session.nameId,
    ...(given ? { given_name: given } : {}),
    ...(rest.length ? { family_name: rest.join(' ') } : {}),
    ...(input.nonce ? { nonce: input.nonce } : {}),
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: input.keyId })
    .setSubject(`${session.idpSlug}:${session.nameId}`)
    .setIssuedAt(iat)
    .setExpirationTime(iat + FRESHWORKS_TOKEN_TTL_SECONDS)
  if (input.audience) jwt.setAudience(input.audience)
  return jwt.sign(key)
}
