// workerd: TXT lookups over DNS-over-HTTPS (outbound/doh.ts) against a fetch function written per
// test, answering with real Responses: the request asked, how answers are read (TXT only, joined
// character-strings, at most 50), and every failure as a plain reason, a huge answer refused unread.
import { describe, expect, it } from 'vitest'
import { DNS_TIMEOUT_MS, dohTxtResolver, joinCharacterStrings, MAX_DNS_ANSWER_BYTES } from '../../src/outbound/doh'

const ENDPOINT = 'https://dns.test/dns-query'
const NAME = '_edge-sso-challenge.acme.example'

interface Asked {
  url: URL
  init: RequestInit | undefined
}

/** A DoH endpoint answering every request with `answer()`, recording what it was asked. */
function endpoint(answer: () => Response | Promise<Response>): { fetcher: typeof fetch; asked: Asked[] } {
  const asked: Asked[] = []
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    asked.push({ url: new URL(input instanceof Request ? input.url : String(input)), init })
    return answer()
  }
  return { fetcher: fetcher as typeof fetch, asked }
}

function json(body: unknown, init: ResponseInit = {}): Response {
  return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/dns-json' }, ...init })
}

const txt = (data: string) => ({ name: NAME, type: 16, TTL: 300, data })

/** The reason a lookup was refused with (fails the test when it resolves). */
async function reason(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(Error)
  return (err as Error).message
}

describe('the request', () => {
  it('asks the endpoint for the TXT records of the name, in the JSON API, with a timeout', async () => {
    const { fetcher, asked } = endpoint(() => json({ Status: 0, Answer: [] }))
    await dohTxtResolver(ENDPOINT, fetcher)(NAME)
    expect(asked).toHaveLength(1)
    const { url, init } = asked[0]!
    expect(`${url.origin}${url.pathname}`).toBe(ENDPOINT)
    expect(url.searchParams.get('name')).toBe(NAME)
    expect(url.searchParams.get('type')).toBe('TXT')
    expect(new Headers(init?.headers).get('accept')).toBe('application/dns-json')
    expect(init?.signal).toBeInstanceOf(AbortSignal)
    expect(init?.signal?.aborted).toBe(false)
    expect(DNS_TIMEOUT_MS).toBeLessThanOrEqual(10_000)
  })

  it('keeps the query the endpoint already has, and encodes the name', async () => {
    const { fetcher, asked } = endpoint(() => json({ Status: 0 }))
    await dohTxtResolver('https://dns.test/resolve?ct=application/dns-json', fetcher)('a&type=A.example')
    const url = asked[0]!.url
    expect(url.searchParams.get('ct')).toBe('application/dns-json')
    expect(url.searchParams.getAll('name')).toEqual(['a&type=A.example'])
    expect(url.searchParams.getAll('type')).toEqual(['TXT'])
  })
})

describe('answers', () => {
  it('returns each TXT record as one string, its quoted character-strings joined', async () => {
    const { fetcher } = endpoint(() =>
      json({
        Status: 0,
        Answer: [txt('"edge-sso-verify=abc123"'), txt('"v=spf1 include:_spf.acme.example" " -all"'), txt('"say \\"hi\\""')],
      }),
    )
    expect(await dohTxtResolver(ENDPOINT, fetcher)(NAME)).toEqual(['edge-sso-verify=abc123', 'v=spf1 include:_spf.acme.example -all', 'say "hi"'])
  })

  it('ignores answers that are not TXT (a CNAME on the way) and TXT answers without data', async () => {
    const { fetcher } = endpoint(() =>
      json({
        Status: 0,
        Answer: [{ name: NAME, type: 5, TTL: 300, data: 'verify.dns-provider.test.' }, { name: NAME, type: 16, TTL: 300 }, txt('"edge-sso-verify=abc"')],
      }),
    )
    expect(await dohTxtResolver(ENDPOINT, fetcher)(NAME)).toEqual(['edge-sso-verify=abc'])
  })

  it('returns no records for NOERROR without an Answer and for NXDOMAIN (not published yet)', async () => {
    expect(await dohTxtResolver(ENDPOINT, endpoint(() => json({ Status: 0 })).fetcher)(NAME)).toEqual([])
    expect(await dohTxtResolver(ENDPOINT, endpoint(() => json({ Status: 3, Authority: [{ type: 6, data: 'ns.test.' }] })).fetcher)(NAME)).toEqual([])
  })

  it('returns at most 50 records from one answer', async () => {
    const answers = Array.from({ length: 80 }, (_, i) => txt(`"record-${i}"`))
    const records = await dohTxtResolver(ENDPOINT, endpoint(() => json({ Status: 0, Answer: answers })).fetcher)(NAME)
    expect(records).toHaveLength(50)
    expect(records[0]).toBe('record-0')
    expect(records[49]).toBe('record-49')
  })
})

