// workerd: retired slugs in real D1. A deleted IdP's or organization's slug is kept for good, per
// kind, so a subject `<idp slug>:<NameID>` or an X-SSO-Org value the portal stored never comes to
// mean another tenant; retiring twice is harmless.
import { env } from 'cloudflare:workers'
import { drizzle } from 'drizzle-orm/d1'
import { beforeEach, describe, expect, it } from 'vitest'
import { isSlugRetired, retireSlug } from '../../src/store/retired-slugs'

const T0 = new Date('2026-11-26T12:00:00.000Z')
const T1 = new Date('2026-11-27T12:00:00.000Z')

beforeEach(async () => {
  await env.DB.exec('DELETE FROM retired_slugs')
})

describe('retired slugs', () => {
  it('knows a retired slug, per kind, and nothing else', async () => {
    await retireSlug(drizzle(env.DB), 'idp', 'acme-okta', T0)
    expect(await isSlugRetired(env.DB, 'idp', 'acme-okta')).toBe(true)
    expect(await isSlugRetired(env.DB, 'organization', 'acme-okta')).toBe(false)
    expect(await isSlugRetired(env.DB, 'idp', 'acme-okt')).toBe(false)
    expect(await isSlugRetired(env.DB, 'idp', 'ACME-OKTA')).toBe(false)
  })

  it('keeps the first retirement when a slug is retired again', async () => {
    await retireSlug(drizzle(env.DB), 'organization', 'acme', T0)
    await retireSlug(drizzle(env.DB), 'organization', 'acme', T1)
    const rows = (await env.DB.prepare('SELECT kind, slug, retired_at FROM retired_slugs').all()).results
    expect(rows).toEqual([{ kind: 'organization', slug: 'acme', retired_at: T0.getTime() }])
  })
})
