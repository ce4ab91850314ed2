/**
 * Test connection result: what the IdP sent (NameID and every attribute as sent; for OIDC the ID
 * token's claims and userinfo's), the identity the mapping yields, and the validation verdict with its code and expected/received values.
 */
import type { TestResult } from '../../admin/idps'
import { AdminLayout, type AdminLayoutProps } from './layout'

export function TestResultPage(
  props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & {
    idpName: string
    idpId: string
    idpEnabled: boolean
    csrf: string
    test: TestResult | null
  },
) {
  const t = props.test
  return (
    <AdminLayout {...props} title={`Test connection · ${props.idpName}`} active="idps">
      {t?.ok && !props.idpEnabled ? <EnableNow idpId={props.idpId} idpName={props.idpName} csrf={props.csrf} /> : null}
      {!t ? (
        <p class="flash error" role="alert">
          No result for this test (it expired after 10 minutes). Run it again.
        </p>
      ) : t.ok && 'claims' in t ? (
        <>
          <p class="flash" role="status" data-testid="test-verdict">
            Success: the ID token is valid and the user would be signed in.
          </p>
          <h2>Subject</h2>
          <p>
            sub <code data-testid="test-nameid">{String(t.claims.sub)}</code>
          </p>
          <MappedIdentity identity={t.identity} />
          <h2>ID token claims</h2>
          <ClaimsTable claims={t.claims} testid="test-claims" />
          <h2>Userinfo</h2>
          {t.userinfo ? <ClaimsTable claims={t.userinfo} testid="test-userinfo" /> : <p>Not read: the ID token had every claim the gateway maps.</p>}
        </>
      ) : t.ok ? (
        <>
          <p class="flash" role="status" data-testid="test-verdict">
            Success: the response is valid and the user would be signed in.
          </p>
          <h2>Subject</h2>
          <table>
            <tbody>
              <tr>
                <th scope="row">NameID</th>
                <td data-testid="test-nameid">{t.result.nameId}</td>
              </tr>
              <tr>
                <th scope="row">NameID format</th>
                <td>{t.result.nameIdFormat ?? '(none)'}</td>
              </tr>
              <tr>
                <th scope="row">SessionIndex</th>
                <td>{t.result.sessionIndex ?? '(none)'}</td>
              </tr>
              <tr>
                <th scope="row">Signed</th>
                <td>
                  {t.result.signedParts.response ? 'response ' : ''}
                  {t.result.signedParts.assertion ? 'assertion' : ''}
                </td>
              </tr>
              {t.result.warnings.length ? (
                <tr>
                  <th scope="row">Warnings</th>
                  <td>{t.result.warnings.join('; ')}</td>
                </tr>
              ) : null}
            </tbody>
          </table>
          <MappedIdentity identity={t.identity} />
          <h2>Attributes as sent</h2>
          <table data-testid="test-attributes">
            <tbody>
              {Object.entries(t.result.attributes).map(([name, values]) => (
                <tr>
                  <th scope="row">
                    <code>{name}</code>
                  </th>
                  <td>{values.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <>
          <p class="flash error" role="alert" data-testid="test-verdict">
            Rejected with <code data-testid="test-code">{t.code}</code>
          </p>
          {t.hint ? <p data-testid="test-hint">{t.hint}</p> : null}
          {t.code === 'LOGIN_EMAIL_DOMAIN_MISMATCH' ? <EmailDomainMismatch detail={t.detail} /> : null}
          <h2>Expected and received</h2>
          <table>
            <tbody>
              {Object.entries(t.detail)
                .filter(([k]) => k !== 'receivedAttributes' && k !== 'idTokenClaims' && k !== 'userinfo')
                .map(([k, v]) => (
                  <tr>
                    <th scope="row">{k}</th>
                    <td>
                      <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
          {t.detail.receivedAttributes ? (
            <>
              <h2>What the IdP sent</h2>
              <p class="muted">
                NameID <code data-testid="test-received-nameid">{String(t.detail.receivedNameId ?? '')}</code>
              </p>
              <ClaimsTable claims={t.detail.receivedAttributes as Record<string, unknown>} testid="test-received-attributes" />
            </>
          ) : null}
          {t.detail.idTokenClaims ? (
            <>
              <h2>ID token claims</h2>
              <ClaimsTable claims={t.detail.idTokenClaims as Record<string, unknown>} testid="test-claims" />
            </>
          ) : null}
          {t.detail.userinfo ? (
            <>
              <h2>Userinfo</h2>
              <ClaimsTable claims={t.detail.userinfo as Record<string, unknown>} testid="test-userinfo" />
            </>
          ) : null}
        </>
      )}
      <p>
        <a class="btn secondary" href={`/sso/admin/idps/${props.idpId}`}>
          Back to the IdP
        </a>
      </p>
    </AdminLayout>
  )
}

/** The test passed and the IdP is off (a draft, or disabled): one click puts it in front of customers. */
function EnableNow(props: { idpId: string; idpName: string; csrf: string }) {
  return (
    <form method="post" action={`/sso/admin/idps/${props.idpId}/enable`} class="flash" data-testid="enable-now">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <p>
        {props.idpName} is not enabled yet: customers cannot see or use it.{' '}
        <button class="btn" type="submit">
          Enable {props.idpName}
        </button>
      </p>
    </form>
  )
}

/** LOGIN_EMAIL_DOMAIN_MISMATCH in plain words: the domain the IdP sent and the ones its organization may use. */
function EmailDomainMismatch(props: { detail: Record<string, unknown> }) {
  const received = typeof props.detail.receivedDomain === 'string' ? props.detail.receivedDomain : '?'
  const allowed = Array.isArray(props.detail.allowedDomains) ? props.detail.allowedDomains.map(String) : []
  const organizationId = typeof props.detail.organizationId === 'string' ? props.detail.organizationId : null
  return (
    <p class="flash error" data-testid="test-email-domain">
      The IdP sent an email address in <strong>{received}</strong>.{' '}
      {allowed.length ? (
        <>
          Its organization may only use: <strong>{allowed.join(', ')}</strong>.
        </>
      ) : (
        <>Its organization has no verified domain yet.</>
      )}{' '}
      {organizationId ? (
        <>
          Verify the domain on the <a href={`/sso/admin/organizations/${encodeURIComponent(organizationId)}`}>organization's page</a> if it belongs to this
          organization, or fix the email attribute at the IdP.
        </>
      ) : null}
    </p>
  )
}

/** An OIDC claim set as sent: one row per claim, values as JSON when they are not strings. */
function ClaimsTable(props: { claims: Record<string, unknown>; testid: string }) {
  return (
    <table data-testid={props.testid}>
      <tbody>
        {Object.entries(props.claims).map(([name, value]) => (
          <tr>
            <th scope="row">
              <code>{name}</code>
            </th>
            <td>{typeof value === 'string' ? value : JSON.stringify(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The identity the mapping yields, as the portal would receive it. */
function MappedIdentity(props: {
  identity: { email: string | null; firstName: string | null; lastName: string | null; displayName: string | null; groups: string[] }
}) {
  const i = props.identity
  return (
    <>
      <h2>Mapped identity</h2>
      <table data-testid="test-identity">
        <tbody>
          {(['email', 'firstName', 'lastName', 'displayName'] as const).map((k) => (
            <tr>
              <th scope="row">{k}</th>
              <td data-field={k}>{i[k] ?? '(not found)'}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">groups</th>
            <td data-field="groups">{i.groups.join(', ') || '(none)'}</td>
          </tr>
        </tbody>
      </table>
    </>
  )
}
