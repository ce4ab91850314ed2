// Helpdesk app admin operations (admin/apps.ts): create, import from SP metadata, update and
// delete, each audited; the view never carries the shared secret and tells the admin what to enter
// in the helpdesk (for Freshworks, the public key of the gateway's signing certificate).
import { env } from 'cloudflare:workers'
import { CompactSign, compactVerify, generateKeyPair, importSPKI } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  appDetail,
  appView,
  brokerCertificateFile,
  brokerSetup,
  createApp,
  deleteApp,
  importSamlApp,
  listAppSummaries,
  listAppViews,
  previewSetup,
  refreshSamlApp,
  requireApp,
  rotateAppSecret,
  setAppEnabled,
  updateApp,
} from '../../src/admin/apps'
import { stageSpKey } from '../../src/admin/keys'
import { runMaintenance } from '../../src/scheduled'
import { decodeBase64 } from '../../src/saml/encoding'
import { certificateFingerprint, parseCertificate } from '../../src/saml/x509'
import { signingKey } from '../../src/sso/signing-key'
import { getApp, openAppSecret } from '../../src/store/apps'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { lastAuditRow, testContext } from '../helpers/context'

const SECRET = 'zendesk-shared-secret-0123456789abcdef'
const ZENDESK = { kind: 'zendesk', name: 'Acme Zendesk', sharedSecret: SECRET, config: { subdomain: 'acme' } }
const FRESHWORKS = { kind: 'freshworks', name: 'Acme Freshdesk', config: { redirectUris: ['https://acme.freshworks.com/sp/OIDC/1/implicit'] } }
const SAML = { kind: 'saml', name: 'Acme Jira', config: { entityId: 'https://acme.atlassian.net', acsUrl: 'https://auth.atlassian.com/saml/acme' } }
const TEST_IDP_DER = TEST_IDP_CERT.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '')

