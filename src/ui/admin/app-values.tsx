/**
 * What a helpdesk's SSO settings ask for, by kind, each value read-only with its copy button
 * (the same `data-copy-from` buttons as ui/copy-button.tsx, shown by its one hashed script).
 * Labels name the field as each helpdesk's own form does, so the admin can match them up.
 */
import type { AppSetup, FreshworksSetup, SamlSetup, ZendeskSetup } from '../../admin/apps'
import type { CertificateInfo } from '../../admin/certificates'

/** One value to paste, with where it goes at each helpdesk. */
function CopyField(props: { id: string; label: string; value: string; hint?: string; block?: boolean }) {
  const inputId = `v-${props.id}`
  const hintId = props.hint ? `${inputId}-hint` : undefined
  return (
    <div class="copy-value">
      <label for={inputId}>{props.label}</label>
      <div class="copy-row">
        {props.block ? (
          <textarea id={inputId} readonly rows={6} aria-describedby={hintId} data-testid={`value-${props.id}`}>
            {props.value}
          </textarea>
        ) : (
          <input id={inputId} type="text" readonly value={props.value} aria-describedby={hintId} data-testid={`value-${props.id}`} />
        )}
        <button type="button" class="secondary" data-copy-from={inputId} hidden>
          Copy
        </button>
      </div>
      {props.hint ? (
        <p class="muted" id={hintId}>
          {props.hint}
        </p>
      ) : null}
    </div>
  )
}

/** Before the app is saved, its URLs carry the slug typed so far, or SLUG. */
function SlugNote(props: { isNew: boolean }) {
  return props.isNew ? <p class="muted">SLUG stands for this app's slug, chosen below (made from the name when left empty).</p> : null
}

function ZendeskValues(props: { values: ZendeskSetup; hasSecret: boolean; isNew: boolean }) {
  const v = props.values
  return (
    <fieldset data-testid="app-values">
      <legend>Values for Zendesk</legend>
      <p class="muted">Zendesk Admin Center → Account → Security → Single sign-on → your JSON Web Token configuration.</p>
      <SlugNote isNew={props.isNew && props.values.remoteLoginUrl.endsWith('=SLUG')} />
      <CopyField id="remote-login-url" label="Remote login URL" value={v.remoteLoginUrl} hint="Where Zendesk sends customers to sign in." />
      <CopyField id="remote-logout-url" label="Remote logout URL (optional)" value={v.remoteLogoutUrl} hint="Signs the customer out of the gateway too." />
      <p>
        Shared secret:{' '}
        <span data-testid="secret-status">
          {props.hasSecret ? 'stored, sealed; it is never shown. Replace it below when Zendesk generates a new one.' : 'none yet: paste the one Zendesk shows.'}
        </span>
      </p>
      {v.jwtEndpoint ? (
        <p class="muted">
          The gateway posts the signed token to <code data-testid="jwt-endpoint">{v.jwtEndpoint}</code>.
        </p>
      ) : null}
    </fieldset>
  )
}

