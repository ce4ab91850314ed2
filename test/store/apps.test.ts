// workerd: helpdesk apps in real D1: saved and read back by kind, the shared secret sealed at rest
// (kept, replaced, opened only with SSO_SECRET), unique slugs, and the enabled-app lookups.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { open } from '../../src/crypto/secret-box'
import { AppError } from '../../src/errors'
import type { SamlAppConfig, ZendeskConfig } from '../../src/store/app-configs'
import { deleteApp, findEnabledApp, findSamlApp, getApp, listApps, openAppSecret, saveApp, setAppEnabled, type AppFields } from '../../src/store/apps'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const T1 = new Date('2026-11-27T12:00:00.000Z')
const SECRET = env.SSO_SECRET

const ZENDESK: ZendeskConfig = { subdomain: 'acme', externalIdFrom: 'nameId', tagsFromGroups: true }

function zendesk(name: string, overrides: { slug?: string; enabled?: boolean; sharedSecret?: string } = {}): AppFields {
  return { name, slug: name.toLowerCase(), enabled: true, kind: 'zendesk', config: ZENDESK, ...overrides }
}

function saml(name: string, entityId: string, enabled = true): AppFields {
  const config: SamlAppConfig = { entityId, acsUrl: `${entityId}/acs`, nameIdFormat: 'email', signResponse: true, certificates: [] }
  return { name, slug: name.toLowerCase(), enabled, kind: 'saml', config }
}

