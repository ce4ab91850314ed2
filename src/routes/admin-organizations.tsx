/**
 * The admin console's organization pages under /sso/admin: list, add, edit (with domains: add,
 * check now, confirm by hand, remove), revoke sessions, delete. Same services as the JSON API;
 * dangerous actions need their confirmation box ticked, checked here too, not only in the browser.
 */
import { Hono, type Context } from 'hono'
import { organizationInputFromForm } from '../admin/organization-fields'
import {
  addDomain,
  checkDomain,
  confirmDomain,
  createOrganization,
  deleteOrganization,
  listOrganizationViews,
  organizationView,
  removeDomain,
  revokeSessionsOf,
  updateOrganization,
  type OrganizationView,
} from '../admin/organizations'
import { approveSetupLink, createSetupLink, listSetupLinkViews, revokeSetupLink } from '../admin/setup-links'
import type { AppEnv } from '../env'
import { AppError, errorCode, errorInfo } from '../errors'
import { readForm } from '../http/body'
import { consoleChrome, consolePage, formErrors } from '../http/console'
import { audited } from '../middleware/audited'
import { OrganizationListPage, OrganizationPage, type OrganizationFormValues } from '../ui/admin/organizations'

type C = Context<AppEnv>

function formValuesOf(o: OrganizationView): OrganizationFormValues {
  return {
    name: o.name,
    slug: o.slug,
    helpdeskOrganization: o.helpdeskOrganization,
    enabled: o.enabled,
    trustAnyEmail: o.trustAnyEmail,
    groupMappings: o.groupMappings.map((m) => `${m.idpSlug ?? m.idpId}: ${m.group} = ${m.helpdeskOrganization}`).join('\n'),
  }
}

function typedValues(form: Record<string, string>): OrganizationFormValues {
  return {
    name: form.name ?? '',
    slug: form.slug ?? '',
    domains: form.domains ?? '',
    helpdeskOrganization: form.helpdeskOrganization ?? '',
    enabled: form.enabled === 'true',
    trustAnyEmail: form.trustAnyEmail === 'true',
    groupMappings: form.groupMappings ?? '',
  }
}

/** A dangerous console action goes ahead only with its confirmation box ticked. */
function requireConfirmation(form: Record<string, string>): void {
  if (form.confirm !== 'yes') throw new AppError('ADMIN_INVALID_FIELD', 'confirm: tick the confirmation box first', { field: 'confirm' })
}

async function renderOrganization(
  c: C,
  id: string,
  errors: Record<string, string> = {},
  values?: OrganizationFormValues,
  status: 200 | 201 | 400 | 409 = 200,
  newSetupUrl: string | null = null,
) {
  const organization = await organizationView(c.get('ctx'), id)
  const setupLinks = await listSetupLinkViews(c.get('ctx'), id)
  return c.html(
    <OrganizationPage
      {...consoleChrome(c)}
      organization={organization}
      values={values ?? formValuesOf(organization)}
      errors={errors}
      setupLinks={setupLinks}
      newSetupUrl={newSetupUrl}
    />,
    status,
  )
}

/** A refused page action (confirm, remove, revoke, delete): audited, and the organization's page again with the reason at its top. */
async function pageAction(c: C, run: () => Promise<Response>): Promise<Response> {
  try {
    return await run()
  } catch (err) {
    const errors = await formErrors(c, err)
    const code = errorCode(err)
    return renderOrganization(
      c,
      c.req.param('id')!,
      { action: Object.values(errors)[0]!, actionCode: code },
      undefined,
      errorInfo(code).status === 409 ? 409 : 400,
    )
  }
}

const domainPath = '/organizations/:id/domains/:domain'

