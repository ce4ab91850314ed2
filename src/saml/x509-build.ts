/**
 * Self-signed X.509 v3 certificates for the SP's own keys (SP metadata, AuthnRequest signing,
 * assertion encryption), built with a minimal DER writer and signed with WebCrypto
 * (sha256WithRSAEncryption). Pure: the caller supplies time and the serial's random bytes.
 */

type Der = Uint8Array

function concat(parts: Der[]): Der {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Tag-length-value with DER definite lengths (X.690 §8.1.3). */
function tlv(tag: number, ...content: Der[]): Der {
  const body = concat(content)
  const n = body.length
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]
  return concat([Uint8Array.of(tag, ...len), body])
}

const seq = (...c: Der[]) => tlv(0x30, ...c)
const set = (...c: Der[]) => tlv(0x31, ...c)
const explicit = (n: number, ...c: Der[]) => tlv(0xa0 + n, ...c)
const NULL = Uint8Array.of(0x05, 0x00)

function integer(bytes: Der): Der {
  // Minimal two's complement: strip leading zeros, keep the value positive.
  let i = 0
  while (i < bytes.length - 1 && bytes[i] === 0 && bytes[i + 1]! < 0x80) i++
  const v = bytes.slice(i)
  return tlv(0x02, v[0]! >= 0x80 ? concat([Uint8Array.of(0), v]) : v)
}

function oid(dotted: string): Der {
  const [a, b, ...rest] = dotted.split('.').map(Number)
  const out = [a! * 40 + b!]
  for (const n of rest) {
    const chunk = [n & 0x7f]
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80)
    out.push(...chunk)
  }
  return tlv(0x06, Uint8Array.from(out))
}

function time(d: Date): Der {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14)
  return d.getUTCFullYear() < 2050 ? tlv(0x17, new TextEncoder().encode(`${iso.slice(2)}Z`)) : tlv(0x18, new TextEncoder().encode(`${iso}Z`))
}

function name(commonName: string): Der {
  return seq(set(seq(oid('2.5.4.3'), tlv(0x0c, new TextEncoder().encode(commonName)))))
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), NULL)

export interface SelfSignedCertificateInput {
  /** RSASSA-PKCS1-v1_5 / SHA-256 pair; the public key must be extractable. */
  keyPair: CryptoKeyPair
  subjectCommonName: string
  notBefore: Date
  notAfter: Date
  /** Random bytes from the caller (16 recommended); made positive and minimal here. */
  serialNumber: Uint8Array
}

/** A self-signed certificate (PEM) for `keyPair`: CA:false, digitalSignature + keyEncipherment. */
export async function createSelfSignedCertificate(input: SelfSignedCertificateInput): Promise<string> {
  const spki = new Uint8Array((await crypto.subtle.exportKey('spki', input.keyPair.publicKey)) as ArrayBuffer)
  const serial = Uint8Array.from(input.serialNumber)
  serial[0] = (serial[0]! & 0x7f) | 0x01 // positive and non-zero (RFC 5280 §4.1.2.2)
  const extensions = explicit(
    3,
    seq(
      seq(oid('2.5.29.19'), tlv(0x01, Uint8Array.of(0xff)), tlv(0x04, seq())), // basicConstraints CA:false, critical
      seq(oid('2.5.29.15'), tlv(0x01, Uint8Array.of(0xff)), tlv(0x04, tlv(0x03, Uint8Array.of(5, 0xa0)))), // keyUsage, critical
    ),
  )
  const tbs = seq(
    explicit(0, integer(Uint8Array.of(2))),
    integer(serial),
    SHA256_WITH_RSA,
    name(input.subjectCommonName),
    seq(time(input.notBefore), time(input.notAfter)),
    name(input.subjectCommonName),
    spki,
    extensions,
  )
  const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', input.keyPair.privateKey, tbs))
  return toPem('CERTIFICATE', seq(tbs, SHA256_WITH_RSA, tlv(0x03, Uint8Array.of(0), signature)))
}

/** PKCS#8 PEM of a private key (must be extractable). */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return toPem('PRIVATE KEY', new Uint8Array((await crypto.subtle.exportKey('pkcs8', key)) as ArrayBuffer))
}

function toPem(label: string, der: Der): string {
  let bin = ''
  for (const b of der) bin += String.fromCharCode(b)
  const b64 = btoa(bin).replace(/(.{64})/g, '$1\n').replace(/\n$/, '')
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
}
