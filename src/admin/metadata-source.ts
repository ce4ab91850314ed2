/**
 * Where IdP and helpdesk metadata comes from: a URL (https, 10 s timeout, read at most
 * MAX_METADATA_BYTES, redirects followed by hand and each hop checked) or pasted XML. IdP
 * metadata is parsed by the SAML core (its root signature checked against the IdP's
 * metadataSigningCertificate when it has one), the entity chosen with its selectIdp, and turned
 * into IdP fields (the HTTP-Redirect SSO endpoint preferred), which then go through the same
 * input parser as everything an admin types: import and refresh alike.
 */
import { AppError } from '../errors'
import { readCappedText } from '../outbound/read-capped'
import { MAX_METADATA_BYTES } from '../saml/limits'
import { parseIdpMetadata, selectIdp, type IdpMetadata } from '../saml/metadata'
import { isSamlError } from '../saml/errors'
import type { IdpFields } from '../store/idps'
import { parseIdpInput } from './idp-fields'
import { parseUrl } from './validate'

export const METADATA_FETCH_TIMEOUT_MS = 10_000
/** Redirects followed before giving up (a moved metadata URL needs one or two). */
export const MAX_METADATA_REDIRECTS = 3

function fetchFailed(target: string, reason: string): AppError {
  return new AppError('ADMIN_METADATA_FETCH_FAILED', `Fetching ${target} failed: ${reason}.`, { field: 'metadataUrl' })
}

/**
 * Where a redirect from `from` may lead: the same host (the trust anchors come from the host the
 * admin named, never from wherever it points), never from https down to http, and only to a URL
 * the metadataUrl field itself would accept.
 */
function redirectTarget(from: string, location: string | null): string {
  if (!location) throw fetchFailed(from, 'it redirects without a Location')
  const here = new URL(from)
  let next: URL
  try {
    next = new URL(location, here)
  } catch {
    throw fetchFailed(from, 'it redirects to an invalid URL')
  }
  if (here.protocol === 'https:' && next.protocol !== 'https:')
    throw fetchFailed(from, `it redirects from https to ${next.protocol.slice(0, -1)} (${next.href})`)
  if (next.host !== here.host) throw fetchFailed(from, `it redirects to another host (${next.host}); if you trust that host, give its URL instead`)
  try {
    return parseUrl(next.href, 'metadataUrl')
  } catch {
    throw fetchFailed(from, `it redirects to ${next.href}, which is not an https URL`)
  }
}

