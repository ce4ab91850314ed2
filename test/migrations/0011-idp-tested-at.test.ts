// migrations/0011_idp_tested_at.sql on a database that 0000–0010 built: IdPs enabled on an
// existing gateway have been signing customers in, so they count as tested (they can be turned
// off and on again); disabled ones become drafts that need a test sign-in before they are enabled.
// Plain Node on node:sqlite, each migration in one transaction as D1 applies it.
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { applyMigration as apply, migration, MIGRATIONS as FILES } from '../helpers/migrations'

describe('0011_idp_tested_at', () => {
  it('counts enabled IdPs as tested (at their last update) and leaves disabled ones as drafts', () => {
    const db = new DatabaseSync(':memory:')
    for (const file of FILES.filter((f) => f < '0011')) apply(db, file)
    const insert = db.prepare('INSERT INTO idps (id, organization_id, name, slug, entity_id, sso_url, enabled, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    insert.run('idp_live', 'org_a', 'Live', 'live', 'https://live.example', 'https://live.example/sso', 1, 1_700_000_000_000)
    insert.run('idp_off', 'org_a', 'Off', 'off', 'https://off.example', 'https://off.example/sso', 0, 1_700_000_500_000)
    apply(db, migration('0011'))
    expect(db.prepare('SELECT id, enabled, tested_at AS testedAt FROM idps ORDER BY id').all()).toEqual([
      { id: 'idp_live', enabled: 1, testedAt: 1_700_000_000_000 },
      { id: 'idp_off', enabled: 0, testedAt: null },
    ])
  })
})
