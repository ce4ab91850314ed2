/**
 * SAML 2.0 Web Browser SSO profile checks (profiles §4.1.4) on a signature-verified Assertion.
 * Trusts only `Verified` elements for anything it returns; the unverified Response is read solely
 * to reject (Destination, Issuer, InResponseTo that disagree). Must never accept on unsigned data.
 */
import type { Element } from '@xmldom/xmldom'
import { SamlError } from './errors'
import type { Verified } from './dsig/verify'
import type { SpConfig } from './types'
import { attr, childrenNamed, NS, singleChildNamed, textContent } from './xml/dom'

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer'
const ENTITY_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity'

export interface ProfileContext {
  idpEntityId: string
  sp: SpConfig
  now: Date
  skewSeconds: number
  expectedRequestId: string | null
  allowIdpInitiated: boolean
}

/** The Response as seen by the profile checks: the verified element, if its signature was checked. */
export interface ResponseView {
  verified: Verified<Element> | null
  /** Same element, unverified: read only to reject. */
  raw: Element
}

export interface AssertionFacts {
  issuer: string
  assertionId: string
  nameId: string
  nameIdFormat: string | null
  nameQualifier: string | null
  spNameQualifier: string | null
  sessionIndex: string | null
  sessionNotOnOrAfter: string | null
  authnContextClassRef: string | null
  notOnOrAfter: string
  inResponseTo: string | null
}

/**
 * Run every profile check in a fixed order and return what the assertion states. The order is
 * part of the contract (tests and the interop verdicts pin it): shape of the subject confirmation,
 * then who (Issuer, Destination, Recipient), which login (InResponseTo), when and for whom
 * (Conditions), and last the identity itself (NameID).
 */
export function checkAssertion(assertion: Verified<Element>, response: ResponseView, ctx: ProfileContext): AssertionFacts {
  // SAML core §2.3.3: Version "2.0".
  if (attr(assertion, 'Version') !== '2.0') {
    throw new SamlError('SAML_VERSION_UNSUPPORTED', 'Unsupported assertion version', { version: attr(assertion, 'Version') })
  }
  // Schema: Subject, Conditions, SubjectConfirmationData, NameID occur at most once; a second
  // copy is a parser-differential trick (which one does the reader take?), so it rejects.
  const one = (parent: Element, ns: string, name: string): Element | null =>
    singleChildNamed(parent, ns, name, () => new SamlError('SAML_NOT_SAML', `More than one ${name}`, { element: name }))
  const subject = one(assertion, NS.saml, 'Subject')
  // Profiles §4.1.4.2: at least one bearer SubjectConfirmation with SubjectConfirmationData.
  // Checked first: without it nothing binds the assertion to this SP, this login or a time.
  const bearers = subject
    ? childrenNamed(subject, NS.saml, 'SubjectConfirmation')
        .filter((sc) => attr(sc, 'Method') === BEARER)
        .map((sc) => one(sc, NS.saml, 'SubjectConfirmationData'))
        .filter((scd): scd is Element => scd !== null)
    : []
  if (bearers.length === 0) throw new SamlError('SAML_SUBJECT_CONFIRMATION_INVALID', 'No bearer SubjectConfirmationData')

  const issuer = checkIssuers(assertion, response, ctx)
  checkDestination(response, ctx)
  const scd = pickSubjectConfirmation(bearers, ctx)
  const inResponseTo = checkInResponseTo(scd, response, ctx)
  const conditionsEnd = checkConditions(one(assertion, NS.saml, 'Conditions'), ctx)

  // Profiles §4.1.4.2: the subject is what the SP signs in. ADFS without a NameID claim rule
  // sends none (adfs-2015-no-nameid); an EncryptedID is not supported yet.
  const nameIdEl = subject ? one(subject, NS.saml, 'NameID') : null
  if (!nameIdEl) {
    const encrypted = subject !== null && childrenNamed(subject, NS.saml, 'EncryptedID').length > 0
    throw new SamlError('SAML_NAMEID_MISSING', 'Subject has no NameID', { encryptedId: encrypted })
  }
  // Full text content: `a@evil.com<!---->.example.com` is one name (CVE-2017-11428 class).
  const nameId = textContent(nameIdEl)
  if (nameId === '') throw new SamlError('SAML_NAMEID_MISSING', 'NameID is empty')

  // Profiles §4.1.4.2 asks for an AuthnStatement; its SessionIndex is what IdP-initiated logout names.
  const authn = childrenNamed(assertion, NS.saml, 'AuthnStatement')[0] ?? null
  const sessionNotOnOrAfter = authn ? attr(authn, 'SessionNotOnOrAfter') : null
  // SAML core §2.7.2: past SessionNotOnOrAfter the IdP wants the session over: nothing to start.
  if (sessionNotOnOrAfter !== null && parseDateTime(sessionNotOnOrAfter, 'SessionNotOnOrAfter') <= ctx.now.getTime() - ctx.skewSeconds * 1000) {
    throw expired('SessionNotOnOrAfter', sessionNotOnOrAfter, ctx)
  }
  const authnContext = authn ? childrenNamed(authn, NS.saml, 'AuthnContext')[0] : undefined
  const classRef = authnContext ? childrenNamed(authnContext, NS.saml, 'AuthnContextClassRef')[0] : undefined
  // The assertion is usable until the earlier of its two deadlines; returned as sent.
  const scdEnd = attr(scd, 'NotOnOrAfter') as string
  const earlierEnd = conditionsEnd !== null && parseDateTime(conditionsEnd, 'NotOnOrAfter') < parseDateTime(scdEnd, 'NotOnOrAfter') ? conditionsEnd : scdEnd
  return {
    issuer,
    assertionId: attr(assertion, 'ID') ?? '',
    nameId,
    nameIdFormat: attr(nameIdEl, 'Format'),
    nameQualifier: attr(nameIdEl, 'NameQualifier'),
    spNameQualifier: attr(nameIdEl, 'SPNameQualifier'),
    sessionIndex: authn ? attr(authn, 'SessionIndex') : null,
    sessionNotOnOrAfter,
    authnContextClassRef: classRef ? textContent(classRef).trim() : null,
    notOnOrAfter: earlierEnd,
    inResponseTo,
  }
}

