/**
 * Turns admin console form posts into the same JSON shape the admin API takes, so one parser
 * (admin-input.ts) validates both. Also the reverse, for re-showing a form.
 */
import type { IdpRow } from '../store/idps'
import type { IdpFormValues } from '../ui/admin/idp-form'
import { ATTRIBUTE_PRESETS } from './attribute-presets'

type Form = Record<string, string | File>

function text(form: Form, key: string): string {
  const v = form[key]
  return typeof v === 'string' ? v.trim() : ''
}

/** Comma- or line-separated list, blanks dropped. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
}

/** PEM blocks as pasted, or bare base64 DER separated by blank lines. */
export function splitCertificates(value: string): string[] {
  const pems = value.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)
  if (pems) return pems
  return value
    .split(/\n\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean)
}

const BOOLEANS = ['enabled', 'showOnSelection', 'isDefault', 'signAuthnRequests', 'wantAssertionsSigned', 'allowIdpInitiated', 'allowSha1'] as const
const MAP_FIELDS = ['email', 'firstName', 'lastName', 'displayName', 'groups'] as const

export function idpFormToInput(form: Form): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: text(form, 'name'),
    entityId: text(form, 'entityId'),
    ssoUrl: text(form, 'ssoUrl'),
    ssoBinding: text(form, 'ssoBinding') || 'redirect',
    sloUrl: text(form, 'sloUrl') || null,
    certificates: splitCertificates(text(form, 'certificates')),
    emailDomains: splitList(text(form, 'emailDomains')),
    allowedGroups: splitList(text(form, 'allowedGroups')),
    nameIdFormat: text(form, 'nameIdFormat') || null,
    logoUrl: text(form, 'logoUrl') || null,
  }
  const slug = text(form, 'slug')
  if (slug) out.slug = slug
  const skew = text(form, 'clockSkewSeconds')
  out.clockSkewSeconds = skew === '' ? 180 : /^-?\d+$/.test(skew) ? Number(skew) : skew
  for (const b of BOOLEANS) if (form[b] !== undefined) out[b] = text(form, b) === 'true'
  const preset = ATTRIBUTE_PRESETS[text(form, 'preset')]
  const map: Record<string, string> = {}
  for (const f of MAP_FIELDS) {
    const value = text(form, `attributeMap.${f}`) || preset?.map[f] || ''
    if (value) map[f] = value
  }
  out.attributeMap = map
  return out
}

/** What the form shows for a stored IdP. */
export function idpRowToForm(row: IdpRow): IdpFormValues {
  return {
    name: row.name,
    slug: row.slug,
    entityId: row.entityId,
    ssoUrl: row.ssoUrl,
    ssoBinding: row.ssoBinding,
    sloUrl: row.sloUrl,
    certificates: row.certificates.join('\n\n'),
    emailDomains: row.emailDomains.join(', '),
    allowedGroups: row.allowedGroups.join('\n'),
    nameIdFormat: row.nameIdFormat,
    clockSkewSeconds: row.clockSkewSeconds,
    logoUrl: row.logoUrl,
    attributeMap: { ...row.attributeMap },
    enabled: row.enabled,
    showOnSelection: row.showOnSelection,
    isDefault: row.isDefault,
    signAuthnRequests: row.signAuthnRequests,
    wantAssertionsSigned: row.wantAssertionsSigned,
    allowIdpInitiated: row.allowIdpInitiated,
    allowSha1: row.allowSha1,
  }
}

/** Re-shows what the admin typed after a validation error. */
export function formToValues(form: Form): IdpFormValues {
  const input = idpFormToInput(form)
  return {
    ...(input as IdpFormValues),
    slug: text(form, 'slug'),
    certificates: text(form, 'certificates'),
    emailDomains: text(form, 'emailDomains'),
    allowedGroups: text(form, 'allowedGroups'),
    clockSkewSeconds: text(form, 'clockSkewSeconds'),
  }
}

export function settingsFormToInput(form: Form): Record<string, unknown> {
  const num = (k: string) => (/^\d+$/.test(text(form, k)) ? Number(text(form, k)) : text(form, k))
  return {
    portalName: text(form, 'portalName'),
    primaryColor: text(form, 'primaryColor'),
    logoUrl: text(form, 'logoUrl') || null,
    spEntityId: text(form, 'spEntityId'),
    sessionLifetimeSeconds: num('sessionLifetimeSeconds'),
    clockSkewSeconds: num('clockSkewSeconds'),
    allowSha1: text(form, 'allowSha1') === 'true',
    adminGroups: splitList(text(form, 'adminGroups')),
    auditRetentionDays: num('auditRetentionDays'),
    headerNames: {
      email: text(form, 'headerNames.email') || 'X-SSO-Email',
      name: text(form, 'headerNames.name') || 'X-SSO-Name',
      groups: text(form, 'headerNames.groups') || 'X-SSO-Groups',
      idp: text(form, 'headerNames.idp') || 'X-SSO-IdP',
    },
    userHeader: text(form, 'userHeader.name')
      ? {
          name: text(form, 'userHeader.name'),
          value: text(form, 'userHeader.value') || 'email',
          pathPrefixes: splitList(text(form, 'userHeader.pathPrefixes')),
        }
      : null,
  }
}
