/**
 * GET/POST /sso/setup/:token…: the setup-link pages for a customer's IT (src/setup/setup-link.ts).
 * Every request is rate-limited per client first; forms must come from the page itself (same
 * site and the link's form token). A refused form re-renders the page with its error (4xx).
 */
import { Hono, type Context } from 'hono'
import type { AppEnv } from '../env'
import { AppError, errorCode, errorInfo } from '../errors'
import { readForm } from '../http/body'
import { startedHere } from '../http/fetch-site'
import { requestCookies, respond } from '../http/respond'
import { limitBody, MAX_ADMIN_BODY_BYTES } from '../middleware/body-limit'
import { isSamlError } from '../saml/index'
import {
  activateSetup,
  addSetupDomain,
  assertSetupCsrf,
  checkSetupDomain,
  configureSetupIdp,
  openSetup,
  setupPageData,
  setupTestResult,
  startSetupTest,
  throttleSetup,
  type OpenSetup,
} from '../setup/setup-link'
import { SetupPage, type SetupPageProps } from '../ui/setup'

async function opened(c: Context<AppEnv>): Promise<OpenSetup> {
  await throttleSetup(c.get('ctx'))
  return openSetup(c.get('ctx'), c.req.param('token') ?? '')
}

async function page(c: Context<AppEnv>, open: OpenSetup, extra: Omit<SetupPageProps, 'data'> = {}, status: 200 | 400 | 409 | 422 | 503 = 200) {
  c.header('Cache-Control', 'no-store')
  return c.html(<SetupPage data={await setupPageData(open, c.req.query('product'))} {...extra} />, status)
}

/** A form post: the link, its form checked, then `act`; an AppError the IT can fix is shown on the page. */
async function post(c: Context<AppEnv>, act: (open: OpenSetup, form: Record<string, string>) => Promise<Response | string | null>) {
  const open = await opened(c)
  const form = await readForm(c, ['metadataFile'])
  await assertSetupCsrf(c.get('ctx'), open.link, form._csrf, startedHere(c.req.raw, c.get('ctx').origin))
  try {
    const outcome = await act(open, form)
    if (outcome instanceof Response) return outcome
    return c.redirect(`/sso/setup/${open.token}?${outcome ? `notice=${encodeURIComponent(outcome)}` : ''}`, 303)
  } catch (err) {
    // Errors the IT can act on (a field, a metadata document, a missing step) are shown on the page.
    if (!(err instanceof AppError || isSamlError(err)) || errorCode(err) === 'SETUP_RATE_LIMITED') throw err
    const code = errorCode(err)
    const info = errorInfo(code)
    c.set('errorCode', code)
    // A conflict would name what another organization holds (a domain, an entity ID): said plainly, never whose.
    const message =
      code === 'ADMIN_CONFLICT'
        ? 'This is already registered for another company on this portal. If it is yours, ask the helpdesk.'
        : isSamlError(err) || info.exposeMessage || code.startsWith('ADMIN_') || code.startsWith('OIDC_')
          ? err.message
          : info.user
    return page(c, open, { error: { code, message } }, info.status === 409 || info.status === 422 || info.status === 503 ? info.status : 400)
  }
}

const NOTICES: Record<string, string> = {
  idp: 'Saved. Now verify your domain and run a test sign-in.',
  domain: 'Domain added: publish its TXT record, then check it.',
  checked: 'Checked.',
  active: 'Done: sign-in is on for your users.',
  submitted: 'Submitted for approval.',
}

export const setupRoutes = new Hono<AppEnv>()
  .get('/setup/:token', async (c) => {
    const open = await opened(c)
    const notice = NOTICES[c.req.query('notice') ?? ''] ?? null
    return page(c, open, { notice })
  })
  .get('/setup/:token/test/:requestId', async (c) => {
    const open = await opened(c)
    return page(c, open, { test: { result: await setupTestResult(open, c.req.param('requestId')) } })
  })
  .post('/setup/:token/idp', limitBody(MAX_ADMIN_BODY_BYTES), (c) =>
    post(c, async (open, form) => {
      const source = form.source === 'oidc' ? 'oidc' : form.source === 'manual' ? 'manual' : 'metadata'
      const metadataXml = (form.metadataFile ?? form.metadataXml ?? '').trim()
      await configureSetupIdp(open, {
        source,
        ...(form.product ? { product: form.product } : {}),
        ...(metadataXml ? { metadataXml } : { metadataUrl: (form.metadataUrl ?? '').trim() }),
        entityId: (form.entityId ?? '').trim(),
        ssoUrl: (form.ssoUrl ?? '').trim(),
        certificates: form.certificates ?? '',
        issuer: (form.issuer ?? '').trim(),
        clientId: (form.clientId ?? '').trim(),
        clientSecret: (form.clientSecret ?? '').trim(),
      })
      return 'idp'
    }),
  )
  .post('/setup/:token/domains', limitBody(MAX_ADMIN_BODY_BYTES), (c) =>
    post(c, async (open, form) => {
      await addSetupDomain(open, (form.domain ?? '').trim())
      return 'domain'
    }),
  )
  .post('/setup/:token/domains/check', limitBody(MAX_ADMIN_BODY_BYTES), (c) =>
    post(c, async (open, form) => {
      await checkSetupDomain(open, form.domain ?? '')
      return 'checked'
    }),
  )
  .post('/setup/:token/test', limitBody(MAX_ADMIN_BODY_BYTES), (c) => post(c, async (open) => respond(c, await startSetupTest(open, requestCookies(c)))))
  .post('/setup/:token/activate', limitBody(MAX_ADMIN_BODY_BYTES), (c) =>
    post(c, async (open) => ((await activateSetup(open)) === 'active' ? 'active' : 'submitted')),
  )
