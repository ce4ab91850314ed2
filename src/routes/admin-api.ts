/**
 * The admin JSON API under /sso/admin/api (DESIGN.md), `Authorization: Bearer <ADMIN_TOKEN>`:
 * IdPs, organizations (domains, sessions), helpdesk apps, settings, keys, audit. Each route reads JSON, calls one admin service
 * function (validate → store → audit) and answers JSON; failures go through the error handler.
 */
import { Hono, type MiddlewareHandler } from 'hono'
import { createApp, deleteApp, importSamlApp, listAppViews, refreshSamlApp, requireApp, rotateAppSecret, appView, updateApp } from '../admin/apps'
import { parseAuditQuery, readAuditLog } from '../admin/audit-log'
import { readOverview } from '../admin/overview'
import { idpView } from '../admin/idp-fields'
import { createIdp, deleteIdp, importIdp, listIdpViews, refreshIdpMetadata, requireIdp, updateIdp } from '../admin/idps'
import {
  addDomain,
  checkDomain,
  confirmDomain,
  createOrganization,
  deleteOrganization,
  domainView,
  listOrganizationViews,
  organizationView,
  removeDomain,
  revokeSessionsOf,
  revokeUserSessions,
  updateOrganization,
} from '../admin/organizations'
import { activateSpKey, listJwtKeyViews, listSpKeyViews, parseKeyUse, rotateJwtKey, stageSpKey } from '../admin/keys'
import { readSettings, updateSettings } from '../admin/settings'
import { approveSetupLink, createSetupLink, listSetupLinkViews, revokeSetupLink } from '../admin/setup-links'
import { requireObject } from '../admin/validate'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { readJson } from '../http/body'
import { requireAdminToken } from '../middleware/admin-token'
import { auditAs, audited, trailOf } from '../middleware/audited'
import { limitBody, MAX_ADMIN_BODY_BYTES } from '../middleware/body-limit'

const noStore: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next()
  c.header('Cache-Control', 'no-store')
}

