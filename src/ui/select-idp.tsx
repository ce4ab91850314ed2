/**
 * The IdP selection page: one large button per IdP (logo when configured), plus an email field
 * that routes by domain. Server-rendered, plain links and a form: works with JavaScript off,
 * keyboard order follows the page, every control labelled.
 */
import { Layout, Style } from './layout'

export interface SelectIdpProps {
  portalName: string
  accent: string
  logoUrl: string | null
  idps: { slug: string; name: string; logoUrl: string | null }[]
  /** Whether any IdP has email domains (else the email form is pointless). */
  hasEmailRouting: boolean
  returnTo: string
  /** Ask the IdP for a fresh sign-in (a helpdesk's ForceAuthn), on every way out of the page. */
  force?: boolean
  email?: string
  emailError?: { code: string; message: string } | undefined
}

const CSS = `
.idps{list-style:none;padding:0;margin:1rem 0;display:grid;gap:.6rem}
.idp{display:flex;align-items:center;gap:.75rem;padding:.9rem 1rem;border:1px solid var(--border);border-radius:10px;text-decoration:none;color:var(--fg);font-weight:600;font-size:1.05rem;min-height:3.25rem}
.idp:hover,.idp:focus-visible{border-color:var(--accent);outline:2px solid var(--accent);outline-offset:1px}
.idp img{width:28px;height:28px;object-fit:contain}
.or{display:flex;align-items:center;gap:.75rem;color:var(--muted);font-size:.9rem;margin:1.25rem 0}.or::before,.or::after{content:"";flex:1;border-top:1px solid var(--border)}
label{display:block;font-weight:600;margin-bottom:.3rem}
input[type=email]{width:100%;padding:.7rem .8rem;font:inherit;border:1px solid var(--border);border-radius:8px;background:var(--card);color:var(--fg)}
input[aria-invalid=true]{border-color:#c62828}
.field-error{color:#c62828;font-size:.9rem;margin:.35rem 0 0}
button{margin-top:.75rem;width:100%;padding:.75rem;font:600 1rem system-ui,sans-serif;border:0;border-radius:8px;background:var(--accent);color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
.brand{display:flex;align-items:center;gap:.6rem;margin-bottom:1rem}.brand img{max-height:36px}
`

export function SelectIdpPage(props: SelectIdpProps) {
  const returnTo = encodeURIComponent(props.returnTo)
  return (
    <Layout title={`Sign in · ${props.portalName}`} accent={props.accent}>
      <Style css={CSS} />
      <div class="card">
        <div class="brand">
          {props.logoUrl ? <img src={props.logoUrl} alt="" /> : null}
          <span class="muted">{props.portalName}</span>
        </div>
        <h1>Sign in</h1>
        {props.idps.length === 0 && !props.hasEmailRouting ? (
          <p data-testid="no-idps">
            No identity provider is configured yet. An administrator can add one in the <a href="/sso/admin">admin console</a>.
          </p>
        ) : null}
        {props.idps.length > 0 ? (
          <>
            <p class="muted">Choose your organization:</p>
            <ul class="idps" aria-label="Organizations">
              {props.idps.map((idp) => (
                <li>
                  <a
                    class="idp"
                    data-idp={idp.slug}
                    href={`/sso/login?idp=${encodeURIComponent(idp.slug)}&return_to=${returnTo}${props.force ? '&force' : ''}`}
                  >
                    {idp.logoUrl ? <img src={idp.logoUrl} alt="" /> : null}
                    <span>{idp.name}</span>
                  </a>
                </li>
              ))}
            </ul>
          </>
        ) : null}
        {props.hasEmailRouting ? (
          <>
            {props.idps.length > 0 ? <div class="or">or</div> : null}
            <form method="post" action="/sso/login" novalidate>
              <input type="hidden" name="return_to" value={props.returnTo} />
              {props.force ? <input type="hidden" name="force" value="1" /> : null}
              <label for="email">Work email address</label>
              <input
                id="email"
                name="email"
                type="email"
                autocomplete="email"
                inputmode="email"
                required
                value={props.email ?? ''}
                aria-invalid={props.emailError ? 'true' : undefined}
                aria-describedby={props.emailError ? 'email-error' : undefined}
              />
              {props.emailError ? (
                <p id="email-error" class="field-error" role="alert">
                  {props.emailError.message} <span class="muted">({props.emailError.code})</span>
                </p>
              ) : null}
              <button type="submit">Continue</button>
            </form>
          </>
        ) : null}
      </div>
    </Layout>
  )
}
