/**
 * The admin console's helpdesk app pages under /sso/admin/apps: the list; add one by kind
 * (Zendesk, Freshworks, SAML by values or from SP metadata); each app's page with the values its
 * helpdesk needs, edit, on/off, Zendesk's secret replaced, metadata refresh; delete after a
 * confirmation page (the box is checked here too). Same services as the JSON API.
 */
import { Hono, type Context } from 'hono'
import { appFormValuesFromForm, appFormValuesOf, appInputFromForm, appKindOf, asAppFormError, newAppFormValues, type AppFormValues } from '../admin/app-fields'
import {
  appDetail,
  brokerCertificateFile,
  brokerSetup,
  createApp,
  deleteApp,
  importSamlApp,
  listAppSummaries,
  previewSetup,
  refreshSamlApp,
  requireApp,
  rotateAppSecret,
  setAppEnabled,
  updateApp,
} from '../admin/apps'
import { slugify } from '../admin/validate'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { readForm } from '../http/body'
import { consoleChrome, consolePage, formErrors, importError } from '../http/console'
import { audited } from '../middleware/audited'
import type { App } from '../store/apps'
import { AppFormPage, type AppKindName, type ImportFormValues } from '../ui/admin/app-form'
import { AppDeletePage, AppsPage } from '../ui/admin/apps'

type C = Context<AppEnv>

/** The kind a URL names; anything else is refused by name. */
function requireKind(value: string | undefined): AppKindName {
  const kind = appKindOf(value)
  if (!kind) throw new AppError('ADMIN_INVALID_FIELD', "kind: must be 'zendesk', 'freshworks' or 'saml'", { field: 'kind' })
  return kind
}

/** The page that adds an app of `kind`, with what was typed and why it was refused. */
async function renderNewApp(
  c: C,
  kind: AppKindName,
  props: { values?: AppFormValues; errors?: Record<string, string>; importValues?: ImportFormValues; status?: 200 | 400 | 422 } = {},
) {
  const values = props.values ?? newAppFormValues()
  const typedSlug = values.slug || (values.name ? slugify(values.name, 'app') : null)
  return c.html(
    <AppFormPage
      {...consoleChrome(c)}
      kind={kind}
      values={values}
      errors={props.errors ?? {}}
      setup={await previewSetup(c.get('ctx'), kind, typedSlug)}
      {...(props.importValues ? { importValues: props.importValues } : {})}
    />,
    props.status ?? 200,
  )
}

/** An app's page: its values for the helpdesk and its form, as stored or as typed after a refusal. */
async function renderApp(c: C, app: App, props: { values?: AppFormValues; errors?: Record<string, string>; status?: 200 | 400 } = {}) {
  const { view, setup, stagedCertificate } = await appDetail(c.get('ctx'), app)
  return c.html(
    <AppFormPage
      {...consoleChrome(c)}
      kind={app.kind}
      app={{
        id: app.id,
        name: app.name,
        enabled: app.enabled,
        hasSecret: view.hasSecret,
        metadataUrl: app.kind === 'saml' ? (app.config.metadataUrl ?? null) : null,
      }}
      values={props.values ?? appFormValuesOf(app)}
      errors={props.errors ?? {}}
      setup={setup}
      stagedCertificate={stagedCertificate}
    />,
    props.status ?? 200,
  )
}

/** The broker certificate as a download (it is public: /sso/idp/metadata carries it too). */
async function certificateDownload(c: C, format: 'pem' | 'cer') {
  const file = await brokerCertificateFile(c.get('ctx'), format)
  const headers = { 'Content-Type': file.contentType, 'Content-Disposition': `attachment; filename="${file.filename}"` }
  return typeof file.body === 'string' ? c.body(file.body, 200, headers) : c.body(file.body, 200, headers)
}

