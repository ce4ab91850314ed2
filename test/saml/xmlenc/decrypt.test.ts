import { DOMParser } from '@xmldom/xmldom'
import type { Element } from '@xmldom/xmldom'
import { beforeAll, describe, expect, it } from 'vitest'
import { encodeBase64, utf8Encode } from '../../../src/saml/encoding'
import { childElements, isElementNamed, NS } from '../../../src/saml/xml/dom'
import { decryptEncryptedAssertion } from '../../../src/saml/xmlenc/decrypt'
import { importPrivateKey } from '../../../src/saml/x509'
import { loadManifest, readInterop } from '../../helpers/interop'

const XENC = 'http://www.w3.org/2001/04/xmlenc#'
const XENC11 = 'http://www.w3.org/2009/xmlenc11#'
const DSIG = 'http://www.w3.org/2000/09/xmldsig#'
const ASSERTION = `<saml:Assertion xmlns:saml="${NS.saml}" ID="_a1" Version="2.0"><saml:Issuer>https://idp.example.com/ÿ</saml:Issuer></saml:Assertion>`

function parse(xml: string): Element {
  const doc = new DOMParser({
    onError: (level: string, message: string) => {
      throw new Error(`${level}: ${message}`)
    },
  }).parseFromString(xml, 'text/xml')
  return doc.documentElement!
}
/** EncryptedAssertion as a direct child of the Response root, as response.ts will find it. */
function encryptedAssertionOf(responseXml: string): Element {
  const found = childElements(parse(responseXml)).filter((e) => isElementNamed(e, NS.saml, 'EncryptedAssertion'))
  expect(found).toHaveLength(1)
  return found[0]!
}
async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code })
}

describe('real encrypted assertions from the interop corpus', () => {
  const cases = loadManifest().responses.filter((c) => c.encryptedAssertion)
  const failing: Record<string, string> = {
    'onelogin-tool-2017-encrypted-for-other-sp': 'SAML_DECRYPTION_FAILED',
    'onelogin-php-demo-2014-3des-rsa15-encrypted-signed-assertion': 'SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED',
  }

  it('covers ADFS, Okta RetrievalMethod, no-DigestMethod (PingFederate, Keycloak), AES-128, AES-GCM and 3DES', () => {
    const ids = cases.map((c) => c.id)
    for (const id of [
      'adfs-2017-encrypted-assertion',
      'okta-2020-signed-response-encrypted-assertion',
      'pingfederate-2017-signed-response-encrypted-signed-assertion',
      'keycloak-2022-signed-response-encrypted-signed-assertion',
      'shibboleth-testshib-2015-encrypted-assertion',
      'onelogin-php-demo-2014-aes256gcm-encrypted-signed-assertion',
      ...Object.keys(failing),
    ]) {
      expect(ids).toContain(id)
    }
    expect(cases.some((c) => JSON.stringify(c.encryptedAssertion).includes('retrievalMethod":["#'))).toBe(true)
  })

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (id, c) => {
    const encrypted = encryptedAssertionOf(readInterop(c.file))
    const keys = (c.decryptionKeys ?? []).map(readInterop)
    const code = failing[id]
    if (code) return expectCode(decryptEncryptedAssertion(encrypted, keys), code)
    const assertion = parse(await decryptEncryptedAssertion(encrypted, keys))
    expect(isElementNamed(assertion, NS.saml, 'Assertion')).toBe(true)
    expect(assertion.getAttribute('ID')).toBe(c.expected!.assertionId)
  })

  it('accepts pre-imported RSA-OAEP CryptoKeys and skips keys that do not fit', async () => {
    const pem = readInterop('keys/gosaml2--oktaenc_sp_encryption_key.pem')
    const sha1 = await importPrivateKey(pem, { name: 'RSA-OAEP', hash: 'SHA-1' })
    const sha256 = await importPrivateKey(pem, { name: 'RSA-OAEP', hash: 'SHA-256' })
    const encrypted = encryptedAssertionOf(readInterop('responses/adfs-2017-encrypted-assertion.xml'))
    expect(await decryptEncryptedAssertion(encrypted, [sha256, sha1])).toContain('_d9357d06-4e2a-42d9-92d6-898500a4b62c')
    await expectCode(decryptEncryptedAssertion(encrypted, [sha256]), 'SAML_DECRYPTION_FAILED')
  })

  it('tries every configured key (rollover: old key first)', async () => {
    const encrypted = encryptedAssertionOf(readInterop('responses/okta-2020-signed-response-encrypted-assertion.xml'))
    const keys = [readInterop('keys/ruby-saml--ruby-saml.key'), readInterop('keys/crewjam-saml--sp_key.pem')]
    expect(await decryptEncryptedAssertion(encrypted, keys)).toContain('id84952199689873111750846593')
  })

  it('throws SAML_NO_DECRYPTION_KEY without keys and SAML_KEY_INVALID for a broken PEM', async () => {
    const encrypted = encryptedAssertionOf(readInterop('responses/adfs-2017-encrypted-assertion.xml'))
    await expectCode(decryptEncryptedAssertion(encrypted, []), 'SAML_NO_DECRYPTION_KEY')
    await expectCode(decryptEncryptedAssertion(encrypted, ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----']), 'SAML_KEY_INVALID')
  })
})

// ---- Synthetic messages, encrypted here with WebCrypto ------------------------------------

let rsaPkcs8: ArrayBuffer
let spPem: string
let otherPem: string

beforeAll(async () => {
  const pair = (await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-1' }, true, [
    'encrypt',
    'decrypt',
  ])) as CryptoKeyPair
  rsaPkcs8 = (await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer
  spPem = `-----BEGIN PRIVATE KEY-----\n${encodeBase64(new Uint8Array(rsaPkcs8))}\n-----END PRIVATE KEY-----`
  otherPem = readInterop('keys/gosaml2--sp.encryption.key')
})

