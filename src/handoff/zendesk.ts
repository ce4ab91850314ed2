/**
 * Zendesk JWT single sign-on ("remote login"): after sign-in the gateway POSTs an HS256 JWT to
 * https://<subdomain>.zendesk.com/access/jwt with Zendesk's claims (iat, jti, name, email,
 * external_id, organization, tags). Zendesk refuses tokens older than 3 minutes and reused jti.
 */
import { SignJWT } from 'jose'
import type { Session } from '../store/sessions'
import type { ZendeskConfig } from '../store/apps'

export function zendeskOrigin(config: ZendeskConfig): string {
  return config.baseUrl ? new URL(config.baseUrl).origin : `https://${config.subdomain}.zendesk.com`
}

/** Zendesk's return_to, only when it points back into the same Zendesk account. */
export function safeZendeskReturnTo(config: ZendeskConfig, value: string | undefined): string | null {
  if (!value) return null
  try {
    const url = new URL(value)
    return url.origin === zendeskOrigin(config) ? url.toString() : null
  } catch {
    return null
  }
}

export function zendeskClaims(session: Session, config: ZendeskConfig, jti: string, now: Date): Record<string, unknown> {
  const organization = config.organizationMap[session.idpSlug] ?? session.groups.map((g) => config.organizationMap[g]).find(Boolean)
  return {
    iat: Math.floor(now.getTime() / 1000),
    jti,
    email: session.email ?? session.nameId,
    name: session.displayName || session.email || session.nameId,
    ...(config.externalIdFrom === 'nameId' ? { external_id: `${session.idpSlug}:${session.nameId}` } : {}),
    ...(organization ? { organization } : {}),
    ...(config.tagsFromGroups && session.groups.length ? { tags: session.groups.map((g) => g.replace(/[^\w-]+/g, '_').toLowerCase()) } : {}),
    ...(config.userFields && Object.keys(config.userFields).length ? { user_fields: userFields(session, config.userFields) } : {}),
  }
}

function userFields(session: Session, sources: Record<string, 'idp' | 'nameId' | 'groups'>): Record<string, string> {
  const value = { idp: session.idpSlug, nameId: session.nameId, groups: session.groups.join(', ') }
  return Object.fromEntries(Object.entries(sources).map(([field, source]) => [field, value[source]]))
}

export async function signZendeskJwt(claims: Record<string, unknown>, sharedSecret: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(sharedSecret))
}
