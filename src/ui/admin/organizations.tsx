/**
 * Organizations (customer companies): the list with their domains and how far each is verified,
 * their IdPs and live sessions; and one organization's page: settings, domains with the TXT
 * record to publish, "Check now" and confirmation by hand, IdPs, and revoking its sessions.
 * Dangerous actions ask for a ticked confirmation first.
 */
import type { DomainView, OrganizationView } from '../../admin/organizations'
import type { SetupLinkView } from '../../admin/setup-links'
import { AdminLayout, Check, Field, PostButton, type AdminLayoutProps } from './layout'
import { SetupLinksSection } from './setup-links'

type Chrome = Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & { csrf: string }

function DomainTag(props: { domain: DomainView }) {
  const d = props.domain
  return (
    <span class={`tag ${d.status === 'verified' ? 'ok' : 'warn'}`} data-domain={d.domain} data-status={d.status}>
      {d.domain} · {d.status === 'verified' ? (d.verificationMethod === 'dns' ? 'verified' : `verified (${d.verificationMethod})`) : 'pending'}
    </span>
  )
}

export function OrganizationListPage(props: Chrome & { organizations: OrganizationView[] }) {
  return (
    <AdminLayout {...props} title="Organizations" active="organizations">
      <p class="muted">
        Each customer company is an organization. Its IdPs may sign users in only with email addresses in its verified domains, and its sessions end when it or
        its IdP is turned off.
      </p>
      <p>
        <a class="btn" href="/sso/admin/organizations/new">
          Add organization
        </a>
      </p>
      {props.organizations.length === 0 ? (
        <p data-testid="empty">No organizations yet.</p>
      ) : (
        <table class="responsive" data-testid="organizations">
          <thead>
            <tr>
              <th scope="col">Organization</th>
              <th scope="col">Domains</th>
              <th scope="col">IdPs</th>
              <th scope="col">Live sessions</th>
            </tr>
          </thead>
          <tbody>
            {props.organizations.map((o) => (
              <tr data-org={o.slug}>
                <td>
                  <a href={`/sso/admin/organizations/${o.id}`}>{o.name}</a> {o.enabled ? null : <span class="tag warn">off</span>}
                  {o.trustAnyEmail ? (
                    <span class="tag warn" title={o.warnings[0]}>
                      trusts any email
                    </span>
                  ) : null}
                </td>
                <td>{o.domains.length ? o.domains.map((d) => <DomainTag domain={d} />) : <span class="muted">none</span>}</td>
                <td>{o.idps.map((i) => i.name).join(', ') || <span class="muted">none</span>}</td>
                <td data-testid="live-sessions">{o.liveSessions}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminLayout>
  )
}

export interface OrganizationFormValues {
  name?: string
  slug?: string
  domains?: string
  helpdeskOrganization?: string | null
  enabled?: boolean
  trustAnyEmail?: boolean
  groupMappings?: string
}

function ConfirmBox(props: { name: string; label: string }) {
  return (
    <label class="check">
      <input type="checkbox" name={props.name} value="yes" required /> {props.label}
    </label>
  )
}

export function OrganizationPage(
  props: Chrome & {
    organization?: OrganizationView
    values: OrganizationFormValues
    errors: Record<string, string>
    setupLinks?: SetupLinkView[]
    /** A setup link's URL, right after it was created (never again). */
    newSetupUrl?: string | null
  },
) {
  const o = props.organization
  const v = props.values
  const e = props.errors
  const action = o ? `/sso/admin/organizations/${o.id}` : '/sso/admin/organizations'
  return (
    <AdminLayout {...props} title={o ? o.name : 'Add organization'} active="organizations">
      {e.action ? (
        <p class="flash error" role="alert" data-testid="action-error">
          Not done (<code data-testid="error-code">{e.actionCode}</code>): {e.action}
        </p>
      ) : null}
      {o?.warnings.map((w) => (
        <p class="flash error" role="alert" data-testid="org-warning">
          {w}
        </p>
      ))}
      <form method="post" action={action} novalidate>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <fieldset>
          <legend>Organization</legend>
          <div class="grid2">
            <Field name="name" label="Name" value={v.name} error={e.name} required hint="The customer company, e.g. “Umbrella Corp”." />
            <Field
              name="slug"
              label="Slug"
              value={v.slug}
              error={e.slug}
              readonly={Boolean(o)}
              hint={
                o
                  ? 'Fixed: the portal and the helpdesks know the organization by it (X-SSO-Org). Never given to another organization.'
                  : 'Sent to the portal as X-SSO-Org; it cannot change later. Derived from the name when empty.'
              }
            />
          </div>
          {o ? null : (
            <Field
              name="domains"
              label="Email domains"
              textarea
              rows={2}
              value={v.domains}
              error={e.domains}
              hint="Comma or line separated. Each must then be verified (DNS record or by hand) before its users can sign in."
            />
          )}
          <Field
            name="helpdeskOrganization"
            label="Name in the helpdesk (optional)"
            value={v.helpdeskOrganization}
            error={e.helpdeskOrganization}
            hint="Zendesk organization, broker-mode organization attribute."
          />
          {o ? (
            <Field
              name="groupMappings"
              label="Group refinements (optional)"
              textarea
              rows={2}
              value={v.groupMappings}
              error={e.groupMappings}
              hint="One “idp-slug: group = helpdesk organization” per line, for this organization's own IdPs."
            />
          ) : null}
          <Check name="enabled" label="Enabled" checked={v.enabled ?? true} hint="off: its IdPs sign nobody in and its sessions stop reaching the portal" />
          <Check
            name="trustAnyEmail"
            label="Trust any email from its IdPs"
            checked={v.trustAnyEmail ?? false}
            hint="only for your own staff's IdP: its users could then sign in as any address"
          />
        </fieldset>
        <p>
          <button class="btn" type="submit" data-testid="org-save">
            {o ? 'Save changes' : 'Add organization'}
          </button>
        </p>
      </form>
      {o ? <OrganizationDetails {...props} organization={o} /> : null}
      {o ? <SetupLinksSection organizationId={o.id} csrf={props.csrf} links={props.setupLinks ?? []} newUrl={props.newSetupUrl ?? null} /> : null}
    </AdminLayout>
  )
}

function OrganizationDetails(props: Chrome & { organization: OrganizationView; errors: Record<string, string> }) {
  const o = props.organization
  const base = `/sso/admin/organizations/${o.id}`
  const post = (path: string, label: string, kind: 'secondary' | 'danger' = 'secondary', confirm?: string) => (
    <PostButton action={`${base}${path}`} csrf={props.csrf} label={label} kind={kind}>
      {confirm ? <ConfirmBox name="confirm" label={confirm} /> : null}
    </PostButton>
  )
  return (
    <>
      <h2>Domains</h2>
      <p class="muted">
        To verify a domain, the company's IT publishes the TXT record below in its DNS, then "Check now" (the daily job checks pending domains too). Only
        verified domains route the email form and may be asserted by this organization's IdPs.
      </p>
      <table class="responsive" data-testid="domains">
        <thead>
          <tr>
            <th scope="col">Domain</th>
            <th scope="col">Status</th>
            <th scope="col">TXT record to publish</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {o.domains.map((d) => (
            <tr data-domain={d.domain}>
              <td>{d.domain}</td>
              <td>
                <DomainTag domain={d} />
                {d.lastCheckError && d.status === 'pending' ? (
                  <p class="muted" data-testid="last-check">
                    Last check: {d.lastCheckError}
                  </p>
                ) : null}
              </td>
              <td>
                <code>{d.txtRecord.name}</code>
                <br />
                <code data-testid="txt-value">{d.txtRecord.value}</code>
              </td>
              <td>
                {d.status === 'pending' ? post(`/domains/${encodeURIComponent(d.domain)}/check`, 'Check now') : null}
                {d.status === 'pending'
                  ? post(`/domains/${encodeURIComponent(d.domain)}/confirm`, 'Confirm by hand', 'secondary', 'I know this company owns it')
                  : null}
                {post(`/domains/${encodeURIComponent(d.domain)}/delete`, 'Remove', 'danger', 'Remove it')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action={`${base}/domains`} novalidate>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <div class="grid2">
          <Field name="domain" label="Add a domain" error={props.errors.domain} />
        </div>
        <p>
          <button class="btn secondary" type="submit" data-testid="domain-add">
            Add domain
          </button>
        </p>
      </form>
      <h2>Identity providers</h2>
      {o.idps.length ? (
        <ul>
          {o.idps.map((i) => (
            <li>
              <a href={`/sso/admin/idps/${i.id}`}>{i.name}</a> ({i.slug}){i.enabled ? null : ' · off'}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">None yet: add an IdP and pick this organization.</p>
      )}
      <h2>Sessions</h2>
      <p>
        <span data-testid="live-sessions">{o.liveSessions}</span> live session(s).
      </p>
      {post('/sessions/revoke', 'Revoke all sessions', 'danger', 'Sign every user of this organization out')}
      {o.idps.length === 0 ? (
        <>
          <h2>Delete</h2>
          {post('/delete', 'Delete organization', 'danger', 'Delete it and release its domains')}
        </>
      ) : null}
    </>
  )
}
