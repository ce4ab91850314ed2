/**
 * IdP configurations in D1. Store functions take the database first and return domain rows.
 */
import { and, asc, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { idps } from './schema'

export type IdpRow = typeof idps.$inferSelect

/** Enabled IdPs marked "show to users", in the admin-defined order. */
export async function listSelectableIdps(d1: D1Database): Promise<IdpRow[]> {
  return drizzle(d1)
    .select()
    .from(idps)
    .where(and(eq(idps.enabled, true), eq(idps.showOnSelection, true)))
    .orderBy(asc(idps.sortOrder), asc(idps.name))
}
