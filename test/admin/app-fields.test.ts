// Helpdesk app input (admin/app-fields.ts): each kind's config parsed into its typed shape, PATCH
// merged over the stored config, the kind fixed once created, and the shared-secret rules; the
// console's forms turned into the same bodies, shown again as stored, and refusals named by input.
import { describe, expect, it } from 'vitest'
import {
  appFormValuesFromForm,
  appFormValuesOf,
  appInputFromForm,
  appKindOf,
  asAppFormError,
  MAX_USER_FIELDS,
  newAppFormValues,
  parseAppInput,
  parseSamlAppConfig,
} from '../../src/admin/app-fields'
import { AppError } from '../../src/errors'
import type { AppKindConfig, ZendeskConfig } from '../../src/store/app-configs'
import type { App } from '../../src/store/apps'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'

const invalidField = (field: string) => expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: { field } })

const SECRET = 'zendesk-shared-secret-0123456789'
const ZENDESK = { kind: 'zendesk', name: 'Acme Zendesk', sharedSecret: SECRET, config: { subdomain: 'acme' } }
const FRESHWORKS = { kind: 'freshworks', name: 'Acme Freshdesk', config: { redirectUris: ['https://acme.freshworks.com/sp/OIDC/123/implicit'] } }
const SAML = { kind: 'saml', name: 'Acme Jira', config: { entityId: 'https://acme.atlassian.net', acsUrl: 'https://auth.atlassian.com/saml/abc' } }

/** A stored app as the store returns it. */
function stored(kindConfig: AppKindConfig, extra: Partial<App> = {}): App {
  const at = new Date('2030-01-01T00:00:00Z')
  return { id: 'app_0011', name: 'Stored', slug: 'stored', enabled: true, secretSealed: 'sealed', createdAt: at, updatedAt: at, ...kindConfig, ...extra } as App
}

describe('parseAppInput: common fields', () => {
  it('derives the slug from the name and enables the app by default', () => {
    expect(parseAppInput(FRESHWORKS, null)).toMatchObject({ name: 'Acme Freshdesk', slug: 'acme-freshdesk', enabled: true })
    expect(parseAppInput({ ...FRESHWORKS, slug: 'fd', enabled: false }, null)).toMatchObject({ slug: 'fd', enabled: false })
  })

  it('refuses unknown fields, an unknown kind, a bad name, slug or enabled by name', () => {
    expect(() => parseAppInput({ ...FRESHWORKS, secret: 'x' }, null)).toThrow(invalidField('secret'))
    expect(() => parseAppInput({ ...FRESHWORKS, kind: 'jira' }, null)).toThrow(invalidField('kind'))
    expect(() => parseAppInput({ ...FRESHWORKS, kind: undefined }, null)).toThrow(invalidField('kind'))
    expect(() => parseAppInput({ ...FRESHWORKS, name: ' ' }, null)).toThrow(invalidField('name'))
    expect(() => parseAppInput({ ...FRESHWORKS, name: 'x'.repeat(101) }, null)).toThrow(invalidField('name'))
    expect(() => parseAppInput({ ...FRESHWORKS, slug: 'Acme FD' }, null)).toThrow(invalidField('slug'))
    expect(() => parseAppInput({ ...FRESHWORKS, enabled: 'yes' }, null)).toThrow(invalidField('enabled'))
    expect(() => parseAppInput('zendesk', null)).toThrow(expect.objectContaining({ code: 'ADMIN_INVALID_JSON' }))
  })
})