/**
 * Profiles §4.1.4.2: the Assertion Issuer is the IdP; a Response Issuer, when present, too.
 * Compared exactly (no trimming: entity IDs are opaque strings). Returns the assertion's issuer.
 */
function checkIssuers(assertion: Verified<Element>, response: ResponseView, ctx: ProfileContext): string {
  const read = (el: Element, where: string, required: boolean): string | null => {
    const issuers = childrenNamed(el, NS.saml, 'Issuer')
    const issuerEl = issuers[0]
    if (!issuerEl) {
      if (!required) return null
      throw new SamlError('SAML_ISSUER_MISMATCH', `${where} has no Issuer`, { expected: ctx.idpEntityId, received: null })
    }
    const format = attr(issuerEl, 'Format')
    const value = textContent(issuerEl)
    if (issuers.length > 1 || value !== ctx.idpEntityId || (format !== null && format !== ENTITY_FORMAT)) {
      throw new SamlError('SAML_ISSUER_MISMATCH', `${where} Issuer is not the configured IdP`, {
        where,
        expected: ctx.idpEntityId,
        received: value.slice(0, 256),
        format,
      })
    }
    return value
  }
  // Unverified Response Issuer: read to reject only (a mismatch means the wrong IdP config at best).
  read(response.verified ?? response.raw, 'Response', false)
  return read(assertion, 'Assertion', true) as string
}

/**
 * Bindings §3.5.5.2: Destination, when present, is our ACS; a signed Response MUST carry it.
 * Without a Response signature it is only a reason to reject, never a reason to accept.
 */
