// Setup links in D1 (store/setup-links.ts): found by token hash only, listed per organization
// (bounded, newest first), and progress stamped only through the link's own organization.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createSetupLink, findSetupLinkByTokenHash, listSetupLinks, MAX_LISTED_SETUP_LINKS, updateSetupLink } from '../../src/store/setup-links'

const now = new Date('2026-12-04T10:00:00Z')
const link = (id: string, organizationId = 'org_a') => ({
  id,
  organizationId,
  tokenHash: `hash-${id}`,
  requiresApproval: false,
  createdBy: 'admin-token',
  expiresAt: new Date(now.getTime() + 86_400_000),
})

describe('setup links store', () => {
  it('finds a link by its token hash and by nothing else', async () => {
    await createSetupLink(env.DB, link('sl_1'), now)
    expect((await findSetupLinkByTokenHash(env.DB, 'hash-sl_1'))?.id).toBe('sl_1')
    expect(await findSetupLinkByTokenHash(env.DB, 'sl_1')).toBeNull()
  })

  it("stamps progress only through the link's own organization", async () => {
    await createSetupLink(env.DB, link('sl_2'), now)
    expect(await updateSetupLink(env.DB, 'org_b', 'sl_2', { revokedAt: now })).toBeNull()
    expect((await findSetupLinkByTokenHash(env.DB, 'hash-sl_2'))?.revokedAt).toBeNull()
    expect((await updateSetupLink(env.DB, 'org_a', 'sl_2', { openedAt: now }))?.openedAt).toEqual(now)
  })

  it(`lists at most ${MAX_LISTED_SETUP_LINKS} links of one organization, newest first`, async () => {
    for (let i = 0; i < MAX_LISTED_SETUP_LINKS + 3; i++) await createSetupLink(env.DB, link(`sl_many_${i}`, 'org_many'), new Date(now.getTime() + i * 1000))
    const rows = await listSetupLinks(env.DB, 'org_many')
    expect(rows).toHaveLength(MAX_LISTED_SETUP_LINKS)
    expect(rows[0]!.id).toBe(`sl_many_${MAX_LISTED_SETUP_LINKS + 2}`)
    expect(await listSetupLinks(env.DB, 'org_none')).toEqual([])
  })
})
