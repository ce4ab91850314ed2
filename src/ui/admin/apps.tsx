/** Helpdesk apps (hand-off targets): list, import a SAML helpdesk from its SP metadata, delete. */
import { AdminLayout, Field, type AdminLayoutProps } from './layout'

export interface AppListItem {
  id: string
  kind: string
  name: string
  slug: string
  enabled: boolean
  target: string
}

export function AppsPage(
  props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & {
    csrf: string
    apps: AppListItem[]
    brokerMetadataUrl: string
    errors: Record<string, string>
    values: Record<string, string>
  },
) {
  return (
    <AdminLayout {...props} title="Helpdesk apps" active="apps">
      <p class="muted">
        Hosted helpdesks that only accept one SSO door: the gateway is their SAML IdP (metadata: <a href={props.brokerMetadataUrl}>{props.brokerMetadataUrl}</a>
        ) or signs a JWT for them (Zendesk, Freshworks; configured through the API).
      </p>
      {props.apps.length === 0 ? (
        <p data-testid="apps-empty">No helpdesk apps yet.</p>
      ) : (
        <table class="responsive" data-testid="apps">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Target</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.apps.map((a) => (
              <tr data-app={a.slug}>
                <td>{a.name}</td>
                <td>
                  <span class="tag">{a.kind}</span> {a.enabled ? null : <span class="tag">disabled</span>}
                </td>
                <td>
                  <code>{a.target}</code>
                </td>
                <td>
                  <form class="inline" method="post" action={`/sso/admin/apps/${a.id}/delete`}>
                    <input type="hidden" name="_csrf" value={props.csrf} />
                    <button class="btn danger" type="submit">
                      Delete
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="post" action="/sso/admin/apps/import" novalidate>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <fieldset>
          <legend>Add a SAML helpdesk from its SP metadata</legend>
          <p class="muted">Jira Service Management (Atlassian Guard), Zammad (/auth/saml/metadata), Freshdesk and other SAML service providers.</p>
          <Field name="name" label="Name" value={props.values.name} error={props.errors.name} />
          <Field name="metadataUrl" label="SP metadata URL" type="url" value={props.values.metadataUrl} error={props.errors.metadataUrl} />
          <Field name="metadataXml" label="…or paste the SP metadata XML" textarea rows={6} value={props.values.metadataXml} error={props.errors.metadataXml} />
          <p>
            <button class="btn" type="submit" data-testid="app-import">
              Add helpdesk
            </button>
          </p>
        </fieldset>
      </form>
    </AdminLayout>
  )
}
