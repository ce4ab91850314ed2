// Bench only (bench/split-workerd.ts): D1 and KV for a gateway running in another workerd
// process, so that process's CPU time holds the Worker's own work and not local storage's. Runs
// under `wrangler dev` (miniflare's D1 and KV, persisted in the bench's state directory). The
// gateway's bindings reach it over HTTP with a header naming the store (workerd `external`
// services with injectRequestHeaders):
//  - D1: workerd's D1 binding speaks HTTP to its inner fetcher (POST /query, /execute; without the
//    d1_binding_jsrpc flag), passed through unchanged to this process's own D1 binding's fetcher.
//  - KV: workerd's KV binding speaks HTTP (GET /<key>, PUT /<key>?expiration_ttl=, DELETE /<key>,
//    GET /?prefix=&key_count_limit=&cursor=), answered here through the KV binding API.
// `x-bench-store: counts` answers how many calls each store has served (one D1 batch is one call),
// `x-bench-store: log` the last calls (D1 SQL, KV method and key) and forgets them.

interface StorageEnv {
  DB: D1Database & { fetcher: Fetcher }
  SESSIONS: KVNamespace
}

const METADATA_HEADER = 'CF-KV-Metadata'

/** The key of a KV request path (workerd URL-encodes keys and says so with `urlencoded=true`). */
function kvKey(url: URL): string {
  const raw = url.pathname.slice(1)
  return url.searchParams.get('urlencoded') === 'true' ? decodeURIComponent(raw) : raw
}

async function kv(request: Request, store: KVNamespace): Promise<Response> {
  const url = new URL(request.url)
  if (request.method === 'GET' && url.pathname === '/') {
    const limit = url.searchParams.get('key_count_limit')
    const listed = await store.list({
      prefix: url.searchParams.get('prefix') ?? undefined,
      cursor: url.searchParams.get('cursor') ?? undefined,
      limit: limit === null ? undefined : Number(limit),
    })
    // workerd expects each key's metadata as a JSON string.
    const keys = listed.keys.map((k) => ({
      name: k.name,
      expiration: k.expiration,
      metadata: k.metadata === undefined ? undefined : JSON.stringify(k.metadata),
    }))
    return Response.json({ keys, list_complete: listed.list_complete, cursor: listed.list_complete ? undefined : listed.cursor, cacheStatus: null })
  }
  const key = kvKey(url)
  if (request.method === 'GET') {
    const { value, metadata } = await store.getWithMetadata(key, 'arrayBuffer')
    if (value === null) return new Response('Not Found', { status: 404 })
    const headers = new Headers()
    if (metadata !== null) headers.set(METADATA_HEADER, JSON.stringify(metadata))
    return new Response(value, { headers })
  }
  if (request.method === 'PUT') {
    const ttl = url.searchParams.get('expiration_ttl')
    const expiration = url.searchParams.get('expiration')
    const metadata = request.headers.get(METADATA_HEADER)
    await store.put(key, await request.arrayBuffer(), {
      ...(ttl === null ? {} : { expirationTtl: Number(ttl) }),
      ...(expiration === null ? {} : { expiration: Number(expiration) }),
      ...(metadata === null ? {} : { metadata: JSON.parse(metadata) as unknown }),
    })
    return new Response(null)
  }
  if (request.method === 'DELETE') {
    await store.delete(key)
    return new Response(null)
  }
  return new Response(`unsupported KV request ${request.method} ${url.pathname}`, { status: 400 })
}

/** Calls served per store since this isolate started (the bench reads them: storage calls per request). */
const served = { d1: 0, kv: 0 }
/** The last calls, for a look at what one request does (`x-bench-store: log`): D1 SQL or KV method and key. */
const recent: string[] = []
function note(line: string): void {
  recent.push(line.slice(0, 160))
  if (recent.length > 50) recent.shift()
}

export default {
  async fetch(request: Request, env: StorageEnv): Promise<Response> {
    const store = request.headers.get('x-bench-store')
    if (store === 'd1' || store === 'kv') served[store]++
    if (store === 'counts') return Response.json(served)
    if (store === 'log') return Response.json(recent.splice(0))
    if (store === 'd1') {
      const url = new URL(request.url)
      const headers = new Headers(request.headers)
      headers.delete('x-bench-store')
      const body = await request.text()
      note(`D1 ${url.pathname} ${body}`)
      return env.DB.fetcher.fetch(`http://d1${url.pathname}${url.search}`, { method: request.method, headers, body })
    }
    if (store === 'kv') {
      note(`KV ${request.method} ${new URL(request.url).pathname}`)
      return kv(request, env.SESSIONS)
    }
    return new Response('storage proxy: no x-bench-store header', { status: 400 })
  },
}
