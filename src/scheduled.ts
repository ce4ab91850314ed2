/**
 * The cron trigger, every 5 minutes: delivers the webhook outbox's due events (events/deliver.ts).
 * Once a day (the first run from 03:15 UTC on, claimed in D1 so overlapping runs never both start
 * it, tried again on the next run if it failed) the maintenance: prunes expired replay-protection
 * rows, session index rows, audit entries past the retention setting, webhook events past 30 days
 * and retired SP keys past their overlap; re-reads every IdP metadata URL and OIDC discovery
 * document (each refresh audited, failures with their code); announces expiring IdP certificates;
 * checks the DNS record of every pending domain; and writes what it did to the audit log as actor
 * `cron`.
 */
import { DEFAULT_DOH_URL, dohTxtResolver } from './outbound/doh'
import { refreshSamlApp } from './admin/apps'
import { errorCode, errorDetail } from './errors'
import { refreshIdpMetadata } from './admin/idps'
import { checkPendingDomains } from './admin/organizations'
import { pruneRetiredKeys } from './admin/keys'
import { announceExpiringCertificates } from './events/certificate-expiry'
import { deliverDueEvents, type OutboxReport } from './events/deliver'
import { auditFailure, newTrail, recordAudit } from './audit/record'
import type { AppDeps, RequestContext } from './context'
import { pruneAudit } from './store/audit'
import { pruneEvents } from './store/events'
import { claimJob, finishJob, releaseJob } from './store/scheduled-jobs'
import { guardD1, guardKv } from './store/guard'
import { listApps } from './store/apps'
import { listIdps } from './store/idps'
import { pruneConsumed } from './store/replay'
import { pruneSessionIndex, pruneSessionRevocations } from './store/sessions'
import { requireSsoSecret } from './secrets'
import { getSettings } from './store/settings'

const DAY_MS = 86_400_000
/** The daily maintenance runs on the first cron run at or after this time (UTC). */
export const MAINTENANCE_TIME_UTC = { hour: 3, minute: 15 } as const
export const MAINTENANCE_JOB = 'maintenance'
/** Webhook events (whatever their status) are kept this long, then pruned. */
export const EVENT_RETENTION_DAYS = 30

/** What the cron context may be given: tests pin randomness and DNS; the Worker passes a running clock and waitUntil. */
export type CronDeps = Partial<Pick<AppDeps, 'random' | 'resolveTxt' | 'clock'> & Pick<RequestContext, 'waitUntil'>>

export interface MaintenanceReport {
  consumedAssertionsPruned: number
  auditEntriesPruned: number
  sessionIndexPruned: number
  metadataRefreshed: number
  metadataFailed: number
  domainsChecked: number
  domainsVerified: number
  /** Retired SP keys deleted after their overlap (admin/keys.ts pruneRetiredKeys). */
  spKeysPruned: number
  /** Webhook events older than EVENT_RETENTION_DAYS deleted. */
  eventsPruned: number
  /** `idp.certificate_expiring` events emitted (events/certificate-expiry.ts). */
  certificatesAnnounced: number
}

/** The context the cron acts in: no request, no origin, actor `cron`. */
export function cronContext(env: Env, now: Date, deps: CronDeps = {}): RequestContext {
  return {
    ...(deps.waitUntil ? { waitUntil: deps.waitUntil } : {}),
    db: guardD1(env.DB),
    kv: guardKv(env.SESSIONS),
    rateLimiter: env.RATE_LIMITER,
    secret: requireSsoSecret(env.SSO_SECRET),
    clock: deps.clock ?? (() => now),
    random: deps.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n))),
    resolveTxt: deps.resolveTxt ?? dohTxtResolver(env.DOH_URL || DEFAULT_DOH_URL),
    origin: '',
    requestId: null,
    ip: null,
    userAgent: null,
    actor: 'cron',
  }
}

