// Test helper: a local DNS-over-HTTPS resolver. The gateway's own DoH client (outbound/doh.ts)
// asks it over a fetch function that answers the JSON API from records held in memory, so tests
// exercise the real request and answer parsing with no network.
import { dohTxtResolver, type TxtResolver } from '../../src/outbound/doh'

export interface LocalDns {
  resolver: TxtResolver
  /** Publishes a TXT value at `name` (several values per name allowed). */
  publish: (name: string, value: string) => void
  /** Removes every value at `name`. */
  clear: (name: string) => void
  /** The names asked for, in order. */
  queries: string[]
}

export function localDns(): LocalDns {
  const records = new Map<string, string[]>()
  const queries: string[] = []
  const fetcher = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const name = (url.searchParams.get('name') ?? '').toLowerCase()
    queries.push(name)
    const values = url.searchParams.get('type') === 'TXT' ? (records.get(name) ?? []) : []
    const body = { Status: values.length ? 0 : 3, Answer: values.map((v) => ({ name, type: 16, TTL: 60, data: JSON.stringify(v) })) }
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/dns-json' } })
  }
  return {
    resolver: dohTxtResolver('https://dns.test/dns-query', fetcher),
    publish: (name, value) => void records.set(name.toLowerCase(), [...(records.get(name.toLowerCase()) ?? []), value]),
    clear: (name) => void records.delete(name.toLowerCase()),
    queries,
  }
}
