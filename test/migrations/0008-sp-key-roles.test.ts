// migrations/0008_sp_key_roles.sql on a database that 0000–0007 built: each new signing role
// (broker, metadata, freshworks) starts with a copy of the gateway's current signing key, so the
// helpdesks and IdPs that trust its certificate keep working; retired and encryption keys are not
// copied; a gateway without keys gets none (it makes one per role on first use). Plain Node on
// node:sqlite, each migration in one transaction as D1 applies it.
import { DatabaseSync } from 'node:sqlite'
import { describe, expect, it } from 'vitest'
import { applyMigration as apply, migration, MIGRATIONS as FILES } from '../helpers/migrations'

function before0008(): DatabaseSync {
  const db = new DatabaseSync(':memory:')
  for (const file of FILES.filter((f) => f < '0008')) apply(db, file)
  return db
}

const key = (id: string, use: string, status: string, cert: string) =>
  `('${id}', '${use}', 'RSA-2048', '${cert}', 'sealed-${id}', '${status}', 2000000000000, 1700000000000, ${status === 'retired' ? 1700000500000 : 'NULL'}, 1700000000000)`

describe('0008_sp_key_roles', () => {
  it('gives broker, metadata and freshworks a copy of the active and staged signing keys, and nothing else', () => {
    const db = before0008()
    db.exec(
      `INSERT INTO sp_keys (id, use, algorithm, certificate_pem, private_key_sealed, status, not_after, activated_at, retired_at, created_at) VALUES ${[
        key('spk_s_active', 'signing', 'active', 'CERT-A'),
        key('spk_s_next', 'signing', 'next', 'CERT-N'),
        key('spk_s_old', 'signing', 'retired', 'CERT-OLD'),
        key('spk_e_active', 'encryption', 'active', 'CERT-E'),
      ].join(', ')}`,
    )
    apply(db, migration('0008'))
    const rows = db.prepare('SELECT id, use, status, certificate_pem AS cert, private_key_sealed AS sealed FROM sp_keys ORDER BY id').all()
    expect(rows).toEqual(
      [
        { id: 'spk_b_active', use: 'broker', status: 'active', cert: 'CERT-A', sealed: 'sealed-spk_s_active' },
        { id: 'spk_b_next', use: 'broker', status: 'next', cert: 'CERT-N', sealed: 'sealed-spk_s_next' },
        { id: 'spk_e_active', use: 'encryption', status: 'active', cert: 'CERT-E', sealed: 'sealed-spk_e_active' },
        { id: 'spk_f_active', use: 'freshworks', status: 'active', cert: 'CERT-A', sealed: 'sealed-spk_s_active' },
        { id: 'spk_f_next', use: 'freshworks', status: 'next', cert: 'CERT-N', sealed: 'sealed-spk_s_next' },
        { id: 'spk_m_active', use: 'metadata', status: 'active', cert: 'CERT-A', sealed: 'sealed-spk_s_active' },
        { id: 'spk_m_next', use: 'metadata', status: 'next', cert: 'CERT-N', sealed: 'sealed-spk_s_next' },
        { id: 'spk_s_active', use: 'signing', status: 'active', cert: 'CERT-A', sealed: 'sealed-spk_s_active' },
        { id: 'spk_s_next', use: 'signing', status: 'next', cert: 'CERT-N', sealed: 'sealed-spk_s_next' },
        { id: 'spk_s_old', use: 'signing', status: 'retired', cert: 'CERT-OLD', sealed: 'sealed-spk_s_old' },
      ].map((r) => expect.objectContaining(r)),
    )
  })

  it('adds nothing on a gateway that has no keys yet (each role makes its own on first use)', () => {
    const db = before0008()
    apply(db, migration('0008'))
    expect(db.prepare('SELECT COUNT(*) AS n FROM sp_keys').get()).toEqual({ n: 0 })
  })
})