describe('parseAppInput: Zendesk', () => {
  it('fills the config defaults and passes the secret on to be sealed', () => {
    expect(parseAppInput(ZENDESK, null)).toEqual({
      kind: 'zendesk',
      name: 'Acme Zendesk',
      slug: 'acme-zendesk',
      enabled: true,
      sharedSecret: SECRET,
      config: { subdomain: 'acme', externalIdFrom: 'nameId', tagsFromGroups: false, userFields: {} },
    })
  })

  it('keeps a host-mapped help center URL', () => {
    expect(parseAppInput({ ...ZENDESK, config: { subdomain: 'acme', baseUrl: 'https://help.acme.example' } }, null).config).toMatchObject({
      baseUrl: 'https://help.acme.example/',
    })
  })

  it('needs the shared secret on create, 16 to 512 characters', () => {
    const { sharedSecret, ...noSecret } = ZENDESK
    expect(sharedSecret).toBe(SECRET)
    expect(() => parseAppInput(noSecret, null)).toThrow(invalidField('sharedSecret'))
    expect(() => parseAppInput({ ...ZENDESK, sharedSecret: 'x'.repeat(15) }, null)).toThrow(invalidField('sharedSecret'))
    expect(() => parseAppInput({ ...ZENDESK, sharedSecret: 'x'.repeat(513) }, null)).toThrow(invalidField('sharedSecret'))
    expect(parseAppInput({ ...ZENDESK, sharedSecret: 'x'.repeat(16) }, null).sharedSecret).toHaveLength(16)
  })

  it.each([
    [{ subdomain: 'acme.zendesk.com' }, 'config.subdomain'],
    [{ subdomain: 'Acme' }, 'config.subdomain'],
    [{}, 'config.subdomain'],
    [{ subdomain: 'acme', externalIdFrom: 'email' }, 'config.externalIdFrom'],
    [{ subdomain: 'acme', organizationMap: { 'acme-okta': 42 } }, 'config.organizationMap'],
    [{ subdomain: 'acme', organizationMap: ['Acme'] }, 'config.organizationMap'],
    [{ subdomain: 'acme', tagsFromGroups: 'yes' }, 'config.tagsFromGroups'],
    [{ subdomain: 'acme', userFields: { idp_name: 'email' } }, 'config.userFields'],
    [{ subdomain: 'acme', baseUrl: 'http://help.acme.example' }, 'config.baseUrl'],
    [{ subdomain: 'acme', userFields: Object.fromEntries(Array.from({ length: MAX_USER_FIELDS + 1 }, (_, i) => [`f${i}`, 'idp'])) }, 'config.userFields'],
    [{ subdomain: 'acme', userFields: { ['k'.repeat(129)]: 'idp' } }, 'config.userFields'],
  ])('refuses the config %j naming %s', (config, field) => {
    expect(() => parseAppInput({ ...ZENDESK, config }, null)).toThrow(invalidField(field))
  })

  it('on update keeps the stored secret unless a new one is given', () => {
    const existing = stored({ kind: 'zendesk', config: parseAppInput(ZENDESK, null).config as ZendeskConfig })
    expect(parseAppInput({ name: 'Renamed' }, existing).sharedSecret).toBeUndefined()
    expect(parseAppInput({ sharedSecret: `${SECRET}-new` }, existing).sharedSecret).toBe(`${SECRET}-new`)
    expect(() => parseAppInput({ sharedSecret: 'short' }, existing)).toThrow(invalidField('sharedSecret'))
  })
})

describe('parseAppInput: Freshworks', () => {
  it('keeps the redirect URIs', () => {
    expect(parseAppInput(FRESHWORKS, null).config).toEqual({ redirectUris: ['https://acme.freshworks.com/sp/OIDC/123/implicit'] })
  })

  it('refuses a shared secret: tokens are signed with the gateway key', () => {
    expect(() => parseAppInput({ ...FRESHWORKS, sharedSecret: SECRET }, null)).toThrow(invalidField('sharedSecret'))
  })

  it('needs 1 to 10 https redirect URIs, naming the bad one', () => {
    expect(() => parseAppInput({ ...FRESHWORKS, config: { redirectUris: [] } }, null)).toThrow(invalidField('config.redirectUris'))
    expect(() => parseAppInput({ ...FRESHWORKS, config: {} }, null)).toThrow(invalidField('config.redirectUris'))
    expect(() => parseAppInput({ ...FRESHWORKS, config: { redirectUris: Array(11).fill('https://a.example/cb') } }, null)).toThrow(
      invalidField('config.redirectUris'),
    )
    expect(() => parseAppInput({ ...FRESHWORKS, config: { redirectUris: ['https://a.example/cb', 'http://b.example/cb'] } }, null)).toThrow(
      invalidField('config.redirectUris[1]'),
    )
  })
})

