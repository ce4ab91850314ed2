/**
 * "Are you sure?" before the gateway acts on something another site asked for (a logout link or
 * an unsigned LogoutRequest from a cross-site page). The button submits a form of this page, so
 * the request it makes is same-origin; the page cannot be framed (CSP frame-ancestors, app.ts).
 * No script: it works with JavaScript off.
 */
import { Layout, Style } from './layout'

export interface ConfirmPageProps {
  /** The form the button submits (a gateway path; the caller checks it). */
  form: { method: 'get' | 'post'; action: string; fields: Record<string, string> }
  page: { title: string; text: string; button: string; portalName: string; accent: string }
}

const CSS = `
form{margin:1rem 0 0}
button{width:100%;padding:.75rem;font:600 1rem system-ui,sans-serif;border:0;border-radius:8px;background:var(--accent);color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
.cancel{display:block;text-align:center;margin-top:.75rem}
`

export function ConfirmPage(props: ConfirmPageProps) {
  return (
    <Layout title={`${props.page.title} · ${props.page.portalName}`} accent={props.page.accent}>
      <Style css={CSS} />
      <div class="card">
        <h1>{props.page.title}</h1>
        <p data-testid="confirm-text">{props.page.text}</p>
        <form method={props.form.method} action={props.form.action}>
          {Object.entries(props.form.fields).map(([name, value]) => (
            <input type="hidden" name={name} value={value} />
          ))}
          <button type="submit" data-testid="confirm">
            {props.page.button}
          </button>
        </form>
        <a class="cancel" href="/">
          Cancel
        </a>
      </div>
    </Layout>
  )
}
