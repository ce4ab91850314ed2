// Dev-only demo SAML 2.0 identity providers ("Okta" and "Entra ID" look-alikes) for `npm start` and
// the browser tests. Never deployed, never imported by src/. node:http + node:crypto only; the key
// pair comes from the openssl CLI once per kind and is reused (<repo>/.wrangler/demo-idps/<kind>/).
//
// Endpoints (all under the IdP's own origin, e.g. http://localhost:8811):
//   GET  /           a small index page
//   GET  /metadata   IdP metadata (EntityDescriptor / IDPSSODescriptor)
//   GET  /sso        AuthnRequest, HTTP-Redirect binding (SAMLRequest = base64 raw DEFLATE)
//   POST /sso        AuthnRequest, HTTP-POST binding (SAMLRequest = base64 XML)
//   POST /sso/continue  the sign-in page's buttons: answers with an auto-posting SAMLResponse form
//   GET|POST /slo    LogoutRequest → LogoutResponse (Success) to <spOrigin>/sso/slo, HTTP-Redirect
//
// Signing: enveloped XML-DSig, RSA-SHA256, SHA-256 digest, exclusive C14N. The XML is generated
// directly in exclusive canonical form (see renderC14n), so the digest is SHA-256 over exactly the
// bytes of the signed element as sent (minus its Signature) and no canonicalizer is needed here.
import { execFileSync } from 'node:child_process'
import { createHmac, createPrivateKey, createSign, randomBytes, timingSafeEqual, X509Certificate, createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, chmodSync } from 'node:fs'
import { createServer } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateRawSync, inflateRawSync } from 'node:zlib'

/** @import { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http' */
/** @import { AddressInfo } from 'node:net' */

/**
 * @typedef {'okta' | 'entra'} DemoKind
 * @typedef {{ email: string, firstName: string, lastName: string, displayName?: string, objectId?: string, groups: string[], note?: string }} DemoUserDef
 *   A demo user as defined in DEMO_KINDS (displayName and objectId: Entra only; note: shown on the picker).
 * @typedef {DemoUserDef & { displayName: string }} DemoUser A demo user as a running IdP offers it.
 * @typedef {object} DemoKindDef
 * @property {string} label
 * @property {string} org
 * @property {string} name
 * @property {string} slug
 * @property {string[]} emailDomains
 * @property {string} subject
 * @property {() => string} entityId
 * @property {'redirect' | 'post'} ssoBinding
 * @property {Record<string, string>} attributeMap
 * @property {DemoUserDef[]} users
 * @typedef {{ privateKeyPem: string, certificatePem: string, certificateB64: string, created: boolean }} KeyPair
 * @typedef {{ id: string, acsUrl: string, spEntityId: string }} SamlRequestContext The AuthnRequest fields a Response needs.
 * @typedef {object} DemoIdp A running demo IdP (what startDemoIdp resolves to).
 * @property {DemoKind} kind
 * @property {string} name
 * @property {string} slug
 * @property {string} url
 * @property {number} port
 * @property {string} entityId
 * @property {string} certificatePem
 * @property {DemoUser[]} users
 * @property {() => Promise<void>} close
 * @typedef {Pick<DemoIdp, 'kind' | 'entityId' | 'url' | 'certificatePem'>} DemoIdpRegistration What registration needs of a demo IdP.
 */

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * The message of a caught error (everything caught in this file is an Error; anything else as text).
 * @param {unknown} err
 */
const messageOf = (err) => (err instanceof Error ? err.message : String(err))

// ---------------------------------------------------------------------------------------------
// Namespaces, algorithms, constants
// ---------------------------------------------------------------------------------------------
export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  ec: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  xs: 'http://www.w3.org/2001/XMLSchema',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
}
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#'
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature'
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256'
const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
}
const BINDING = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
}
const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'
const ATTRNAME_UNSPECIFIED = 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified'
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/'
const MS_CLAIMS = 'http://schemas.microsoft.com/identity/claims/'
export const ENTRA_CLAIMS = {
  email: `${CLAIMS}emailaddress`,
  firstName: `${CLAIMS}givenname`,
  lastName: `${CLAIMS}surname`,
  name: `${CLAIMS}name`,
  displayName: `${MS_CLAIMS}displayname`,
  groups: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups',
  tenantId: `${MS_CLAIMS}tenantid`,
  objectId: `${MS_CLAIMS}objectidentifier`,
  identityProvider: `${MS_CLAIMS}identityprovider`,
  authnMethods: 'http://schemas.microsoft.com/claims/authnmethodsreferences',
}
const ENTRA_TENANT = '5d3e2f1a-8b7c-4d6e-9f0a-1b2c3d4e5f60'
const MAX_BODY_BYTES = 512 * 1024
const MAX_INFLATED_BYTES = 512 * 1024
const MINUTE = 60_000

/**
 * The two demo IdPs. Entity IDs do not depend on the port, so a restart on another port keeps them.
 * @type {Record<DemoKind, DemoKindDef>}
 */
