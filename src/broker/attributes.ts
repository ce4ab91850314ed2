/**
 * The attributes the broker sends a helpdesk for a session, under the names the app expects
 * (`config.attributeNames`; a field named '' is left out), with the organization the app's map
 * gives (IdP slug first, then the first mapped group). Pure.
 */
import { SAML_APP_ATTRIBUTES, type SamlAppAttribute, type SamlAppConfig } from '../store/app-configs'
import type { Session } from '../store/sessions'

export function appAttributes(config: SamlAppConfig, session: Session): Record<string, string[]> {
  const [firstName, ...rest] = (session.displayName ?? '').split(' ')
  const lastName = rest.join(' ')
  const orgs = config.organizationMap ?? {}
  const organization = orgs[session.idpSlug] ?? session.groups.map((g) => orgs[g]).find(Boolean)
  const values: Record<SamlAppAttribute, string[]> = {
    email: session.email ? [session.email] : [],
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