/** SP metadata as Atlassian Guard shows it, asking for signed AuthnRequests. */
const SIGNED_SP_METADATA = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://acme.atlassian.net/sp">
<md:SPSSODescriptor AuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${TEST_IDP_DER}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://auth.atlassian.com/saml/redirect" index="0"/>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://auth.atlassian.com/saml/acme" index="1" isDefault="true"/>
</md:SPSSODescriptor>
</md:EntityDescriptor>`

const ctx = () => testContext({ actor: 'admin-token' })
const invalidField = (field: string) => expect.objectContaining({ code: 'ADMIN_INVALID_FIELD', detail: expect.objectContaining({ field }) })

async function count(sql: string): Promise<number> {
  return (await env.DB.prepare(sql).first<{ n: number }>())!.n
}

beforeEach(async () => {
  await env.DB.batch([env.DB.prepare('DELETE FROM apps'), env.DB.prepare('DELETE FROM audit_log')])
})

describe('createApp', () => {
  it('stores a Zendesk app with its secret sealed and audits the creation', async () => {
    const app = await createApp(ctx(), ZENDESK, 'api')
    expect(app.id).toMatch(/^app_[0-9a-f]{18}$/)
    expect(app).toMatchObject({ kind: 'zendesk', name: 'Acme Zendesk', slug: 'acme-zendesk', enabled: true })
    expect(app.secretSealed).not.toContain(SECRET)
    expect(await openAppSecret(env.SSO_SECRET, (await getApp(env.DB, app.id))!)).toBe(SECRET)
    expect(await count('SELECT COUNT(*) AS n FROM audit_log')).toBe(1)
    expect(await lastAuditRow('app.create')).toMatchObject({ outcome: 'success', actor: 'admin-token', detail: { appId: app.id, kind: 'zendesk', via: 'api' } })
  })

  it('stores nothing and writes no success row when the input is refused', async () => {
    await expect(createApp(ctx(), { ...ZENDESK, sharedSecret: 'short' }, 'api')).rejects.toThrow(invalidField('sharedSecret'))
    await expect(createApp(ctx(), { ...SAML, config: { entityId: 'urn:sp' } }, 'console')).rejects.toThrow(invalidField('config.acsUrl'))
    expect(await count('SELECT COUNT(*) AS n FROM apps')).toBe(0)
    expect(await count('SELECT COUNT(*) AS n FROM audit_log')).toBe(0)
  })

  it('refuses a slug another app uses with ADMIN_CONFLICT', async () => {
    await createApp(ctx(), FRESHWORKS, 'api')
    await expect(createApp(ctx(), { ...SAML, slug: 'acme-freshdesk' }, 'api')).rejects.toMatchObject({ code: 'ADMIN_CONFLICT', detail: { field: 'slug' } })
    expect(await count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'app.create'")).toBe(1)
  })
})

describe('appView', () => {
  it('never contains the shared secret or its sealed form, and says hasSecret', async () => {
    const app = await createApp(ctx(), ZENDESK, 'api')
    const view = await appView(ctx(), app)
    const json = JSON.stringify(view)
    expect(json).not.toContain(SECRET)
    expect(json).not.toContain(app.secretSealed!)
    expect(view).not.toHaveProperty('secretSealed')
    expect(view).not.toHaveProperty('sharedSecret')
    expect(view.hasSecret).toBe(true)
    expect(JSON.stringify(await listAppViews(ctx()))).not.toContain(SECRET)
  })

  it('tells the Zendesk admin the remote login and logout URLs, absolute on this origin, and the JWT endpoint', async () => {
    const view = await appView(ctx(), await createApp(ctx(), ZENDESK, 'api'))
    expect(view.setup).toEqual({
      remoteLoginUrl: 'https://support.example.com/sso/handoff/zendesk?app=acme-zendesk',
      remoteLogoutUrl: 'https://support.example.com/sso/logout',
      jwtEndpoint: 'https://acme.zendesk.com/access/jwt',
    })
    expect(view.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it("tells a SAML helpdesk the broker endpoints, absolute, and the broker role's signing certificate with its fingerprint", async () => {
    const view = await appView(ctx(), await createApp(ctx(), SAML, 'api'))
    const key = await signingKey(ctx(), 'broker')
    expect(view.hasSecret).toBe(false)
    expect(view.setup).toEqual({
      idpEntityId: 'https://support.example.com/sso/idp/metadata',
      ssoUrl: 'https://support.example.com/sso/idp/sso',
      sloUrl: 'https://support.example.com/sso/idp/slo',
      logoutUrl: 'https://support.example.com/sso/logout',
      idpMetadataUrl: 'https://support.example.com/sso/idp/metadata?app=acme-jira',
      launchUrl: 'https://support.example.com/sso/idp/launch/acme-jira',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      signingCertificatePem: key.certificatePem,
      signingCertificateFingerprintSha256: await certificateFingerprint(parseCertificate(key.certificatePem).der, 'SHA-256'),
      signingCertificateNotAfter: parseCertificate(key.certificatePem).notAfter.toISOString(),
    })
  })

  it("gives Freshworks the SPKI public key of the freshworks role's certificate, which verifies the gateway's signatures", async () => {
    const view = await appView(ctx(), await createApp(ctx(), FRESHWORKS, 'api'))
    expect(view.hasSecret).toBe(false)
    const setup = view.setup as { loginUrl: string; logoutUrl: string; publicKeyPem: string }
    expect(setup.loginUrl).toBe('https://support.example.com/sso/handoff/freshworks?app=acme-freshdesk')
    expect(setup.logoutUrl).toBe('https://support.example.com/sso/logout')
    expect(setup.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/)

    const key = await signingKey(ctx(), 'freshworks')
    // The same key as the certificate's...
    const spkiDer = decodeBase64(setup.publicKeyPem.replace(/-----[^-]+-----/g, ''))
    expect(spkiDer).toEqual(parseCertificate(key.certificatePem).spki)
    // ...and it verifies an RS256 signature made with the gateway's signing key, not another key's.
    const publicKey = await importSPKI(setup.publicKeyPem, 'RS256')
    const payload = new TextEncoder().encode('{"sub":"acme-okta:jane@acme.example"}')
    const jws = await new CompactSign(payload).setProtectedHeader({ alg: 'RS256' }).sign(key.privateKey)
    expect((await compactVerify(jws, publicKey)).payload).toEqual(payload)
    const other = await generateKeyPair('RS256')
    const forged = await new CompactSign(payload).setProtectedHeader({ alg: 'RS256' }).sign(other.privateKey)
    await expect(compactVerify(forged, publicKey)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })
  })
})

describe('importSamlApp', () => {
  it('creates a SAML app from the SWAMID aggregate (its one SAML 2.0 SP) and audits the source', async () => {
    const app = await importSamlApp(ctx(), { metadataXml: env.TEST_SWAMID_METADATA }, 'console')
    expect(app).toMatchObject({
      kind: 'saml',
      name: 'www.cambro.umu.se',
      slug: 'www-cambro-umu-se',
      enabled: true,
      config: { entityId: 'https://www.cambro.umu.se/shibboleth', acsUrl: 'https://www.cambro.umu.se/Shibboleth.sso/SAML2/POST', certificates: [] },
    })
    expect(await lastAuditRow('app.create')).toMatchObject({ detail: { appId: app.id, kind: 'saml', via: 'console', source: 'sp-metadata' } })
  })

  it('requires signed AuthnRequests with the SP certificates when the metadata says AuthnRequestsSigned', async () => {
    const app = await importSamlApp(ctx(), { metadataXml: SIGNED_SP_METADATA, name: 'Jira', slug: 'jira', signResponse: true }, 'api')
    expect(app).toMatchObject({ name: 'Jira', slug: 'jira' })
    expect(app.kind === 'saml' && app.config).toMatchObject({
      entityId: 'https://acme.atlassian.net/sp',
      acsUrl: 'https://auth.atlassian.com/saml/acme',
      signResponse: true,
      certificates: [TEST_IDP_DER],
    })
  })

  it('refuses metadata that is not an SP, a bad override, or no metadata at all, and stores nothing', async () => {
    await expect(importSamlApp(ctx(), { metadataXml: env.TEST_OKTA_METADATA }, 'api')).rejects.toMatchObject({ code: 'SAML_METADATA_INVALID' })
    await expect(importSamlApp(ctx(), { metadataXml: SIGNED_SP_METADATA, signResponse: 'yes' }, 'api')).rejects.toThrow(invalidField('config.signResponse'))
    await expect(importSamlApp(ctx(), {}, 'api')).rejects.toThrow(invalidField('metadataXml'))
    expect(await count('SELECT COUNT(*) AS n FROM apps')).toBe(0)
    expect(await count('SELECT COUNT(*) AS n FROM audit_log')).toBe(0)
  })
})

// Issue 16: the import dropped the SingleLogoutService, NameIDFormat, WantAssertionsSigned and
// the encryption certificate, and left signResponse off.
describe('importSamlApp: everything the SP metadata says', () => {
  const ZAMMAD_URL = 'https://desk.example/auth/saml/metadata'
  const zammad = (acs: string, slo: string, extra = '') =>
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://desk.example/auth/saml/metadata">
<md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${TEST_IDP_DER}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${slo}"/>
<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acs}" index="0"/>${extra}
</md:SPSSODescriptor></md:EntityDescriptor>`
  const serve = (body: () => string) =>
    vi
      .spyOn(globalThis, 'fetch')
      .mockImplementation(async (input) =>
        String(input instanceof Request ? input.url : input) === ZAMMAD_URL ? new Response(body()) : new Response('no', { status: 404 }),
      )
  afterEach(() => vi.restoreAllMocks())

  it('takes the SLO URL with its binding, a persistent-only NameID format, signs the Response by default, and keeps the URL', async () => {
    serve(() => zammad('https://desk.example/auth/saml/callback', 'https://desk.example/auth/saml/slo'))
    const app = await importSamlApp(ctx(), { metadataUrl: ZAMMAD_URL, name: 'Zammad' }, 'api')
    expect(app.kind === 'saml' && app.config).toMatchObject({
      entityId: 'https://desk.example/auth/saml/metadata',
      acsUrl: 'https://desk.example/auth/saml/callback',
      sloUrl: 'https://desk.example/auth/saml/slo',
      sloBinding: 'post',
      nameIdFormat: 'persistent',
      signResponse: true,
      certificates: [],
      metadataUrl: ZAMMAD_URL,
      // Kept from its KeyDescriptor use="encryption"; used once the admin (or the import) asks.
      encryptionCertificate: TEST_IDP_DER,
      encryptAssertions: false,
    })
    expect(await lastAuditRow('app.create')).toMatchObject({ detail: { source: 'sp-metadata-url' } })
    const encrypting = await importSamlApp(ctx(), { metadataUrl: ZAMMAD_URL, name: 'Zammad 2', slug: 'zammad-2', encryptAssertions: true }, 'api')
    expect(encrypting.kind === 'saml' && encrypting.config).toMatchObject({ encryptAssertions: true, encryptionAlgorithm: 'aes256-gcm' })
  })

  it('refreshSamlApp follows the metadata (endpoints, binding) and keeps what the admin chose; the cron does it daily', async () => {
    let acs = 'https://desk.example/auth/saml/callback'
    serve(() => zammad(acs, 'https://desk.example/auth/saml/slo'))
    const app = await importSamlApp(ctx(), { metadataUrl: ZAMMAD_URL, name: 'Zammad', signResponse: false }, 'api')
    acs = 'https://desk.example/auth/saml/callback2'
    const refreshed = await refreshSamlApp(ctx(), app.id, 'api')
    expect(refreshed.kind === 'saml' && refreshed.config).toMatchObject({ acsUrl: acs, signResponse: false, nameIdFormat: 'persistent' })
    expect(await lastAuditRow('app.metadata-refresh')).toMatchObject({ outcome: 'success', detail: { appId: app.id, changed: ['acsUrl'], via: 'api' } })
    acs = 'https://desk.example/auth/saml/callback3'
    await runMaintenance(env, new Date())
    const after = await getApp(env.DB, app.id)
    expect(after?.kind === 'saml' && after.config.acsUrl).toBe(acs)
  })

  it('refuses what it read as an import would (an http ACS URL), keeps the app, and the cron audits the failure', async () => {
    let acs = 'https://desk.example/auth/saml/callback'
    serve(() => zammad(acs, 'https://desk.example/auth/saml/slo'))
    const app = await importSamlApp(ctx(), { metadataUrl: ZAMMAD_URL, name: 'Zammad' }, 'api')
    acs = 'http://desk.example/auth/saml/callback'
    await expect(refreshSamlApp(ctx(), app.id, 'api')).rejects.toThrow(invalidField('config.acsUrl'))
    await runMaintenance(env, new Date())
    expect(await getApp(env.DB, app.id)).toMatchObject({ config: { acsUrl: 'https://desk.example/auth/saml/callback' } })
    expect(await lastAuditRow('app.metadata-refresh')).toMatchObject({
      outcome: 'failure',
      code: 'ADMIN_INVALID_FIELD',
      detail: { appId: app.id, via: 'cron' },
    })
  })

  it('refuses to refresh an app that was not imported from a URL', async () => {
    const app = await createApp(ctx(), SAML, 'api')
    await expect(refreshSamlApp(ctx(), app.id, 'api')).rejects.toThrow(invalidField('config.metadataUrl'))
  })
})

