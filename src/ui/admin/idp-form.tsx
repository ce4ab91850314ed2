/**
 * Add/edit an IdP by hand: the protocol choice (SAML or OpenID Connect), every field of that
 * protocol, errors next to their fields, attribute-map presets, and the values to enter on the
 * IdP side, ready to copy (SAML: when editing; OIDC: from the start, as the redirect URI is
 * needed to register the app).
 */
import type { CertificateInfo } from '../../admin/certificates'
import type { IdpFormValues } from '../../admin/idp-fields'
import type { EntityChoice } from '../../admin/metadata-source'
import { CopyValue } from '../copy-button'
import { AdminLayout, Check, Field, type AdminLayoutProps } from './layout'

export interface SetupValues {
  acsUrl: string
  spEntityId: string
  metadataUrl: string
  sloUrl: string
  loginUrl: string
}

/** What an OIDC provider's app registration needs from the gateway. */
export interface OidcSetupValues {
  redirectUri: string
  postLogoutRedirectUri: string
  /** The gateway's JWKS (the private_key_jwt key is in it). */
  certsUrl: string
  loginUrl?: string
}

export interface IdpFormProps extends Omit<AdminLayoutProps, 'title' | 'active' | 'children'> {
  csrf: string
  protocol: 'saml' | 'oidc'
  oidcSetup: OidcSetupValues
  /** OIDC, editing: a client secret is stored (the field is then optional). */
  hasClientSecret?: boolean
  idpId?: string
  values: IdpFormValues
  errors: Record<string, string>
  /** Attribute-map presets to offer: key and vendor label. */
  presets: { key: string; label: string }[]
  /** settings.clockSkewSeconds: what an empty skew field means. */
  gatewayClockSkewSeconds: number
  /** Organizations to pick from. */
  organizations: { id: string; name: string }[]
  certificateInfo?: CertificateInfo[]
  setup?: SetupValues
  importValues?: ImportValues
  /** An aggregate was given without an entity ID: the entities to choose from, and how many there are. */
  entityChoices?: { entities: EntityChoice[]; count: number }
  /** Never passed a test sign-in (a new IdP is one too): it cannot be enabled yet. */
  draft?: boolean
  /** The metadata has expired: offer the "Import anyway" box. */
  offerImportAnyway?: boolean
  /** The IdP that already has this slug or entity ID, and which form was refused. */
  conflict?: ConflictingIdp
  metadataUrl?: string | null
}

/** What the admin typed into the import form, shown again after a refusal. */
export interface ImportValues {
  metadataUrl?: string
  metadataXml?: string
  name?: string
  entityId?: string
  importAnyway?: boolean
}

export interface ConflictingIdp {
  id: string
  name: string
  /** The refused form, and its field (slug or entityId) the link goes under. */
  form: 'import' | 'idp'
  field: string
}

/** A link to the IdP that already holds the slug or entity ID. */
function ConflictLink(props: { idp: ConflictingIdp }) {
  return (
    <p class="field-error" data-testid="conflicting-idp">
      Already used by <a href={`/sso/admin/idps/${encodeURIComponent(props.idp.id)}`}>{props.idp.name}</a>.
    </p>
  )
}

/** The entity picker of an aggregate: usable entities first; the others shown, but not choosable, with why. */
function EntityPicker(props: { choices: NonNullable<IdpFormProps['entityChoices']>; selected?: string | undefined; error?: string | undefined }) {
  const { entities, count } = props.choices
  return (
    <div>
      <label for="f-importEntityId">Identity provider in this metadata</label>
      <select id="f-importEntityId" name="entityId" aria-invalid={props.error ? 'true' : undefined}>
        {entities.map((e) => (
          <option value={e.entityId} selected={props.selected === e.entityId} disabled={e.problem !== null}>
            {e.name ? `${e.name} (${e.entityId})` : e.entityId}
            {e.problem ? ` — cannot be used: ${e.problem}` : ''}
          </option>
        ))}
      </select>
      <p class="muted">
        {count > entities.length ? `The first ${entities.length} of ${count} identity providers. ` : `${count} identity providers. `}
        Choose one and import again.
      </p>
      {props.error ? (
        <p class="field-error" data-error-for="entityId">
          {props.error}
        </p>
      ) : null}
    </div>
  )
}

