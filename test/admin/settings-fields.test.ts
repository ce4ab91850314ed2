// Settings input (admin/settings-fields.ts): every setting checked, unknown ones and reserved
// header names refused by name, and the console's settings form read into the same shape.
import { describe, expect, it } from 'vitest'
import { parseSettingsInput, settingsInputFromForm } from '../../src/admin/settings-fields'
import { DEFAULT_SETTINGS } from '../../src/store/settings'

const invalidField = (field: string) => expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: { field } })

describe('parseSettingsInput', () => {
  it('accepts a partial settings object and returns only what was given', () => {
    expect(parseSettingsInput({})).toEqual({})
    expect(parseSettingsInput({ portalName: ' Acme Support ', sessionLifetimeSeconds: 3600 })).toEqual({
      portalName: 'Acme Support',
      sessionLifetimeSeconds: 3600,
    })
  })

  it('accepts a complete valid settings object', () => {
    const all = {
      ...DEFAULT_SETTINGS,
      spEntityId: 'https://support.example.com/sso/metadata',
      logoUrl: 'https://cdn.example.com/logo.svg',
      adminAccess: [{ idp: 'acme-okta', group: 'helpdesk-admins' }],
      userHeader: { name: 'X-Forwarded-User', value: 'subject', pathPrefixes: ['/auth/sso'] },
    }
    expect(parseSettingsInput(all)).toEqual(all)
  })

  it("reads a stored user header value 'nameId' (before subjects were namespaced) as 'subject'", () => {
    expect(parseSettingsInput({ userHeader: { name: 'X-User', value: 'nameId' } }).userHeader).toMatchObject({ value: 'subject' })
  })

  it('refuses an unknown setting by name', () => {
    expect(() => parseSettingsInput({ portalname: 'x' })).toThrow(invalidField('portalname'))
    expect(() => parseSettingsInput({ __proto__x: 1 })).toThrow(invalidField('__proto__x'))
  })

  it('lowercases the primary color and refuses what is not #rrggbb', () => {
    expect(parseSettingsInput({ primaryColor: '#AA00Ff' }).primaryColor).toBe('#aa00ff')
    for (const v of ['red', '#abc', '#aabbcc00', 'aabbcc', 0xaabbcc])
      expect(() => parseSettingsInput({ primaryColor: v })).toThrow(invalidField('primaryColor'))
  })

  it('allows an empty SP entity ID (the metadata URL is used) but not a missing portal name', () => {
    expect(parseSettingsInput({ spEntityId: '' }).spEntityId).toBe('')
    expect(() => parseSettingsInput({ portalName: '  ' })).toThrow(invalidField('portalName'))
  })

  it.each([
    ['sessionLifetimeSeconds', 299],
    ['sessionLifetimeSeconds', 30 * 86_400 + 1],
    ['clockSkewSeconds', 901],
    ['clockSkewSeconds', '60'],
    ['auditRetentionDays', 0],
    ['auditRetentionDays', 3651],
    ['allowSha1', 'false'],
    ['logoUrl', 'http://cdn.example.com/logo.png'],
    ['adminGroups', ['admins']],
    ['adminAccess', 'admins'],
    ['adminAccess', [{ idp: 'acme-okta', group: 'x' }, ...Array(50).fill({ idp: 'acme-okta', group: 'x' })]],
  ])('refuses %s = %j naming it', (key, value) => {
    expect(() => parseSettingsInput({ [key]: value })).toThrow(invalidField(key))
  })

  it('names the bad entry of adminAccess', () => {
    expect(() =>
      parseSettingsInput({
        adminAccess: [
          { idp: 'acme-okta', group: 'ok' },
          { idp: 'acme-okta', group: '' },
        ],
      }),
    ).toThrow(invalidField('adminAccess[1].group'))
    expect(() => parseSettingsInput({ adminAccess: ['admins'] })).toThrow(invalidField('adminAccess[0]'))
    expect(() => parseSettingsInput({ adminAccess: [{ idp: 'acme-okta', group: 'x', role: 'owner' }] })).toThrow(invalidField('adminAccess[0].role'))
  })

  it('explains that adminGroups was replaced by (IdP, group) pairs', () => {
    expect(() => parseSettingsInput({ adminGroups: ['admins'] })).toThrow(
      expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', message: expect.stringMatching(/adminAccess.*\(IdP, group\)/) }),
    )
  })
})

