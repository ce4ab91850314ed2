/** IdP list: status, default, order, certificate warnings, quick actions. */
import type { CertificateInfo } from '../../admin/certificates'
import { AdminLayout, PostButton, type AdminLayoutProps } from './layout'

export interface IdpListItem {
  id: string
  name: string
  slug: string
  entityId: string
  protocol: 'saml' | 'oidc'
  issuer: string | null
  enabled: boolean
  /** Never passed a test sign-in: shown as a draft, with Test instead of Enable. */
  draft: boolean
  isDefault: boolean
  showOnSelection: boolean
  certificateInfo: CertificateInfo[]
}

export function IdpListPage(props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & { idps: IdpListItem[]; csrf: string }) {
  const byDefault = props.idps.find((i) => i.isDefault)
  return (
    <AdminLayout {...props} title="Identity providers" active="idps">
      {byDefault ? (
        <p class="flash" role="status" data-testid="default-banner">
          Default IdP: <strong>{byDefault.name}</strong>. Every customer who signs in goes straight to it; the selection page and email discovery are skipped.{' '}
          <PostButton action={`/sso/admin/idps/${byDefault.id}/default/unset`} csrf={props.csrf} label="Unset default" kind="secondary" />
        </p>
      ) : null}
      <p>
        <a class="btn" href="/sso/admin/idps/new">
          Add identity provider
        </a>
      </p>
      {props.idps.length === 0 ? (
        <p data-testid="empty">No identity providers yet. Add one by metadata URL, metadata XML or by hand.</p>
      ) : (
        <table class="responsive">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Certificates</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.idps.map((idp, i) => (
              <tr data-idp={idp.slug}>
                <td>
                  <a href={`/sso/admin/idps/${idp.id}`}>{idp.name}</a>
                  <div class="muted">
                    <span class="tag">{idp.protocol === 'oidc' ? 'OIDC' : 'SAML'}</span> {idp.protocol === 'oidc' ? idp.issuer : idp.entityId}
                  </div>
                </td>
                <td>
                  {idp.draft ? (
                    <span class="tag warn" title="Hidden from customers until a test sign-in passes">
                      draft: test first
                    </span>
                  ) : (
                    <span class={`tag ${idp.enabled ? 'ok' : ''}`}>{idp.enabled ? 'enabled' : 'disabled'}</span>
                  )}{' '}
                  {idp.isDefault ? <span class="tag">default</span> : null} {idp.showOnSelection ? null : <span class="tag">hidden</span>}
                </td>
                <td>
                  {idp.certificateInfo.map((c) => (
                    <div>
                      <span class={`tag ${c.warning ? 'warn' : 'ok'}`}>{c.warning ?? 'valid'}</span> <span class="muted">until {c.notAfter.slice(0, 10)}</span>
                    </div>
                  ))}
                </td>
                <td>
                  <PostButton action={`/sso/admin/idps/${idp.id}/test`} csrf={props.csrf} label="Test" kind="secondary" />{' '}
                  {idp.draft ? null : <PostButton action={`/sso/admin/idps/${idp.id}/toggle`} csrf={props.csrf} label={idp.enabled ? 'Disable' : 'Enable'} />}{' '}
                  {idp.isDefault ? (
                    <PostButton action={`/sso/admin/idps/${idp.id}/default/unset`} csrf={props.csrf} label="Unset default" kind="secondary" />
                  ) : (
                    <PostButton action={`/sso/admin/idps/${idp.id}/default`} csrf={props.csrf} label="Make default" />
                  )}{' '}
                  {i > 0 ? <PostButton action={`/sso/admin/idps/${idp.id}/move`} csrf={props.csrf} name="direction" value="up" label="↑" /> : null}{' '}
                  {i < props.idps.length - 1 ? (
                    <PostButton action={`/sso/admin/idps/${idp.id}/move`} csrf={props.csrf} name="direction" value="down" label="↓" />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AdminLayout>
  )
}
