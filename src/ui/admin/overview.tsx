/**
 * The console's home: IdPs that need attention first, then sign-ins per day (by organization or
 * by IdP, a link away), failed sign-ins by code, and what expires in the next 90 days. Every bar
 * links to the audit log filtered to its rows. Takes the overview as data; no script.
 */
import type { AuditLink, Overview, SignInSeries } from '../../admin/overview'
import { BarList, CHART_CSS, StackedBarChart, type ChartCategory } from './charts'
import { AdminLayout, type AdminLayoutProps } from './layout'

export type OverviewGrouping = 'organization' | 'idp'

const OVERVIEW_CSS = `
section{margin:0 0 1.5rem}.attention{margin:0 0 .5rem;padding:.6rem .9rem}.grouping{margin:.25rem 0 .75rem}.grouping a[aria-current]{font-weight:700;text-decoration:none;color:var(--fg)}
.timeline li{padding:.4rem 0;border-bottom:1px solid var(--border)}
`

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAY_MS = 86_400_000
const SIGN_IN = { one: 'sign-in', many: 'sign-ins' }
const FAILED = { one: 'failed sign-in', many: 'failed sign-ins' }

/** The audit log page filtered by `filter`. */
export function auditHref(filter: AuditLink): string {
  return `/sso/admin/audit?${new URLSearchParams(filter).toString()}`
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10)
const shortDay = (day: string) => `${Number(day.slice(8, 10))} ${MONTHS[Number(day.slice(5, 7)) - 1]}`

export function OverviewPage(props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & { overview: Overview; by: OverviewGrouping }) {
  const o = props.overview
  const days = o.window.days
  return (
    <AdminLayout {...props} title="Overview" active="overview" pageCss={CHART_CSS + OVERVIEW_CSS}>
      <p class="muted">
        The last {days.length} days, {days[0]} to {days.at(-1)} (UTC). Test sign-ins are not counted.
      </p>
      {o.incomplete ? (
        <p class="flash error" role="status" data-testid="incomplete">
          There are more groups than one page of counts holds: the smallest are left out, so totals may be low. The audit log has every row.
        </p>
      ) : null}
      <Attention items={o.attention} idpCount={o.idpCount} />
      <section aria-labelledby="h-sign-ins">
        <h2 id="h-sign-ins">Sign-ins per day</h2>
        <p data-testid="sign-in-totals">
          {o.signIns.total} {o.signIns.total === 1 ? 'sign-in' : 'sign-ins'} and{' '}
          <a href={auditHref({ action: 'login', outcome: 'failure', since: days[0]!, until: nextDay(days.at(-1)!) })}>{o.signIns.failed} failed</a> in the last{' '}
          {days.length} days.
        </p>
        <nav aria-label="Group sign-ins" class="grouping">
          <a href="/sso/admin?by=organization" aria-current={props.by === 'organization' ? 'true' : undefined}>
            By organization
          </a>{' '}
          ·{' '}
          <a href="/sso/admin?by=idp" aria-current={props.by === 'idp' ? 'true' : undefined}>
            By IdP
          </a>
        </nav>
        {o.signIns.total === 0 ? (
          <p data-testid="no-sign-ins">
            No sign-ins yet in the last {days.length} days. When customers sign in through an identity provider, each day's sign-ins show up here
            {o.idpCount === 0 ? (
              <>
                {' '}
                — start by <a href="/sso/admin/idps/new">adding an identity provider</a>.
              </>
            ) : (
              '.'
            )}
          </p>
        ) : (
          <SignInChart
            series={props.by === 'idp' ? o.signIns.byIdp : o.signIns.byOrganization}
            by={props.by}
            days={days}
            failedPerDay={o.signIns.failedPerDay}
          />
        )}
      </section>
      <section aria-labelledby="h-failures">
        <h2 id="h-failures">Failed sign-ins by code</h2>
        {o.failuresByCode.length === 0 ? (
          <p data-testid="no-failures">No failed sign-ins in the last {days.length} days.</p>
        ) : (
          <BarList
            id="failures"
            title={`Failed sign-ins by code, last ${days.length} days`}
            unit={FAILED}
            items={o.failuresByCode.map((f) => ({ key: f.code ?? 'other', label: f.code ?? 'Other codes', value: f.count, href: auditHref(f.filter) }))}
          />
        )}
      </section>
      <Expiring items={o.expiring} />
    </AdminLayout>
  )
}

