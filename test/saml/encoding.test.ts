import { describe, expect, it } from 'vitest'
import { decodeBase64, deflateRaw, encodeBase64, inflateRaw, utf8Decode, utf8Encode } from '../../src/saml/encoding'
import { MAX_INFLATED_BYTES } from '../../src/saml/limits'
import { loadManifest, readInterop, readInteropBytes } from '../helpers/interop'

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
const invalidBase64 = (input: string): void => {
  expect(() => decodeBase64(input)).toThrow(expect.objectContaining({ code: 'SAML_INVALID_BASE64' }))
}

describe('decodeBase64 / encodeBase64', () => {
  it.each([
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ])('RFC 4648 §10 vector %j ↔ %j', (plain, encoded) => {
    expect(encodeBase64(utf8Encode(plain))).toBe(encoded)
    expect(text(decodeBase64(encoded))).toBe(plain)
  })

  it('round-trips every byte value and lengths 0..70', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(decodeBase64(encodeBase64(all))).toEqual(all)
    for (let n = 0; n <= 70; n++) {
      const bytes = all.subarray(256 - n)
      expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes)
    }
  })

  it('encodes inputs larger than one String.fromCharCode chunk', () => {
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) & 0xff)
    expect(decodeBase64(encodeBase64(big))).toEqual(big)
  })

  it('ignores LF and CRLF line wrapping at 64 and 76 columns, indentation and tabs', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff)
    const flat = encodeBase64(bytes)
    const wrap = (cols: number, eol: string): string => flat.replace(new RegExp(`.{${cols}}`, 'g'), `$&${eol}`)
    for (const variant of [wrap(64, '\n'), wrap(76, '\r\n'), `\n\t  ${wrap(64, '\n      ')}\n    `, flat.split('').join(' ')]) {
      expect(decodeBase64(variant)).toEqual(bytes)
    }
  })

  describe('the base64 exactly as IdPs published it (manifest fileBase64AsPublished)', () => {
    const published = loadManifest().responses.filter((c) => c.fileBase64AsPublished)
    it('includes MIME-wrapped LF and CRLF samples', () => {
      const all = published.map((c) => readInterop(c.fileBase64AsPublished!))
      expect(all.some((b) => b.includes('\r\n'))).toBe(true)
      expect(all.some((b) => b.includes('\n') && !b.includes('\r'))).toBe(true)
    })
    it.each(published.map((c) => [c.id, c] as const))('%s decodes to the published XML bytes', (_id, c) => {
      expect(decodeBase64(readInterop(c.fileBase64AsPublished!))).toEqual(readInteropBytes(c.file))
    })
  })

  it.each([
    ['base64url characters', 'Zm9v-_8='],
    ['a character outside the alphabet', 'Zm9v*mFy'],
    ['non-ASCII text', 'Zm9vYmFé'],
    ['a NUL byte', 'Zm9v\0YmFy'],
    ['form feed and vertical tab (not in our whitespace set)', 'Zm9v\fYmFy\v'],
    ['a non-breaking space', 'Zm9v\u00a0YmFy'],
    ['a data URL prefix', 'data:,Zm9v'],
  ])('rejects %s with SAML_INVALID_BASE64', (_name, input) => invalidBase64(input))

  it.each([
    ['missing padding', 'Zg'],
    ['one pad char short', 'Zg='],
    ['too much padding', 'Zg==='],
    ['padding alone', '===='],
    ['three pad chars', 'Z==='],
    ['padding in the middle', 'Zg==Zm9v'],
    ['padding at the start', '=Zm9'],
    ['a lone character', 'Z'],
    ['non-zero bits under "=="', 'Zh=='],
    ['non-zero bits under "="', 'Zm9='],
  ])('rejects %s with SAML_INVALID_BASE64', (_name, input) => invalidBase64(input))

  it('throws the code the caller chooses', () => {
    expect(() => decodeBase64('Zg=', 'SAML_SIGNATURE_INVALID')).toThrow(expect.objectContaining({ code: 'SAML_SIGNATURE_INVALID' }))
  })
})

describe('utf8Encode / utf8Decode', () => {
  it('round-trips non-ASCII text (CJK, emoji) and drops a leading BOM', () => {
    const s = 'kchen七味@example.com 🙂'
    expect(utf8Decode(utf8Encode(s))).toBe(s)
    expect(utf8Decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x3c]))).toBe('<')
  })

  it.each([
    ['an invalid lead byte', [0x3c, 0xff, 0x3e]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0x41, 0xe4, 0xb8]],
  ])('rejects %s with SAML_MALFORMED_XML (never U+FFFD)', (_name, bytes) => {
    expect(() => utf8Decode(new Uint8Array(bytes))).toThrow(expect.objectContaining({ code: 'SAML_MALFORMED_XML' }))
  })
})

describe('inflateRaw / deflateRaw', () => {
  it('round-trips an HTTP-Redirect style message', async () => {
    const xml = '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="2.0"/>'
    const deflated = await deflateRaw(utf8Encode(xml))
    expect(utf8Decode(await inflateRaw(deflated, MAX_INFLATED_BYTES))).toBe(xml)
  })

  it('accepts output of exactly maxBytes and rejects one byte more with SAML_INPUT_TOO_LARGE', async () => {
    const deflated = await deflateRaw(new Uint8Array(1000).fill(0x41))
    expect((await inflateRaw(deflated, 1000)).length).toBe(1000)
    await expect(inflateRaw(deflated, 999)).rejects.toMatchObject({ code: 'SAML_INPUT_TOO_LARGE' })
  })

  it('stops a deflate bomb (~10 KB expanding to 10 MB) at the cap with SAML_INPUT_TOO_LARGE', async () => {
    expect(MAX_INFLATED_BYTES).toBe(256 * 1024)
    const bomb = await deflateRaw(new Uint8Array(10 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(16 * 1024)
    await expect(inflateRaw(bomb, MAX_INFLATED_BYTES)).rejects.toMatchObject({ code: 'SAML_INPUT_TOO_LARGE' })
  })

  it('rejects corrupt, truncated, empty and zlib-wrapped input with SAML_INFLATE_FAILED', async () => {
    const deflated = await deflateRaw(utf8Encode('<samlp:AuthnRequest/>'.repeat(20)))
    const zlib = new Uint8Array(await new Response(new Blob([utf8Encode('<a/>')]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer())
    for (const input of [
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]), // reserved block type 11
      deflated.subarray(0, deflated.length - 3),
      new Uint8Array(0),
      zlib,
      utf8Encode('<samlp:AuthnRequest/>'), // plain XML sent without deflate
    ]) {
      await expect(inflateRaw(input, MAX_INFLATED_BYTES)).rejects.toMatchObject({ code: 'SAML_INFLATE_FAILED' })
    }
  })
})
