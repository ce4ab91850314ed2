/**
 * A provider's discovery document (OpenID Connect Discovery 1.0 §3, §4.3): read from
 * `<issuer>/.well-known/openid-configuration` and checked before anything of it is stored. The
 * `issuer` it states must be exactly the one asked for (a document for another issuer is
 * refused), every endpoint must be https (http only for a loopback issuer, for local
 * development), and it must offer the authorization code flow, PKCE S256 when it lists methods,
 * and an ID-token algorithm from the allow-list.
 */
import { AppError } from '../errors'
import { readCappedText } from '../outbound/read-capped'
import { ALLOWED_ID_TOKEN_ALGORITHMS } from './id-token'

export const MAX_DISCOVERY_BYTES = 256 * 1024
export const DISCOVERY_TIMEOUT_MS = 10_000

export interface OidcProvider {
  issuer: string
  authorizationEndpoint: string
  tokenEndpoint: string
  jwksUri: string
  userinfoEndpoint: string | null
  endSessionEndpoint: string | null
  tokenEndpointAuthMethods: string[]
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** An issuer URL as given: https, or http on a loopback host. */
export function parseIssuer(value: unknown): string {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : null
  if (!url || url.search || url.hash || !(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))))
    throw new AppError('ADMIN_INVALID_FIELD', 'issuer: must be an https:// URL (http only on localhost), without query or fragment', { field: 'issuer' })
  return value as string
}

/** Where the discovery document of `issuer` is (§4: the path is appended, a trailing slash dropped). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
}

/** The provider a discovery document describes for `issuer`; OIDC_DISCOVERY_INVALID naming what is wrong. */
export function parseDiscovery(document: unknown, issuer: string): OidcProvider {
  const invalid = (message: string, detail: Record<string, unknown> = {}): never => {
    throw new AppError('OIDC_DISCOVERY_INVALID', message, detail)
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return invalid('The discovery document is not a JSON object')
  const doc = document as Record<string, unknown>
  // §4.3: the issuer in the document must be identical to the one the URL was built from.
  if (doc.issuer !== issuer)
    invalid('The discovery document is for another issuer', { expected: issuer, received: typeof doc.issuer === 'string' ? doc.issuer.slice(0, 256) : null })
  const loopback = new URL(issuer).protocol === 'http:'
  const endpoint = (name: string, required: boolean): string | null => {
    const v = doc[name]
    if (v === undefined || v === null) return required ? invalid(`The discovery document has no ${name}`, { field: name }) : null
    const url = typeof v === 'string' && URL.canParse(v) ? new URL(v) : null
    if (!url || !(url.protocol === 'https:' || (loopback && url.protocol === 'http:' && LOOPBACK.has(url.hostname))))
      invalid(`${name} must be an https URL`, { field: name, received: typeof v === 'string' ? v.slice(0, 256) : null })
    return v as string
  }
  const list = (name: string): string[] | null => (Array.isArray(doc[name]) ? (doc[name] as unknown[]).filter((x): x is string => typeof x === 'string') : null)
  const responseTypes = list('response_types_supported')
  if (responseTypes && !responseTypes.includes('code'))
    invalid('The provider does not offer the authorization code flow', { received: responseTypes.slice(0, 10) })
  const pkce = list('code_challenge_methods_supported')
  if (pkce && !pkce.includes('S256')) invalid('The provider does not offer PKCE with S256', { received: pkce.slice(0, 10) })
  const algs = list('id_token_signing_alg_values_supported')
  if (algs && !algs.some((a) => (ALLOWED_ID_TOKEN_ALGORITHMS as readonly string[]).includes(a)))
    invalid('The provider signs ID tokens with no algorithm the gateway accepts', { expected: [...ALLOWED_ID_TOKEN_ALGORITHMS], received: algs.slice(0, 10) })
  return {
    issuer,
    authorizationEndpoint: endpoint('authorization_endpoint', true)!,
    tokenEndpoint: endpoint('token_endpoint', true)!,
    jwksUri: endpoint('jwks_uri', true)!,
    userinfoEndpoint: endpoint('userinfo_endpoint', false),
    endSessionEndpoint: endpoint('end_session_endpoint', false),
    // §3: client_secret_basic when absent.
    tokenEndpointAuthMethods: list('token_endpoint_auth_methods_supported') ?? ['client_secret_basic'],
  }
}

/**
 * Fetches and checks the discovery document of `issuer`. No redirect is followed: the document
 * must be at the issuer's own well-known URL (§4), so a redirect elsewhere cannot choose the
 * endpoints and keys. Read bounded, with a timeout. OIDC_DISCOVERY_FETCH_FAILED names why the
 * document could not be read; OIDC_DISCOVERY_INVALID why it is refused.
 */
export async function loadDiscovery(issuer: string, fetcher: typeof fetch = fetch): Promise<OidcProvider> {
  const url = discoveryUrl(parseIssuer(issuer))
  const failed = (reason: string, detail: Record<string, unknown> = {}) =>
    new AppError('OIDC_DISCOVERY_FETCH_FAILED', `Reading ${url} failed: ${reason}.`, { field: 'issuer', url, ...detail })
  let res: Response
  try {
    res = await fetcher(url, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) })
  } catch (err) {
    throw failed(err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${DISCOVERY_TIMEOUT_MS / 1000} s` : 'the host could not be reached')
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel()
    throw failed('it redirects elsewhere; give the issuer exactly as the provider states it', { location: res.headers.get('location')?.slice(0, 256) ?? null })
  }
  if (!res.ok) {
    await res.body?.cancel()
    throw failed(`HTTP ${res.status}`)
  }
  const text = await readCappedText(res, MAX_DISCOVERY_BYTES)
  if (text === null) throw failed(`the document is larger than ${MAX_DISCOVERY_BYTES / 1024} KiB`)
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch {
    throw new AppError('OIDC_DISCOVERY_INVALID', 'The discovery document is not JSON', { url })
  }
  return parseDiscovery(document, issuer)
}
