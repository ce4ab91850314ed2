/**
 * Admin console shell: navigation, flash message, sign-out form. Server-rendered, no client
 * framework, no scripts; CSS stays small (a budget test guards the page weight).
 */
import type { Child } from 'hono/jsx'
import { CopyScript } from '../copy-button'
import { BASE_CSS, Style } from '../layout'

export const ADMIN_CSS = `
main.admin{max-width:64rem;margin:0 auto;padding:1rem}
header.bar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;background:var(--card);border-bottom:1px solid var(--border)}
header.bar nav a{margin-right:1rem;font-weight:600;text-decoration:none}header.bar nav a[aria-current=page]{text-decoration:underline}
table{width:100%;border-collapse:collapse;background:var(--card)}th,td{padding:.5rem;border-bottom:1px solid var(--border);text-align:left;vertical-align:top;overflow-wrap:anywhere}.table-wrap{overflow-x:auto}
.tag{display:inline-block;font-size:.8rem;padding:0 .4rem;border-radius:4px;border:1px solid var(--border)}.tag.warn{border-color:var(--warn);color:var(--warn)}.tag.ok{border-color:var(--ok);color:var(--ok)}
form.inline{display:inline}ul.plain{list-style:none;padding:0}fieldset{border:1px solid var(--border);border-radius:8px;margin:0 0 1rem;padding:.75rem 1rem;min-width:0}legend{font-weight:700}
label{display:block;font-weight:600;margin:.6rem 0 .2rem}.check label{display:inline;font-weight:400}
input[type=text],input[type=url],input[type=number],input[type=password],textarea,select{width:100%;padding:.5rem;font:inherit;border:1px solid var(--border);border-radius:6px;background:var(--card);color:var(--fg)}
textarea{font-family:ui-monospace,monospace;font-size:.85rem}
[aria-invalid=true]{border-color:#c62828!important}.field-error{color:#c62828;margin:.2rem 0}
.btn{display:inline-block;padding:.5rem .9rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;font:600 .95rem system-ui,sans-serif;cursor:pointer;text-decoration:none}
.btn.secondary{background:transparent;color:var(--accent)}.btn.danger{background:#c62828;border-color:#c62828}
.flash{padding:.6rem .9rem;border-radius:8px;margin:0 0 1rem;border:1px solid #2e7d32}.flash.error{border-color:#c62828}.callout{padding:.6rem .9rem;border-radius:8px;margin:0 0 1rem;border:1px solid var(--warn)}
.copy-row{display:flex;gap:.5rem;align-items:center}.copy-row input{flex:1;min-width:0;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(16rem,100%),1fr));gap:0 1rem}pre,code{overflow-wrap:anywhere;white-space:pre-wrap}
@media (max-width:40rem){table.responsive thead{display:none}table.responsive td{display:block;border:0}table.responsive tr{border-bottom:1px solid var(--border);display:block}}
`

export interface AdminLayoutProps {
  title: string
  active: 'overview' | 'organizations' | 'idps' | 'apps' | 'settings' | 'events' | 'audit' | 'sp' | 'login'
  actor?: string | undefined
  csrf?: string | undefined
  flash?: { kind: 'ok' | 'error'; text: string } | undefined
  /** A warning about the host the console is opened on (the deploy trap), on every page. */
  hostNotice?: string | null | undefined
  /** A refused form's errors by field: listed at the top, each linking to its field. */
  errors?: Record<string, string> | undefined
  /** More constant CSS for this page only (e.g. the overview's charts). */
  pageCss?: string | undefined
  children: Child
}

/**
 * "Not saved" at the top of a refused form: every problem in words, each a link to its field
 * (`#f-<field>`), focused on load so a screen reader reads it and the page does not look unchanged.
 */
function ErrorSummary(props: { errors: Record<string, string> }) {
  const entries = Object.entries(props.errors).filter(([field]) => field !== 'action' && field !== 'actionCode')
  if (entries.length === 0) return null
  return (
    <div class="flash error" role="alert" tabindex={-1} autofocus data-testid="error-summary">
      <p>
        <strong>Not saved.</strong> {entries.length === 1 ? 'Fix this field' : `Fix these ${entries.length} fields`}, then save again:
      </p>
      <ul>
        {entries.map(([field, message]) => (
          <li>
            <a href={`#f-${field}`}>{message}</a>
          </li>
        ))}
      </ul>
    </div>
  )
}

