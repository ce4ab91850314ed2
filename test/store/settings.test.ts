// workerd: gateway settings in real D1: complete with defaults, changes applied as one batch, null
// back to the default, the per-isolate cache (ten seconds; cleared by this isolate's writes), and
// the webhook signing secret kept sealed apart from the settings.
import { env } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_CLOCK_SKEW_SECONDS } from '../../src/saml/limits'
import {
  DEFAULT_SETTINGS,
  getSettings,
  hasWebhookSecret,
  putSettings,
  readWebhookSecret,
  sealWebhookSecret,
  SETTINGS_CACHE_MS,
  spEntityId,
  WEBHOOK_SECRET_KEY,
  type Settings,
} from '../../src/store/settings'
import { anotherIsolate } from '../helpers/storage'

const T0 = new Date('2026-11-26T12:00:00.000Z')

async function rows(): Promise<{ key: string; value: string; updated_at: number }[]> {
  return (await env.DB.prepare('SELECT * FROM settings ORDER BY key').all<{ key: string; value: string; updated_at: number }>()).results
}

/** Writes a setting as another isolate would: straight to D1, past this isolate's cache. */
async function writeElsewhere(key: string, value: unknown): Promise<void> {
  await env.DB.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
    .bind(key, JSON.stringify(value))
    .run()
}

// Each test reads through its own binding object, so an earlier test's cached settings (the cache
// is keyed by the binding) cannot answer for it.
let db: D1Database
beforeEach(async () => {
  await env.DB.exec('DELETE FROM settings')
  db = anotherIsolate(env.DB)
})

afterEach(() => {
  vi.useRealTimers()
})

describe('getSettings', () => {
  it('returns every default when nothing is stored', async () => {
    const s = await getSettings(db)
    expect(s).toEqual(DEFAULT_SETTINGS)
    expect(s).toMatchObject({
      spEntityId: '',
      portalName: 'Support portal',
      sessionLifetimeSeconds: 8 * 3600,
      clockSkewSeconds: DEFAULT_CLOCK_SKEW_SECONDS,
      allowSha1: false,
      auditRetentionDays: 90,
      userHeader: null,
    })
  })

  it('ignores stored keys it does not know', async () => {
    await writeElsewhere('legacyTheme', 'dark')
    await writeElsewhere('portalName', 'Acme Help')
    const s = await getSettings(db)
    expect(s).toEqual({ ...DEFAULT_SETTINGS, portalName: 'Acme Help' })
    expect(s).not.toHaveProperty('legacyTheme')
  })
})

describe('putSettings', () => {
  it('stores changes and returns the complete settings with them', async () => {
    const out = await putSettings(db, { portalName: 'Acme Help', sessionLifetimeSeconds: 3600 }, T0)
    expect(out).toEqual({ ...DEFAULT_SETTINGS, portalName: 'Acme Help', sessionLifetimeSeconds: 3600 })
    // Persisted in D1, not only cached: another isolate reads the same.
    expect(await getSettings(anotherIsolate(env.DB))).toEqual(out)
    expect(await rows()).toEqual([
      { key: 'portalName', value: '"Acme Help"', updated_at: T0.getTime() },
      { key: 'sessionLifetimeSeconds', value: '3600', updated_at: T0.getTime() },
    ])
  })

  it('round-trips every kind of value: strings, numbers, booleans, lists and objects', async () => {
    const changes: Partial<Settings> = {
      spEntityId: 'https://support.example.com/sso',
      logoUrl: 'https://cdn.example.com/logo.svg',
      clockSkewSeconds: 30,
      allowSha1: true,
      adminAccess: [
        { idpId: 'idp_acme', group: 'IT Admins' },
        { idpId: 'idp_globex', group: 'Support Leads' },
      ],
      headerNames: { subject: 'X-Subject', email: 'X-Email', name: 'X-Name', groups: 'X-Groups', idp: 'X-IdP', org: 'X-Org' },
      userHeader: { name: 'X-Forwarded-User', value: 'email', pathPrefixes: ['/auth/sso'] },
    }
    await putSettings(db, changes, T0)
    expect(await getSettings(anotherIsolate(env.DB))).toEqual({ ...DEFAULT_SETTINGS, ...changes })
  })

  it('updates a stored setting in place', async () => {
    await putSettings(db, { portalName: 'First' }, T0)
    const later = new Date(T0.getTime() + 60_000)
    expect((await putSettings(db, { portalName: 'Second' }, later)).portalName).toBe('Second')
    expect(await rows()).toEqual([{ key: 'portalName', value: '"Second"', updated_at: later.getTime() }])
  })

  it('puts a setting back to its default when given null, removing its row', async () => {
    await putSettings(
      db,
      { logoUrl: 'https://cdn.example.com/logo.svg', userHeader: { name: 'X-User', value: 'subject', pathPrefixes: ['/'] }, portalName: 'Acme' },
      T0,
    )
    const out = await putSettings(db, { logoUrl: null, userHeader: null }, T0)
    expect(out).toEqual({ ...DEFAULT_SETTINGS, portalName: 'Acme' })
    expect((await rows()).map((r) => r.key)).toEqual(['portalName'])
    // Null for a setting whose default is not null also means "the default".
    const reset = await putSettings(db, { portalName: null } as unknown as Partial<Settings>, T0)
    expect(reset.portalName).toBe(DEFAULT_SETTINGS.portalName)
    expect(await rows()).toEqual([])
  })

  it('applies all changes together or none: one change that cannot be stored leaves every setting as it was', async () => {
    await putSettings(db, { portalName: 'Before' }, T0)
    // A value with no JSON form cannot be bound; it comes after two good changes in the same call.
    const unstorable = (() => 'no JSON') as unknown as string
    await expect(putSettings(db, { portalName: 'After', adminAccess: [{ idpId: 'idp_x', group: 'x' }], primaryColor: unstorable }, T0)).rejects.toThrow()
    expect(await getSettings(anotherIsolate(env.DB))).toEqual({ ...DEFAULT_SETTINGS, portalName: 'Before' })
    expect((await rows()).map((r) => r.key)).toEqual(['portalName'])
  })

  it('changes nothing and still returns the settings when given no changes', async () => {
    await writeElsewhere('portalName', 'Acme')
    expect(await putSettings(db, {}, T0)).toEqual({ ...DEFAULT_SETTINGS, portalName: 'Acme' })
    expect(await rows()).toHaveLength(1)
  })
})

