/**
 * IdP metadata import and refresh: fetch (https, 10 s timeout, 4 MiB cap) or take pasted XML,
 * parse with the SAML core, pick the IdP entity, and turn it into IdP fields (preferring the
 * HTTP-Redirect SSO endpoint). The same fields go through the admin input parser afterwards.
 */
import { AppError } from '../errors'
import { MAX_METADATA_BYTES, parseIdpMetadata, type IdpMetadata } from '../saml/metadata'
import type { IdpFields } from '../store/idps'
import { parseUrl } from './admin-input'

export const METADATA_FETCH_TIMEOUT_MS = 10_000

/** Fetches metadata text; every failure is ADMIN_METADATA_FETCH_FAILED with the reason. */
export async function fetchMetadata(url: string): Promise<string> {
  const target = parseUrl(url, 'metadataUrl')
  let res: Response
  try {
    res = await fetch(target, {
      signal: AbortSignal.timeout(METADATA_FETCH_TIMEOUT_MS),
      headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
      redirect: 'follow',
    })
  } catch (err) {
    const reason =
      err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${METADATA_FETCH_TIMEOUT_MS / 1000} s` : 'the host could not be reached'
    throw new AppError('ADMIN_METADATA_FETCH_FAILED', `Fetching ${target} failed: ${reason}.`, { field: 'metadataUrl' })
  }
  if (!res.ok) throw new AppError('ADMIN_METADATA_FETCH_FAILED', `Fetching ${target} failed: HTTP ${res.status}.`, { field: 'metadataUrl' })
  const reader = res.body?.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const next = reader ? await reader.read() : { done: true as const, value: undefined }
    if (next.done) break
    size += next.value.length
    if (size > MAX_METADATA_BYTES) {
      await reader!.cancel()
      throw new AppError('ADMIN_METADATA_FETCH_FAILED', `The metadata at ${target} is larger than ${MAX_METADATA_BYTES / 1048576} MiB.`, {
        field: 'metadataUrl',
      })
    }
    chunks.push(next.value)
  }
  const bytes = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    bytes.set(c, at)
    at += c.length
  }
  return new TextDecoder().decode(bytes)
}

function hostOf(entityId: string): string {
  try {
    return new URL(entityId).host || entityId
  } catch {
    return entityId
  }
}

/** The IdP entity to import: the one named, or the only SAML 2.0 IdP in the document. */
export function pickIdp(idps: IdpMetadata[], entityId: string | undefined): IdpMetadata {
  const usable = idps.filter((i) => i.supportsSaml2)
  if (entityId) {
    const found = idps.find((i) => i.entityId === entityId)
    if (!found) throw new AppError('ADMIN_INVALID_FIELD', `entityId: the metadata has no IdP ${entityId}`, { field: 'entityId' })
    return found
  }
  if (usable.length === 1) return usable[0]!
  throw new AppError('ADMIN_INVALID_FIELD', `entityId: the metadata lists ${usable.length} SAML 2.0 IdPs; say which one to import`, { field: 'entityId' })
}

/** IdP fields from one metadata entity (before admin overrides). */
export function fieldsFromMetadata(idp: IdpMetadata, metadataUrl: string | null): Partial<IdpFields> {
  const redirect = idp.ssoUrls['HTTP-Redirect']
  const post = idp.ssoUrls['HTTP-POST']
  if (!idp.supportsSaml2 || (!redirect && !post)) {
    throw new AppError('ADMIN_INVALID_FIELD', 'metadata: this IdP has no SAML 2.0 HTTP-Redirect or HTTP-POST sign-in endpoint', { field: 'metadataXml' })
  }
  if (idp.signingCertificates.length === 0)
    throw new AppError('ADMIN_INVALID_FIELD', 'metadata: this IdP publishes no signing certificate', { field: 'metadataXml' })
  const sloRedirect = idp.sloUrls['HTTP-Redirect']
  const sloPost = idp.sloUrls['HTTP-POST']
  return {
    name: hostOf(idp.entityId),
    entityId: idp.entityId,
    ssoUrl: (redirect ?? post)!,
    ssoBinding: redirect ? 'redirect' : 'post',
    sloUrl: sloRedirect ?? sloPost ?? null,
    sloBinding: sloRedirect ? 'redirect' : sloPost ? 'post' : null,
    certificates: idp.signingCertificates,
    signAuthnRequests: idp.wantAuthnRequestsSigned,
    metadataUrl,
  }
}

/** Reads `{ metadataXml }` or `{ metadataUrl }` and returns the parsed IdP entity. */
export async function loadMetadata(input: {
  metadataXml?: unknown
  metadataUrl?: unknown
  entityId?: unknown
}): Promise<{ idp: IdpMetadata; metadataUrl: string | null }> {
  let xml: string
  let metadataUrl: string | null = null
  if (typeof input.metadataXml === 'string' && input.metadataXml.trim()) xml = input.metadataXml
  else if (typeof input.metadataUrl === 'string' && input.metadataUrl.trim()) {
    metadataUrl = parseUrl(input.metadataUrl, 'metadataUrl')
    xml = await fetchMetadata(metadataUrl)
  } else throw new AppError('ADMIN_INVALID_FIELD', 'metadataXml: give metadataXml or metadataUrl', { field: 'metadataXml' })
  const parsed = await parseIdpMetadata(xml)
  return { idp: pickIdp(parsed.idps, typeof input.entityId === 'string' ? input.entityId : undefined), metadataUrl }
}

/**
 * Re-reads an IdP's metadata URL and applies new endpoints and certificates; returns what
 * changed (certificate changes are what an admin must see in the audit log).
 */
export async function refreshedFields(row: { entityId: string; metadataUrl: string | null; certificates: string[]; ssoUrl: string; sloUrl: string | null }) {
  if (!row.metadataUrl) throw new AppError('ADMIN_INVALID_FIELD', 'metadataUrl: this IdP was not imported from a metadata URL', { field: 'metadataUrl' })
  const { idp } = await loadMetadata({ metadataUrl: row.metadataUrl, entityId: row.entityId })
  const fields = fieldsFromMetadata(idp, row.metadataUrl)
  const update = {
    ssoUrl: fields.ssoUrl!,
    ssoBinding: fields.ssoBinding!,
    sloUrl: fields.sloUrl ?? null,
    sloBinding: fields.sloBinding ?? null,
    certificates: fields.certificates!,
  }
  const certificatesChanged = JSON.stringify(update.certificates) !== JSON.stringify(row.certificates)
  return { update, certificatesChanged, endpointsChanged: update.ssoUrl !== row.ssoUrl || update.sloUrl !== row.sloUrl }
}
