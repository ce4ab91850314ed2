/**
 * X.509 certificates and PEM private keys, read with a small strict DER parser (X.690 §10).
 * Trusts nothing: every length is bounded by its parent, no indefinite lengths, no trailing bytes.
 * Never verifies certificate chains: trust comes from the admin pinning the certificate itself.
 */
import { decodeBase64 } from './encoding'
import { SamlError } from './errors'
import type { SamlErrorCode } from './errors'
import type { HashName } from './dsig/algorithms'
import { bytesToHex, children, decodeOid, DerError, encodeTlv, expectTag, latin1, MAX_DER_BYTES, readRoot, readTlv } from './der'
import type { Tlv } from './der'
import { createKeyCache, sha256Hex } from './dsig/key-cache'

export type NamedCurve = 'P-256' | 'P-384' | 'P-521'

export interface ParsedCertificate {
  der: Uint8Array
  /** SubjectPublicKeyInfo, ready for `crypto.subtle.importKey('spki', ...)`. */
  spki: Uint8Array
  /** RFC 4514 string: RDNs in reverse order, `,` between them, `+` inside multi-valued RDNs. */
  subject: string
  issuer: string
  serialNumberHex: string
  notBefore: Date
  notAfter: Date
  keyType: 'RSA' | 'EC'
  namedCurve?: NamedCurve
  rsaModulusBits?: number
}

const OID_RSA = '1.2.840.113549.1.1.1'
const OID_EC = '1.2.840.10045.2.1'
const CURVES: Record<string, NamedCurve> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
}
// The attribute types RFC 4514 §3 gives short names; every other type is written as a dotted OID
// (e.g. emailAddress appears as 1.2.840.113549.1.9.1=...).
const ATTRIBUTE_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
}

// ---- Names and times ----------------------------------------------------------------------

const LATIN1_TAGS = new Set([0x12, 0x13, 0x14, 0x16, 0x1a]) // Numeric, Printable, T61, IA5, Visible
const UTF8_FATAL = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * The text of an attribute value, or null for a type that is not a character string
 * (RFC 4514 §2.4 then wants '#' + hex, which formatName writes).
 */
function decodeDirectoryString(der: Uint8Array, t: Tlv): string | null {
  const body = der.subarray(t.body, t.end)
  if (t.tag === 0x0c) {
    try {
      return UTF8_FATAL.decode(body)
    } catch {
      throw new DerError('invalid UTF8String')
    }
  }
  // Printable/IA5/Numeric/Visible are ASCII subsets; T61 is decoded as Latin-1, as OpenSSL does.
  if (LATIN1_TAGS.has(t.tag)) return latin1(body)
  if (t.tag === 0x1e || t.tag === 0x1c) {
    // BMPString is UTF-16BE, UniversalString UTF-32BE (X.680 §41); old Windows CAs emit BMPString.
    const width = t.tag === 0x1e ? 2 : 4
    if (body.length % width) throw new DerError('bad BMPString/UniversalString length')
    let out = ''
    for (let i = 0; i < body.length; i += width) {
      let code = 0
      for (let j = 0; j < width; j++) code = code * 256 + body[i + j]!
      if (width === 2) out += String.fromCharCode(code)
      else if (code <= 0x10ffff) out += String.fromCodePoint(code)
      else throw new DerError('bad UniversalString code point')
    }
    return out
  }
  return null
}

/**
 * RFC 4514 §2.4 escaping, so that a value containing ',' or '+' cannot pass for extra RDNs in
 * the subject an admin compares (a CN of "x,O=Okta" must not read as an O=Okta attribute).
 */
function escapeRdnValue(value: string): string {
  let out = ''
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i)
    const edgeSpace = ch === ' ' && (i === 0 || i === value.length - 1)
    if ('\\"+,;<>'.includes(ch) || edgeSpace || (ch === '#' && i === 0)) out += `\\${ch}`
    else if (ch === '\0') out += '\\00'
    else out += ch
  }
  return out
}

