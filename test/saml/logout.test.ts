import { describe, expect, it } from 'vitest'
import { encodeRedirectBinding, signPostMessage } from '../../src/saml/bindings'
import { encodeBase64, utf8Encode } from '../../src/saml/encoding'
import {
  buildLogoutRequest,
  buildLogoutResponse,
  MAX_LOGOUT_MESSAGE_AGE_SECONDS,
  parseLogoutRequest,
  parseLogoutResponse,
  STATUS_PARTIAL_LOGOUT,
  STATUS_RESPONDER,
} from '../../src/saml/logout'
import type { LogoutCheckOptions, LogoutIssuer, LogoutRequestInput } from '../../src/saml/logout'
import { DEFAULT_CLOCK_SKEW_SECONDS } from '../../src/saml/limits'
import type { ReceivedMessage } from '../../src/saml/received-message'
import { firstChildNamed, NS, textContent } from '../../src/saml/xml/dom'
import { parseXml } from '../../src/saml/xml/parse'
import { signingKey, testKeyPair } from '../helpers/keys'
import { itXmlsec1, xmlsec1Verify } from '../helpers/xmlsec1'

const IDP = 'https://idp.example.com/metadata'
const SLO = 'https://support.example.com/sso/slo'
const SP = 'https://support.example.com/sso/metadata'
const issued = new Date('2026-11-26T10:00:00Z')
const now = new Date('2026-11-26T10:00:30Z')
const idpKey = testKeyPair('rsa', 'slo-idp')
const idp: LogoutIssuer = { entityId: IDP, certificates: [idpKey.certificatePem] }
const options: LogoutCheckOptions<LogoutIssuer> & { idp: LogoutIssuer } = { idp, sloUrl: SLO, now }

const request = (overrides: Partial<LogoutRequestInput> = {}) =>
  buildLogoutRequest({
    id: '_idp-logout-1',
    issueInstant: issued,
    destination: SLO,
    issuer: IDP,
    nameId: 'alice@acme.example',
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    nameQualifier: IDP,
    spNameQualifier: SP,
    sessionIndex: '_session-42',
    ...overrides,
  })

const response = (overrides: { statusCode?: string; inResponseTo?: string; issuer?: string; sub?: string } = {}) => {
  const xml = buildLogoutResponse({
    id: '_idp-logout-response-1',
    issueInstant: issued,
    destination: SLO,
    issuer: overrides.issuer ?? IDP,
    inResponseTo: overrides.inResponseTo ?? '_our-request',
    statusCode: overrides.statusCode,
  })
  return overrides.sub
    ? xml.replace(/<samlp:StatusCode Value="([^"]+)"\/>/, `<samlp:StatusCode Value="$1"><samlp:StatusCode Value="${overrides.sub}"/></samlp:StatusCode>`)
    : xml
}

async function redirect(
  xml: string,
  param: 'SAMLRequest' | 'SAMLResponse',
  opts: { sign?: boolean; key?: typeof idpKey; relayState?: string } = {},
): Promise<ReceivedMessage> {
  const key = opts.key ?? idpKey
  const signing = opts.sign === false ? null : { privateKey: await signingKey(key) }
  return { binding: 'redirect', rawQuery: `?${await encodeRedirectBinding({ xml, param, relayState: opts.relayState ?? 'rs', signing })}` }
}

async function post(xml: string, opts: { sign?: boolean; key?: typeof idpKey } = {}): Promise<ReceivedMessage & { binding: 'post' }> {
  const key = opts.key ?? idpKey
  const signed = opts.sign === false ? xml : await signPostMessage(xml, { privateKey: await signingKey(key), certificatePem: key.certificatePem })
  return { binding: 'post', value: encodeBase64(utf8Encode(signed)), relayState: 'rs' }
}

