/**
 * The console's overview (its home) and GET /sso/admin/api/overview: sign-ins per day, failures by
 * code, what expires soon, and the IdPs that need attention. Counts come from a fixed number of
 * aggregate queries over the audit log (store/audit-stats.ts), each bounded by a time window and
 * a LIMIT, whatever the number of IdPs or rows; configuration is read as the other pages read it.
 */
import type { RequestContext } from '../context'
import { parseCertificate } from '../saml/x509'
import { listApps } from '../store/apps'
import { countLoginFailuresByCode, countLoginsByDay, countLoginsByIdp, DAY_MS, latestAuditByIdp, type LatestAuditRow } from '../store/audit-stats'
import { listIdps, type IdpRow } from '../store/idps'
import { listOrganizations } from '../store/organizations'
import { listSpKeys } from '../store/sp-keys'
import { CERT_EXPIRY_WARNING_DAYS } from './certificates'

/** Days the sign-in and failure charts cover, today (UTC) included. */
export const OVERVIEW_DAYS = 30
/** Certificates and keys listed when they expire within this many days (or have expired). */
export const EXPIRY_HORIZON_DAYS = 90
/** Organizations or IdPs drawn one by one; the rest are added up as "Other". */
export const SERIES_SHOWN = 5
/** Error codes listed one by one; the rest are added up as "Other codes". */
export const FAILURE_CODES_SHOWN = 10
/** An IdP needs attention when, over the last RECENT_HOURS, at least MANY_FAILURES_MIN sign-ins failed and they were at least MANY_FAILURES_SHARE of its sign-ins. */
export const RECENT_HOURS = 24
export const MANY_FAILURES_MIN = 5
export const MANY_FAILURES_SHARE = 0.25
// Bounds on what one aggregate may return: (day, IdP, outcome) groups, (IdP, outcome, code) groups, newest rows per IdP.
const MAX_DAY_GROUPS = 20_000
const MAX_IDP_GROUPS = 2_000
const MAX_LATEST_ROWS = 2_000

/** Audit log filters (GET /sso/admin/audit query parameters) that find a chart's rows. */
export type AuditLink = Record<string, string>

export interface SignInSeries {
  /** Organization or IdP id; `other` for the rest added up. */
  key: string
  label: string
  /** Successful sign-ins per day, one per `window.days`. */
  counts: number[]
  total: number
  /** Finds exactly this series' rows, with a day's `since`/`until` added (for `other`: every sign-in of that day). */
  filter: AuditLink
}

export interface FailureCount {
  code: string | null
  count: number
  /** With the window's `since`/`until`: every failed sign-in with this code (for the rest added up: every failed sign-in). */
  filter: AuditLink
}

export interface ExpiringItem {
  kind: 'idp-certificate' | 'sp-key' | 'app-certificate'
  /** What it is, in words: "Signing certificate of Acme (Okta)". */
  label: string
  subject: string
  notAfter: string
  /** Whole days left (negative once expired). */
  daysLeft: number
  /** The console page where it is replaced. */
  href: string
}

export type AttentionKind = 'certificate-expired' | 'many-failures' | 'metadata-refresh-failed' | 'certificate-expiring' | 'untested'

export interface AttentionItem {
  kind: AttentionKind
  idpId: string
  idpName: string
  /** One plain sentence: what is wrong and what to do. */
  message: string
  href: string
  /** The audit rows behind it, when there are some. */
  auditFilter: AuditLink | null
}

export interface Overview {
  generatedAt: string
  /** IdPs configured (an empty gateway says how to start). */
  idpCount: number
  /** From `since` (inclusive) to `until` (exclusive): OVERVIEW_DAYS whole UTC days, today last. */
  window: { since: string; until: string; days: string[] }
  signIns: { total: number; failed: number; failedPerDay: number[]; byOrganization: SignInSeries[]; byIdp: SignInSeries[] }
  failuresByCode: FailureCount[]
  expiring: ExpiringItem[]
  attention: AttentionItem[]
  /** A query's LIMIT was reached: the smallest groups are missing from the counts. */
  incomplete: boolean
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10)
const idpHref = (id: string) => `/sso/admin/idps/${encodeURIComponent(id)}`
const LOGIN_OK: AuditLink = { action: 'login', outcome: 'success' }
const LOGIN_FAILED: AuditLink = { action: 'login', outcome: 'failure' }