export const adminOrganizationRoutes = new Hono<AppEnv>()
  .use('/organizations', ...consolePage())
  .use('/organizations/*', ...consolePage())
  .get('/organizations', async (c) => c.html(<OrganizationListPage {...consoleChrome(c)} organizations={await listOrganizationViews(c.get('ctx'))} />))
  .get('/organizations/new', (c) => c.html(<OrganizationPage {...consoleChrome(c)} values={{}} errors={{}} />))
  .post('/organizations', audited('organization.create'), async (c) => {
    const form = await readForm(c)
    try {
      const org = await createOrganization(c.get('ctx'), organizationInputFromForm(form), 'console')
      return c.redirect(`/sso/admin/organizations/${org.id}?flash=org-created`, 303)
    } catch (err) {
      return c.html(<OrganizationPage {...consoleChrome(c)} values={typedValues(form)} errors={await formErrors(c, err)} />, 400)
    }
  })
  .get('/organizations/:id', (c) => renderOrganization(c, c.req.param('id')))
  .post('/organizations/:id', audited('organization.update'), async (c) => {
    const id = c.req.param('id')
    const form = await readForm(c)
    try {
      // The edit form has no domains field: domains are managed one by one below it.
      const { domains: _none, ...input } = organizationInputFromForm(form)
      await updateOrganization(c.get('ctx'), id, input, 'patch', 'console')
      return c.redirect(`/sso/admin/organizations/${id}?flash=saved`, 303)
    } catch (err) {
      return renderOrganization(c, id, await formErrors(c, err), typedValues(form), 400)
    }
  })
  .post('/organizations/:id/delete', audited('organization.delete'), (c) =>
    pageAction(c, async () => {
      requireConfirmation(await readForm(c))
      await deleteOrganization(c.get('ctx'), c.req.param('id'), 'console')
      return c.redirect('/sso/admin/organizations?flash=org-deleted', 303)
    }),
  )
  .post('/organizations/:id/domains', audited('domain.claim'), async (c) => {
    const id = c.req.param('id')
    try {
      await addDomain(c.get('ctx'), id, (await readForm(c)).domain ?? '')
      return c.redirect(`/sso/admin/organizations/${id}?flash=domain-added`, 303)
    } catch (err) {
      const errors = await formErrors(c, err)
      return renderOrganization(c, id, { domain: Object.values(errors)[0]! }, undefined, 400)
    }
  })
  .post(`${domainPath}/check`, audited('domain.verify'), async (c) => {
    const id = c.req.param('id')
    const row = await checkDomain(c.get('ctx'), id, c.req.param('domain'))
    return c.redirect(`/sso/admin/organizations/${id}?flash=${row.status === 'verified' ? 'domain-verified' : 'domain-pending'}`, 303)
  })
  .post(`${domainPath}/confirm`, audited('domain.confirm'), (c) =>
    pageAction(c, async () => {
      requireConfirmation(await readForm(c))
      const id = c.req.param('id')
      await confirmDomain(c.get('ctx'), id, c.req.param('domain'))
      return c.redirect(`/sso/admin/organizations/${id}?flash=domain-verified`, 303)
    }),
  )
  .post(`${domainPath}/delete`, audited('domain.release'), (c) =>
    pageAction(c, async () => {
      requireConfirmation(await readForm(c))
      const id = c.req.param('id')
      await removeDomain(c.get('ctx'), id, c.req.param('domain'), 'console')
      return c.redirect(`/sso/admin/organizations/${id}?flash=domain-removed`, 303)
    }),
  )
  // setup links: the URL is rendered once, in the answer to its creation (no redirect carries it)
  .post('/organizations/:id/setup-links', audited('setup-link.create'), (c) =>
    pageAction(c, async () => {
      const form = await readForm(c)
      const id = c.req.param('id')
      const days = /^\d{1,3}$/.test((form.expiresInDays ?? '').trim())
        ? Number(form.expiresInDays)
        : form.expiresInDays?.trim()
          ? form.expiresInDays
          : undefined
      const { url } = await createSetupLink(
        c.get('ctx'),
        id,
        { ...(days !== undefined ? { expiresInDays: days } : {}), requireApproval: form.requireApproval === 'true' },
        'console',
      )
      c.header('Cache-Control', 'no-store')
      return renderOrganization(c, id, {}, undefined, 201, url)
    }),
  )
  .post('/organizations/:id/setup-links/:linkId/revoke', audited('setup-link.revoke'), (c) =>
    pageAction(c, async () => {
      const id = c.req.param('id')
      await revokeSetupLink(c.get('ctx'), id, c.req.param('linkId'), 'console')
      return c.redirect(`/sso/admin/organizations/${id}?flash=setup-link-revoked#setup-links`, 303)
    }),
  )
  .post('/organizations/:id/setup-links/:linkId/approve', audited('setup-link.approve'), (c) =>
    pageAction(c, async () => {
      const id = c.req.param('id')
      await approveSetupLink(c.get('ctx'), id, c.req.param('linkId'), 'console')
      return c.redirect(`/sso/admin/organizations/${id}?flash=setup-link-approved#setup-links`, 303)
    }),
  )
  .post('/organizations/:id/sessions/revoke', audited('sessions.revoke'), (c) =>
    pageAction(c, async () => {
      requireConfirmation(await readForm(c))
      const id = c.req.param('id')
      const { revoked } = await revokeSessionsOf(c.get('ctx'), { organizationId: id }, 'console')
      return c.redirect(`/sso/admin/organizations/${id}?flash=revoked&n=${revoked}`, 303)
    }),
  )
