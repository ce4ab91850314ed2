/**
 * The admin console's events pages under /sso/admin: the webhook delivery log, "Send a test
 * event", "Retry now", and Settings' "Generate signing secret" (the new secret is rendered once,
 * in the answer to that POST; no redirect carries it). Same services as everywhere; CSRF-checked.
 */
import { Hono, type Context } from 'hono'
import { listEventViews, retryEvent, sendTestEvent, webhookState, type SendResult } from '../admin/events'
import { adminAccessLines, generateWebhookSecret, readSettings } from '../admin/settings'
import type { AppEnv } from '../env'
import { AppError, errorInfo } from '../errors'
import { consoleChrome, consolePage } from '../http/console'
import { audited, trailOf } from '../middleware/audited'
import { auditFailure } from '../audit/record'
import { EventsPage } from '../ui/admin/events'
import { SettingsPage } from '../ui/admin/settings'

type C = Context<AppEnv>

async function renderEvents(c: C, error: AppError | null = null) {
  const [webhook, events] = await Promise.all([webhookState(c.get('ctx')), listEventViews(c.get('ctx'))])
  const status = error ? (errorInfo(error.code).status as 404 | 409) : 200
  return c.html(<EventsPage {...consoleChrome(c)} webhook={webhook} events={events} error={error && { code: error.code, message: error.message }} />, status)
}

/** Where a sent event leads: the log, saying how the attempt went. */
function afterSend(c: C, result: SendResult) {
  const flash = !result.delivery ? 'event-queued' : result.delivery.status === 'delivered' ? 'event-delivered' : 'event-not-delivered'
  return c.redirect(`/sso/admin/events?flash=${flash}`, 303)
}

/** A refused send (webhooks off, unknown event, not failed): audited, and the log again with the reason at its top. */
async function sendAction(c: C, run: () => Promise<Response>): Promise<Response> {
  try {
    return await run()
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    await auditFailure(c.get('ctx'), trailOf(c), err)
    return renderEvents(c, err)
  }
}

export const adminEventRoutes = new Hono<AppEnv>()
  .use('/events', ...consolePage())
  .use('/events/*', ...consolePage())
  .use('/settings/webhook-secret', ...consolePage())
  .get('/events', (c) => renderEvents(c))
  .post('/events/test', audited('event.test'), (c) => sendAction(c, async () => afterSend(c, await sendTestEvent(c.get('ctx'), 'console'))))
  .post('/events/:id/retry', audited('event.retry'), (c) =>
    sendAction(c, async () => afterSend(c, await retryEvent(c.get('ctx'), c.req.param('id'), 'console'))),
  )
  .post('/settings/webhook-secret', audited('settings.update'), async (c) => {
    const secret = await generateWebhookSecret(c.get('ctx'), 'console')
    const values = await readSettings(c.get('ctx'))
    return c.html(
      <SettingsPage
        {...consoleChrome(c)}
        values={values}
        adminAccessText={await adminAccessLines(c.get('ctx'), values.adminAccess)}
        errors={{}}
        defaultEntityId={`${c.get('ctx').origin}/sso/metadata`}
        newWebhookSecret={secret}
      />,
    )
  })