function formatName(der: Uint8Array, name: Tlv): string {
  const rdns = children(der, name).map((set) => {
    const attributes = children(der, expectTag(set, 0x31, 'RelativeDistinguishedName SET'))
    if (attributes.length === 0) throw new DerError('empty RelativeDistinguishedName')
    return attributes
      .map((attribute) => {
        const parts = children(der, expectTag(attribute, 0x30, 'AttributeTypeAndValue'))
        if (parts.length !== 2) throw new DerError('bad AttributeTypeAndValue')
        const oid = decodeOid(der, parts[0])
        const value = parts[1]!
        const text = decodeDirectoryString(der, value)
        const written = text === null ? `#${bytesToHex(der.subarray(value.start, value.end))}` : escapeRdnValue(text)
        return `${ATTRIBUTE_NAMES[oid] ?? oid}=${written}`
      })
      .join('+')
  })
  // RFC 4514 §2.1: the last RDN of the SEQUENCE is written first.
  return rdns.reverse().join(',')
}

// RFC 5280 §4.1.2.5.1/.2: seconds are mandatory, the zone is always Z, no fractions.
const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/

function decodeTime(der: Uint8Array, t: Tlv | undefined): Date {
  if (!t || (t.tag !== 0x17 && t.tag !== 0x18)) throw new DerError('expected UTCTime or GeneralizedTime')
  const text = latin1(der.subarray(t.body, t.end))
  const m = (t.tag === 0x17 ? UTC_TIME : GENERALIZED_TIME).exec(text)
  if (!m) throw new DerError('bad time format')
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  // RFC 5280 §4.1.2.5.1: two-digit years 50..99 are 19xx, 00..49 are 20xx.
  const fullYear = t.tag === 0x17 ? (year >= 50 ? 1900 + year : 2000 + year) : year
  const date = new Date(Date.UTC(fullYear, month - 1, day, hour, minute, second))
  // Round-trip check rejects out-of-range fields (month 13, Feb 30, hour 24) instead of rolling over.
  if (
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  )
    throw new DerError('bad time value')
  return date
}

// ---- Certificates -------------------------------------------------------------------------

/**
 * Key type and size from SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). Only what WebCrypto can verify
 * XML-DSig with: rsaEncryption and id-ecPublicKey on P-256/384/521. Ed25519, DSA and RSASSA-PSS
 * keys (OID 1.2.840.113549.1.1.10, which importKey('spki') does not take) are refused up front.
 */
function readPublicKey(der: Uint8Array, spki: Tlv): Pick<ParsedCertificate, 'keyType' | 'namedCurve' | 'rsaModulusBits'> {
  const [algorithm, key, ...extra] = children(der, spki)
  if (extra.length) throw new DerError('bad SubjectPublicKeyInfo')
  const [oidTlv, params, ...more] = children(der, expectTag(algorithm, 0x30, 'AlgorithmIdentifier'))
  const bits = expectTag(key, 0x03, 'subjectPublicKey BIT STRING')
  if (more.length || bits.end === bits.body || der[bits.body] !== 0) throw new DerError('bad subjectPublicKey')
  const oid = decodeOid(der, oidTlv)
  if (oid === OID_RSA) {
    // RFC 3279 §2.3.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }.
    const rsa = readTlv(der, bits.body + 1, bits.end)
    const [modulus, exponent, ...rest] = children(der, expectTag(rsa, 0x30, 'RSAPublicKey'))
    expectTag(exponent, 0x02, 'publicExponent')
    const n = expectTag(modulus, 0x02, 'modulus')
    if (rest.length || rsa.end !== bits.end) throw new DerError('bad RSAPublicKey')
    // The INTEGER may carry a leading 0x00 sign byte; the key size counts from the first 1 bit.
    let first = n.body
    while (first < n.end && der[first] === 0) first++
    if (first === n.end) throw new DerError('zero RSA modulus')
    const rsaModulusBits = (n.end - first - 1) * 8 + der[first]!.toString(2).length
    return { keyType: 'RSA', rsaModulusBits }
  }
  if (oid === OID_EC) {
    // RFC 5480 §2.1.1: namedCurve only; explicit curve parameters are refused (CVE-2020-0601 class).
    const namedCurve = CURVES[decodeOid(der, params)]
    if (!namedCurve) throw new DerError('unsupported elliptic curve')
    return { keyType: 'EC', namedCurve }
  }
  throw new DerError(`unsupported public key algorithm ${oid}`)
}

