/**
 * Starts a sign-in at an IdP: builds the AuthnRequest, binds its ID and the return path to this
 * browser (login-state cookie), and sends the browser to the IdP with the IdP's binding
 * (HTTP-Redirect, or HTTP-POST through an auto-submitting form), signed when the IdP wants it.
 */
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { buildAuthnRequest, buildPostForm, encodeRedirectBinding, signPostMessage } from '../saml/authn-request'
import { encodeBase64, utf8Encode } from '../saml/encoding'
import { importPrivateKey } from '../saml/x509'
import type { IdpRow } from '../store/idps'
import { activeSpKey } from '../store/sp-keys'
import { LOGIN_STATE_TTL_SECONDS, newRequestId, setLoginState } from './login-state'
import { spEndpoints } from './sp-config'

export async function startLogin(c: Context<AppEnv>, idp: IdpRow, returnTo: string, options: { test?: boolean } = {}): Promise<Response> {
  const now = c.var.deps.clock()
  const sp = await spEndpoints(c)
  const requestId = newRequestId(c.var.deps.random)
  const xml = buildAuthnRequest({
    id: requestId,
    issueInstant: now,
    destination: idp.ssoUrl,
    spEntityId: sp.entityId,
    acsUrl: sp.acsUrl,
    nameIdFormat: idp.nameIdFormat,
  })
  await setLoginState(c, { requestId, idpId: idp.id, returnTo, test: options.test ?? false, expiresAt: now.getTime() + LOGIN_STATE_TTL_SECONDS * 1000 })
  c.header('Cache-Control', 'no-store')
  const key = idp.signAuthnRequests ? await activeSpKey(c.env.DB, c.env.SSO_SECRET, 'signing', now, new URL(sp.origin).host) : null
  const privateKey = key ? await importPrivateKey(key.privateKeyPem, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }) : null
  if (idp.ssoBinding === 'post') {
    const message = key && privateKey ? await signPostMessage(xml, { privateKey, certificatePem: key.certificatePem }) : xml
    return c.html(buildPostForm({ action: idp.ssoUrl, field: 'SAMLRequest', value: encodeBase64(utf8Encode(message)) }))
  }
  const query = await encodeRedirectBinding({ xml, param: 'SAMLRequest', signing: privateKey ? { privateKey } : null })
  return c.redirect(`${idp.ssoUrl}${idp.ssoUrl.includes('?') ? '&' : '?'}${query}`, 302)
}