export async function readOverview(ctx: RequestContext): Promise<Overview> {
  const now = ctx.clock()
  const today = Math.floor(now.getTime() / DAY_MS)
  const firstDay = today - OVERVIEW_DAYS + 1
  const window = { since: new Date(firstDay * DAY_MS), until: new Date((today + 1) * DAY_MS) }
  const recent = { since: new Date(now.getTime() - RECENT_HOURS * 3600_000), until: window.until }
  const [idps, organizations, apps, spKeys, daily, codes, recentByIdp, latest] = await Promise.all([
    listIdps(ctx.db),
    listOrganizations(ctx.db),
    listApps(ctx.db),
    listSpKeys(ctx.db),
    countLoginsByDay(ctx.db, window, MAX_DAY_GROUPS),
    countLoginFailuresByCode(ctx.db, window, FAILURE_CODES_SHOWN),
    countLoginsByIdp(ctx.db, recent, MAX_IDP_GROUPS),
    latestAuditByIdp(ctx.db, ['idp.metadata-refresh', 'login.test'], window.since, MAX_LATEST_ROWS),
  ])
  const days = Array.from({ length: OVERVIEW_DAYS }, (_, i) => isoDay(new Date((firstDay + i) * DAY_MS)))
  const idpById = new Map(idps.map((i) => [i.id, i]))
  const orgName = new Map(organizations.map((o) => [o.id, o.name]))

  // Successful sign-ins per day, by IdP and by organization (an IdP deleted since: its own series by IdP, "Other" by organization).
  const byIdp = new Map<string, SeriesDraft>()
  const byOrg = new Map<string, SeriesDraft>()
  const failedPerDay = new Array<number>(OVERVIEW_DAYS).fill(0)
  // Rows of no known IdP: drawn as "Other" (never lost from the totals).
  const otherIdp = draft('other', 'Other', LOGIN_OK)
  const otherOrg = draft('other', 'Other', LOGIN_OK)
  let total = 0
  for (const g of daily.groups) {
    const i = g.day - firstDay
    if (i < 0 || i >= OVERVIEW_DAYS) continue
    if (g.outcome === 'failure') {
      failedPerDay[i]! += g.count
      continue
    }
    total += g.count
    const idp = g.idpId ? idpById.get(g.idpId) : undefined
    if (g.idpId) add(byIdp, g.idpId, () => draft(g.idpId!, idp?.name ?? `Deleted IdP ${g.idpId}`, { ...LOGIN_OK, idpId: g.idpId! }), i, g.count)
    else addTo(otherIdp, i, g.count)
    if (idp)
      add(
        byOrg,
        idp.organizationId,
        () => draft(idp.organizationId, orgName.get(idp.organizationId) ?? idp.organizationId, { ...LOGIN_OK, organizationId: idp.organizationId }),
        i,
        g.count,
      )
    else addTo(otherOrg, i, g.count)
  }
  const failed = failedPerDay.reduce((a, b) => a + b, 0)

  // Failures by code, with the rest added up when the codes shown leave some out.
  const period = { since: days[0]!, until: isoDay(window.until) }
  const failuresByCode: FailureCount[] = codes.map((c) => ({
    code: c.code,
    count: c.count,
    filter: c.code ? { ...LOGIN_FAILED, code: c.code, ...period } : { ...LOGIN_FAILED, ...period },
  }))
  const rest = failed - codes.reduce((a, c) => a + c.count, 0)
  if (daily.complete && rest > 0) failuresByCode.push({ code: null, count: rest, filter: { ...LOGIN_FAILED, ...period } })

  return {
    generatedAt: now.toISOString(),
    idpCount: idps.length,
    window: { since: window.since.toISOString(), until: window.until.toISOString(), days },
    signIns: {
      total,
      failed,
      failedPerDay,
      byOrganization: topSeries([...byOrg.values()], otherOrg),
      byIdp: topSeries([...byIdp.values()], otherIdp),
    },
    failuresByCode,
    expiring: expiringSoon(idps, apps, spKeys, now),
    attention: attentionOf(idps, recentByIdp, latest, now),
    incomplete: !daily.complete,
  }
}