/** A value for the IdP side, with its copy button (ui/copy-button.tsx). */
function Copyable(props: { label: string; value: string; name: string }) {
  return <CopyValue id={props.name} inputId={`copy-${props.name}`} label={props.label} value={props.value} />
}

/** Which protocol a new IdP speaks: plain links, so the choice works without JavaScript. */
function ProtocolChoice(props: { protocol: 'saml' | 'oidc' }) {
  const option = (protocol: 'saml' | 'oidc', label: string, hint: string) => (
    <li>
      {props.protocol === protocol ? (
        <strong aria-current="page" data-testid={`protocol-${protocol}`}>
          {label}
        </strong>
      ) : (
        <a href={protocol === 'oidc' ? '/sso/admin/idps/new?protocol=oidc' : '/sso/admin/idps/new'} data-testid={`protocol-${protocol}`}>
          {label}
        </a>
      )}{' '}
      <span class="muted">{hint}</span>
    </li>
  )
  return (
    <fieldset>
      <legend>Protocol</legend>
      <ul class="plain">
        {option('saml', 'SAML 2.0', 'metadata URL or XML, or the fields by hand (Okta, Entra ID, ADFS, Google, Keycloak, Shibboleth, …)')}
        {option('oidc', 'OpenID Connect', 'an issuer, a client ID and secret (Entra ID, Google Workspace, Okta, Keycloak, Auth0, JumpCloud, …)')}
      </ul>
    </fieldset>
  )
}

/** The values an OIDC provider's app registration needs, and where each product's guide is. */
function OidcSetup(props: { setup: OidcSetupValues }) {
  return (
    <fieldset>
      <legend>Values for the provider</legend>
      <p class="muted">
        Register a web application at the customer's provider with these values. The redirect URI names this IdP by its slug (SLUG until you choose one): each
        IdP has its own. Step by step for Entra ID, Google Workspace, Okta and Keycloak: docs/oidc.md in the gateway's repository.
      </p>
      <div class="grid2">
        <Copyable label="Redirect URI (sign-in redirect / callback URL)" value={props.setup.redirectUri} name="redirect-uri" />
        <Copyable label="Post-logout redirect URI (sign-out redirect)" value={props.setup.postLogoutRedirectUri} name="post-logout-uri" />
        <Copyable label="Gateway JWKS URL (for private_key_jwt)" value={props.setup.certsUrl} name="certs" />
        {props.setup.loginUrl ? <Copyable label="Sign-in link for this IdP" value={props.setup.loginUrl} name="login" /> : null}
      </div>
      <ul class="muted">
        <li>Entra ID: use the tenant-specific issuer https://login.microsoftonline.com/&lt;tenant ID&gt;/v2.0, and add the optional claim xms_edov.</li>
        <li>Google Workspace: issuer https://accounts.google.com; only accounts whose hosted domain is verified for the organization get in.</li>
        <li>Okta: the org or authorization server URL exactly as its discovery document states it.</li>
        <li>Keycloak: https://&lt;host&gt;/realms/&lt;realm&gt;; users need "Email verified".</li>
      </ul>
    </fieldset>
  )
}