export const DEMO_KINDS = {
  okta: {
    label: 'Okta',
    org: 'Acme Corp',
    name: 'Acme Corp (Okta demo)',
    slug: 'acme-okta-demo',
    emailDomains: ['acme.example'],
    subject: '/CN=Demo Okta IdP/O=Acme Corp (demo)',
    entityId: () => 'http://www.okta.com/exkdemo0acme0okta01',
    ssoBinding: 'redirect',
    // Okta's attribute names are among the gateway's defaults: no attributeMap needed.
    attributeMap: {},
    users: [
      { email: 'jane@acme.example', firstName: 'Jane', lastName: 'Doe', groups: ['Everyone', 'Support-Agents'] },
      { email: 'bob@acme.example', firstName: 'Bob', lastName: 'Smith', groups: ['Everyone'] },
      {
        // A careless or hostile IdP admin: Acme's IdP asserting a Globex address. The gateway refuses it.
        email: 'mallory@globex.example',
        firstName: 'Mallory',
        lastName: 'Moss',
        groups: ['Everyone'],
        note: 'not an Acme address: the gateway refuses it (LOGIN_EMAIL_DOMAIN_MISMATCH)',
      },
    ],
  },
  entra: {
    label: 'Microsoft Entra ID',
    org: 'Globex',
    name: 'Globex (Entra ID demo)',
    slug: 'globex-entra-demo',
    emailDomains: ['globex.example'],
    subject: '/CN=Demo Entra ID IdP/O=Globex (demo)',
    entityId: () => `https://sts.windows.net/${ENTRA_TENANT}/`,
    ssoBinding: 'post',
    attributeMap: {
      email: ENTRA_CLAIMS.email,
      firstName: ENTRA_CLAIMS.firstName,
      lastName: ENTRA_CLAIMS.lastName,
      displayName: ENTRA_CLAIMS.displayName,
      groups: ENTRA_CLAIMS.groups,
    },
    users: [
      {
        email: 'carol@globex.example',
        firstName: 'Carol',
        lastName: 'Chen',
        displayName: 'Carol Chen',
        objectId: '0c1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5',
        groups: ['Globex-Support', 'Globex-All-Staff'],
      },
      {
        // No groups: Entra then sends no groups claim at all.
        email: 'dave@globex.example',
        firstName: 'Dave',
        lastName: 'Diaz',
        displayName: 'Dave Diaz',
        objectId: '6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c',
        groups: [],
      },
    ],
  },
}

/**
 * @param {string} kind
 * @returns {kind is DemoKind}
 */
const isDemoKind = (kind) => Object.hasOwn(DEMO_KINDS, kind)

// ---------------------------------------------------------------------------------------------
// Exclusive-canonical XML writer
// ---------------------------------------------------------------------------------------------
// Elements are { name, ns, attrs, children, inclusive }: `ns` = prefix → URI declared here ('' is
// the default namespace); `attrs` = qualified name → value (null/undefined dropped); `inclusive` =
// prefixes rendered even when not visibly utilized (exc-c14n InclusiveNamespaces PrefixList).
// renderC14n writes what Exclusive XML Canonicalization 1.0 would output for that tree taken as
// the apex: a declaration appears only where its prefix is visibly utilized (or inclusive) and no
// output ancestor rendered the same binding; declarations sorted (default first, then by prefix),
// attributes sorted by (namespace URI, local name); C14N escaping; explicit end tags. A declaration
// that exc-c14n would drop is a programming error here, not silently emitted.

/**
 * @typedef {{ name: string, ns: Record<string, string>, attrs: XAttrs, children: Array<XNode | string>, inclusive: string[] }} XNode
 * @typedef {Record<string, string | null | undefined>} XAttrs
 * @typedef {XNode | string | null | undefined | false} XChild A child for x(): empty values (null, undefined, false) are dropped.
 */

/** @type {Record<string, string>} */
const ATTR_PREFIX_NS = { xsi: NS.xsi, xml: 'http://www.w3.org/XML/1998/namespace' }

/**
 * @param {string} name
 * @param {Record<string, string> | null} ns
 * @param {XAttrs | null} attrs
 * @param {...(XChild | XChild[])} children (arrays are flattened)
 * @returns {XNode}
 */
function x(name, ns, attrs, ...children) {
  return {
    name,
    ns: { ...ns },
    attrs: { ...attrs },
    // (TypeScript's flat() typing keeps the array member type for depth Infinity, hence the declared guard.)
    children: children.flat(Infinity).filter(/** @returns {c is XNode | string} */ (c) => c !== null && c !== undefined && c !== false),
    inclusive: [],
  }
}

/** @param {string} a @param {string} b */
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0)
/** @param {string} qname */
const prefixOf = (qname) => (qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : '')
/** @param {string} qname */
const localOf = (qname) => (qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname)

/** @param {string} s */
function c14nText(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;')
}
/** @param {string} s */
function c14nAttr(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;')
}

/**
 * `rendered`: prefix → URI rendered by output ancestors ('' → '' means no default namespace).
 * @param {XNode} node
 * @param {Map<string, string>} [rendered]
 * @returns {string}
 */
