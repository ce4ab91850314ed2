// The organization field list (admin/organization-fields.ts), plain functions run in workerd: the
// API parser in its create/replace/patch modes, domains normalized as email authority compares
// them (or refused by field), group mappings, unknown fields refused by name, and the console form.
import { describe, expect, it } from 'vitest'
import { MAX_ORGANIZATION_DOMAINS, organizationInputFromForm, parseDomain, parseOrganizationInput } from '../../src/admin/organization-fields'
import { AppError } from '../../src/errors'

/** The AppError `fn` throws (fails the test when it returns). */
function refusal(fn: () => unknown): AppError {
  let err: unknown = null
  try {
    fn()
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(AppError)
  return err as AppError
}

/** The field an ADMIN_INVALID_FIELD refusal names. */
function refusedField(fn: () => unknown): unknown {
  const err = refusal(fn)
  expect(err.code).toBe('ADMIN_INVALID_FIELD')
  return err.detail.field
}

describe('parseOrganizationInput: modes and fields', () => {
  it('takes every field of a complete body', () => {
    const body = {
      name: '  Acme Corp ',
      slug: 'acme',
      domains: ['acme.example', 'acme.test'],
      helpdeskOrganization: 'Acme (Zendesk)',
      trustAnyEmail: true,
      enabled: false,
      groupMappings: [{ idp: 'acme-okta', group: 'Support', helpdeskOrganization: 'Acme Support' }],
    }
    expect(parseOrganizationInput(body, 'create')).toEqual({ ...body, name: 'Acme Corp' })
  })

  it('requires a name to create or replace, and makes up no slug (the service derives a free one on create, keeps the stored one on update)', () => {
    expect(refusedField(() => parseOrganizationInput({ slug: 'acme' }, 'create'))).toBe('name')
    expect(refusedField(() => parseOrganizationInput({}, 'replace'))).toBe('name')
    expect(parseOrganizationInput({ name: 'Société Générale' }, 'create')).toEqual({ name: 'Société Générale' })
    expect(parseOrganizationInput({ name: 'Acme' }, 'replace')).toEqual({ name: 'Acme' })
    expect(parseOrganizationInput({ name: 'Acme', slug: 'acme-eu' }, 'replace')).toEqual({ name: 'Acme', slug: 'acme-eu' })
  })

  it('takes any subset in patch mode, with no default slug', () => {
    expect(parseOrganizationInput({}, 'patch')).toEqual({})
    expect(parseOrganizationInput({ enabled: false }, 'patch')).toEqual({ enabled: false })
    expect(parseOrganizationInput({ name: 'Acme' }, 'patch')).toEqual({ name: 'Acme' })
  })

  it('refuses a body that is not a JSON object', () => {
    for (const body of [null, 'Acme', ['Acme'], 42]) expect(refusal(() => parseOrganizationInput(body, 'create')).code).toBe('ADMIN_INVALID_JSON')
  })

  it('refuses an unknown field by its name, also in patch mode', () => {
    const err = refusal(() => parseOrganizationInput({ name: 'Acme', emailDomains: ['acme.example'] }, 'create'))
    expect(err.code).toBe('ADMIN_INVALID_FIELD')
    expect(err.detail).toEqual({ field: 'emailDomains' })
    expect(err.message).toContain('emailDomains')
    expect(refusedField(() => parseOrganizationInput({ id: 'org_other' }, 'patch'))).toBe('id')
  })

  it('refuses fields of the wrong type or size, naming each', () => {
    expect(refusedField(() => parseOrganizationInput({ name: '' }, 'patch'))).toBe('name')
    expect(refusedField(() => parseOrganizationInput({ name: '   ' }, 'patch'))).toBe('name')
    expect(refusedField(() => parseOrganizationInput({ name: 'x'.repeat(101) }, 'patch'))).toBe('name')
    expect(parseOrganizationInput({ name: 'x'.repeat(100) }, 'patch').name).toHaveLength(100)
    expect(refusedField(() => parseOrganizationInput({ slug: 'Acme Corp' }, 'patch'))).toBe('slug')
    expect(refusedField(() => parseOrganizationInput({ slug: '-acme' }, 'patch'))).toBe('slug')
    expect(refusedField(() => parseOrganizationInput({ trustAnyEmail: 'true' }, 'patch'))).toBe('trustAnyEmail')
    expect(refusedField(() => parseOrganizationInput({ enabled: 1 }, 'patch'))).toBe('enabled')
    expect(refusedField(() => parseOrganizationInput({ helpdeskOrganization: 42 }, 'patch'))).toBe('helpdeskOrganization')
    expect(refusedField(() => parseOrganizationInput({ helpdeskOrganization: 'x'.repeat(256) }, 'patch'))).toBe('helpdeskOrganization')
  })

  it('clears the helpdesk organization with null or an empty string', () => {
    expect(parseOrganizationInput({ helpdeskOrganization: null }, 'patch')).toEqual({ helpdeskOrganization: null })
    expect(parseOrganizationInput({ helpdeskOrganization: '' }, 'patch')).toEqual({ helpdeskOrganization: null })
    expect(parseOrganizationInput({ helpdeskOrganization: ' Acme ' }, 'patch')).toEqual({ helpdeskOrganization: 'Acme' })
  })
})

describe('parseOrganizationInput: domains', () => {
  it('normalizes domains as email authority compares them: no @, lower case, IDN as punycode', () => {
    expect(parseOrganizationInput({ domains: ['@Acme.COM', 'Bücher.Example', ' mail.acme.example '] }, 'patch').domains).toEqual([
      'acme.com',
      'xn--bcher-kva.example',
      'mail.acme.example',
    ])
  })

  it('keeps each domain once, after normalizing', () => {
    expect(parseOrganizationInput({ domains: ['acme.com', 'ACME.com', '@acme.com', 'acme.test'] }, 'patch').domains).toEqual(['acme.com', 'acme.test'])
  })

  it('refuses what is not a plain DNS name, naming the entry', () => {
    for (const bad of [
      'localhost',
      'acme .com',
      'a@b.com',
      'acme.com/path',
      'https://acme.com',
      '127.0.0.1',
      '[::1]',
      'acme..com',
      '-acme.com',
      'acme',
      '',
      42,
      null,
    ]) {
      expect(
        refusedField(() => parseOrganizationInput({ domains: ['ok.example', bad] }, 'patch')),
        String(bad),
      ).toBe('domains[1]')
    }
  })

  it('takes a list of at most MAX_ORGANIZATION_DOMAINS domains', () => {
    const many = Array.from({ length: MAX_ORGANIZATION_DOMAINS }, (_, i) => `d${i}.example`)
    expect(parseOrganizationInput({ domains: many }, 'patch').domains).toEqual(many)
    expect(refusedField(() => parseOrganizationInput({ domains: [...many, 'one-more.example'] }, 'patch'))).toBe('domains')
    expect(refusedField(() => parseOrganizationInput({ domains: 'acme.example' }, 'patch'))).toBe('domains')
    expect(parseOrganizationInput({ domains: [] }, 'patch')).toEqual({ domains: [] })
  })
})

describe('parseOrganizationInput: groupMappings', () => {
  it('takes { idp, group, helpdeskOrganization } entries, the IdP also as idpId', () => {
    const out = parseOrganizationInput(
      {
        groupMappings: [
          { idp: 'acme-okta', group: 'CN=Support,OU=Groups,DC=acme', helpdeskOrganization: 'Acme Support' },
          { idpId: 'idp_0123', group: ' Sales ', helpdeskOrganization: 'Acme Sales' },
        ],
      },
      'patch',
    )
    expect(out.groupMappings).toEqual([
      { idp: 'acme-okta', group: 'CN=Support,OU=Groups,DC=acme', helpdeskOrganization: 'Acme Support' },
      { idp: 'idp_0123', group: 'Sales', helpdeskOrganization: 'Acme Sales' },
    ])
  })

  it('refuses a malformed entry, naming the entry and its field', () => {
    const parse = (groupMappings: unknown) => parseOrganizationInput({ groupMappings }, 'patch')
    expect(refusedField(() => parse({ idp: 'a', group: 'b', helpdeskOrganization: 'c' }))).toBe('groupMappings')
    expect(refusedField(() => parse(['acme-okta: Support = Acme']))).toBe('groupMappings[0]')
    expect(refusedField(() => parse([null]))).toBe('groupMappings[0]')
    expect(
      refusedField(() =>
        parse([
          { idp: 'a', group: 'b', helpdeskOrganization: 'c' },
          { group: 'b', helpdeskOrganization: 'c' },
        ]),
      ),
    ).toBe('groupMappings[1].idp')
    expect(refusedField(() => parse([{ idp: 'a', group: '', helpdeskOrganization: 'c' }]))).toBe('groupMappings[0].group')
    expect(refusedField(() => parse([{ idp: 'a', group: 'b' }]))).toBe('groupMappings[0].helpdeskOrganization')
    expect(refusedField(() => parse([{ idp: 'a', group: 'b', helpdeskOrganization: 'c', role: 'admin' }]))).toBe('groupMappings[0].role')
    expect(refusedField(() => parse([{ idp: 'a', group: 'x'.repeat(513), helpdeskOrganization: 'c' }]))).toBe('groupMappings[0].group')
  })

  it('takes at most 200 mappings', () => {
    const mapping = (i: number) => ({ idp: 'acme-okta', group: `g${i}`, helpdeskOrganization: `Org ${i}` })
    expect(parseOrganizationInput({ groupMappings: Array.from({ length: 200 }, (_, i) => mapping(i)) }, 'patch').groupMappings).toHaveLength(200)
    expect(refusedField(() => parseOrganizationInput({ groupMappings: Array.from({ length: 201 }, (_, i) => mapping(i)) }, 'patch'))).toBe('groupMappings')
  })
})

describe('parseDomain', () => {
  it('returns the normalized domain', () => {
    expect(parseDomain('Acme.Example', 'domain')).toBe('acme.example')
    expect(parseDomain('@acme.example', 'domain')).toBe('acme.example')
    expect(parseDomain('münchen.example', 'domain')).toBe('xn--mnchen-3ya.example')
    expect(parseDomain('xn--mnchen-3ya.example', 'domain')).toBe('xn--mnchen-3ya.example')
    // The ideographic full stop is a dot to IDNA.
    expect(parseDomain('acme\u3002example', 'domain')).toBe('acme.example')
  })

  it('refuses anything else with ADMIN_INVALID_FIELD naming the given field', () => {
    for (const bad of [
      'localhost',
      'acme .example',
      'jane@acme.example',
      '@',
      'acme.example:443',
      'acme.example.',
      '*.acme.example',
      'x'.repeat(254),
      undefined,
    ]) {
      const err = refusal(() => parseDomain(bad, 'domains[3]'))
      expect(err.code, String(bad)).toBe('ADMIN_INVALID_FIELD')
      expect(err.detail).toEqual({ field: 'domains[3]' })
    }
  })
})

describe('organizationInputFromForm', () => {
  it('maps the console form onto the API body, which the parser then takes', () => {
    const body = organizationInputFromForm({
      name: ' Acme Corp ',
      slug: '',
      domains: 'acme.example, acme.test\n@Mail.Acme.Example',
      helpdeskOrganization: '',
      trustAnyEmail: 'true',
      enabled: 'true',
      groupMappings: 'acme-okta: CN=Support,OU=Groups = Acme Support\n\n  acme-entra: Sales = Acme Sales  ',
    })
    expect(body).toEqual({
      name: 'Acme Corp',
      domains: ['acme.example', 'acme.test', '@Mail.Acme.Example'],
      helpdeskOrganization: null,
      trustAnyEmail: true,
      enabled: true,
      groupMappings: [
        { idp: 'acme-okta', group: 'CN=Support,OU=Groups', helpdeskOrganization: 'Acme Support' },
        { idp: 'acme-entra', group: 'Sales', helpdeskOrganization: 'Acme Sales' },
      ],
    })
    expect(parseOrganizationInput(body, 'replace')).toEqual({
      name: 'Acme Corp',
      domains: ['acme.example', 'acme.test', 'mail.acme.example'],
      helpdeskOrganization: null,
      trustAnyEmail: true,
      enabled: true,
      groupMappings: body.groupMappings,
    })
  })

  it('turns unchecked boxes into false and a mapping line without an IdP or organization into one the parser refuses', () => {
    const body = organizationInputFromForm({ name: 'Acme', groupMappings: 'Support = Acme Support\nacme-okta: Sales' })
    expect(body).toMatchObject({ trustAnyEmail: false, enabled: false, domains: [] })
    expect(body.groupMappings).toEqual([
      { idp: '', group: 'Support', helpdeskOrganization: 'Acme Support' },
      { idp: 'acme-okta', group: 'Sales', helpdeskOrganization: '' },
    ])
    expect(refusedField(() => parseOrganizationInput(body, 'replace'))).toBe('groupMappings[0].idp')
  })
})
