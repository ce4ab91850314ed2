// The certificate-expiring event (events/certificate-expiry.ts), as the daily maintenance checks:
// an enabled IdP's signing certificate within 30 days of expiry is announced once, again once at
// 7 days, never every day; certificates further out, already expired, or of a disabled IdP are
// not; nothing is written while webhooks are off.
import { env } from 'cloudflare:workers'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { announceExpiringCertificates } from '../../src/events/certificate-expiry'
import { describeCertificate } from '../../src/admin/certificates'
import { createSelfSignedCertificate } from '../../src/saml/x509-build'
import { testContext } from '../helpers/context'
import { seedIdp } from '../helpers/tenants'
import { clearOutbox, configureWebhook, outbox } from '../helpers/webhooks'

const NOW = new Date('2031-08-01T03:15:00Z')
const DAY_MS = 86_400_000
const day = (n: number) => new Date(NOW.getTime() + n * DAY_MS)
const run = (now: Date) => announceExpiringCertificates(testContext({ clock: () => now, actor: 'cron' }))

let keyPair: CryptoKeyPair
async function certExpiringOn(notAfter: Date, name: string): Promise<string> {
  return createSelfSignedCertificate({
    keyPair,
    subjectCommonName: name,
    notBefore: new Date(NOW.getTime() - 365 * DAY_MS),
    notAfter,
    serialNumber: crypto.getRandomValues(new Uint8Array(16)),
  })
}

let n = 0
async function idpWith(certificates: string[], enabled = true) {
  n++
  return seedIdp(env.DB, `idp_cert_${n}`, {
    name: `Cert IdP ${n}`,
    slug: `cert-idp-${n}`,
    entityId: `https://cert-${n}.idp.test/saml`,
    ssoUrl: `https://cert-${n}.idp.test/sso`,
    certificates,
    enabled,
  })
}

const announcements = async () =>
  (await outbox()).filter((r) => r.type === 'idp.certificate_expiring').map((r) => JSON.parse(r.body).data as Record<string, unknown>)

beforeAll(async () => {
  keyPair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair
})

beforeEach(async () => {
  await clearOutbox()
  await env.DB.prepare("DELETE FROM idps WHERE id LIKE 'idp_cert_%'").run()
  await configureWebhook(true)
})

describe('idp.certificate_expiring', () => {
  it('announces a certificate once at 30 days and once more at 7 days', async () => {
    const pem = await certExpiringOn(day(20), 'signing-2031')
    const idp = await idpWith([pem])
    const info = await describeCertificate(pem, NOW)
    expect(await run(NOW)).toBe(1)
    expect(await announcements()).toEqual([
      {
        idpId: idp.id,
        idpName: idp.name,
        idpSlug: idp.slug,
        organizationId: idp.organizationId,
        fingerprintSha256: info.fingerprintSha256,
        subject: info.subject,
        notAfter: info.notAfter,
        daysLeft: 20,
        thresholdDays: 30,
      },
    ])
    // The next days: nothing new.
    for (const d of [1, 2, 12]) expect(await run(day(d))).toBe(0)
    // Within 7 days: once more, then never again.
    expect(await run(day(13))).toBe(1)
    expect(await run(day(14))).toBe(0)
    expect((await announcements()).map((a) => [a.thresholdDays, a.daysLeft])).toEqual([
      [30, 20],
      [7, 7],
    ])
    // Expired: not announced as expiring.
    expect(await run(day(21))).toBe(0)
  })

  it('announces a certificate first seen within 7 days at the 7-day threshold only', async () => {
    await idpWith([await certExpiringOn(day(3), 'late')])
    expect(await run(NOW)).toBe(1)
    expect(await run(day(1))).toBe(0)
    expect((await announcements()).map((a) => a.thresholdDays)).toEqual([7])
  })

  it('leaves certificates further out, expired ones, and disabled IdPs alone; each certificate counts on its own', async () => {
    await idpWith([await certExpiringOn(day(31), 'far'), await certExpiringOn(day(-1), 'expired')])
    await idpWith([await certExpiringOn(day(10), 'disabled')], false)
    expect(await run(NOW)).toBe(0)
    await idpWith([await certExpiringOn(day(10), 'old'), await certExpiringOn(day(25), 'new')])
    expect(await run(NOW)).toBe(2)
  })

  it('writes nothing while webhooks are off, and announces once they are on', async () => {
    await configureWebhook(false)
    await idpWith([await certExpiringOn(day(20), 'quiet')])
    expect(await run(NOW)).toBe(0)
    expect(await outbox()).toEqual([])
    await configureWebhook(true)
    expect(await run(day(1))).toBe(1)
  })
})
