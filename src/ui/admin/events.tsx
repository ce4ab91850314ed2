/**
 * Events: the webhook delivery log. Whether webhooks are on and where they go, "Send a test
 * event", and the latest events with their status, attempts, last answer and next attempt;
 * "Retry now" on an event that was given up. JS-free forms; never shows the signing secret.
 */
import type { EventView, WebhookState } from '../../admin/events'
import { AdminLayout, PostButton, type AdminLayoutProps } from './layout'

type Chrome = Omit<AdminLayoutProps, 'title' | 'active' | 'children'> & { csrf: string }

/** What each delivery error code means, in plain words (events/deliver.ts DeliveryErrorCode). */
const ERROR_TEXT: Record<string, string> = {
  WEBHOOK_HTTP_ERROR: 'the receiver refused it',
  WEBHOOK_REDIRECT: 'the receiver answered with a redirect (not followed: give the final URL)',
  WEBHOOK_TIMEOUT: 'no answer within 5 s',
  WEBHOOK_UNREACHABLE: 'the host could not be reached',
  WEBHOOK_SECRET_MISSING: 'no signing secret (set one in Settings)',
}

function lastResult(e: EventView): string {
  if (e.attempts === 0) return 'not sent yet'
  const status = e.lastHttpStatus === null ? '' : `HTTP ${e.lastHttpStatus}`
  if (!e.lastError) return status || 'sent'
  return [status, `${e.lastError}: ${ERROR_TEXT[e.lastError] ?? 'failed'}`].filter(Boolean).join(' · ')
}

/** Event types and status tags stay on one line (the table scrolls instead of breaking `webhook.test`). */
const EVENTS_CSS = '.events code,.events .tag{white-space:nowrap;overflow-wrap:normal}'

const TAG: Record<EventView['status'], string> = { delivered: 'tag ok', pending: 'tag', failed: 'tag warn' }

function When(props: { at: string | null }) {
  return props.at ? <time datetime={props.at}>{props.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time> : <span class="muted">—</span>
}

export function EventsPage(props: Chrome & { webhook: WebhookState; events: EventView[]; error?: { code: string; message: string } | null }) {
  const on = Boolean(props.webhook.url && props.webhook.hasSecret)
  return (
    <AdminLayout {...props} title="Events" active="events" pageCss={EVENTS_CSS}>
      {props.error ? (
        <p class="flash error" role="alert" data-testid="events-error">
          <code data-testid="error-code">{props.error.code}</code>: {props.error.message}
        </p>
      ) : null}
      {on ? (
        <p data-testid="webhook-on">
          Events are POSTed to <code>{props.webhook.url}</code>, signed with HMAC-SHA256 (the <code>Webhook-Signature</code> header). A failed delivery is
          retried after 1 min, 5 min, 30 min, 2 h and 12 h, then given up. <a href="/sso/admin/settings#webhook">Change in Settings</a>.
        </p>
      ) : (
        <p class="callout" data-testid="webhook-off">
          Webhooks are off: no event is recorded or sent. Set a webhook URL and its signing secret in <a href="/sso/admin/settings#webhook">Settings</a>.
        </p>
      )}
      {on ? (
        <form method="post" action="/sso/admin/events/test">
          <input type="hidden" name="_csrf" value={props.csrf} />
          <button class="btn" type="submit" data-testid="send-test">
            Send a test event
          </button>
        </form>
      ) : null}
      <h2>Latest events</h2>
      {props.events.length === 0 ? (
        <p data-testid="events-empty">No events yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="responsive events" data-testid="events">
            <caption class="muted">The latest {props.events.length} events, newest first (times in UTC).</caption>
            <thead>
              <tr>
                <th scope="col">Created</th>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last result</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.events.map((e) => (
                <tr data-event={e.id} data-status={e.status}>
                  <td>
                    <When at={e.createdAt} />
                  </td>
                  <td>
                    <code>{e.type}</code>
                    <details>
                      <summary>Data</summary>
                      <p class="muted">
                        <code>{e.id}</code>
                      </p>
                      <pre>{JSON.stringify(e.data, null, 2)}</pre>
                    </details>
                  </td>
                  <td>
                    <span class={TAG[e.status]} data-testid="event-status">
                      {e.status}
                    </span>
                  </td>
                  <td data-testid="event-attempts">
                    {e.attempts} of {e.maxAttempts}
                  </td>
                  <td data-testid="event-result">{lastResult(e)}</td>
                  <td>
                    <When at={e.nextAttemptAt} />
                  </td>
                  <td>
                    {e.status === 'failed' ? (
                      <PostButton
                        action={`/sso/admin/events/${e.id}/retry`}
                        csrf={props.csrf}
                        label="Retry now"
                        testId="retry"
                        ariaLabel={`Retry ${e.type} event ${e.id} now`}
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </AdminLayout>
  )
}
