// Test helper (Node only, node:sqlite): the SQL migrations in order, applied as D1 applies them,
// one migration per transaction, its statements split at drizzle's breakpoints.
import { readdirSync, readFileSync } from 'node:fs'
import type { DatabaseSync } from 'node:sqlite'
import { fileURLToPath } from 'node:url'

const DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))

/** Every migration file name, in order. */
export const MIGRATIONS = readdirSync(DIR)
  .filter((f) => /^\d{4}_.*\.sql$/.test(f))
  .sort()

/** The migration whose name starts with `prefix` (e.g. '0011'). */
export function migration(prefix: string): string {
  const file = MIGRATIONS.find((f) => f.startsWith(prefix))
  if (!file) throw new Error(`no migration ${prefix}`)
  return file
}

/** Applies one migration file in a transaction; a failing statement rolls it back and throws, naming the file. */
export function applyMigration(db: DatabaseSync, file: string): void {
  db.exec('BEGIN')
  try {
    for (const statement of readFileSync(DIR + file, 'utf8').split('--> statement-breakpoint')) if (statement.trim()) db.exec(statement)
    db.exec('COMMIT')
  } catch (err) {
    db.exec('ROLLBACK')
    throw new Error(`${file}: ${(err as Error).message}`)
  }
}
