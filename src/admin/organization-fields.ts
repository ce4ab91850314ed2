/**
 * Parses organization bodies (`/sso/admin/api/organizations`, and the console's form converted to
 * the same shape). Domains are normalized as email authority compares them (lower case, IDN in
 * ASCII); unknown fields are refused by name. IdPs named in groupMappings are resolved by the service.
 */
import { bool, invalid, optStr, parseDomain, parseSlug, requireObject, str } from './validate'
import { splitLines, splitList } from './idp-fields'

/** Most domains one organization may claim. */
export const MAX_ORGANIZATION_DOMAINS = 50

export interface GroupMappingInput {
  /** The IdP by id or slug; it must belong to this organization. */
  idp: string
  group: string
  helpdeskOrganization: string
}

export interface OrganizationInput {
  name?: string
  slug?: string
  domains?: string[]
  helpdeskOrganization?: string | null
  trustAnyEmail?: boolean
  enabled?: boolean
  groupMappings?: GroupMappingInput[]
}

export { parseDomain }

function groupMappings(v: unknown): GroupMappingInput[] {
  if (!Array.isArray(v) || v.length > 200) invalid('groupMappings', 'must be a list of at most 200 { idp, group, helpdeskOrganization }')
  return v.map((m: unknown, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) invalid(`groupMappings[${i}]`, 'must be { idp, group, helpdeskOrganization }')
    const o = m as Record<string, unknown>
    for (const key of Object.keys(o))
      if (!['idp', 'idpId', 'group', 'helpdeskOrganization'].includes(key)) invalid(`groupMappings[${i}].${key}`, 'unknown field')
    return {
      idp: str(o.idp ?? o.idpId, `groupMappings[${i}].idp`, 128),
      group: str(o.group, `groupMappings[${i}].group`, 512),
      helpdeskOrganization: str(o.helpdeskOrganization, `groupMappings[${i}].helpdeskOrganization`, 255),
    }
  })
}

const FIELDS = ['name', 'slug', 'domains', 'helpdeskOrganization', 'trustAnyEmail', 'enabled', 'groupMappings'] as const

/**
 * `create` and `replace` need a name; `patch` takes any subset. A slug left out is not made up
 * here: on create the service derives a free one from the name, on update the stored one stays
 * (the portal keys organizations by it, as X-SSO-Org).
 */
export function parseOrganizationInput(body: unknown, mode: 'create' | 'replace' | 'patch'): OrganizationInput {
  const input = requireObject(body)
  for (const key of Object.keys(input)) if (!(FIELDS as readonly string[]).includes(key)) invalid(key, 'unknown field')
  const out: OrganizationInput = {}
  if (input.name !== undefined) out.name = str(input.name, 'name', 100)
  if (input.slug !== undefined) out.slug = parseSlug(input.slug)
  if (input.domains !== undefined) {
    if (!Array.isArray(input.domains) || input.domains.length > MAX_ORGANIZATION_DOMAINS)
      invalid('domains', `must be a list of at most ${MAX_ORGANIZATION_DOMAINS} domains`)
    const domains = input.domains.map((d, i) => parseDomain(d, `domains[${i}]`))
    out.domains = [...new Set(domains)]
  }
  if (input.helpdeskOrganization !== undefined) out.helpdeskOrganization = optStr(input.helpdeskOrganization, 'helpdeskOrganization', 255)
  if (input.trustAnyEmail !== undefined) out.trustAnyEmail = bool(input.trustAnyEmail, 'trustAnyEmail')
  if (input.enabled !== undefined) out.enabled = bool(input.enabled, 'enabled')
  if (input.groupMappings !== undefined) out.groupMappings = groupMappings(input.groupMappings)
  if (mode !== 'patch' && out.name === undefined) invalid('name', 'is required')
  return out
}

/** The console's organization form as the API's JSON shape. Group mappings: `idp-slug: group = helpdesk organization` lines. */
export function organizationInputFromForm(form: Record<string, string>): Record<string, unknown> {
  const text = (k: string) => (form[k] ?? '').trim()
  return {
    name: text('name'),
    ...(text('slug') ? { slug: text('slug') } : {}),
    domains: splitList(text('domains')),
    helpdeskOrganization: text('helpdeskOrganization') || null,
    trustAnyEmail: text('trustAnyEmail') === 'true',
    enabled: text('enabled') === 'true',
    groupMappings: splitLines(text('groupMappings')).map((line) => {
      const eq = line.lastIndexOf('=')
      const head = eq < 0 ? line : line.slice(0, eq)
      const colon = head.indexOf(':')
      return {
        idp: colon < 0 ? '' : head.slice(0, colon).trim(),
        group: (colon < 0 ? head : head.slice(colon + 1)).trim(),
        helpdeskOrganization: eq < 0 ? '' : line.slice(eq + 1).trim(),
      }
    }),
  }
}
