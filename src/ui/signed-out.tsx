/** Shown after logout: the portal session is over (and the IdP's, when SLO ran). */
import { Layout } from './layout'

export function SignedOutPage(props: { portalName: string; accent: string; idpLoggedOut: boolean }) {
  return (
    <Layout title={`Signed out · ${props.portalName}`} accent={props.accent}>
      <div class="card" role="status">
        <h1>You are signed out</h1>
        <p data-testid="signed-out">
          {props.idpLoggedOut ? 'You were also signed out of your organization’s identity provider.' : `Your ${props.portalName} session has ended.`}
        </p>
        <p>
          <a href="/sso/login?select">Sign in again</a>
        </p>
      </div>
    </Layout>
  )
}
