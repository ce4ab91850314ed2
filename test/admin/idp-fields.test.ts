// The IdP field list (admin/idp-fields.ts): the API parser every IdP value goes through, the
// console form mapping onto it, and how the API shows a stored IdP.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ATTRIBUTE_PRESETS } from '../../src/admin/attribute-presets'
import { idpFormValuesFromForm, idpFormValuesFromRow, idpInputFromForm, idpView, parseIdpInput, type IdpFormValues } from '../../src/admin/idp-fields'
import type { IdpRow } from '../../src/store/idps'
import { OTHER_IDP_CERT, TEST_IDP_CERT } from '../fixtures/idp-keys'
import { seedIdp, type IdpSeed } from '../helpers/tenants'

const invalidField = (field: string) => expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: { field } })

const REQUIRED = {
  name: 'Acme Corp (Okta)',
  entityId: 'http://www.okta.com/exk-acme',
  ssoUrl: 'https://acme.okta.com/app/sso/saml',
  certificates: [TEST_IDP_CERT],
}
const BARE_DER = TEST_IDP_CERT.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')
const OTHER_DER = OTHER_IDP_CERT.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')

let stored = 0
/** A stored IdP row (real D1), with unique slug and entity ID. */
async function storedIdp(fields: Partial<IdpSeed> = {}): Promise<IdpRow> {
  stored++
  const all = { ...REQUIRED, slug: `stored-${stored}`, entityId: `urn:idp:stored-${stored}`, ...fields } as IdpSeed
  return seedIdp(env.DB, `idp_stored${stored}`, all, new Date('2030-01-01T00:00:00Z'))
}

/** What the browser posts for form values as the console shows them (a checked box sends 'true'). */
function asPostedForm(values: IdpFormValues): Record<string, string> {
  const form: Record<string, string> = {}
  for (const [key, value] of Object.entries(values)) {
    if (key === 'attributeMap') for (const [f, name] of Object.entries(value as Record<string, string>)) form[`attributeMap.${f}`] = name
    else if (typeof value === 'boolean') form[key] = String(value)
    else form[key] = value === null || value === undefined ? '' : String(value)
  }
  return form
}

describe('parseIdpInput: create and replace', () => {
  it('accepts the required fields and derives the slug from the name on create, never on replace (a slug never changes)', () => {
    expect(parseIdpInput(REQUIRED, 'create')).toEqual({ ...REQUIRED, slug: 'acme-corp-okta', protocol: 'saml' })
    expect(parseIdpInput(REQUIRED, 'replace')).not.toHaveProperty('slug')
  })

  it('keeps a slug the admin chose', () => {
    expect(parseIdpInput({ ...REQUIRED, slug: 'acme' }, 'create').slug).toBe('acme')
  })

  it.each(['name', 'entityId', 'ssoUrl', 'certificates'])('refuses a create or replace without %s, naming it', (field) => {
    const body: Record<string, unknown> = { ...REQUIRED }
    delete body[field]
    expect(() => parseIdpInput(body, 'create')).toThrow(invalidField(field))
    expect(() => parseIdpInput(body, 'replace')).toThrow(invalidField(field))
  })

  it('reads every optional field into its stored shape', () => {
    const parsed = parseIdpInput(
      {
        ...REQUIRED,
        ssoBinding: 'post',
        sloUrl: 'https://acme.okta.com/slo',
        sloBinding: null,
        enabled: false,
        showOnSelection: false,
        isDefault: true,
        allowedGroups: [' support '],
        signAuthnRequests: true,
        wantAssertionsSigned: true,
        allowIdpInitiated: true,
        allowSha1: true,
        clockSkewSeconds: null,
        nameIdFormat: '',
        logoUrl: 'https://cdn.acme.example/logo.png',
        sortOrder: 30,
        metadataUrl: 'https://acme.okta.com/app/metadata',
      },
      'create',
    )
    expect(parsed).toMatchObject({
      ssoBinding: 'post',
      sloUrl: 'https://acme.okta.com/slo',
      sloBinding: null,
      enabled: false,
      isDefault: true,
      allowedGroups: ['support'],
      clockSkewSeconds: null,
      nameIdFormat: null,
      sortOrder: 30,
      metadataUrl: 'https://acme.okta.com/app/metadata',
    })
  })
})

