/**
 * Where IdP and helpdesk metadata comes from: a URL (https, 10 s timeout, read at most
 * MAX_METADATA_BYTES, redirects followed by hand and each hop checked) or pasted XML; a web page
 * or a certificate is named as such before any parsing. IdP metadata is parsed by the SAML core
 * (its root signature checked against the IdP's metadataSigningCertificate when it has one), the
 * entity chosen by the admin when there are several, and turned into IdP fields (the
 * HTTP-Redirect SSO endpoint preferred), which then go through the same input parser as
 * everything an admin types: import and refresh alike.
 */
import { AppError } from '../errors'
import { readCappedText } from '../outbound/read-capped'
import { MAX_METADATA_BYTES } from '../saml/limits'
import { parseIdpMetadata, selectIdp, type IdpMetadata, type ParsedMetadata } from '../saml/metadata'
import { findExpired, type MetadataExpiry } from '../saml/metadata-expiry'
import { isSamlError } from '../saml/errors'
import type { IdpFields } from '../store/idps'
import { parseIdpInput } from './idp-fields'
import { parseUrl } from './validate'

export const METADATA_FETCH_TIMEOUT_MS = 10_000
/** Redirects followed before giving up (a moved metadata URL needs one or two). */
export const MAX_METADATA_REDIRECTS = 3
/** Entities an ADMIN_METADATA_CHOOSE_ENTITY lists (a federation aggregate has thousands). */
export const MAX_ENTITY_CHOICES = 200

/** Where each common IdP shows its metadata URL: one sentence, for the admin who gave a web page. */
const WHERE_METADATA_URLS_ARE =
  'For an IdP, copy its metadata URL: Okta shows it under Sign On, Entra ID as "App Federation Metadata Url" on the SAML page, ADFS serves /FederationMetadata/2007-06/FederationMetadata.xml.'

// A web page: <!doctype html> or <html> first (after whitespace, a BOM or an XHTML declaration).
const HTML_START = /^\uFEFF?\s*(?:<\?xml[^>]*\?>\s*)?<(?:!doctype\s+html|html[\s>/])/i
// Metadata served with a text/html content type still starts like XML metadata.
const XML_START = /^\uFEFF?\s*<(?:\?xml[\s?]|(?:[\w.-]+:)?Entit(?:y|ies)Descriptor[\s>/])/
const HTML_CONTENT_TYPE = /^\s*(?:text\/html|application\/xhtml\+xml)\s*(?:;|$)/i
const PEM_CERTIFICATE_START = /^\uFEFF?\s*-----BEGIN CERTIFICATE-----/

/** A sign-in or portal page where metadata was expected (the parser would only see its DOCTYPE). */
function isWebPage(text: string, contentType: string | null = null): boolean {
  return HTML_START.test(text) || (HTML_CONTENT_TYPE.test(contentType ?? '') && !XML_START.test(text))
}

function notMetadata(message: string, field: string, found: 'web-page' | 'certificate'): AppError {
  return new AppError('ADMIN_METADATA_NOT_XML', message, { field, found })
}

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
    if (isWebPage(text, res.headers.get('content-type')))
      throw notMetadata(`${target} returned a web page, not SAML metadata. ${WHERE_METADATA_URLS_ARE}`, 'metadataUrl', 'web-page')
    return text
  }
}

/** `{ metadataXml }` (pasted) or `{ metadataUrl }` (fetched): the XML and where it came from. */
export async function readMetadataSource(input: { metadataXml?: unknown; metadataUrl?: unknown }): Promise<{ xml: string; metadataUrl: string | null }> {
  if (typeof input.metadataXml === 'string' && input.metadataXml.trim()) {
    if (isWebPage(input.metadataXml)) throw notMetadata(`This is a web page (HTML), not SAML metadata. ${WHERE_METADATA_URLS_ARE}`, 'metadataXml', 'web-page')
    return { xml: input.metadataXml, metadataUrl: null }
  }
  if (typeof input.metadataUrl === 'string' && input.metadataUrl.trim()) {
    const metadataUrl = parseUrl(input.metadataUrl, 'metadataUrl')
    return { xml: await fetchMetadata(metadataUrl), metadataUrl }
  }
  throw new AppError('ADMIN_INVALID_FIELD', 'metadataXml: give metadataXml or metadataUrl', { field: 'metadataXml' })
}

/** A pasted certificate is not metadata: it belongs in the IdP's certificates, added by hand. */
function assertNotCertificate(xml: string, metadataUrl: string | null): void {
  if (!PEM_CERTIFICATE_START.test(xml)) return
  throw notMetadata(
    'This is a certificate, not metadata: add the IdP by hand and paste it into Signing certificates.',
    metadataUrl ? 'metadataUrl' : 'metadataXml',
    'certificate',
  )
}

/** One entity of an aggregate, as the admin chooses among them. */
export interface EntityChoice {
  entityId: string
  /** mdui:DisplayName, else the Organization's name; null when the metadata gives none. */
  name: string | null
  /** Why it cannot be imported (SAML 1.1 only, no signing certificate, ...), or null. */
  problem: string | null
}