export const adminApiRoutes = new Hono<AppEnv>()
  .use(limitBody(MAX_ADMIN_BODY_BYTES))
  .use(requireAdminToken())
  .use(noStore)
  // identity providers
  .get('/idps', async (c) => c.json({ idps: await listIdpViews(c.get('ctx')) }))
  .post('/idps', audited('idp.create'), async (c) => {
    const row = await createIdp(c.get('ctx'), await readJson(c), 'api')
    return c.json(await idpView(row, c.get('ctx').clock()), 201)
  })
  .post('/idps/import', audited('idp.create'), async (c) => {
    const row = await importIdp(c.get('ctx'), await readJson(c), 'api')
    return c.json(await idpView(row, c.get('ctx').clock()), 201)
  })
  .post('/idps/:id/refresh', audited('idp.metadata-refresh'), async (c) => {
    // A failed refresh is audited under its IdP (the overview's "metadata refresh failing").
    trailOf(c).idpId = c.req.param('id')
    const row = await refreshIdpMetadata(c.get('ctx'), c.req.param('id'), 'api')
    return c.json(await idpView(row, c.get('ctx').clock()))
  })
  .get('/idps/:id', async (c) => c.json(await idpView(await requireIdp(c.get('ctx'), c.req.param('id')), c.get('ctx').clock())))
  .on(['PUT', 'PATCH'], '/idps/:id', audited('idp.update'), async (c) => {
    const row = await updateIdp(c.get('ctx'), c.req.param('id'), await readJson(c), c.req.method === 'PUT' ? 'replace' : 'patch', 'api')
    return c.json(await idpView(row, c.get('ctx').clock()))
  })
  .delete('/idps/:id', audited('idp.delete'), async (c) => {
    await deleteIdp(c.get('ctx'), c.req.param('id'), 'api')
    return c.body(null, 204)
  })
  .delete('/idps/:id/sessions', audited('sessions.revoke'), async (c) => {
    const idp = await requireIdp(c.get('ctx'), c.req.param('id'))
    return c.json(await revokeSessionsOf(c.get('ctx'), { idpId: idp.id }, 'api'))
  })
  // organizations, their domains and sessions
  .get('/organizations', async (c) => c.json({ organizations: await listOrganizationViews(c.get('ctx')) }))
  .post('/organizations', audited('organization.create'), async (c) => {
    const org = await createOrganization(c.get('ctx'), await readJson(c), 'api')
    return c.json(await organizationView(c.get('ctx'), org.id), 201)
  })
  .get('/organizations/:id', async (c) => c.json(await organizationView(c.get('ctx'), c.req.param('id'))))
  .on(['PUT', 'PATCH'], '/organizations/:id', audited('organization.update'), async (c) => {
    const org = await updateOrganization(c.get('ctx'), c.req.param('id'), await readJson(c), c.req.method === 'PUT' ? 'replace' : 'patch', 'api')
    return c.json(await organizationView(c.get('ctx'), org.id))
  })
  .delete('/organizations/:id', audited('organization.delete'), async (c) => {
    await deleteOrganization(c.get('ctx'), c.req.param('id'), 'api')
    return c.body(null, 204)
  })
  .post('/organizations/:id/domains', audited('domain.claim'), async (c) => {
    const body = requireObject(await readJson(c))
    return c.json(domainView(await addDomain(c.get('ctx'), c.req.param('id'), body.domain)), 201)
  })
  .delete('/organizations/:id/domains/:domain', audited('domain.release'), async (c) => {
    await removeDomain(c.get('ctx'), c.req.param('id'), c.req.param('domain'), 'api')
    return c.body(null, 204)
  })
  .post('/organizations/:id/domains/:domain/check', audited('domain.verify'), async (c) =>
    c.json(domainView(await checkDomain(c.get('ctx'), c.req.param('id'), c.req.param('domain')))),
  )
  .post('/organizations/:id/domains/:domain/confirm', audited('domain.confirm'), async (c) =>
    c.json(domainView(await confirmDomain(c.get('ctx'), c.req.param('id'), c.req.param('domain')))),
  )
  // setup links: a customer's IT connects its own IdP (the URL is in this answer only)
  .post('/organizations/:id/setup-links', audited('setup-link.create'), async (c) => {
    const { url, link } = await createSetupLink(c.get('ctx'), c.req.param('id'), await readJson(c, {}), 'api')
    return c.json({ url, ...link }, 201)
  })
  .get('/organizations/:id/setup-links', async (c) => c.json({ setupLinks: await listSetupLinkViews(c.get('ctx'), c.req.param('id')) }))
  .delete('/organizations/:id/setup-links/:linkId', audited('setup-link.revoke'), async (c) =>
    c.json(await revokeSetupLink(c.get('ctx'), c.req.param('id'), c.req.param('linkId'), 'api')),
  )
  .post('/organizations/:id/setup-links/:linkId/approve', audited('setup-link.approve'), async (c) =>
    c.json(await approveSetupLink(c.get('ctx'), c.req.param('id'), c.req.param('linkId'), 'api')),
  )
  .delete('/organizations/:id/sessions', audited('sessions.revoke'), async (c) =>
    c.json(await revokeSessionsOf(c.get('ctx'), { organizationId: c.req.param('id') }, 'api')),
  )
  .delete('/sessions', audited('sessions.revoke'), async (c) => {
    return c.json(await revokeUserSessions(c.get('ctx'), c.req.query('subject'), 'api'))
  })
  // helpdesk apps (hand-off targets)
  .get('/apps', async (c) => c.json({ apps: await listAppViews(c.get('ctx')) }))
  .post('/apps', audited('app.create'), async (c) => c.json(await appView(c.get('ctx'), await createApp(c.get('ctx'), await readJson(c), 'api')), 201))
  .post('/apps/import', audited('app.create'), async (c) => {
    const app = await importSamlApp(c.get('ctx'), requireObject(await readJson(c)), 'api')
    return c.json(await appView(c.get('ctx'), app), 201)
  })
  .post('/apps/:id/refresh', audited('app.metadata-refresh'), async (c) =>
    c.json(await appView(c.get('ctx'), await refreshSamlApp(c.get('ctx'), c.req.param('id'), 'api'))),
  )
  .get('/apps/:id', async (c) => c.json(await appView(c.get('ctx'), await requireApp(c.get('ctx'), c.req.param('id')))))
  .patch('/apps/:id', audited('app.update'), async (c) =>
    c.json(await appView(c.get('ctx'), await updateApp(c.get('ctx'), c.req.param('id'), await readJson(c), 'api'))),
  )
  // Zendesk: the new secret Zendesk generated replaces the stored one (never echoed back)
  .post('/apps/:id/rotate-secret', audited('app.secret-rotate'), async (c) =>
    c.json(await appView(c.get('ctx'), await rotateAppSecret(c.get('ctx'), c.req.param('id'), await readJson(c), 'api'))),
  )
  .delete('/apps/:id', audited('app.delete'), async (c) => {
    await deleteApp(c.get('ctx'), c.req.param('id'), 'api')
    return c.body(null, 204)
  })
  // keys
  .get('/sp/keys', async (c) => c.json({ keys: await listSpKeyViews(c.get('ctx')) }))
  .post('/sp/keys/:use/:step', async (c) => {
    const step = c.req.param('step')
    if (step !== 'stage' && step !== 'activate') throw new AppError('NOT_FOUND')
    auditAs(c, step === 'stage' ? 'sp-key.stage' : 'sp-key.activate')
    const use = parseKeyUse(c.req.param('use'))
    if (step === 'stage') return c.json({ ...(await stageSpKey(c.get('ctx'), use)), status: 'next' }, 201)
    await activateSpKey(c.get('ctx'), use)
    return c.json({ ok: true })
  })
  .get('/jwt/keys', async (c) => c.json({ keys: await listJwtKeyViews(c.get('ctx')) }))
  .post('/jwt/keys/rotate', audited('jwt-key.rotate'), async (c) => c.json({ kid: await rotateJwtKey(c.get('ctx')) }, 201))
  // settings and audit
  .get('/settings', async (c) => c.json(await readSettings(c.get('ctx'))))
  .put('/settings', audited('settings.update'), async (c) => c.json(await updateSettings(c.get('ctx'), await readJson(c), 'api')))
  .get('/audit', async (c) => c.json(await readAuditLog(c.get('ctx'), parseAuditQuery(c.req.query()))))
  .get('/overview', async (c) => c.json(await readOverview(c.get('ctx'))))