async function publicKey(hash: string): Promise<CryptoKey> {
  const priv = await crypto.subtle.importKey('pkcs8', rsaPkcs8, { name: 'RSA-OAEP', hash }, true, ['decrypt'])
  const jwk = (await crypto.subtle.exportKey('jwk', priv)) as JsonWebKey
  return crypto.subtle.importKey('jwk', { kty: 'RSA', n: jwk.n!, e: jwk.e!, alg: undefined }, { name: 'RSA-OAEP', hash }, false, ['encrypt'])
}

interface Build {
  content?: string
  keyBytes?: number
  plaintext?: Uint8Array
  /** Override the XML-Enc pad length byte (CBC). */
  padByte?: number
  transport?: string
  oaepHash?: string
  transportXml?: string
  label?: Uint8Array
  placement?: 'keyinfo' | 'retrieval' | 'sibling'
  extraSiblings?: string
  tamper?: 'tag'
}

/** A Response with one EncryptedAssertion built to spec (or deliberately not). */
async function build(o: Build = {}): Promise<string> {
  const content = o.content ?? `${XENC}aes256-cbc`
  const keyBytes = o.keyBytes ?? 32
  const plaintext = o.plaintext ?? utf8Encode(ASSERTION)
  const raw = crypto.getRandomValues(new Uint8Array(keyBytes))
  let cipher: Uint8Array
  if (content.includes('gcm')) {
    const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt'])
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plaintext))
    if (o.tamper === 'tag') ct[ct.length - 1]! ^= 1
    cipher = new Uint8Array([...iv, ...ct])
  } else {
    // XML-Enc padding: random bytes, last byte = pad length (1..16); then raw CBC by dropping the
    // extra PKCS#7 block WebCrypto appends.
    const padLength = 16 - (plaintext.length % 16)
    const padded = new Uint8Array([...plaintext, ...crypto.getRandomValues(new Uint8Array(padLength - 1)), o.padByte ?? padLength])
    const key = await crypto.subtle.importKey('raw', raw, 'AES-CBC', false, ['encrypt'])
    const iv = crypto.getRandomValues(new Uint8Array(16))
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, key, padded))
    cipher = new Uint8Array([...iv, ...ct.subarray(0, padded.length)])
  }
  const oaepHash = o.oaepHash ?? 'SHA-1'
  const wrapped = new Uint8Array(
    await crypto.subtle.encrypt(o.label ? { name: 'RSA-OAEP', label: o.label } : { name: 'RSA-OAEP' }, await publicKey(oaepHash), raw),
  )
  const transportXml = o.transportXml ?? (o.label ? `<xenc:OAEPparams>${encodeBase64(o.label)}</xenc:OAEPparams>` : '')
  const encryptedKey = (id: string): string =>
    `<xenc:EncryptedKey Id="${id}" xmlns:xenc="${XENC}"><xenc:EncryptionMethod Algorithm="${o.transport ?? `${XENC}rsa-oaep-mgf1p`}">${transportXml}</xenc:EncryptionMethod>` +
    `<xenc:CipherData><xenc:CipherValue>${encodeBase64(wrapped)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>`
  const placement = o.placement ?? 'keyinfo'
  const keyInfo = placement === 'keyinfo' ? encryptedKey('_k1') : placement === 'retrieval' ? `<ds:RetrievalMethod Type="${XENC}EncryptedKey" URI="#_k1"/>` : ''
  return (
    `<samlp:Response xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" xmlns:ds="${DSIG}" xmlns:xenc11="${XENC11}">` +
    `<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="${XENC}" Type="${XENC}Element">` +
    `<xenc:EncryptionMethod Algorithm="${content}"/><ds:KeyInfo>${keyInfo}</ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${encodeBase64(cipher)}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>` +
    `${placement === 'keyinfo' ? '' : encryptedKey('_k1')}${o.extraSiblings ?? ''}</saml:EncryptedAssertion></samlp:Response>`
  )
}

