// SAML response validation throughput: this gateway's core (validateSamlResponse) beside
// @node-saml/node-saml on the same signed inputs in the same process, plus the "floor": base64
// decode + one xmldom parse + one SHA-256 + one WebCrypto verify of the same input.
// Both validators must accept every valid input and reject a tampered copy before timing.
import { SAML } from '@node-saml/node-saml'
import { DOMParser, XMLSerializer } from '@xmldom/xmldom'
import { expect, it } from 'vitest'
import { signEnveloped } from '../src/saml/dsig/sign'
import { validateSamlResponse } from '../src/saml/index'
import { canonicalize } from '../src/saml/xml/c14n'
import { signingKey, testKeyPair, type TestKeyPair } from '../test/helpers/keys'

const IDP = 'http://www.okta.com/exk1bench'
const SP = 'https://support.example.com/sso/metadata'
const ACS = 'https://support.example.com/sso/acs'
const NS_P = 'urn:oasis:names:tc:SAML:2.0:protocol'
const NS_A = 'urn:oasis:names:tc:SAML:2.0:assertion'
const MIN_MS = Number(process.env.BENCH_MS ?? 1500)

type Signed = 'assertion' | 'response' | 'both'

function responseXml(groups: number, now: Date): string {
  const iso = (s: number) => new Date(now.getTime() + s * 1000).toISOString()
  const group = Array.from(
    { length: groups },
    (_, i) => `\n        <saml2:AttributeValue xsi:type="xs:string">Support-Team-${String(i).padStart(4, '0')}</saml2:AttributeValue>`,
  ).join('')
  const attr = (name: string, value: string) =>
    `\n      <saml2:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified">\n        <saml2:AttributeValue xsi:type="xs:string">${value}</saml2:AttributeValue>\n      </saml2:Attribute>`
  return `<saml2p:Response xmlns:saml2p="${NS_P}" Destination="${ACS}" ID="id-resp-bench" InResponseTo="_req-bench" IssueInstant="${iso(0)}" Version="2.0" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <saml2:Issuer xmlns:saml2="${NS_A}" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">${IDP}</saml2:Issuer>
  <saml2p:Status><saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></saml2p:Status>
  <saml2:Assertion xmlns:saml2="${NS_A}" ID="id-assert-bench" IssueInstant="${iso(0)}" Version="2.0" xmlns:xs="http://www.w3.org/2001/XMLSchema">
    <saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">${IDP}</saml2:Issuer>
    <saml2:Subject>
      <saml2:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">jane.doe@acme.example</saml2:NameID>
      <saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml2:SubjectConfirmationData InResponseTo="_req-bench" NotOnOrAfter="${iso(3600)}" Recipient="${ACS}"/>
      </saml2:SubjectConfirmation>
    </saml2:Subject>
    <saml2:Conditions NotBefore="${iso(-60)}" NotOnOrAfter="${iso(3600)}">
      <saml2:AudienceRestriction><saml2:Audience>${SP}</saml2:Audience></saml2:AudienceRestriction>
    </saml2:Conditions>
    <saml2:AuthnStatement AuthnInstant="${iso(0)}" SessionIndex="id-session-bench">
      <saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml2:AuthnContextClassRef></saml2:AuthnContext>
    </saml2:AuthnStatement>
    <saml2:AttributeStatement xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${attr('email', 'jane.doe@acme.example')}${attr('firstName', 'Jane')}${attr('lastName', 'Doe')}${attr('displayName', 'Jane Doe')}${attr('department', 'Customer Support')}${attr('title', 'Support Engineer')}${attr('employeeNumber', '004217')}
      <saml2:Attribute Name="groups" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified">${group}
      </saml2:Attribute>
    </saml2:AttributeStatement>
  </saml2:Assertion>
</saml2p:Response>`
}