describe('parseAppInput: SAML', () => {
  it('fills the config defaults', () => {
    expect(parseAppInput(SAML, null).config).toEqual({
      entityId: 'https://acme.atlassian.net',
      acsUrl: 'https://auth.atlassian.com/saml/abc',
      nameIdFormat: 'email',
      // Issue 16: signed by default (ruby-saml, pysaml2 and mellon want the Response signed).
      signResponse: true,
      certificates: [],
      encryptAssertions: false,
      encryptionAlgorithm: 'aes256-gcm',
      attributeProfile: 'basic',
      attributeNames: {},
    })
  })

  it('encrypts only with an encryption certificate, and refuses an unknown content algorithm', () => {
    const with_ = (extra: Record<string, unknown>) => parseAppInput({ ...SAML, config: { ...SAML.config, ...extra } }, null).config
    expect(with_({ encryptAssertions: true, encryptionCertificate: TEST_IDP_CERT })).toMatchObject({
      encryptAssertions: true,
      encryptionAlgorithm: 'aes256-gcm',
    })
    expect(() => with_({ encryptAssertions: true })).toThrow(invalidField('config.encryptionCertificate'))
    expect(() => with_({ encryptionCertificate: 'MIIB' })).toThrow(invalidField('config.encryptionCertificate'))
    expect(() => with_({ encryptAssertions: true, encryptionCertificate: TEST_IDP_CERT, encryptionAlgorithm: 'tripledes-cbc' })).toThrow(
      invalidField('config.encryptionAlgorithm'),
    )
  })

  it('takes an attribute profile and refuses an unknown one by name', () => {
    expect(parseAppInput({ ...SAML, config: { ...SAML.config, attributeProfile: 'uri' } }, null).config).toMatchObject({ attributeProfile: 'uri' })
    expect(() => parseAppInput({ ...SAML, config: { ...SAML.config, attributeProfile: 'shibboleth' } }, null)).toThrow(invalidField('config.attributeProfile'))
  })

  it('refuses a shared secret: SAML apps use certificates', () => {
    expect(() => parseAppInput({ ...SAML, sharedSecret: SECRET }, null)).toThrow(invalidField('sharedSecret'))
  })

  it('checks the SP signing certificates and optional SLO URL', () => {
    const config = parseAppInput({ ...SAML, config: { ...SAML.config, certificates: [TEST_IDP_CERT], sloUrl: 'https://acme.example/slo' } }, null).config
    expect(config).toMatchObject({ certificates: [TEST_IDP_CERT.trim()], sloUrl: 'https://acme.example/slo' })
    expect(() => parseAppInput({ ...SAML, config: { ...SAML.config, certificates: ['nope'] } }, null)).toThrow(invalidField('config.certificates[0]'))
  })

  it.each([
    [{ acsUrl: 'https://a.example/acs' }, 'config.entityId'],
    [{ entityId: 'urn:sp' }, 'config.acsUrl'],
    [{ entityId: 'urn:sp', acsUrl: 'http://a.example/acs' }, 'config.acsUrl'],
    [{ entityId: 'urn:sp', acsUrl: 'https://a.example/acs', nameIdFormat: 'transient' }, 'config.nameIdFormat'],
    [{ entityId: 'urn:sp', acsUrl: 'https://a.example/acs', signResponse: 1 }, 'config.signResponse'],
    [{ entityId: 'urn:sp', acsUrl: 'https://a.example/acs', certificates: TEST_IDP_CERT }, 'config.certificates'],
    [{ entityId: 'urn:sp', acsUrl: 'https://a.example/acs', sloUrl: 'ftp://a.example/slo' }, 'config.sloUrl'],
    [{ entityId: 'urn:sp', acsUrl: 'https://a.example/acs', attributeNames: { mail: 'email' } }, 'config.attributeNames.mail'],
    [{ entityId: 'urn:sp', acsUrl: 'https://a.example/acs', attributeNames: { email: 7 } }, 'config.attributeNames.email'],
  ])('refuses the config %j naming %s', (config, field) => {
    expect(() => parseAppInput({ ...SAML, config }, null)).toThrow(invalidField(field))
  })

  it("allows '' as an attribute name: that attribute is not sent", () => {
    expect(parseSamlAppConfig({ ...SAML.config, attributeNames: { groups: '', upstreamIdp: 'idp' } }, undefined).attributeNames).toEqual({
      groups: '',
      upstreamIdp: 'idp',
    })
  })
})

