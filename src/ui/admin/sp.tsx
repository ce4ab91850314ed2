/** Service provider page: what IdPs need from us (entity ID, ACS, metadata) and the SP keys with rollover. */
import type { CertificateInfo } from '../../admin/certificates'
import { AdminLayout, type AdminLayoutProps } from './layout'

/** Each key role and what it is for (store/sp-keys.ts): one key each, each rolled over alone. */
const KEY_ROLES: [string, string][] = [
  ['signing', "The SP's AuthnRequests and logout messages to IdPs; in /sso/metadata."],
  ['encryption', 'Assertions IdPs encrypt to the gateway; in /sso/metadata. Retired keys keep decrypting for 30 days.'],
  ['broker', "The broker's Responses and logout answers to helpdesk apps; in /sso/idp/metadata and each SAML app's page."],
  ['metadata', 'The signature on /sso/idp/metadata?signed.'],
  ['freshworks', "Freshworks id_tokens; its public key is on each Freshworks app's page."],
  ['oidc-client', 'Client assertions (private_key_jwt) to OIDC providers; in /sso/certs with its certificate.'],
]

export interface SpKeyRow {
  id: string
  use: string
  status: string
  createdAt: string
  certificate: CertificateInfo
}

export function SpPage(
  props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & {
    csrf: string
    entityId: string
    acsUrl: string
    sloUrl: string
    metadataUrl: string
    keys: SpKeyRow[]
    /** Per role, the IdPs and apps that must take its new certificate before activation. */
    dependents: Record<string, string[]>
    /** The ES256 keys of the SSO-JWT forwarded to the portal, newest first. */
    jwtKeys: { kid: string; status: string; createdAt: string }[]
  },
) {
  const hasNext = (use: string) => props.keys.some((k) => k.use === use && k.status === 'next')
  return (
    <AdminLayout {...props} title="Service provider" active="sp">
      <table>
        <tbody>
          <tr>
            <th scope="row">SP entity ID</th>
            <td>
              <code>{props.entityId}</code>
            </td>
          </tr>
          <tr>
            <th scope="row">ACS URL</th>
            <td>
              <code>{props.acsUrl}</code>
            </td>
          </tr>
          <tr>
            <th scope="row">SLO URL</th>
            <td>
              <code>{props.sloUrl}</code>
            </td>
          </tr>
          <tr>
            <th scope="row">SP metadata</th>
            <td>
              <a href={props.metadataUrl}>{props.metadataUrl}</a> · <a href={`${props.metadataUrl}?download`}>download</a>
            </td>
          </tr>
        </tbody>
      </table>
      <h2>Keys</h2>
      <p class="muted">
        One key per role. Rollover: stage a new key (metadata then lists both), let the IdPs or helpdesks pick it up, then activate it. Retired encryption keys
        keep decrypting for 30 days.
      </p>
      <table class="responsive" data-testid="sp-keys">
        <thead>
          <tr>
            <th scope="col">Use</th>
            <th scope="col">Status</th>
            <th scope="col">SHA-256 fingerprint</th>
            <th scope="col">Valid until</th>
          </tr>
        </thead>
        <tbody>
          {props.keys.map((k) => (
            <tr data-key-status={k.status}>
              <td>{k.use}</td>
              <td>
                <span class={`tag ${k.status === 'active' ? 'ok' : ''}`}>{k.status}</span>
              </td>
              <td>
                <code>{k.certificate.fingerprintSha256}</code>
              </td>
              <td>{k.certificate.notAfter.slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="responsive" data-testid="key-roles">
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">What it signs, and who must know its certificate</th>
            <th scope="col">Affected now</th>
            <th scope="col">Rollover</th>
          </tr>
        </thead>
        <tbody>
          {KEY_ROLES.map(([use, what]) => (
            <tr>
              <td>{use}</td>
              <td>{what}</td>
              <td data-testid={`dependents-${use}`}>
                {(props.dependents[use as keyof typeof props.dependents] ?? []).length
                  ? props.dependents[use as keyof typeof props.dependents]!.join(', ')
                  : use === 'metadata'
                    ? 'whoever reads the signed metadata'
                    : 'none'}
              </td>
              <td>
                <form method="post" action={`/sso/admin/sp/keys/${use}/${hasNext(use) ? 'activate' : 'stage'}`}>
                  <input type="hidden" name="_csrf" value={props.csrf} />
                  <button class="btn secondary" type="submit">
                    {hasNext(use) ? `Activate the staged ${use} key` : `Stage a new ${use} key`}
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Identity JWT keys</h2>
      <p class="muted">
        They sign the SSO-JWT the portal receives (published at <a href="/sso/certs">/sso/certs</a>). A rotated key keeps verifying for 24 hours, so portals
        that cache the key set see no failures.
      </p>
      <table class="responsive" data-testid="jwt-keys">
        <thead>
          <tr>
            <th scope="col">Key ID</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {props.jwtKeys.map((k) => (
            <tr data-key-status={k.status}>
              <td>
                <code>{k.kid}</code>
              </td>
              <td>
                <span class={`tag ${k.status === 'active' ? 'ok' : ''}`}>{k.status}</span>
              </td>
              <td>{k.createdAt.slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action="/sso/admin/jwt/keys/rotate">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <p>
          <button class="btn secondary" type="submit" data-testid="jwt-rotate">
            Rotate the identity JWT key
          </button>
        </p>
      </form>
    </AdminLayout>
  )
}
