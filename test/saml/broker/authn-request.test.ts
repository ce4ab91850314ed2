// The broker's AuthnRequest reader: one parse, the claimed Issuer resolved to the app's trust
// settings, the binding's signature verified with those certificates only, fields read after.
import { describe, expect, it } from 'vitest'
import { buildAuthnRequest } from '../../../src/saml/authn-request'
import { encodeRedirectBinding, signPostMessage } from '../../../src/saml/bindings'
import { parseAuthnRequest } from '../../../src/saml/broker/authn-request'
import { encodeBase64, utf8Encode } from '../../../src/saml/encoding'
import type { ReceivedMessage } from '../../../src/saml/received-message'
import { signingKey, testKeyPair } from '../../helpers/keys'

const HELPDESK = 'https://helpdesk.example/saml/metadata'
const helpdeskKey = testKeyPair('rsa', 'broker-helpdesk')
const attackerKey = testKeyPair('rsa', 'broker-attacker')

const request = (extra = '') =>
  buildAuthnRequest({
    id: '_helpdesk-req-1',
    issueInstant: new Date('2026-11-26T10:00:00Z'),
    destination: 'https://gateway.example/sso/idp/sso',
    spEntityId: HELPDESK,
    acsUrl: 'https://helpdesk.example/saml/acs',
    nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    forceAuthn: true,
  }).replace('</samlp:AuthnRequest>', `${extra}</samlp:AuthnRequest>`)

async function redirect(xml: string, key: typeof helpdeskKey | null = helpdeskKey): Promise<ReceivedMessage> {
  const signing = key ? { privateKey: await signingKey(key) } : null
  return { binding: 'redirect', rawQuery: `?${await encodeRedirectBinding({ xml, param: 'SAMLRequest', relayState: 'rs-1', signing })}` }
}

async function post(xml: string, key: typeof helpdeskKey | null = helpdeskKey): Promise<ReceivedMessage> {
  const signed = key ? await signPostMessage(xml, { privateKey: await signingKey(key), certificatePem: key.certificatePem }) : xml
  return { binding: 'post', value: encodeBase64(utf8Encode(signed)), relayState: 'rs-1' }
}

const app = { name: 'Helpdesk', certificates: [helpdeskKey.certificatePem], requireSignature: true }
const resolveApp = async (issuer: string | null) => {
  if (issuer !== HELPDESK) throw Object.assign(new Error('unknown app'), { code: 'HANDOFF_APP_NOT_FOUND' })
  return app
}

describe('parseAuthnRequest', () => {
  for (const [binding, encode] of [
    ['HTTP-Redirect', redirect],
    ['HTTP-POST', post],
  ] as const) {
    it(`reads a signed request over ${binding} after verifying it with the app's certificate`, async () => {
      const info = await parseAuthnRequest(await encode(request()), resolveApp)
      expect(info).toMatchObject({
        id: '_helpdesk-req-1',
        issuer: HELPDESK,
        acsUrl: 'https://helpdesk.example/saml/acs',
        destination: 'https://gateway.example/sso/idp/sso',
        protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
        forceAuthn: true,
        isPassive: false,
        nameIdPolicy: { format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', allowCreate: true },
        requestedAuthnContext: null,
        relayState: 'rs-1',
        signed: true,
      })
      expect(info.issuerConfig).toBe(app)
    })

    it(`rejects a request over ${binding} signed by another key with SAML_SIGNATURE_INVALID`, async () => {
      await expect(parseAuthnRequest(await encode(request(), attackerKey), resolveApp)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
    })

    it(`rejects an unsigned request over ${binding} when the app requires signatures: SAML_SIGNATURE_MISSING`, async () => {
      await expect(parseAuthnRequest(await encode(request(), null), resolveApp)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
    })
  }

  it('accepts an unsigned request, and ignores a signature, for an app without certificates', async () => {
    const open = async () => ({ certificates: [], requireSignature: false })
    await expect(parseAuthnRequest(await post(request(), null), open)).resolves.toMatchObject({ signed: false })
    await expect(parseAuthnRequest(await redirect(request()), open)).resolves.toMatchObject({ signed: false, id: '_helpdesk-req-1' })
  })

  it('refuses with what the resolver throws for an unknown Issuer, before any signature work', async () => {
    const xml = request().replace(HELPDESK, 'https://other.example')
    await expect(parseAuthnRequest(await post(xml), resolveApp)).rejects.toMatchObject({ code: 'HANDOFF_APP_NOT_FOUND' })
  })

  it('reads RequestedAuthnContext with the default comparison "exact"', async () => {
    const context =
      '<samlp:RequestedAuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>'
    await expect(parseAuthnRequest(await post(request(context)), resolveApp)).resolves.toMatchObject({
      requestedAuthnContext: { comparison: 'exact', classRefs: ['urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'] },
    })
  })

  it('rejects what is not an AuthnRequest with an ID: SAML_NOT_SAML', async () => {
    await expect(
      parseAuthnRequest(await post(request().replace(/ ID="[^"]+"/, ''), null), async () => ({ certificates: [], requireSignature: false })),
    ).rejects.toMatchObject({
      code: 'SAML_NOT_SAML',
    })
    const logout = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0" IssueInstant="2026-11-26T10:00:00Z"/>`
    await expect(parseAuthnRequest(await post(logout, null), resolveApp)).rejects.toMatchObject({ code: 'SAML_NOT_SAML' })
    const response = await redirect(request())
    const asResponse = { binding: 'redirect' as const, rawQuery: (response as { rawQuery: string }).rawQuery.replace('SAMLRequest=', 'SAMLResponse=') }
    await expect(parseAuthnRequest(asResponse, resolveApp)).rejects.toMatchObject({ code: 'SAML_NOT_SAML' })
  })

  it('does not let a signed request hidden in Extensions vouch for an unsigned outer one', async () => {
    const inner = await signPostMessage(request(), { privateKey: await signingKey(helpdeskKey), certificatePem: helpdeskKey.certificatePem })
    const outer = request().replace('</saml:Issuer>', `</saml:Issuer><samlp:Extensions>${inner}</samlp:Extensions>`)
    await expect(parseAuthnRequest(await post(outer, null), resolveApp)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
  })
})
