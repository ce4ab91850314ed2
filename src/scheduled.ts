/**
 * The daily cron trigger: prunes expired replay-protection rows, session index rows, audit
 * entries past the retention setting and retired SP keys past their overlap, re-reads every IdP metadata URL and OIDC discovery document (each refresh audited,
 * failures with their code), checks the DNS record of every pending domain, and writes what it
 * did to the audit log as actor `cron`.
 */
import { DEFAULT_DOH_URL, dohTxtResolver } from './outbound/doh'
import { refreshSamlApp } from './admin/apps'
import { errorCode, errorDetail } from './errors'
import { refreshIdpMetadata } from './admin/idps'
import { checkPendingDomains } from './admin/organizations'
import { pruneRetiredKeys } from './admin/keys'
import { auditFailure, newTrail, recordAudit } from './audit/record'
import type { AppDeps, RequestContext } from './context'
import { pruneAudit } from './store/audit'
import { guardD1, guardKv } from './store/guard'
import { listApps } from './store/apps'
import { listIdps } from './store/idps'
import { pruneConsumed } from './store/replay'
import { pruneSessionIndex, pruneSessionRevocations } from './store/sessions'
import { requireSsoSecret } from './secrets'
import { getSettings } from './store/settings'

const DAY_MS = 86_400_000

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
}

/** The context the cron acts in: no request, no origin, actor `cron`. */
export function cronContext(env: Env, now: Date, deps: Partial<Pick<AppDeps, 'random' | 'resolveTxt'>> = {}): RequestContext {
  return {
    db: guardD1(env.DB),
    kv: guardKv(env.SESSIONS),
    rateLimiter: env.RATE_LIMITER,
    secret: requireSsoSecret(env.SSO_SECRET),
    clock: () => now,
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

export async function runMaintenance(env: Env, now: Date, deps: Partial<Pick<AppDeps, 'random' | 'resolveTxt'>> = {}): Promise<MaintenanceReport> {
  const ctx = cronContext(env, now, deps)
  const settings = await getSettings(ctx.db)
  const consumedAssertionsPruned = await pruneConsumed(ctx.db, now)
  const auditEntriesPruned = await pruneAudit(ctx.db, new Date(now.getTime() - settings.auditRetentionDays * DAY_MS))
  const sessionIndexPruned = await pruneSessionIndex(ctx.db, now)
  const sessionRevocationsPruned = await pruneSessionRevocations(ctx.db, now)
  const metadata = await refreshAllMetadata(ctx)
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
  }
  await recordAudit(ctx, { action: 'maintenance', outcome: 'success', detail: { ...report, retentionDays: settings.auditRetentionDays } })
  return report
}
