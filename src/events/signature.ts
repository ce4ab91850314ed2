/**
 * Webhook signatures, as Stripe and WorkOS sign theirs: `Webhook-Signature: v1=<hex>`, the hex
 * HMAC-SHA256 of `<timestamp>.<body>` keyed with the signing secret's UTF-8 bytes. The timestamp
 * (unix seconds, also sent as `Webhook-Timestamp`) is inside the MAC, so a receiver that checks it
 * against its clock refuses a replayed delivery. WebCrypto only; the secret never leaves here.
 */

/** Header names every delivery carries (docs/operations.md "Events and webhooks"). */
export const WEBHOOK_HEADERS = { id: 'Webhook-Id', timestamp: 'Webhook-Timestamp', signature: 'Webhook-Signature' } as const

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. */
export async function webhookSignature(secret: string, timestamp: number, body: string): Promise<string> {
  const encoder = new TextEncoder()
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}.${body}`)))
  return `v1=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}