describe('parseIdpInput: patch', () => {
  it('takes any subset and adds nothing else', () => {
    expect(parseIdpInput({}, 'patch')).toEqual({})
    expect(parseIdpInput({ enabled: false }, 'patch')).toEqual({ enabled: false })
    expect(parseIdpInput({ name: 'Renamed' }, 'patch')).toEqual({ name: 'Renamed' })
  })

  it('takes a metadataSigningCertificate, and null or empty to remove it', () => {
    expect(parseIdpInput({ metadataSigningCertificate: TEST_IDP_CERT }, 'patch')).toEqual({ metadataSigningCertificate: TEST_IDP_CERT.trim() })
    expect(parseIdpInput({ metadataSigningCertificate: '' }, 'patch')).toEqual({ metadataSigningCertificate: null })
    expect(parseIdpInput({ metadataSigningCertificate: null }, 'patch')).toEqual({ metadataSigningCertificate: null })
  })

  it('still checks every value it is given', () => {
    expect(() => parseIdpInput({ ssoUrl: 'http://acme.example/sso' }, 'patch')).toThrow(invalidField('ssoUrl'))
    expect(() => parseIdpInput({ name: '' }, 'patch')).toThrow(invalidField('name'))
  })
})

describe('parseIdpInput: refusals by name', () => {
  it('refuses unknown fields by name, so a typo never silently does nothing', () => {
    expect(() => parseIdpInput({ ...REQUIRED, enabeld: false }, 'create')).toThrow(invalidField('enabeld'))
    expect(() => parseIdpInput({ id: 'idp_x' }, 'patch')).toThrow(invalidField('id'))
    expect(() => parseIdpInput({ createdAt: 1 }, 'patch')).toThrow(invalidField('createdAt'))
    expect(() => parseIdpInput({ certificateInfo: [] }, 'patch')).toThrow(invalidField('certificateInfo'))
  })

  it('refuses the read-only metadataRefreshedAt by name', () => {
    expect(() => parseIdpInput({ metadataRefreshedAt: '2030-01-01T00:00:00Z' }, 'patch')).toThrow(invalidField('metadataRefreshedAt'))
  })

  it('refuses a body that is not a JSON object', () => {
    expect(() => parseIdpInput([REQUIRED], 'create')).toThrow(expect.objectContaining({ code: 'ADMIN_INVALID_JSON' }))
  })

  it.each([
    ['ssoBinding', 'artifact', 'ssoBinding'],
    ['ssoBinding', null, 'ssoBinding'],
    ['sloBinding', 'soap', 'sloBinding'],
    ['enabled', 'true', 'enabled'],
    ['clockSkewSeconds', 901, 'clockSkewSeconds'],
    ['clockSkewSeconds', -1, 'clockSkewSeconds'],
    ['clockSkewSeconds', '60', 'clockSkewSeconds'],
    ['sortOrder', 1.5, 'sortOrder'],
    ['sortOrder', 2e6, 'sortOrder'],
    ['certificates', ['MIIB'], 'certificates[0]'],
    ['metadataSigningCertificate', 'MIIB', 'metadataSigningCertificate'],
    ['metadataSigningCertificate', [TEST_IDP_CERT], 'metadataSigningCertificate'],
    ['attributeMap', ['email'], 'attributeMap'],
    ['attributeMap', { mail: 'email' }, 'attributeMap.mail'],
    ['attributeMap', { email: 42 }, 'attributeMap.email'],
    ['allowedGroups', 'support', 'allowedGroups'],
    ['logoUrl', 'javascript:alert(1)', 'logoUrl'],
  ])('refuses %s = %j naming %s', (key, value, field) => {
    expect(() => parseIdpInput({ [key]: value }, 'patch')).toThrow(invalidField(field))
  })
})

describe('parseIdpInput: email domains and attribute map', () => {
  it('normalizes email domains: lowercase, no leading @, trimmed', () => {
    expect(parseIdpInput({ emailDomains: ['@Acme.COM', ' Support.Acme.example '] }, 'patch').emailDomains).toEqual(['acme.com', 'support.acme.example'])
  })

  it('refuses what is not a domain, naming the entry', () => {
    expect(() => parseIdpInput({ emailDomains: ['acme.com', 'localhost'] }, 'patch')).toThrow(invalidField('emailDomains[1]'))
    expect(() => parseIdpInput({ emailDomains: ['jane@acme.com'] }, 'patch')).toThrow(invalidField('emailDomains[0]'))
    expect(() => parseIdpInput({ emailDomains: ['acme .com'] }, 'patch')).toThrow(invalidField('emailDomains[0]'))
  })

  it('keeps the mapped attribute names and drops empty ones', () => {
    expect(parseIdpInput({ attributeMap: { email: ' mail ', groups: '', displayName: null } }, 'patch').attributeMap).toEqual({ email: 'mail' })
  })
})

