/**
 * The setup-link pages for a customer's IT (issue 13): one page, six steps, each usable with
 * JavaScript off (copy buttons are an enhancement) and on a phone, in the portal's branding.
 * Plain props only; the service (src/setup/setup-link.ts) decides what is shown.
 */
import type { Child } from 'hono/jsx'
import type { SetupValueKey } from '../setup/products'
import type { SetupPageData } from '../setup/setup-link'
import type { TestResult } from '../admin/idps'
import { CopyScript, CopyValue } from './copy-button'
import { AccentStyle, BASE_CSS, Style } from './layout'

const SETUP_CSS = `
main{max-width:44rem;margin:4vh auto}.card{margin:0 0 1rem}h2{font-size:1.1rem;margin:0 0 .5rem}
.steps{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem;font-size:.9rem}.steps li::before{content:"○ ";}.steps li.done::before{content:"✓ ";color:var(--accent)}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}input[type=text],input[type=url],input[type=password],textarea{width:100%;max-width:100%;padding:.5rem;border:1px solid var(--border);border-radius:6px;font:inherit;background:var(--card);color:var(--fg)}
textarea{font:.85rem ui-monospace,monospace}.copy-row{display:flex;gap:.5rem}.copy-row input{flex:1;min-width:0}
button,.btn{display:inline-block;border:0;border-radius:6px;padding:.55rem 1rem;background:var(--accent);color:#fff;font:inherit;font-weight:600;cursor:pointer;text-decoration:none}
button.secondary{background:transparent;color:var(--accent);border:1px solid var(--accent)}.error{color:#b42318;font-weight:600}.ok{color:#067647;font-weight:600}
.products{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:.5rem}.products a{display:block;padding:.5rem .75rem;border:1px solid var(--border);border-radius:8px;text-decoration:none}
.products a[aria-current]{border-color:var(--accent);font-weight:700}table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--border);word-break:break-all}
fieldset{border:1px solid var(--border);border-radius:8px;min-width:0;margin:.5rem 0}header{display:flex;align-items:center;gap:.75rem;margin-bottom:1rem}header img{max-height:2.5rem}
`

export interface SetupPageProps {
  data: SetupPageData
  /** A form's error to show at the top (plain words, with its code). */
  error?: { code: string; message: string } | null
  /** A test sign-in's result, on its own page. */
  test?: { result: TestResult | null } | null
  notice?: string | null
}

function Card(props: { id: string; title: string; children: Child }) {
  return (
    <section class="card" id={props.id} aria-labelledby={`${props.id}-h`}>
      <h2 id={`${props.id}-h`}>{props.title}</h2>
      {props.children}
    </section>
  )
}

function Hidden(props: { csrf: string }) {
  return <input type="hidden" name="_csrf" value={props.csrf} />
}

