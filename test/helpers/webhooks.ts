// Test helper (workerd): a webhook receiver behind a spy on globalThis.fetch (as the metadata and
// OIDC tests serve outbound calls), the gateway's webhook settings, and an independent check of
// the signature (WebCrypto HMAC computed here, not by src/events/signature.ts).
import { env } from 'cloudflare:workers'
import { vi } from 'vitest'
import { putSettings, sealWebhookSecret } from '../../src/store/settings'

export const WEBHOOK_URL = 'https://hooks.example.net/edge-sso'
export const WEBHOOK_SECRET = 'whsec_test-secret-0123456789abcdef'

export interface ReceivedWebhook {
  url: string
  method: string
  headers: Headers
  body: string
  redirect: RequestInit['redirect']
  signal: AbortSignal | null | undefined
}

export interface Receiver {
  requests: ReceivedWebhook[]
  /** How the receiver answers the next requests (default 200). */
  respond: (request: ReceivedWebhook) => Response | Promise<Response>
}

/** Records and answers every fetch to `url`; anything else goes out as before. Restored by vi.restoreAllMocks. */
export function webhookReceiver(url = WEBHOOK_URL): Receiver {
  const realFetch = globalThis.fetch
  const receiver: Receiver = { requests: [], respond: () => new Response('ok') }
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const target = input instanceof Request ? input.url : String(input)
    if (target !== url) return realFetch(input, init)
    const request: ReceivedWebhook = {
      url: target,
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : '',
      redirect: init?.redirect,
      signal: init?.signal,
    }
    receiver.requests.push(request)
    return receiver.respond(request)
  })
  return receiver
}

/** Turns webhooks on (URL and sealed secret) or off (no URL, no secret), as the settings store keeps them. */
export async function configureWebhook(on: boolean, url = WEBHOOK_URL, secret = WEBHOOK_SECRET): Promise<void> {
  await putSettings(env.DB, { webhookUrl: on ? url : null }, new Date(), on ? await sealWebhookSecret(env.SSO_SECRET, secret) : null)
}

/** The hex HMAC-SHA256 of `<timestamp>.<body>`, computed independently of the gateway. */
export async function expectedSignature(secret: string, timestamp: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${timestamp}.${body}`))
  return `v1=${Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('')}`
}

export interface OutboxRow {
  id: string
  type: string
  body: string
  status: string
  attempts: number
  next_attempt_at: number | null
  last_http_status: number | null
  last_error: string | null
  dedupe_key: string | null
  created_at: number
}

/** Every outbox row, oldest first. */
export async function outbox(): Promise<OutboxRow[]> {
  return (await env.DB.prepare('SELECT * FROM webhook_events ORDER BY created_at, id').all<OutboxRow>()).results
}

export async function clearOutbox(): Promise<void> {
  await env.DB.prepare('DELETE FROM webhook_events').run()
}
