/**
 * GET /sso/metadata: this gateway's SP metadata (entity ID, ACS, SLO, NameID formats, signing and
 * encryption certificates; active and next during a rollover). Keys are created on first use.
 */
import type { RequestContext } from '../context'
import { buildSpMetadata } from '../saml/sp-metadata'
import { listIdps } from '../store/idps'
import { activeSpKey, metadataCertificates } from '../store/sp-keys'
import { spEndpoints } from './sp-endpoints'

export async function spMetadata(ctx: RequestContext): Promise<string> {
  const sp = await spEndpoints(ctx)
  const now = ctx.clock()
  await Promise.all([activeSpKey(ctx.db, ctx.secret, 'signing', now, sp.host), activeSpKey(ctx.db, ctx.secret, 'encryption', now, sp.host)])
  const [signing, encryption, idps] = await Promise.all([metadataCertificates(ctx.db, 'signing'), metadataCertificates(ctx.db, 'encryption'), listIdps(ctx.db)])
  const xml = buildSpMetadata({
    entityId: sp.entityId,
    acsUrl: sp.acsUrl,
    sloUrl: sp.sloUrl,
    signingCertificates: signing,
    encryptionCertificates: encryption,
    wantAssertionsSigned: true,
    authnRequestsSigned: idps.some((i) => i.signAuthnRequests),
  })
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`
}
