/**
 * GET /sso/idp/metadata: the broker's IdP metadata, with the active signing certificate; signed
 * with the same key on request, for helpdesks that import only signed metadata.
 */
import type { RequestContext } from '../context'
import { buildBrokerMetadata } from '../saml/broker/metadata'
import { signMetadata } from '../saml/sp-metadata'
import { newRequestId } from '../sso/login-state'
import { signingKey } from '../sso/signing-key'
import { brokerEndpoints } from './endpoints'

export async function brokerMetadata(ctx: RequestContext, options: { signed: boolean }): Promise<string> {
  const key = await signingKey(ctx)
  const xml = buildBrokerMetadata({ ...brokerEndpoints(ctx.origin), signingCertificates: [key.certificatePem], id: newRequestId(ctx.random) })
  const body = options.signed ? await signMetadata(xml, { privateKey: key.privateKey, certificatePem: key.certificatePem }) : xml
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`
}
