/**
 * The names an IdP's metadata gives itself: mdui:DisplayName on its IDPSSODescriptor (SAML V2.0
 * Metadata Extensions for Login and Discovery User Interface v1.0 §2.1.2) and md:Organization on
 * its EntityDescriptor (saml-metadata-2.0-os §2.3.2.1). Labels for an admin to keep or change,
 * never an identifier and never trusted for anything else.
 */
import type { Element } from '@xmldom/xmldom'
import { childrenNamed, firstChildNamed, NS, textContent } from './xml/dom'

/** The MDUI namespace (sstc-saml-metadata-ui-v1.0 §1.3). */
export const MDUI_NS = 'urn:oasis:names:tc:SAML:metadata:ui'

/** A name is cut to this many characters: it becomes a label on the selection page. */
export const MAX_METADATA_NAME_CHARS = 100

/** The role's mdui:DisplayName (md:Extensions/mdui:UIInfo/mdui:DisplayName), or null. */
export function readDisplayName(role: Element): string | null {
  const extensions = firstChildNamed(role, NS.md, 'Extensions')
  const uiInfo = extensions ? firstChildNamed(extensions, MDUI_NS, 'UIInfo') : null
  return uiInfo ? preferredText(childrenNamed(uiInfo, MDUI_NS, 'DisplayName')) : null
}

/** The entity's md:OrganizationDisplayName, else its md:OrganizationName, or null. */
export function readOrganizationName(entity: Element): string | null {
  const organization = firstChildNamed(entity, NS.md, 'Organization')
  if (!organization) return null
  return preferredText(childrenNamed(organization, NS.md, 'OrganizationDisplayName')) ?? preferredText(childrenNamed(organization, NS.md, 'OrganizationName'))
}

/**
 * One text of a set of localized elements (each carries xml:lang, metadata §2.2.5): the English
 * one, else the first in document order; whitespace and control characters collapsed, cut to
 * MAX_METADATA_NAME_CHARS. Null when none has text.
 */
function preferredText(elements: Element[]): string | null {
  const texts = elements.map((el) => ({ lang: el.getAttributeNS(NS.xml, 'lang') ?? '', text: cleanName(textContent(el)) })).filter((t) => t.text)
  return (texts.find((t) => /^en(-|$)/i.test(t.lang)) ?? texts[0])?.text ?? null
}

function cleanName(text: string): string {
  // Code points, not UTF-16 units: a cut never splits a surrogate pair.
  return Array.from(text.replace(/[\s\p{Cc}]+/gu, ' ').trim())
    .slice(0, MAX_METADATA_NAME_CHARS)
    .join('')
    .trim()
}