describe('parseSettingsInput: identity header names', () => {
  it('refuses two identity headers with one name, in any spelling a server folds together', () => {
    expect(() => parseSettingsInput({ headerNames: { subject: 'X-SSO-Email' } })).toThrow(invalidField('headerNames'))
    expect(() => parseSettingsInput({ headerNames: { org: 'x-sso-IDP' } })).toThrow(invalidField('headerNames'))
  })

  it('fills the header names not given with the defaults', () => {
    expect(parseSettingsInput({ headerNames: { email: 'X-Remote-Email' } }).headerNames).toEqual({ ...DEFAULT_SETTINGS.headerNames, email: 'X-Remote-Email' })
  })

  it.each(['Authorization', 'cookie', 'Set-Cookie', 'HOST', 'sso-jwt', 'X-Forwarded-For', 'CF-Connecting-IP', 'Content-Length', 'transfer-encoding'])(
    'refuses the reserved header %s for an identity header',
    (name) => {
      expect(() => parseSettingsInput({ headerNames: { name } })).toThrow(invalidField('headerNames.name'))
    },
  )

  it('refuses what is not a header name, and unknown keys', () => {
    for (const v of ['X SSO Email', 'X-SSO-Email:', '-X-Email', '', 'X-é', 42])
      expect(() => parseSettingsInput({ headerNames: { email: v } })).toThrow(invalidField('headerNames.email'))
    expect(() => parseSettingsInput({ headerNames: { user: 'X-User' } })).toThrow(invalidField('headerNames.user'))
    expect(() => parseSettingsInput({ headerNames: ['X-Email'] })).toThrow(invalidField('headerNames'))
  })
})

describe('parseSettingsInput: userHeader', () => {
  it('defaults the value to email and the paths to /', () => {
    expect(parseSettingsInput({ userHeader: { name: 'X-Forwarded-User' } }).userHeader).toEqual({
      name: 'X-Forwarded-User',
      value: 'email',
      pathPrefixes: ['/'],
    })
    expect(parseSettingsInput({ userHeader: null }).userHeader).toBeNull()
  })

  it('refuses a reserved name, a bad value and bad paths by name', () => {
    expect(() => parseSettingsInput({ userHeader: { name: 'Authorization' } })).toThrow(invalidField('userHeader.name'))
    expect(() => parseSettingsInput({ userHeader: { name: 'X-User', value: 'upn' } })).toThrow(invalidField('userHeader.value'))
    expect(() => parseSettingsInput({ userHeader: { name: 'X-User', pathPrefixes: [] } })).toThrow(invalidField('userHeader.pathPrefixes'))
    expect(() => parseSettingsInput({ userHeader: { name: 'X-User', pathPrefixes: ['/ok', 'auth'] } })).toThrow(invalidField('userHeader.pathPrefixes[1]'))
    expect(() => parseSettingsInput({ userHeader: 'X-User' })).toThrow(invalidField('userHeader'))
  })
})

describe('the webhook fields', () => {
  it('takes an https URL, plain http only to a loopback host, and empty as off', () => {
    expect(parseSettingsInput({ webhookUrl: 'https://hooks.acme.example/sso?x=1' })).toEqual({ webhookUrl: 'https://hooks.acme.example/sso?x=1' })
    expect(parseSettingsInput({ webhookUrl: 'http://localhost:8788/hooks' })).toEqual({ webhookUrl: 'http://localhost:8788/hooks' })
    expect(parseSettingsInput({ webhookUrl: 'http://127.0.0.1/hooks' })).toEqual({ webhookUrl: 'http://127.0.0.1/hooks' })
    expect(parseSettingsInput({ webhookUrl: '' })).toEqual({ webhookUrl: null })
    expect(parseSettingsInput({ webhookUrl: null })).toEqual({ webhookUrl: null })
    for (const bad of ['http://hooks.acme.example/sso', 'http://10.0.0.1/hooks', 'ftp://hooks.acme.example/', 'javascript:alert(1)', 'hooks.acme.example', 42])
      expect(() => parseSettingsInput({ webhookUrl: bad }), String(bad)).toThrow(invalidField('webhookUrl'))
  })

  it('refuses a URL carrying a user name or password', () => {
    expect(() => parseSettingsInput({ webhookUrl: 'https://user:pass@hooks.acme.example/sso' })).toThrow(invalidField('webhookUrl'))
  })

  it('takes a secret of 16 to 256 printable characters, or null to remove it', () => {
    expect(parseSettingsInput({ webhookSecret: 'whsec_0123456789' })).toEqual({ webhookSecret: 'whsec_0123456789' })
    expect(parseSettingsInput({ webhookSecret: null })).toEqual({ webhookSecret: null })
    for (const bad of ['short', 'x'.repeat(257), 'sixteen chars with spaces', 'tab\tin-a-secret-value', 12345678901234567, ''])
      expect(() => parseSettingsInput({ webhookSecret: bad }), String(bad)).toThrow(invalidField('webhookSecret'))
  })

  it('never takes the sealed secret itself', () => {
    expect(() => parseSettingsInput({ webhookSecretSealed: 'v1.abc.def' })).toThrow(invalidField('webhookSecretSealed'))
  })
})

