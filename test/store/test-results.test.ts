// workerd: test-connection results in real KV under the test's AuthnRequest ID, for ten minutes;
// anything not shaped like one of our request IDs is never looked up.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { kvKeys } from '../../src/store/kv-keys'
import { getTestResult, putTestResult, type TestResult } from '../../src/store/test-results'
import { clearKv, listAllKeys, recordingKv } from '../helpers/storage'

const REQUEST_ID = `_${'a1b2c3d4e5'.repeat(4)}`

const OK: TestResult = {
  ok: true,
  idpId: 'idp_acme',
  result: {
    nameId: 'jane@acme.example',
    nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    nameQualifier: null,
    spNameQualifier: null,
    sessionIndex: '_s1',
    sessionNotOnOrAfter: null,
    authnContextClassRef: 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport',
    attributes: { email: ['jane@acme.example'], groups: ['Everyone', 'Support'], empty: [''] },
    attributeNameFormats: {},
    attributeFriendlyNames: { email: 'mail' },
    issuer: 'https://idp.acme.test/saml',
    assertionId: '_a1',
    responseId: '_r1',
    notOnOrAfter: '2026-11-26T12:05:00Z',
    inResponseTo: REQUEST_ID,
    signedParts: { response: false, assertion: true },
    warnings: [],
  },
  identity: { email: 'jane@acme.example', firstName: 'Jane', lastName: 'Doe', displayName: null, groups: ['Everyone', 'Support'] },
}

const FAILED: TestResult = {
  ok: false,
  idpId: 'idp_acme',
  code: 'SAML_SIGNATURE_INVALID',
  detail: { expected: ['sha256:ab'], received: 'sha256:cd' },
  hint: 'Update the certificate.',
}

beforeEach(async () => {
  await clearKv(env.SESSIONS)
})

describe('test-connection results', () => {
  it('reads back a successful result with every attribute as stored', async () => {
    await putTestResult(env.SESSIONS, REQUEST_ID, OK)
    expect(await getTestResult(env.SESSIONS, REQUEST_ID)).toEqual(OK)
  })

  it('reads back a rejection with its code, detail and hint', async () => {
    await putTestResult(env.SESSIONS, REQUEST_ID, FAILED)
    expect(await getTestResult(env.SESSIONS, REQUEST_ID)).toEqual(FAILED)
  })

  it('returns null for a request ID with no result', async () => {
    await putTestResult(env.SESSIONS, REQUEST_ID, OK)
    expect(await getTestResult(env.SESSIONS, `_${'0'.repeat(40)}`)).toBeNull()
  })

  it('keeps a result for ten minutes under the request ID', async () => {
    const now = Date.now() / 1000
    await putTestResult(env.SESSIONS, REQUEST_ID, FAILED)
    const [key] = await listAllKeys(env.SESSIONS)
    expect(key!.name).toBe(`test-result:${REQUEST_ID}`)
    expect(key!.expiration! - now).toBeGreaterThan(600 - 5)
    expect(key!.expiration! - now).toBeLessThan(600 + 5)
  })

  it.each([
    ['upper-case hex', `_${'A1B2C3D4E5'.repeat(4)}`],
    ['no leading underscore', 'a1b2c3d4e5'.repeat(4)],
    ['a short ID', '_a1b2'],
    ['a foreign IdP-style ID', 'id-7f9a1c2b3d4e5f60718293a4b5c6d7e8f9012345'],
    ['a key of another kind', `${REQUEST_ID}:x`],
    ['empty', ''],
  ])('never looks up %s, even when a result is stored under it', async (_, requestId) => {
    await env.SESSIONS.put(kvKeys.testResult(requestId), JSON.stringify(OK))
    const { kv, reads } = recordingKv(env.SESSIONS)
    expect(await getTestResult(kv, requestId)).toBeNull()
    expect(reads).toEqual([])
  })
})