/** The OIDC fields: issuer, client, scopes, token endpoint authentication. */
function OidcFields(props: { values: IdpFormProps['values']; errors: Record<string, string>; hasClientSecret: boolean }) {
  const v = props.values
  const e = props.errors
  const auth = String(v.tokenEndpointAuth ?? 'client_secret_basic')
  return (
    <>
      <input type="hidden" name="protocol" value="oidc" />
      <Field
        name="issuer"
        label="Issuer"
        type="url"
        value={v.issuer}
        error={e.issuer}
        required
        hint="Exactly as the provider states it. The gateway reads <issuer>/.well-known/openid-configuration now and every day."
      />
      <div class="grid2">
        <Field name="clientId" label="Client ID" value={v.clientId} error={e.clientId} required />
        <div>
          <label for="f-clientSecret">Client secret</label>
          <input
            id="f-clientSecret"
            name="clientSecret"
            type="password"
            autocomplete="new-password"
            aria-invalid={e.clientSecret ? 'true' : undefined}
            aria-describedby="h-clientSecret"
          />
          <p class="muted" id="h-clientSecret">
            {props.hasClientSecret
              ? 'A secret is stored; it is never shown. Leave empty to keep it, or type a new one to replace it.'
              : 'Stored sealed and never shown again. Not needed with private_key_jwt.'}
          </p>
          {e.clientSecret ? <p class="field-error">{e.clientSecret}</p> : null}
        </div>
      </div>
      <div class="grid2">
        <Field name="scopes" label="Scopes" value={v.scopes ?? 'openid email profile'} error={e.scopes} hint="Space-separated; openid is required." />
        <div>
          <label for="f-tokenEndpointAuth">Client authentication</label>
          <select id="f-tokenEndpointAuth" name="tokenEndpointAuth">
            {(['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const).map((m) => (
              <option value={m} selected={auth === m}>
                {m}
              </option>
            ))}
          </select>
          <p class="muted">private_key_jwt signs with the gateway's key in /sso/certs (no secret).</p>
          {e.tokenEndpointAuth ? <p class="field-error">{e.tokenEndpointAuth}</p> : null}
        </div>
      </div>
    </>
  )
}

/** The entity chosen from an aggregate, kept for the next submit (e.g. with "Import anyway"); cleared, the document's only IdP is taken. */
function ChosenEntity(props: { entityId: string; error?: string | undefined }) {
  return (
    <div>
      <label for="f-importEntityId">Identity provider in this metadata (entity ID)</label>
      <input id="f-importEntityId" name="entityId" type="text" value={props.entityId} aria-invalid={props.error ? 'true' : undefined} />
      {props.error ? (
        <p class="field-error" data-error-for="entityId">
          {props.error}
        </p>
      ) : null}
    </div>
  )
}

/** Import from a metadata URL or pasted XML; after a refusal, the entity picker or the "Import anyway" box where they help. */
function ImportForm(props: IdpFormProps) {
  const e = props.errors
  const v = props.importValues
  return (
    <form method="post" action="/sso/admin/idps/import" novalidate>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <fieldset>
        <legend>Import from metadata</legend>
        <p class="muted">
          Okta: app → Sign On → "Identity Provider metadata". Entra ID: Enterprise app → SAML → "App Federation Metadata Url". ADFS:
          https://&lt;host&gt;/FederationMetadata/2007-06/FederationMetadata.xml.
        </p>
        <Field
          name="metadataUrl"
          label="Metadata URL"
          type="url"
          value={v?.metadataUrl}
          error={e.metadataUrl}
          hint="Fetched now and re-read daily (certificate rollover)."
        />
        <Field
          name="metadataXml"
          label="…or paste the metadata XML"
          textarea
          rows={6}
          value={v?.metadataXml}
          error={e.metadataXml ?? (props.entityChoices || v?.entityId ? undefined : e.importEntityId)}
        />
        {props.entityChoices ? (
          <EntityPicker choices={props.entityChoices} selected={v?.entityId} error={e.importEntityId} />
        ) : v?.entityId ? (
          <ChosenEntity entityId={v.entityId} error={e.importEntityId} />
        ) : null}
        {props.conflict?.form === 'import' ? <ConflictLink idp={props.conflict} /> : null}
        <Field name="importName" label="Display name (optional)" value={v?.name} error={e.name} />
        {props.offerImportAnyway ? (
          <div>
            <Check name="importAnyway" label="Import anyway" checked={false} hint="keep the expired metadata and its certificates as they are" />
            {e.importAnyway ? (
              <p class="field-error" data-error-for="importAnyway">
                {e.importAnyway}
              </p>
            ) : null}
          </div>
        ) : null}
        <p>
          <button class="btn" type="submit" data-testid="import-submit">
            Import
          </button>
        </p>
      </fieldset>
    </form>
  )
}

/** One input per identity field for attributeMap (SAML attribute names) or claimsMap (OIDC claim names). */
function NameMapFields(props: { field: 'attributeMap' | 'claimsMap'; noun: string; values: Partial<Record<string, string>>; errors: Record<string, string> }) {
  const e = props.errors
  return (
    <div class="grid2">
      {(['email', 'firstName', 'lastName', 'displayName', 'groups'] as const).map((f) => (
        <Field
          name={`${props.field}.${f}`}
          label={`${f} ${props.noun}`}
          value={props.values[f]}
          error={e[`${props.field}.${f}`] ?? (f === 'email' ? e[props.field] : undefined)}
        />
      ))}
    </div>
  )
}