export function renderC14n(node, rendered = new Map([['', '']])) {
  const attrs = Object.entries(node.attrs).filter(/** @returns {entry is [string, string]} */ (entry) => entry[1] !== null && entry[1] !== undefined)
  const utilized = new Set([prefixOf(node.name), ...attrs.map(([k]) => prefixOf(k)).filter((p) => p !== '')])
  const inScope = new Map(rendered)
  const decls = []
  for (const [prefix, uri] of Object.entries(node.ns).sort(([a], [b]) => cmp(a, b))) {
    if (!utilized.has(prefix) && !node.inclusive.includes(prefix)) {
      throw new Error(`demo-idp: xmlns${prefix ? `:${prefix}` : ''} on <${node.name}> would not survive exclusive C14N`)
    }
    if (rendered.get(prefix) === uri) continue
    decls.push(prefix ? ` xmlns:${prefix}="${c14nAttr(uri)}"` : ` xmlns="${c14nAttr(uri)}"`)
    inScope.set(prefix, uri)
  }
  const elementPrefix = prefixOf(node.name)
  if (elementPrefix && !inScope.has(elementPrefix)) throw new Error(`demo-idp: prefix ${elementPrefix} of <${node.name}> is not declared`)
  const sorted = attrs
    .map(([qname, value]) => {
      const prefix = prefixOf(qname)
      const uri = prefix ? (inScope.get(prefix) ?? ATTR_PREFIX_NS[prefix]) : ''
      if (uri === undefined) throw new Error(`demo-idp: attribute prefix ${prefix} is not declared`)
      return { qname, value, uri, local: localOf(qname) }
    })
    .sort((a, b) => cmp(a.uri, b.uri) || cmp(a.local, b.local))
  let out = `<${node.name}${decls.join('')}${sorted.map((a) => ` ${a.qname}="${c14nAttr(a.value)}"`).join('')}>`
  for (const child of node.children) out += typeof child === 'string' ? c14nText(child) : renderC14n(child, inScope)
  return `${out}</${node.name}>`
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/**
 * Loads (or creates once with the openssl CLI) this kind's RSA-2048 key and self-signed cert.
 * @param {DemoKind} kind
 * @param {string} [keyDir]
 * @returns {KeyPair}
 */
export function ensureKeyPair(kind, keyDir = join(repoRoot, '.wrangler', 'demo-idps', kind)) {
  const keyFile = join(keyDir, 'key.pem')
  const certFile = join(keyDir, 'cert.pem')
  const load = () => {
    const privateKeyPem = readFileSync(keyFile, 'utf8')
    const certificatePem = readFileSync(certFile, 'utf8').trim() + '\n'
    const cert = new X509Certificate(certificatePem)
    if (!cert.checkPrivateKey(createPrivateKey(privateKeyPem))) throw new Error('key and certificate do not match')
    if (new Date(cert.validTo).getTime() < Date.now() + 86_400_000) throw new Error('certificate expires within a day')
    return { privateKeyPem, certificatePem, certificateB64: pemBody(certificatePem), created: false }
  }
  if (existsSync(keyFile) && existsSync(certFile)) {
    try {
      return load()
    } catch (err) {
      console.warn(`demo-idp (${kind}): regenerating the key pair in ${keyDir}: ${messageOf(err)}`)
    }
  }
  mkdirSync(keyDir, { recursive: true, mode: 0o700 })
  // Two stacks starting at once may both generate: each pair is renamed into place whole-file, and
  // a reader that then finds a mixed pair (key of one, cert of the other) generates again.
  for (let attempt = 1; ; attempt++) {
    const tmp = randomBytes(6).toString('hex')
    const tmpKey = join(keyDir, `.key-${tmp}.pem`)
    const tmpCert = join(keyDir, `.cert-${tmp}.pem`)
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650', '-subj', DEMO_KINDS[kind].subject, '-keyout', tmpKey, '-out', tmpCert],
        { stdio: 'pipe' },
      )
      chmodSync(tmpKey, 0o600)
      renameSync(tmpKey, keyFile)
      renameSync(tmpCert, certFile)
    } catch (err) {
      rmSync(tmpKey, { force: true })
      rmSync(tmpCert, { force: true })
      if (err instanceof Error && 'code' in err && err.code === 'ENOENT')
        throw new Error('demo-idp: the openssl CLI is needed to create the demo IdP keys (apt-get install openssl)')
      const stderr = err instanceof Error && 'stderr' in err ? err.stderr : undefined // a Buffer from execFileSync
      throw new Error(`demo-idp: openssl failed: ${(stderr ? String(stderr) : '') || messageOf(err)}`)
    }
    try {
      return { ...load(), created: true }
    } catch (err) {
      if (attempt >= 3) throw err
    }
  }
}

/** @param {string} pem */
function pemBody(pem) {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '')
}

// ---------------------------------------------------------------------------------------------
// Signing
// ---------------------------------------------------------------------------------------------

const newId = () => `_${randomBytes(20).toString('hex')}`

/**
 * Enveloped signature over `node` (which must carry an ID and have its Issuer as first child):
 * digest over its exclusive canonical form, Signature inserted right after the Issuer.
 * `dsPrefix` 'ds' (Okta style) or '' (Entra style: default namespace on Signature).
 * @param {XNode} node
 * @param {{ privateKeyPem: string, certificateB64: string, dsPrefix?: string, inclusivePrefixes?: string[] }} options
 * @returns {XNode}
 */
