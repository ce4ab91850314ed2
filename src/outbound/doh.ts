/**
 * TXT lookups over DNS-over-HTTPS with the JSON API (RFC 8484's JSON sibling, as Cloudflare and
 * Google serve it at `/dns-query?name=…&type=TXT`). Answers are untrusted: read at most
 * MAX_DNS_ANSWER_BYTES, within DNS_TIMEOUT_MS, and only the TXT strings kept.
 */
import { readCappedText } from './read-capped'

export const DEFAULT_DOH_URL = 'https://cloudflare-dns.com/dns-query'
export const DNS_TIMEOUT_MS = 5_000
const TXT = 16
/** At most this many TXT strings are read from one answer. */
const MAX_TXT_RECORDS = 50
/** A DNS answer is one UDP-sized message or a little more; anything beyond this is refused unread. */
export const MAX_DNS_ANSWER_BYTES = 64 * 1024

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/** The TXT strings at `name` (each record's character-strings joined), or throws with a reason in plain words. */
export type TxtResolver = (name: string) => Promise<string[]>

/** A resolver over a DoH JSON endpoint (`?name=…&type=TXT`, `accept: application/dns-json`). */
export function dohTxtResolver(endpoint: string, fetcher: typeof fetch = (input, init) => fetch(input, init)): TxtResolver {
  return async (name) => {
    const url = new URL(endpoint)
    url.searchParams.set('name', name)
    url.searchParams.set('type', 'TXT')
    let res: Response
    try {
      res = await fetcher(url.toString(), { headers: { accept: 'application/dns-json' }, signal: AbortSignal.timeout(DNS_TIMEOUT_MS) })
    } catch {
      throw new Error('the DNS resolver did not answer')
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new Error(`the DNS resolver answered HTTP ${res.status}`)
    }
    let text: string | null
    try {
      text = await readCappedText(res, MAX_DNS_ANSWER_BYTES)
    } catch {
      // The timeout (or the connection) ended while the answer was being read.
      throw new Error('the DNS resolver did not answer in time')
    }
    if (text === null) throw new Error(`the DNS resolver's answer is larger than ${MAX_DNS_ANSWER_BYTES} bytes`)
    const body = parseJson(text) as { Status?: number; Answer?: { type?: number; data?: string }[] } | null
    if (!body || typeof body.Status !== 'number') throw new Error('the DNS resolver sent no DNS answer')
    // RCODE 3 (NXDOMAIN): no such name, which for a challenge means "not published yet".
    if (body.Status === 3) return []
    if (body.Status !== 0) throw new Error(`the DNS lookup failed (RCODE ${body.Status})`)
    return (body.Answer ?? [])
      .filter((a) => a.type === TXT && typeof a.data === 'string')
      .slice(0, MAX_TXT_RECORDS)
      .map((a) => joinCharacterStrings(a.data!))
  }
}

/** `"part one" "part two"` (RFC 1035 character-strings as DoH JSON shows them) → `part onepart two`. */
export function joinCharacterStrings(data: string): string {
  const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'))
  return parts.length ? parts.join('') : data
}
