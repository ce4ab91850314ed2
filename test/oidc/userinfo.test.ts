// The userinfo request (oidc/userinfo.ts) against a stand-in endpoint: the Bearer credential,
// no redirects followed, bounded reads, and every unusable answer as OIDC_USERINFO_FAILED.
import { describe, expect, it } from 'vitest'
import { fetchUserinfo, lacksClaims, MAX_USERINFO_BYTES } from '../../src/oidc/userinfo'

const ENDPOINT = 'https://login.acme.example/userinfo'

function endpoint(answer: (req: Request) => Response) {
  const seen: Request[] = []
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init)
    seen.push(req)
    return answer(req)
  }) as typeof fetch
  return { seen, fetcher }
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: { code?: string; detail?: unknown }) => ({ code: e.code, detail: e.detail }),
  )

describe('fetchUserinfo', () => {
  it('sends the access token as a Bearer credential and returns the JSON object', async () => {
    const { seen, fetcher } = endpoint(() => Response.json({ sub: 's1', groups: ['support'] }))
    expect(await fetchUserinfo(ENDPOINT, 'at-1', fetcher)).toEqual({ sub: 's1', groups: ['support'] })
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer at-1')
    expect(seen[0]!.redirect).toBe('manual')
  })

  it.each([
    ['a 401', () => Response.json({ error: 'invalid_token' }, { status: 401 })],
    ['a redirect', () => new Response(null, { status: 302, headers: { location: 'https://evil.example/' } })],
    ['a JSON array', () => Response.json([1, 2])],
    ['a signed userinfo JWT (not read)', () => new Response('eyJhbGciOiJSUzI1NiJ9.e30.sig', { headers: { 'content-type': 'application/jwt' } })],
    ['an answer beyond the size limit', () => new Response(`{"x":"${'a'.repeat(MAX_USERINFO_BYTES)}"}`)],
  ])('refuses %s with OIDC_USERINFO_FAILED', async (_name, answer) => {
    const { fetcher } = endpoint(answer)
    expect(await failure(fetchUserinfo(ENDPOINT, 'at', fetcher))).toMatchObject({ code: 'OIDC_USERINFO_FAILED', detail: { userinfoEndpoint: ENDPOINT } })
  })

  it('reports an unreachable endpoint as OIDC_USERINFO_FAILED', async () => {
    const fetcher = (async () => {
      throw new TypeError('Network connection lost.')
    }) as typeof fetch
    expect(await failure(fetchUserinfo(ENDPOINT, 'at', fetcher))).toMatchObject({ code: 'OIDC_USERINFO_FAILED' })
  })
})

describe('lacksClaims', () => {
  it('is true only when one of the names is absent', () => {
    expect(lacksClaims({ email: 'a@b.c', groups: [] }, ['email', 'groups'])).toBe(false)
    expect(lacksClaims({ email: 'a@b.c' }, ['email', 'groups'])).toBe(true)
    expect(lacksClaims({ email: null }, ['email'])).toBe(false)
  })
})
