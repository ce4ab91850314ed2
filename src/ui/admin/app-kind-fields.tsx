/**
 * The fields of each kind of helpdesk app on the console's app form: Zendesk's JWT settings,
 * Freshworks' redirect URLs, and a SAML helpdesk by values (what Atlassian Guard shows: SP entity
 * ID and ACS URL), with its certificate, NameID format and attribute choices. Errors sit at their
 * fields; the labels' hints name the field as each helpdesk does.
 */
import type { AppFormValues } from '../../admin/app-fields'
import { Check, Field } from './layout'

const ATTRIBUTE_PROFILES: [string, string][] = [
  ['basic', 'basic: email, firstName, lastName, displayName, groups'],
  ['jsm', 'jsm: Jira Service Management (Atlassian Guard)'],
  ['zendesk', 'zendesk: Zendesk over SAML'],
  ['zammad', 'zammad: Zammad'],
  ['freshdesk', 'freshdesk: Freshdesk over SAML'],
  ['uri', 'uri: urn:oid names (Shibboleth, pysaml2, mod_auth_mellon)'],
]

/** A labelled select with its error, tied together for screen readers. */
function Select(props: { name: string; label: string; value: string | undefined; options: [string, string][]; error?: string | undefined; hint?: string }) {
  const id = `f-${props.name}`
  const describedBy = [props.error ? `${id}-error` : '', props.hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined
  return (
    <div>
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} aria-invalid={props.error ? 'true' : undefined} aria-describedby={describedBy}>
        {props.options.map(([value, label]) => (
          <option value={value} selected={props.value === value}>
            {label}
          </option>
        ))}
      </select>
      {props.hint ? (
        <p class="muted" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      {props.error ? (
        <p class="field-error" id={`${id}-error`} data-error-for={props.name}>
          {props.error}
        </p>
      ) : null}
    </div>
  )
}

export function ZendeskFields(props: { values: AppFormValues; errors: Record<string, string>; editing: boolean }) {
  const v = props.values
  const e = props.errors
  return (
    <fieldset>
      <legend>Zendesk</legend>
      <div class="grid2">
        <Field name="subdomain" label="Zendesk subdomain" value={v.subdomain} error={e.subdomain} required hint="acme for https://acme.zendesk.com." />
        <Field
          name="baseUrl"
          label="Host-mapped help center URL (optional)"
          type="url"
          value={v.baseUrl}
          error={e.baseUrl}
          hint="e.g. https://help.acme.com, when the help center has its own host."
        />
      </div>
      {props.editing ? null : (
        <Field
          name="sharedSecret"
          label="Shared secret"
          type="password"
          autocomplete="off"
          required
          error={e.sharedSecret}
          hint="The shared secret Zendesk shows on its JSON Web Token configuration. Stored sealed and never shown again."
        />
      )}
      <Select
        name="externalIdFrom"
        label="external_id"
        value={v.externalIdFrom}
        error={e.externalIdFrom}
        options={[
          ['nameId', 'the user’s subject, <idp slug>:<NameID> (stable per IdP)'],
          ['none', 'not sent'],
        ]}
      />
      <Check name="tagsFromGroups" label="Send the user’s groups as Zendesk tags" checked={v.tagsFromGroups ?? false} />
      <Field
        name="userFields"
        label="User fields (optional)"
        textarea
        rows={3}
        value={v.userFields}
        error={e.userFields}
        hint="One per line: zendesk_field_key = idp, subject, groups or organization."
      />
    </fieldset>
  )
}

export function FreshworksFields(props: { values: AppFormValues; errors: Record<string, string> }) {
  return (
    <fieldset>
      <legend>Freshworks</legend>
      <Field
        name="redirectUris"
        label="Redirect URLs"
        textarea
        rows={3}
        value={props.values.redirectUris}
        error={props.errors.redirectUris}
        required
        hint="The Redirect URL Freshworks shows on its JWT settings, one per line (1 to 10). The gateway sends tokens to these URLs only."
      />
    </fieldset>
  )
}

export function SamlFields(props: { values: AppFormValues; errors: Record<string, string> }) {
  const v = props.values
  const e = props.errors
  const names = v.attributeNames ?? {}
  return (
    <>
      <fieldset>
        <legend>The helpdesk as a SAML service provider</legend>
        <Field
          name="entityId"
          label="SP entity ID"
          value={v.entityId}
          error={e.entityId}
          required
          hint="Atlassian Guard: Service provider entity URL. Zendesk: https://<subdomain>.zendesk.com. Freshworks: the Entity ID on its SAML page."
        />
        <Field
          name="acsUrl"
          label="ACS URL"
          type="url"
          value={v.acsUrl}
          error={e.acsUrl}
          required
          hint="Atlassian Guard: Service provider assertion consumer service URL. Zendesk: https://<subdomain>.zendesk.com/access/saml."
        />
        <Field
          name="certificates"
          label="SP signing certificate (optional)"
          textarea
          rows={4}
          value={v.certificates}
          error={e.certificates}
          hint="When set, the helpdesk's AuthnRequests must be signed with it; unsigned ones are refused. PEM, one or more."
        />
        <div class="grid2">
          <Select
            name="nameIdFormat"
            label="NameID format"
            value={v.nameIdFormat}
            error={e.nameIdFormat}
            options={[
              ['email', 'email address (Jira Service Management, Zendesk, Freshworks)'],
              ['persistent', 'persistent: opaque, stable, per app'],
            ]}
          />
          <Select name="attributeProfile" label="Attribute names" value={v.attributeProfile} error={e.attributeProfile} options={ATTRIBUTE_PROFILES} />
        </div>
        <Check name="signResponse" label="Sign the Response too" checked={v.signResponse ?? true} hint="the assertion is always signed" />
      </fieldset>
      <fieldset>
        <legend>Attribute renames (optional)</legend>
        <p class="muted">Empty: the name the profile above gives. A dash (-): do not send this attribute.</p>
        <div class="grid2">
          {Object.keys(names).map((f) => (
            <Field name={`attr-${f}`} label={`${f} attribute`} value={names[f]} error={e[`attr-${f}`]} />
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Logout and encryption (optional)</legend>
        <div class="grid2">
          <Field name="sloUrl" label="SP single logout URL" type="url" value={v.sloUrl} error={e.sloUrl} />
          <Select
            name="sloBinding"
            label="Its binding"
            value={v.sloBinding}
            error={e.sloBinding}
            options={[
              ['redirect', 'HTTP-Redirect'],
              ['post', 'HTTP-POST'],
            ]}
          />
        </div>
        <Check name="encryptAssertions" label="Encrypt assertions" checked={v.encryptAssertions ?? false} hint="needs the SP's encryption certificate" />
        <Field
          name="encryptionCertificate"
          label="SP encryption certificate"
          textarea
          rows={4}
          value={v.encryptionCertificate}
          error={e.encryptionCertificate}
        />
        <Select
          name="encryptionAlgorithm"
          label="Encryption algorithm"
          value={v.encryptionAlgorithm}
          error={e.encryptionAlgorithm}
          options={[
            ['aes256-gcm', 'AES-256-GCM'],
            ['aes256-cbc', 'AES-256-CBC (SPs without GCM)'],
          ]}
        />
      </fieldset>
    </>
  )
}
