/**
 * GET /sso/idp/metadata: the broker's IdP metadata, with the broker role's certificates (active,
 * then a staged next one during a rollover, so helpdesks can pick it up before it signs); signed
 * on request with the metadata role's key, for helpdesks that import only signed metadata.
 */
import type { RequestContext } from '../context'
import { buildBrokerMetadata } from '../saml/broker/metadata'
import { signMetadata } from '../saml/sp-metadata'
import { newRequestId } from '../sso/login-state'
import { signingKey } from '../sso/signing-key'
import { metadataCertificates } from '../store/sp-keys'
import { brokerEndpoints } from './endpoints'

export async function brokerMetadata(ctx: RequestContext, options: { signed: boolean }): Promise<string> {
  await signingKey(ctx, 'broker') // made on first use
  const signingCertificates = await metadataCertificates(ctx.db, 'broker')
  const xml = buildBrokerMetadata({ ...brokerEndpoints(ctx.origin), signingCertificates, id: newRequestId(ctx.random) })
  if (!options.signed) return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`
  const key = await signingKey(ctx, 'metadata')
  const body = await signMetadata(xml, { privateKey: key.privateKey, certificatePem: key.certificatePem })
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`
}
