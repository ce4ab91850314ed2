/**
 * XML Encryption for saml:EncryptedAssertion: RSA-OAEP key transport, AES-CBC/AES-GCM content.
 * Trusts only the SP's own private keys; EncryptedKey is looked up only inside this EncryptedAssertion.
 * Must never fetch (CipherReference), use RSA PKCS#1 v1.5, or reveal which decryption step failed.
 */
import type { Element } from '@xmldom/xmldom'
import { lookupDigest, uriTable } from '../dsig/algorithms'
import type { HashName } from '../dsig/algorithms'
import { decodeBase64 } from '../encoding'
import { SamlError } from '../errors'
import { importPrivateKey } from '../x509'
import { attr, childElements, isElementNamed, NS, textContent } from '../xml/dom'

const XENC = NS.xenc
const XENC11 = NS.xenc11

/** EncryptedKeys tried per assertion: each costs one RSA private-key operation per SP key. */
export const MAX_ENCRYPTED_KEYS = 4
// PEM keys imported per OAEP hash; a deployment has one or two SP keys (rollover), so 16 is ample.
const MAX_CACHED_PRIVATE_KEYS = 16

interface ContentAlgorithm {
  name: 'AES-CBC' | 'AES-GCM'
  keyBytes: number
}

// XML-Enc 1.0 §5.2.2 (AES-CBC) and XML-Enc 1.1 §5.2.4 (AES-GCM). AES-192 works in Node 22 and
// workerd (both checked); 3DES (xmlenc#tripledes-cbc) has no WebCrypto implementation at all.
const CONTENT_ALGORITHMS = uriTable<ContentAlgorithm>({
  [`${XENC}aes128-cbc`]: { name: 'AES-CBC', keyBytes: 16 },
  [`${XENC}aes192-cbc`]: { name: 'AES-CBC', keyBytes: 24 },
  [`${XENC}aes256-cbc`]: { name: 'AES-CBC', keyBytes: 32 },
  [`${XENC11}aes128-gcm`]: { name: 'AES-GCM', keyBytes: 16 },
  [`${XENC11}aes192-gcm`]: { name: 'AES-GCM', keyBytes: 24 },
  [`${XENC11}aes256-gcm`]: { name: 'AES-GCM', keyBytes: 32 },
})

const RSA_OAEP_MGF1P = `${XENC}rsa-oaep-mgf1p`
const RSA_OAEP = `${XENC11}rsa-oaep`
const RSA_1_5 = `${XENC}rsa-1_5`
// XML-Enc 1.1 §5.5.2: MGF1 variants; absent xenc11:MGF means MGF1 with SHA-1.
const MGF1_HASHES = uriTable<HashName>({
  [`${XENC11}mgf1sha1`]: 'SHA-1',
  [`${XENC11}mgf1sha256`]: 'SHA-256',
  [`${XENC11}mgf1sha384`]: 'SHA-384',
  [`${XENC11}mgf1sha512`]: 'SHA-512',
})

export interface DecryptOptions {
  /**
   * RSA PKCS#1 v1.5 key transport is always refused: it is open to Bleichenbacher's padding
   * oracle (XML-Enc 1.1 §5.5.1 warns; Jager et al. 2012 broke it in XML-Enc), and WebCrypto has
   * no RSAES-PKCS1-v1_5 to run it with anyway. Typed `false` so no caller can ask for it.
   */
  allowRsa15?: false
}

interface KeyTransport {
  hash: HashName
  label: Uint8Array | undefined
  cipher: Uint8Array
}

const failed = (reason: string): SamlError => new SamlError('SAML_DECRYPTION_FAILED', 'Could not decrypt the assertion', { reason })
const unsupported = (algorithm: string, reason: string): SamlError =>
  new SamlError('SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED', `Unsupported encryption: ${reason}`, { algorithm: algorithm.slice(0, 120), reason })