describe('updateApp and deleteApp', () => {
  it('keeps the stored secret when none is given, and audits secretChanged: false', async () => {
    const app = await createApp(ctx(), ZENDESK, 'api')
    const updated = await updateApp(ctx(), app.id, { name: 'Acme Help', config: { tagsFromGroups: true } }, 'console')
    expect(updated).toMatchObject({ name: 'Acme Help', slug: 'acme-zendesk', config: { subdomain: 'acme', tagsFromGroups: true } })
    expect(await openAppSecret(env.SSO_SECRET, updated)).toBe(SECRET)
    expect(await lastAuditRow('app.update')).toMatchObject({ detail: { appId: app.id, secretChanged: false, via: 'console' } })
  })

  it('replaces the secret when a new one is given, and audits secretChanged: true', async () => {
    const app = await createApp(ctx(), ZENDESK, 'api')
    const updated = await updateApp(ctx(), app.id, { sharedSecret: `${SECRET}-rotated` }, 'api')
    expect(await openAppSecret(env.SSO_SECRET, updated)).toBe(`${SECRET}-rotated`)
    expect((await lastAuditRow('app.update'))!.detail).toEqual({ appId: app.id, secretChanged: true, via: 'api' })
  })

  it('refuses a kind change and stores nothing', async () => {
    const app = await createApp(ctx(), FRESHWORKS, 'api')
    await expect(updateApp(ctx(), app.id, { kind: 'saml', config: SAML.config }, 'api')).rejects.toThrow(invalidField('kind'))
    expect(await getApp(env.DB, app.id)).toEqual(app)
    expect(await count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'app.update'")).toBe(0)
  })

  it('deleteApp removes the app and audits it', async () => {
    const app = await createApp(ctx(), SAML, 'api')
    await deleteApp(ctx(), app.id, 'console')
    expect(await getApp(env.DB, app.id)).toBeNull()
    expect(await lastAuditRow('app.delete')).toMatchObject({ outcome: 'success', detail: { appId: app.id, via: 'console' } })
  })

  it('answers ADMIN_APP_NOT_FOUND for an unknown id', async () => {
    const notFound = expect.objectContaining({ code: 'ADMIN_APP_NOT_FOUND' })
    await expect(requireApp(ctx(), 'app_nope')).rejects.toThrow(notFound)
    await expect(updateApp(ctx(), 'app_nope', { name: 'x' }, 'api')).rejects.toThrow(notFound)
    await expect(deleteApp(ctx(), 'app_nope', 'api')).rejects.toThrow(notFound)
    expect(await count('SELECT COUNT(*) AS n FROM audit_log')).toBe(0)
  })
})

describe('the console lists', () => {
  it('listAppSummaries says where each app sends customers', async () => {
    await createApp(ctx(), ZENDESK, 'api')
    await createApp(ctx(), FRESHWORKS, 'api')
    await createApp(ctx(), SAML, 'api')
    expect((await listAppSummaries(ctx())).map((a) => [a.kind, a.target])).toEqual([
      ['freshworks', 'https://acme.freshworks.com/sp/OIDC/1/implicit'],
      ['saml', 'https://auth.atlassian.com/saml/acme'],
      ['zendesk', 'acme.zendesk.com'],
    ])
  })

  it('brokerSetup gives the broker metadata URL on the gateway origin', () => {
    expect(brokerSetup(ctx())).toEqual({ brokerMetadataUrl: 'https://support.example.com/sso/idp/metadata' })
  })
})

describe('rotateAppSecret', () => {
  const NEW_SECRET = 'zendesk-generated-a-new-one-0123456789'

  it("replaces a Zendesk app's secret with the new one Zendesk generated, audited without the secret", async () => {
    const app = await createApp(ctx(), ZENDESK, 'api')
    const rotated = await rotateAppSecret(ctx(), app.id, { sharedSecret: NEW_SECRET }, 'console')
    expect(await openAppSecret(env.SSO_SECRET, rotated)).toBe(NEW_SECRET)
    expect(rotated).toMatchObject({ name: app.name, slug: app.slug, enabled: true, config: app.config })
    const row = await lastAuditRow('app.secret-rotate')
    expect(row).toMatchObject({ outcome: 'success', actor: 'admin-token', detail: { appId: app.id, via: 'console' } })
    expect(JSON.stringify(row)).not.toContain(NEW_SECRET)
  })

  it('refuses the secret already stored, a short or missing one, and unknown fields, and keeps the old secret', async () => {
    const app = await createApp(ctx(), ZENDESK, 'api')
    await expect(rotateAppSecret(ctx(), app.id, { sharedSecret: SECRET }, 'api')).rejects.toThrow(invalidField('sharedSecret'))
    await expect(rotateAppSecret(ctx(), app.id, { sharedSecret: 'short' }, 'api')).rejects.toThrow(invalidField('sharedSecret'))
    await expect(rotateAppSecret(ctx(), app.id, {}, 'api')).rejects.toThrow(invalidField('sharedSecret'))
    await expect(rotateAppSecret(ctx(), app.id, { sharedSecret: NEW_SECRET, name: 'x' }, 'api')).rejects.toThrow(invalidField('name'))
    await expect(rotateAppSecret(ctx(), app.id, 'text', 'api')).rejects.toMatchObject({ code: 'ADMIN_INVALID_JSON' })
    expect(await openAppSecret(env.SSO_SECRET, (await getApp(env.DB, app.id))!)).toBe(SECRET)
    expect(await count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'app.secret-rotate'")).toBe(0)
  })

  it('refuses Freshworks and SAML apps, which have no secret of their own, by their kind', async () => {
    const freshworks = await createApp(ctx(), FRESHWORKS, 'api')
    const saml = await createApp(ctx(), SAML, 'api')
    await expect(rotateAppSecret(ctx(), freshworks.id, { sharedSecret: NEW_SECRET }, 'api')).rejects.toThrow(invalidField('kind'))
    await expect(rotateAppSecret(ctx(), saml.id, { sharedSecret: NEW_SECRET }, 'api')).rejects.toThrow(invalidField('kind'))
    expect((await getApp(env.DB, freshworks.id))!.secretSealed).toBeNull()
    await expect(rotateAppSecret(ctx(), 'app_nope', { sharedSecret: NEW_SECRET }, 'api')).rejects.toMatchObject({ code: 'ADMIN_APP_NOT_FOUND' })
  })
})

describe('setAppEnabled', () => {
  it('turns an app off and on, changing nothing else, audited', async () => {
    const app = await createApp(ctx(), ZENDESK, 'api')
    const off = await setAppEnabled(ctx(), app.id, false, 'console')
    expect(off).toMatchObject({ enabled: false, name: app.name, slug: app.slug, config: app.config, secretSealed: app.secretSealed })
    expect(await lastAuditRow('app.update')).toMatchObject({ detail: { appId: app.id, enabled: false, via: 'console' } })
    expect((await setAppEnabled(ctx(), app.id, true, 'api')).enabled).toBe(true)
    await expect(setAppEnabled(ctx(), 'app_nope', true, 'api')).rejects.toMatchObject({ code: 'ADMIN_APP_NOT_FOUND' })
  })
})

describe('importSamlApp: on or off', () => {
  it('imports an app that starts off when asked (the console does), and refuses a non-boolean', async () => {
    const app = await importSamlApp(ctx(), { metadataXml: SIGNED_SP_METADATA, name: 'Jira', enabled: false }, 'console')
    expect(app.enabled).toBe(false)
    await expect(importSamlApp(ctx(), { metadataXml: SIGNED_SP_METADATA, name: 'Jira 2', enabled: 'no' }, 'api')).rejects.toThrow(invalidField('enabled'))
  })
})

describe('the console pages', () => {
  it('previewSetup gives a new app the values the helpdesk asks for first, with the typed slug or SLUG', async () => {
    const zendesk = await previewSetup(ctx(), 'zendesk', null)
    expect(zendesk).toEqual({
      kind: 'zendesk',
      values: { remoteLoginUrl: 'https://support.example.com/sso/handoff/zendesk?app=SLUG', remoteLogoutUrl: 'https://support.example.com/sso/logout' },
    })
    const freshworks = await previewSetup(ctx(), 'freshworks', 'help-desk')
    expect(freshworks.kind === 'freshworks' && freshworks.values.loginUrl).toBe('https://support.example.com/sso/handoff/freshworks?app=help-desk')
    const saml = await previewSetup(ctx(), 'saml', 'ignored')
    expect(saml.kind === 'saml' && saml.values).toMatchObject({ idpMetadataUrl: 'https://support.example.com/sso/idp/metadata' })
    expect(saml.kind === 'saml' && saml.values.launchUrl).toBeUndefined()
  })

  it('appDetail shows a staged broker certificate to hand out before activation', async () => {
    const app = await createApp(ctx(), SAML, 'api')
    expect((await appDetail(ctx(), app)).stagedCertificate).toBeNull()
    const staged = await stageSpKey(ctx(), 'broker')
    const detail = await appDetail(ctx(), app)
    expect(detail.stagedCertificate?.pem).toBe(staged.certificatePem)
    expect(detail.stagedCertificate?.fingerprintSha256).toBe(await certificateFingerprint(parseCertificate(staged.certificatePem).der, 'SHA-256'))
    // The active one is still what the helpdesk has now.
    expect(detail.setup.kind === 'saml' && detail.setup.values.signingCertificatePem).not.toBe(staged.certificatePem)
    expect(detail.view.setup).toEqual(detail.setup.values)
  })

  it('brokerCertificateFile serves the active broker certificate as PEM and as DER', async () => {
    const key = await signingKey(ctx(), 'broker')
    const der = parseCertificate(key.certificatePem).der
    const pem = await brokerCertificateFile(ctx(), 'pem')
    expect(pem).toMatchObject({ contentType: 'application/x-pem-file', filename: 'support.example.com-idp.pem' })
    expect(parseCertificate(pem.body as string).der).toEqual(der)
    expect((pem.body as string).split('\n').every((line) => line.length <= 64)).toBe(true)
    const cer = await brokerCertificateFile(ctx(), 'cer')
    expect(cer).toMatchObject({ contentType: 'application/pkix-cert', filename: 'support.example.com-idp.cer' })
    expect(cer.body).toEqual(der)
  })
})
