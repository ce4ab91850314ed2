// migrations/0004_organizations.sql on a database that 0000–0003 built and the pre-organization
// gateway filled: each IdP becomes its own organization, idps gets organization_id NOT NULL, the
// email domains the IdPs listed become verified organization domains (audited), session_index
// appears, and the result is the schema src/store/schema.ts (drizzle) reads and writes. Runs in
// plain Node on node:sqlite; each file is split on drizzle's `--> statement-breakpoint` and its
// statements run one by one in one transaction, as D1 applies a migration (one atomic batch).
import { readdirSync, readFileSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { fileURLToPath } from 'node:url'
import { is } from 'drizzle-orm'
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import { beforeAll, describe, expect, it } from 'vitest'
import * as schema from '../../src/store/schema'

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))
const MIGRATIONS = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^\d{4}_.*\.sql$/.test(f))
  .sort()
const BEFORE_0004 = MIGRATIONS.filter((f) => f < '0004')
const M0004 = '0004_organizations.sql'

type Row = Record<string, unknown>

/** The statements of one migration file, split as drizzle-kit wrote them. */
function statementsOf(file: string): string[] {
  return readFileSync(MIGRATIONS_DIR + file, 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/** One migration, atomically: every statement or none (D1 runs a migration as one batch). */
function applyMigration(db: DatabaseSync, file: string): void {
  db.exec('BEGIN')
  try {
    for (const statement of statementsOf(file)) db.exec(statement)
    db.exec('COMMIT')
  } catch (err) {
    db.exec('ROLLBACK')
    throw new Error(`${file}: ${(err as Error).message}`)
  }
}

function openDb(): DatabaseSync {
  const db = new DatabaseSync(':memory:')
  db.exec('PRAGMA foreign_keys = ON') // as on D1
  return db
}

const all = (db: DatabaseSync, sql: string, ...params: (string | number | null)[]): Row[] => db.prepare(sql).all(...params) as Row[]
const get = (db: DatabaseSync, sql: string, ...params: (string | number | null)[]): Row | undefined => db.prepare(sql).get(...params) as Row | undefined

// ---------------------------------------------------------------------------------------------
// Pre-0004 data, as the gateway of 0003 stored it.

interface SeedIdp {
  id: string
  name: string
  slug: string
  emailDomains: string[]
  sortOrder: number
  enabled?: boolean
  createdAt: number
  updatedAt: number
}

const SEED_IDPS: SeedIdp[] = [
  // Domains with upper case (stored before the admin API lower-cased them, or by hand).
  {
    id: 'idp_a1b2c3d4e5f6a7b8c9',
    name: 'Acme Corp',
    slug: 'acme',
    emailDomains: ['acme.com', 'Acme.CO.uk'],
    sortOrder: 0,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_100_000,
  },
  // Lists shared.example too, but after Gamma (sort_order 2 > 1) although its id sorts first.
  {
    id: 'idp_beta',
    name: 'Beta Ltd',
    slug: 'beta',
    emailDomains: ['beta.io', 'shared.example'],
    sortOrder: 2,
    enabled: false,
    createdAt: 1_700_000_200_000,
    updatedAt: 1_700_000_300_000,
  },
  // The same domain twice in one list, in two spellings; the shared domain in upper case.
  {
    id: 'idp_gamma',
    name: 'Gamma GmbH',
    slug: 'gamma',
    emailDomains: ['SHARED.example', 'gamma.de', 'GAMMA.DE'],
    sortOrder: 1,
    createdAt: 1_700_000_400_000,
    updatedAt: 1_700_000_500_000,
  },
  // No domains: an organization without any.
  {
    id: 'idp_staff00000000000000',
    name: 'Helpdesk staff',
    slug: 'staff',
    emailDomains: [],
    sortOrder: 3,
    createdAt: 1_700_000_600_000,
    updatedAt: 1_700_000_700_000,
  },
  // Ids that do not start with 'idp_': the whole id is kept. 'idp-legacy' shows the '_' in the
  // pattern is literal (as a LIKE wildcard it would match '-' and yield 'org_egacy').
  {
    id: 'idp-legacy',
    name: 'Legacy ADFS',
    slug: 'legacy',
    emailDomains: ['legacy.example'],
    sortOrder: 4,
    createdAt: 1_600_000_000_000,
    updatedAt: 1_600_000_000_001,
  },
  {
    id: 'okta-main',
    name: 'Okta (main)',
    slug: 'okta-main',
    emailDomains: ['Okta-Main.example'],
    sortOrder: 0,
    createdAt: 1_650_000_000_000,
    updatedAt: 1_650_000_000_000,
  },
  // One company moving from ADFS to Entra ID: the retired IdP (disabled, first by sort_order) and
  // the new one list the same domain. Email discovery routed it to the enabled one; so does 0004.
  { id: 'idp_old', name: 'Acme ADFS (retired)', slug: 'acme-adfs', emailDomains: ['moving.example'], sortOrder: 0, enabled: false, createdAt: 1, updatedAt: 1 },
  { id: 'idp_new', name: 'Acme Entra', slug: 'acme-entra', emailDomains: ['moving.example'], sortOrder: 1, createdAt: 2, updatedAt: 2 },
  // The same sort_order (the default 0 is common): discovery took the first by name, not by id.
  { id: 'idp_ff00', name: 'Tie Azure', slug: 'tie-azure', emailDomains: ['tie.example'], sortOrder: 5, createdAt: 3, updatedAt: 3 },
  { id: 'idp_0a00', name: 'Tie Okta (old)', slug: 'tie-okta', emailDomains: ['tie.example'], sortOrder: 5, createdAt: 4, updatedAt: 4 },
  // 'idp_dup' and 'dup' would both be org_dup: the one that starts with idp_ keeps its whole id.
  { id: 'idp_dup', name: 'Dup A', slug: 'dup-a', emailDomains: [], sortOrder: 6, createdAt: 5, updatedAt: 5 },
  { id: 'dup', name: 'Dup B', slug: 'dup-b', emailDomains: [], sortOrder: 6, createdAt: 6, updatedAt: 6 },
  // Upper case is not the app's prefix (the pattern is case-sensitive): the whole id is kept.
  { id: 'IDP_Upper', name: 'Upper', slug: 'upper', emailDomains: [], sortOrder: 7, createdAt: 7, updatedAt: 7 },
]

const SEED_IDS = new Set(SEED_IDPS.map((i) => i.id))
/** org_<suffix> for the app's idp_<suffix> ids, unless another IdP's id is that suffix; org_<id> otherwise. */
const orgIdOf = (idpId: string) => (idpId.startsWith('idp_') && !SEED_IDS.has(idpId.slice(4)) ? `org_${idpId.slice(4)}` : `org_${idpId}`)

/** Who owns each domain after 0004: lower-cased, the first IdP as discovery chose it (enabled, sort_order, name). */
const EXPECTED_DOMAINS: Record<string, string> = {
  'acme.com': 'org_a1b2c3d4e5f6a7b8c9',
  'acme.co.uk': 'org_a1b2c3d4e5f6a7b8c9',
  'beta.io': 'org_beta',
  'shared.example': 'org_gamma',
  'gamma.de': 'org_gamma',
  'legacy.example': 'org_idp-legacy',
  'okta-main.example': 'org_okta-main',
  'moving.example': 'org_new',
  'tie.example': 'org_ff00',
}

function seed(db: DatabaseSync): void {
  const insertIdp = db.prepare(`INSERT INTO idps (id, name, slug, entity_id, sso_url, sso_binding, slo_url, slo_binding, certificates, enabled,
    show_on_selection, is_default, email_domains, attribute_map, allowed_groups, sign_authn_requests, want_assertions_signed,
    allow_idp_initiated, allow_sha1, clock_skew_seconds, name_id_format, logo_url, sort_order, metadata_url, metadata_refreshed_at,
    created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  SEED_IDPS.forEach((idp, i) => {
    const rich = i % 2 === 0 // every other IdP with every optional column set, the others with NULLs
    insertIdp.run(
      idp.id,
      idp.name,
      idp.slug,
      `https://${idp.slug}.idp.example/metadata`,
      `https://${idp.slug}.idp.example/sso`,
      rich ? 'post' : 'redirect',
      rich ? `https://${idp.slug}.idp.example/slo` : null,
      rich ? 'redirect' : null,
      JSON.stringify([`MIIC${idp.slug}cert==`]),
      idp.enabled === false ? 0 : 1,
      rich ? 0 : 1,
      i === 0 ? 1 : 0,
      JSON.stringify(idp.emailDomains),
      rich ? JSON.stringify({ email: 'mail', groups: 'memberOf' }) : '{}',
      rich ? JSON.stringify(['support-agents']) : '[]',
      rich ? 1 : 0,
      rich ? 1 : 0,
      rich ? 1 : 0,
      rich ? 1 : 0,
      rich ? 300 : null,
      rich ? 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' : null,
      rich ? `https://${idp.slug}.example/logo.png` : null,
      idp.sortOrder,
      rich ? `https://${idp.slug}.idp.example/metadata` : null,
      rich ? 1_700_000_900_000 : null,
      idp.createdAt,
      idp.updatedAt,
    )
  })
  const insertSetting = db.prepare('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)')
  insertSetting.run('portalName', JSON.stringify('Help Center'), 1_700_000_000_000)
  insertSetting.run('clockSkewSeconds', JSON.stringify(120), 1_700_000_000_001)
  const insertAudit = db.prepare(
    'INSERT INTO audit_log (at, actor, action, idp_id, subject, outcome, code, ip, user_agent, request_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  insertAudit.run(1_700_000_010_000, 'admin', 'idp.create', 'idp_gamma', null, 'success', null, '203.0.113.7', 'curl/8', 'req-1', '{"name":"Gamma GmbH"}')
  insertAudit.run(1_700_000_020_000, 'anonymous', 'login', 'idp_beta', 'jdoe', 'failure', 'SAML_SIGNATURE_INVALID', '198.51.100.2', 'Firefox', 'req-2', null)
  db.prepare("INSERT INTO apps (id, kind, name, slug, config) VALUES ('app_zd', 'zendesk', 'Zendesk', 'zendesk', '{}')").run()
}

interface Migrated {
  db: DatabaseSync
  idpsBefore: Row[]
  settingsBefore: Row[]
  auditBefore: Row[]
  /** Wall-clock window around applying 0004 (ms). */
  t0: number
  t1: number
}

function migratedDb(): Migrated {
  const db = openDb()
  for (const file of BEFORE_0004) applyMigration(db, file)
  seed(db)
  const idpsBefore = all(db, 'SELECT * FROM idps ORDER BY id')
  const settingsBefore = all(db, 'SELECT * FROM settings ORDER BY key')
  const auditBefore = all(db, 'SELECT * FROM audit_log ORDER BY id')
  const t0 = Date.now() - 1
  applyMigration(db, M0004)
  const t1 = Date.now() + 1
  return { db, idpsBefore, settingsBefore, auditBefore, t0, t1 }
}

const indexesOf = (db: DatabaseSync, table: string) =>
  all(db, `PRAGMA index_list(${JSON.stringify(table)})`)
    .filter((ix) => ix.origin === 'c')
    .map((ix) => ({
      name: ix.name as string,
      unique: ix.unique === 1,
      columns: all(db, `PRAGMA index_info(${JSON.stringify(ix.name)})`).map((c) => c.name as string),
    }))
    .sort((a, b) => a.name.localeCompare(b.name))

const tablesOf = (db: DatabaseSync) =>
  all(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((r) => r.name as string)

const drizzleTables = Object.values(schema as Record<string, unknown>)
  .filter((v): v is SQLiteTable => is(v, SQLiteTable))
  .map((t) => getTableConfig(t))

/** The applied schema is the one drizzle expects: tables, columns (type, NOT NULL, default, key), indexes. */
function expectDrizzleSchema(db: DatabaseSync): void {
  expect(tablesOf(db)).toEqual(drizzleTables.map((t) => t.name).sort())
  for (const table of drizzleTables) {
    const compositeKey = table.primaryKeys.flatMap((pk) => pk.columns.map((c) => c.name))
    const expected = table.columns
      .map((c) => ({
        name: c.name,
        type: c.getSQLType().toLowerCase(),
        notNull: c.notNull,
        // A SQL DEFAULT (drizzle's hasDefault is also true for AUTOINCREMENT, which is no DEFAULT).
        hasDefault: c.default !== undefined,
        primaryKey: c.primary || compositeKey.includes(c.name),
      }))
      .sort((a, b) => a.name.localeCompare(b.name))
    const actual = all(db, `PRAGMA table_info(${JSON.stringify(table.name)})`)
      .map((c) => ({
        name: c.name as string,
        type: (c.type as string).toLowerCase(),
        notNull: c.notnull === 1,
        hasDefault: c.dflt_value !== null,
        primaryKey: (c.pk as number) > 0,
      }))
      .sort((a, b) => a.name.localeCompare(b.name))
    expect(actual, table.name).toEqual(expected)
    const expectedIndexes = table.indexes
      .map((ix) => ({
        name: ix.config.name,
        unique: ix.config.unique,
        columns: ix.config.columns.map((c) => (c as { name: string }).name),
      }))
      .sort((a, b) => a.name.localeCompare(b.name))
    expect(indexesOf(db, table.name), `${table.name} indexes`).toEqual(expectedIndexes)
  }
}

// ---------------------------------------------------------------------------------------------

describe('migrations/0004_organizations.sql on a gateway with IdPs', () => {
  let m: Migrated
  beforeAll(() => {
    m = migratedDb()
  })

  it('reads the migrations 0000–0004 in order, each statement on its own', () => {
    expect(MIGRATIONS.slice(0, 5)).toEqual([
      '0000_init.sql',
      '0001_sp_key_retired_at.sql',
      '0002_apps.sql',
      '0003_idp_policy_defaults.sql',
      '0004_organizations.sql',
    ])
    const journal = JSON.parse(readFileSync(MIGRATIONS_DIR + 'meta/_journal.json', 'utf8')) as { entries: { tag: string }[] }
    expect(journal.entries.map((e) => `${e.tag}.sql`)).toEqual(MIGRATIONS)
    // Every chunk is one statement (a ';' outside literals and comments only at its end), so
    // running chunk by chunk runs the same statements as D1's split on ';'.
    for (const file of MIGRATIONS)
      for (const statement of statementsOf(file)) {
        const code = statement.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|--[^\n]*/g, ' ').trim()
        expect(code.replace(/;$/, ''), `${file}: ${statement.slice(0, 60)}`).not.toContain(';')
      }
  })

  it('creates one organization per IdP: same name, slug and timestamps; id org_<suffix of idp_…>, else org_<id>', () => {
    const orgs = all(m.db, 'SELECT * FROM organizations ORDER BY id')
    const expected = SEED_IDPS.map((idp) => ({
      id: orgIdOf(idp.id),
      name: idp.name,
      slug: idp.slug,
      helpdesk_organization: null,
      trust_any_email: 0,
      enabled: 1,
      group_mappings: '[]',
      created_at: idp.createdAt,
      updated_at: idp.updatedAt,
    })).sort((a, b) => (a.id < b.id ? -1 : 1))
    expect(orgs).toEqual(expected)
    expect(orgs.map((o) => o.id)).toEqual(
      [
        'org_a1b2c3d4e5f6a7b8c9',
        'org_beta',
        'org_gamma',
        'org_idp-legacy',
        'org_okta-main',
        'org_staff00000000000000',
        'org_old',
        'org_new',
        'org_ff00',
        'org_0a00',
        // idp_dup and dup, which would both have been org_dup:
        'org_idp_dup',
        'org_dup',
        'org_IDP_Upper',
      ].sort(),
    )
  })

  it('keeps every column value of every IdP and adds its organization_id', () => {
    const after = all(m.db, 'SELECT * FROM idps ORDER BY id')
    expect(after).toEqual(m.idpsBefore.map((row) => ({ ...row, organization_id: orgIdOf(row.id as string) })))
    // The organization exists for each, and its slug is the IdP's.
    const joined = all(m.db, 'SELECT i.slug AS idp_slug, o.slug AS org_slug FROM idps i LEFT JOIN organizations o ON o.id = i.organization_id')
    expect(joined).toHaveLength(SEED_IDPS.length)
    for (const r of joined) expect(r.org_slug).toBe(r.idp_slug)
  })

  it('turns the email domains into verified domains, lower-cased, the shared one owned by the first IdP (sort_order, then id)', () => {
    const domains = all(m.db, 'SELECT * FROM organization_domains ORDER BY domain')
    expect(Object.fromEntries(domains.map((d) => [d.domain, d.organization_id]))).toEqual(EXPECTED_DOMAINS)
    for (const d of domains) {
      expect(d.domain).toBe((d.domain as string).toLowerCase())
      expect(d).toMatchObject({ status: 'verified', verification_method: 'migrated', last_checked_at: null, last_check_error: null })
      expect(d.verified_at as number).toBeGreaterThanOrEqual(m.t0)
      expect(d.verified_at as number).toBeLessThanOrEqual(m.t1)
      expect(d.created_at as number).toBeGreaterThanOrEqual(m.t0)
      expect(d.created_at as number).toBeLessThanOrEqual(m.t1)
      expect(d.token).toMatch(/^[0-9a-f]{32}$/)
    }
    expect(new Set(domains.map((d) => d.token)).size).toBe(domains.length)
    // The IdP without domains has an organization without domains.
    expect(all(m.db, "SELECT * FROM organization_domains WHERE organization_id = 'org_staff00000000000000'")).toEqual([])
  })

  it('writes exactly one audit row per migrated domain and keeps the earlier rows', () => {
    const rows = all(m.db, 'SELECT * FROM audit_log ORDER BY id')
    expect(rows.slice(0, m.auditBefore.length)).toEqual(m.auditBefore)
    const added = rows.slice(m.auditBefore.length)
    expect(added).toHaveLength(Object.keys(EXPECTED_DOMAINS).length)
    for (const row of added) {
      expect(row).toMatchObject({
        actor: 'migration',
        action: 'domain.confirm',
        outcome: 'success',
        idp_id: null,
        subject: null,
        code: null,
        ip: null,
        user_agent: null,
        request_id: null,
      })
      expect(row.at as number).toBeGreaterThanOrEqual(m.t0)
      expect(row.at as number).toBeLessThanOrEqual(m.t1)
    }
    const details = added.map((r) => JSON.parse(r.detail as string) as Row).sort((a, b) => ((a.domain as string) < (b.domain as string) ? -1 : 1))
    expect(details).toEqual(
      Object.entries(EXPECTED_DOMAINS)
        .map(([domain, organizationId]) => ({ organizationId, domain, method: 'migrated' }))
        .sort((a, b) => (a.domain < b.domain ? -1 : 1)),
    )
  })

  it('leaves settings and apps alone', () => {
    expect(all(m.db, 'SELECT * FROM settings ORDER BY key')).toEqual(m.settingsBefore)
    expect(all(m.db, 'SELECT id, slug FROM apps')).toEqual([{ id: 'app_zd', slug: 'zendesk' }])
  })

  it('keeps the unique indexes on idps (slug, entity_id), and they hold', () => {
    expect(indexesOf(m.db, 'idps')).toEqual([
      { name: 'idps_entity_id_unique', unique: true, columns: ['entity_id'] },
      { name: 'idps_slug_unique', unique: true, columns: ['slug'] },
    ])
    const insert = m.db.prepare('INSERT INTO idps (id, organization_id, name, slug, entity_id, sso_url) VALUES (?, ?, ?, ?, ?, ?)')
    expect(() => insert.run('idp_new1', 'org_gamma', 'Dup slug', 'gamma', 'https://new1.example', 'https://new1.example/sso')).toThrow(
      /UNIQUE constraint failed: idps\.slug/,
    )
    expect(() => insert.run('idp_new2', 'org_gamma', 'Dup entity', 'new2', 'https://gamma.idp.example/metadata', 'https://new2.example/sso')).toThrow(
      /UNIQUE constraint failed: idps\.entity_id/,
    )
    expect(() => m.db.prepare("INSERT INTO organizations (id, name, slug) VALUES ('org_dup', 'Dup', 'acme')").run()).toThrow(
      /UNIQUE constraint failed: organizations\.slug/,
    )
    expect(() => m.db.prepare("INSERT INTO organization_domains (domain, organization_id, token) VALUES ('acme.com', 'org_beta', 'x')").run()).toThrow(
      /UNIQUE constraint failed: organization_domains\.domain/,
    )
  })

  it('requires organization_id on new IdPs, and fills the defaults of 0003 and 0004', () => {
    const db = migratedDb().db
    expect(() =>
      db
        .prepare(
          "INSERT INTO idps (id, name, slug, entity_id, sso_url) VALUES ('idp_orphan', 'Orphan', 'orphan', 'https://orphan.example', 'https://orphan.example/sso')",
        )
        .run(),
    ).toThrow(/NOT NULL constraint failed: idps\.organization_id/)
    expect(() => db.prepare("UPDATE idps SET organization_id = NULL WHERE id = 'idp_gamma'").run()).toThrow(/NOT NULL constraint failed: idps\.organization_id/)
    db.prepare("INSERT INTO organizations (id, name, slug) VALUES ('org_fresh', 'New Co', 'new-co')").run()
    db.prepare(
      "INSERT INTO idps (id, organization_id, name, slug, entity_id, sso_url) VALUES ('idp_fresh', 'org_fresh', 'New IdP', 'new-idp', 'https://new.example', 'https://new.example/sso')",
    ).run()
    expect(get(db, "SELECT * FROM idps WHERE id = 'idp_fresh'")).toMatchObject({
      organization_id: 'org_fresh',
      want_assertions_signed: 0,
      clock_skew_seconds: null,
      email_domains: '[]',
      sort_order: 0,
    })
    expect(get(db, "SELECT trust_any_email, enabled, group_mappings FROM organizations WHERE id = 'org_fresh'")).toEqual({
      trust_any_email: 0,
      enabled: 1,
      group_mappings: '[]',
    })
  })

  it('creates session_index with its indexes', () => {
    expect(all(m.db, "PRAGMA table_info('session_index')").map((c) => [c.name, c.notnull, c.pk])).toEqual([
      ['token_hash', 1, 1],
      ['organization_id', 1, 0],
      ['idp_id', 1, 0],
      ['subject', 1, 0],
      ['name_id_hash', 1, 0],
      ['session_index', 0, 0],
      ['expires_at', 1, 0],
    ])
    expect(indexesOf(m.db, 'session_index')).toEqual([
      { name: 'session_index_expires', unique: false, columns: ['expires_at'] },
      { name: 'session_index_idp_name', unique: false, columns: ['idp_id', 'name_id_hash'] },
      { name: 'session_index_org', unique: false, columns: ['organization_id'] },
      { name: 'session_index_subject', unique: false, columns: ['subject'] },
    ])
    expect(all(m.db, 'SELECT * FROM session_index')).toEqual([])
  })

  it('leaves no temporary table behind, and with the later migrations yields the schema drizzle expects (src/store/schema.ts)', () => {
    expect(tablesOf(m.db)).not.toContain('__new_idps')
    expect(m.db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
    const upgraded = migratedDb().db
    for (const file of MIGRATIONS.filter((f) => f > M0004)) applyMigration(upgraded, file)
    expectDrizzleSchema(upgraded)
    // 0005: nothing revoked and no slug retired by the upgrade itself.
    expect(all(upgraded, 'SELECT DISTINCT sessions_revoked_at AS at FROM idps')).toEqual([{ at: null }])
    expect(all(upgraded, 'SELECT DISTINCT sessions_revoked_at AS at FROM organizations')).toEqual([{ at: null }])
    expect(all(upgraded, 'SELECT * FROM retired_slugs')).toEqual([])
  })
})

describe('every migration on an empty database (a fresh install)', () => {
  it('applies, creates no organization, domain or audit row, and yields the schema drizzle expects', () => {
    const db = openDb()
    for (const file of MIGRATIONS) applyMigration(db, file)
    expect(all(db, 'SELECT * FROM organizations')).toEqual([])
    expect(all(db, 'SELECT * FROM organization_domains')).toEqual([])
    expect(all(db, 'SELECT * FROM audit_log')).toEqual([])
    expect(all(db, 'SELECT * FROM idps')).toEqual([])
    expectDrizzleSchema(db)
  })
})
