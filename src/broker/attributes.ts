/**
 * The attributes the broker sends a helpdesk for a session, under the names the app expects
 * (`config.attributeNames`; a field named '' is left out), with the organization's name in the
 * helpdesk (sso/tenancy.ts helpdeskOrganizationOf). A helpdesk may key users by the email, so
 * it goes only when its domain is verified for the user's organization (as the email NameID). Pure.
 */
import { SAML_APP_ATTRIBUTES, type SamlAppAttribute, type SamlAppConfig } from '../store/app-configs'
import type { Session } from '../store/sessions'

export function appAttributes(config: SamlAppConfig, session: Session, organization: string | null): Record<string, string[]> {
  const [firstName, ...rest] = (session.displayName ?? '').split(' ')
  const lastName = rest.join(' ')
  const values: Record<SamlAppAttribute, string[]> = {
    email: session.email && session.emailVerified ? [session.email] : [],
    firstName: firstName ? [firstName] : [],
    lastName: lastName ? [lastName] : [],
    displayName: session.displayName ? [session.displayName] : [],
    groups: session.groups,
    upstreamIdp: [session.idpSlug],
    organization: organization ? [organization] : [],
  }
  const out: Record<string, string[]> = {}
  for (const field of SAML_APP_ATTRIBUTES) {
    const name = config.attributeNames?.[field] ?? field
    if (name && values[field].length) out[name] = values[field]
  }
  return out
}