async function decrypt(o: Build, keys: string[] = [spPem]): Promise<string> {
  return decryptEncryptedAssertion(encryptedAssertionOf(await build(o)), keys)
}

describe('content encryption', () => {
  it.each([
    ['aes128-cbc', 16],
    ['aes192-cbc', 24],
    ['aes256-cbc', 32],
  ])('%s with XML-Enc padding of every length 1..16', async (name, keyBytes) => {
    for (let extra = 0; extra < 16; extra++) {
      const plaintext = utf8Encode(ASSERTION + ' '.repeat(extra))
      expect(await decrypt({ content: `${XENC}${name}`, keyBytes, plaintext })).toBe(ASSERTION + ' '.repeat(extra))
    }
  })

  it.each([
    ['aes128-gcm', 16],
    ['aes192-gcm', 24],
    ['aes256-gcm', 32],
  ])('%s', async (name, keyBytes) => {
    expect(await decrypt({ content: `${XENC11}${name}`, keyBytes })).toBe(ASSERTION)
  })

  it('rejects a tampered GCM tag with SAML_DECRYPTION_FAILED', async () => {
    await expectCode(decrypt({ content: `${XENC11}aes256-gcm`, tamper: 'tag' }), 'SAML_DECRYPTION_FAILED')
  })

  it.each([0, 17, 255])('rejects a CBC pad length byte of %i with SAML_DECRYPTION_FAILED', async (padByte) => {
    await expectCode(decrypt({ padByte }), 'SAML_DECRYPTION_FAILED')
  })

  it('rejects a key of the wrong size for the content algorithm', async () => {
    await expectCode(decrypt({ content: `${XENC}aes256-cbc`, keyBytes: 16 }), 'SAML_DECRYPTION_FAILED')
  })

  it('rejects plaintext that is not UTF-8 with SAML_DECRYPTION_FAILED (one code for every failure)', async () => {
    await expectCode(decrypt({ plaintext: new Uint8Array([0x3c, 0xff, 0xfe, 0x3e]) }), 'SAML_DECRYPTION_FAILED')
  })

  it.each([
    ['tripledes-cbc', `${XENC}tripledes-cbc`],
    ['an unknown algorithm', 'urn:example:rot13'],
    ['AES key wrap used as content', `${XENC}kw-aes256`],
    // Issue 11 item 10: prototype keys of a plain-object table.
    ['the prototype key "constructor"', 'constructor'],
    ['the prototype key "__proto__"', '__proto__'],
  ])('refuses %s with SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED', async (_name, content) => {
    await expectCode(decrypt({ content }), 'SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED')
  })
})