describe('building logout messages', () => {
  it('builds a LogoutRequest with the full NameID and SessionIndex in schema order', () => {
    const root = parseXml(request({ notOnOrAfter: new Date('2026-11-26T10:05:00Z') })).documentElement!
    expect([root.namespaceURI, root.localName]).toEqual([NS.samlp, 'LogoutRequest'])
    expect(root.getAttribute('NotOnOrAfter')).toBe('2026-11-26T10:05:00.000Z')
    expect(Array.from({ length: root.childNodes.length }, (_, i) => root.childNodes.item(i)!.localName)).toEqual(['Issuer', 'NameID', 'SessionIndex'])
    const nameId = firstChildNamed(root, NS.saml, 'NameID')!
    expect(nameId.getAttribute('SPNameQualifier')).toBe(SP)
    expect(textContent(nameId)).toBe('alice@acme.example')
  })

  it('escapes hostile values', () => {
    const root = parseXml(request({ nameId: '<a>&"b', sessionIndex: '"/><x/>' })).documentElement!
    expect(textContent(firstChildNamed(root, NS.saml, 'NameID')!)).toBe('<a>&"b')
    expect(textContent(firstChildNamed(root, NS.samlp, 'SessionIndex')!)).toBe('"/><x/>')
  })

  it('builds a LogoutResponse with status and InResponseTo', () => {
    const root = parseXml(
      buildLogoutResponse({
        id: '_r',
        issueInstant: issued,
        destination: 'https://idp/slo',
        issuer: SP,
        inResponseTo: '_q',
        statusCode: STATUS_RESPONDER,
        statusMessage: 'a<b',
      }),
    ).documentElement!
    expect(root.getAttribute('InResponseTo')).toBe('_q')
    const status = firstChildNamed(root, NS.samlp, 'Status')!
    expect(firstChildNamed(status, NS.samlp, 'StatusCode')!.getAttribute('Value')).toBe(STATUS_RESPONDER)
    expect(textContent(firstChildNamed(status, NS.samlp, 'StatusMessage')!)).toBe('a<b')
  })

  itXmlsec1('xmlsec1 verifies our POST-signed LogoutRequest and LogoutResponse', async () => {
    const sp = testKeyPair('rsa', 'sp')
    for (const [xml, name] of [
      [request({ issuer: SP }), 'LogoutRequest'],
      [response({ issuer: SP }), 'LogoutResponse'],
    ] as const) {
      const signed = await signPostMessage(xml, { privateKey: await signingKey(sp), certificatePem: sp.certificatePem })
      const r = xmlsec1Verify(signed, sp.certificatePem, [`urn:oasis:names:tc:SAML:2.0:protocol:${name}`])
      expect(r.ok, r.output).toBe(true)
    }
  })
})

