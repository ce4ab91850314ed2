/**
 * The identity an OIDC provider asserts, read from the ID token's claims (and userinfo, when the
 * token lacks them): `sub`, an email only when `email_verified` is true (Entra ID: `xms_edov`,
 * the domain-owner verified flag, when it sends no `email_verified`; a `preferred_username` or
 * `upn` is never taken for an email), names, groups (Entra's groups overage noted, not guessed),
 * and Google's hosted domain `hd`. Where each is found can be changed per IdP (`claimsMap`).
 * The tenant rules (verified domains) apply to the result like to a SAML identity.
 */
export interface ClaimsMap {
  email?: string
  firstName?: string
  lastName?: string
  displayName?: string
  groups?: string
}

export interface OidcIdentity {
  sub: string
  email: string | null
  /** The email came with email_verified (or Entra's xms_edov) true. */
  emailVerified: boolean
  /** The email claim as sent, verified or not (an unverified one is refused, not dropped: sso/oidc-callback.ts). */
  emailClaimed: string | null
  firstName: string | null
  lastName: string | null
  displayName: string | null
  groups: string[]
  /** Google Workspace: the user's hosted domain. */
  hostedDomain: string | null
  /** Entra ID sent a groups overage (too many groups for the token): groups are incomplete. */
  groupsOverage: boolean
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 512) : null)

/** `claims` are the ID token's, completed by userinfo's for what the token lacks (never overriding it). */
export function oidcIdentity(claims: Record<string, unknown>, userinfo: Record<string, unknown> | null = null, map: ClaimsMap = {}): OidcIdentity {
  // OIDC Core §5.3.2: userinfo's sub must be the token's, or it is someone else's answer.
  const extra = userinfo && userinfo.sub === claims.sub ? userinfo : {}
  const all: Record<string, unknown> = { ...extra, ...claims }
  const emailClaim = map.email ?? 'email'
  const email = str(all[emailClaim])
  const verified = all.email_verified === true || all.email_verified === 'true' || (all.email_verified === undefined && all.xms_edov === true)
  const groupsValue = all[map.groups ?? 'groups']
  const names = all._claim_names
  return {
    sub: String(claims.sub),
    email: email && verified ? email.toLowerCase() : null,
    emailVerified: Boolean(email && verified),
    emailClaimed: email,
    firstName: str(all[map.firstName ?? 'given_name']),
    lastName: str(all[map.lastName ?? 'family_name']),
    displayName: str(all[map.displayName ?? 'name']),
    groups: Array.isArray(groupsValue)
      ? groupsValue
          .filter((g): g is string => typeof g === 'string')
          .slice(0, 500)
          .map((g) => g.slice(0, 512))
      : [],
    hostedDomain: str(all.hd),
    groupsOverage: typeof names === 'object' && names !== null && 'groups' in names,
  }
}