function signEnveloped(node, { privateKeyPem, certificateB64, dsPrefix = 'ds', inclusivePrefixes = [] }) {
  const first = node.children[0]
  if (!node.attrs.ID || typeof first !== 'object' || localOf(first.name) !== 'Issuer')
    throw new Error('demo-idp: can only sign an element with an ID and a leading Issuer')
  const digest = createHash('sha256').update(renderC14n(node), 'utf8').digest('base64')
  /** @param {string} local */
  const d = (local) => (dsPrefix ? `${dsPrefix}:${local}` : local)
  const dsNs = { [dsPrefix]: NS.ds }
  const c14nTransform = x(
    d('Transform'),
    null,
    { Algorithm: EXC_C14N },
    inclusivePrefixes.length ? x('ec:InclusiveNamespaces', { ec: NS.ec }, { PrefixList: inclusivePrefixes.join(' ') }) : null,
  )
  // SignedInfo declares the ds namespace itself: rendered standalone (what gets signed) it carries
  // the declaration, exactly as exc-c14n renders it in the document; inside Signature it is elided.
  const signedInfo = x(
    d('SignedInfo'),
    dsNs,
    null,
    x(d('CanonicalizationMethod'), null, { Algorithm: EXC_C14N }),
    x(d('SignatureMethod'), null, { Algorithm: RSA_SHA256 }),
    x(
      d('Reference'),
      null,
      { URI: `#${node.attrs.ID}` },
      x(d('Transforms'), null, null, x(d('Transform'), null, { Algorithm: ENVELOPED }), c14nTransform),
      x(d('DigestMethod'), null, { Algorithm: SHA256 }),
      x(d('DigestValue'), null, null, digest),
    ),
  )
  const signatureValue = createSign('RSA-SHA256').update(renderC14n(signedInfo), 'utf8').sign(privateKeyPem, 'base64')
  const signature = x(
    d('Signature'),
    dsNs,
    null,
    signedInfo,
    x(d('SignatureValue'), null, null, signatureValue),
    x(d('KeyInfo'), null, null, x(d('X509Data'), null, null, x(d('X509Certificate'), null, null, certificateB64))),
  )
  node.children.splice(1, 0, signature)
  return node
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/**
 * The SAML Response for `user` (or, with `user` null, a Responder/AuthnFailed error response).
 * `request` = { id, acsUrl, spEntityId }. Returns { xml, responseId, assertionId, sessionIndex }.
 * @param {object} options
 * @param {DemoKind} options.kind
 * @param {string} options.entityId
 * @param {Pick<KeyPair, 'privateKeyPem' | 'certificateB64'>} options.keys
 * @param {SamlRequestContext} options.request
 * @param {DemoUser | null} options.user
 * @param {Date} [options.now]
 * @param {string} [options.statusMessage]
 * @returns {{ xml: string, responseId: string, assertionId: string | null, sessionIndex: string | null }}
 */
export function buildSamlResponse({ kind, entityId, keys, request, user, now = new Date(), statusMessage }) {
  const okta = kind === 'okta'
  const iso = (offset = 0) => new Date(now.getTime() + offset).toISOString()
  const p = okta ? { samlp: 'saml2p', saml: 'saml2' } : { samlp: 'samlp', saml: '' }
  /** @param {string} local */
  const P = (local) => `${p.samlp}:${local}` // protocol element
  /** @param {string} local */
  const A = (local) => (p.saml ? `${p.saml}:${local}` : local) // assertion element
  const samlpNs = { [p.samlp]: NS.samlp }
  const samlNs = { [p.saml]: NS.saml }
  const responseId = newId()
  const issuer = () => x(A('Issuer'), samlNs, okta ? { Format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity' } : null, entityId)

  let status
  if (user) {
    status = x(P('Status'), null, null, x(P('StatusCode'), null, { Value: STATUS.success }))
  } else {
    status = x(
      P('Status'),
      null,
      null,
      x(P('StatusCode'), null, { Value: STATUS.responder }, x(P('StatusCode'), null, { Value: STATUS.authnFailed })),
      x(P('StatusMessage'), null, null, statusMessage ?? 'The user cancelled the sign-in.'),
    )
  }

  /** @type {XNode | null} */
  let assertion = null
  /** @type {string | null} */
  let assertionId = null
  /** @type {string | null} */
  let sessionIndex = null
  if (user) {
    assertionId = newId()
    sessionIndex = `_${randomBytes(16).toString('hex')}`
    /** @param {string} name @param {Array<string | undefined>} values */
    const attribute = (name, values) => {
      if (!values.length) return null
      return x(
        A('Attribute'),
        null,
        okta ? { Name: name, NameFormat: ATTRNAME_UNSPECIFIED } : { Name: name },
        values.map((v) => (okta ? x(A('AttributeValue'), { xsi: NS.xsi }, { 'xsi:type': 'xs:string' }, v) : x(A('AttributeValue'), null, null, v))),
      )
    }
    const attributes = okta
      ? [attribute('email', [user.email]), attribute('firstName', [user.firstName]), attribute('lastName', [user.lastName]), attribute('groups', user.groups)]
      : [
          attribute(ENTRA_CLAIMS.tenantId, [ENTRA_TENANT]),
          attribute(ENTRA_CLAIMS.objectId, [user.objectId]),
          attribute(ENTRA_CLAIMS.displayName, [user.displayName]),
          attribute(ENTRA_CLAIMS.groups, user.groups),
          attribute(ENTRA_CLAIMS.identityProvider, [entityId]),
          attribute(ENTRA_CLAIMS.authnMethods, ['http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password']),
          attribute(ENTRA_CLAIMS.firstName, [user.firstName]),
          attribute(ENTRA_CLAIMS.lastName, [user.lastName]),
          attribute(ENTRA_CLAIMS.email, [user.email]),
          attribute(ENTRA_CLAIMS.name, [user.email]),
        ]
    const attributeStatement = x(A('AttributeStatement'), null, null, attributes)
    const authnStatement = x(
      A('AuthnStatement'),
      null,
      { AuthnInstant: iso(), SessionIndex: sessionIndex, SessionNotOnOrAfter: iso(8 * 60 * MINUTE) },
      x(
        A('AuthnContext'),
        null,
        null,
        x(
          A('AuthnContextClassRef'),
          null,
          null,
          okta ? 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport' : 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password',
        ),
      ),
    )
    assertion = x(
      A('Assertion'),
      samlNs,
      { ID: assertionId, IssueInstant: iso(), Version: '2.0' },
      issuer(),
      x(
        A('Subject'),
        null,
        null,
        x(A('NameID'), null, { Format: NAMEID_EMAIL }, user.email),
        x(
          A('SubjectConfirmation'),
          null,
          { Method: 'urn:oasis:names:tc:SAML:2.0:cm:bearer' },
          x(A('SubjectConfirmationData'), null, { InResponseTo: request.id, NotOnOrAfter: iso(5 * MINUTE), Recipient: request.acsUrl }),
        ),
      ),
      x(
        A('Conditions'),
        null,
        { NotBefore: iso(-MINUTE), NotOnOrAfter: iso(5 * MINUTE) },
        x(A('AudienceRestriction'), null, null, x(A('Audience'), null, null, request.spEntityId)),
      ),
      // Okta: AuthnStatement first; Entra: AttributeStatement first.
      okta ? [authnStatement, attributeStatement] : [attributeStatement, authnStatement],
    )
    if (okta) {
      // Like Okta: xs (used only inside xsi:type values) is declared on the Assertion and kept by
      // the InclusiveNamespaces PrefixList, since exclusive C14N alone would drop it.
      assertion.ns.xs = NS.xs
      assertion.inclusive.push('xs')
    }
    signEnveloped(assertion, { ...keys, dsPrefix: okta ? 'ds' : '', inclusivePrefixes: okta ? ['xs'] : [] })
  }

  const response = x(
    P('Response'),
    samlpNs,
    { Destination: request.acsUrl, ID: responseId, InResponseTo: request.id, IssueInstant: iso(), Version: '2.0' },
    issuer(),
    status,
    assertion,
  )
  // Entra's "Sign SAML response and assertion": the Response signature also covers the (signed) Assertion.
  if (!okta) signEnveloped(response, { ...keys, dsPrefix: '' })
  const xml = (okta ? '<?xml version="1.0" encoding="UTF-8"?>' : '') + renderC14n(response)
  return { xml, responseId, assertionId, sessionIndex }
}

/**
 * An unsigned LogoutResponse (Success) to `destination`, in reply to `inResponseTo`.
 * @param {{ kind: DemoKind, entityId: string, destination: string, inResponseTo: string, now?: Date }} options
 * @returns {string}
 */
export function buildLogoutResponse({ kind, entityId, destination, inResponseTo, now = new Date() }) {
  const okta = kind === 'okta'
  /** @param {string} local */
  const P = (local) => `${okta ? 'saml2p' : 'samlp'}:${local}`
  const issuer = okta ? x('saml2:Issuer', { saml2: NS.saml }, null, entityId) : x('Issuer', { '': NS.saml }, null, entityId)
  return renderC14n(
    x(
      P('LogoutResponse'),
      { [okta ? 'saml2p' : 'samlp']: NS.samlp },
      { Destination: destination, ID: newId(), InResponseTo: inResponseTo, IssueInstant: now.toISOString(), Version: '2.0' },
      issuer,
      x(P('Status'), null, null, x(P('StatusCode'), null, { Value: STATUS.success })),
    ),
  )
}

/**
 * IdP metadata: signing key, SSO and SLO services (Redirect + POST), NameID format.
 * @param {{ entityId: string, url: string, certificateB64: string }} options
 * @returns {string}
 */
export function buildMetadata({ entityId, url, certificateB64 }) {
  /** @param {string} local @param {XAttrs | null} attrs @param {...XChild} children */
  const md = (local, attrs, ...children) => x(`md:${local}`, null, attrs, ...children)
  const root = x(
    'md:EntityDescriptor',
    { md: NS.md },
    { entityID: entityId },
    md(
      'IDPSSODescriptor',
      { WantAuthnRequestsSigned: 'false', protocolSupportEnumeration: NS.samlp },
      md(
        'KeyDescriptor',
        { use: 'signing' },
        x('ds:KeyInfo', { ds: NS.ds }, null, x('ds:X509Data', null, null, x('ds:X509Certificate', null, null, certificateB64))),
      ),
      md('SingleLogoutService', { Binding: BINDING.redirect, Location: `${url}/slo` }),
      md('SingleLogoutService', { Binding: BINDING.post, Location: `${url}/slo` }),
      md('NameIDFormat', null, NAMEID_EMAIL),
      md('SingleSignOnService', { Binding: BINDING.redirect, Location: `${url}/sso` }),
      md('SingleSignOnService', { Binding: BINDING.post, Location: `${url}/sso` }),
    ),
  )
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderC14n(root)}\n`
}

// ---------------------------------------------------------------------------------------------
// Reading SP messages (minimal: a regex over the root start tag and the first Issuer)
// ---------------------------------------------------------------------------------------------

class BadRequest extends Error {}

/** @param {string} s */
function unescapeXml(s) {
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (/** @type {string} */ _, /** @type {string} */ e) => {
    if (e === 'lt') return '<'
    if (e === 'gt') return '>'
    if (e === 'amp') return '&'
    if (e === 'quot') return '"'
    if (e === 'apos') return "'"
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)
    return code <= 0x10ffff ? String.fromCodePoint(code) : ''
  })
}

/**
 * Decodes a SAML message parameter: base64, then raw INFLATE for the Redirect binding.
 * @param {string | null} value
 * @param {boolean} deflated
 */
function decodeMessage(value, deflated) {
  if (typeof value !== 'string' || !value) throw new BadRequest('SAMLRequest is missing')
  const compact = value.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new BadRequest('SAMLRequest is not base64')
  const bytes = Buffer.from(compact, 'base64')
  if (!deflated) return bytes.toString('utf8')
  try {
    return inflateRawSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES }).toString('utf8')
  } catch {
    throw new BadRequest('SAMLRequest is not raw DEFLATE data (HTTP-Redirect binding)')
  }
}

/**
 * Root element (local name must be `expected`), its attributes, and a few child texts.
 * @param {string} xml
 * @param {string} expected
 * @returns {{ attrs: Record<string, string>, issuer: string | null, nameId: string | null, sessionIndex: string | null }}
 */
export function readSamlMessage(xml, expected) {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new BadRequest('DOCTYPE is not allowed')
  const body = xml.replace(/^\uFEFF?\s*(<\?xml[^>]*\?>)?(\s|<!--[\s\S]*?-->)*/, '')
  const root = /^<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/.exec(body)
  if (!root || root[1] !== expected) throw new BadRequest(`expected a ${expected}`)
  /** @type {Record<string, string>} */
  const attrs = {}
  // (The `?? ''` only satisfy the types: those groups always participate in a match.)
  for (const m of (root[2] ?? '').matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[m[1] ?? ''] = unescapeXml(m[2] ?? m[3] ?? '')
  /** @param {string} local */
  const child = (local) => {
    const m = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${local}\\b[^>]*>([^<]*)</(?:[A-Za-z_][\\w.-]*:)?${local}>`).exec(body)
    return m ? unescapeXml(m[1] ?? '').trim() : null
  }
  return { attrs, issuer: child('Issuer'), nameId: child('NameID'), sessionIndex: child('SessionIndex') }
}