describe('receiving an IdP LogoutRequest', () => {
  for (const binding of ['redirect', 'post'] as const) {
    it(`accepts a signed LogoutRequest over HTTP-${binding === 'redirect' ? 'Redirect' : 'POST'}`, async () => {
      const message = binding === 'redirect' ? await redirect(request(), 'SAMLRequest') : await post(request())
      await expect(parseLogoutRequest(message, options)).resolves.toEqual({
        id: '_idp-logout-1',
        issuer: IDP,
        issueInstant: '2026-11-26T10:00:00.000Z',
        nameId: 'alice@acme.example',
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        nameQualifier: IDP,
        spNameQualifier: SP,
        sessionIndexes: ['_session-42'],
        reason: null,
        relayState: 'rs',
        signed: true,
        // Too old after IssueInstant + the age limit + the default skew: the replay row lives that long.
        replayUntil: new Date(issued.getTime() + (MAX_LOGOUT_MESSAGE_AGE_SECONDS + DEFAULT_CLOCK_SKEW_SECONDS) * 1000),
        issuerConfig: options.idp,
      })
    })
  }

  it('keeps the replay row until a later NotOnOrAfter (plus skew) when the request carries one', async () => {
    const until = new Date(issued.getTime() + 3600_000)
    const info = await parseLogoutRequest(await post(request({ notOnOrAfter: until })), { ...options, idp: { ...idp, clockSkewSeconds: 30 } })
    expect(info.replayUntil).toEqual(new Date(until.getTime() + 30_000))
  })

  it('accepts a Redirect message that kept its enveloped XML signature instead of a query signature', async () => {
    const signed = await signPostMessage(request(), { privateKey: await signingKey(idpKey), certificatePem: idpKey.certificatePem })
    await expect(parseLogoutRequest(await redirect(signed, 'SAMLRequest', { sign: false }), options)).resolves.toMatchObject({ signed: true })
  })

  it('requires a signature unless the caller opts out', async () => {
    for (const message of [await redirect(request(), 'SAMLRequest', { sign: false }), await post(request(), { sign: false })]) {
      await expect(parseLogoutRequest(message, options)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
      await expect(parseLogoutRequest(message, { ...options, idp: { ...options.idp, requireSignature: false } })).resolves.toMatchObject({ signed: false })
    }
  })

  it('rejects a signature by another key, and a tampered query', async () => {
    const attacker = testKeyPair('rsa', 'slo-attacker')
    await expect(parseLogoutRequest(await redirect(request(), 'SAMLRequest', { key: attacker }), options)).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_INVALID',
    })
    await expect(parseLogoutRequest(await post(request(), { key: attacker }), options)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
    const good = (await redirect(request(), 'SAMLRequest')) as { binding: 'redirect'; rawQuery: string }
    await expect(
      parseLogoutRequest({ binding: 'redirect', rawQuery: good.rawQuery.replace('RelayState=rs', 'RelayState=evil') }, options),
    ).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_INVALID',
    })
  })

  it('refuses SHA-1 signatures unless the IdP allows them', async () => {
    const sha1 = {
      privateKey: await signingKey(idpKey, 'SHA-1'),
      certificatePem: idpKey.certificatePem,
      signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
      digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1',
    }
    const message: ReceivedMessage = { binding: 'post', value: encodeBase64(utf8Encode(await signPostMessage(request(), sha1))) }
    await expect(parseLogoutRequest(message, options)).rejects.toMatchObject({ code: 'SAML_SHA1_FORBIDDEN' })
    await expect(parseLogoutRequest(message, { ...options, idp: { ...options.idp, allowSha1: true } })).resolves.toMatchObject({ signed: true })
  })

  const rejections: [string, () => string, string][] = [
    ['another Issuer', () => request({ issuer: 'https://other-idp.example' }), 'SAML_ISSUER_MISMATCH'],
    ['another Destination', () => request({ destination: 'https://other-sp.example/slo' }), 'SAML_DESTINATION_MISMATCH'],
    ['no Destination on a signed message', () => request().replace(/ Destination="[^"]+"/, ''), 'SAML_DESTINATION_MISMATCH'],
    ['a passed NotOnOrAfter', () => request({ notOnOrAfter: new Date('2026-11-26T09:50:00Z') }), 'SAML_EXPIRED'],
    ['an IssueInstant in the future', () => request({ issueInstant: new Date('2026-11-26T10:10:00Z') }), 'SAML_NOT_YET_VALID'],
    ['an old IssueInstant', () => request({ issueInstant: new Date('2026-11-26T09:00:00Z') }), 'SAML_EXPIRED'],
    ['SAML 1.1', () => request().replace('Version="2.0"', 'Version="1.1"'), 'SAML_VERSION_UNSUPPORTED'],
    ['an EncryptedID', () => request().replace(/<saml:NameID[^>]*>[^<]*<\/saml:NameID>/, '<saml:EncryptedID/>'), 'SAML_LOGOUT_INVALID'],
    ['two NameIDs', () => request().replace(/(<saml:NameID[^>]*>[^<]*<\/saml:NameID>)/, '$1$1'), 'SAML_LOGOUT_INVALID'],
    ['an empty NameID', () => request({ nameId: ' ' }), 'SAML_NAMEID_MISSING'],
    ['another message type', () => response(), 'SAML_NOT_SAML'],
  ]
  for (const [name, xml, code] of rejections) {
    it(`rejects a signed LogoutRequest with ${name}: ${code}`, async () => {
      await expect(parseLogoutRequest(await post(xml()), options)).rejects.toMatchObject({ code })
    })
  }

  it('honours the configured clock skew', async () => {
    const late = await post(request({ notOnOrAfter: new Date('2026-11-26T10:00:00Z') }))
    await expect(parseLogoutRequest(late, { ...options, idp: { ...options.idp, clockSkewSeconds: 0 } })).rejects.toMatchObject({ code: 'SAML_EXPIRED' })
    await expect(parseLogoutRequest(late, { ...options, idp: { ...options.idp, clockSkewSeconds: 60 } })).resolves.toBeTruthy()
  })

  it('parses once and asks the resolver for the Issuer the message claims, then checks with what it returns', async () => {
    const claimed: (string | null)[] = []
    const resolve = async (issuer: string | null) => {
      claimed.push(issuer)
      return { ...options.idp, name: 'the resolved IdP' }
    }
    const info = await parseLogoutRequest(await post(request()), { ...options, idp: resolve })
    expect(claimed).toEqual([IDP])
    expect(info.issuerConfig.name).toBe('the resolved IdP')
    // The resolver's certificates are the trust anchors: another IdP's key does not verify.
    const other = testKeyPair('rsa', 'slo-other-idp')
    const wrongTrust = async () => ({ entityId: IDP, certificates: [other.certificatePem] })
    await expect(parseLogoutRequest(await post(request()), { ...options, idp: wrongTrust })).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
  })

  it('rejects a LogoutRequest carried as SAMLResponse', async () => {
    await expect(parseLogoutRequest(await redirect(request(), 'SAMLResponse'), options)).rejects.toMatchObject({ code: 'SAML_LOGOUT_INVALID' })
  })

  it('does not let a signed LogoutRequest hidden in Extensions vouch for an unsigned outer one', async () => {
    const inner = await signPostMessage(request(), { privateKey: await signingKey(idpKey), certificatePem: idpKey.certificatePem })
    const outer = request({ nameId: 'victim@acme.example' }).replace('</saml:Issuer>', `</saml:Issuer><samlp:Extensions>${inner}</samlp:Extensions>`)
    await expect(parseLogoutRequest(await post(outer, { sign: false }), options)).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
  })
})