describe('key transport', () => {
  it('rsa-oaep-mgf1p with an explicit SHA-1 DigestMethod and with a label (OAEPparams)', async () => {
    expect(await decrypt({ transportXml: `<ds:DigestMethod Algorithm="${DSIG}sha1"/>` })).toBe(ASSERTION)
    expect(await decrypt({ label: new Uint8Array([1, 2, 3]) })).toBe(ASSERTION)
  })

  it('xmlenc11#rsa-oaep with SHA-256 digest and MGF1-SHA-256, and with defaults (SHA-1)', async () => {
    const transport = `${XENC11}rsa-oaep`
    const transportXml = `<ds:DigestMethod Algorithm="${XENC}sha256"/><xenc11:MGF Algorithm="${XENC11}mgf1sha256"/>`
    expect(await decrypt({ transport, transportXml, oaepHash: 'SHA-256' })).toBe(ASSERTION)
    expect(await decrypt({ transport })).toBe(ASSERTION)
  })

  it.each([
    ['rsa-oaep-mgf1p with a SHA-256 digest (MGF1 stays SHA-1)', `${XENC}rsa-oaep-mgf1p`, `<ds:DigestMethod Algorithm="${XENC}sha256"/>`],
    ['xmlenc11#rsa-oaep with SHA-256 digest and default MGF1-SHA-1', `${XENC11}rsa-oaep`, `<ds:DigestMethod Algorithm="${XENC}sha256"/>`],
    ['xmlenc11#rsa-oaep with an unknown MGF', `${XENC11}rsa-oaep`, `<xenc11:MGF Algorithm="${XENC11}mgf1sha224"/>`],
    ['xmlenc11#rsa-oaep with the MGF "constructor"', `${XENC11}rsa-oaep`, `<xenc11:MGF Algorithm="constructor"/>`],
    ['an unknown OAEP digest', `${XENC}rsa-oaep-mgf1p`, `<ds:DigestMethod Algorithm="urn:md5"/>`],
    ['RSA PKCS#1 v1.5 (Bleichenbacher)', `${XENC}rsa-1_5`, ''],
    ['AES key wrap (no shared keys configured)', `${XENC}kw-aes128`, ''],
  ])('refuses %s with SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED', async (_name, transport, transportXml) => {
    await expectCode(decrypt({ transport, transportXml }), 'SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED')
  })

  it('refuses RSA 1.5 even when the caller passes allowRsa15: false explicitly', async () => {
    const encrypted = encryptedAssertionOf(await build({ transport: `${XENC}rsa-1_5` }))
    await expectCode(decryptEncryptedAssertion(encrypted, [spPem], { allowRsa15: false }), 'SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED')
  })

  it('fails with SAML_DECRYPTION_FAILED for a wrong label or a key for another SP', async () => {
    await expectCode(
      decrypt({ label: new Uint8Array([1]), transportXml: `<xenc:OAEPparams>${encodeBase64(new Uint8Array([2]))}</xenc:OAEPparams>` }),
      'SAML_DECRYPTION_FAILED',
    )
    await expectCode(decrypt({}, [otherPem]), 'SAML_DECRYPTION_FAILED')
  })
})

