// Time window with skew (SAML core §2.5.1.2, profiles §4.1.4.2/§4.1.4.3); default skew 180 s.
import { describe, expect, it } from 'vitest'
import { validateSamlResponse } from '../../../src/saml/index'
import { NOW, optionsFor, signedResponse } from '../../helpers/saml-response'

const at = (seconds: number): string => new Date(NOW.getTime() + seconds * 1000).toISOString()

describe('validity window', () => {
  it('accepts a response inside its window (control)', async () => {
    await expect(validateSamlResponse(optionsFor(await signedResponse('response')))).resolves.toMatchObject({ notOnOrAfter: at(300) })
  })

  it('rejects Conditions past NotOnOrAfter beyond the skew with SAML_EXPIRED', async () => {
    const doc = await signedResponse('response', { notBefore: at(-900), notOnOrAfter: at(-181) })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_EXPIRED' })
  })

  it('accepts Conditions that expired within the skew', async () => {
    const doc = await signedResponse('response', { notBefore: at(-900), notOnOrAfter: at(-179) })
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ notOnOrAfter: at(-179) })
  })

  it('rejects an expired bearer SubjectConfirmationData with SAML_EXPIRED', async () => {
    const doc = await signedResponse('response', { scdNotOnOrAfter: at(-600) })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_EXPIRED' })
  })

  it('rejects Conditions not valid yet beyond the skew with SAML_NOT_YET_VALID', async () => {
    const doc = await signedResponse('response', { notBefore: at(181) })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_NOT_YET_VALID' })
  })

  it('honours a configured skew of zero', async () => {
    const doc = await signedResponse('response', { notOnOrAfter: at(-1) })
    await expect(validateSamlResponse(optionsFor(doc, { clockSkewSeconds: 0 }))).rejects.toMatchObject({ code: 'SAML_EXPIRED' })
  })

  it('reports expected and received times with the skew applied', async () => {
    const doc = await signedResponse('response', { notOnOrAfter: at(-600) })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({
      code: 'SAML_EXPIRED',
      detail: { notOnOrAfter: at(-600), now: NOW.toISOString(), skewSeconds: 180 },
    })
  })

  it('rejects a malformed timestamp with SAML_NOT_SAML', async () => {
    const doc = await signedResponse('response', { notOnOrAfter: 'tomorrow' })
    await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code: 'SAML_NOT_SAML' })
  })
})