describe('idpInputFromForm: the console form as the API shape', () => {
  const form = {
    name: ' Acme ',
    slug: '',
    entityId: 'urn:acme',
    ssoUrl: 'https://acme.example/sso',
    ssoBinding: '',
    sloUrl: '',
    certificates: `${TEST_IDP_CERT}\n${OTHER_IDP_CERT}`,
    enabled: 'true',
    showOnSelection: 'false',
    emailDomains: 'acme.com, acme.example\n\nsupport.acme.com',
    allowedGroups: 'support\nadmins\n',
    clockSkewSeconds: '',
    nameIdFormat: '',
    logoUrl: '',
    preset: '',
  }

  it('maps texts, checkboxes, lists and certificates', () => {
    const input = idpInputFromForm(form)
    expect(input).toMatchObject({
      name: 'Acme',
      ssoBinding: 'redirect',
      sloUrl: null,
      enabled: true,
      showOnSelection: false,
      emailDomains: ['acme.com', 'acme.example', 'support.acme.com'],
      allowedGroups: ['support', 'admins'],
      nameIdFormat: null,
      logoUrl: null,
      attributeMap: {},
    })
    expect(input.certificates).toEqual([TEST_IDP_CERT.trim(), OTHER_IDP_CERT.trim()])
  })

  it('leaves an absent checkbox out, so the stored value stays', () => {
    const input = idpInputFromForm(form)
    expect(input).not.toHaveProperty('isDefault')
    expect(input).not.toHaveProperty('allowSha1')
  })

  it('leaves out an empty slug, so the parser derives it from the name', () => {
    expect(idpInputFromForm(form)).not.toHaveProperty('slug')
    expect(parseIdpInput(idpInputFromForm(form), 'create').slug).toBe('acme')
    expect(idpInputFromForm({ ...form, slug: ' acme-eu ' }).slug).toBe('acme-eu')
  })

  it('splits bare base64 certificates on blank lines', () => {
    expect(idpInputFromForm({ ...form, certificates: `${BARE_DER}\n\n  \n${OTHER_DER}\n` }).certificates).toEqual([BARE_DER, OTHER_DER])
  })

  it('reads an empty clock skew as null (the gateway default), digits as a number, anything else as refused', () => {
    expect(idpInputFromForm(form).clockSkewSeconds).toBeNull()
    expect(idpInputFromForm({ ...form, clockSkewSeconds: ' 120 ' }).clockSkewSeconds).toBe(120)
    expect(() => parseIdpInput(idpInputFromForm({ ...form, clockSkewSeconds: '2 min' }), 'create')).toThrow(invalidField('clockSkewSeconds'))
    expect(() => parseIdpInput(idpInputFromForm({ ...form, clockSkewSeconds: '9999' }), 'create')).toThrow(invalidField('clockSkewSeconds'))
  })

  it('fills empty attribute fields from the chosen preset and keeps what the admin typed', () => {
    const input = idpInputFromForm({ ...form, preset: 'entra', 'attributeMap.email': 'upn' })
    expect(input.attributeMap).toEqual({ ...ATTRIBUTE_PRESETS.entra!.map, email: 'upn' })
  })

  it('ignores an unknown preset', () => {
    expect(idpInputFromForm({ ...form, preset: 'nope', 'attributeMap.groups': 'memberOf' }).attributeMap).toEqual({ groups: 'memberOf' })
  })

  it('posts an empty required field as empty, which the parser refuses by name', () => {
    expect(() => parseIdpInput(idpInputFromForm({ ...form, entityId: '  ' }), 'create')).toThrow(invalidField('entityId'))
    expect(() => parseIdpInput(idpInputFromForm({ ...form, certificates: '' }), 'create')).toThrow(invalidField('certificates'))
  })

  it('gives a console-made IdP the same fields as the API body would', () => {
    const parsed = parseIdpInput(idpInputFromForm(form), 'create')
    expect(parsed).toEqual(
      parseIdpInput(
        {
          name: 'Acme',
          entityId: 'urn:acme',
          ssoUrl: 'https://acme.example/sso',
          ssoBinding: 'redirect',
          sloUrl: null,
          certificates: [TEST_IDP_CERT, OTHER_IDP_CERT],
          enabled: true,
          showOnSelection: false,
          emailDomains: ['acme.com', 'acme.example', 'support.acme.com'],
          attributeMap: {},
          allowedGroups: ['support', 'admins'],
          clockSkewSeconds: null,
          nameIdFormat: null,
          logoUrl: null,
          metadataSigningCertificate: null,
        },
        'create',
      ),
    )
  })
})