describe('parseAppInput: PATCH over the stored app', () => {
  it('merges config fields over the stored config', () => {
    const existing = stored({
      kind: 'zendesk',
      config: parseAppInput({ ...ZENDESK, config: { subdomain: 'acme', tagsFromGroups: true } }, null).config as ZendeskConfig,
    })
    const fields = parseAppInput({ config: { externalIdFrom: 'none' } }, existing)
    expect(fields).toMatchObject({ kind: 'zendesk', name: 'Stored', slug: 'stored', enabled: true })
    expect(fields.config).toMatchObject({ subdomain: 'acme', tagsFromGroups: true, externalIdFrom: 'none' })
  })

  it('refuses organizationMap, which organizations replaced, and drops one a config stored before them still holds', () => {
    const existing = stored({
      kind: 'zendesk',
      config: { subdomain: 'acme', externalIdFrom: 'nameId', tagsFromGroups: false, organizationMap: { admins: 'Admins' } } as ZendeskConfig,
    })
    expect(() => parseAppInput({ config: { organizationMap: { 'acme-okta': 'Acme Inc.' } } }, existing)).toThrow(invalidField('config.organizationMap'))
    expect(parseAppInput({ config: { tagsFromGroups: true } }, existing).config).not.toHaveProperty('organizationMap')
  })

  it('keeps the stored SAML config when only one field changes', () => {
    const config = parseSamlAppConfig({ ...SAML.config, certificates: [TEST_IDP_CERT] }, undefined)
    const fields = parseAppInput({ config: { signResponse: true } }, stored({ kind: 'saml', config }))
    expect(fields.config).toEqual({ ...config, signResponse: true })
  })

  it('removes an optional config field set to null', () => {
    const config = parseSamlAppConfig({ ...SAML.config, sloUrl: 'https://acme.example/slo' }, undefined)
    expect(parseAppInput({ config: { sloUrl: null } }, stored({ kind: 'saml', config })).config).not.toHaveProperty('sloUrl')
  })

  it('keeps the slug when the name changes', () => {
    const fields = parseAppInput({ name: 'New name' }, stored({ kind: 'freshworks', config: FRESHWORKS.config }))
    expect(fields).toMatchObject({ name: 'New name', slug: 'stored' })
  })

  it('refuses to change the kind', () => {
    const existing = stored({ kind: 'freshworks', config: FRESHWORKS.config })
    expect(() => parseAppInput({ kind: 'saml', config: SAML.config }, existing)).toThrow(invalidField('kind'))
    expect(parseAppInput({ kind: 'freshworks' }, existing).kind).toBe('freshworks')
  })

  it('still checks a merged config value', () => {
    const existing = stored({ kind: 'freshworks', config: FRESHWORKS.config })
    expect(() => parseAppInput({ config: { redirectUris: ['javascript:alert(1)'] } }, existing)).toThrow(invalidField('config.redirectUris[0]'))
  })
})

/** A console form post: checkboxes as the browser sends them (hidden 'false', then 'true' when ticked). */
const ticked = (name: string, on: boolean) => ({ [name]: on ? 'true' : 'false' })

