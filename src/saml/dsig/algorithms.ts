/**
 * The one table of XML-DSig algorithms: URI → WebCrypto parameters + policy (jose jws_algorithms).
 * Trusts only the URI strings it is given and the certificates the caller configured.
 * Must never accept a URI outside the table, an HMAC URI above all (public-key/HMAC confusion).
 */
import type { Element } from '@xmldom/xmldom'
import { latin1 } from '../der'
import { SamlError } from '../errors'
import type { SamlErrorCode } from '../errors'
import type { NamedCurve, ParsedCertificate } from '../x509'
import { attr, childElements, isElementNamed, NS, textContent } from '../xml/dom'
import { createKeyCache } from './key-cache'

export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512'

export interface DigestAlgorithm {
  uri: string
  hash: HashName
  /** SHA-1 is collision-broken (SHAttered, 2017): only accepted where the IdP config allows it. */
  isSha1: boolean
}

export interface SignatureAlgorithm {
  uri: string
  /** WebCrypto algorithm name. */
  name: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS' | 'ECDSA'
  /** The certificate key type this algorithm needs. */
  keyType: 'RSA' | 'EC'
  hash: HashName
  isSha1: boolean
  /** RSA-PSS: salt length in bytes. */
  saltLength?: number
}

const DSIG = 'http://www.w3.org/2000/09/xmldsig#'
const DSIG_MORE = 'http://www.w3.org/2001/04/xmldsig-more#'
const DSIG_MORE_2007 = 'http://www.w3.org/2007/05/xmldsig-more#'
const XMLENC = 'http://www.w3.org/2001/04/xmlenc#'

// ---- Transforms and canonicalization (XML-DSig 1.0 §6.5, §6.6) ----------------------------

export const TRANSFORM_ENVELOPED_SIGNATURE = `${DSIG}enveloped-signature`
export const C14N_10 = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315'
export const C14N_10_WITH_COMMENTS = `${C14N_10}#WithComments`
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#'
export const EXC_C14N_WITH_COMMENTS = `${EXC_C14N}WithComments`

/**
 * An algorithm table keyed by URI, as a Map: an object literal would also "contain" `constructor`,
 * `__proto__` and `toString` through its prototype, so a message naming such an "algorithm" would
 * find an entry.
 */
export function uriTable<T>(entries: Record<string, T>): ReadonlyMap<string, T> {
  return new Map(Object.entries(entries))
}

const CANONICALIZATIONS = uriTable<{ exclusive: boolean; withComments: boolean }>({
  [C14N_10]: { exclusive: false, withComments: false },
  [C14N_10_WITH_COMMENTS]: { exclusive: false, withComments: true },
  [EXC_C14N]: { exclusive: true, withComments: false },
  [EXC_C14N_WITH_COMMENTS]: { exclusive: true, withComments: true },
})

/**
 * Options for `canonicalize` from a CanonicalizationMethod/Transform URI. Only the four C14N 1.0
 * variants: Canonical XML 1.1 (xml-c14n11) is refused like any other URI (SAML_SIGNATURE_UNSUPPORTED).
 */
export function lookupCanonicalization(uri: string): { exclusive: boolean; withComments: boolean } {
  const c14n = CANONICALIZATIONS.get(uri)
  if (!c14n) throw unsupported(uri, 'canonicalization method not supported')
  return { ...c14n }
}

// ---- Digests ------------------------------------------------------------------------------

const DIGESTS = uriTable<HashName>({
  [`${DSIG}sha1`]: 'SHA-1',
  [`${XMLENC}sha256`]: 'SHA-256',
  [`${DSIG_MORE}sha384`]: 'SHA-384',
  [`${XMLENC}sha512`]: 'SHA-512',
  // sha224 (xmldsig-more#sha224) is deliberately absent: WebCrypto has no SHA-224.
})

const HASH_BYTES: Readonly<Record<HashName, number>> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }

