/**
 * The attributes the broker sends a helpdesk for a session: under the names of the app's
 * attribute profile (`config.attributeProfile`: basic, uri with OIDs, or a helpdesk's preset),
 * renamed per field by `config.attributeNames` (a field named '' is left out), with the
 * organization's name in the helpdesk (sso/tenancy.ts helpdeskOrganizationOf). A helpdesk may key
 * users by the email, so it goes only when its domain is verified for the user's organization
 * (as the email NameID). Pure.
 */
import { SAML_APP_ATTRIBUTES, type SamlAppAttribute, type SamlAppConfig } from '../store/app-configs'
import type { Session } from '../store/sessions'

export const NAME_FORMAT_BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic'
export const NAME_FORMAT_URI = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri'

interface ProfileAttribute {
  name: string
  friendlyName?: string
}

/**
 * Each profile: the names of the fields it sends (a field it lacks is not sent) and their
 * NameFormat. `uri` is what Shibboleth-style SPs (pysaml2's defaults, mod_auth_mellon) expect:
 * eduPerson and X.500 OIDs with FriendlyNames. The helpdesk presets follow their SSO docs.
 */
export const ATTRIBUTE_PROFILES = {
  basic: {
    nameFormat: NAME_FORMAT_BASIC,
    attributes: Object.fromEntries(SAML_APP_ATTRIBUTES.map((f) => [f, { name: f }])) as Record<SamlAppAttribute, ProfileAttribute>,
  },
  uri: {
    nameFormat: NAME_FORMAT_URI,
    attributes: {
      email: { name: 'urn:oid:0.9.2342.19200300.100.1.3', friendlyName: 'mail' },
      firstName: { name: 'urn:oid:2.5.4.42', friendlyName: 'givenName' },
      lastName: { name: 'urn:oid:2.5.4.4', friendlyName: 'sn' },
      displayName: { name: 'urn:oid:2.16.840.1.113730.3.1.241', friendlyName: 'displayName' },
      groups: { name: 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1', friendlyName: 'isMemberOf' },
      organization: { name: 'urn:oid:2.5.4.10', friendlyName: 'o' },
    } as Partial<Record<SamlAppAttribute, ProfileAttribute>>,
  },
  // Zammad (omniauth-saml): name, email, first_name, last_name.
  zammad: {
    nameFormat: NAME_FORMAT_BASIC,
    attributes: { email: { name: 'email' }, displayName: { name: 'name' }, firstName: { name: 'first_name' }, lastName: { name: 'last_name' } } as Partial<
      Record<SamlAppAttribute, ProfileAttribute>
    >,
  },
  // Jira Service Management (Atlassian Guard): the claim URIs it reads for names and email.
  jsm: {
    nameFormat: NAME_FORMAT_URI,
    attributes: {
      email: { name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress' },
      firstName: { name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname' },
      lastName: { name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname' },
    } as Partial<Record<SamlAppAttribute, ProfileAttribute>>,
  },
  // Zendesk (SAML): first_name, last_name, organization, tags.
  zendesk: {
    nameFormat: NAME_FORMAT_BASIC,
    attributes: {
      firstName: { name: 'first_name' },
      lastName: { name: 'last_name' },
      organization: { name: 'organization' },
      groups: { name: 'tags' },
    } as Partial<Record<SamlAppAttribute, ProfileAttribute>>,
  },
  // Freshdesk (SAML): name and company.
  freshdesk: {
    nameFormat: NAME_FORMAT_BASIC,
    attributes: { displayName: { name: 'name' }, organization: { name: 'company' } } as Partial<Record<SamlAppAttribute, ProfileAttribute>>,
  },
} as const

export type AttributeProfile = keyof typeof ATTRIBUTE_PROFILES
export const ATTRIBUTE_PROFILE_NAMES = Object.keys(ATTRIBUTE_PROFILES) as AttributeProfile[]

/** One attribute as issued: its name, NameFormat, FriendlyName and values. */
export interface IssuedAttribute {
  name: string
  nameFormat: string
  friendlyName?: string
  values: string[]
}

/** The attributes for `session` in the app's profile, renames applied, empty ones left out. */
export function issuedAttributes(config: SamlAppConfig, session: Session, organization: string | null): IssuedAttribute[] {
  const profile = ATTRIBUTE_PROFILES[config.attributeProfile ?? 'basic']
  const values = fieldValues(session, organization)
  const out: IssuedAttribute[] = []
  for (const field of SAML_APP_ATTRIBUTES) {
    const renamed = config.attributeNames?.[field]
    const base = (profile.attributes as Partial<Record<SamlAppAttribute, ProfileAttribute>>)[field]
    const name = renamed ?? base?.name
    if (!name || values[field].length === 0) continue
    // A renamed attribute is a URI name only when it looks like one.
    const nameFormat = renamed !== undefined ? (/^[a-z][a-z0-9+.-]*:/i.test(renamed) ? NAME_FORMAT_URI : NAME_FORMAT_BASIC) : profile.nameFormat
    out.push({ name, nameFormat, ...(renamed === undefined && base?.friendlyName ? { friendlyName: base.friendlyName } : {}), values: values[field] })
  }
  return out
}

function fieldValues(session: Session, organization: string | null): Record<SamlAppAttribute, string[]> {
  const [firstName, ...rest] = (session.displayName ?? '').split(' ')
  const lastName = rest.join(' ')
  return {
    email: session.email && session.emailVerified ? [session.email] : [],
    firstName: firstName ? [firstName] : [],
    lastName: lastName ? [lastName] : [],
    displayName: session.displayName ? [session.displayName] : [],
    groups: session.groups,
    upstreamIdp: [session.idpSlug],
    organization: organization ? [organization] : [],
  }
}

/** The attributes as name → values (what an SP library hands its application). */
export function appAttributes(config: SamlAppConfig, session: Session, organization: string | null): Record<string, string[]> {
  return Object.fromEntries(issuedAttributes(config, session, organization).map((a) => [a.name, a.values]))
}