describe('per-isolate cache', () => {
  it('serves settings from the cache for ten seconds, then re-reads D1', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(T0)
    expect((await getSettings(db)).portalName).toBe('Support portal')
    await writeElsewhere('portalName', 'Changed elsewhere')
    vi.setSystemTime(T0.getTime() + SETTINGS_CACHE_MS - 1)
    expect((await getSettings(db)).portalName).toBe('Support portal')
    vi.setSystemTime(T0.getTime() + SETTINGS_CACHE_MS)
    expect((await getSettings(db)).portalName).toBe('Changed elsewhere')
  })

  it('is cleared by putSettings: a write through this isolate shows every stored change at once', async () => {
    expect((await getSettings(db)).portalName).toBe('Support portal')
    await writeElsewhere('portalName', 'Changed elsewhere')
    expect((await getSettings(db)).portalName).toBe('Support portal')
    const out = await putSettings(db, { primaryColor: '#000000' }, T0)
    expect(out).toMatchObject({ portalName: 'Changed elsewhere', primaryColor: '#000000' })
    expect(await getSettings(db)).toEqual(out)
  })

  // A getSettings already waiting on D1 when a write lands (a concurrent request in this isolate)
  // must not cache its older answer: putSettings would return it and the isolate would serve it
  // for SETTINGS_CACHE_MS (found by this test; fixed with a write generation in store/settings.ts).
  it('returns and serves the new settings even when a read was in flight in this isolate', async () => {
    const inFlight = getSettings(db)
    for (let i = 0; i < 10; i++) await Promise.resolve() // that read has reached D1; its answer has not come back
    const out = await putSettings(db, { portalName: 'Acme Help' }, T0)
    await inFlight
    expect(out.portalName).toBe('Acme Help')
    expect((await getSettings(db)).portalName).toBe('Acme Help')
  })

  it('does not answer another isolate (binding) from this one', async () => {
    await getSettings(db)
    await writeElsewhere('portalName', 'Changed elsewhere')
    expect((await getSettings(anotherIsolate(env.DB))).portalName).toBe('Changed elsewhere')
  })
})

describe('spEntityId', () => {
  it('is the configured entity ID, else the metadata URL on this origin', () => {
    expect(spEntityId(DEFAULT_SETTINGS, 'https://support.example.com')).toBe('https://support.example.com/sso/metadata')
    expect(spEntityId({ ...DEFAULT_SETTINGS, spEntityId: 'urn:acme:sp' }, 'https://support.example.com')).toBe('urn:acme:sp')
  })
})

describe('the webhook signing secret', () => {
  const SECRET = 'whsec_store-test-secret-0123456789'

  it('is stored sealed beside the settings, in the same batch, and never read back as a setting', async () => {
    const out = await putSettings(db, { webhookUrl: 'https://hooks.acme.example/sso' }, T0, await sealWebhookSecret(env.SSO_SECRET, SECRET))
    expect(out).toEqual({ ...DEFAULT_SETTINGS, webhookUrl: 'https://hooks.acme.example/sso' })
    expect(Object.keys(await getSettings(anotherIsolate(env.DB)))).not.toContain(WEBHOOK_SECRET_KEY)
    const stored = await rows()
    expect(stored.map((r) => r.key)).toEqual([WEBHOOK_SECRET_KEY, 'webhookUrl'])
    expect(JSON.stringify(stored)).not.toContain(SECRET)
    expect(await hasWebhookSecret(db)).toBe(true)
    expect(await readWebhookSecret(db, env.SSO_SECRET)).toBe(SECRET)
  })

  it('opens only under the SSO_SECRET it was sealed with', async () => {
    await putSettings(db, {}, T0, await sealWebhookSecret(env.SSO_SECRET, SECRET))
    await expect(readWebhookSecret(db, 'another-sso-secret-0123456789abcdef0123456789')).rejects.toThrow()
  })

  it('is removed with null, and reads as none', async () => {
    await putSettings(db, {}, T0, await sealWebhookSecret(env.SSO_SECRET, SECRET))
    await putSettings(db, {}, T0, null)
    expect(await hasWebhookSecret(db)).toBe(false)
    expect(await readWebhookSecret(db, env.SSO_SECRET)).toBeNull()
  })
})
