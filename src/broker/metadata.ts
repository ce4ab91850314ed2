/**
 * GET /sso/idp/metadata: the broker's IdP metadata, with the broker role's certificates (active,
 * then a staged next one during a rollover, so helpdesks can pick it up before it signs); signed
 * on request with the metadata role's key, for helpdesks that import only signed metadata.
 * `?app=<slug>` gives that app's copy: WantAuthnRequestsSigned is true when the app has
 * certificates (its requests must then be signed).
 */
import type { RequestContext } from '../context'
import { buildBrokerMetadata } from '../saml/broker/metadata'
import { signMetadata } from '../saml/sp-metadata'
import { newRequestId } from '../sso/login-state'
import { signingKey } from '../sso/signing-key'
import { AppError } from '../errors'
import { findEnabledApp } from '../store/apps'
import { metadataCertificates } from '../store/sp-keys'
import { brokerEndpoints } from './endpoints'

export async function brokerMetadata(ctx: RequestContext, options: { signed: boolean; app?: string | undefined }): Promise<string> {
  // ?app=<slug>: this app's copy, which says whether the app must sign its AuthnRequests.
  const app = options.app ? await findEnabledApp(ctx.db, 'saml', options.app) : null
  if (options.app && !app) throw new AppError('HANDOFF_APP_NOT_FOUND', undefined, { app: options.app.slice(0, 64) })
  await signingKey(ctx, 'broker') // made on first use
  const signingCertificates = await metadataCertificates(ctx.db, 'broker')
  const xml = buildBrokerMetadata({
    ...brokerEndpoints(ctx.origin),
    signingCertificates,
    id: newRequestId(ctx.random),
    wantAuthnRequestsSigned: (app?.config.certificates.length ?? 0) > 0,
  })
  if (!options.signed) return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`
  const key = await signingKey(ctx, 'metadata')
  const body = await signMetadata(xml, { privateKey: key.privateKey, certificatePem: key.certificatePem })
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`
}