const NAV = [
  ['overview', '/sso/admin', 'Overview'],
  ['organizations', '/sso/admin/organizations', 'Organizations'],
  ['idps', '/sso/admin/idps', 'Identity providers'],
  ['apps', '/sso/admin/apps', 'Helpdesk apps'],
  ['sp', '/sso/admin/sp', 'Service provider'],
  ['settings', '/sso/admin/settings', 'Settings'],
  ['events', '/sso/admin/events', 'Events'],
  ['audit', '/sso/admin/audit', 'Audit log'],
] as const

export function AdminLayout(props: AdminLayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} · SSO admin`}</title>
        <Style css={BASE_CSS + ADMIN_CSS + (props.pageCss ?? '')} />
      </head>
      <body>
        {props.active !== 'login' ? (
          <header class="bar">
            <nav aria-label="Admin">
              {NAV.map(([key, href, label]) => (
                <a href={href} aria-current={props.active === key ? 'page' : undefined}>
                  {label}
                </a>
              ))}
            </nav>
            <form class="inline" method="post" action="/sso/admin/logout">
              <input type="hidden" name="_csrf" value={props.csrf ?? ''} />
              <span class="muted">{props.actor} </span>
              <button class="btn secondary" type="submit">
                Sign out
              </button>
            </form>
          </header>
        ) : null}
        <main class="admin">
          {props.hostNotice ? (
            <p class="flash error" role="status" data-testid="host-notice">
              {props.hostNotice}
            </p>
          ) : null}
          <h1>{props.title}</h1>
          {props.flash ? (
            <p class={`flash ${props.flash.kind === 'error' ? 'error' : ''}`} role={props.flash.kind === 'error' ? 'alert' : 'status'}>
              {props.flash.text}
            </p>
          ) : null}
          {props.errors ? <ErrorSummary errors={props.errors} /> : null}
          {props.children}
        </main>
        <CopyScript />
      </body>
    </html>
  )
}

/** A labelled input with its error right below it (aria-describedby ties them together). */
/**
 * A one-button POST form with the console's CSRF token: every quick action of the console's
 * lists and pages. `name`/`value`: one hidden field; `children`: more fields before the button
 * (a confirmation box). `kind` '' is the primary button.
 */
export function PostButton(props: {
  action: string
  csrf: string
  label: string
  name?: string
  value?: string
  kind?: 'secondary' | 'danger' | ''
  testId?: string
  ariaLabel?: string
  children?: Child
}) {
  const kind = props.kind ?? 'secondary'
  return (
    <form class="inline" method="post" action={props.action}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.name ? <input type="hidden" name={props.name} value={props.value ?? ''} /> : null}
      {props.children}
      <button class={kind ? `btn ${kind}` : 'btn'} type="submit" data-testid={props.testId} aria-label={props.ariaLabel}>
        {props.label}
      </button>
    </form>
  )
}

export function Field(props: {
  name: string
  label: string
  value?: string | number | null | undefined
  type?: 'text' | 'url' | 'number' | 'password'
  error?: string | undefined
  hint?: string
  required?: boolean
  /** e.g. 'off' for a secret typed in once. */
  autocomplete?: string
  /** Shown but not editable (the value is still posted with the form). */
  readonly?: boolean
  textarea?: boolean
  rows?: number
}) {
  const id = `f-${props.name}`
  const describedBy = [props.error ? `${id}-error` : '', props.hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined
  return (
    <div>
      <label for={id}>{props.label}</label>
      {props.textarea ? (
        <textarea id={id} name={props.name} rows={props.rows ?? 4} aria-invalid={props.error ? 'true' : undefined} aria-describedby={describedBy}>
          {props.value ?? ''}
        </textarea>
      ) : (
        <input
          id={id}
          name={props.name}
          type={props.type ?? 'text'}
          value={props.value ?? ''}
          required={props.required}
          autocomplete={props.autocomplete}
          readonly={props.readonly}
          aria-invalid={props.error ? 'true' : undefined}
          aria-describedby={describedBy}
        />
      )}
      {props.hint ? (
        <p id={`${id}-hint`} class="muted">
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p id={`${id}-error`} class="field-error" data-error-for={props.name}>
          {props.error}
        </p>
      ) : null}
    </div>
  )
}

export function Check(props: { name: string; label: string; checked: boolean; hint?: string }) {
  return (
    <div class="check">
      <input type="hidden" name={props.name} value="false" />
      <input id={`f-${props.name}`} type="checkbox" name={props.name} value="true" checked={props.checked} />{' '}
      <label for={`f-${props.name}`}>{props.label}</label>
      {props.hint ? <span class="muted"> — {props.hint}</span> : null}
    </div>
  )
}
