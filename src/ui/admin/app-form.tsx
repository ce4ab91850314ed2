/**
 * One helpdesk app's page, and the page that adds one: the values the helpdesk needs (ready to
 * copy), the form of its kind (Zendesk, Freshworks, or SAML by values, e.g. for Atlassian Guard;
 * a SAML app may also be read from SP metadata), errors next to their fields, and on an existing
 * app: turn it on or off, replace Zendesk's shared secret, refresh from metadata, delete.
 */
import type { AppFormValues } from '../../admin/app-fields'
import type { AppSetup } from '../../admin/apps'
import type { CertificateInfo } from '../../admin/certificates'
import { FreshworksFields, SamlFields, ZendeskFields } from './app-kind-fields'
import { AppValues } from './app-values'
import { AdminLayout, Check, Field, type AdminLayoutProps } from './layout'

export type AppKindName = 'zendesk' | 'freshworks' | 'saml'

/** How the console names each kind. */
export const APP_KIND_LABELS: Record<AppKindName, string> = {
  zendesk: 'Zendesk (JWT)',
  freshworks: 'Freshdesk / Freshservice (JWT)',
  saml: 'SAML helpdesk (Jira Service Management, Zendesk SAML, Zammad, …)',
}

export interface ImportFormValues {
  importName?: string
  metadataUrl?: string
  metadataXml?: string
}

export interface AppFormProps extends Omit<AdminLayoutProps, 'title' | 'active' | 'children'> {
  csrf: string
  kind: AppKindName
  /** The stored app, when editing. */
  app?: { id: string; name: string; enabled: boolean; hasSecret: boolean; metadataUrl: string | null }
  values: AppFormValues
  errors: Record<string, string>
  setup: AppSetup
  stagedCertificate?: (CertificateInfo & { pem: string }) | null
  importValues?: ImportFormValues
}

/** Which kind a new app is: plain links, so the choice works without JavaScript. */
function KindChoice(props: { kind: AppKindName }) {
  return (
    <fieldset>
      <legend>Helpdesk</legend>
      <ul class="plain">
        {(Object.keys(APP_KIND_LABELS) as AppKindName[]).map((k) => (
          <li>
            {props.kind === k ? (
              <strong aria-current="page" data-testid={`kind-${k}`}>
                {APP_KIND_LABELS[k]}
              </strong>
            ) : (
              <a href={`/sso/admin/apps/new?kind=${k}`} data-testid={`kind-${k}`}>
                {APP_KIND_LABELS[k]}
              </a>
            )}
          </li>
        ))}
      </ul>
    </fieldset>
  )
}

function CommonFields(props: { values: AppFormValues; errors: Record<string, string>; editing: boolean }) {
  const v = props.values
  const e = props.errors
  return (
    <div class="grid2">
      <Field name="name" label="Name" value={v.name} error={e.name} required hint="Shown in this console only, e.g. “Acme Help Center”." />
      <Field
        name="slug"
        label="Slug"
        value={v.slug}
        error={e.slug}
        hint={
          props.editing
            ? 'Part of the URLs above: change it only together with the helpdesk’s settings.'
            : 'Part of this app’s URLs (?app=… and the launch URL). Derived from the name when empty.'
        }
      />
    </div>
  )
}

/** A new SAML app from the helpdesk's SP metadata (URL or XML) instead of typing its values. */
function ImportForm(props: { csrf: string; values: ImportFormValues; errors: Record<string, string> }) {
  const v = props.values
  const e = props.errors
  return (
    <form method="post" action="/sso/admin/apps/import" novalidate>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <fieldset>
        <legend>From the helpdesk's SP metadata</legend>
        <p class="muted">Zammad (/auth/saml/metadata), Freshdesk and other SAML service providers that publish metadata. It starts off, as a typed one does.</p>
        <Field name="importName" label="Name" value={v.importName} error={e.importName} />
        <Field name="metadataUrl" label="SP metadata URL" type="url" value={v.metadataUrl} error={e.metadataUrl} hint="Fetched now and re-read daily." />
        <Field name="metadataXml" label="…or paste the SP metadata XML" textarea rows={6} value={v.metadataXml} error={e.metadataXml} />
        <p>
          <button class="btn" type="submit" data-testid="app-import">
            Add from metadata
          </button>
        </p>
      </fieldset>
    </form>
  )
}

