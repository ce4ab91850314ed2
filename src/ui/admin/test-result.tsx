/**
 * Test connection result: what the IdP sent (NameID and every attribute as sent; for OIDC the ID
 * token's claims and userinfo's), the identity the mapping yields, and the validation verdict with its code and expected/received values.
 */
import type { CertificateInfo } from '../../admin/certificates'
import type { TestResult } from '../../admin/idps'
import { AdminLayout, PostButton, type AdminLayoutProps } from './layout'

/** What the result page can fix in one click (admin/idps.ts trustTestCertificate, useTestEmailAttribute). */
export interface TestFixes {
  requestId: string
  /** The IdP's metadata URL: a certificate refusal offers to read it again. */
  metadataUrl: string | null
  /** The attribute the email is mapped from now (null: the default names). */
  emailAttribute: string | null
  /** The certificate the response was signed with, when it verified with it but is not configured. */
  offeredCertificate: CertificateInfo | null
}

/** The detail keys of a refusal, in words (others are shown by their name). */
const DETAIL_LABELS: Record<string, string> = {
  expected: 'Expected',
  received: 'Received',
  reason: 'What failed',
  configuredCertificates: 'Certificates configured here (SHA-256)',
  keyInfoCertificate: 'Certificate the response was signed with, as it says (SHA-256)',
  attempts: 'Each configured certificate',
  allowedDomains: 'Verified domains of the organization',
  receivedDomain: 'Domain the IdP sent',
  receivedNameId: 'NameID the IdP sent',
  organizationId: 'Organization',
  now: 'Time here',
  notBefore: 'Not before',
  notOnOrAfter: 'Not on or after',
}

const SHOWN_ELSEWHERE = new Set(['receivedAttributes', 'idTokenClaims', 'userinfo', 'offeredCertificate'])
const CERTIFICATE_CODES = new Set(['SAML_SIGNATURE_INVALID', 'SAML_SIGNATURE_MISSING', 'SAML_NO_CERTIFICATES'])
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export function TestResultPage(
  props: Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & {
    idpName: string
    idpId: string
    idpEnabled: boolean
    fixes: TestFixes
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
          {t.identity.email ? null : <EmailFixes idpId={props.idpId} csrf={props.csrf} fixes={props.fixes} attributes={t.result.attributes} />}
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
          {props.fixes.offeredCertificate ? (
            <TrustCertificate idpId={props.idpId} csrf={props.csrf} fixes={props.fixes} cert={props.fixes.offeredCertificate} />
          ) : null}
          {CERTIFICATE_CODES.has(t.code) && props.fixes.metadataUrl ? (
            <form method="post" action={`/sso/admin/idps/${props.idpId}/refresh`} data-testid="fix-reimport">
              <input type="hidden" name="_csrf" value={props.csrf} />
              <p>
                The IdP may have rolled its certificate over.{' '}
                <button class="btn secondary" type="submit">
                  Re-import the metadata
                </button>{' '}
                <span class="muted">from {props.fixes.metadataUrl}, then test again.</span>
              </p>
            </form>
          ) : null}
          {t.code.startsWith('LOGIN_EMAIL') ? (
            <EmailFixes idpId={props.idpId} csrf={props.csrf} fixes={props.fixes} attributes={t.detail.receivedAttributes} />
          ) : null}
          {t.code === 'LOGIN_EMAIL_DOMAIN_MISMATCH' ? <EmailDomainMismatch detail={t.detail} /> : null}
          <h2>Expected and received</h2>
          <table>
            <tbody>
              {Object.entries(t.detail)
                .filter(([k]) => !SHOWN_ELSEWHERE.has(k))
                .map(([k, v]) => (
                  <tr>
                    <th scope="row">{DETAIL_LABELS[k] ?? k}</th>
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

/** "Signed with a certificate you have not configured", with what to compare before trusting it. */
function TrustCertificate(props: { idpId: string; csrf: string; fixes: TestFixes; cert: CertificateInfo }) {
  return (
    <form method="post" action={`/sso/admin/idps/${props.idpId}/test/${props.fixes.requestId}/trust-certificate`} data-testid="fix-trust-certificate">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <p>
        <strong>The IdP signed with a certificate that is not configured here.</strong> The response is otherwise valid with it. Compare its fingerprint with
        the one the IdP's admin console shows before you trust it:
      </p>
      <ul>
        <li>
          SHA-256 <code data-testid="offered-fingerprint">{props.cert.fingerprintSha256}</code>
        </li>
        <li>Subject {props.cert.subject}</li>
        <li>
          Valid until {props.cert.notAfter.slice(0, 10)}
          {props.cert.warning ? <span class="tag warn">{props.cert.warning}</span> : null}
        </li>
      </ul>
      <button class="btn" type="submit">
        Trust this certificate
      </button>{' '}
      <span class="muted">It is added beside the configured ones; remove the old one once the IdP no longer uses it.</span>
    </form>
  )
}

/** Attributes the IdP sent whose value is an email address: one click maps the email from it. */
function EmailFixes(props: { idpId: string; csrf: string; fixes: TestFixes; attributes: unknown }) {
  const attributes = props.attributes && typeof props.attributes === 'object' ? (props.attributes as Record<string, unknown>) : {}
  const candidates = Object.entries(attributes)
    .filter(([name, values]) => name !== props.fixes.emailAttribute && Array.isArray(values) && values.some((v) => EMAIL.test(String(v))))
    .slice(0, 5)
  if (candidates.length === 0) return null
  return (
    <div data-testid="fix-email-attribute">
      <p>The IdP sent an email address in another attribute:</p>
      <ul class="plain">
        {candidates.map(([name, values]) => (
          <li>
            <PostButton
              action={`/sso/admin/idps/${props.idpId}/test/${props.fixes.requestId}/use-email-attribute`}
              csrf={props.csrf}
              name="attribute"
              value={name}
              label={`Use ${name} as the email`}
            />{' '}
            <span class="muted">({(values as unknown[]).map(String).join(', ')})</span>
          </li>
        ))}
      </ul>
    </div>
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