type SeriesDraft = SignInSeries

function draft(key: string, label: string, filter: AuditLink): SeriesDraft {
  return { key, label, counts: new Array<number>(OVERVIEW_DAYS).fill(0), total: 0, filter }
}

function addTo(series: SeriesDraft, day: number, n: number): void {
  series.counts[day]! += n
  series.total += n
}

function add(map: Map<string, SeriesDraft>, key: string, make: () => SeriesDraft, day: number, n: number): void {
  let series = map.get(key)
  if (!series) map.set(key, (series = make()))
  addTo(series, day, n)
}

/** The SERIES_SHOWN largest series, then "Other" adding up the rest (and `other`'s own rows); six series are drawn as six. */
function topSeries(all: SeriesDraft[], other: SeriesDraft): SignInSeries[] {
  const sorted = all.sort((a, b) => b.total - a.total || a.label.localeCompare(b.label))
  const keep = other.total === 0 && sorted.length === SERIES_SHOWN + 1 ? sorted : sorted.slice(0, SERIES_SHOWN)
  for (const s of sorted.slice(keep.length)) s.counts.forEach((n, day) => addTo(other, day, n))
  return other.total > 0 ? [...keep, other] : keep
}

/** When a certificate stops being valid, or null when it cannot be read (stored ones were read on the way in). */
function notAfterOf(pem: string): { notAfter: Date; subject: string } | null {
  try {
    const cert = parseCertificate(pem)
    return { notAfter: cert.notAfter, subject: cert.subject }
  } catch (err) {
    console.warn(JSON.stringify({ level: 'warn', msg: 'overview: a stored certificate does not parse', error: String(err).slice(0, 200) }))
    return null
  }
}

const daysLeft = (notAfter: Date, now: Date) => Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS)

/** IdP signing certificates, the gateway's own keys (active and staged) and broker apps' certificates expiring within EXPIRY_HORIZON_DAYS, soonest first. */
function expiringSoon(idps: IdpRow[], apps: Awaited<ReturnType<typeof listApps>>, spKeys: Awaited<ReturnType<typeof listSpKeys>>, now: Date): ExpiringItem[] {
  const horizon = now.getTime() + EXPIRY_HORIZON_DAYS * DAY_MS
  const items: ExpiringItem[] = []
  const push = (kind: ExpiringItem['kind'], label: string, pem: string, href: string) => {
    const cert = notAfterOf(pem)
    if (cert && cert.notAfter.getTime() <= horizon)
      items.push({ kind, label, subject: cert.subject, notAfter: cert.notAfter.toISOString(), daysLeft: daysLeft(cert.notAfter, now), href })
  }
  for (const idp of idps) for (const pem of idp.certificates) push('idp-certificate', `Signing certificate of ${idp.name}`, pem, idpHref(idp.id))
  for (const key of spKeys)
    if (key.status !== 'retired' && key.notAfter.getTime() <= horizon)
      items.push({
        kind: 'sp-key',
        label: `The gateway's ${key.use} key (${key.status})`,
        subject: notAfterOf(key.certificatePem)?.subject ?? '',
        notAfter: key.notAfter.toISOString(),
        daysLeft: daysLeft(key.notAfter, now),
        href: '/sso/admin/sp',
      })
  for (const app of apps) {
    if (app.kind !== 'saml') continue
    for (const pem of app.config.certificates) push('app-certificate', `Signing certificate of the app ${app.name}`, pem, '/sso/admin/apps')
    if (app.config.encryptionCertificate)
      push('app-certificate', `Encryption certificate of the app ${app.name}`, app.config.encryptionCertificate, '/sso/admin/apps')
  }
  return items.sort((a, b) => a.notAfter.localeCompare(b.notAfter) || a.label.localeCompare(b.label))
}