describe('settingsInputFromForm', () => {
  const form = {
    portalName: ' Acme Support ',
    primaryColor: '#2557D6',
    logoUrl: '',
    spEntityId: '',
    sessionLifetimeSeconds: '3600',
    clockSkewSeconds: '120',
    allowSha1: 'true',
    adminAccess: 'acme-okta: helpdesk-admins\nglobex-entra:IT: EU',
    auditRetentionDays: '30',
    'headerNames.email': 'X-Remote-Email',
    'headerNames.name': '',
    'headerNames.groups': '',
    'headerNames.idp': '',
    'userHeader.name': '',
  }

  it('reads the form into the API shape, which parses as the admin meant', () => {
    const input = settingsInputFromForm(form)
    expect(parseSettingsInput(input)).toEqual({
      portalName: 'Acme Support',
      primaryColor: '#2557d6',
      logoUrl: null,
      supportContact: '',
      discoveryByEmailOnly: false,
      spEntityId: '',
      sessionLifetimeSeconds: 3600,
      clockSkewSeconds: 120,
      allowSha1: true,
      adminAccess: [
        { idp: 'acme-okta', group: 'helpdesk-admins' },
        { idp: 'globex-entra', group: 'IT: EU' },
      ],
      auditRetentionDays: 30,
      headerNames: { ...DEFAULT_SETTINGS.headerNames, email: 'X-Remote-Email' },
      userHeader: null,
      webhookUrl: null,
    })
  })

  it('sends the webhook secret only when one was typed (empty keeps the stored one)', () => {
    expect(settingsInputFromForm({ ...form, webhookSecret: '' })).not.toHaveProperty('webhookSecret')
    expect(settingsInputFromForm({ ...form, webhookUrl: ' https://hooks.acme.example/sso ', webhookSecret: 'whsec_typed-in-the-form-123' })).toMatchObject({
      webhookUrl: 'https://hooks.acme.example/sso',
      webhookSecret: 'whsec_typed-in-the-form-123',
    })
  })

  it('takes a support contact only as an email address or an https URL', () => {
    expect(parseSettingsInput({ supportContact: 'help@acme.example' })).toEqual({ supportContact: 'help@acme.example' })
    expect(parseSettingsInput({ supportContact: 'https://acme.example/help' })).toEqual({ supportContact: 'https://acme.example/help' })
    expect(parseSettingsInput({ supportContact: '' })).toEqual({ supportContact: '' })
    for (const bad of ['javascript:alert(1)', 'http://acme.example/help', 'call us', 'a@b'])
      expect(() => parseSettingsInput({ supportContact: bad }), bad).toThrow(invalidField('supportContact'))
  })

  it('reads an unchecked SHA-1 box as false', () => {
    const { allowSha1, ...rest } = form
    expect(allowSha1).toBe('true')
    expect(settingsInputFromForm(rest).allowSha1).toBe(false)
  })

  it('keeps a non-numeric number as typed, so the parser refuses it by name', () => {
    expect(() => parseSettingsInput(settingsInputFromForm({ ...form, sessionLifetimeSeconds: '8h' }))).toThrow(invalidField('sessionLifetimeSeconds'))
    expect(() => parseSettingsInput(settingsInputFromForm({ ...form, auditRetentionDays: '' }))).toThrow(invalidField('auditRetentionDays'))
  })

  it('turns the user header on with a name, its value and paths', () => {
    const input = settingsInputFromForm({
      ...form,
      'userHeader.name': 'X-Forwarded-User',
      'userHeader.value': '',
      'userHeader.pathPrefixes': '/auth/sso\n/api',
    })
    expect(parseSettingsInput(input).userHeader).toEqual({ name: 'X-Forwarded-User', value: 'email', pathPrefixes: ['/auth/sso', '/api'] })
  })

  it('refuses a reserved header typed into the form by name', () => {
    expect(() => parseSettingsInput(settingsInputFromForm({ ...form, 'headerNames.groups': 'Cookie' }))).toThrow(invalidField('headerNames.groups'))
  })
})
