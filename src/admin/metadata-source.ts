/**
 * Where IdP and helpdesk metadata comes from: a URL (https, 10 s timeout, read at most
 * MAX_METADATA_BYTES) or pasted XML. IdP metadata is parsed by the SAML core, the entity chosen
 * with its selectIdp, and turned into IdP fields (the HTTP-Redirect SSO endpoint preferred),
 * which then go through the same input parser as everything an admin types.
 */
import { AppError } from '../errors'
import { readCappedText } from '../outbound/read-capped'
import { MAX_METADATA_BYTES } from '../saml/limits'
import { parseIdpMetadata, selectIdp, type IdpMetadata } from '../saml/metadata'
import { isSamlError } from '../saml/errors'
import type { IdpFields } from '../store/idps'
import { parseUrl } from './validate'

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
  const text = await readCappedText(res, MAX_METADATA_BYTES)
  if (text === null) {
    throw new AppError('ADMIN_METADATA_FETCH_FAILED', `The metadata at ${target} is larger than ${MAX_METADATA_BYTES / 1048576} MiB.`, {
      field: 'metadataUrl',
    })
  }
  return text
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
}): Promise<{ idp: IdpMetadata; metadataUrl: string | null }> {
  const { xml, metadataUrl } = await readMetadataSource(input)
  const parsed = await parseIdpMetadata(xml)
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
 * Re-reads an IdP's metadata URL and returns its new endpoints and certificates, and what changed
 * (certificate changes are what an admin must see in the audit log).
 */
export async function refreshedFields(row: { entityId: string; metadataUrl: string | null; certificates: string[]; ssoUrl: string; sloUrl: string | null }) {
  if (!row.metadataUrl) throw new AppError('ADMIN_INVALID_FIELD', 'metadataUrl: this IdP was not imported from a metadata URL', { field: 'metadataUrl' })
  const { idp } = await loadIdpMetadata({ metadataUrl: row.metadataUrl, entityId: row.entityId })
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