const ATTENTION_ORDER: AttentionKind[] = ['certificate-expired', 'many-failures', 'metadata-refresh-failed', 'certificate-expiring', 'untested']

/**
 * The IdPs that need attention, most urgent first: every certificate expired (sign-ins fail now),
 * many recent failures, the last metadata refresh failed, the last valid certificate expiring
 * within CERT_EXPIRY_WARNING_DAYS, a draft that has never passed a test sign-in.
 */
function attentionOf(idps: IdpRow[], recent: Awaited<ReturnType<typeof countLoginsByIdp>>, latest: LatestAuditRow[], now: Date): AttentionItem[] {
  const items: (AttentionItem & { rank: number })[] = []
  const note = (idp: IdpRow, kind: AttentionKind, message: string, rank: number, auditFilter: AuditLink | null = null) =>
    items.push({ kind, idpId: idp.id, idpName: idp.name, message, href: idpHref(idp.id), auditFilter, rank })
  const since = new Date(now.getTime() - RECENT_HOURS * 3600_000).toISOString()
  const latestOf = (action: string, idpId: string) => latest.find((r) => r.action === action && r.idpId === idpId)
  for (const idp of idps) {
    if (idp.enabled) {
      // The certificate that keeps sign-ins working is the one valid longest.
      const valid = idp.certificates.map(notAfterOf).flatMap((c) => (c ? [c.notAfter] : []))
      const last = valid.length ? new Date(Math.max(...valid.map((d) => d.getTime()))) : null
      if (last && last <= now)
        note(idp, 'certificate-expired', `Its signing certificate expired on ${isoDay(last)}: sign-ins fail until the IdP's new certificate is added.`, 0)
      else if (last && daysLeft(last, now) < CERT_EXPIRY_WARNING_DAYS) {
        const left = daysLeft(last, now)
        note(
          idp,
          'certificate-expiring',
          `Its signing certificate expires ${left === 0 ? 'today' : left === 1 ? 'tomorrow' : `in ${left} days`} (${isoDay(last)}): add the IdP's new certificate before then.`,
          left,
        )
      }
      const mine = recent.filter((r) => r.idpId === idp.id)
      const failures = mine.filter((r) => r.outcome === 'failure')
      const failed = failures.reduce((a, r) => a + r.count, 0)
      const all = mine.reduce((a, r) => a + r.count, 0)
      if (failed >= MANY_FAILURES_MIN && failed >= all * MANY_FAILURES_SHARE) {
        const top = failures[0]?.code
        note(
          idp,
          'many-failures',
          `${failed} of its ${all} sign-ins failed in the last ${RECENT_HOURS} hours${top ? `, most often with ${top}` : ''}.`,
          -failed,
          { ...LOGIN_FAILED, idpId: idp.id, since },
        )
      }
    }
    const refresh = latestOf('idp.metadata-refresh', idp.id)
    if (refresh?.outcome === 'failure')
      note(
        idp,
        'metadata-refresh-failed',
        `Its last metadata refresh failed on ${isoDay(refresh.at)}${refresh.code ? ` with ${refresh.code}` : ''}: its certificates and endpoints may be out of date.`,
        0,
        { action: 'idp.metadata-refresh', idpId: idp.id },
      )
    // A draft (never passed a test sign-in) is hidden from customers until one passes.
    if (!idp.enabled && idp.testedAt === null) {
      const test = latestOf('login.test', idp.id)
      const failed = test?.outcome === 'failure'
      note(
        idp,
        'untested',
        failed
          ? `A draft, hidden from customers: its last test sign-in failed on ${isoDay(test.at)}${test.code ? ` with ${test.code}` : ''}. Fix that and test again.`
          : 'A draft, hidden from customers until a test sign-in passes: run Test connection.',
        0,
        failed ? { action: 'login.test', idpId: idp.id } : null,
      )
    }
  }
  return items
    .sort((a, b) => ATTENTION_ORDER.indexOf(a.kind) - ATTENTION_ORDER.indexOf(b.kind) || a.rank - b.rank || a.idpName.localeCompare(b.idpName))
    .map(({ rank: _rank, ...item }) => item)
}