/** A DigestMethod URI; unknown ones throw `code` (SAML_SIGNATURE_UNSUPPORTED unless given). */
export function lookupDigest(uri: string, code: SamlErrorCode = 'SAML_SIGNATURE_UNSUPPORTED'): DigestAlgorithm {
  const hash = DIGESTS.get(uri)
  if (!hash) throw unsupported(uri, 'digest algorithm not supported', code)
  return { uri, hash, isSha1: hash === 'SHA-1' }
}

export async function computeDigest(uri: string, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(lookupDigest(uri).hash, data))
}

// ---- Signatures ---------------------------------------------------------------------------

type TableEntry = Pick<SignatureAlgorithm, 'name' | 'keyType' | 'hash'>
const rsa = (hash: HashName): TableEntry => ({ name: 'RSASSA-PKCS1-v1_5', keyType: 'RSA', hash })
const pss = (hash: HashName): TableEntry => ({ name: 'RSA-PSS', keyType: 'RSA', hash })
const ecdsa = (hash: HashName): TableEntry => ({ name: 'ECDSA', keyType: 'EC', hash })

const SIGNATURES = uriTable<TableEntry>({
  [`${DSIG}rsa-sha1`]: rsa('SHA-1'),
  [`${DSIG_MORE}rsa-sha256`]: rsa('SHA-256'),
  [`${DSIG_MORE}rsa-sha384`]: rsa('SHA-384'),
  [`${DSIG_MORE}rsa-sha512`]: rsa('SHA-512'),
  // RFC 6931 §2.3.10 "RSASSA-PSS without parameters": MGF1 with the same hash, salt = hash length.
  [`${DSIG_MORE_2007}sha1-rsa-MGF1`]: pss('SHA-1'),
  [`${DSIG_MORE_2007}sha256-rsa-MGF1`]: pss('SHA-256'),
  [`${DSIG_MORE_2007}sha384-rsa-MGF1`]: pss('SHA-384'),
  [`${DSIG_MORE_2007}sha512-rsa-MGF1`]: pss('SHA-512'),
  // RFC 6931 §2.3.6: SignatureValue is r || s, each zero-padded to the curve size, which is
  // exactly WebCrypto's ECDSA signature format (no DER SEQUENCE as in X.509 or JCA).
  [`${DSIG_MORE}ecdsa-sha1`]: ecdsa('SHA-1'),
  [`${DSIG_MORE}ecdsa-sha256`]: ecdsa('SHA-256'),
  [`${DSIG_MORE}ecdsa-sha384`]: ecdsa('SHA-384'),
  [`${DSIG_MORE}ecdsa-sha512`]: ecdsa('SHA-512'),
})

/** RSA-PSS whose parameters are given in a pss:RSAPSSParams child of SignatureMethod (RFC 6931 §2.3.9). */
export const RSA_PSS_WITH_PARAMETERS = `${DSIG_MORE_2007}rsa-pss`

// HMAC with a *public* certificate as the key lets anyone who has the certificate forge
// signatures (the JWT "alg" confusion, CVE-2016-10555 class). Named here to say so in the error.
const HMAC_URIS = new Set([
  `${DSIG}hmac-sha1`,
  `${DSIG_MORE}hmac-md5`,
  `${DSIG_MORE}hmac-ripemd160`,
  `${DSIG_MORE}hmac-sha224`,
  `${DSIG_MORE}hmac-sha256`,
  `${DSIG_MORE}hmac-sha384`,
  `${DSIG_MORE}hmac-sha512`,
])

function unsupported(uri: string, reason: string, code: SamlErrorCode = 'SAML_SIGNATURE_UNSUPPORTED'): SamlError {
  // The URI is attacker-chosen text: truncate it before it reaches logs.
  return new SamlError(code, `Unsupported algorithm: ${reason}`, { algorithm: uri.slice(0, 120), reason })
}

/**
 * A SignatureMethod URI. Pass the SignatureMethod element too, so that `#rsa-pss` can read its
 * RSAPSSParams; for every other URI the element is not consulted.
 * Unknown, HMAC, DSA, MD5 and SHA-224 algorithms throw SAML_SIGNATURE_UNSUPPORTED.
 */