function SignInChart(props: { series: SignInSeries[]; by: OverviewGrouping; days: string[]; failedPerDay: number[] }) {
  const n = props.days.length
  // A tick each week, counted back from today so that today has one.
  const categories: ChartCategory[] = props.days.map((day, i) => ({ key: day, label: day, ...((n - 1 - i) % 7 === 0 ? { tick: shortDay(day) } : {}) }))
  const hrefs = (filter: AuditLink) => props.days.map((day) => auditHref({ ...filter, since: day, until: nextDay(day) }))
  const total = props.series.reduce((a, s) => a + s.total, 0)
  const busiest = props.days.reduce((best, _, i) => (dayTotal(props.series, i) > dayTotal(props.series, best) ? i : best), 0)
  const groups = props.series.map((s) => `${s.label} ${s.total}`).join(', ')
  return (
    <StackedBarChart
      id="sign-ins"
      title={`Sign-ins per day by ${props.by === 'idp' ? 'IdP' : 'organization'}, ${props.days[0]} to ${props.days.at(-1)}`}
      summary={`${total} sign-ins in ${n} days; the most on ${props.days[busiest]} (${dayTotal(props.series, busiest)}). ${groups}.`}
      categories={categories}
      unit={SIGN_IN}
      series={props.series.map((s) => ({
        key: s.key,
        label: s.label,
        values: s.counts,
        hrefs: hrefs(s.filter),
        isRest: s.key === 'other',
        ...(s.key === 'other' ? { linkNote: 'its links show every sign-in of that day.' } : {}),
      }))}
      extraColumns={[{ key: 'failed', label: 'Failed', values: props.failedPerDay, hrefs: hrefs({ action: 'login', outcome: 'failure' }) }]}
    />
  )
}

const dayTotal = (series: SignInSeries[], i: number) => series.reduce((a, s) => a + (s.counts[i] ?? 0), 0)

function Attention(props: { items: Overview['attention']; idpCount: number }) {
  return (
    <section aria-labelledby="h-attention">
      <h2 id="h-attention">Needs attention</h2>
      {props.items.length === 0 ? (
        <p data-testid="attention-none">
          {props.idpCount === 0 ? (
            <>
              No identity providers yet. <a href="/sso/admin/idps/new">Add one</a> by metadata URL, metadata XML or by hand.
            </>
          ) : (
            <>
              <span class="tag ok">all clear</span> No IdP has an expiring certificate, a failing metadata refresh, many failed sign-ins or an untested draft.
            </>
          )}
        </p>
      ) : (
        <ul class="plain" data-testid="attention">
          {props.items.map((item) => (
            <li data-kind={item.kind} data-idp={item.idpId} class="card attention">
              <span class={`tag ${item.kind === 'untested' ? '' : 'warn'}`}>{ATTENTION_TAGS[item.kind]}</span> <a href={item.href}>{item.idpName}</a>:{' '}
              {item.message}
              {item.auditFilter ? (
                <>
                  {' '}
                  <a href={auditHref(item.auditFilter)}>See the audit log</a>.
                </>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

const ATTENTION_TAGS: Record<Overview['attention'][number]['kind'], string> = {
  'certificate-expired': 'certificate expired',
  'many-failures': 'many failures',
  'metadata-refresh-failed': 'metadata refresh failed',
  'certificate-expiring': 'certificate expiring',
  untested: 'draft',
}

function Expiring(props: { items: Overview['expiring'] }) {
  return (
    <section aria-labelledby="h-expiring">
      <h2 id="h-expiring">Certificates and keys expiring in the next 90 days</h2>
      {props.items.length === 0 ? (
        <p data-testid="expiring-none">Nothing expires in the next 90 days.</p>
      ) : (
        <ol class="plain timeline" data-testid="expiring">
          {props.items.map((item) => (
            <li data-kind={item.kind}>
              <span class={`tag ${item.daysLeft < 30 ? 'warn' : ''}`}>
                {item.daysLeft < 0 ? 'expired' : item.daysLeft === 0 ? 'today' : `${item.daysLeft} ${item.daysLeft === 1 ? 'day' : 'days'}`}
              </span>{' '}
              <time datetime={item.notAfter}>{item.notAfter.slice(0, 10)}</time> · <a href={item.href}>{item.label}</a>
              {item.subject ? <div class="muted">{item.subject}</div> : null}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
