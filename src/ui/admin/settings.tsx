/**
 * Gateway settings: portal branding, session lifetime, clock skew, SHA-1, identity headers, admin
 * access through SSO, retention, and the events webhook (its secret write-only: typed in, or
 * generated and shown once, never shown back).
 */
import type { SettingsView } from '../../admin/settings'
import { CopyValue } from '../copy-button'
import { AdminLayout, Check, Field, type AdminLayoutProps } from './layout'

export function SettingsPage(
  props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & {
    csrf: string
    values: SettingsView
    /** A webhook secret just generated: shown in this answer only. */
    newWebhookSecret?: string | null
    /** settings.adminAccess as `idp-slug: group` lines (or what the admin typed, after an error). */
    adminAccessText: string
    errors: Record<string, string>
    defaultEntityId: string
  },
) {
  const v = props.values
  const e = props.errors
  return (
    <AdminLayout {...props} title="Settings" active="settings">
      <form method="post" action="/sso/admin/settings" novalidate>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <fieldset>
          <legend>Portal</legend>
          <div class="grid2">
            <Field name="portalName" label="Portal name" value={v.portalName} error={e.portalName} hint="Shown on the sign-in page." />
            <Field name="primaryColor" label="Brand color" value={v.primaryColor} error={e.primaryColor} hint="Hex, e.g. #2557d6." />
          </div>
          <Field name="logoUrl" label="Logo URL" type="url" value={v.logoUrl} error={e.logoUrl} />
          <Field
            name="supportContact"
            label="Support contact (optional)"
            value={v.supportContact}
            error={e.supportContact}
            hint="An email address or an https:// URL. Customers see it on error pages, with a reference to quote."
          />
          <Check
            name="discoveryByEmailOnly"
            label="Discovery by email only"
            checked={v.discoveryByEmailOnly}
            hint="the sign-in page lists no organization: customers type their email, so none learns which other companies use this portal"
          />
        </fieldset>
        <fieldset>
          <legend>Service provider and sessions</legend>
          <Field
            name="spEntityId"
            label="SP entity ID"
            value={v.spEntityId}
            error={e.spEntityId}
            hint={`Empty: ${props.defaultEntityId}. Changing it breaks every IdP that knows the old one.`}
          />
          <div class="grid2">
            <Field
              name="sessionLifetimeSeconds"
              label="Session lifetime (seconds)"
              type="number"
              value={v.sessionLifetimeSeconds}
              error={e.sessionLifetimeSeconds}
              hint="Default 28800 (8 h); capped by the IdP's SessionNotOnOrAfter."
            />
            <Field
              name="clockSkewSeconds"
              label="Default clock skew (seconds)"
              type="number"
              value={v.clockSkewSeconds}
              error={e.clockSkewSeconds}
              hint="For every IdP whose own clock skew is empty."
            />
          </div>
          <Check name="allowSha1" label="Allow SHA-1 signatures for every IdP" checked={v.allowSha1} hint="prefer the per-IdP switch" />
        </fieldset>
        <fieldset>
          <legend>Identity sent to the portal</legend>
          <p class="muted">Header names of the identity the gateway forwards. Clients can never send these themselves: they are removed from every request.</p>
          <div class="grid2">
            <Field
              name="headerNames.subject"
              label="Subject header (<idp slug>:<NameID>: key users by this)"
              value={v.headerNames.subject}
              error={e['headerNames.subject'] ?? e.headerNames}
            />
            <Field name="headerNames.email" label="Email header" value={v.headerNames.email} error={e['headerNames.email']} />
            <Field name="headerNames.name" label="Name header" value={v.headerNames.name} error={e['headerNames.name']} />
            <Field name="headerNames.groups" label="Groups header" value={v.headerNames.groups} error={e['headerNames.groups']} />
            <Field name="headerNames.idp" label="IdP header" value={v.headerNames.idp} error={e['headerNames.idp']} />
            <Field name="headerNames.org" label="Organization header" value={v.headerNames.org} error={e['headerNames.org']} />
          </div>
          <Field
            name="userHeader.name"
            label="Trusted-proxy user header (optional)"
            value={v.userHeader?.name}
            error={e['userHeader.name'] ?? e.userHeader}
            hint="Self-hosted Zammad: X-Forwarded-User on /auth/sso. Empty: off."
          />
          <div class="grid2">
            <div>
              <label for="f-userHeader.value">It carries</label>
              <select id="f-userHeader.value" name="userHeader.value">
                <option value="email" selected={v.userHeader?.value !== 'subject'}>
                  the email
                </option>
                <option value="subject" selected={v.userHeader?.value === 'subject'}>
                  the subject (idp-slug:NameID)
                </option>
              </select>
            </div>
            <Field
              name="userHeader.pathPrefixes"
              label="Only on paths starting with"
              value={(v.userHeader?.pathPrefixes ?? ['/auth/sso']).join(', ')}
              error={e['userHeader.pathPrefixes']}
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>Administration</legend>
          <Field
            name="adminAccess"
            label="Admin access through SSO"
            textarea
            rows={3}
            value={props.adminAccessText}
            error={e.adminAccess}
            hint="One “idp-slug: group” per line. Users that IdP puts in that group may open this console through their sign-in. A group name alone grants nothing: use your own staff's IdP."
          />
          <Field name="auditRetentionDays" label="Audit retention (days)" type="number" value={v.auditRetentionDays} error={e.auditRetentionDays} />
        </fieldset>
        <fieldset id="webhook">
          <legend>Events (webhook)</legend>
          <p class="muted">
            The gateway POSTs signed events (certificate expiring, metadata refresh failed, failure spike, setup link completed, IdP enabled or disabled) to
            this URL. Empty: webhooks are off. See the <a href="/sso/admin/events">delivery log</a>.
          </p>
          <Field name="webhookUrl" label="Webhook URL" type="url" value={v.webhookUrl} error={e.webhookUrl} hint="https:// (plain http only to localhost)." />
          <Field
            name="webhookSecret"
            label={v.hasWebhookSecret ? 'Signing secret (set; type a new one to replace it)' : 'Signing secret'}
            type="password"
            error={e.webhookSecret}
            hint="16 to 256 characters, never shown again. Empty: keep the current one. Or generate one below."
          />
        </fieldset>
        <p>
          <button class="btn" type="submit">
            Save settings
          </button>
        </p>
      </form>
      {props.newWebhookSecret ? (
        <div class="callout" role="status" data-testid="new-webhook-secret">
          <p>
            <strong>New signing secret.</strong> Copy it into your receiver now: it is not shown again.
          </p>
          <CopyValue id="webhook-secret" label="Webhook signing secret" value={props.newWebhookSecret} />
        </div>
      ) : null}
      <form method="post" action="/sso/admin/settings/webhook-secret">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button class="btn secondary" type="submit" data-testid="generate-webhook-secret">
          {v.hasWebhookSecret ? 'Generate a new signing secret' : 'Generate signing secret'}
        </button>
        {v.hasWebhookSecret ? <span class="muted"> Replaces the current one at once: update your receiver.</span> : null}
      </form>
    </AdminLayout>
  )
}