function checkDestination(response: ResponseView, ctx: ProfileContext): void {
  const destination = attr(response.verified ?? response.raw, 'Destination')
  if (destination === null && !response.verified) return
  if (destination !== ctx.sp.acsUrl) {
    throw new SamlError('SAML_DESTINATION_MISMATCH', 'Response Destination is not this ACS URL', {
      expected: ctx.sp.acsUrl,
      received: destination?.slice(0, 512) ?? null,
    })
  }
}

/**
 * Profiles §4.1.4.2/§4.1.4.3: a bearer SubjectConfirmationData with Recipient = ACS URL, inside its
 * time window. The first one that passes wins; if none does, the first one's failure is reported.
 */
function pickSubjectConfirmation(bearers: readonly Element[], ctx: ProfileContext): Element {
  let firstError: SamlError | null = null
  for (const scd of bearers) {
    try {
      // Both are MUSTs for bearer confirmation: without them the assertion fits any SP, any time.
      const recipient = attr(scd, 'Recipient')
      const notOnOrAfter = attr(scd, 'NotOnOrAfter')
      if (recipient === null || notOnOrAfter === null) {
        throw new SamlError('SAML_SUBJECT_CONFIRMATION_INVALID', 'Bearer SubjectConfirmationData lacks Recipient or NotOnOrAfter', {
          recipient,
          notOnOrAfter,
        })
      }
      // Exact string match, no URL normalization: the IdP echoes what our metadata/request said.
      if (recipient !== ctx.sp.acsUrl) {
        throw new SamlError('SAML_RECIPIENT_MISMATCH', 'Recipient is not this ACS URL', { expected: ctx.sp.acsUrl, received: recipient.slice(0, 512) })
      }
      // Profiles §4.1.4.2 forbids NotBefore here; tolerated when harmless, enforced when in the future.
      checkWindow(attr(scd, 'NotBefore'), notOnOrAfter, 'SubjectConfirmationData', ctx)
      return scd
    } catch (error) {
      if (!(error instanceof SamlError)) throw error
      // Keep looking: IdPs may list one confirmation per ACS URL of the SP.
      firstError ??= error
    }
  }
  throw firstError as SamlError
}

/**
 * Profiles §4.1.4.2: SubjectConfirmationData/@InResponseTo is the request this browser started
 * (bound by the caller to its login state). Any InResponseTo that disagrees, including an unsigned
 * Response's, rejects; only the verified one can make a solicited response acceptable.
 */
function checkInResponseTo(scd: Element, response: ResponseView, ctx: ProfileContext): string | null {
  const fromAssertion = attr(scd, 'InResponseTo')
  // node-saml #433: an unsigned Response's InResponseTo must never satisfy the check, only fail it.
  const fromResponse = attr(response.verified ?? response.raw, 'InResponseTo')
  const expected = ctx.expectedRequestId
  if (expected === null) {
    if (fromAssertion !== null || fromResponse !== null) {
      throw new SamlError('SAML_IN_RESPONSE_TO_MISMATCH', 'Response answers a request this browser did not start', {
        expected: null,
        received: (fromAssertion ?? fromResponse)?.slice(0, 256) ?? null,
      })
    }
    // Unsolicited responses are off unless the admin enables IdP-initiated login (profiles §4.1.5).
    if (!ctx.allowIdpInitiated) throw new SamlError('SAML_UNSOLICITED_NOT_ALLOWED', 'IdP-initiated login is not enabled for this IdP')
    return null
  }
  if (fromAssertion !== expected || (fromResponse !== null && fromResponse !== expected)) {
    throw new SamlError('SAML_IN_RESPONSE_TO_MISMATCH', 'InResponseTo does not match the request', {
      expected,
      received: fromAssertion?.slice(0, 256) ?? null,
      responseInResponseTo: fromResponse?.slice(0, 256) ?? null,
    })
  }
  return fromAssertion
}

/**
 * SAML core §2.5.1.2 (time window) and §2.5.1.4 (every AudienceRestriction must name us);
 * profiles §4.1.4.2 requires an AudienceRestriction. Returns Conditions/@NotOnOrAfter.
 */