export const adminAppRoutes = new Hono<AppEnv>()
  // '/apps/*' matches '/apps' too: one session lookup and CSRF check per request.
  .use('/apps/*', ...consolePage())
  .get('/apps', async (c) =>
    c.html(<AppsPage {...consoleChrome(c)} apps={await listAppSummaries(c.get('ctx'))} brokerMetadataUrl={brokerSetup(c.get('ctx')).brokerMetadataUrl} />),
  )
  .get('/apps/new', (c) => renderNewApp(c, appKindOf(c.req.query('kind')) ?? 'saml'))
  .get('/apps/broker-certificate.pem', (c) => certificateDownload(c, 'pem'))
  .get('/apps/broker-certificate.cer', (c) => certificateDownload(c, 'cer'))
  .post('/apps', audited('app.create'), async (c) => {
    const kind = requireKind(c.req.query('kind'))
    const form = await readForm(c)
    try {
      const app = await createApp(c.get('ctx'), appInputFromForm(kind, form, true), 'console')
      return c.redirect(`/sso/admin/apps/${app.id}?flash=app-created`, 303)
    } catch (err) {
      const errors = await formErrors(c, asAppFormError(err))
      return renderNewApp(c, kind, { values: appFormValuesFromForm(form), errors, status: 400 })
    }
  })
  .post('/apps/import', audited('app.create'), async (c) => {
    const form = await readForm(c)
    const importValues = {
      importName: (form.importName ?? '').trim(),
      metadataUrl: (form.metadataUrl ?? '').trim(),
      metadataXml: (form.metadataXml ?? '').trim(),
    }
    const source = importValues.metadataUrl ? 'metadataUrl' : 'metadataXml'
    try {
      const input = { name: importValues.importName, metadataUrl: importValues.metadataUrl, metadataXml: importValues.metadataXml, enabled: false }
      const app = await importSamlApp(c.get('ctx'), input, 'console')
      return c.redirect(`/sso/admin/apps/${app.id}?flash=app-created`, 303)
    } catch (err) {
      const { field, message } = await importError(c, err, source)
      // The name (and the slug made from it) is the import form's; every other problem is the metadata's.
      const key = field === 'name' || field === 'slug' ? 'importName' : field === 'metadataUrl' || field === 'metadataXml' ? field : source
      return renderNewApp(c, 'saml', { importValues, errors: { [key]: message }, status: 422 })
    }
  })
  .get('/apps/:id', async (c) => renderApp(c, await requireApp(c.get('ctx'), c.req.param('id'))))
  .post('/apps/:id', audited('app.update'), async (c) => {
    const before = await requireApp(c.get('ctx'), c.req.param('id'))
    const form = await readForm(c)
    try {
      await updateApp(c.get('ctx'), before.id, appInputFromForm(before.kind, form, false), 'console')
      return c.redirect(`/sso/admin/apps/${before.id}?flash=saved`, 303)
    } catch (err) {
      const errors = await formErrors(c, asAppFormError(err))
      return renderApp(c, before, { values: { ...appFormValuesFromForm(form), enabled: before.enabled }, errors, status: 400 })
    }
  })
  .post('/apps/:id/toggle', audited('app.update'), async (c) => {
    const app = await setAppEnabled(c.get('ctx'), c.req.param('id'), (await readForm(c)).enabled === 'true', 'console')
    return c.redirect(`/sso/admin/apps/${app.id}?flash=saved`, 303)
  })
  .post('/apps/:id/rotate-secret', audited('app.secret-rotate'), async (c) => {
    const app = await requireApp(c.get('ctx'), c.req.param('id'))
    try {
      await rotateAppSecret(c.get('ctx'), app.id, { sharedSecret: ((await readForm(c)).sharedSecret ?? '').trim() }, 'console')
      return c.redirect(`/sso/admin/apps/${app.id}?flash=app-secret-replaced`, 303)
    } catch (err) {
      return renderApp(c, app, { errors: await formErrors(c, err), status: 400 })
    }
  })
  .post('/apps/:id/refresh', audited('app.metadata-refresh'), async (c) => {
    const app = await refreshSamlApp(c.get('ctx'), c.req.param('id'), 'console')
    return c.redirect(`/sso/admin/apps/${app.id}?flash=saved`, 303)
  })
  .get('/apps/:id/delete', async (c) => {
    const app = await requireApp(c.get('ctx'), c.req.param('id'))
    return c.html(<AppDeletePage {...consoleChrome(c)} app={{ id: app.id, name: app.name, kind: app.kind }} errors={{}} />)
  })
  .post('/apps/:id/delete', audited('app.delete'), async (c) => {
    const app = await requireApp(c.get('ctx'), c.req.param('id'))
    try {
      // Dangerous: only with its confirmation box ticked (the form requires it; this enforces it).
      if ((await readForm(c)).confirm !== 'yes') throw new AppError('ADMIN_INVALID_FIELD', 'confirm: tick the box to delete the app', { field: 'confirm' })
      await deleteApp(c.get('ctx'), app.id, 'console')
      return c.redirect('/sso/admin/apps?flash=app-deleted', 303)
    } catch (err) {
      const errors = await formErrors(c, err)
      return c.html(<AppDeletePage {...consoleChrome(c)} app={{ id: app.id, name: app.name, kind: app.kind }} errors={errors} />, 400)
    }
  })
