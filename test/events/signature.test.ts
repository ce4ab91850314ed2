// Webhook signatures (events/signature.ts): `v1=` + hex HMAC-SHA256 over "<timestamp>.<body>",
// checked against a vector computed outside the gateway (Node's createHmac and Python's hmac gave
// the same hex) and against an HMAC computed here; any change to timestamp, body or secret shows.
import { describe, expect, it } from 'vitest'
import { webhookSignature } from '../../src/events/signature'
import { expectedSignature } from '../helpers/webhooks'

const BODY = JSON.stringify({ id: 'evt_1', type: 'webhook.test', createdAt: '2023-11-14T22:13:20.000Z', data: {} })

describe('webhookSignature', () => {
  it('matches a vector computed with node:crypto and Python hmac', async () => {
    expect(await webhookSignature('whsec_test-vector-secret', 1700000000, BODY)).toBe('v1=994b44627c23dcf5b38aefaee1688ae235e697b0e57e9c71f15c176cd6f55789')
  })

  it('matches an HMAC-SHA256 over "<timestamp>.<body>" computed independently', async () => {
    expect(await webhookSignature('another secret of some length', 1800000123, BODY)).toBe(
      await expectedSignature('another secret of some length', '1800000123', BODY),
    )
  })

  it('changes with the timestamp, the body and the secret', async () => {
    const base = await webhookSignature('whsec_test-vector-secret', 1700000000, BODY)
    expect(await webhookSignature('whsec_test-vector-secret', 1700000001, BODY)).not.toBe(base)
    expect(await webhookSignature('whsec_test-vector-secret', 1700000000, BODY.replace('evt_1', 'evt_2'))).not.toBe(base)
    expect(await webhookSignature('whsec_test-vector-secreT', 1700000000, BODY)).not.toBe(base)
  })
})