describe('idpFormValuesFromRow: what the console shows for a stored IdP', () => {
  it('joins lists for the text areas and keeps booleans and the attribute map', async () => {
    const row = await storedIdp({
      certificates: [TEST_IDP_CERT.trim(), BARE_DER],
      emailDomains: ['acme.com', 'acme.example'],
      allowedGroups: ['support', 'admins'],
      attributeMap: { email: 'mail' },
      clockSkewSeconds: 60,
      isDefault: true,
    })
    const values = idpFormValuesFromRow(row)
    expect(values).toMatchObject({
      name: REQUIRED.name,
      emailDomains: 'acme.com, acme.example',
      allowedGroups: 'support\nadmins',
      certificates: `${TEST_IDP_CERT.trim()}\n\n${BARE_DER}`,
      attributeMap: { email: 'mail' },
      clockSkewSeconds: 60,
      isDefault: true,
      enabled: true,
      sloUrl: null,
    })
  })

  it('leaves out what the form does not edit', async () => {
    const values = idpFormValuesFromRow(await storedIdp({ metadataUrl: 'https://acme.example/md', sortOrder: 40 }))
    for (const key of ['sortOrder', 'metadataUrl', 'sloBinding', 'metadataRefreshedAt', 'id', 'createdAt']) expect(values).not.toHaveProperty(key)
  })

  it('round-trips: saving the form unchanged gives the stored values back', async () => {
    const row = await storedIdp({ emailDomains: ['acme.com'], allowedGroups: ['support'], certificates: [TEST_IDP_CERT.trim(), OTHER_IDP_CERT.trim()] })
    const parsed = parseIdpInput(idpInputFromForm(asPostedForm(idpFormValuesFromRow(row))), 'replace')
    for (const key of Object.keys(parsed) as Exclude<keyof typeof parsed, 'clientSecret'>[]) expect(parsed[key], key).toEqual(row[key])
  })

  // allowedGroups is one group per line: a group name with commas (an LDAP DN, as Shibboleth's
  // isMemberOf sends) survives a console save (found by this test: it used to split on commas).
  it('keeps an allowed group whose name has commas (an LDAP DN) through a console save', async () => {
    const dn = 'cn=support,ou=groups,dc=acme,dc=example'
    const row = await storedIdp({ allowedGroups: [dn, 'admins'] })
    const input = idpInputFromForm(asPostedForm(idpFormValuesFromRow(row)))
    expect(input.allowedGroups).toEqual([dn, 'admins'])
  })
})

describe('idpFormValuesFromForm: re-showing what the admin typed after an error', () => {
  it('keeps list, certificate, number and slug fields as typed, and parses the rest', () => {
    const form = {
      name: 'Acme',
      slug: 'Bad Slug',
      emailDomains: 'acme.com,\nnot a domain',
      allowedGroups: 'a\nb',
      certificates: 'garbage',
      clockSkewSeconds: 'soon',
      enabled: 'true',
      preset: 'okta',
    }
    expect(idpFormValuesFromForm(form)).toMatchObject({
      name: 'Acme',
      slug: 'Bad Slug',
      emailDomains: 'acme.com,\nnot a domain',
      allowedGroups: 'a\nb',
      certificates: 'garbage',
      clockSkewSeconds: 'soon',
      enabled: true,
      attributeMap: ATTRIBUTE_PRESETS.okta!.map,
    })
  })
})

describe('idpView: the API shape of a stored IdP', () => {
  it('adds certificate details with warnings for the given time and writes dates as ISO strings', async () => {
    const row = await storedIdp({ certificates: [TEST_IDP_CERT.trim(), BARE_DER] })
    const view = await idpView(row, new Date('2026-11-01T00:00:00Z'))
    expect(view.certificateInfo).toHaveLength(2)
    expect(view.certificateInfo[0]).toMatchObject({ subject: 'CN=Test IdP (gateway tests)', warning: 'not-yet-valid' })
    expect(view.createdAt).toBe('2030-01-01T00:00:00.000Z')
    expect(view.updatedAt).toBe('2030-01-01T00:00:00.000Z')
    expect(view.metadataRefreshedAt).toBeNull()
    expect((await idpView(row, new Date('2031-01-01T00:00:00Z'))).certificateInfo[1]!.warning).toBeNull()
  })

  it('shows the metadata refresh time once there is one', async () => {
    const row = await storedIdp({ metadataRefreshedAt: new Date('2031-02-03T04:05:06Z') })
    expect((await idpView(row, new Date('2031-03-01T00:00:00Z'))).metadataRefreshedAt).toBe('2031-02-03T04:05:06.000Z')
  })
})