async function signedInput(pair: TestKeyPair, groups: number, signed: Signed, now: Date): Promise<string> {
  const doc = new DOMParser().parseFromString(responseXml(groups, now), 'text/xml')
  const response = doc.documentElement!
  const assertion = response.getElementsByTagNameNS(NS_A, 'Assertion')[0]!
  const options = {
    privateKey: await signingKey(pair),
    certificatePem: pair.certificatePem,
    signatureAlgorithm: pair.kind === 'ec' ? 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' : 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  }
  if (signed !== 'response') await signEnveloped(assertion, options)
  if (signed !== 'assertion') await signEnveloped(response, options)
  return Buffer.from(new XMLSerializer().serializeToString(doc)).toString('base64')
}

function tamper(b64: string): string {
  return Buffer.from(Buffer.from(b64, 'base64').toString('utf8').replace('jane.doe@acme.example</saml2:NameID>', 'ceo@acme.example</saml2:NameID>')).toString(
    'base64',
  )
}

function ours(pair: TestKeyPair) {
  return (samlResponse: string) =>
    validateSamlResponse({
      samlResponse,
      idp: { entityId: IDP, certificates: [pair.certificatePem] },
      sp: { entityId: SP, acsUrl: ACS },
      now: new Date(),
      expectedRequestId: '_req-bench',
    })
}

function peer(pair: TestKeyPair, signed: Signed) {
  const saml = new SAML({
    callbackUrl: ACS,
    entryPoint: 'https://acme.okta.com/sso',
    issuer: SP,
    audience: SP,
    idpCert: pair.certificatePem,
    wantAssertionsSigned: signed !== 'response',
    wantAuthnResponseSigned: signed !== 'assertion',
    validateInResponseTo: 'never' as never,
    acceptedClockSkewMs: 180_000,
  })
  return (SAMLResponse: string) => saml.validatePostResponseAsync({ SAMLResponse })
}

/** The floor: what any validator must at least do once on this input. */
async function floorFn(pair: TestKeyPair, b64: string) {
  const doc = new DOMParser().parseFromString(Buffer.from(b64, 'base64').toString('utf8'), 'text/xml')
  const sig = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0]!
  const signedInfo = new TextEncoder().encode(
    canonicalize(sig.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'SignedInfo')[0]!, { exclusive: true, withComments: false }),
  )
  const value = Buffer.from(sig.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'SignatureValue')[0]!.textContent!.replace(/\s/g, ''), 'base64')
  const spki = Buffer.from((await import('node:crypto')).createPublicKey(pair.certificatePem).export({ type: 'spki', format: 'der' }) as Buffer)
  const alg = pair.kind === 'ec' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
  const key = await crypto.subtle.importKey('spki', spki, alg, false, ['verify'])
  const verifyAlg = pair.kind === 'ec' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' }
  return async (input: string) => {
    const bytes = Buffer.from(input, 'base64')
    new DOMParser().parseFromString(bytes.toString('utf8'), 'text/xml')
    await crypto.subtle.digest('SHA-256', bytes)
    if (!(await crypto.subtle.verify(verifyAlg, key, value, signedInfo))) throw new Error('floor verify failed')
  }
}

async function microsPerOp(fn: (input: string) => Promise<unknown>, input: string): Promise<number> {
  for (let i = 0; i < 30; i++) await fn(input)
  let ops = 0
  const start = performance.now()
  while (performance.now() - start < MIN_MS || ops < 20) {
    await fn(input)
    ops++
  }
  return ((performance.now() - start) * 1000) / ops
}

it('benchmarks SAML response validation against node-saml', async () => {
  const now = new Date()
  const rows: string[] = []
  rows.push('| input | size | this core µs/op | node-saml µs/op | speed-up | floor µs/op | core / floor |')
  rows.push('|---|---|---|---|---|---|---|')
  for (const kind of ['rsa', 'ec'] as const) {
    const pair = testKeyPair(kind, 'bench')
    for (const groups of [5, 500]) {
      for (const signed of ['assertion', 'response', 'both'] as const) {
        const input = await signedInput(pair, groups, signed, now)
        const core = ours(pair)
        // Correctness before speed: both accept the valid input and reject a tampered copy.
        await expect(core(input)).resolves.toMatchObject({ nameId: 'jane.doe@acme.example' })
        await expect(core(tamper(input))).rejects.toMatchObject({ code: 'SAML_SIGNATURE_INVALID' })
        let peerUs: number | null = null
        if (kind === 'rsa') {
          const other = peer(pair, signed)
          const accepted = await other(input)
          expect(accepted.profile?.nameID).toBe('jane.doe@acme.example')
          await expect(other(tamper(input))).rejects.toThrow()
          peerUs = await microsPerOp(other, input)
        }
        const coreUs = await microsPerOp(core, input)
        const floorUs = await microsPerOp(await floorFn(pair, input), input)
        const size = `${(Buffer.from(input, 'base64').length / 1024).toFixed(1)} KB`
        rows.push(
          `| ${kind === 'rsa' ? 'RSA-2048' : 'ECDSA P-256'}, ${groups} groups, ${signed} signed | ${size} | ${coreUs.toFixed(0)} | ${peerUs ? peerUs.toFixed(0) : 'n/a (no ECDSA)'} | ${
            peerUs ? `${(peerUs / coreUs).toFixed(1)}x` : '—'
          } | ${floorUs.toFixed(0)} | ${(coreUs / floorUs).toFixed(2)}x |`,
        )
      }
    }
  }
  console.log(`\nSAML response validation, Node ${process.version}, ${MIN_MS} ms per measurement\n\n${rows.join('\n')}\n`)
})
