// Each event is emitted by its trigger, through the services every channel uses: an IdP enabled
// or disabled (API, console button), a metadata refresh that failed (API and cron, with its code),
// a setup link completed (the customer's activation and the admin's approval, each also enabling
// the IdP). And a request that emits is not slowed: the delivery runs in waitUntil, so the answer
// comes back while the receiver still hangs.
import { env, exports } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { refreshIdpMetadata, toggleIdp, updateIdp } from '../../src/admin/idps'
import { approveSetupLink, createSetupLink } from '../../src/admin/setup-links'
import { runMaintenance } from '../../src/scheduled'
import { activateSetup } from '../../src/setup/setup-link'
import { getOrganization } from '../../src/store/organizations'
import { getSetupLink, updateSetupLink } from '../../src/store/setup-links'
import { TEST_IDP_CERT } from '../fixtures/idp-keys'
import { testContext } from '../helpers/context'
import { localDns } from '../helpers/dns'
import { seedIdp, seedOrganization } from '../helpers/tenants'
import { clearOutbox, configureWebhook, outbox, WEBHOOK_URL, type ReceivedWebhook } from '../helpers/webhooks'

const admin = () => testContext({ actor: 'admin-token' })
let n = 0

async function newIdp(fields: { enabled?: boolean; metadataUrl?: string; organizationId?: string } = {}) {
  n++
  return seedIdp(env.DB, `idp_trig_${n}`, {
    name: `Trigger ${n}`,
    slug: `trigger-${n}`,
    entityId: `https://trigger-${n}.idp.test/saml`,
    ssoUrl: `https://trigger-${n}.idp.test/sso`,
    certificates: [TEST_IDP_CERT],
    ...fields,
  })
}

/** Events in the outbox as [type, data]. */
const events = async () => (await outbox()).map((r) => [r.type, JSON.parse(r.body).data as Record<string, unknown>] as const)

/** The fetch spy: metadata URLs answer 500, the webhook URL is recorded and answered by `webhook`. */
function outboundCalls(webhook: (req: ReceivedWebhook) => Promise<Response> | Response = () => new Response('ok')) {
  const received: ReceivedWebhook[] = []
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    if (url !== WEBHOOK_URL) return new Response('metadata server down', { status: 500 })
    const req = {
      url,
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: String(init?.body),
      redirect: init?.redirect,
      signal: init?.signal,
    }
    received.push(req)
    return webhook(req)
  })
  return received
}

