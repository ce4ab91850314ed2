/**
 * What the gateway stores for an OIDC IdP beyond what the admin typed: the provider's endpoints
 * from discovery (read again on every issuer change, refresh and cron run), the gateway's own
 * name for it (entityId: `urn:edge-sso:oidc:<slug>`, unique and never matched against a SAML
 * Issuer), and the client secret sealed (store/idps.ts). The chosen token endpoint
 * authentication must be one the provider offers, and needs a secret unless it is private_key_jwt.
 */
import type { RequestContext } from '../context'
import { AppError } from '../errors'
import { loadDiscovery } from '../oidc/discovery'
import { sealClientSecret, type IdpFields, type IdpRow } from '../store/idps'
import type { OidcEndpoints } from '../store/schema'
import { clientAssertionKey } from '../sso/oidc-client-key'
import type { IdpInput } from './idp-fields'
import { invalid } from './validate'

/** The gateway's entity ID for an OIDC IdP (the column is unique; SAML responses never resolve to it, see sso/acs.ts). */
export function oidcEntityId(slug: string): string {
  return `urn:edge-sso:oidc:${slug}`
}

/** The provider's endpoints for `issuer`, read now (OIDC_DISCOVERY_* on failure). */
export async function discoverProvider(issuer: string): Promise<OidcEndpoints> {
  return loadDiscovery(issuer, (input, init) => fetch(input, init))
}

/**
 * The stored fields of an OIDC IdP being created or changed: `input` as parsed, over `before`
 * (null on create). Discovery runs when the issuer is new or changed; the secret is sealed.
 */
export async function oidcFields(ctx: RequestContext, input: IdpInput, before: IdpRow | null): Promise<Partial<IdpFields>> {
  const { clientSecret, ...rest } = input
  const fields: Partial<IdpFields> = rest
  const issuer = fields.issuer ?? before?.issuer
  const slug = fields.slug ?? before?.slug
  if (!issuer || !slug) invalid('issuer', 'is required')
  if (!before || issuer !== before.issuer) {
    const provider = await discoverProvider(issuer)
    fields.oidcEndpoints = provider
    fields.ssoUrl = provider.authorizationEndpoint
  }
  if (!before) {
    fields.entityId = oidcEntityId(slug)
    fields.certificates = []
  }
  if (clientSecret !== undefined) fields.clientSecretSealed = await sealClientSecret(ctx.secret, clientSecret)
  const auth = fields.tokenEndpointAuth ?? before?.tokenEndpointAuth ?? 'client_secret_basic'
  // The stored secret belongs to the old provider: never sent to a new issuer's token endpoint.
  if (before && issuer !== before.issuer && clientSecret === undefined && auth !== 'private_key_jwt')
    invalid('clientSecret', 'give the client secret again when the issuer changes: the stored one was issued by the old provider')
  const hasSecret = fields.clientSecretSealed !== undefined || (before?.clientSecretSealed ?? null) !== null
  if (auth !== 'private_key_jwt' && !hasSecret) invalid('clientSecret', `is required with ${auth} (or choose private_key_jwt)`)
  const offered = (fields.oidcEndpoints ?? before?.oidcEndpoints)?.tokenEndpointAuthMethods ?? []
  if (!offered.includes(auth)) invalid('tokenEndpointAuth', `the provider offers ${offered.join(', ') || 'no method'}, not ${auth}`)
  // The key the provider will be given (/sso/certs) exists before the admin goes to register it.
  if (auth === 'private_key_jwt') await clientAssertionKey(ctx)
  return fields
}

/** The endpoints discovery finds now for a stored OIDC IdP, and whether they changed. */
export async function refreshedOidcFields(row: IdpRow): Promise<{ update: Partial<IdpFields>; endpointsChanged: boolean }> {
  if (!row.issuer) throw new AppError('ADMIN_INVALID_FIELD', 'issuer: this OIDC IdP has none', { field: 'issuer' })
  const provider = await discoverProvider(row.issuer)
  return {
    update: { oidcEndpoints: provider, ssoUrl: provider.authorizationEndpoint },
    endpointsChanged: JSON.stringify(provider) !== JSON.stringify(row.oidcEndpoints),
  }
}