function checkConditions(conditions: Element | null, ctx: ProfileContext): string | null {
  if (conditions) checkWindow(attr(conditions, 'NotBefore'), attr(conditions, 'NotOnOrAfter'), 'Conditions', ctx)
  const restrictions = conditions ? childrenNamed(conditions, NS.saml, 'AudienceRestriction') : []
  const seen: string[] = []
  // No AudienceRestriction means "any audience": not acceptable for a bearer assertion.
  let ok = restrictions.length > 0
  for (const restriction of restrictions) {
    const audiences = childrenNamed(restriction, NS.saml, 'Audience').map((a) => textContent(a))
    seen.push(...audiences)
    // Restrictions are ANDed, the Audiences inside one are ORed (SAML core §2.5.1.4).
    if (!audiences.includes(ctx.sp.entityId)) ok = false
  }
  if (!ok) {
    throw new SamlError('SAML_AUDIENCE_MISMATCH', 'Assertion is not addressed to this SP', {
      expected: ctx.sp.entityId,
      received: seen.slice(0, 10).map((a) => a.slice(0, 256)),
    })
  }
  return conditions ? attr(conditions, 'NotOnOrAfter') : null
}

/**
 * Accepted iff NotBefore - skew <= now < NotOnOrAfter + skew: both bounds widened by the skew
 * (SAML core §1.3.3 leaves skew to the relying party). Details give the bounds with skew applied.
 */
function checkWindow(notBefore: string | null, notOnOrAfter: string | null, where: string, ctx: ProfileContext): void {
  const now = ctx.now.getTime()
  const skew = ctx.skewSeconds * 1000
  if (notBefore !== null && parseDateTime(notBefore, `${where}/@NotBefore`) > now + skew) {
    throw new SamlError('SAML_NOT_YET_VALID', `${where} is not valid yet`, {
      where,
      notBefore,
      now: ctx.now.toISOString(),
      skewSeconds: ctx.skewSeconds,
      earliestAccepted: new Date(parseDateTime(notBefore, 'NotBefore') - skew).toISOString(),
    })
  }
  if (notOnOrAfter !== null && parseDateTime(notOnOrAfter, `${where}/@NotOnOrAfter`) <= now - skew) {
    throw expired(`${where}/@NotOnOrAfter`, notOnOrAfter, ctx)
  }
}

function expired(where: string, notOnOrAfter: string, ctx: ProfileContext): SamlError {
  return new SamlError('SAML_EXPIRED', `${where} has passed`, {
    where,
    notOnOrAfter,
    now: ctx.now.toISOString(),
    skewSeconds: ctx.skewSeconds,
    latestAccepted: new Date(parseDateTime(notOnOrAfter, where) + ctx.skewSeconds * 1000 - 1).toISOString(),
  })
}

// xs:dateTime (XML Schema 2 §3.2.7). SAML core §1.3.3 asks for UTC ("Z"); offsets are converted.
// xs:dateTime with a required zone: Z, or an offset within ±14:00 (XML Schema 1.1 §3.3.7), never `+99:99`.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))$/

/** Milliseconds since the epoch; a malformed or zone-less time throws SAML_NOT_SAML. */
export function parseDateTime(value: string, where: string): number {
  const m = DATE_TIME.exec(value)
  if (!m) throw new SamlError('SAML_NOT_SAML', 'Malformed xs:dateTime', { where, value: value.slice(0, 40) })
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  // Fractions beyond milliseconds (ADFS writes 7 digits) are truncated: at most 1 ms laxer.
  const ms = Number(((m[7] ?? '') + '000').slice(0, 3))
  const check = new Date(0)
  check.setUTCFullYear(y, mo - 1, d)
  check.setUTCHours(h, mi, s, ms)
  const utc = check.getTime()
  // Round trip rejects 2017-02-30 and friends instead of rolling them over into March.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new SamlError('SAML_NOT_SAML', 'Invalid xs:dateTime', { where, value })
  }
  const zone = m[8] as string
  if (zone === 'Z') return utc
  const sign = zone.startsWith('-') ? -1 : 1
  return utc - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000
}
