// migrations/0011_idp_tested_at.sql on a database that 0000–0010 built: IdPs enabled on an
// existing gateway have been signing customers in, so they count as tested (they can be turned
// off and on again); disabled ones become drafts that need a test sign-in before they are enabled.
// Plain Node on node:sqlite, each migration in one transaction as D1 applies it.
import { readdirSync, readFileSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))
const FILES = readdirSync(DIR)
  .filter((f) => /^\d{4}_.*\.sql$/.test(f))
  .sort()

function apply(db: DatabaseSync, file: string): void {
  db.exec('BEGIN')
  try {
    for (const statement of readFileSync(DIR + file, 'utf8').split('--> statement-breakpoint')) if (statement.trim()) db.exec(statement)
    db.exec('COMMIT')
  } catch (err) {
    db.exec('ROLLBACK')
    throw new Error(`${file}: ${(err as Error).message}`)
  }
}

describe('0011_idp_tested_at', () => {
  it('counts enabled IdPs as tested (at their last update) and leaves disabled ones as drafts', () => {
    const db = new DatabaseSync(':memory:')
    for (const file of FILES.filter((f) => f < '0011')) apply(db, file)
    const insert = db.prepare('INSERT INTO idps (id, organization_id, name, slug, entity_id, sso_url, enabled, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    insert.run('idp_live', 'org_a', 'Live', 'live', 'https://live.example', 'https://live.example/sso', 1, 1_700_000_000_000)
    insert.run('idp_off', 'org_a', 'Off', 'off', 'https://off.example', 'https://off.example/sso', 0, 1_700_000_500_000)
    apply(
      db,
      FILES.find((f) => f.startsWith('0011'))!,
    )
    expect(db.prepare('SELECT id, enabled, tested_at AS testedAt FROM idps ORDER BY id').all()).toEqual([
      { id: 'idp_live', enabled: 1, testedAt: 1_700_000_000_000 },
      { id: 'idp_off', enabled: 0, testedAt: null },
    ])
  })
})