export function lookupSignature(uri: string, signatureMethod?: Element): SignatureAlgorithm {
  if (HMAC_URIS.has(uri) || /#hmac-/i.test(uri)) throw unsupported(uri, 'HMAC is never accepted with certificate keys')
  if (uri === RSA_PSS_WITH_PARAMETERS) return readRsaPssParameters(signatureMethod)
  const entry = SIGNATURES.get(uri)
  if (!entry) throw unsupported(uri, 'signature algorithm not supported')
  return {
    uri,
    ...entry,
    isSha1: entry.hash === 'SHA-1',
    ...(entry.name === 'RSA-PSS' ? { saltLength: HASH_BYTES[entry.hash] } : {}),
  }
}

/**
 * RFC 6931 §2.3.9 parameters. Absent values default to SHA-256, MGF1 with the same digest,
 * salt = digest length, trailer 1. WebCrypto's RSA-PSS uses one hash for the message and MGF1,
 * so a different MGF1 digest (or trailer field) is refused. A wrong default only makes
 * verification fail; it can never make a bad signature pass.
 */
function readRsaPssParameters(signatureMethod: Element | undefined): SignatureAlgorithm {
  const uri = RSA_PSS_WITH_PARAMETERS
  let hash: HashName = 'SHA-256'
  let mgfHash: HashName | null = null
  let saltLength: number | null = null
  const params = signatureMethod && childElements(signatureMethod).find((c) => isElementNamed(c, DSIG_MORE_2007, 'RSAPSSParams'))
  for (const child of params ? childElements(params) : []) {
    if (isElementNamed(child, NS.ds, 'DigestMethod')) {
      hash = lookupDigest(attr(child, 'Algorithm') ?? '').hash
    } else if (isElementNamed(child, DSIG_MORE_2007, 'MaskGenerationFunction')) {
      const mgf = attr(child, 'Algorithm') ?? `${DSIG_MORE_2007}MGF1`
      if (mgf !== `${DSIG_MORE_2007}MGF1`) throw unsupported(mgf, 'mask generation function not supported')
      const mgfDigest = childElements(child).find((c) => isElementNamed(c, NS.ds, 'DigestMethod'))
      if (mgfDigest) mgfHash = lookupDigest(attr(mgfDigest, 'Algorithm') ?? '').hash
    } else if (isElementNamed(child, DSIG_MORE_2007, 'SaltLength')) {
      saltLength = parseSmallInteger(textContent(child))
    } else if (isElementNamed(child, DSIG_MORE_2007, 'TrailerField')) {
      if (parseSmallInteger(textContent(child)) !== 1) throw unsupported(uri, 'RSA-PSS trailer field must be 1')
    } else {
      throw unsupported(uri, 'unexpected element in RSAPSSParams')
    }
  }
  if (mgfHash && mgfHash !== hash) throw unsupported(uri, 'RSA-PSS with different message and MGF1 digests')
  return { uri, name: 'RSA-PSS', keyType: 'RSA', hash, isSha1: hash === 'SHA-1', saltLength: saltLength ?? HASH_BYTES[hash] }
}

function parseSmallInteger(text: string): number {
  const trimmed = text.trim()
  // Bounded: no RSA key we accept has room for a salt past a few hundred bytes.
  if (!/^\d{1,4}$/.test(trimmed)) throw unsupported(RSA_PSS_WITH_PARAMETERS, 'bad RSA-PSS integer parameter')
  return Number(trimmed)
}

// ---- Keys and verification ----------------------------------------------------------------

/** Below this an RSA key is factorable with public tools; real IdPs still use 1024 (Okta 2013, Feide). */
export const MIN_RSA_MODULUS_BITS = 1024
// A busy isolate sees the same few IdP certificates again and again: each is imported once per
// isolate, at most MAX_CACHED_VERIFY_KEYS of them (a flood of distinct admin-configured
// certificates cannot grow memory).
export const MAX_CACHED_VERIFY_KEYS = 64
const verifyKeys = createKeyCache(MAX_CACHED_VERIFY_KEYS)

const ECDSA_SIGNATURE_BYTES: Readonly<Record<NamedCurve, number>> = { 'P-256': 64, 'P-384': 96, 'P-521': 132 }

function importParameters(cert: ParsedCertificate, sig: SignatureAlgorithm): SubtleCryptoImportKeyAlgorithm {
  if (cert.keyType !== sig.keyType) {
    // An RSA certificate with an ECDSA URI (or the reverse) cannot be a genuine signature.
    throw new SamlError('SAML_SIGNATURE_INVALID', 'Signature algorithm does not match the certificate key type', {
      algorithm: sig.uri,
      keyType: cert.keyType,
    })
  }
  if (cert.keyType === 'RSA') {
    if ((cert.rsaModulusBits ?? 0) < MIN_RSA_MODULUS_BITS) {
      throw new SamlError('SAML_CERTIFICATE_INVALID', 'RSA key too small', { bits: cert.rsaModulusBits ?? null, minimum: MIN_RSA_MODULUS_BITS })
    }
    return { name: sig.name, hash: sig.hash }
  }
  if (!cert.namedCurve) throw new SamlError('SAML_CERTIFICATE_INVALID', 'EC certificate without a named curve')
  return { name: 'ECDSA', namedCurve: cert.namedCurve }
}

/**
 * The certificate's public key, imported for `sig` (cached per public key and algorithm).
 * Key type mismatch → SAML_SIGNATURE_INVALID; an unusable key → SAML_CERTIFICATE_INVALID.
 */
export async function importCertificateVerifyKey(cert: ParsedCertificate, sig: SignatureAlgorithm): Promise<CryptoKey> {
  const params = importParameters(cert, sig)
  // Keyed by the whole SPKI (not object identity, not a prefix), so re-parsed IdP configs still hit
  // the cache and other key bytes never do; with the algorithm, as the key is bound to it.
  return verifyKeys.get(`${sig.name}/${sig.hash}/${latin1(cert.spki)}`, () =>
    crypto.subtle.importKey('spki', cert.spki, params, false, ['verify']).catch(() => {
      throw new SamlError('SAML_CERTIFICATE_INVALID', 'Certificate public key cannot be imported', { keyType: cert.keyType })
    }),
  )
}

/**
 * Verify a SignatureValue over the canonical SignedInfo bytes. Returns false for a wrong
 * signature, including an ECDSA value whose length does not match the curve (a DER-encoded
 * ECDSA value, as some Java stacks emit, is not XML-DSig and is rejected rather than converted).
 */
export async function verifySignatureValue(sig: SignatureAlgorithm, key: CryptoKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  // The key must have been imported for exactly this algorithm: WebCrypto would otherwise verify
  // with the hash the key carries, not the one SignatureMethod names.
  const keyAlgorithm = key.algorithm as CryptoKeyArbitraryKeyAlgorithm
  if (keyAlgorithm.name !== sig.name) return false
  if (sig.name !== 'ECDSA' && keyAlgorithm.hash?.name !== sig.hash) return false
  let params: SubtleCryptoSignAlgorithm = { name: sig.name }
  if (sig.name === 'ECDSA') {
    const expectedLength = ECDSA_SIGNATURE_BYTES[keyAlgorithm.namedCurve as NamedCurve]
    if (expectedLength === undefined || signature.length !== expectedLength) return false
    params = { name: 'ECDSA', hash: sig.hash }
  } else {
    // RFC 8017 §8.1.2/§8.2.2 and XML-DSig §6.4.2: an RSA signature is exactly k octets. OpenSSL
    // (so Node) accepts shorter RSA-PSS values as left-padded while other runtimes refuse them;
    // checking here keeps one answer everywhere and the encoding non-malleable (as goxmldsig).
    const modulusBytes = Math.ceil(((keyAlgorithm as { modulusLength?: number }).modulusLength ?? 0) / 8)
    if (signature.length !== modulusBytes) return false
    if (sig.name === 'RSA-PSS') params = { name: 'RSA-PSS', saltLength: sig.saltLength ?? HASH_BYTES[sig.hash] }
  }
  try {
    return await crypto.subtle.verify(params, key, signature, data)
  } catch {
    // Runtimes differ on malformed input (Node throws for some RSA lengths, workerd returns
    // false); either way the signature did not verify.
    return false
  }
}
