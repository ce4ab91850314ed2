/**
 * Helpdesk apps (hand-off targets): the list, each linking to its page (values for the helpdesk,
 * edit, secret, on/off, delete), and the ways to add one, by kind.
 */
import { APP_KIND_LABELS, type AppKindName } from './app-form'
import { AdminLayout, type AdminLayoutProps } from './layout'

export interface AppListItem {
  id: string
  kind: AppKindName
  name: string
  slug: string
  enabled: boolean
  target: string
}

const SHORT_KIND: Record<AppKindName, string> = { zendesk: 'Zendesk (JWT)', freshworks: 'Freshworks (JWT)', saml: 'SAML' }

export function AppsPage(
  props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & {
    csrf: string
    apps: AppListItem[]
    brokerMetadataUrl: string
  },
) {
  return (
    <AdminLayout {...props} title="Helpdesk apps" active="apps">
      <p class="muted">
        Hosted helpdesks that only accept one SSO door: the gateway is their SAML identity provider (metadata:{' '}
        <a href={props.brokerMetadataUrl}>{props.brokerMetadataUrl}</a>) or signs a token for them (Zendesk, Freshworks).
      </p>
      <p>
        {(Object.keys(APP_KIND_LABELS) as AppKindName[]).map((k) => (
          <>
            <a class="btn secondary" href={`/sso/admin/apps/new?kind=${k}`} data-testid={`add-${k}`}>
              Add {SHORT_KIND[k]}
            </a>{' '}
          </>
        ))}
      </p>
      {props.apps.length === 0 ? (
        <p data-testid="apps-empty">No helpdesk apps yet.</p>
      ) : (
        <table class="responsive" data-testid="apps">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Sends customers to</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.apps.map((a) => (
              <tr data-app={a.slug}>
                <td>
                  <a href={`/sso/admin/apps/${a.id}`}>{a.name}</a>
                </td>
                <td>
                  <span class="tag">{SHORT_KIND[a.kind]}</span> {a.enabled ? <span class="tag ok">on</span> : <span class="tag warn">off</span>}
                </td>
                <td>
                  <code>{a.target}</code>
                </td>
                <td>
                  <a href={`/sso/admin/apps/${a.id}`}>Values and settings</a> ·{' '}
                  <a href={`/sso/admin/apps/${a.id}/delete`} data-testid="delete-link">
                    Delete…
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminLayout>
  )
}

/** "Delete this app?": what stops working, and a box to tick; the POST checks the box too. */
export function AppDeletePage(
  props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & {
    csrf: string
    app: { id: string; name: string; kind: AppKindName }
    errors: Record<string, string>
  },
) {
  const a = props.app
  const consequence =
    a.kind === 'saml'
      ? 'The helpdesk’s sign-ins through the gateway are refused from then on, including its launch URL and logout requests.'
      : 'The gateway no longer hands customers to this helpdesk: its login URL answers that the app is not configured.'
  return (
    <AdminLayout {...props} title={`Delete ${a.name}?`} active="apps">
      <p data-testid="delete-consequence">{consequence} Customers keep their gateway sessions. This cannot be undone: adding it again means new values.</p>
      <form method="post" action={`/sso/admin/apps/${a.id}/delete`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <div class="check">
          <input id="f-confirm" type="checkbox" name="confirm" value="yes" required aria-invalid={props.errors.confirm ? 'true' : undefined} />{' '}
          <label for="f-confirm">Delete {a.name} and its settings</label>
          {props.errors.confirm ? (
            <p class="field-error" data-error-for="confirm">
              {props.errors.confirm}
            </p>
          ) : null}
        </div>
        <p>
          <button class="btn danger" type="submit" data-testid="confirm-delete">
            Delete app
          </button>{' '}
          <a class="btn secondary" href={`/sso/admin/apps/${a.id}`}>
            Cancel
          </a>
        </p>
      </form>
    </AdminLayout>
  )
}