/** Re-reads every IdP and helpdesk app imported from a metadata URL; certificate changes and failures are audited. */
async function refreshAllMetadata(ctx: RequestContext): Promise<{ refreshed: number; failed: number }> {
  let refreshed = 0
  let failed = 0
  for (const row of (await listIdps(ctx.db)).filter((i) => i.metadataUrl || i.protocol === 'oidc')) {
    try {
      await refreshIdpMetadata(ctx, row.id, 'cron')
      refreshed++
    } catch (err) {
      failed++
      await auditFailure(ctx, { ...newTrail('idp.metadata-refresh'), idpId: row.id }, err)
    }
  }
  // Helpdesk apps imported from SP metadata (broker mode): endpoints and certificates follow it.
  for (const app of (await listApps(ctx.db)).filter((a) => a.kind === 'saml' && a.config.metadataUrl)) {
    try {
      await refreshSamlApp(ctx, app.id, 'cron')
      refreshed++
    } catch (err) {
      failed++
      await recordAudit(ctx, {
        action: 'app.metadata-refresh',
        outcome: 'failure',
        code: errorCode(err),
        detail: { appId: app.id, ...errorDetail(err), via: 'cron' },
      })
    }
  }
  return { refreshed, failed }
}

export async function runMaintenance(env: Env, now: Date, deps: CronDeps = {}): Promise<MaintenanceReport> {
  const ctx = cronContext(env, now, deps)
  const settings = await getSettings(ctx.db)
  const consumedAssertionsPruned = await pruneConsumed(ctx.db, now)
  const auditEntriesPruned = await pruneAudit(ctx.db, new Date(now.getTime() - settings.auditRetentionDays * DAY_MS))
  const sessionIndexPruned = await pruneSessionIndex(ctx.db, now)
  const sessionRevocationsPruned = await pruneSessionRevocations(ctx.db, now)
  const eventsPruned = await pruneEvents(ctx.db, new Date(now.getTime() - EVENT_RETENTION_DAYS * DAY_MS))
  const metadata = await refreshAllMetadata(ctx)
  // After the refresh: certificates the metadata just replaced are not announced.
  const certificatesAnnounced = await announceExpiringCertificates(ctx)
  const domains = await checkPendingDomains(ctx)
  const report = {
    consumedAssertionsPruned,
    auditEntriesPruned,
    sessionIndexPruned,
    sessionRevocationsPruned,
    metadataRefreshed: metadata.refreshed,
    metadataFailed: metadata.failed,
    domainsChecked: domains.checked,
    domainsVerified: domains.verified,
    spKeysPruned: await pruneRetiredKeys(ctx),
    eventsPruned,
    certificatesAnnounced,
  }
  await recordAudit(ctx, { action: 'maintenance', outcome: 'success', detail: { ...report, retentionDays: settings.auditRetentionDays } })
  return report
}

/** The latest maintenance time (MAINTENANCE_TIME_UTC) at or before `now`: the run is due when none started since. */
export function maintenanceDueSince(now: Date): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), MAINTENANCE_TIME_UTC.hour, MAINTENANCE_TIME_UTC.minute)
  return new Date(today <= now.getTime() ? today : today - DAY_MS)
}

/**
 * The daily maintenance, when due: on the first cron run since the latest 03:15 UTC (or the very
 * first run), claimed in D1 so one run does it. A run that throws gives the claim back, so the
 * next cron run (5 minutes on) tries again. null when not due.
 */
export async function runMaintenanceIfDue(env: Env, now: Date, deps: CronDeps = {}): Promise<MaintenanceReport | null> {
  const db = guardD1(env.DB)
  const claim = await claimJob(db, MAINTENANCE_JOB, now, maintenanceDueSince(now))
  if (!claim) return null
  let report: MaintenanceReport
  try {
    report = await runMaintenance(env, now, deps)
  } catch (err) {
    await releaseJob(db, MAINTENANCE_JOB, claim.previous)
    throw err
  }
  await finishJob(db, MAINTENANCE_JOB, (deps.clock ?? (() => now))())
  return report
}

export interface ScheduledReport {
  /** null when the outbox could not be read (logged); maintenance still runs. */
  outbox: OutboxReport | null
  maintenance: MaintenanceReport | null
}

/** One cron run: the outbox's due events, then the daily maintenance if it is due. */
export async function runScheduled(env: Env, scheduledTime: Date, deps: CronDeps = {}): Promise<ScheduledReport> {
  let outbox: OutboxReport | null = null
  try {
    outbox = await deliverDueEvents(cronContext(env, scheduledTime, deps))
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'outbox run failed', code: errorCode(err), error: String(err).slice(0, 200) }))
  }
  return { outbox, maintenance: await runMaintenanceIfDue(env, scheduledTime, deps) }
}
