/**
 * The customer-facing error page: stable code, a short explanation, the request ID to quote to
 * support, and nothing secret or meant for the admin (no stack, no raw SAML, no tokens, no admin
 * hint: that goes to the audit log).
 */
import { Layout } from './layout'

export interface ErrorPageProps {
  code: string
  message: string
  requestId: string
}

export function ErrorPage(props: ErrorPageProps) {
  return (
    <Layout title="Sign-in problem">
      <div class="card" role="alert">
        <h1>{props.message}</h1>
        <p class="muted">
          Error code <code data-testid="error-code">{props.code}</code>
        </p>
        <p class="muted">
          Request ID <code data-testid="request-id">{props.requestId}</code>
        </p>
        <p>
          <a href="/sso/login">Back to sign-in</a>
        </p>
      </div>
    </Layout>
  )
}
