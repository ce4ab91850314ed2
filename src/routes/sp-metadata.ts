/**
 * GET /sso/metadata: this gateway's SP metadata (entity ID, ACS, SLO, NameID formats, signing
 * and encryption certificates; active and next during a rollover). Keys are created on first use.
 */
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { buildSpMetadata } from '../saml/metadata'
import { listIdps } from '../store/idps'
import { activeSpKey, metadataCertificates } from '../store/sp-keys'
import { spEndpoints } from './sp-config'

export const spMetadataRoutes = new Hono<AppEnv>().get('/metadata', async (c) => {
  const sp = await spEndpoints(c)
  const now = c.var.deps.clock()
  const host = new URL(sp.origin).host
  await Promise.all([activeSpKey(c.env.DB, c.env.SSO_SECRET, 'signing', now, host), activeSpKey(c.env.DB, c.env.SSO_SECRET, 'encryption', now, host)])
  const [signing, encryption, idps] = await Promise.all([
    metadataCertificates(c.env.DB, 'signing'),
    metadataCertificates(c.env.DB, 'encryption'),
    listIdps(c.env.DB),
  ])
  const xml = buildSpMetadata({
    entityId: sp.entityId,
    acsUrl: sp.acsUrl,
    sloUrl: sp.sloUrl,
    signingCertificates: signing,
    encryptionCertificates: encryption,
    wantAssertionsSigned: true,
    authnRequestsSigned: idps.some((i) => i.signAuthnRequests),
  })
  c.header('Cache-Control', 'public, max-age=300')
  if (c.req.query('download') !== undefined) c.header('Content-Disposition', 'attachment; filename="sp-metadata.xml"')
  return c.body(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`, 200, { 'Content-Type': 'application/samlmetadata+xml; charset=utf-8' })
})