/**
 * Decrypt `saml:EncryptedAssertion` and return the Assertion's XML text (the caller parses it).
 * `keys` are the SP's RSA private keys as PEM (PKCS#8 or PKCS#1) or RSA-OAEP CryptoKeys; each
 * is tried against each EncryptedKey. Throws SAML_NO_DECRYPTION_KEY without keys,
 * SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED for algorithms outside the table, and
 * SAML_DECRYPTION_FAILED for everything else (wrong key, bad padding, tag, structure or UTF-8).
 * The caller must report a parse failure of the returned text as SAML_DECRYPTION_FAILED too,
 * or the error code becomes a CBC padding/format oracle (Jager & Somorovsky, CCS 2011).
 */
export async function decryptEncryptedAssertion(
  encryptedAssertion: Element,
  keys: readonly CryptoKey[] | readonly string[],
  _options: DecryptOptions = {},
): Promise<string> {
  if (keys.length === 0) throw new SamlError('SAML_NO_DECRYPTION_KEY', 'The response is encrypted but no SP decryption key is configured')
  if (!isElementNamed(encryptedAssertion, NS.saml, 'EncryptedAssertion')) throw failed('not an EncryptedAssertion')
  const dataElements = childElements(encryptedAssertion).filter((c) => isElementNamed(c, XENC, 'EncryptedData'))
  const encryptedData = dataElements[0]
  if (!encryptedData || dataElements.length !== 1) throw failed('expected exactly one EncryptedData')
  // SAML core §2.3.4: the content is an encrypted Assertion element, never element content.
  const type = attr(encryptedData, 'Type')
  if (type !== null && type !== `${XENC}Element`) throw failed('EncryptedData Type is not Element')

  // EncryptionMethod is optional in the schema ("known from context"); SAML gives no context.
  const contentMethod = onlyChild(encryptedData, XENC, 'EncryptionMethod')
  if (!contentMethod) throw failed('EncryptedData without EncryptionMethod')
  const contentUri = attr(contentMethod, 'Algorithm') ?? ''
  const content = CONTENT_ALGORITHMS.get(contentUri)
  if (!content) {
    throw unsupported(contentUri, contentUri === `${XENC}tripledes-cbc` ? '3DES is not available in WebCrypto' : 'content encryption algorithm not supported')
  }
  const cipherText = readCipherValue(encryptedData)

  const transports: KeyTransport[] = []
  let firstUnsupported: SamlError | null = null
  for (const encryptedKey of findEncryptedKeys(encryptedAssertion, encryptedData)) {
    try {
      transports.push(readKeyTransport(encryptedKey))
    } catch (error) {
      // Keep looking: another EncryptedKey (multi-recipient messages) may use a supported method.
      if (!(error instanceof SamlError) || error.code !== 'SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED') throw error
      firstUnsupported ??= error
    }
  }
  if (transports.length === 0) throw firstUnsupported ?? failed('no usable EncryptedKey')

  for (const transport of transports) {
    for (const key of keys) {
      const privateKey = await resolvePrivateKey(key, transport.hash)
      if (!privateKey) continue
      const plaintext = await tryDecrypt(transport, privateKey, content, cipherText)
      if (plaintext !== null) return plaintext
    }
  }
  throw failed('no configured key decrypts the assertion')
}

/** One attempt; null on any cryptographic failure so that all of them look alike to the sender. */
async function tryDecrypt(transport: KeyTransport, privateKey: CryptoKey, content: ContentAlgorithm, cipherText: Uint8Array): Promise<string | null> {
  let rawKey: Uint8Array
  try {
    const params = transport.label ? { name: 'RSA-OAEP', label: transport.label } : { name: 'RSA-OAEP' }
    rawKey = new Uint8Array(await crypto.subtle.decrypt(params, privateKey, transport.cipher))
  } catch {
    return null // OAEP check failed: this key is not the recipient (or the value was tampered with)
  }
  if (rawKey.length !== content.keyBytes) return null
  try {
    const plain = content.name === 'AES-GCM' ? await decryptGcm(rawKey, cipherText) : await decryptCbc(rawKey, cipherText)
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(plain)
  } catch {
    return null // wrong length, padding, GCM tag or UTF-8: one answer for all, see the header
  }
}

