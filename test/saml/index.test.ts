// validateSamlResponse's options beyond the fixed-IdP contract: an IdP resolver (the message is
// parsed once and the resolver picks the configuration from its unverified hints) and the
// per-IdP requireSignedAssertion policy (wantAssertionsSigned).
import { describe, expect, it } from 'vitest'
import { validateSamlResponse, type ResponseHints } from '../../src/saml/index'
import { testKeyPair } from '../helpers/keys'
import { IDP, optionsFor, REQUEST_ID, responseXml, signedResponse, toBase64 } from '../helpers/saml-response'

const certificates = [testKeyPair('rsa').certificatePem]

describe('an IdP resolver instead of a fixed IdP', () => {
  it('hands the resolver the unverified hints and validates with what it returns', async () => {
    const seen: ResponseHints[] = []
    const { idp: _fixed, expectedRequestId: _id, ...rest } = optionsFor(await signedResponse('assertion'))
    const result = await validateSamlResponse({
      ...rest,
      idp: async (hints) => {
        seen.push(hints)
        return { idp: { entityId: IDP, certificates }, expectedRequestId: REQUEST_ID }
      },
    })
    expect(seen).toEqual([{ issuer: IDP, inResponseTo: REQUEST_ID, hasEncryptedAssertion: false }])
    expect(result).toMatchObject({ issuer: IDP, inResponseTo: REQUEST_ID })
  })

  it('refuses with whatever the resolver throws (no IdP for this issuer)', async () => {
    const options = optionsFor(await signedResponse('assertion'))
    const unknown = Object.assign(new Error('no such IdP'), { code: 'LOGIN_UNKNOWN_ISSUER' })
    await expect(
      validateSamlResponse({
        ...options,
        idp: async () => {
          throw unknown
        },
      }),
    ).rejects.toBe(unknown)
  })

  it("trusts only the resolver's certificates, never the ones a fixed IdP would have had", async () => {
    const options = optionsFor(await signedResponse('assertion'))
    const other = testKeyPair('ec', 'resolver-other-idp').certificatePem
    await expect(
      validateSamlResponse({ ...options, idp: async () => ({ idp: { entityId: IDP, certificates: [other] }, expectedRequestId: REQUEST_ID }) }),
    ).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_INVALID',
    })
  })

  it("applies the resolver's policy in place of the options' (here: the expected request ID)", async () => {
    const options = optionsFor(await signedResponse('assertion'))
    await expect(
      validateSamlResponse({ ...options, idp: async () => ({ idp: { entityId: IDP, certificates }, expectedRequestId: '_another-login' }) }),
    ).rejects.toMatchObject({
      code: 'SAML_IN_RESPONSE_TO_MISMATCH',
    })
  })

  it('never calls the resolver for input refused before parsing (size, base64, not SAML)', async () => {
    let calls = 0
    const resolver = async () => {
      calls++
      return { idp: { entityId: IDP, certificates } }
    }
    const base = optionsFor(await signedResponse('assertion'))
    await expect(validateSamlResponse({ ...base, samlResponse: 'A'.repeat(400_000), idp: resolver })).rejects.toMatchObject({ code: 'SAML_INPUT_TOO_LARGE' })
    await expect(validateSamlResponse({ ...base, samlResponse: '***', idp: resolver })).rejects.toMatchObject({ code: 'SAML_INVALID_BASE64' })
    await expect(validateSamlResponse({ ...base, samlResponse: toBase64('<x/>'), idp: resolver })).rejects.toMatchObject({ code: 'SAML_NOT_SAML' })
    expect(calls).toBe(0)
  })

  it('tells the resolver when the assertion is encrypted (so it loads decryption keys only then)', async () => {
    const plain = responseXml()
    const encrypted = plain.replace(
      /<saml:Assertion[\s\S]*<\/saml:Assertion>/,
      '<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>',
    )
    let hints: ResponseHints | null = null
    await expect(
      validateSamlResponse({
        ...optionsFor(encrypted),
        idp: async (h) => {
          hints = h
          return { idp: { entityId: IDP, certificates } }
        },
      }),
    ).rejects.toMatchObject({ code: 'SAML_NO_DECRYPTION_KEY' })
    expect(hints).toMatchObject({ hasEncryptedAssertion: true })
  })
})

describe('requireSignedAssertion (the IdP setting wantAssertionsSigned)', () => {
  it('accepts a signed Assertion, and a signed Response around an unsigned one only when off', async () => {
    await expect(validateSamlResponse({ ...optionsFor(await signedResponse('assertion')), requireSignedAssertion: true })).resolves.toMatchObject({
      signedParts: { assertion: true },
    })
    await expect(validateSamlResponse({ ...optionsFor(await signedResponse('response')), requireSignedAssertion: false })).resolves.toMatchObject({
      signedParts: { response: true, assertion: false },
    })
  })

  it('refuses a Response-only signature with SAML_SIGNATURE_MISSING when on', async () => {
    await expect(validateSamlResponse({ ...optionsFor(await signedResponse('response')), requireSignedAssertion: true })).rejects.toMatchObject({
      code: 'SAML_SIGNATURE_MISSING',
      detail: { signedParts: 'response' },
    })
  })

  it('takes the setting from a resolver too', async () => {
    const options = optionsFor(await signedResponse('response'))
    await expect(
      validateSamlResponse({ ...options, idp: async () => ({ idp: options.idp, expectedRequestId: REQUEST_ID, requireSignedAssertion: true }) }),
    ).rejects.toMatchObject({ code: 'SAML_SIGNATURE_MISSING' })
  })
})
