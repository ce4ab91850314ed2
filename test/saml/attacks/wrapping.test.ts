// XML signature wrapping, XSW1-XSW8 (Somorovsky et al., "On Breaking SAML", USENIX Security 2012),
// plus an assertion hidden in StatusDetail. One table: each row forges a message from a response
// REALLY signed with the IdP key and names the stable error `code` it must be rejected with. The
// untouched signed responses (controls) are validated with the same key beside them, so a broken
// fixture cannot make the attack rows pass vacuously.
import { describe, expect, it } from 'vitest'
import type { Document, Element } from '@xmldom/xmldom'
import { validateSamlResponse } from '../../../src/saml/index'
import type { SamlErrorCode } from '../../../src/saml/index'
import { NS } from '../../../src/saml/xml/dom'
import { assertionOf, find, optionsFor, responseOf, serialize, setText, signatureOf, signedResponse } from '../../helpers/saml-response'

const clone = (el: Element): Element => el.cloneNode(true) as Element
const forge = (assertion: Element, id?: string): void => {
  if (id) assertion.setAttribute('ID', id)
  setText(find(assertion, NS.saml, 'NameID'), 'attacker@evil.test')
}

interface WrappingCase {
  /** What the attacker does, as it reads in the test name. */
  attack: string
  /** Which element of the valid control carries the genuine signature. */
  signed: 'response' | 'assertion'
  /** Turns the valid signed control (parsed DOM) into the forged message, in place. */
  build: (doc: Document) => void
  /** The stable error code the forged message is rejected with. */
  code: SamlErrorCode
}

const CASES: WrappingCase[] = [
  {
    attack: 'XSW1: the signed Response copied into the Signature of an evil Response',
    signed: 'response',
    build: (doc) => {
      const evil = responseOf(doc)
      const genuine = clone(evil)
      genuine.removeChild(signatureOf(genuine))
      signatureOf(evil).appendChild(genuine)
      evil.setAttribute('ID', '_evil-response')
      forge(assertionOf(doc))
    },
    code: 'SAML_SIGNATURE_WRAPPING',
  },
  {
    attack: 'XSW2: the signed Response copied next to the Signature of an evil Response',
    signed: 'response',
    build: (doc) => {
      const evil = responseOf(doc)
      const genuine = clone(evil)
      genuine.removeChild(signatureOf(genuine))
      evil.insertBefore(genuine, signatureOf(evil))
      evil.setAttribute('ID', '_evil-response')
      forge(assertionOf(doc))
    },
    code: 'SAML_SIGNATURE_WRAPPING',
  },
  {
    attack: 'XSW3: an evil Assertion placed before the signed one',
    signed: 'assertion',
    build: (doc) => {
      const signed = assertionOf(doc)
      const evil = clone(signed)
      evil.removeChild(signatureOf(evil))
      forge(evil, '_evil-assertion')
      responseOf(doc).insertBefore(evil, signed)
    },
    code: 'SAML_SIGNATURE_WRAPPING',
  },
  {
    attack: 'XSW4: the signed Assertion nested inside an evil Assertion',
    signed: 'assertion',
    build: (doc) => {
      const signed = assertionOf(doc)
      const evil = clone(signed)
      evil.removeChild(signatureOf(evil))
      forge(evil, '_evil-assertion')
      responseOf(doc).replaceChild(evil, signed)
      evil.appendChild(signed)
    },
    code: 'SAML_SIGNATURE_WRAPPING',
  },
  {
    attack: 'XSW5: an evil Assertion carrying the copied Signature beside the unsigned original',
    signed: 'assertion',
    build: (doc) => {
      const signed = assertionOf(doc)
      const evil = clone(signed)
      forge(evil, '_evil-assertion')
      signed.removeChild(signatureOf(signed))
      responseOf(doc).insertBefore(evil, signed)
    },
    code: 'SAML_SIGNATURE_WRAPPING',
  },
  {
    attack: 'XSW5 without the original left beside it (Signature references another ID)',
    signed: 'assertion',
    build: (doc) => {
      forge(assertionOf(doc), '_evil-assertion')
    },
    code: 'SAML_SIGNATURE_WRAPPING',
  },
  {
    attack: 'XSW6: the original Assertion moved inside the Signature of an evil Assertion',
    signed: 'assertion',
    build: (doc) => {
      const signed = assertionOf(doc)
      const evil = clone(signed)
      forge(evil, '_evil-assertion')
      responseOf(doc).replaceChild(evil, signed)
      signed.removeChild(signatureOf(signed))
      signatureOf(evil).appendChild(signed)
    },
    code: 'SAML_SIGNATURE_WRAPPING',
  },
  {
    attack: 'XSW7: the signed Assertion moved into Extensions with an evil one in its place',
    signed: 'assertion',
    build: (doc) => {
      const response = responseOf(doc)
      const signed = assertionOf(doc)
      const evil = clone(signed)
      evil.removeChild(signatureOf(evil))
      forge(evil)
      const extensions = doc.createElementNS(NS.samlp, 'samlp:Extensions')
      response.insertBefore(extensions, find(response, NS.samlp, 'Status'))
      response.replaceChild(evil, signed)
      extensions.appendChild(signed)
    },
    code: 'SAML_SIGNATURE_WRAPPING',
  },
  {
    attack: 'XSW8: the original Assertion hidden in Signature/Object of an evil one',
    signed: 'assertion',
    build: (doc) => {
      const signed = assertionOf(doc)
      const evil = clone(signed)
      forge(evil)
      responseOf(doc).replaceChild(evil, signed)
      signed.removeChild(signatureOf(signed))
      const object = doc.createElementNS(NS.ds, 'ds:Object')
      object.appendChild(signed)
      signatureOf(evil).appendChild(object)
    },
    code: 'SAML_SIGNATURE_WRAPPING',
  },
  {
    attack: 'a signed Assertion hidden in the Status detail next to an unsigned one',
    signed: 'assertion',
    build: (doc) => {
      const signed = assertionOf(doc)
      const evil = clone(signed)
      evil.removeChild(signatureOf(evil))
      forge(evil)
      responseOf(doc).replaceChild(evil, signed)
      const detail = doc.createElementNS(NS.samlp, 'samlp:StatusDetail')
      detail.appendChild(signed)
      find(responseOf(doc), NS.samlp, 'Status').appendChild(detail)
    },
    code: 'SAML_SIGNATURE_WRAPPING',
  },
]

// One control per kind of signed message the table forges from.
const CONTROLS = [...new Set(CASES.map((c) => c.signed))]

describe('signature wrapping', () => {
  it.each(CONTROLS)('accepts the untouched signed %s (control)', async (signed) => {
    const doc = await signedResponse(signed)
    await expect(validateSamlResponse(optionsFor(doc))).resolves.toMatchObject({ nameId: 'alice@example.com' })
  })

  // A plain loop rather than it.each: `$attack` interpolation would quote and truncate the names.
  for (const { attack, signed, build, code } of CASES) {
    it(`rejects ${attack} with ${code}`, async () => {
      const doc = await signedResponse(signed)
      const control = serialize(doc)
      build(doc)
      // A transform that silently does nothing would be a control, not an attack.
      expect(serialize(doc)).not.toBe(control)
      await expect(validateSamlResponse(optionsFor(doc))).rejects.toMatchObject({ code })
    })
  }
})