/**
 * AES-CBC with XML-Enc padding (§5.2, ISO 10126 style: last byte = pad length 1..16, the other
 * pad bytes arbitrary). WebCrypto insists on PKCS#7 padding, so we append one crafted block that
 * decrypts to a full PKCS#7 block (16 × 0x10): E_k(lastBlock XOR 0x10…) is the first block of
 * encrypting 16 × 0x10 with IV = lastBlock. WebCrypto strips that block; we strip the XML-Enc pad.
 */
async function decryptCbc(rawKey: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  if (data.length < 32 || data.length % 16 !== 0) throw new Error('bad AES-CBC length')
  const key = await crypto.subtle.importKey('raw', rawKey, 'AES-CBC', false, ['encrypt', 'decrypt'])
  const iv = data.subarray(0, 16)
  const body = data.subarray(16)
  const fullPadBlock = new Uint8Array(16).fill(16)
  const crafted = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: body.subarray(body.length - 16) }, key, fullPadBlock))
  const extended = new Uint8Array(body.length + 16)
  extended.set(body)
  extended.set(crafted.subarray(0, 16), body.length)
  const padded = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, key, extended))
  const padLength = padded[padded.length - 1] ?? 0
  if (padLength < 1 || padLength > 16 || padLength > padded.length) throw new Error('bad XML-Enc padding')
  return padded.subarray(0, padded.length - padLength)
}

/** AES-GCM (XML-Enc 1.1 §5.2.4): 96-bit IV first, then ciphertext || 128-bit tag, as WebCrypto wants. */
async function decryptGcm(rawKey: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  if (data.length < 12 + 16) throw new Error('bad AES-GCM length')
  const key = await crypto.subtle.importKey('raw', rawKey, 'AES-GCM', false, ['decrypt'])
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: data.subarray(0, 12), tagLength: 128 }, key, data.subarray(12)))
}

/**
 * The EncryptedKeys for this EncryptedData: inside its ds:KeyInfo, or referenced from there by a
 * ds:RetrievalMethod "#id" that must name a direct child of the same EncryptedAssertion (Okta).
 * With neither in KeyInfo, the EncryptedAssertion's own EncryptedKey children (SAML core §2.3.4).
 * Never a document-wide ID lookup: that would let another part of the message supply the key.
 */
function findEncryptedKeys(encryptedAssertion: Element, encryptedData: Element): Element[] {
  const siblings = childElements(encryptedAssertion).filter((c) => isElementNamed(c, XENC, 'EncryptedKey'))
  const found: Element[] = []
  let referenced = false
  const keyInfo = onlyChild(encryptedData, NS.ds, 'KeyInfo')
  for (const child of keyInfo ? childElements(keyInfo) : []) {
    if (isElementNamed(child, XENC, 'EncryptedKey')) {
      found.push(child)
    } else if (isElementNamed(child, NS.ds, 'RetrievalMethod')) {
      referenced = true
      const type = attr(child, 'Type')
      const uri = attr(child, 'URI') ?? ''
      if ((type !== null && type !== `${XENC}EncryptedKey`) || !uri.startsWith('#')) continue
      const targets = siblings.filter((k) => attr(k, 'Id') === uri.slice(1))
      // Two siblings with one Id would make the choice ambiguous: use neither.
      if (targets.length === 1) found.push(targets[0]!)
    }
  }
  // A RetrievalMethod that resolves to nothing (or to two elements) fails; no guessing then.
  const candidates = found.length > 0 || referenced ? found : siblings
  if (candidates.length === 0) throw failed('no EncryptedKey for the EncryptedData')
  if (candidates.length > MAX_ENCRYPTED_KEYS) throw failed('too many EncryptedKey elements')
  return candidates
}