/** Fetches metadata text; every failure is ADMIN_METADATA_FETCH_FAILED with the reason. */
export async function fetchMetadata(url: string): Promise<string> {
  let target = parseUrl(url, 'metadataUrl')
  for (let redirects = 0; ; redirects++) {
    let res: Response
    try {
      res = await fetch(target, {
        signal: AbortSignal.timeout(METADATA_FETCH_TIMEOUT_MS),
        headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
        // By hand: fetch's own 'follow' would take a redirect to http or to any host unchecked.
        redirect: 'manual',
      })
    } catch (err) {
      const reason =
        err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${METADATA_FETCH_TIMEOUT_MS / 1000} s` : 'the host could not be reached'
      throw fetchFailed(target, reason)
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      await res.body?.cancel()
      if (redirects === MAX_METADATA_REDIRECTS) throw fetchFailed(url, `more than ${MAX_METADATA_REDIRECTS} redirects`)
      target = redirectTarget(target, res.headers.get('location'))
      continue
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw fetchFailed(target, `HTTP ${res.status}`)
    }
    const text = await readCappedText(res, MAX_METADATA_BYTES)
    if (text === null) {
      throw new AppError('ADMIN_METADATA_FETCH_FAILED', `The metadata at ${target} is larger than ${MAX_METADATA_BYTES / 1048576} MiB.`, {
        field: 'metadataUrl',
      })
    }
    return text
  }
}

/** `{ metadataXml }` (pasted) or `{ metadataUrl }` (fetched): the XML and where it came from. */
export async function readMetadataSource(input: { metadataXml?: unknown; metadataUrl?: unknown }): Promise<{ xml: string; metadataUrl: string | null }> {
  if (typeof input.metadataXml === 'string' && input.metadataXml.trim()) return { xml: input.metadataXml, metadataUrl: null }
  if (typeof input.metadataUrl === 'string' && input.metadataUrl.trim()) {
    const metadataUrl = parseUrl(input.metadataUrl, 'metadataUrl')
    return { xml: await fetchMetadata(metadataUrl), metadataUrl }
  }
  throw new AppError('ADMIN_INVALID_FIELD', 'metadataXml: give metadataXml or metadataUrl', { field: 'metadataXml' })
}

/** The IdP entity to import: the one named, or the only usable SAML 2.0 IdP in the document. */
export async function loadIdpMetadata(input: {
  metadataXml?: unknown
  metadataUrl?: unknown
  entityId?: unknown
  /** The IdP's metadataSigningCertificate: the document must carry a signature it verifies. */
  metadataSigningCertificate?: string | null
}): Promise<{ idp: IdpMetadata; metadataUrl: string | null }> {
  const { xml, metadataUrl } = await readMetadataSource(input)
  const verifyWith = input.metadataSigningCertificate ? [input.metadataSigningCertificate] : undefined
  const parsed = await parseIdpMetadata(xml, verifyWith ? { verifyWith } : {})
  try {
    return { idp: selectIdp(parsed, typeof input.entityId === 'string' ? input.entityId : undefined), metadataUrl }
  } catch (err) {
    // Which entity to take is the admin's choice to fix: point at the entityId field.
    const reason = isSamlError(err) ? err.detail.reason : undefined
    if (reason === 'not-found' || reason === 'ambiguous')
      throw new AppError('ADMIN_INVALID_FIELD', `entityId: ${(err as Error).message}`, { field: 'entityId' })
    throw err
  }
}

function hostOf(entityId: string): string {
  try {
    return new URL(entityId).host || entityId
  } catch {
    return entityId
  }
}

/** IdP fields from one usable metadata entity (before the admin's overrides). */
export function fieldsFromMetadata(idp: IdpMetadata, metadataUrl: string | null): Partial<IdpFields> {
  const redirect = idp.ssoUrls['HTTP-Redirect']
  const post = idp.ssoUrls['HTTP-POST']
  const sloRedirect = idp.sloUrls['HTTP-Redirect']
  const sloPost = idp.sloUrls['HTTP-POST']
  return {
    name: hostOf(idp.entityId),
    entityId: idp.entityId,
    // selectIdp only returns an IdP with one of the two (and a signing certificate).
    ssoUrl: (redirect ?? post)!,
    ssoBinding: redirect ? 'redirect' : 'post',
    sloUrl: sloRedirect ?? sloPost ?? null,
    sloBinding: sloRedirect ? 'redirect' : sloPost ? 'post' : null,
    certificates: idp.signingCertificates,
    signAuthnRequests: idp.wantAuthnRequestsSigned,
    metadataUrl,
  }
}

/**
 * Re-reads an IdP's metadata URL and returns its new endpoints and certificates, validated as an
 * admin's input is, and what changed (certificate changes are what an admin must see in the
 * audit log). With a metadataSigningCertificate, unsigned or wrongly signed metadata changes
 * nothing (SAML_SIGNATURE_MISSING / SAML_SIGNATURE_INVALID).
 */
export async function refreshedFields(row: {
  entityId: string
  metadataUrl: string | null
  metadataSigningCertificate?: string | null
  certificates: string[]
  ssoUrl: string
  sloUrl: string | null
}) {
  if (!row.metadataUrl) throw new AppError('ADMIN_INVALID_FIELD', 'metadataUrl: this IdP was not imported from a metadata URL', { field: 'metadataUrl' })
  const { idp } = await loadIdpMetadata({ metadataUrl: row.metadataUrl, entityId: row.entityId, metadataSigningCertificate: row.metadataSigningCertificate })
  const fields = fieldsFromMetadata(idp, row.metadataUrl)
  // The same parser as create and import: an IdP's metadata is as untrusted as a form post.
  const update = parseIdpInput(
    {
      ssoUrl: fields.ssoUrl,
      ssoBinding: fields.ssoBinding,
      sloUrl: fields.sloUrl ?? null,
      sloBinding: fields.sloBinding ?? null,
      certificates: fields.certificates,
    },
    'patch',
  ) as Pick<IdpFields, 'ssoUrl' | 'ssoBinding' | 'sloUrl' | 'sloBinding' | 'certificates'>
  const certificatesChanged = JSON.stringify(update.certificates) !== JSON.stringify(row.certificates)
  return { update, certificatesChanged, endpointsChanged: update.ssoUrl !== row.ssoUrl || update.sloUrl !== row.sloUrl }
}
