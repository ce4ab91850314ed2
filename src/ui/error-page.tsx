/**
 * The customer-facing error page: a sentence for the customer, in the portal's branding, where
 * to get help (the support contact from Settings), and a reference to quote (the code and the
 * request ID, with a copy button). Nothing secret or meant for the admin: no stack, no raw SAML,
 * no tokens, no admin hint (that goes to the audit log).
 */
import type { PortalBranding } from '../sso/branding'
import { CopyScript } from './copy-button'
import { Layout } from './layout'

export interface ErrorPageProps {
  code: string
  message: string
  requestId: string
  branding?: PortalBranding
}

function SupportContact(props: { contact: string; portalName: string }) {
  const email = !props.contact.startsWith('https://')
  return (
    <p data-testid="support-contact">
      Need help? {email ? 'Write to' : 'Contact'} the {props.portalName} team: <a href={email ? `mailto:${props.contact}` : props.contact}>{props.contact}</a>,
      and quote the reference below.
    </p>
  )
}

export function ErrorPage(props: ErrorPageProps) {
  const b = props.branding
  const reference = `${props.code} ${props.requestId}`
  return (
    <Layout title={b ? `Sign-in problem · ${b.portalName}` : 'Sign-in problem'} accent={b?.accent}>
      <div class="card" role="alert">
        {b?.logoUrl ? <img src={b.logoUrl} alt={b.portalName} style="max-height:2.5rem" /> : null}
        <h1>{props.message}</h1>
        {b?.supportContact ? <SupportContact contact={b.supportContact} portalName={b.portalName} /> : null}
        <p class="muted">
          Error code <code data-testid="error-code">{props.code}</code>
        </p>
        <p class="muted">
          Reference <code data-testid="request-id">{props.requestId}</code>{' '}
          <button type="button" data-copy-text={reference} hidden>
            Copy reference
          </button>
        </p>
        <p>
          <a href="/sso/login">Back to sign-in</a>
        </p>
      </div>
      <CopyScript />
    </Layout>
  )
}
