// The failure-spike event (events/failure-spike.ts), fed by the audit log as each failed sign-in
// is recorded (audit/record.ts): 20 failures for one IdP within 15 minutes emit one
// `idp.failure_spike`, never a second in the same window; other IdPs, other actions and successes
// do not count; nothing happens while webhooks are off.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AppError } from '../../src/errors'
import { auditFailure, recordAudit } from '../../src/audit/record'
import { FAILURE_SPIKE_THRESHOLD, FAILURE_SPIKE_WINDOW_MS } from '../../src/events/failure-spike'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { testContext } from '../helpers/context'
import { seedIdp } from '../helpers/tenants'
import { clearOutbox, configureWebhook, outbox } from '../helpers/webhooks'

// The start of a 15-minute window.
const T0 = new Date('2031-07-01T09:00:00Z')
let idpN = 0

async function newIdp() {
  idpN++
  return seedIdp(env.DB, `idp_spike_${idpN}`, {
    name: `Spiky ${idpN}`,
    slug: `spiky-${idpN}`,
    entityId: `https://spiky-${idpN}.idp.test/saml`,
    ssoUrl: `https://spiky-${idpN}.idp.test/sso`,
    certificates: [TEST_IDP_CERT],
  })
}

/** `n` failed sign-ins at `idpId`, one second apart from `from`, audited as the ACS audits them. */
async function failLogins(idpId: string, n: number, from: Date, code = 'SAML_SIGNATURE_INVALID') {
  for (let i = 0; i < n; i++) {
    const ctx = testContext({ clock: () => new Date(from.getTime() + i * 1000), ip: `198.51.100.${i % 250}` })
    await recordAudit(ctx, { action: 'login', outcome: 'failure', code, idpId })
  }
}

const spikes = async () => (await outbox()).filter((r) => r.type === 'idp.failure_spike')

beforeEach(async () => {
  await clearOutbox()
  await configureWebhook(true)
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('idp.failure_spike', () => {
  it('fires at the 20th failure within 15 minutes, once per window', async () => {
    const idp = await newIdp()
    await failLogins(idp.id, FAILURE_SPIKE_THRESHOLD - 1, T0)
    expect(await spikes()).toEqual([])
    await failLogins(idp.id, 1, new Date(T0.getTime() + 60_000), 'SAML_EXPIRED')
    const [spike] = await spikes()
    expect(JSON.parse(spike!.body).data).toEqual({
      idpId: idp.id,
      idpName: idp.name,
      idpSlug: idp.slug,
      organizationId: idp.organizationId,
      failures: 20,
      windowMinutes: 15,
      since: new Date(T0.getTime() + 60_000 - FAILURE_SPIKE_WINDOW_MS).toISOString(),
      lastCode: 'SAML_EXPIRED',
    })
    // Many more in the same window: still one event.
    await failLogins(idp.id, 25, new Date(T0.getTime() + 120_000))
    expect(await spikes()).toHaveLength(1)

    // A later window with its own spike: its own event.
    const later = new Date(T0.getTime() + 2 * FAILURE_SPIKE_WINDOW_MS)
    await failLogins(idp.id, FAILURE_SPIKE_THRESHOLD - 1, later)
    expect(await spikes()).toHaveLength(1)
    await failLogins(idp.id, 1, new Date(later.getTime() + 60_000))
    expect(await spikes()).toHaveLength(2)
  })

  it('counts only failed sign-ins at that IdP', async () => {
    const idp = await newIdp()
    const other = await newIdp()
    await failLogins(other.id, 15, T0)
    await failLogins(idp.id, 10, T0)
    for (let i = 0; i < 10; i++) {
      const ctx = testContext({ clock: () => new Date(T0.getTime() + 30_000 + i) })
      await recordAudit(ctx, { action: 'login', outcome: 'success', idpId: idp.id, subject: `s${i}` })
      await recordAudit(ctx, { action: 'login.test', outcome: 'failure', code: 'SAML_EXPIRED', idpId: idp.id })
      await recordAudit(ctx, { action: 'idp.metadata-refresh', outcome: 'failure', code: 'ADMIN_METADATA_FETCH_FAILED', idpId: idp.id })
    }
    expect(await spikes()).toEqual([])
  })

  it('counts the failures the error handler audits (auditFailure on the login trail)', async () => {
    const idp = await newIdp()
    for (let i = 0; i < FAILURE_SPIKE_THRESHOLD; i++) {
      const ctx = testContext({ clock: () => new Date(T0.getTime() + i * 1000), ip: `203.0.113.${i}` })
      await auditFailure(ctx, { action: 'login', idpId: idp.id, subject: null }, new AppError('LOGIN_GROUP_DENIED'))
    }
    expect((await spikes()).map((s) => JSON.parse(s.body).data.lastCode)).toEqual(['LOGIN_GROUP_DENIED'])
  })

  it('does nothing while webhooks are off', async () => {
    await configureWebhook(false)
    const idp = await newIdp()
    await failLogins(idp.id, FAILURE_SPIKE_THRESHOLD + 5, T0)
    expect(await outbox()).toEqual([])
  })
})