beforeEach(async () => {
  await clearOutbox()
  await configureWebhook(true)
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('idp.enabled and idp.disabled', () => {
  it('fire when an update changes enabled, and not for other changes', async () => {
    const idp = await newIdp({ enabled: true })
    await updateIdp(admin(), idp.id, { name: 'Renamed' }, 'patch', 'api')
    expect(await events()).toEqual([])
    await updateIdp(admin(), idp.id, { enabled: false }, 'patch', 'api')
    await toggleIdp(admin(), idp.id)
    const data = { idpId: idp.id, idpName: 'Renamed', idpSlug: idp.slug, organizationId: idp.organizationId }
    expect(await events()).toEqual([
      ['idp.disabled', { ...data, via: 'api' }],
      ['idp.enabled', { ...data, via: 'console' }],
    ])
    // Enabling what is already on says nothing.
    await toggleIdp(admin(), idp.id, true)
    expect(await events()).toHaveLength(2)
  })

  it('never wait for the receiver: the API answers while a receiver that never answers holds the delivery', async () => {
    const idp = await newIdp({ enabled: true })
    // Never answers: only the gateway's own timeout (5 s) ends the attempt.
    const received = outboundCalls(
      (req) => new Promise<Response>((_resolve, reject) => req.signal!.addEventListener('abort', () => reject(req.signal!.reason))),
    )
    const started = Date.now()
    const res = await exports.default.fetch(`https://support.example.com/sso/admin/api/idps/${idp.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    })
    expect(res.status).toBe(200)
    expect(Date.now() - started).toBeLessThan(2000)
    // The delivery started in waitUntil and is still waiting for the receiver.
    await vi.waitFor(() => expect(received).toHaveLength(1))
    expect((await outbox())[0]).toMatchObject({ type: 'idp.disabled', status: 'pending', attempts: 1, last_error: null })
    // Then the timeout: pending, next attempt in a minute.
    await vi.waitFor(async () => expect((await outbox())[0]).toMatchObject({ status: 'pending', last_error: 'WEBHOOK_TIMEOUT' }), {
      timeout: 9000,
      interval: 200,
    })
  }, 15_000)
})

describe('idp.metadata_refresh_failed', () => {
  it('fires with the error code when a refresh from the API or the console fails', async () => {
    const idp = await newIdp({ metadataUrl: 'https://metadata.trigger.test/idp.xml' })
    outboundCalls()
    await expect(refreshIdpMetadata(admin(), idp.id, 'api')).rejects.toMatchObject({ code: 'ADMIN_METADATA_FETCH_FAILED' })
    expect(await events()).toEqual([
      [
        'idp.metadata_refresh_failed',
        { idpId: idp.id, idpName: idp.name, idpSlug: idp.slug, organizationId: idp.organizationId, code: 'ADMIN_METADATA_FETCH_FAILED', via: 'api' },
      ],
    ])
  })

  it('fires when the daily refresh fails, beside the audit row', async () => {
    const idp = await newIdp({ metadataUrl: 'https://metadata.cron.test/idp.xml' })
    outboundCalls()
    await runMaintenance(env, new Date(), { resolveTxt: localDns().resolver })
    expect((await events()).filter(([, d]) => d.idpId === idp.id)).toEqual([
      ['idp.metadata_refresh_failed', expect.objectContaining({ idpId: idp.id, code: 'ADMIN_METADATA_FETCH_FAILED', via: 'cron' })],
    ])
  })
})

describe('setup_link.completed', () => {
  /** A setup link ready to complete: its IdP configured (off) and tested, the organization's domain verified. */
  async function readyLink(requireApproval: boolean) {
    n++
    const org = await seedOrganization({ id: `org_trig_${n}`, name: `Trigger Org ${n}`, domains: [`trig${n}.example`] })
    const idp = await newIdp({ enabled: false, organizationId: org.id })
    const { link } = await createSetupLink(admin(), org.id, { requireApproval }, 'api')
    const now = new Date()
    await updateSetupLink(env.DB, org.id, link.id, { idpId: idp.id, idpConfiguredAt: now, testPassedAt: now })
    return { org, idp, linkId: link.id }
  }

  it('fires with idp.enabled when the customer activates the setup', async () => {
    const { org, idp, linkId } = await readyLink(false)
    const ctx = testContext({ actor: `setup:${linkId}` })
    const open = { link: (await getSetupLink(env.DB, linkId))!, organization: (await getOrganization(env.DB, org.id))!, token: 'unused', ctx }
    expect(await activateSetup(open)).toBe('active')
    const idpData = { idpId: idp.id, idpName: idp.name, idpSlug: idp.slug, organizationId: org.id }
    expect(await events()).toEqual([
      ['setup_link.completed', { setupLinkId: linkId, organizationName: org.name, ...idpData, via: 'setup' }],
      ['idp.enabled', { ...idpData, via: 'setup' }],
    ])
  })

  it('fires only when the admin approves a setup that waited for approval', async () => {
    const { org, idp, linkId } = await readyLink(true)
    const ctx = testContext({ actor: `setup:${linkId}` })
    const open = { link: (await getSetupLink(env.DB, linkId))!, organization: (await getOrganization(env.DB, org.id))!, token: 'unused', ctx }
    expect(await activateSetup(open)).toBe('submitted')
    expect(await events()).toEqual([])
    await approveSetupLink(admin(), org.id, linkId, 'console')
    expect((await events()).map(([type, data]) => [type, data.idpId, data.via])).toEqual([
      ['setup_link.completed', idp.id, 'console'],
      ['idp.enabled', idp.id, 'console'],
    ])
  })
})