/** The AppError a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(AppError)
  return err as AppError
}

async function sealedColumn(id: string): Promise<string | null> {
  return (await env.DB.prepare('SELECT secret_sealed FROM apps WHERE id = ?').bind(id).first<{ secret_sealed: string | null }>())!.secret_sealed
}

beforeEach(async () => {
  await env.DB.exec('DELETE FROM apps')
})

describe('save and read', () => {
  it('creates an app and reads it back with its kind and config', async () => {
    const app = await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk'), T0, true)
    expect(app).toEqual({
      id: 'app_zd',
      kind: 'zendesk',
      name: 'Zendesk',
      slug: 'zendesk',
      enabled: true,
      config: ZENDESK,
      secretSealed: null,
      createdAt: T0,
      updatedAt: T0,
    })
    expect(await getApp(env.DB, 'app_zd')).toEqual(app)
    expect(await getApp(env.DB, 'app_missing')).toBeNull()
  })

  it('updates an app in place, keeping its creation time', async () => {
    await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk'), T0, true)
    const updated = await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk EU', { enabled: false }), T1, false)
    expect(updated).toMatchObject({ name: 'Zendesk EU', enabled: false, createdAt: T0, updatedAt: T1 })
    expect(await listApps(env.DB)).toHaveLength(1)
  })

  it('lists apps by name', async () => {
    await saveApp(env.DB, SECRET, 'app_1', zendesk('Zulu'), T0, true)
    await saveApp(env.DB, SECRET, 'app_2', saml('Jira', 'https://jira.example'), T0, true)
    await saveApp(env.DB, SECRET, 'app_3', zendesk('Alpha'), T0, true)
    expect((await listApps(env.DB)).map((a) => a.name)).toEqual(['Alpha', 'Jira', 'Zulu'])
  })

  it('deletes an app', async () => {
    await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk'), T0, true)
    await deleteApp(env.DB, 'app_zd')
    expect(await getApp(env.DB, 'app_zd')).toBeNull()
    await deleteApp(env.DB, 'app_zd')
  })

  it('refuses a second app with the same slug: ADMIN_CONFLICT on the slug field', async () => {
    await saveApp(env.DB, SECRET, 'app_1', zendesk('Zendesk'), T0, true)
    await saveApp(env.DB, SECRET, 'app_2', zendesk('Other'), T0, true)
    const onCreate = await rejection(saveApp(env.DB, SECRET, 'app_3', zendesk('Zendesk 2', { slug: 'zendesk' }), T0, true))
    expect([onCreate.code, onCreate.detail]).toEqual(['ADMIN_CONFLICT', { field: 'slug' }])
    const onUpdate = await rejection(saveApp(env.DB, SECRET, 'app_2', zendesk('Other', { slug: 'zendesk' }), T1, false))
    expect([onUpdate.code, onUpdate.detail]).toEqual(['ADMIN_CONFLICT', { field: 'slug' }])
    expect((await listApps(env.DB)).map((a) => [a.id, a.slug])).toEqual([
      ['app_2', 'other'],
      ['app_1', 'zendesk'],
    ])
  })
})

describe('shared secret', () => {
  it('seals the secret at rest and opens it only with SSO_SECRET', async () => {
    const app = await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk', { sharedSecret: 'zd-shared-secret-123' }), T0, true)
    const sealed = await sealedColumn('app_zd')
    expect(sealed).toMatch(/^v1\./)
    expect(sealed).not.toContain('zd-shared-secret-123')
    expect(await openAppSecret(SECRET, app)).toBe('zd-shared-secret-123')
    await expect(openAppSecret(`${SECRET}-rotated`, app)).rejects.toThrow()
  })

  it('keeps the stored secret when an update gives none, and replaces it when one is given', async () => {
    await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk', { sharedSecret: 'first-secret' }), T0, true)
    const kept = await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk 2'), T1, false)
    expect(await openAppSecret(SECRET, kept)).toBe('first-secret')
    const emptyKept = await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk 3', { sharedSecret: '' }), T1, false)
    expect(await openAppSecret(SECRET, emptyKept)).toBe('first-secret')
    const replaced = await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk 4', { sharedSecret: 'second-secret' }), T1, false)
    expect(await openAppSecret(SECRET, replaced)).toBe('second-secret')
  })

  it('has no secret to open when none was ever set', async () => {
    const app = await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk'), T0, true)
    expect(await openAppSecret(SECRET, app)).toBeNull()
  })

  it('cannot move a sealed secret to another purpose (a JWT key slot)', async () => {
    const app = await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk', { sharedSecret: 'zd' }), T0, true)
    await expect(open(SECRET, 'jwt-key', app.secretSealed!)).rejects.toThrow()
  })
})

describe('enabled-app lookups', () => {
  it('finds the only enabled app of a kind without a slug, and none when there are several', async () => {
    await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk'), T0, true)
    await saveApp(env.DB, SECRET, 'app_jira', saml('Jira', 'https://jira.example'), T0, true)
    expect((await findEnabledApp(env.DB, 'zendesk', undefined))?.id).toBe('app_zd')
    await saveApp(env.DB, SECRET, 'app_zd2', zendesk('Zendesk EU'), T0, true)
    expect(await findEnabledApp(env.DB, 'zendesk', undefined)).toBeNull()
    expect((await findEnabledApp(env.DB, 'zendesk', 'zendesk eu'))?.id).toBe('app_zd2')
  })

  it('finds an app by slug only among enabled apps of that kind', async () => {
    await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk', { enabled: false }), T0, true)
    await saveApp(env.DB, SECRET, 'app_jira', saml('Jira', 'https://jira.example'), T0, true)
    expect(await findEnabledApp(env.DB, 'zendesk', 'zendesk')).toBeNull()
    expect(await findEnabledApp(env.DB, 'zendesk', undefined)).toBeNull()
    expect(await findEnabledApp(env.DB, 'zendesk', 'jira')).toBeNull()
    expect(await findEnabledApp(env.DB, 'freshworks', undefined)).toBeNull()
    const jira = await findEnabledApp(env.DB, 'saml', 'jira')
    expect(jira?.kind).toBe('saml')
    expect(jira?.config.entityId).toBe('https://jira.example')
  })

  it('finds an enabled SAML app by its exact SP entity ID', async () => {
    await saveApp(env.DB, SECRET, 'app_jira', saml('Jira', 'https://jira.example'), T0, true)
    await saveApp(env.DB, SECRET, 'app_zammad', saml('Zammad', 'https://zammad.example', false), T0, true)
    await saveApp(env.DB, SECRET, 'app_zd', zendesk('Zendesk'), T0, true)
    expect((await findSamlApp(env.DB, 'https://jira.example'))?.id).toBe('app_jira')
    expect(await findSamlApp(env.DB, 'https://jira.example/')).toBeNull()
    expect(await findSamlApp(env.DB, 'https://zammad.example')).toBeNull()
    expect(await findSamlApp(env.DB, 'acme')).toBeNull()
  })
})

describe('setAppEnabled', () => {
  it('turns one app off and on, leaving its secret and config as they are; the lookups follow', async () => {
    const app = await saveApp(env.DB, SECRET, 'app_toggle', zendesk('Toggle', { sharedSecret: 'zendesk-shared-secret-0123456789' }), T0, true)
    const off = await setAppEnabled(env.DB, app.id, false, T1)
    expect(off).toEqual({ ...app, enabled: false, updatedAt: T1 })
    expect(await findEnabledApp(env.DB, 'zendesk', 'toggle')).toBeNull()
    expect((await setAppEnabled(env.DB, app.id, true, T1))!.enabled).toBe(true)
    expect(await findEnabledApp(env.DB, 'zendesk', 'toggle')).toMatchObject({ id: app.id })
    expect(await openAppSecret(SECRET, (await getApp(env.DB, app.id))!)).toBe('zendesk-shared-secret-0123456789')
    expect(await setAppEnabled(env.DB, 'app_none', true, T1)).toBeNull()
  })
})