/** @param {string} value @param {string} what */
function checkHttpUrl(value, what) {
  let url
  try {
    url = new URL(value)
  } catch {
    throw new BadRequest(`${what} is not an absolute URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BadRequest(`${what} must be an http(s) URL`)
  return value // the SP's exact spelling: it compares Destination/Recipient with its own ACS URL
}

/**
 * The fields of an AuthnRequest this IdP uses.
 * @param {string} xml
 * @param {{ spOrigin: string }} options
 */
export function parseAuthnRequest(xml, { spOrigin }) {
  const { attrs, issuer } = readSamlMessage(xml, 'AuthnRequest')
  if (!attrs.ID) throw new BadRequest('AuthnRequest has no ID')
  if (!issuer) throw new BadRequest('AuthnRequest has no Issuer (the SP entity ID, needed for the Audience)')
  if (attrs.ProtocolBinding && attrs.ProtocolBinding !== BINDING.post)
    throw new BadRequest(`only the HTTP-POST binding is supported for the response, not ${attrs.ProtocolBinding}`)
  const acsUrl = checkHttpUrl(attrs.AssertionConsumerServiceURL ?? `${spOrigin}/sso/acs`, 'AssertionConsumerServiceURL')
  return { id: attrs.ID, acsUrl, spEntityId: issuer, forceAuthn: attrs.ForceAuthn === 'true' }
}

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

/** @param {unknown} s */
const html = (s) => String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
const AUTO_SUBMIT = 'document.forms[0].submit()'
const AUTO_SUBMIT_HASH = createHash('sha256').update(AUTO_SUBMIT).digest('base64')
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${AUTO_SUBMIT_HASH}'; base-uri 'none'; frame-ancestors 'none'`

/** @param {DemoKind} kind @param {string} title @param {string} body */
function page(kind, title, body) {
  const accent = kind === 'okta' ? '#00297a' : '#0067b8'
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${html(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;color:${accent}}.badge{font-size:.75rem;background:#ffe9a8;border-radius:4px;padding:.1rem .4rem}
button{display:block;width:100%;margin:.5rem 0;padding:.7rem;border:1px solid ${accent};border-radius:6px;background:#fff;font:inherit;text-align:left;cursor:pointer}
button.primary,button:hover{background:${accent};color:#fff}button.cancel{border-color:#999;text-align:center}
small{color:#555;display:block;word-break:break-all}code{word-break:break-all}</style></head>
<body><main>${body}</main></body></html>`
}

/**
 * @param {ServerResponse} res
 * @param {number} status
 * @param {string} type
 * @param {string} body
 * @param {OutgoingHttpHeaders} [headers]
 */
function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers })
  res.end(body)
}

/** @param {ServerResponse} res @param {number} status @param {string} body */
function sendHtml(res, status, body) {
  send(res, status, 'text/html; charset=utf-8', body, { 'content-security-policy': CSP, 'x-frame-options': 'DENY' })
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

/**
 * @param {IncomingMessage} req
 * @returns {Promise<string>}
 */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = []
    let size = 0
    req.on('data', (/** @type {Buffer} */ c) => {
      size += c.length
      if (size > MAX_BODY_BYTES) {
        reject(new BadRequest('request body too large'))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/**
 * @param {Server} server
 * @param {number} port
 * @param {string} address
 * @returns {Promise<number>} the port listened on
 */
function listen(server, port, address) {
  return new Promise((resolve, reject) => {
    /** @param {Error} err */
    const onError = (err) => reject(err)
    server.once('error', onError)
    server.listen(port, address, () => {
      server.off('error', onError)
      resolve(/** @type {AddressInfo} */ (server.address()).port) // a TCP server, listening
    })
  })
}

/**
 * Starts one demo IdP. Options: kind 'okta' | 'entra'; port (0 = any free port); host used in its
 * URLs (default 'localhost': the gateway runs on 127.0.0.1, so the IdP is another site, as in
 * production); keyDir (default <repo>/.wrangler/demo-idps/<kind>); spOrigin (the gateway origin,
 * for the default ACS URL and the SLO answer; default http://127.0.0.1:8787).
 * Resolves to { kind, url, entityId, certificatePem, users, name, slug, close() }.
 * @param {{ kind: DemoKind, port?: number, host?: string, keyDir?: string, spOrigin?: string }} options
 * @returns {Promise<DemoIdp>}
 */
export async function startDemoIdp({ kind, port = 0, host = 'localhost', keyDir, spOrigin = 'http://127.0.0.1:8787' }) {
  const def = DEMO_KINDS[kind]
  if (!def) throw new Error(`demo-idp: unknown kind ${kind} (okta | entra)`)
  const keys = ensureKeyPair(kind, keyDir)
  const entityId = def.entityId()
  const users = def.users.map((u) => ({ displayName: `${u.firstName} ${u.lastName}`, ...u, groups: [...u.groups] }))
  const macKey = randomBytes(32)
  /** @param {string[]} fields */
  const mac = (fields) => createHmac('sha256', macKey).update(JSON.stringify(fields)).digest('base64url')
  const origin = spOrigin.replace(/\/+$/, '')
  let url = '' // set once listening

  /** @param {SamlRequestContext} request @param {string | null} relayState */
  const signInPage = (request, relayState) => {
    const ctx = [request.id, request.acsUrl, request.spEntityId, relayState ?? '']
    const hidden = [
      ['requestId', ctx[0]],
      ['acsUrl', ctx[1]],
      ['spEntityId', ctx[2]],
      ['relayState', ctx[3]],
      ['mac', mac(ctx)],
    ]
      .map(([n, v]) => `<input type="hidden" name="${n}" value="${html(v)}">`)
      .join('')
    const buttons = users
      .map(
        (u) =>
          `<button type="submit" name="user" value="${html(u.email)}" data-user="${html(u.email)}">` +
          `<strong>${html(u.displayName)}</strong><small>${html(u.email)}${u.groups.length ? ` · groups: ${html(u.groups.join(', '))}` : ' · no groups'}` +
          `${u.note ? ` · ${html(u.note)}` : ''}</small></button>`,
      )
      .join('')
    return page(
      kind,
      `Sign in – ${def.org} (${def.label} demo)`,
      `<h1>${html(def.org)} <span class="badge">${html(def.label)} demo IdP</span></h1>
<p>Sign in to <code>${html(request.spEntityId)}</code> as:</p>
<form method="post" action="/sso/continue">${hidden}${buttons}
<button type="submit" name="cancel" value="1" id="cancel" class="cancel">Cancel</button></form>
<small>Dev-only IdP: no passwords. The answer goes to <code>${html(request.acsUrl)}</code>.</small>`,
    )
  }

  /** @param {string} action @param {string} field @param {string} value @param {string | null} relayState */
  const postForm = (action, field, value, relayState) =>
    page(
      kind,
      'Signing in…',
      `<form method="post" action="${html(action)}">` +
        `<input type="hidden" name="${field}" value="${html(value)}">` +
        (relayState ? `<input type="hidden" name="RelayState" value="${html(relayState)}">` : '') +
        `<p>Returning to the application…</p><button type="submit" id="continue" class="primary">Continue</button></form><script>${AUTO_SUBMIT}</script>`,
    )

  /** @typedef {(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, form: URLSearchParams) => void} Handler */
  /** @type {Record<string, Handler>} */
  const handlers = {
    'GET /': (req, res) =>
      sendHtml(
        res,
        200,
        page(
          kind,
          `${def.org} (${def.label} demo IdP)`,
          `<h1>${html(def.org)} <span class="badge">${html(def.label)} demo IdP</span></h1>
<p>Entity ID <code>${html(entityId)}</code></p><p>SSO <code>${html(url)}/sso</code> · SLO <code>${html(url)}/slo</code> · <a href="/metadata">metadata</a></p>
<ul>${users.map((u) => `<li>${html(u.displayName)} &lt;${html(u.email)}&gt;</li>`).join('')}</ul>`,
        ),
      ),
    'GET /metadata': (req, res) => send(res, 200, 'application/xml; charset=utf-8', buildMetadata({ entityId, url, certificateB64: keys.certificateB64 })),
    'GET /sso': (req, res, query) => {
      const request = parseAuthnRequest(decodeMessage(query.get('SAMLRequest'), true), { spOrigin: origin })
      sendHtml(res, 200, signInPage(request, query.get('RelayState')))
    },
    'POST /sso': (req, res, query, form) => {
      const request = parseAuthnRequest(decodeMessage(form.get('SAMLRequest'), false), { spOrigin: origin })
      sendHtml(res, 200, signInPage(request, form.get('RelayState')))
    },
    'POST /sso/continue': (req, res, query, form) => {
      const ctx = /** @type {[string, string, string, string]} */ (['requestId', 'acsUrl', 'spEntityId', 'relayState'].map((n) => form.get(n) ?? ''))
      const given = Buffer.from(form.get('mac') ?? '')
      const expected = Buffer.from(mac(ctx))
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new BadRequest('the sign-in context was altered or comes from another IdP run: start again at the application')
      const request = { id: ctx[0], acsUrl: checkHttpUrl(ctx[1], 'AssertionConsumerServiceURL'), spEntityId: ctx[2] }
      /** @type {DemoUser | null | undefined} */
      let user = null
      if (!form.get('cancel')) {
        user = users.find((u) => u.email === form.get('user'))
        if (!user) throw new BadRequest('unknown demo user')
      }
      const { xml } = buildSamlResponse({ kind, entityId, keys, request, user })
      sendHtml(res, 200, postForm(request.acsUrl, 'SAMLResponse', Buffer.from(xml, 'utf8').toString('base64'), ctx[3] || null))
    },
    'GET /slo': (req, res, query) => slo(res, query, true),
    'POST /slo': (req, res, query, form) => slo(res, form, false),
  }

  /** @param {ServerResponse} res @param {URLSearchParams} params @param {boolean} deflated */
  const slo = (res, params, deflated) => {
    if (params.get('SAMLResponse') && !params.get('SAMLRequest')) {
      // A LogoutResponse to an IdP-initiated logout (this IdP never starts one): just acknowledge.
      sendHtml(res, 200, page(kind, 'Signed out', `<h1>Signed out</h1><p>You are signed out of ${html(def.org)}.</p>`))
      return
    }
    const { attrs } = readSamlMessage(decodeMessage(params.get('SAMLRequest'), deflated), 'LogoutRequest')
    if (!attrs.ID) throw new BadRequest('LogoutRequest has no ID')
    const destination = `${origin}/sso/slo`
    const xml = buildLogoutResponse({ kind, entityId, destination, inResponseTo: attrs.ID })
    const parts = [`SAMLResponse=${encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`]
    const relayState = params.get('RelayState')
    if (relayState) parts.push(`RelayState=${encodeURIComponent(relayState)}`)
    res.writeHead(302, { location: `${destination}?${parts.join('&')}`, 'cache-control': 'no-store' })
    res.end()
  }

  /** @param {IncomingMessage} req @param {ServerResponse} res */
  const handle = async (req, res) => {
    try {
      const parsed = new URL(req.url ?? '/', 'http://demo-idp.invalid')
      const handler = handlers[`${req.method} ${parsed.pathname}`]
      if (!handler) {
        sendHtml(res, 404, page(kind, 'Not found', '<h1>Not found</h1>'))
        return
      }
      let form = new URLSearchParams()
      if (req.method === 'POST') {
        const type = req.headers['content-type'] ?? ''
        if (!type.startsWith('application/x-www-form-urlencoded')) throw new BadRequest('expected an HTML form post (application/x-www-form-urlencoded)')
        form = new URLSearchParams(await readBody(req))
      }
      await handler(req, res, parsed.searchParams, form)
    } catch (err) {
      if (res.headersSent) return res.destroy()
      const bad = err instanceof BadRequest
      if (!bad) console.error(`demo-idp (${kind}):`, err)
      sendHtml(res, bad ? 400 : 500, page(kind, 'Error', `<h1>${bad ? 'Bad request' : 'Error'}</h1><p data-error>${html(messageOf(err))}</p>`))
    }
  }

  // 'localhost' resolves to 127.0.0.1 and ::1; browsers and fetch may pick either, so listen on both.
  const addresses = host === 'localhost' ? ['127.0.0.1', '::1'] : [host]
  /** @type {Server[]} */
  const servers = []
  let actualPort = port
  for (const [i, address] of addresses.entries()) {
    const server = createServer(handle)
    try {
      actualPort = await listen(server, actualPort, address)
      servers.push(server)
    } catch (err) {
      if (i === 0) {
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
        throw err
      }
      // ::1 unavailable (no IPv6) or taken: 127.0.0.1 alone serves localhost.
    }
  }
  const urlHost = host.includes(':') ? `[${host}]` : host
  url = `http://${urlHost}:${actualPort}`
  let closed = false
  return {
    kind,
    name: def.name,
    slug: def.slug,
    url,
    port: actualPort,
    entityId,
    certificatePem: keys.certificatePem,
    users,
    close: async () => {
      if (closed) return
      closed = true
      await Promise.all(
        servers.map(
          (s) =>
            /** @type {Promise<void>} */ (
              new Promise((r) => {
                s.close(() => r())
                s.closeAllConnections()
              })
            ),
        ),
      )
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Registration with the gateway (admin API)
// ---------------------------------------------------------------------------------------------

/**
 * The admin API body for one demo IdP.
 * @param {DemoIdpRegistration} idp
 */
export function demoIdpConfig(idp) {
  const def = DEMO_KINDS[idp.kind]
  return {
    name: def.name,
    slug: def.slug,
    entityId: idp.entityId,
    ssoUrl: `${idp.url}/sso`,
    ssoBinding: def.ssoBinding,
    sloUrl: `${idp.url}/slo`,
    sloBinding: 'redirect',
    certificates: [idp.certificatePem.trim()],
    emailDomains: def.emailDomains,
    attributeMap: def.attributeMap,
  }
}

/** @param {unknown} pem */
const normalizeCert = (pem) => pemBody(String(pem))

/**
 * An IdP as the gateway's admin API lists it (only the fields used here).
 * @typedef {{ id: string, entityId: string, certificates?: unknown[], ssoUrl?: string, sloUrl?: string }} GatewayIdp
 */

/**
 * Makes sure the gateway knows each demo IdP (matched by entity ID): creates the missing ones;
 * for existing ones, updates the certificate (keys regenerated) and SSO/SLO URLs (other port) when
 * they differ, leaving every other admin edit alone. Resolves to the gateway IdP ids, in order.
 * Rejects with an Error carrying `status` (the HTTP status) when the admin API refuses a call.
 * @param {string} gatewayUrl
 * @param {string} adminToken
 * @param {DemoIdpRegistration[]} idps
 * @returns {Promise<string[]>}
 */
export async function registerDemoIdps(gatewayUrl, adminToken, idps) {
  const api = `${gatewayUrl.replace(/\/+$/, '')}/sso/admin/api/idps`
  /**
   * @param {string} method
   * @param {string} path
   * @param {object} [body]
   * @returns {Promise<unknown>} the parsed JSON answer (null when empty)
   */
  const call = async (method, path, body) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    if (!res.ok) {
      throw Object.assign(new Error(`${method} ${api}${path}: HTTP ${res.status} ${text.slice(0, 500)}`), { status: res.status })
    }
    return text ? JSON.parse(text) : null
  }
  // The gateway's own admin API: its answers are typed here, not validated.
  const { idps: existing } = /** @type {{ idps: GatewayIdp[] }} */ (await call('GET', ''))
  const ids = []
  for (const idp of idps) {
    const config = demoIdpConfig(idp)
    const found = existing.find((e) => e.entityId === idp.entityId)
    if (!found) {
      // The demo's own local IdPs are known to work: enabled at once, not left as drafts.
      ids.push(/** @type {GatewayIdp} */ (await call('POST', '', { ...config, enabled: true, skipTest: true })).id)
      continue
    }
    /** @type {{ certificates?: string[], ssoUrl?: string, sloUrl?: string }} */
    const patch = {}
    const certs = (found.certificates ?? []).map(normalizeCert)
    if (certs.length !== 1 || certs[0] !== normalizeCert(idp.certificatePem)) patch.certificates = config.certificates
    if (found.ssoUrl !== config.ssoUrl) patch.ssoUrl = config.ssoUrl
    if (found.sloUrl !== config.sloUrl) patch.sloUrl = config.sloUrl
    if (Object.keys(patch).length) await call('PATCH', `/${encodeURIComponent(found.id)}`, patch)
    ids.push(found.id)
  }
  return ids
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `node dev/demo-idp.mjs [okta|entra]`: run the IdPs alone (no gateway registration).
  const kinds = process.argv[2] ? [process.argv[2]] : ['okta', 'entra']
  for (const kind of kinds) {
    if (!isDemoKind(kind)) throw new Error(`demo-idp: unknown kind ${kind} (okta | entra)`)
    const idp = await startDemoIdp({ kind, port: kind === 'okta' ? 8811 : 8812 })
    console.log(`${idp.name}: ${idp.url} (entity ID ${idp.entityId}); users: ${idp.users.map((u) => u.email).join(', ')}`)
  }
}