function FreshworksValues(props: { values: FreshworksSetup; isNew: boolean }) {
  const v = props.values
  return (
    <fieldset data-testid="app-values">
      <legend>Values for Freshworks</legend>
      <p class="muted">
        Your Freshworks organization (https://&lt;org&gt;.myfreshworks.com) → Security → Contacts → the portal's policy → SSO → JSON Web Token. Freshworks then
        shows its Redirect URL: list it below.
      </p>
      <SlugNote isNew={props.isNew && props.values.loginUrl.endsWith('=SLUG')} />
      <CopyField id="login-url" label="Authorization URL (login URL)" value={v.loginUrl} />
      <CopyField id="logout-url" label="Logout URL (optional)" value={v.logoutUrl} />
      <CopyField
        id="public-key"
        label="Public key"
        value={v.publicKeyPem}
        block
        hint="The gateway's freshworks key, shared by every Freshworks app. It has no secret of its own: to replace the key, roll it over on the Service provider page and paste the new public key here at the same time."
      />
    </fieldset>
  )
}

function SamlValues(props: { values: SamlSetup; stagedCertificate?: (CertificateInfo & { pem: string }) | null | undefined; isNew: boolean; isOn: boolean }) {
  const v = props.values
  return (
    <fieldset data-testid="app-values">
      <legend>Values for the helpdesk (the gateway is its SAML identity provider)</legend>
      <p class="muted">
        {props.isNew
          ? 'Enter these at the helpdesk first (Atlassian Guard asks for them before it shows its own values), then fill in the form below with what the helpdesk shows.'
          : 'Atlassian Guard: Identity provider → Other provider → Set up SAML single sign-on. Zendesk and Freshworks: their SAML single sign-on settings. Zammad: Authentication via SAML.'}
      </p>
      <div class="grid2">
        <CopyField
          id="idp-entity-id"
          label="IdP entity ID"
          value={v.idpEntityId}
          hint="Guard: Identity provider Entity ID. Freshworks: Entity ID provided by the IdP."
        />
        <CopyField
          id="sso-url"
          label="SSO URL"
          value={v.ssoUrl}
          hint="Guard: Identity provider SSO URL. Zendesk, Freshworks: SAML SSO URL. Zammad: IdP SSO target URL."
        />
      </div>
      <CopyField
        id="certificate"
        label="Signing certificate (PEM)"
        value={v.signingCertificatePem}
        block
        hint={`Guard: Public x509 certificate. Freshworks: Security certificate. Zammad: IdP certificate. The broker key's; valid until ${v.signingCertificateNotAfter.slice(0, 10)}.`}
      />
      <p>
        Download the certificate:{' '}
        <a href="/sso/admin/apps/broker-certificate.pem" download data-testid="download-pem">
          .pem
        </a>{' '}
        ·{' '}
        <a href="/sso/admin/apps/broker-certificate.cer" download data-testid="download-cer">
          .cer (DER)
        </a>
      </p>
      <CopyField
        id="fingerprint"
        label="Certificate fingerprint (SHA-256)"
        value={v.signingCertificateFingerprintSha256}
        hint="Zendesk: Certificate fingerprint. Zendesk pins it: enter the new one when the broker key rolls over."
      />
      <div class="grid2">
        <CopyField
          id="metadata-url"
          label={props.isNew ? 'IdP metadata URL' : "IdP metadata URL (this app's copy)"}
          value={v.idpMetadataUrl}
          {...(props.isNew || props.isOn ? {} : { hint: 'Served once the app is on, like its launch URL.' })}
        />
        <CopyField id="slo-url" label="Single logout URL (SAML)" value={v.sloUrl} hint="For logout started at the helpdesk (LogoutRequest)." />
        <CopyField id="logout-url" label="Logout URL" value={v.logoutUrl} hint="Zendesk: Remote logout URL. Freshworks: Logout URL." />
        <CopyField id="nameid-format" label="NameID format" value={v.nameIdFormat} />
      </div>
      {v.launchUrl ? (
        <CopyField
          id="launch-url"
          label="Launch URL (IdP-initiated sign-in)"
          value={v.launchUrl}
          hint="A link that signs the customer in and opens the helpdesk: for the portal's menu or an app tile."
        />
      ) : null}
      {props.stagedCertificate ? (
        <div data-testid="staged-certificate">
          <p class="flash error" role="status">
            A new broker key is staged (fingerprint {props.stagedCertificate.fingerprintSha256}). Give the helpdesk its certificate before it is activated on
            the Service provider page.
          </p>
          <CopyField id="staged-certificate" label="Staged signing certificate (PEM)" value={props.stagedCertificate.pem} block />
        </div>
      ) : null}
    </fieldset>
  )
}

/** The values section of an app's page (or of a new app's, before it is saved). */
export function AppValues(props: {
  setup: AppSetup
  hasSecret?: boolean
  stagedCertificate?: (CertificateInfo & { pem: string }) | null
  isNew?: boolean
  /** The app is on: its own metadata and launch URL answer. */
  isOn?: boolean
}) {
  const s = props.setup
  if (s.kind === 'zendesk') return <ZendeskValues values={s.values} hasSecret={props.hasSecret ?? false} isNew={props.isNew ?? false} />
  if (s.kind === 'freshworks') return <FreshworksValues values={s.values} isNew={props.isNew ?? false} />
  return <SamlValues values={s.values} stagedCertificate={props.stagedCertificate} isNew={props.isNew ?? false} isOn={props.isOn ?? false} />
}