/** On an existing app: on/off, the secret, metadata refresh, delete. */
function AppActions(props: { csrf: string; kind: AppKindName; app: NonNullable<AppFormProps['app']>; errors: Record<string, string> }) {
  const base = `/sso/admin/apps/${props.app.id}`
  const e = props.errors
  return (
    <>
      {props.kind === 'zendesk' ? (
        <form method="post" action={`${base}/rotate-secret`} novalidate>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <fieldset>
            <legend>Replace the shared secret</legend>
            <p class="muted">
              Zendesk makes the secret: on its JSON Web Token configuration, generate a new shared secret (Zendesk stops taking the old one at once), then paste
              it here. From then on every token is signed with the new one.
            </p>
            <Field name="sharedSecret" label="New shared secret" type="password" autocomplete="off" required error={e.sharedSecret} />
            <p>
              <button class="btn secondary" type="submit" data-testid="rotate-secret">
                Replace secret
              </button>
            </p>
          </fieldset>
        </form>
      ) : null}
      {props.app.metadataUrl ? (
        <form method="post" action={`${base}/refresh`}>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <button class="btn secondary" type="submit" data-testid="refresh-app">
            Refresh from metadata URL
          </button>{' '}
          <span class="muted">{props.app.metadataUrl}</span>
        </form>
      ) : null}
      <p>
        <a class="btn danger" href={`${base}/delete`} data-testid="delete-app">
          Delete this app…
        </a>
      </p>
    </>
  )
}

export function AppFormPage(props: AppFormProps) {
  const app = props.app
  const e = props.errors
  const action = app ? `/sso/admin/apps/${app.id}` : '/sso/admin/apps'
  const title = app ? app.name : `Add ${APP_KIND_LABELS[props.kind].replace(/ \(.*$/, '')}`
  return (
    <AdminLayout {...props} title={title} active="apps">
      {app ? (
        <form method="post" action={`/sso/admin/apps/${app.id}/toggle`} class={`flash ${app.enabled ? '' : 'error'}`} data-testid="app-status">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <input type="hidden" name="enabled" value={app.enabled ? 'false' : 'true'} />
          <span>
            {app.enabled
              ? 'On: customers are handed to this helpdesk. '
              : 'Off: the gateway refuses its sign-ins. Turn it on once the helpdesk side is configured. '}
          </span>
          <button class="btn secondary" type="submit" data-testid="toggle-app">
            {app.enabled ? 'Turn off' : 'Turn on'}
          </button>
        </form>
      ) : (
        <KindChoice kind={props.kind} />
      )}
      <AppValues
        setup={props.setup}
        hasSecret={app?.hasSecret ?? false}
        stagedCertificate={props.stagedCertificate ?? null}
        isNew={!app}
        isOn={app?.enabled ?? false}
      />
      {!app && props.kind === 'saml' ? <ImportForm csrf={props.csrf} values={props.importValues ?? {}} errors={e} /> : null}
      <form method="post" action={app ? action : `${action}?kind=${props.kind}`} novalidate>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <fieldset>
          <legend>{app ? 'App' : props.kind === 'saml' ? 'By values (Atlassian Guard and any SAML helpdesk)' : 'App'}</legend>
          <CommonFields values={props.values} errors={e} editing={Boolean(app)} />
          {app ? null : <Check name="enabled" label="On" checked={props.values.enabled ?? false} hint="leave off until the helpdesk side is configured" />}
        </fieldset>
        {props.kind === 'zendesk' ? <ZendeskFields values={props.values} errors={e} editing={Boolean(app)} /> : null}
        {props.kind === 'freshworks' ? <FreshworksFields values={props.values} errors={e} /> : null}
        {props.kind === 'saml' ? <SamlFields values={props.values} errors={e} /> : null}
        <p>
          <button class="btn" type="submit" data-testid="app-save">
            {app ? 'Save changes' : 'Add app'}
          </button>{' '}
          <a class="btn secondary" href="/sso/admin/apps">
            Cancel
          </a>
        </p>
      </form>
      {app ? <AppActions csrf={props.csrf} kind={props.kind} app={app} errors={e} /> : null}
    </AdminLayout>
  )
}
