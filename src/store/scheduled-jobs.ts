/**
 * Claims of the jobs the 5-minute cron runs less often (table scheduled_jobs): a job starts only
 * when its claim is older than the instant given, and the claim is one conditional upsert, so two
 * overlapping cron runs never both start it.
 */
import { eq, lt } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/d1'
import { scheduledJobs } from './schema'

export type ScheduledJobRow = typeof scheduledJobs.$inferSelect

/**
 * Claims `name` at `now` when it has never run or last started before `notSince`. Returns the
 * previous claim (null for the first run) when this caller won it, or false when the job already
 * started at or after `notSince`.
 */
export async function claimJob(d1: D1Database, name: string, now: Date, notSince: Date): Promise<{ previous: ScheduledJobRow | null } | false> {
  const db = drizzle(d1)
  const previous = (await db.select().from(scheduledJobs).where(eq(scheduledJobs.name, name)).limit(1))[0] ?? null
  if (previous && previous.startedAt >= notSince) return false
  const won = await db
    .insert(scheduledJobs)
    .values({ name, startedAt: now, finishedAt: null })
    .onConflictDoUpdate({ target: scheduledJobs.name, set: { startedAt: now, finishedAt: null }, setWhere: lt(scheduledJobs.startedAt, notSince) })
    .returning({ name: scheduledJobs.name })
  return won.length > 0 ? { previous } : false
}

/** Marks the claimed run of `name` finished. */
export async function finishJob(d1: D1Database, name: string, now: Date): Promise<void> {
  await drizzle(d1).update(scheduledJobs).set({ finishedAt: now }).where(eq(scheduledJobs.name, name))
}

/** Gives a claim back after a failed run (the previous claim, or none), so the next cron run tries again. */
export async function releaseJob(d1: D1Database, name: string, previous: ScheduledJobRow | null): Promise<void> {
  const db = drizzle(d1)
  if (previous) await db.update(scheduledJobs).set({ startedAt: previous.startedAt, finishedAt: previous.finishedAt }).where(eq(scheduledJobs.name, name))
  else await db.delete(scheduledJobs).where(eq(scheduledJobs.name, name))
}

export async function getJob(d1: D1Database, name: string): Promise<ScheduledJobRow | null> {
  return (await drizzle(d1).select().from(scheduledJobs).where(eq(scheduledJobs.name, name)).limit(1))[0] ?? null
}
