/** Gateway settings: portal branding, session lifetime, clock skew, SHA-1, admin groups, retention. */
import type { Settings } from '../../admin/settings'
import { AdminLayout, Check, Field, type AdminLayoutProps } from './layout'

export function SettingsPage(
  props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & { csrf: string; values: Settings; errors: Record<string, string>; defaultEntityId: string },
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
            <Field name="headerNames.email" label="Email header" value={v.headerNames.email} error={e['headerNames.email'] ?? e.headerNames} />
            <Field name="headerNames.name" label="Name header" value={v.headerNames.name} error={e['headerNames.name']} />
            <Field name="headerNames.groups" label="Groups header" value={v.headerNames.groups} error={e['headerNames.groups']} />
            <Field name="headerNames.idp" label="IdP header" value={v.headerNames.idp} error={e['headerNames.idp']} />
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
                <option value="email" selected={v.userHeader?.value !== 'nameId'}>
                  the email
                </option>
                <option value="nameId" selected={v.userHeader?.value === 'nameId'}>
                  the NameID
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
            name="adminGroups"
            label="Admin groups"
            textarea
            rows={2}
            value={v.adminGroups.join('\n')}
            error={e.adminGroups}
            hint="One group per line. Signed-in users in one of these groups may open this console through SSO."
          />
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