describe('EncryptedKey lookup stays inside the EncryptedAssertion', () => {
  it('follows RetrievalMethod to a sibling EncryptedKey (Okta)', async () => {
    expect(await decrypt({ placement: 'retrieval' })).toBe(ASSERTION)
  })

  it('uses a sibling EncryptedKey when KeyInfo names none (SAML core §2.3.4)', async () => {
    expect(await decrypt({ placement: 'sibling' })).toBe(ASSERTION)
  })

  it('never resolves RetrievalMethod outside the EncryptedAssertion', async () => {
    // Move the EncryptedKey from the EncryptedAssertion to the Response: same Id, same bytes.
    const xml = await build({ placement: 'retrieval' })
    const key = /<xenc:EncryptedKey [\s\S]*<\/xenc:EncryptedKey>/.exec(xml)![0]
    const moved = xml.replace(key, '').replace('</samlp:Response>', `${key}</samlp:Response>`)
    await expectCode(decryptEncryptedAssertion(encryptedAssertionOf(moved), [spPem]), 'SAML_DECRYPTION_FAILED')
  })

  it('fails closed when the RetrievalMethod Id matches two siblings (ambiguous)', async () => {
    const xml = await build({ placement: 'retrieval' })
    const key = /<xenc:EncryptedKey [\s\S]*<\/xenc:EncryptedKey>/.exec(xml)![0]
    await expectCode(decryptEncryptedAssertion(encryptedAssertionOf(xml.replace(key, key + key)), [spPem]), 'SAML_DECRYPTION_FAILED')
  })

  it('decrypts a multi-recipient message: other SP first, RSA 1.5 copy, then ours', async () => {
    const xml = await build({ placement: 'keyinfo' })
    const ours = /<xenc:EncryptedKey [\s\S]*<\/xenc:EncryptedKey>/.exec(xml)![0]
    const foreign = ours.replace(/<xenc:CipherValue>[^<]*</, `<xenc:CipherValue>${encodeBase64(new Uint8Array(256).fill(9))}<`)
    const rsa15 = ours.replace(`${XENC}rsa-oaep-mgf1p`, `${XENC}rsa-1_5`)
    expect(await decryptEncryptedAssertion(encryptedAssertionOf(xml.replace(ours, foreign + rsa15 + ours)), [spPem])).toBe(ASSERTION)
  })

  it('bounds the number of EncryptedKeys tried', async () => {
    const xml = await build({ placement: 'keyinfo' })
    const ours = /<xenc:EncryptedKey [\s\S]*<\/xenc:EncryptedKey>/.exec(xml)![0]
    await expectCode(decryptEncryptedAssertion(encryptedAssertionOf(xml.replace(ours, ours.repeat(5))), [spPem]), 'SAML_DECRYPTION_FAILED')
  })
})

describe('structure', () => {
  const variants: Array<[string, (xml: string) => string]> = [
    ['two EncryptedData', (x) => x.replace(/(<xenc:EncryptedData[\s\S]*<\/xenc:EncryptedData>)/, '$1$1')],
    ['no EncryptedData', (x) => x.replace(/<xenc:EncryptedData[\s\S]*<\/xenc:EncryptedData>/, '')],
    ['EncryptedData Type="#Content"', (x) => x.replace(`Type="${XENC}Element"`, `Type="${XENC}Content"`)],
    [
      'CipherReference instead of CipherValue',
      (x) =>
        x.replace(
          /<xenc:CipherValue>([^<]*)<\/xenc:CipherValue><\/xenc:CipherData><\/xenc:EncryptedData>/,
          '<xenc:CipherReference URI="https://attacker.example/ct"/></xenc:CipherData></xenc:EncryptedData>',
        ),
    ],
    ['invalid base64 in CipherValue', (x) => x.replace(/(<\/xenc:EncryptedKey>[\s\S]*<xenc:CipherValue>)/, '$1*')],
    [
      'a CBC ciphertext that is not whole blocks',
      (x) => x.replace(/(<\/ds:KeyInfo><xenc:CipherData><xenc:CipherValue>)([^<]*)/, (_m, a: string) => `${a}${encodeBase64(new Uint8Array(40))}`),
    ],
    ['EncryptedData without EncryptionMethod', (x) => x.replace(/<xenc:EncryptionMethod Algorithm="[^"]*aes256-cbc"\/>/, '')],
    ['no EncryptedKey at all', (x) => x.replace(/<xenc:EncryptedKey [\s\S]*<\/xenc:EncryptedKey>/, '')],
  ]
  it.each(variants)('rejects %s with SAML_DECRYPTION_FAILED', async (_name, mutate) => {
    const xml = mutate(await build())
    await expectCode(decryptEncryptedAssertion(encryptedAssertionOf(xml), [spPem]), 'SAML_DECRYPTION_FAILED')
  })

  it('rejects an element that is not saml:EncryptedAssertion', async () => {
    await expectCode(decryptEncryptedAssertion(parse(ASSERTION), [spPem]), 'SAML_DECRYPTION_FAILED')
  })
})
