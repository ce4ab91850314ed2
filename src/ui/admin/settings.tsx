/** Gateway settings: portal branding, session lifetime, clock skew, SHA-1, admin groups, retention. */
import type { Settings } from '../../store/settings'
import { AdminLayout, Check, Field, type AdminLayoutProps } from './layout'

export function SettingsPage(props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & { csrf: string; values: Settings; errors: Record<string, string>; defaultEntityId: string }) {
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
        </fieldset>
        <fieldset>
          <legend>Service provider and sessions</legend>
          <Field name="spEntityId" label="SP entity ID" value={v.spEntityId} error={e.spEntityId} hint={`Empty: ${props.defaultEntityId}. Changing it breaks every IdP that knows the old one.`} />
          <div class="grid2">
            <Field name="sessionLifetimeSeconds" label="Session lifetime (seconds)" type="number" value={v.sessionLifetimeSeconds} error={e.sessionLifetimeSeconds} hint="Default 28800 (8 h); capped by the IdP's SessionNotOnOrAfter." />
            <Field name="clockSkewSeconds" label="Default clock skew (seconds)" type="number" value={v.clockSkewSeconds} error={e.clockSkewSeconds} />
          </div>
          <Check name="allowSha1" label="Allow SHA-1 signatures for every IdP" checked={v.allowSha1} hint="prefer the per-IdP switch" />
        </fieldset>
        <fieldset>
          <legend>Administration</legend>
          <Field name="adminGroups" label="Admin groups" textarea rows={2} value={v.adminGroups.join('\n')} error={e.adminGroups} hint="Signed-in users in one of these groups may open this console through SSO." />
          <Field name="auditRetentionDays" label="Audit retention (days)" type="number" value={v.auditRetentionDays} error={e.auditRetentionDays} />
        </fieldset>
        <p>
          <button class="btn" type="submit">
            Save settings
          </button>
        </p>
      </form>
    </AdminLayout>
  )
}
