/**
 * Self-signed X.509 v3 certificates for the SP's own RSA keys (SP metadata, AuthnRequest signing,
 * assertion encryption): a minimal DER writer (X.690 §10) and a builder signed with WebCrypto.
 * Pure: the caller supplies the time and the serial's random bytes. It only writes what it is
 * given; nothing here reads or trusts a certificate (x509.ts does that).
 */
import { encodeTlv } from './der'
import { encodeBase64 } from './encoding'

// ---- DER writer ---------------------------------------------------------------------------

/** INTEGER (X.690 §8.3) of a non-negative value: a small number or big-endian magnitude bytes. */
export function encodeInteger(value: number | Uint8Array): Uint8Array {
  let magnitude: Uint8Array
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('INTEGER must be a non-negative safe integer')
    const bytes: number[] = []
    for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256)
    magnitude = Uint8Array.from(bytes)
  } else {
    magnitude = value
  }
  // X.690 §8.3.2: the shortest two's complement form; a 0x00 prefix keeps a high first bit positive.
  let first = 0
  while (first < magnitude.length && magnitude[first] === 0) first++
  const digits = magnitude.subarray(first)
  if (digits.length === 0) return encodeTlv(0x02, Uint8Array.of(0))
  return digits[0]! & 0x80 ? encodeTlv(0x02, Uint8Array.of(0), digits) : encodeTlv(0x02, digits)
}

export function encodeBoolean(value: boolean): Uint8Array {
  // X.690 §11.1: DER writes TRUE as 0xFF.
  return encodeTlv(0x01, Uint8Array.of(value ? 0xff : 0x00))
}

/** NULL (X.690 §8.8): the parameters of rsaEncryption and sha256WithRSAEncryption. */
export const DER_NULL: Uint8Array = Uint8Array.of(0x05, 0x00)

export function encodeSequence(...parts: Uint8Array[]): Uint8Array {
  return encodeTlv(0x30, ...parts)
}

/**
 * SET OF (X.690 §11.6): DER orders the elements by their encodings, compared as octet strings
 * with the shorter one padded by trailing zeros. Only SET OF is written here, never SET.
 */
export function encodeSet(...parts: Uint8Array[]): Uint8Array {
  const sorted = [...parts].sort((a, b) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = (a[i] ?? 0) - (b[i] ?? 0)
      if (d !== 0) return d
    }
    return 0
  })
  return encodeTlv(0x31, ...sorted)
}

/** [n] EXPLICIT (constructed, context-specific): the version and extensions wrappers of RFC 5280. */
export function encodeExplicit(tagNumber: number, ...parts: Uint8Array[]): Uint8Array {
  // The reader (der.ts) takes low tag numbers only; X.509 never needs more than [3].
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) throw new RangeError('context tag number out of range')
  return encodeTlv(0xa0 | tagNumber, ...parts)
}

export function encodeOctetString(bytes: Uint8Array): Uint8Array {
  return encodeTlv(0x04, bytes)
}

/**
 * BIT STRING (X.690 §8.6): `unusedBits` trailing bits of the last byte are padding and must be
 * zero in DER (§11.2.1); for named bit lists such as KeyUsage, trailing zero bits are dropped.
 */
export function encodeBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0))
    throw new RangeError('bad BIT STRING padding')
  if (bytes.length && bytes[bytes.length - 1]! & ((1 << unusedBits) - 1)) throw new RangeError('BIT STRING padding bits must be zero')
  return encodeTlv(0x03, Uint8Array.of(unusedBits), bytes)
}

/** OBJECT IDENTIFIER (X.690 §8.19) from dotted text: base-128 arcs, the first two packed as 40X+Y. */
export function encodeOid(dotted: string): Uint8Array {
  if (!/^[0-2](\.(0|[1-9]\d*))+$/.test(dotted)) throw new RangeError(`bad OBJECT IDENTIFIER ${dotted}`)
  const arcs = dotted.split('.').map(Number)
  if (arcs.some((a) => !Number.isSafeInteger(a)) || (arcs[0]! < 2 && arcs[1]! >= 40)) throw new RangeError(`bad OBJECT IDENTIFIER ${dotted}`)
  const out: number[] = []
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    // Division, not >>>: arcs may exceed 32 bits (UUID OIDs under 2.25 do).
    const chunk = [arc % 128]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v % 128) | 0x80)
    out.push(...chunk)
  }
  return encodeTlv(0x06, Uint8Array.from(out))
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export function encodeUtf8String(text: string): Uint8Array {
  // Lone surrogates would become U+FFFD: refuse rather than write a value the caller did not give.
  if (LONE_SURROGATE.test(text)) throw new RangeError('UTF8String must be well-formed Unicode')
  return encodeTlv(0x0c, new TextEncoder().encode(text))
}

// X.680 §41.4 Table 10: the PrintableString repertoire.
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/

export function isPrintableString(text: string): boolean {
  return PRINTABLE.test(text)
}

export function encodePrintableString(text: string): Uint8Array {
  if (!isPrintableString(text)) throw new RangeError('text is outside the PrintableString repertoire')
  return encodeTlv(0x13, new TextEncoder().encode(text))
}

/**
 * Certificate time (RFC 5280 §4.1.2.5): UTCTime YYMMDDHHMMSSZ for 1950 through 2049,
 * GeneralizedTime YYYYMMDDHHMMSSZ otherwise; always UTC, seconds present, no fraction
 * (milliseconds are truncated).
 */
