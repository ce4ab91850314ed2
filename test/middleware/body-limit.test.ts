// Every inbound body is bounded before anything reads or decodes it (issue 9): over the limit is
// 413 REQUEST_TOO_LARGE, whether the size is declared (Content-Length) or only streamed.
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { MAX_ADMIN_BODY_BYTES, MAX_FORM_BODY_BYTES, MAX_SAML_BODY_BYTES } from '../../src/middleware/body-limit'

const ORIGIN = 'https://support.example.com'
const json = { accept: 'application/json' }

/** A body of `bytes` bytes that announces no length: the limit must count it while it streams. */
function streamed(bytes: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close()
      const n = Math.min(chunk, bytes - sent)
      sent += n
      controller.enqueue(new TextEncoder().encode('a'.repeat(n)))
    },
  })
}

async function codeOf(res: Response): Promise<string> {
  return (await res.json<{ error: { code: string } }>()).error.code
}

describe('request body limits', () => {
  for (const path of ['/sso/acs', '/sso/slo', '/sso/idp/sso', '/sso/idp/slo']) {
    it(`refuses a SAML body over ${MAX_SAML_BODY_BYTES} bytes at ${path} with 413 REQUEST_TOO_LARGE`, async () => {
      const body = `SAMLResponse=${'A'.repeat(MAX_SAML_BODY_BYTES)}`
      const res = await exports.default.fetch(`${ORIGIN}${path}`, {
        method: 'POST',
        body,
        headers: { ...json, 'content-type': 'application/x-www-form-urlencoded' },
      })
      expect(res.status).toBe(413)
      expect(await codeOf(res)).toBe('REQUEST_TOO_LARGE')
    })
  }

  it('counts a body that declares no length, and stops it at the limit (40 MB never read)', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/acs`, {
      method: 'POST',
      body: streamed(40 * 1024 * 1024),
      headers: { ...json, 'content-type': 'application/x-www-form-urlencoded' },
      // @ts-expect-error workerd's RequestInit takes duplex for streamed bodies
      duplex: 'half',
    })
    expect(res.status).toBe(413)
    expect(await codeOf(res)).toBe('REQUEST_TOO_LARGE')
  })

  it(`refuses an admin API body over ${MAX_ADMIN_BODY_BYTES} bytes, even with the right token`, async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/admin/api/idps`, {
      method: 'POST',
      body: JSON.stringify({ name: 'x'.repeat(MAX_ADMIN_BODY_BYTES) }),
      headers: { ...json, 'content-type': 'application/json', authorization: `Bearer ${env.ADMIN_TOKEN}` },
    })
    expect(res.status).toBe(413)
    expect(await codeOf(res)).toBe('REQUEST_TOO_LARGE')
  })

  it(`refuses a sign-in form over ${MAX_FORM_BODY_BYTES} bytes`, async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/login`, {
      method: 'POST',
      body: `email=${'a'.repeat(MAX_FORM_BODY_BYTES)}`,
      headers: { ...json, 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(res.status).toBe(413)
    expect(await codeOf(res)).toBe('REQUEST_TOO_LARGE')
  })

  it('lets a body within the limit through to the route (a small ACS post gets a SAML answer, not 413)', async () => {
    const res = await exports.default.fetch(`${ORIGIN}/sso/acs`, {
      method: 'POST',
      body: 'SAMLResponse=bm90IHNhbWw%3D',
      headers: { ...json, 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(res.status).toBe(400)
    expect(await codeOf(res)).toBe('SAML_MALFORMED_XML')
  })
})
