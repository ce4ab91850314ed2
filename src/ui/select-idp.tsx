/**
 * IdP selection page: one large button per IdP. Server-rendered, works with JavaScript off.
 */
import { Layout } from './layout'

export interface SelectIdpProps {
  idps: { slug: string; name: string }[]
  returnTo: string
}

export function SelectIdpPage(props: SelectIdpProps) {
  return (
    <Layout title="Sign in">
      <div class="card">
        <h1>Sign in</h1>
        {props.idps.length === 0 ? (
          <p data-testid="no-idps">
            No identity provider is configured yet. An administrator can add one in the{' '}
            <a href="/sso/admin">admin console</a>.
          </p>
        ) : (
          <ul>
            {props.idps.map((idp) => (
              <li>
                <a href={`/sso/login?idp=${encodeURIComponent(idp.slug)}&return_to=${encodeURIComponent(props.returnTo)}`}>{idp.name}</a>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Layout>
  )
}