describe('failures, each with a plain reason', () => {
  it('a DNS error other than NXDOMAIN (SERVFAIL, REFUSED)', async () => {
    expect(await reason(dohTxtResolver(ENDPOINT, endpoint(() => json({ Status: 2 })).fetcher)(NAME))).toBe('the DNS lookup failed (RCODE 2)')
    expect(await reason(dohTxtResolver(ENDPOINT, endpoint(() => json({ Status: 5 })).fetcher)(NAME))).toBe('the DNS lookup failed (RCODE 5)')
  })

  it('an HTTP error from the resolver', async () => {
    const { fetcher } = endpoint(() => json({ Status: 0, Answer: [txt('"edge-sso-verify=abc"')] }, { status: 500 }))
    expect(await reason(dohTxtResolver(ENDPOINT, fetcher)(NAME))).toBe('the DNS resolver answered HTTP 500')
  })

  it('an answer that is not a DNS answer in JSON', async () => {
    for (const body of ['<html>Bad gateway</html>', '', 'null', '[]', '{"Answer":[]}', '{"Status":"0"}']) {
      const { fetcher } = endpoint(() => new Response(body))
      expect(await reason(dohTxtResolver(ENDPOINT, fetcher)(NAME))).toBe('the DNS resolver sent no DNS answer')
    }
  })

  it('a resolver that cannot be reached', async () => {
    const fetcher = (async () => {
      throw new TypeError('Network connection lost.')
    }) as typeof fetch
    expect(await reason(dohTxtResolver(ENDPOINT, fetcher)(NAME))).toBe('the DNS resolver did not answer')
  })

  it('refuses an answer larger than MAX_DNS_ANSWER_BYTES without reading all of it', async () => {
    const CHUNK = 16 * 1024
    let sent = 0
    let cancelled = false
    // A resolver that would send 100 MB of (valid-looking) JSON.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode(sent === 0 ? `{"Status":0,"Answer":[` : ' '.repeat(CHUNK)).slice(0, CHUNK))
        sent += CHUNK
        if (sent >= 100 * 1024 * 1024) controller.close()
      },
      cancel() {
        cancelled = true
      },
    })
    const { fetcher } = endpoint(() => new Response(body))
    expect(await reason(dohTxtResolver(ENDPOINT, fetcher)(NAME))).toBe(`the DNS resolver's answer is larger than ${MAX_DNS_ANSWER_BYTES} bytes`)
    expect(cancelled).toBe(true)
    expect(sent).toBeLessThan(MAX_DNS_ANSWER_BYTES + 8 * CHUNK)
  })

  it('accepts an answer of exactly MAX_DNS_ANSWER_BYTES', async () => {
    const head = JSON.stringify({ Status: 0, Answer: [txt('"edge-sso-verify=abc"')] })
    const { fetcher } = endpoint(() => new Response(head + ' '.repeat(MAX_DNS_ANSWER_BYTES - head.length)))
    expect(await dohTxtResolver(ENDPOINT, fetcher)(NAME)).toEqual(['edge-sso-verify=abc'])
  })
})

describe('joinCharacterStrings', () => {
  it('joins the quoted character-strings of one TXT record', () => {
    expect(joinCharacterStrings('"a" "b"')).toBe('ab')
    expect(joinCharacterStrings('"edge-sso-" "verify=" "abc"')).toBe('edge-sso-verify=abc')
    expect(joinCharacterStrings('"one string with spaces"')).toBe('one string with spaces')
    expect(joinCharacterStrings('""')).toBe('')
  })

  it('unescapes quotes and backslashes inside a string', () => {
    expect(joinCharacterStrings('"say \\"hi\\""')).toBe('say "hi"')
    expect(joinCharacterStrings('"back\\\\slash"')).toBe('back\\slash')
    expect(joinCharacterStrings('"a\\" b" "c"')).toBe('a" bc')
  })

  it('returns unquoted data as it is (resolvers that show TXT data bare)', () => {
    expect(joinCharacterStrings('edge-sso-verify=abc')).toBe('edge-sso-verify=abc')
  })
})
