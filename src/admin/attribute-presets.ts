/**
 * Attribute-map presets offered in the admin console: the names each IdP product sends by
 * default (or in its setup guide), so an admin picks a vendor instead of typing claim URIs.
 */
import type { AttributeMap } from '../store/schema'

const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/'

export const ATTRIBUTE_PRESETS: Record<string, { label: string; map: Required<AttributeMap> }> = {
  okta: { label: 'Okta', map: { email: 'email', firstName: 'firstName', lastName: 'lastName', displayName: 'displayName', groups: 'groups' } },
  entra: {
    label: 'Azure AD / Entra ID',
    map: {
      email: `${CLAIMS}emailaddress`,
      firstName: `${CLAIMS}givenname`,
      lastName: `${CLAIMS}surname`,
      displayName: 'http://schemas.microsoft.com/identity/claims/displayname',
      groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
    },
  },
  adfs: {
    label: 'ADFS',
    map: {
      email: `${CLAIMS}emailaddress`,
      firstName: `${CLAIMS}givenname`,
      lastName: `${CLAIMS}surname`,
      displayName: `${CLAIMS}name`,
      groups: 'http://schemas.xmlsoap.org/claims/Group',
    },
  },
  google: { label: 'Google Workspace', map: { email: 'email', firstName: 'firstName', lastName: 'lastName', displayName: 'displayName', groups: 'groups' } },
  ldap: {
    label: 'Shibboleth / LDAP (urn:oid)',
    map: {
      email: 'urn:oid:0.9.2342.19200300.100.1.3',
      firstName: 'urn:oid:2.5.4.42',
      lastName: 'urn:oid:2.5.4.4',
      displayName: 'urn:oid:2.16.840.1.113730.3.1.241',
      groups: 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1',
    },
  },
}

/** The host and path of a URL-shaped identifier (entity IDs may be URNs: then null). */
function urlParts(value: string): { host: string; path: string } | null {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || url.protocol === 'http:' ? { host: url.hostname.toLowerCase(), path: url.pathname.toLowerCase() } : null
  } catch {
    return null
  }
}

const endsWithHost = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`)

/**
 * The preset an imported IdP most likely needs, read from its entity ID and SSO URL (each product
 * has a recognizable shape), or null: the default names then apply. A guess the admin sees and can
 * change on the IdP's page, never a security decision.
 */
export function detectPreset(idp: { entityId: string; ssoUrl: string }): keyof typeof ATTRIBUTE_PRESETS | null {
  const urls = [urlParts(idp.entityId), urlParts(idp.ssoUrl)].filter((u) => u !== null)
  const any = (test: (u: { host: string; path: string }) => boolean) => urls.some(test)
  if (any((u) => endsWithHost(u.host, 'okta.com') || endsWithHost(u.host, 'oktapreview.com') || endsWithHost(u.host, 'okta-emea.com'))) return 'okta'
  if (any((u) => u.host === 'sts.windows.net' || u.host === 'login.microsoftonline.com' || u.host === 'login.microsoftonline.us')) return 'entra'
  if (any((u) => u.path.startsWith('/adfs/'))) return 'adfs'
  if (any((u) => u.host === 'accounts.google.com')) return 'google'
  if (any((u) => u.path.endsWith('/idp/shibboleth') || u.path.includes('/idp/profile/saml2/'))) return 'ldap'
  return null
}