/** The DER bytes of the one PEM block labelled `label`, or null when `input` has no PEM armor. */
function readPem(input: string, labels: readonly string[], code: SamlErrorCode): { label: string; der: Uint8Array } | null {
  // Base64 of MAX_DER_BYTES plus generous room for line breaks and text around the armor.
  if (input.length > MAX_DER_BYTES * 2) throw new SamlError(code, 'Input too large')
  const begins = input.split('-----BEGIN ').length - 1
  if (begins === 0) return null
  // One block only: a pasted chain would leave it ambiguous which key is the trust anchor.
  // (Counted before the regex runs, which keeps the lazy match below linear.)
  if (begins !== 1) throw new SamlError(code, 'Expected exactly one PEM block')
  const block = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(input)
  if (!block) throw new SamlError(code, 'Unterminated PEM block')
  const label = block[1]!
  if (!labels.includes(label)) throw new SamlError(code, `Unexpected PEM block type ${label}`)
  // RFC 1421 headers (Proc-Type: 4,ENCRYPTED / DEK-Info) mean an encrypted legacy key.
  if (block[2]!.includes(':')) throw new SamlError(code, 'Encrypted PEM keys are not supported')
  return { label, der: decodeBase64(block[2]!, code) }
}

/**
 * Parse a certificate given as PEM (one `BEGIN CERTIFICATE` block; text around it is ignored,
 * RFC 7468 §2) or as bare base64 DER, as IdP metadata and admin forms carry it.
 * Anything malformed throws SAML_CERTIFICATE_INVALID.
 */
export function parseCertificate(input: string): ParsedCertificate {
  const code = 'SAML_CERTIFICATE_INVALID'
  const der = readPem(input, ['CERTIFICATE', 'X509 CERTIFICATE'], code)?.der ?? decodeBase64(input, code)
  try {
    // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
    const [tbs, signatureAlgorithm, signatureValue, ...extra] = children(der, readRoot(der, 0x30, 'Certificate'))
    expectTag(signatureAlgorithm, 0x30, 'signatureAlgorithm')
    expectTag(signatureValue, 0x03, 'signatureValue')
    if (extra.length) throw new DerError('bad Certificate')
    const fields = children(der, expectTag(tbs, 0x30, 'TBSCertificate'))
    let i = 0
    if (fields[0]?.tag === 0xa0) {
      // [0] EXPLICIT Version: v2(1) or v3(2); absent means v1, so an explicit v1(0) is not DER.
      const [version, ...rest] = children(der, fields[0])
      const v = expectTag(version, 0x02, 'version')
      if (rest.length || v.end - v.body !== 1 || (der[v.body] !== 1 && der[v.body] !== 2)) throw new DerError('bad version')
      i = 1
    }
    const serial = expectTag(fields[i++], 0x02, 'serialNumber')
    expectTag(fields[i++], 0x30, 'signature AlgorithmIdentifier')
    const issuer = expectTag(fields[i++], 0x30, 'issuer Name')
    const validity = children(der, expectTag(fields[i++], 0x30, 'Validity'))
    const subject = expectTag(fields[i++], 0x30, 'subject Name')
    const spki = expectTag(fields[i++], 0x30, 'SubjectPublicKeyInfo')
    // Only [1] issuerUniqueID, [2] subjectUniqueID and [3] extensions may follow, in that order.
    let lastTag = 0
    for (const field of fields.slice(i)) {
      if (![0x81, 0x82, 0xa3].includes(field.tag) || field.tag <= lastTag) throw new DerError('unexpected TBSCertificate field')
      lastTag = field.tag
    }
    if (validity.length !== 2 || serial.end === serial.body) throw new DerError('bad Validity or serialNumber')
    // Serial numbers are shown to admins as hex; non-minimal or negative serials from old CAs are
    // tolerated (RFC 5280 §4.1.2.2 says MUST be positive, but rejecting would only strand IdPs).
    let serialStart = serial.body
    if (der[serialStart] === 0 && serial.end - serialStart > 1) serialStart++ // sign byte, not part of the number
    return {
      der,
      spki: der.slice(spki.start, spki.end),
      subject: formatName(der, subject),
      issuer: formatName(der, issuer),
      serialNumberHex: bytesToHex(der.subarray(serialStart, serial.end)),
      notBefore: decodeTime(der, validity[0]),
      notAfter: decodeTime(der, validity[1]),
      ...readPublicKey(der, spki),
    }
  } catch (error) {
    if (!(error instanceof DerError)) throw error
    throw new SamlError(code, `Invalid certificate: ${error.message}`)
  }
}

