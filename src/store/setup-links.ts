/**
 * Setup links in D1 (table setup_links): created with the SHA-256 of their token (the token
 * itself is shown once and never stored), found by that hash, listed per organization, and
 * stamped as the customer's IT gets further. Reads and writes are single rows, bounded.
 */
import { and, desc, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { setupLinks } from './schema'

export type SetupLinkRow = typeof setupLinks.$inferSelect
export type SetupLinkProgress = Partial<
  Pick<SetupLinkRow, 'openedAt' | 'idpId' | 'idpConfiguredAt' | 'testRequestId' | 'testPassedAt' | 'submittedAt' | 'completedAt' | 'revokedAt'>
>

/** At most this many links are listed per organization (the newest). */
export const MAX_LISTED_SETUP_LINKS = 50

export async function createSetupLink(
  d1: D1Database,
  row: Pick<SetupLinkRow, 'id' | 'organizationId' | 'tokenHash' | 'requiresApproval' | 'createdBy' | 'expiresAt'>,
  now: Date,
): Promise<SetupLinkRow> {
  await drizzle(d1)
    .insert(setupLinks)
    .values({ ...row, createdAt: now })
  return (await getSetupLink(d1, row.id))!
}

export async function getSetupLink(d1: D1Database, id: string): Promise<SetupLinkRow | null> {
  return (await drizzle(d1).select().from(setupLinks).where(eq(setupLinks.id, id)).limit(1))[0] ?? null
}

export async function findSetupLinkByTokenHash(d1: D1Database, tokenHash: string): Promise<SetupLinkRow | null> {
  return (await drizzle(d1).select().from(setupLinks).where(eq(setupLinks.tokenHash, tokenHash)).limit(1))[0] ?? null
}

export async function listSetupLinks(d1: D1Database, organizationId: string): Promise<SetupLinkRow[]> {
  return drizzle(d1)
    .select()
    .from(setupLinks)
    .where(eq(setupLinks.organizationId, organizationId))
    .orderBy(desc(setupLinks.createdAt), desc(setupLinks.id))
    .limit(MAX_LISTED_SETUP_LINKS)
}

/** Stamps progress on the link of `organizationId` (never another organization's); null when there is no such link. */
export async function updateSetupLink(d1: D1Database, organizationId: string, id: string, progress: SetupLinkProgress): Promise<SetupLinkRow | null> {
  await drizzle(d1)
    .update(setupLinks)
    .set(progress)
    .where(and(eq(setupLinks.id, id), eq(setupLinks.organizationId, organizationId)))
  const row = await getSetupLink(d1, id)
  return row && row.organizationId === organizationId ? row : null
}