/** Key transport method of one EncryptedKey; throws SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED. */
function readKeyTransport(encryptedKey: Element): KeyTransport {
  const method = onlyChild(encryptedKey, XENC, 'EncryptionMethod')
  if (!method) throw failed('EncryptedKey without EncryptionMethod')
  const uri = attr(method, 'Algorithm') ?? ''
  if (uri === RSA_1_5) throw unsupported(uri, 'RSA PKCS#1 v1.5 key transport is refused (Bleichenbacher)')
  if (uri !== RSA_OAEP_MGF1P && uri !== RSA_OAEP) throw unsupported(uri, 'key transport algorithm not supported')

  // XML-Enc 1.0 §5.4.2: DigestMethod is optional and defaults to SHA-1 (PingFederate and Keycloak
  // omit it). WebCrypto's RSA-OAEP uses one hash for the label digest and MGF1, so rsa-oaep-mgf1p
  // (MGF1 fixed to SHA-1) only works with SHA-1, and xmlenc11#rsa-oaep only with matching hashes.
  const digestMethod = onlyChild(method, NS.ds, 'DigestMethod')
  const hash = digestMethod ? lookupDigest(attr(digestMethod, 'Algorithm') ?? '', 'SAML_ENCRYPTION_ALGORITHM_UNSUPPORTED').hash : 'SHA-1'
  const mgf = onlyChild(method, XENC11, 'MGF')
  const mgfUri = mgf ? (attr(mgf, 'Algorithm') ?? '') : `${XENC11}mgf1sha1`
  const mgfHash = uri === RSA_OAEP ? MGF1_HASHES.get(mgfUri) : 'SHA-1'
  if (!mgfHash) throw unsupported(mgfUri, 'mask generation function not supported')
  if (mgfHash !== hash) throw unsupported(uri, `RSA-OAEP with ${hash} digest and MGF1-${mgfHash} is not available in WebCrypto`)

  const oaepParams = onlyChild(method, XENC, 'OAEPparams')
  const label = oaepParams ? decodeBase64(textContent(oaepParams), 'SAML_DECRYPTION_FAILED') : undefined
  return { hash, label: label && label.length > 0 ? label : undefined, cipher: readCipherValue(encryptedKey) }
}

/** CipherData/CipherValue bytes. CipherReference would make us fetch a URL: refused. */
function readCipherValue(el: Element): Uint8Array {
  const cipherData = onlyChild(el, XENC, 'CipherData')
  const cipherValue = cipherData && onlyChild(cipherData, XENC, 'CipherValue')
  if (!cipherValue) throw failed('missing CipherData/CipherValue')
  return decodeBase64(textContent(cipherValue), 'SAML_DECRYPTION_FAILED')
}

/** The single direct child `{ns}name`, null when absent; a duplicate is a structural failure. */
function onlyChild(parent: Element, ns: string, name: string): Element | null {
  const matches = childElements(parent).filter((c) => isElementNamed(c, ns, name))
  if (matches.length > 1) throw failed(`duplicate ${name}`)
  return matches[0] ?? null
}

const privateKeyCache = new Map<string, Promise<CryptoKey>>()

/** An RSA-OAEP key for `hash`: PEM imported (and cached) per hash; a CryptoKey only if it fits. */
async function resolvePrivateKey(key: CryptoKey | string, hash: HashName): Promise<CryptoKey | null> {
  if (typeof key !== 'string') {
    const algorithm = key.algorithm as CryptoKeyArbitraryKeyAlgorithm
    // A CryptoKey is bound to one hash; using it for another would fail as "wrong key" anyway.
    return algorithm.name === 'RSA-OAEP' && algorithm.hash?.name === hash ? key : null
  }
  const cacheKey = `${hash}\n${key}`
  let imported = privateKeyCache.get(cacheKey)
  if (!imported) {
    if (privateKeyCache.size >= MAX_CACHED_PRIVATE_KEYS) privateKeyCache.delete(privateKeyCache.keys().next().value!)
    imported = importPrivateKey(key, { name: 'RSA-OAEP', hash })
    privateKeyCache.set(cacheKey, imported)
    // A broken PEM is a configuration error (SAML_KEY_INVALID): report it, and do not cache it.
    imported.catch(() => privateKeyCache.delete(cacheKey))
  }
  return imported
}