describe('receiving the IdP LogoutResponse', () => {
  const expecting = { ...options, expectedRequestId: '_our-request' }

  for (const binding of ['redirect', 'post'] as const) {
    it(`accepts Success over HTTP-${binding === 'redirect' ? 'Redirect' : 'POST'}`, async () => {
      const message = binding === 'redirect' ? await redirect(response(), 'SAMLResponse') : await post(response())
      await expect(parseLogoutResponse(message, expecting)).resolves.toEqual({
        id: '_idp-logout-response-1',
        issuer: IDP,
        issueInstant: '2026-11-26T10:00:00.000Z',
        inResponseTo: '_our-request',
        statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
        partial: false,
        relayState: 'rs',
        signed: true,
        issuerConfig: idp,
      })
    })
  }

  it('reports PartialLogout', async () => {
    await expect(parseLogoutResponse(await post(response({ sub: STATUS_PARTIAL_LOGOUT })), expecting)).resolves.toMatchObject({ partial: true })
  })

  it('rejects a failure status, another InResponseTo and another Issuer', async () => {
    await expect(parseLogoutResponse(await post(response({ statusCode: STATUS_RESPONDER })), expecting)).rejects.toMatchObject({
      code: 'SAML_STATUS_NOT_SUCCESS',
      detail: { statusCode: STATUS_RESPONDER },
    })
    await expect(parseLogoutResponse(await post(response({ inResponseTo: '_someone-else' })), expecting)).rejects.toMatchObject({
      code: 'SAML_IN_RESPONSE_TO_MISMATCH',
    })
    await expect(parseLogoutResponse(await post(response({ issuer: 'https://evil.example' })), expecting)).rejects.toMatchObject({
      code: 'SAML_ISSUER_MISMATCH',
    })
  })

  it('requires a signed response (profiles §4.4.4.2)', async () => {
    await expect(parseLogoutResponse(await redirect(response(), 'SAMLResponse', { sign: false }), expecting)).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_MISSING',
    })
  })
})
