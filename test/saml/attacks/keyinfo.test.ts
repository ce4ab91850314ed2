// KeyInfo is never a trust anchor (DESIGN.md invariant; xml-crypto getCertFromKeyInfo class, CVE-2025-29775 family).
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { certificateFingerprint, parseCertificate } from '../../../src/saml/x509'
import { testKeyPair } from '../../helpers/keys'
import { optionsFor, signedResponse } from '../../helpers/saml-response'

describe('attacker certificate in KeyInfo', () => {
  it('accepts the IdP-signed response (control)', async () => {
    await expect(validateSamlResponse(optionsFor(await signedResponse('response')))).resolves.toMatchObject({ signedParts: { response: true } })
  })

  it('rejects a response signed by an attacker who put his own certificate in KeyInfo with SAML_SIGNATURE_INVALID', async () => {
    const attacker = testKeyPair('rsa', 'attacker')
    const doc = await signedResponse('response', { nameIdXml: 'admin@example.com' }, { pair: attacker })
    const error = await validateSamlResponse(optionsFor(doc)).then(
      () => null,
      (e: unknown) => e as { code: string; detail: Record<string, unknown> },
    )
    expect(error).toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
    // The admin sees which certificate signed it and which ones are configured.
    const attackerFingerprint = await certificateFingerprint(parseCertificate(attacker.certificatePem).der, 'SHA-256')
    const configured = await certificateFingerprint(parseCertificate(testKeyPair('rsa').certificatePem).der, 'SHA-256')
    expect(error?.detail).toMatchObject({ keyInfoCertificate: attackerFingerprint, configuredCertificates: [configured] })
  })

  it('accepts a response without KeyInfo: the key only ever comes from configuration', async () => {
    const doc = await signedResponse('assertion', {}, { keyInfo: false })
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ signedParts: { assertion: true } })
  })

  it('accepts during rollover when the second configured certificate signed', async () => {
    const doc = await signedResponse('response')
    const options = optionsFor(doc)
    const other = testKeyPair('ec', 'old-idp').certificatePem
    await expect(validateSamlResponse({ ...options, idp: { ...options.idp, certificates: [other, ...options.idp.certificates] } })).resolves.toMatchObject({
      signedParts: { response: true },
    })
  })
})