export function SetupPage(props: SetupPageProps) {
  const d = props.data
  const s = d.steps
  const product = d.product
  const done = d.status !== 'open'
  const stepList: [string, boolean][] = [
    ['Link opened', Boolean(s.opened)],
    ['IdP configured', Boolean(s.idpConfigured)],
    ['Domain verified', s.domainVerified],
    ['Test passed', Boolean(s.testPassed)],
    [d.requiresApproval ? 'Approved' : 'Active', Boolean(s.active)],
  ]
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <meta name="referrer" content="no-referrer" />
        <title>{`Connect ${d.organizationName} · ${d.portalName}`}</title>
        <Style css={BASE_CSS + SETUP_CSS} />
        <AccentStyle accent={d.accent} />
      </head>
      <body>
        <main>
          <header>
            {d.logoUrl ? <img src={d.logoUrl} alt="" /> : null}
            <div>
              <h1>Connect {d.organizationName}'s sign-in</h1>
              <p class="muted">
                {d.portalName}: your users will sign in to the support portal with your company's identity provider. This link is valid until{' '}
                {d.expiresAt.slice(0, 10)}.
              </p>
            </div>
          </header>
          <ul class="steps" aria-label="Progress" data-testid="setup-progress">
            {stepList.map(([label, ok]) => (
              <li class={ok ? 'done' : ''}>{label}</li>
            ))}
          </ul>
          {props.error ? (
            <p class="card error" role="alert" data-testid="setup-error">
              {props.error.message} <span class="muted">({props.error.code})</span>
            </p>
          ) : null}
          {props.notice ? (
            <p class="card ok" role="status" data-testid="setup-notice">
              {props.notice}
            </p>
          ) : null}
          {props.test ? <TestOutcome result={props.test.result} basePath={d.basePath} /> : null}
          {d.status === 'completed' ? (
            <p class="card ok" data-testid="setup-done">
              Done: your users can now sign in to {d.portalName} with {d.idp?.name ?? 'your IdP'}.
            </p>
          ) : d.status === 'awaiting-approval' ? (
            <p class="card ok" data-testid="setup-done">
              Submitted: the helpdesk will review and turn on your sign-in. Nothing else to do.
            </p>
          ) : null}
          <Card id="step-1" title="1. Your identity provider">
            <ul class="products">
              {d.products.map((p) => (
                <li>
                  <a href={`${d.basePath}?product=${p.key}#step-2`} aria-current={product?.key === p.key ? 'true' : undefined} data-product={p.key}>
                    {p.label}
                  </a>
                </li>
              ))}
            </ul>
          </Card>
          {product ? (
            <Card id="step-2" title={`2. Set up ${product.label}`}>
              <ol>
                {product.steps.map((step) => (
                  <li>
                    <p>{step.text}</p>
                    {(step.values ?? []).map((key) => (
                      <CopyValue id={key} label={VALUE_LABELS[key]} value={d.values[key]} />
                    ))}
                  </li>
                ))}
              </ol>
              {product.protocol === 'saml' ? (
                <p class="muted">
                  Our SP metadata: <a href={`${d.values.metadataUrl}?download`}>download</a>. Attributes to send: <code>email</code>, <code>firstName</code>,{' '}
                  <code>lastName</code>, and <code>groups</code> if you use groups.
                </p>
              ) : null}
            </Card>
          ) : (
            <p class="muted">Pick your identity provider above for step-by-step instructions.</p>
          )}
          {done ? null : <IdpStep data={d} />}
          <Card id="step-4" title="4. Verify your company's domains">
            <p class="muted">Your users' email addresses must be in a verified domain. Publish this TXT record in your DNS, then check.</p>
            {d.domains.length ? (
              <table>
                <tbody>
                  {d.domains.map((dom) => (
                    <tr data-domain={dom.domain}>
                      <td>
                        <strong>{dom.domain}</strong>{' '}
                        {dom.status === 'verified' ? (
                          <span class="ok">verified</span>
                        ) : (
                          <span class="muted">pending{dom.lastCheckError ? `: ${dom.lastCheckError}` : ''}</span>
                        )}
                      </td>
                      <td>
                        {dom.status === 'verified' ? null : (
                          <>
                            <CopyValue id={`txt-name-${dom.domain}`} label="Name" value={dom.txtRecord.name} />
                            <CopyValue id={`txt-value-${dom.domain}`} label="TXT value" value={dom.txtRecord.value} />
                            <form method="post" action={`${d.basePath}/domains/check`}>
                              <Hidden csrf={d.csrf} />
                              <input type="hidden" name="domain" value={dom.domain} />
                              <button type="submit" data-testid={`check-${dom.domain}`}>
                                Check now
                              </button>
                            </form>
                          </>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p>No domain yet.</p>
            )}
            {done ? null : (
              <form method="post" action={`${d.basePath}/domains`}>
                <Hidden csrf={d.csrf} />
                <label for="f-domain">Add a domain</label>
                <div class="copy-row">
                  <input id="f-domain" name="domain" type="text" placeholder="example.com" autocomplete="off" />
                  <button type="submit">Add</button>
                </div>
              </form>
            )}
          </Card>
          <Card id="step-5" title="5. Test sign-in">
            <p class="muted">Sign in once at your IdP as a user of your company. You will see what the portal receives; nobody is signed in to the portal.</p>
            {s.testPassed ? <p class="ok">Passed.</p> : null}
            {done ? null : (
              <form method="post" action={`${d.basePath}/test`}>
                <Hidden csrf={d.csrf} />
                <button type="submit" data-testid="setup-test" disabled={!d.idp}>
                  Run a test sign-in
                </button>
              </form>
            )}
          </Card>
          <Card id="step-6" title={d.requiresApproval ? '6. Submit for approval' : '6. Turn it on'}>
            <p class="muted">
              {d.requiresApproval
                ? 'When your domain is verified and the test passed, send it to the helpdesk for approval.'
                : 'When your domain is verified and the test passed, turn on sign-in for your users.'}
            </p>
            {done ? null : (
              <form method="post" action={`${d.basePath}/activate`}>
                <Hidden csrf={d.csrf} />
                <button type="submit" data-testid="setup-activate">
                  {d.requiresApproval ? 'Submit for approval' : 'Turn on sign-in'}
                </button>
              </form>
            )}
          </Card>
        </main>
        <CopyScript />
      </body>
    </html>
  )
}

const VALUE_LABELS: Record<SetupValueKey, string> = {
  acsUrl: 'ACS URL (single sign-on URL, reply URL)',
  entityId: 'SP entity ID (audience, identifier)',
  metadataUrl: 'SP metadata URL',
  sloUrl: 'Single logout URL',
  redirectUri: 'Redirect URI',
  postLogoutUri: 'Post-logout redirect URI',
}

function IdpStep(props: { data: SetupPageData }) {
  const d = props.data
  const oidc = d.product?.protocol === 'oidc' || (!d.product && d.idp?.protocol === 'oidc')
  return (
    <Card id="step-3" title="3. Connect your IdP">
      {d.idp ? (
        <p data-testid="setup-idp">
          Configured: <strong>{d.idp.name}</strong> ({d.idp.protocol === 'oidc' ? 'OpenID Connect' : 'SAML'}) <code>{d.idp.identifier}</code>. Sending new
          values replaces it; run the test again afterwards.
        </p>
      ) : null}
      {d.product ? <p class="muted">Where to find it: {d.product.source}</p> : null}
      {oidc ? (
        <form method="post" action={`${d.basePath}/idp`}>
          <Hidden csrf={d.csrf} />
          <input type="hidden" name="source" value="oidc" />
          <input type="hidden" name="product" value={d.product?.key ?? 'oidc'} />
          <label for="f-issuer">Issuer</label>
          <input id="f-issuer" name="issuer" type="url" required />
          <label for="f-clientId">Client ID</label>
          <input id="f-clientId" name="clientId" type="text" required />
          <label for="f-clientSecret">Client secret</label>
          <input id="f-clientSecret" name="clientSecret" type="password" autocomplete="new-password" />
          <p>
            <button type="submit">Save</button>
          </p>
        </form>
      ) : (
        <>
          <form method="post" action={`${d.basePath}/idp`} enctype="multipart/form-data">
            <Hidden csrf={d.csrf} />
            <input type="hidden" name="source" value="metadata" />
            <input type="hidden" name="product" value={d.product?.key ?? ''} />
            <label for="f-metadataUrl">Metadata URL</label>
            <input id="f-metadataUrl" name="metadataUrl" type="url" placeholder="https://…" />
            <label for="f-metadataFile">…or upload the metadata file</label>
            <input id="f-metadataFile" name="metadataFile" type="file" accept=".xml,application/xml,text/xml" />
            <label for="f-metadataXml">…or paste the metadata XML</label>
            <textarea id="f-metadataXml" name="metadataXml" rows={4}></textarea>
            <p>
              <button type="submit" data-testid="setup-save-metadata">
                Save
              </button>
            </p>
          </form>
          <details>
            <summary>No metadata? Enter the values by hand</summary>
            <form method="post" action={`${d.basePath}/idp`}>
              <Hidden csrf={d.csrf} />
              <input type="hidden" name="source" value="manual" />
              <input type="hidden" name="product" value={d.product?.key ?? ''} />
              <label for="f-entityId">IdP entity ID (issuer)</label>
              <input id="f-entityId" name="entityId" type="text" />
              <label for="f-ssoUrl">Single sign-on URL</label>
              <input id="f-ssoUrl" name="ssoUrl" type="url" />
              <label for="f-certificates">Signing certificate (PEM)</label>
              <textarea id="f-certificates" name="certificates" rows={6}></textarea>
              <p>
                <button type="submit">Save</button>
              </p>
            </form>
          </details>
        </>
      )}
    </Card>
  )
}

/** A test sign-in's outcome: what the portal would receive, or the reason with expected and received values. */
function TestOutcome(props: { result: TestResult | null; basePath: string }) {
  const r = props.result
  if (!r)
    return (
      <p class="card error" role="alert">
        No result for this test (it expired, or a newer test replaced it). Run it again.
      </p>
    )
  if (!r.ok)
    return (
      <section class="card" role="alert" data-testid="setup-test-result">
        <h2 class="error">The test sign-in was refused ({r.code})</h2>
        {r.hint ? <p>{r.hint}</p> : null}
        <table>
          <tbody>
            {Object.entries(r.detail).map(([k, v]) => (
              <tr>
                <th scope="row">{k}</th>
                <td>{typeof v === 'string' ? v : JSON.stringify(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    )
  const subject = 'claims' in r ? String(r.claims.sub) : r.result.nameId
  return (
    <section class="card" role="status" data-testid="setup-test-result">
      <h2 class="ok">The test sign-in passed</h2>
      <p>The portal will receive:</p>
      <table>
        <tbody>
          <tr>
            <th scope="row">User ID</th>
            <td data-field="subject">{subject}</td>
          </tr>
          {(['email', 'firstName', 'lastName', 'displayName'] as const).map((k) => (
            <tr>
              <th scope="row">{k}</th>
              <td data-field={k}>{r.identity[k] ?? '(none)'}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">groups</th>
            <td data-field="groups">{r.identity.groups.join(', ') || '(none)'}</td>
          </tr>
        </tbody>
      </table>
    </section>
  )
}