describe('the console forms', () => {
  it('turns a Zendesk form into the API body, the new app off unless ticked', () => {
    const form = {
      name: ' Help ',
      slug: '',
      sharedSecret: ` ${SECRET} `,
      subdomain: 'acme',
      baseUrl: '',
      externalIdFrom: 'none',
      ...ticked('tagsFromGroups', true),
      ...ticked('enabled', false),
      userFields: 'sso_idp = idp\n\n org_field=organization ',
    }
    const body = appInputFromForm('zendesk', form, true)
    expect(body).toEqual({
      kind: 'zendesk',
      name: 'Help',
      enabled: false,
      sharedSecret: SECRET,
      config: { subdomain: 'acme', baseUrl: '', externalIdFrom: 'none', tagsFromGroups: true, userFields: { sso_idp: 'idp', org_field: 'organization' } },
    })
    expect(parseAppInput(body, null)).toMatchObject({ slug: 'help', enabled: false, config: { externalIdFrom: 'none' } })
    // A new app without the box at all is off too.
    expect(appInputFromForm('freshworks', { name: 'X', redirectUris: '' }, true).enabled).toBe(false)
  })

  it('refuses a user-fields line that is not key = source, naming the field', () => {
    expect(() => appInputFromForm('zendesk', { name: 'Help', userFields: 'just-a-key' }, true)).toThrow(invalidField('config.userFields'))
  })

  it('leaves the secret and the on/off state alone on an edit form that does not carry them', () => {
    const body = appInputFromForm('zendesk', { name: 'Help', subdomain: 'acme', sharedSecret: '' }, false)
    expect(body).not.toHaveProperty('sharedSecret')
    expect(body).not.toHaveProperty('enabled')
    expect(body).not.toHaveProperty('kind')
  })

  it('turns a Freshworks form into redirect URIs, one per line', () => {
    const body = appInputFromForm('freshworks', { name: 'Desk', redirectUris: 'https://a.example/cb\n\nhttps://b.example/cb\n' }, true)
    expect(body.config).toEqual({ redirectUris: ['https://a.example/cb', 'https://b.example/cb'] })
  })

  it('turns a SAML by-values form into the config, a dash meaning "do not send"', () => {
    const body = appInputFromForm(
      'saml',
      {
        name: 'JSM',
        entityId: 'https://acme.atlassian.net/sp ',
        acsUrl: 'https://auth.atlassian.com/saml/acme',
        certificates: `${TEST_IDP_CERT}\n${TEST_IDP_CERT}`,
        nameIdFormat: 'email',
        ...ticked('signResponse', true),
        sloUrl: '',
        sloBinding: 'post',
        ...ticked('encryptAssertions', false),
        encryptionCertificate: '',
        attributeProfile: 'jsm',
        'attr-email': 'User.Email',
        'attr-groups': '-',
        'attr-firstName': '',
      },
      true,
    )
    const config = parseAppInput(body, null).config
    expect(config).toMatchObject({
      entityId: 'https://acme.atlassian.net/sp',
      acsUrl: 'https://auth.atlassian.com/saml/acme',
      signResponse: true,
      attributeProfile: 'jsm',
      attributeNames: { email: 'User.Email', groups: '' },
    })
    expect(config).not.toHaveProperty('sloUrl')
    expect((config as { certificates: string[] }).certificates).toHaveLength(2)
  })

  it('shows a stored app as its form again: saving it unchanged stores the same config', () => {
    const samlConfig = parseSamlAppConfig(
      { ...SAML.config, certificates: [TEST_IDP_CERT], sloUrl: 'https://acme.example/slo', attributeNames: { groups: '', email: 'mail' } },
      undefined,
    )
    for (const app of [
      stored({ kind: 'saml', config: { ...samlConfig, metadataUrl: 'https://acme.example/md' } }),
      stored({
        kind: 'zendesk',
        config: parseAppInput({ ...ZENDESK, config: { subdomain: 'acme', userFields: { f: 'groups' } } }, null).config as ZendeskConfig,
      }),
      stored({ kind: 'freshworks', config: FRESHWORKS.config }),
    ]) {
      const values = appFormValuesOf(app)
      const form: Record<string, string> = {}
      for (const [k, v] of Object.entries(values)) {
        if (k === 'attributeNames') for (const [f, name] of Object.entries(v as Record<string, string>)) form[`attr-${f}`] = name
        else form[k] = String(v)
      }
      expect(parseAppInput(appInputFromForm(app.kind, form, false), app).config, app.kind).toEqual(app.config)
    }
    expect(appFormValuesOf(stored({ kind: 'saml', config: samlConfig })).attributeNames).toMatchObject({ groups: '-', email: 'mail', firstName: '' })
  })

  it('shows a refused form as typed, every attribute input included', () => {
    const values = appFormValuesFromForm({ name: ' JSM ', acsUrl: 'http://x', ...ticked('signResponse', false), 'attr-email': 'mail' })
    expect(values).toMatchObject({ name: 'JSM', acsUrl: 'http://x', signResponse: false, attributeNames: { email: 'mail', groups: '' } })
    expect(Object.keys(newAppFormValues().attributeNames!)).toEqual(Object.keys(values.attributeNames!))
    expect(newAppFormValues().enabled).toBe(false)
  })

  it('names a refusal by the form input it belongs to', () => {
    const named = (field: string) => asAppFormError(new AppError('ADMIN_INVALID_FIELD', `${field}: must be something`, { field })) as AppError
    expect(named('config.acsUrl')).toMatchObject({ message: 'acsUrl: must be something', detail: { field: 'acsUrl' } })
    expect(named('config.redirectUris[3]').detail.field).toBe('redirectUris')
    expect(named('config.certificates[0]').detail.field).toBe('certificates')
    expect(named('config.attributeNames.email').detail.field).toBe('attr-email')
    expect(named('name').detail.field).toBe('name')
    const other = new Error('boom')
    expect(asAppFormError(other)).toBe(other)
  })

  it('knows the three kinds and nothing else', () => {
    expect(['zendesk', 'freshworks', 'saml', 'jira', undefined].map(appKindOf)).toEqual(['zendesk', 'freshworks', 'saml', null, null])
  })
})