/** Test first: a draft says why it is hidden; every IdP page starts with its Test button. */
function TestAtTop(props: { idpId: string; csrf: string; draft: boolean; enabled: boolean }) {
  return (
    <div class={props.draft ? 'callout' : ''} role={props.draft ? 'status' : undefined} data-testid="test-top">
      {props.draft ? (
        <p>
          <strong>Draft.</strong> Customers cannot see or use this IdP until a test sign-in passes; then enable it.
        </p>
      ) : null}
      <form method="post" action={`/sso/admin/idps/${props.idpId}/test`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button class={`btn ${props.draft ? '' : 'secondary'}`} type="submit">
          Test sign-in
        </button>
      </form>
    </div>
  )
}

export function IdpFormPage(props: IdpFormProps) {
  const v = props.values
  const e = props.errors
  const editing = Boolean(props.idpId)
  const oidc = props.protocol === 'oidc'
  const map = v.attributeMap ?? {}
  const claims = v.claimsMap ?? {}
  return (
    <AdminLayout {...props} title={editing ? `Edit ${v.name ?? 'identity provider'}` : 'Add identity provider'} active="idps">
      {editing ? null : <ProtocolChoice protocol={props.protocol} />}
      {editing ? <TestAtTop idpId={props.idpId!} csrf={props.csrf} draft={props.draft ?? false} enabled={v.enabled ?? false} /> : null}
      {oidc ? <OidcSetup setup={props.oidcSetup} /> : null}
      {props.setup && !oidc ? (
        <fieldset>
          <legend>Values for the IdP side</legend>
          <p class="muted">Enter these in the SAML app you create at the customer's IdP (Okta: "SAML Settings"; Entra ID: "Basic SAML Configuration").</p>
          <div class="grid2">
            <Copyable label="ACS URL (Single sign-on URL / Reply URL)" value={props.setup.acsUrl} name="acs" />
            <Copyable label="SP entity ID (Audience URI / Identifier)" value={props.setup.spEntityId} name="entity" />
            <Copyable label="SP metadata URL" value={props.setup.metadataUrl} name="metadata" />
            <Copyable label="Single logout URL" value={props.setup.sloUrl} name="slo" />
            <Copyable label="Sign-in link for this IdP (Relay state / start URL)" value={props.setup.loginUrl} name="login" />
            <Copyable label="NameID format" value={String(v.nameIdFormat || 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress')} name="nameid" />
          </div>
          <p class="muted">
            Attribute statements: send <code>{map.email || 'email'}</code>, <code>{map.firstName || 'firstName'}</code>,{' '}
            <code>{map.lastName || 'lastName'}</code> and, for group rules, <code>{map.groups || 'groups'}</code>.
          </p>
        </fieldset>
      ) : null}
      {!editing && !oidc ? <ImportForm {...props} /> : null}
      <form method="post" action={editing ? `/sso/admin/idps/${props.idpId}` : '/sso/admin/idps'} novalidate>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <fieldset>
          <legend>Identity provider</legend>
          <div class="grid2">
            <Field name="name" label="Display name" value={v.name} error={e.name} required hint="Shown on the sign-in page, e.g. “Acme Corp”." />
            <Field
              name="slug"
              label="Slug"
              value={v.slug}
              error={e.slug}
              readonly={editing}
              hint={
                editing
                  ? "Fixed: every user's subject is slug:NameID in the portal and the helpdesks. It is never given to another IdP, even after this one is deleted."
                  : "Used in links (/sso/login?idp=…) and in every user's subject (slug:NameID). It cannot change later. Derived from the name when empty."
              }
            />
          </div>
          {props.conflict?.form === 'idp' && props.conflict.field === 'slug' ? <ConflictLink idp={props.conflict} /> : null}
          <div>
            <label for="f-organizationId">Organization</label>
            <select id="f-organizationId" name="organizationId" aria-invalid={e.organizationId ? 'true' : undefined}>
              {editing ? null : <option value="">A new organization named after this IdP</option>}
              {props.organizations.map((o) => (
                <option value={o.id} selected={v.organizationId === o.id}>
                  {o.name}
                </option>
              ))}
            </select>
            <p class="muted">This IdP may sign users in only with email addresses in the organization's verified domains.</p>
            {e.organizationId ? <p class="field-error">{e.organizationId}</p> : null}
          </div>
          {oidc ? <OidcFields values={v} errors={e} hasClientSecret={props.hasClientSecret ?? false} /> : null}
        </fieldset>
        {oidc ? null : (
          <fieldset>
            <legend>SAML</legend>
            <Field name="entityId" label="IdP entity ID (Issuer)" value={v.entityId} error={e.entityId} required />
            {props.conflict?.form === 'idp' && props.conflict.field === 'entityId' ? <ConflictLink idp={props.conflict} /> : null}
            <div class="grid2">
              <Field name="ssoUrl" label="Single sign-on URL" type="url" value={v.ssoUrl} error={e.ssoUrl} required />
              <div>
                <label for="f-ssoBinding">Binding</label>
                <select id="f-ssoBinding" name="ssoBinding">
                  <option value="redirect" selected={v.ssoBinding !== 'post'}>
                    HTTP-Redirect
                  </option>
                  <option value="post" selected={v.ssoBinding === 'post'}>
                    HTTP-POST
                  </option>
                </select>
                {e.ssoBinding ? <p class="field-error">{e.ssoBinding}</p> : null}
              </div>
            </div>
            <Field name="sloUrl" label="Single logout URL (optional)" type="url" value={v.sloUrl} error={e.sloUrl} />
            <Field
              name="certificates"
              label="Signing certificates (PEM; several during a rollover)"
              textarea
              rows={8}
              value={v.certificates}
              error={e.certificates}
              hint="Paste one or more -----BEGIN CERTIFICATE----- blocks, or base64 DER separated by blank lines."
            />
            {props.certificateInfo?.length ? (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Subject</th>
                    <th scope="col">SHA-256 fingerprint</th>
                    <th scope="col">Valid until</th>
                  </tr>
                </thead>
                <tbody>
                  {props.certificateInfo.map((c) => (
                    <tr>
                      <td>{c.subject}</td>
                      <td>
                        <code>{c.fingerprintSha256}</code>
                      </td>
                      <td>
                        {c.notAfter.slice(0, 10)} {c.warning ? <span class="tag warn">{c.warning}</span> : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            <Field
              name="metadataSigningCertificate"
              label="Metadata signing certificate (optional)"
              textarea
              rows={4}
              value={v.metadataSigningCertificate}
              error={e.metadataSigningCertificate}
              hint="The certificate the IdP or its federation signs its metadata with, obtained from them directly. When set, an import or refresh from the metadata URL is refused unless the metadata is signed with it."
            />
          </fieldset>
        )}
        <fieldset>
          <legend>Who signs in here</legend>
          <Field
            name="emailDomains"
            label="Email domains"
            value={v.emailDomains}
            error={e.emailDomains}
            hint="Comma or line separated. Claimed for its organization (verify them there); users typing such an email are sent to this IdP."
            textarea
            rows={2}
          />
          <Field
            name="allowedGroups"
            label="Allowed groups"
            value={v.allowedGroups}
            error={e.allowedGroups}
            hint="One group per line. Empty: everyone this IdP signs in. Otherwise only members of one of these groups."
            textarea
            rows={2}
          />
          {props.draft ? (
            <p class="muted" data-testid="draft-note">
              Enabled: not yet. {editing ? 'This IdP is a draft' : 'A new IdP starts as a draft'}, hidden from customers until a test sign-in passes.
            </p>
          ) : (
            <Check name="enabled" label="Enabled" checked={v.enabled ?? false} />
          )}
          <Check name="showOnSelection" label="Show on the sign-in page" checked={v.showOnSelection ?? true} />
          <Check name="isDefault" label="Default IdP" checked={v.isDefault ?? false} hint="the sign-in page redirects straight to it" />
        </fieldset>
        {oidc ? (
          <fieldset>
            <legend>Claims</legend>
            <p class="muted">Empty: email, given_name, family_name, name, groups. An email counts only with email_verified true (Entra ID: xms_edov).</p>
            <NameMapFields field="claimsMap" noun="claim" values={claims} errors={e} />
          </fieldset>
        ) : (
          <fieldset>
            <legend>Attribute mapping</legend>
            <label for="f-preset">Preset</label>
            <select id="f-preset" name="preset">
              <option value="">Keep the fields below</option>
              {props.presets.map((p) => (
                <option value={p.key}>{p.label}</option>
              ))}
            </select>
            <p class="muted">
              A preset fills the fields below that are empty. Empty fields fall back to the common names of Okta, Entra ID, ADFS, Google and LDAP.
            </p>
            <NameMapFields field="attributeMap" noun="attribute" values={map} errors={e} />
          </fieldset>
        )}
        <fieldset>
          <legend>Security</legend>
          {oidc ? null : (
            <>
              <Check
                name="wantAssertionsSigned"
                label="Require signed assertions"
                checked={v.wantAssertionsSigned ?? false}
                hint="refuse a response whose assertion is not signed itself, even inside a signed response"
              />
              <Check name="signAuthnRequests" label="Sign AuthnRequests" checked={v.signAuthnRequests ?? false} />
              <Check
                name="allowIdpInitiated"
                label="Allow IdP-initiated sign-in"
                checked={v.allowIdpInitiated ?? false}
                hint="unsolicited responses from the IdP's app dashboard"
              />
              <Check name="allowSha1" label="Allow SHA-1 signatures" checked={v.allowSha1 ?? false} hint="only for old IdPs that cannot sign with SHA-256" />
            </>
          )}
          <div class="grid2">
            <Field
              name="clockSkewSeconds"
              label="Clock skew (seconds)"
              type="number"
              value={v.clockSkewSeconds}
              error={e.clockSkewSeconds}
              hint={`Empty: the gateway default from Settings (now ${props.gatewayClockSkewSeconds} s).`}
            />
            {oidc ? null : <Field name="nameIdFormat" label="NameID format (optional)" value={v.nameIdFormat} error={e.nameIdFormat} />}
          </div>
          <Field name="logoUrl" label="Logo URL (optional)" type="url" value={v.logoUrl} error={e.logoUrl} />
        </fieldset>
        <p>
          <button class="btn" type="submit">
            {editing ? 'Save changes' : 'Add identity provider'}
          </button>{' '}
          <a class="btn secondary" href="/sso/admin/idps">
            Cancel
          </a>
        </p>
      </form>
      {editing && (props.metadataUrl || oidc) ? (
        <form method="post" action={`/sso/admin/idps/${props.idpId}/refresh`}>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <button class="btn secondary" type="submit">
            {oidc ? 'Refresh from discovery' : 'Refresh from metadata URL'}
          </button>{' '}
          <span class="muted">{oidc ? `${String(v.issuer ?? '')}/.well-known/openid-configuration` : props.metadataUrl}</span>
        </form>
      ) : null}
      {editing ? (
        <form method="post" action={`/sso/admin/idps/${props.idpId}/test`}>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <button class="btn secondary" type="submit" data-testid="test-connection">
            Test connection
          </button>{' '}
          <span class="muted">Signs in at the IdP and shows what came back, without creating a portal session.</span>
        </form>
      ) : null}
      {editing ? (
        <form method="post" action={`/sso/admin/idps/${props.idpId}/sessions/revoke`}>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <label class="check">
            <input type="checkbox" name="confirm" value="yes" required /> Sign out every user of this IdP
          </label>{' '}
          <button class="btn danger" type="submit" data-testid="revoke-idp-sessions">
            Revoke its sessions
          </button>
        </form>
      ) : null}
      {editing ? (
        <form method="post" action={`/sso/admin/idps/${props.idpId}/delete`}>
          <input type="hidden" name="_csrf" value={props.csrf} />
          <label class="check">
            <input type="checkbox" name="confirm" value="yes" required /> Delete it: its users are signed out and can no longer sign in here, and its slug is
            never used again
          </label>{' '}
          <button class="btn danger" type="submit" data-testid="delete-idp">
            Delete this IdP
          </button>
        </form>
      ) : null}
    </AdminLayout>
  )
}
