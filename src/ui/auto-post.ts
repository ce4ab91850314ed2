/**
 * An auto-submitting POST page for hand-offs to another site (helpdesk JWT endpoints). Uses the
 * gateway's one hashed inline script (CSP allows exactly it); the button works with JS off.
 */
import { POST_FORM_SCRIPT } from '../saml/bindings'
import { escapeXmlAttr } from '../saml/xml/escape'

export function autoPostPage(action: string, fields: Record<string, string>, title = 'Continuing…'): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeXmlAttr(name)}" value="${escapeXmlAttr(value)}">`)
    .join('')
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeXmlAttr(title)}</title></head>` +
    `<body><form method="post" action="${escapeXmlAttr(action)}">${inputs}<p>${escapeXmlAttr(title)}</p><button type="submit">Continue</button></form>` +
    `<script>${POST_FORM_SCRIPT}</script></body></html>`
  )
}
