/**
 * A minimal strict DER reader (X.690 §10) for certificates and keys, plus the one TLV writer
 * needed to wrap PKCS#1 keys. Trusts no length: each is bounded by its parent; no indefinite
 * lengths, no trailing bytes. Never recurses on its own, so input depth cannot exhaust the stack.
 */

/** Larger than any certificate or RSA-4096 key an IdP uses; bounds work on admin-pasted input. */
export const MAX_DER_BYTES = 64 * 1024
// Children per constructed value: Names and extension lists stay far below this.
const MAX_CHILDREN = 256

/** A type-length-value: offsets into the buffer, never copies. */
export interface Tlv {
  tag: number
  start: number
  body: number
  end: number
}

/** Internal: structural failure; the public functions turn it into their own SamlError code. */
export class DerError extends Error {}

/**
 * The TLV starting at `pos`, which must end at or before `limit` (the parent's end). Only the
 * low tag-number form: X.509 never needs tags above 30, and refusing them keeps the reader small.
 */
export function readTlv(der: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new DerError('truncated')
  const tag = der[pos]!
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not used in X.509')
  let length = der[pos + 1]!
  let body = pos + 2
  if (length & 0x80) {
    const count = length & 0x7f
    // 0x80 is BER's indefinite length, forbidden in DER (X.690 §10.1); 3 bytes already allow 16 MB.
    if (count === 0 || count > 3) throw new DerError('unsupported length form')
    if (body + count > limit) throw new DerError('truncated length')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + der[body + i]!
    body += count
    // X.690 §10.1: the shortest length form is mandatory.
    if (length < 0x80 || der[pos + 2] === 0) throw new DerError('non-minimal length')
  }
  const end = body + length
  if (end > limit) throw new DerError('length past the end of the enclosing value')
  return { tag, start: pos, body, end }
}

/**
 * The direct children of a constructed value; they must tile its body exactly. The count is
 * capped so a crafted SEQUENCE of thousands of empty values cannot make us build a huge array.
 */
export function children(der: Uint8Array, parent: Tlv): Tlv[] {
  if (!(parent.tag & 0x20)) throw new DerError('primitive value where a constructed one is required')
  const out: Tlv[] = []
  for (let pos = parent.body; pos < parent.end;) {
    if (out.length === MAX_CHILDREN) throw new DerError('too many elements')
    const child = readTlv(der, pos, parent.end)
    out.push(child)
    pos = child.end
  }
  return out
}

/** `tlv` when it exists and carries `tag`; the callers' schema checks are chains of these. */
export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`expected ${what}`)
  return tlv
}

/** The single top-level value of `der`, which must span it exactly (no trailing bytes). */
export function readRoot(der: Uint8Array, tag: number, what: string): Tlv {
  if (der.length > MAX_DER_BYTES) throw new DerError('too large')
  const root = expectTag(readTlv(der, 0, der.length), tag, what)
  if (root.end !== der.length) throw new DerError('trailing bytes after the DER value')
  return root
}

/**
 * Dotted OBJECT IDENTIFIER (X.690 §8.19). Arcs are base-128 with the high bit as continuation;
 * a leading 0x80 is a non-minimal (non-DER) arc, which would let two encodings name one OID.
 */
export function decodeOid(der: Uint8Array, tlv: Tlv | undefined): string {
  const t = expectTag(tlv, 0x06, 'OBJECT IDENTIFIER')
  if (t.end === t.body || der[t.end - 1]! & 0x80) throw new DerError('bad OBJECT IDENTIFIER')
  const arcs: number[] = []
  let value = 0
  for (let i = t.body; i < t.end; i++) {
    const byte = der[i]!
    if (value === 0 && byte === 0x80) throw new DerError('non-minimal OBJECT IDENTIFIER arc')
    value = value * 128 + (byte & 0x7f)
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError('OBJECT IDENTIFIER arc too large')
    if (!(byte & 0x80)) {
      // X.690 §8.19.4: the first subidentifier packs the first two arcs as 40 * X + Y.
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80)
      else arcs.push(value)
      value = 0
    }
  }
  return arcs.join('.')
}

/** One char per byte. A loop, not String.fromCharCode(...bytes): spreading 64 KB overflows stacks. */
export function latin1(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += String.fromCharCode(b)
  return out
}

/** Uppercase hex, optionally with a separator between bytes (fingerprints use ':'). */
export function bytesToHex(bytes: Uint8Array, separator = ''): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(separator)
}

/** DER TLV with a minimal length; enough to wrap a PKCS#1 key into PKCS#8. */
export function encodeTlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((sum, p) => sum + p.length, 0)
  const lengthBytes =
    length < 0x80
      ? [length]
      : length < 0x100
        ? [0x81, length]
        : length < 0x10000
          ? [0x82, length >> 8, length & 0xff]
          : [0x83, length >> 16, (length >> 8) & 0xff, length & 0xff]
  const out = new Uint8Array(1 + lengthBytes.length + length)
  out.set([tag, ...lengthBytes])
  let offset = 1 + lengthBytes.length
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}
