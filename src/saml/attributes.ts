/**
 * Attribute statements of a verified Assertion (SAML core §2.7.3) and their mapping to the identity
 * the portal sees (email, names, groups) with per-IdP overrides and defaults for common IdPs.
 * Trusts only the `Verified` assertion it is given; never reads attributes from anywhere else.
 */
import type { Element } from '@xmldom/xmldom'
import type { Verified } from './dsig/verify'
import type { AttributeMap, AttributeNameInfo, MappedIdentity } from './types'
import { attr, childrenNamed, NS, textContent } from './xml/dom'

export interface AttributeSet {
  attributes: Record<string, string[]>
  attributeNameFormats: Record<string, AttributeNameInfo>
  attributeFriendlyNames: Record<string, string>
}

/**
 * Every Attribute of every AttributeStatement, keyed by Name as sent. Values keep document order
 * and empty values (''); an Attribute without values maps to []. Repeated Names are merged.
 * Null-prototype records: an attribute named `__proto__` stays data (prototype pollution).
 */
export function readAttributes(assertion: Verified<Element>): AttributeSet {
  const attributes: Record<string, string[]> = Object.create(null) as Record<string, string[]>
  const attributeNameFormats: Record<string, AttributeNameInfo> = Object.create(null) as Record<string, AttributeNameInfo>
  const attributeFriendlyNames: Record<string, string> = Object.create(null) as Record<string, string>
  for (const statement of childrenNamed(assertion, NS.saml, 'AttributeStatement')) {
    for (const attribute of childrenNamed(statement, NS.saml, 'Attribute')) {
      // Name is required by the schema (SAML core §2.7.3.1); a nameless Attribute carries nothing usable.
      const name = attr(attribute, 'Name')
      if (name === null) continue
      const values = (attributes[name] ??= [])
      // Full text content of each value (comments skipped), like NameID; xsi:nil reads as ''.
      for (const value of childrenNamed(attribute, NS.saml, 'AttributeValue')) values.push(textContent(value))
      const nameFormat = attr(attribute, 'NameFormat')
      const friendlyName = attr(attribute, 'FriendlyName')
      if (nameFormat !== null || friendlyName !== null) {
        const info: AttributeNameInfo = (attributeNameFormats[name] ??= {})
        if (nameFormat !== null) info.NameFormat = nameFormat
        if (friendlyName !== null) info.FriendlyName = friendlyName
      }
      if (friendlyName !== null) attributeFriendlyNames[name] = friendlyName
    }
  }
  return { attributes, attributeNameFormats, attributeFriendlyNames }
}

const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/'

/**
 * Candidate attribute names per field, tried in order: Okta/OneLogin/Google style names, Entra ID
 * and ADFS claim URIs, LDAP/eduPerson OIDs (urn:oid form, SAML V2.0 X.500/LDAP profile), then
 * FriendlyNames (matched through `attributeFriendlyNames`).
 */
export const DEFAULT_ATTRIBUTE_CANDIDATES: Readonly<Record<keyof AttributeMap, readonly string[]>> = {
  email: [
    'email',
    'Email',
    'emailAddress',
    'EmailAddress',
    'mail',
    'User.email',
    'user.email',
    `${CLAIMS}emailaddress`,
    `${CLAIMS}upn`,
    'http://schemas.xmlsoap.org/claims/EmailAddress',
    'urn:oid:0.9.2342.19200300.100.1.3',
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.6',
  ],
  firstName: ['firstName', 'FirstName', 'first_name', 'givenName', 'givenname', 'User.FirstName', 'firstname', `${CLAIMS}givenname`, 'urn:oid:2.5.4.42'],
  lastName: ['lastName', 'LastName', 'last_name', 'sn', 'surname', 'User.LastName', 'lastname', `${CLAIMS}surname`, 'urn:oid:2.5.4.4'],
  displayName: [
    'displayName',
    'DisplayName',
    'display_name',
    'name',
    'cn',
    'fullName',
    'http://schemas.microsoft.com/identity/claims/displayname',
    `${CLAIMS}name`,
    'urn:oid:2.16.840.1.113730.3.1.241',
    'urn:oid:2.5.4.3',
  ],
  groups: [
    'groups',
    'Groups',
    'group',
    'memberOf',
    'isMemberOf',
    'Role',
    'roles',
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
    'http://schemas.xmlsoap.org/claims/Group',
    'urn:oid:1.3.6.1.4.1.5923.1.5.1.1',
    'urn:oid:1.2.840.113556.1.2.102',
    'urn:oid:1.3.6.1.4.1.5923.1.1.1.1',
    'eduPersonAffiliation',
  ],
}

// FriendlyNames (SAML core §2.7.3.1) used when no Name matched, e.g. Shibboleth's `urn:oid:` Names.
const FRIENDLY_CANDIDATES: Readonly<Record<keyof AttributeMap, readonly string[]>> = {
  email: ['mail', 'email', 'eduPersonPrincipalName'],
  firstName: ['givenName'],
  lastName: ['sn', 'surname'],
  displayName: ['displayName', 'cn'],
  groups: ['memberOf', 'isMemberOf', 'groups', 'eduPersonAffiliation'],
}

// Loose shape check only (the NameID fallback must not turn a persistent ID into an "email").
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * Map a validated result to portal identity fields. A configured name wins over the defaults; an
 * empty first value counts as absent. Email falls back to NameID when it looks like an address.
 */
export function mapIdentity(
  result: { nameId: string } & Pick<AttributeSet, 'attributes' | 'attributeFriendlyNames'>,
  map: Partial<AttributeMap> = {},
): MappedIdentity {
  // Values of the first candidate that has a non-empty value; OneLogin sends `memberOf: [""]`.
  const valuesFor = (field: keyof AttributeMap): string[] => {
    const configured = map[field]
    const names = configured ? [configured] : DEFAULT_ATTRIBUTE_CANDIDATES[field]
    for (const name of names) {
      const values = Object.hasOwn(result.attributes, name) ? result.attributes[name] : undefined
      if (values && values.some((v) => v !== '')) return values.filter((v) => v !== '')
    }
    // An admin-configured name is authoritative: no guessing behind it (no surprise group grants).
    if (configured) return []
    const friendly = FRIENDLY_CANDIDATES[field]
    for (const [name, friendlyName] of Object.entries(result.attributeFriendlyNames)) {
      const values = result.attributes[name]
      if (friendly.includes(friendlyName) && values && values.some((v) => v !== '')) return values.filter((v) => v !== '')
    }
    return []
  }
  const first = (field: keyof AttributeMap): string | null => valuesFor(field)[0]?.trim() || null
  const email = first('email') ?? (EMAIL_SHAPE.test(result.nameId.trim()) ? result.nameId.trim() : null)
  const firstName = first('firstName')
  const lastName = first('lastName')
  const displayName = first('displayName') ?? ([firstName, lastName].filter(Boolean).join(' ') || null)
  // Entra ID/ADFS send one group per value; some IdPs (PingFederate) one comma-joined value.
  const groups = valuesFor('groups').flatMap((g) => (g.includes(',') && !g.includes('=') ? g.split(',') : [g]))
  return { email, firstName, lastName, displayName, groups: [...new Set(groups.map((g) => g.trim()).filter(Boolean))] }
}
