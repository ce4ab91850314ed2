/**
 * Slugs of deleted IdPs and organizations, kept for good: a subject `<idp slug>:<NameID>` or an
 * X-SSO-Org value the portal and the helpdesks stored must never come to mean someone else. The
 * deleting stores write here in the same batch as the delete.
 */
import { and, eq } from 'drizzle-orm'
import type { DrizzleD1Database } from 'drizzle-orm/d1'
import { drizzle } from 'drizzle-orm/d1'
import { retiredSlugs } from './schema'

export type SlugKind = (typeof retiredSlugs.$inferSelect)['kind']

/** The insert that retires `slug` (a no-op when it is retired already), for the deleting store's batch. */
export function retireSlug(db: DrizzleD1Database, kind: SlugKind, slug: string, now: Date) {
  return db.insert(retiredSlugs).values({ kind, slug, retiredAt: now }).onConflictDoNothing()
}

/** Whether an IdP or organization of this kind once had this slug. */
export async function isSlugRetired(d1: D1Database, kind: SlugKind, slug: string): Promise<boolean> {
  const rows = await drizzle(d1)
    .select({ slug: retiredSlugs.slug })
    .from(retiredSlugs)
    .where(and(eq(retiredSlugs.kind, kind), eq(retiredSlugs.slug, slug)))
    .limit(1)
  return rows.length > 0
}