export function encodeTime(date: Date): Uint8Array {
  const year = date.getUTCFullYear()
  if (Number.isNaN(date.getTime()) || year < 0 || year > 9999) throw new RangeError('certificate time out of range')
  const two = (n: number) => String(n).padStart(2, '0')
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`
  if (year >= 1950 && year <= 2049) return encodeTlv(0x17, new TextEncoder().encode(`${two(year % 100)}${rest}`))
  return encodeTlv(0x18, new TextEncoder().encode(`${String(year).padStart(4, '0')}${rest}`))
}

// ---- Certificates -------------------------------------------------------------------------

const OID_COMMON_NAME = '2.5.4.3'
const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11'
const OID_BASIC_CONSTRAINTS = '2.5.29.19'
const OID_KEY_USAGE = '2.5.29.15'
/** X.520 ub-common-name (RFC 5280 Appendix A.1). */
export const MAX_COMMON_NAME_LENGTH = 64
/** RFC 5280 §4.1.2.2: conforming serials are at most 20 octets (sign byte included). */
const MAX_SERIAL_OCTETS = 20

export interface SelfSignedCertificateInput {
  /** RSASSA-PKCS1-v1_5 / SHA-256 pair; the public key must be extractable. */
  keyPair: CryptoKeyPair
  /** 1 to 64 characters; written as PrintableString when it fits, else UTF8String. */
  subjectCommonName: string
  notBefore: Date
  notAfter: Date
  /** Random bytes from the caller (16 recommended), written unchanged as a positive INTEGER. */
  serialNumber: Uint8Array
}

/** Name ::= SEQUENCE OF RDN; a single RDN with one CN attribute. */
function encodeCommonNameName(commonName: string): Uint8Array {
  // RFC 5280 §4.1.2.6 allows PrintableString or UTF8String; PrintableString where it fits is what
  // old SAML stacks (ADFS 2.0, Shibboleth 2) were tested with, UTF8String for anything else.
  const value = isPrintableString(commonName) ? encodePrintableString(commonName) : encodeUtf8String(commonName)
  return encodeSequence(encodeSet(encodeSequence(encodeOid(OID_COMMON_NAME), value)))
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function encodeExtension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  // DER omits a value equal to its DEFAULT (X.690 §11.5), so non-critical writes no BOOLEAN.
  return critical ? encodeSequence(encodeOid(oid), encodeBoolean(true), encodeOctetString(value)) : encodeSequence(encodeOid(oid), encodeOctetString(value))
}

function assertSigningKey(key: CryptoKey): void {
  const algorithm = key.algorithm as { name: string; hash?: { name: string } }
  // The certificate names sha256WithRSAEncryption; any other key would produce a lie.
  if (key.type !== 'private' || algorithm.name !== 'RSASSA-PKCS1-v1_5' || algorithm.hash?.name !== 'SHA-256') {
    throw new TypeError('createSelfSignedCertificate needs an RSASSA-PKCS1-v1_5 SHA-256 private key')
  }
}

/**
 * A self-signed X.509 v3 certificate (PEM) for `keyPair`, signed with sha256WithRSAEncryption:
 * subject = issuer = CN=`subjectCommonName`, basicConstraints CA:false and keyUsage
 * digitalSignature + keyEncipherment, both critical (RFC 5280 §4.2.1.3, §4.2.1.9).
 * Throws RangeError/TypeError for inputs that cannot make a conforming certificate.
 */
export async function createSelfSignedCertificate(input: SelfSignedCertificateInput): Promise<string> {
  const { keyPair, subjectCommonName, notBefore, notAfter, serialNumber } = input
  assertSigningKey(keyPair.privateKey)
  if (subjectCommonName.length < 1 || subjectCommonName.length > MAX_COMMON_NAME_LENGTH) throw new RangeError('subjectCommonName must be 1 to 64 characters')
  if (!(notBefore.getTime() <= notAfter.getTime())) throw new RangeError('notBefore must not be after notAfter')
  const serial = encodeInteger(serialNumber)
  // RFC 5280 §4.1.2.2: positive (the encoder guarantees it), non-zero, at most 20 octets.
  if (serialNumber.every((b) => b === 0) || serial.length - 2 > MAX_SERIAL_OCTETS) throw new RangeError('serialNumber must be non-zero and fit 20 octets')

  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', keyPair.publicKey)) as ArrayBuffer)
  const signatureAlgorithm = encodeSequence(encodeOid(OID_SHA256_WITH_RSA), DER_NULL) // RFC 4055 §5: NULL parameters
  const name = encodeCommonNameName(subjectCommonName)
  // KeyUsage bits 0 (digitalSignature) and 2 (keyEncipherment): 101 + five padding bits = 0xA0.
  const keyUsage = encodeBitString(Uint8Array.of(0xa0), 5)
  const tbsCertificate = encodeSequence(
    encodeExplicit(0, encodeInteger(2)), // version v3
    serial,
    signatureAlgorithm,
    name, // issuer: self-signed
    encodeSequence(encodeTime(notBefore), encodeTime(notAfter)),
    name, // subject
    spki,
    encodeExplicit(
      3,
      encodeSequence(
        // BasicConstraints with cA FALSE is the empty SEQUENCE (DEFAULT omitted).
        encodeExtension(OID_BASIC_CONSTRAINTS, true, encodeSequence()),
        encodeExtension(OID_KEY_USAGE, true, keyUsage),
      ),
    ),
  )
  const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', keyPair.privateKey, tbsCertificate))
  return encodePem('CERTIFICATE', encodeSequence(tbsCertificate, signatureAlgorithm, encodeBitString(signature)))
}

/** RFC 7468 strict form: 64-character base64 lines between the armor lines, final newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const lines = encodeBase64(der).match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}
