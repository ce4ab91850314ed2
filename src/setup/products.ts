/**
 * The IdP products a customer's IT can pick on a setup link, each with its step-by-step
 * instructions. Steps name the values to paste by key (acsUrl, entityId, metadataUrl,
 * redirectUri, postLogoutUri), which the page shows with copy buttons; `preset` is the
 * attribute-map preset (admin/attribute-presets.ts) applied to the IdP it creates.
 */
export type SetupValueKey = 'acsUrl' | 'entityId' | 'metadataUrl' | 'sloUrl' | 'redirectUri' | 'postLogoutUri'

export interface SetupProduct {
  key: string
  label: string
  protocol: 'saml' | 'oidc'
  preset: string | null
  /** Each step: text, and the values it asks to paste. */
  steps: { text: string; values?: SetupValueKey[] }[]
  /** Where the IdP's metadata (SAML) or issuer (OIDC) is found. */
  source: string
}

const SAML_VALUES: SetupValueKey[] = ['acsUrl', 'entityId']

export const SETUP_PRODUCTS: SetupProduct[] = [
  {
    key: 'okta',
    label: 'Okta',
    protocol: 'saml',
    preset: 'okta',
    steps: [
      { text: 'In the Okta Admin Console, open Applications → Create App Integration → SAML 2.0.' },
      { text: 'Single sign-on URL and Audience URI (SP Entity ID):', values: SAML_VALUES },
      { text: 'Name ID format: EmailAddress. Attribute statements: email, firstName, lastName; a group attribute statement "groups" if you use groups.' },
      { text: 'Assign the app to the people who should reach the support portal.' },
    ],
    source: 'Sign On tab → "Metadata URL".',
  },
  {
    key: 'entra',
    label: 'Microsoft Entra ID (Azure AD)',
    protocol: 'saml',
    preset: 'entra',
    steps: [
      { text: 'In the Entra admin center, open Enterprise applications → New application → Create your own application → "Integrate any other application".' },
      { text: 'Single sign-on → SAML. Identifier (Entity ID) and Reply URL (Assertion Consumer Service URL):', values: SAML_VALUES },
      { text: 'Keep the default claims (they include the email address); add a group claim if you use groups.' },
      { text: 'Assign users or groups under "Users and groups".' },
    ],
    source: 'SAML Certificates → "App Federation Metadata Url".',
  },
  {
    key: 'google',
    label: 'Google Workspace',
    protocol: 'saml',
    preset: 'google',
    steps: [
      { text: 'In the Google Admin console, open Apps → Web and mobile apps → Add app → Add custom SAML app.' },
      { text: 'ACS URL and Entity ID:', values: SAML_VALUES },
      { text: 'Name ID: Basic Information > Primary email. Attribute mapping: Primary email → email, First name → firstName, Last name → lastName.' },
      { text: 'Turn the app ON for the organizational units that need the portal.' },
    ],
    source: 'Step "Google Identity Provider details": download the metadata and upload it below.',
  },
  {
    key: 'adfs',
    label: 'ADFS',
    protocol: 'saml',
    preset: 'adfs',
    steps: [
      { text: 'In AD FS Management, add a Relying Party Trust from the metadata URL:', values: ['metadataUrl'] },
      {
        text: 'Claim issuance policy: send LDAP attributes E-Mail-Addresses → E-Mail Address, Given-Name → Given Name, Surname → Surname; transform E-Mail Address into Name ID (Email).',
      },
    ],
    source: 'https://<your ADFS host>/FederationMetadata/2007-06/FederationMetadata.xml',
  },
  {
    key: 'onelogin',
    label: 'OneLogin',
    protocol: 'saml',
    preset: null,
    steps: [
      { text: 'In OneLogin, add the app "SAML Custom Connector (Advanced)".' },
      { text: 'Audience (EntityID) and ACS (Consumer) URL (also the ACS URL Validator):', values: SAML_VALUES },
      { text: 'SAML nameID format: Email. Parameters: email, firstName, lastName (include in SAML assertion).' },
    ],
    source: 'More Actions → SAML Metadata (download it and upload it below, or copy its "Issuer URL").',
  },
  {
    key: 'jumpcloud',
    label: 'JumpCloud',
    protocol: 'saml',
    preset: null,
    steps: [
      { text: 'In the JumpCloud Admin Portal, open SSO Applications → Add New Application → Custom SAML App.' },
      { text: 'IdP Entity ID: any value unique to your JumpCloud org (for example your company domain). SP Entity ID and ACS URL:', values: SAML_VALUES },
      { text: 'SAMLSubject NameID: email. Attributes: email, firstName, lastName; enable "Include group attribute" named groups if you use groups.' },
    ],
    source: '"Copy Metadata URL" (the gateway then re-reads it daily), or Export Metadata and upload the file below.',
  },
  {
    key: 'ping',
    label: 'PingFederate / PingOne',
    protocol: 'saml',
    preset: null,
    steps: [
      { text: 'Add a SAML application (PingOne: Applications → Add Application → SAML) by importing our metadata:', values: ['metadataUrl'] },
      { text: 'Or enter the ACS URL and Entity ID:', values: SAML_VALUES },
      { text: 'Subject: email address. Attribute mapping: email, firstName, lastName.' },
    ],
    source: 'The application\'s "IdP Metadata URL" (PingOne) or the exported metadata (PingFederate).',
  },
  {
    key: 'keycloak',
    label: 'Keycloak',
    protocol: 'saml',
    preset: null,
    steps: [
      { text: 'In your realm, open Clients → Import client, and import our SP metadata:', values: ['metadataUrl'] },
      { text: 'Add mappers for email, firstName (givenName) and lastName (surname) as SAML attributes; Name ID format email.' },
    ],
    source: 'https://<keycloak host>/realms/<realm>/protocol/saml/descriptor',
  },
  {
    key: 'auth0',
    label: 'Auth0',
    protocol: 'saml',
    preset: null,
    steps: [
      { text: 'In Auth0, create a Regular Web Application, then Addons → SAML2 Web App. Application Callback URL:', values: ['acsUrl'] },
      {
        text: 'Settings: { "audience": "<SP entity ID>", "nameIdentifierFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" }',
        values: ['entityId'],
      },
    ],
    source: 'Addons → SAML2 Web App → Usage → "Identity Provider Metadata".',
  },
  {
    key: 'oidc',
    label: 'OpenID Connect (Entra ID, Google, Okta, Keycloak, …)',
    protocol: 'oidc',
    preset: null,
    steps: [
      {
        text: 'Register a web application (confidential client) at your provider. Redirect URI and post-logout redirect URI:',
        values: ['redirectUri', 'postLogoutUri'],
      },
      { text: 'Scopes: openid email profile. Make sure email addresses are marked verified (Entra ID: the optional claim xms_edov).' },
    ],
    source: "Your provider's issuer URL (Entra ID: https://login.microsoftonline.com/<tenant ID>/v2.0).",
  },
  {
    key: 'saml',
    label: 'Another SAML 2.0 IdP',
    protocol: 'saml',
    preset: null,
    steps: [
      { text: 'Create a SAML 2.0 service provider with our metadata, or these values:', values: ['metadataUrl', 'acsUrl', 'entityId'] },
      { text: 'Send the email address as NameID or as an attribute "email"; also firstName, lastName, and groups if you use groups.' },
    ],
    source: "Your IdP's metadata URL or file.",
  },
]

export function setupProduct(key: string | undefined): SetupProduct | null {
  return SETUP_PRODUCTS.find((p) => p.key === key) ?? null
}