/** The entities to choose from: usable ones first, each group in document order, at most MAX_ENTITY_CHOICES. */
function entityChoices(idps: readonly IdpMetadata[]): EntityChoice[] {
  return [...idps.filter((i) => i.problem === null), ...idps.filter((i) => i.problem !== null)]
    .slice(0, MAX_ENTITY_CHOICES)
    .map((i) => ({ entityId: i.entityId, name: i.displayName ?? i.organizationName, problem: i.problem }))
}

/** Several IdPs and none named: the admin chooses (never the first, or the only usable one, silently). */
function assertSingleIdp(parsed: ParsedMetadata): void {
  const count = parsed.idps.length
  if (count <= 1) return
  const entities = entityChoices(parsed.idps)
  const preview = entities.slice(0, 3).map((e) => e.entityId)
  throw new AppError(
    'ADMIN_METADATA_CHOOSE_ENTITY',
    `entityId: the metadata describes ${count} identity providers; choose one (${preview.join(', ')}${count > preview.length ? ', …' : ''}).`,
    { field: 'entityId', count, entities },
  )
}

/** The entities an ADMIN_METADATA_CHOOSE_ENTITY offers (for the console's picker), or null for any other error. */
export function entityChoicesOf(err: unknown): { entities: EntityChoice[]; count: number } | null {
  if (!(err instanceof AppError) || err.code !== 'ADMIN_METADATA_CHOOSE_ENTITY') return null
  return { entities: err.detail.entities as EntityChoice[], count: err.detail.count as number }
}

/** The IdP entity to import: the one named, or the only IdP in the document. */
export async function loadIdpMetadata(input: {
  metadataXml?: unknown
  metadataUrl?: unknown
  entityId?: unknown
  /** The IdP's metadataSigningCertificate: the document must carry a signature it verifies. */
  metadataSigningCertificate?: string | null
}): Promise<{ idp: IdpMetadata; metadataUrl: string | null }> {
  const { xml, metadataUrl } = await readMetadataSource(input)
  assertNotCertificate(xml, metadataUrl)
  const verifyWith = input.metadataSigningCertificate ? [input.metadataSigningCertificate] : undefined
  const parsed = await parseIdpMetadata(xml, verifyWith ? { verifyWith } : {})
  const entityId = typeof input.entityId === 'string' && input.entityId.trim() ? input.entityId.trim() : undefined
  if (entityId === undefined) assertSingleIdp(parsed)
  try {
    return { idp: selectIdp(parsed, entityId), metadataUrl }
  } catch (err) {
    // An entity ID the document does not have is the admin's to fix: point at the entityId field.
    if (isSamlError(err) && err.detail.reason === 'not-found') throw new AppError('ADMIN_INVALID_FIELD', `entityId: ${err.message}`, { field: 'entityId' })
    throw err
  }
}

/** What has expired, in words: "validUntil passed on …; signing certificate CN=… expired on …". */
function describeExpired(expired: readonly MetadataExpiry[]): string {
  return expired.map((e) => (e.part === 'validUntil' ? `its validUntil passed on ${e.at}` : `signing certificate ${e.subject} expired on ${e.at}`)).join('; ')
}

/**
 * Import refuses metadata past its validUntil or with an expired signing certificate (a stale or
 * abandoned document), naming each and when; the admin may import it anyway (importAnyway).
 */
export function assertNotExpired(idp: IdpMetadata, now: Date): void {
  const expired = findExpired(idp, now)
  if (expired.length === 0) return
  throw new AppError(
    'ADMIN_METADATA_EXPIRED',
    `The metadata of ${idp.entityId} has expired: ${describeExpired(expired)}. Get current metadata from the IdP, or import it anyway.`,
    { field: 'importAnyway', entityId: idp.entityId, expired },
  )
}

function hostOf(entityId: string): string {
  try {
    return new URL(entityId).host || entityId
  } catch {
    return entityId
  }
}

/**
 * IdP fields from one usable metadata entity (before the admin's overrides). The name is the one
 * the metadata gives (mdui:DisplayName, made for pickers like the selection page, else the
 * Organization's), else the entity ID's host.
 */
export function fieldsFromMetadata(idp: IdpMetadata, metadataUrl: string | null): Partial<IdpFields> {
  const redirect = idp.ssoUrls['HTTP-Redirect']
  const post = idp.ssoUrls['HTTP-POST']
  const sloRedirect = idp.sloUrls['HTTP-Redirect']
  const sloPost = idp.sloUrls['HTTP-POST']
  return {
    name: idp.displayName ?? idp.organizationName ?? hostOf(idp.entityId),
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
 * nothing (SAML_SIGNATURE_MISSING / SAML_SIGNATURE_INVALID). Expiry at `now` is reported, not
 * refused: a refresh takes what it took before import checked expiry, and says so in `expired`.
 */
export async function refreshedFields(
  row: {
    entityId: string
    metadataUrl: string | null
    metadataSigningCertificate?: string | null
    certificates: string[]
    ssoUrl: string
    sloUrl: string | null
  },
  now: Date,
) {
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
  const endpointsChanged = update.ssoUrl !== row.ssoUrl || update.sloUrl !== row.sloUrl
  return { update, certificatesChanged, endpointsChanged, expired: findExpired(idp, now) }
}