/** Fingerprint as uppercase hex pairs joined by ':' (the form ADFS, Okta and openssl show). */
export async function certificateFingerprint(der: Uint8Array, hash: 'SHA-256' | 'SHA-1'): Promise<string> {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest(hash, der)), ':')
}

/**
 * A warning when `now` is outside the certificate's validity, else null. Pinned IdP certificates
 * are routinely used past notAfter (many IdPs never rotate), so this is surfaced, never enforced.
 */
export function certificateValidityWarning(cert: ParsedCertificate, now: Date): string | null {
  const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z')
  if (now.getTime() < cert.notBefore.getTime()) return `CERT_NOT_YET_VALID (${cert.subject} notBefore ${iso(cert.notBefore)})`
  if (now.getTime() > cert.notAfter.getTime()) return `CERT_EXPIRED (${cert.subject} notAfter ${iso(cert.notAfter)})`
  return null
}

// ---- Private keys -------------------------------------------------------------------------

/** The WebCrypto algorithm a private key is imported for: OAEP to decrypt, the others to sign. */
export type PrivateKeyAlgorithm = { name: 'RSA-OAEP' | 'RSASSA-PKCS1-v1_5' | 'RSA-PSS'; hash: HashName } | { name: 'ECDSA'; namedCurve: NamedCurve }

// AlgorithmIdentifier { rsaEncryption, NULL } (RFC 8017 §A.1).
const RSA_ALGORITHM_IDENTIFIER = new Uint8Array([0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00])

/**
 * PKCS#8 DER of a PEM private key: `BEGIN PRIVATE KEY` as is, `BEGIN RSA PRIVATE KEY` (PKCS#1,
 * what `openssl genrsa` and most IdP/SP tooling write) wrapped into PrivateKeyInfo (RFC 5208 §5).
 * Encrypted keys are refused. Throws SAML_KEY_INVALID.
 */
export function readPrivateKeyPkcs8(pem: string): Uint8Array {
  const code = 'SAML_KEY_INVALID'
  const block = readPem(pem, ['PRIVATE KEY', 'RSA PRIVATE KEY'], code)
  if (!block) throw new SamlError(code, 'Expected a PEM private key')
  try {
    const root = readRoot(block.der, 0x30, 'private key SEQUENCE')
    if (block.label === 'PRIVATE KEY') return block.der
    // RFC 8017 §A.1.2: version 0 (two-prime) and eight INTEGERs; multi-prime keys are not supported.
    const fields = children(block.der, root)
    if (fields.length !== 9 || fields.some((f) => f.tag !== 0x02) || block.der[fields[0]!.body] !== 0) throw new DerError('bad RSAPrivateKey')
    return encodeTlv(0x30, new Uint8Array([0x02, 0x01, 0x00]), RSA_ALGORITHM_IDENTIFIER, encodeTlv(0x04, block.der))
  } catch (error) {
    if (!(error instanceof DerError)) throw error
    throw new SamlError(code, `Invalid private key: ${error.message}`)
  }
}

/**
 * The gateway's own private keys (SP signing and decryption, broker signing), imported once per
 * isolate rather than for every message signed or decrypted (~0.2 ms each for RSA-2048).
 */
export const MAX_CACHED_PRIVATE_KEYS = 64
const privateKeys = createKeyCache(MAX_CACHED_PRIVATE_KEYS)

/**
 * Import a PEM private key (PKCS#8 or PKCS#1) for one algorithm; non-extractable, cached per
 * key and algorithm (keyed by the SHA-256 of the PKCS#8 bytes: the cache never holds key bytes,
 * and other key bytes never hit). Throws SAML_KEY_INVALID.
 */
export async function importPrivateKey(pem: string, algorithm: PrivateKeyAlgorithm): Promise<CryptoKey> {
  const pkcs8 = readPrivateKeyPkcs8(pem)
  const usages: string[] = algorithm.name === 'RSA-OAEP' ? ['decrypt'] : ['sign']
  const params = algorithm.name === 'ECDSA' ? `ECDSA/${algorithm.namedCurve}` : `${algorithm.name}/${algorithm.hash}`
  return privateKeys.get(`${params}/${await sha256Hex(pkcs8)}`, () =>
    crypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, usages).catch(() => {
      // DataError/NotSupportedError: wrong key type for the algorithm, or a key WebCrypto rejects.
      throw new SamlError('SAML_KEY_INVALID', `Private key cannot be used for ${algorithm.name}`)
    }),
  )
}
