// workerd: the overview's aggregates over the audit log in real D1: groups counted in SQL within
// a half-open window, other actions left out, the largest groups kept when the LIMIT cuts, the
// newest row per (action, IdP); and each query's plan searches the (action, at) index, never a
// full scan of the table.
import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { countLoginFailuresByCode, countLoginsByDay, countLoginsByIdp, DAY_MS, latestAuditByIdp } from '../../src/store/audit-stats'
import { writeAudit, type AuditEntry } from '../../src/store/audit'

const DAY0 = Date.parse('2031-01-10T00:00:00Z')
const DAY = DAY0 / DAY_MS
const at = (days: number, minutes = 0) => new Date(DAY0 + days * DAY_MS + minutes * 60_000)
const window = { since: at(0), until: at(3) }

async function write(entries: Partial<AuditEntry>[]): Promise<void> {
  for (const e of entries) await writeAudit(env.DB, { at: at(0), actor: 'anonymous', action: 'login', outcome: 'success', ...e })
}
const times = (n: number, entry: Partial<AuditEntry>) => Array.from({ length: n }, () => entry)

beforeEach(async () => {
  await env.DB.exec('DELETE FROM audit_log')
})

describe('countLoginsByDay', () => {
  beforeEach(async () => {
    await write([
      // At `since` counts, at `until` does not; a day's last millisecond is still that day.
      ...times(3, { idpId: 'idp_a', at: at(0) }),
      { idpId: 'idp_a', at: at(1, -1 / 60_000) },
      { idpId: 'idp_a', outcome: 'failure', code: 'SAML_EXPIRED', at: at(1) },
      ...times(2, { idpId: 'idp_b', at: at(2, 600) }),
      { idpId: 'idp_a', at: at(3) },
      { idpId: 'idp_a', at: at(0, -1) },
      { idpId: 'idp_a', action: 'login.test', at: at(1) },
      { idpId: 'idp_a', action: 'logout', at: at(1) },
    ])
  })

  it('counts login rows per UTC day, IdP and outcome, largest groups first', async () => {
    const { groups, complete } = await countLoginsByDay(env.DB, window, 100)
    expect(complete).toBe(true)
    expect(groups).toEqual([
      { day: DAY, idpId: 'idp_a', outcome: 'success', count: 4 },
      { day: DAY + 2, idpId: 'idp_b', outcome: 'success', count: 2 },
      { day: DAY + 1, idpId: 'idp_a', outcome: 'failure', count: 1 },
    ])
  })

  it('says when the limit cut groups off, keeping the largest', async () => {
    const { groups, complete } = await countLoginsByDay(env.DB, window, 2)
    expect(complete).toBe(false)
    expect(groups.map((g) => g.count)).toEqual([4, 2])
  })
})

describe('countLoginFailuresByCode and countLoginsByIdp', () => {
  beforeEach(async () => {
    await write([
      ...times(3, { idpId: 'idp_a', outcome: 'failure', code: 'SAML_SIGNATURE_INVALID' }),
      ...times(2, { idpId: 'idp_b', outcome: 'failure', code: 'SAML_EXPIRED' }),
      { idpId: 'idp_a', outcome: 'failure', code: 'SAML_EXPIRED' },
      { idpId: 'idp_a' },
      { idpId: 'idp_a', outcome: 'failure', code: 'SAML_EXPIRED', at: at(-1) },
      { idpId: 'idp_a', action: 'idp.update', outcome: 'failure', code: 'ADMIN_INVALID_FIELD' },
    ])
  })

  it('counts failed logins by code, most frequent first, at most `limit`', async () => {
    expect(await countLoginFailuresByCode(env.DB, window, 10)).toEqual([
      { code: 'SAML_EXPIRED', count: 3 },
      { code: 'SAML_SIGNATURE_INVALID', count: 3 },
    ])
    expect(await countLoginFailuresByCode(env.DB, window, 1)).toHaveLength(1)
  })

  it('counts logins by IdP, outcome and code', async () => {
    expect(await countLoginsByIdp(env.DB, window, 10)).toEqual([
      { idpId: 'idp_a', outcome: 'failure', code: 'SAML_SIGNATURE_INVALID', count: 3 },
      { idpId: 'idp_b', outcome: 'failure', code: 'SAML_EXPIRED', count: 2 },
      { idpId: 'idp_a', outcome: 'success', code: null, count: 1 },
      { idpId: 'idp_a', outcome: 'failure', code: 'SAML_EXPIRED', count: 1 },
    ])
  })
})

describe('latestAuditByIdp', () => {
  it('gives the newest row of each action and IdP since the cutoff, newest first', async () => {
    await write([
      { action: 'idp.metadata-refresh', idpId: 'idp_a', outcome: 'failure', code: 'OLD', at: at(-5) },
      { action: 'idp.metadata-refresh', idpId: 'idp_a', outcome: 'success', at: at(1) },
      { action: 'idp.metadata-refresh', idpId: 'idp_a', outcome: 'failure', code: 'ADMIN_METADATA_FETCH_FAILED', at: at(2) },
      { action: 'idp.metadata-refresh', idpId: 'idp_b', outcome: 'failure', code: 'X', at: at(0) },
      { action: 'idp.metadata-refresh', idpId: 'idp_b', outcome: 'success', at: at(1) },
      { action: 'idp.metadata-refresh', idpId: 'idp_c', outcome: 'failure', code: 'TOO_OLD', at: at(-1) },
      { action: 'idp.metadata-refresh', idpId: null, outcome: 'failure', code: 'NO_IDP', at: at(2) },
      { action: 'login.test', idpId: 'idp_a', outcome: 'success', at: at(0, 5) },
      { action: 'login', idpId: 'idp_a', outcome: 'failure', code: 'NOT_ASKED', at: at(2) },
    ])
    expect(await latestAuditByIdp(env.DB, ['idp.metadata-refresh', 'login.test'], at(0), 10)).toEqual([
      { action: 'idp.metadata-refresh', idpId: 'idp_a', outcome: 'failure', code: 'ADMIN_METADATA_FETCH_FAILED', at: at(2) },
      { action: 'idp.metadata-refresh', idpId: 'idp_b', outcome: 'success', code: null, at: at(1) },
      { action: 'login.test', idpId: 'idp_a', outcome: 'success', code: null, at: at(0, 5) },
    ])
    expect(await latestAuditByIdp(env.DB, ['idp.metadata-refresh'], at(0), 1)).toHaveLength(1)
  })
})

/** The same D1, recording each statement's SQL and bound values. */
function recordingStatements(d1: D1Database): { db: D1Database; statements: { sql: string; params: unknown[] }[] } {
  const statements: { sql: string; params: unknown[] }[] = []
  const db = new Proxy(d1, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown
      if (typeof value !== 'function') return value
      const fn = (value as (...args: unknown[]) => unknown).bind(target)
      if (property !== 'prepare') return fn
      return (query: string) => {
        const entry = { sql: query, params: [] as unknown[] }
        statements.push(entry)
        const statement = fn(query) as D1PreparedStatement
        return new Proxy(statement, {
          get(t, p) {
            const v = Reflect.get(t, p, t) as unknown
            if (typeof v !== 'function') return v
            const method = v as (...args: unknown[]) => unknown
            if (p !== 'bind') return method.bind(t)
            return (...args: unknown[]) => {
              entry.params = args
              return method.apply(t, args)
            }
          },
        })
      }
    },
  })
  return { db, statements }
}

describe('query plans', () => {
  it('search the (action, at) index within the window, the counts from the index alone: no query scans the audit log', async () => {
    await write(times(50, { idpId: 'idp_a' }))
    const { db, statements } = recordingStatements(env.DB)
    await countLoginsByDay(db, window, 10)
    await countLoginFailuresByCode(db, window, 10)
    await countLoginsByIdp(db, window, 10)
    await latestAuditByIdp(db, ['idp.metadata-refresh', 'login.test'], window.since, 10)
    expect(statements).toHaveLength(4)
    for (const [i, s] of statements.entries()) {
      expect(s.sql).toMatch(/\blimit \?$/)
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${s.sql}`)
        .bind(...s.params)
        .all<{ detail: string }>()
      const details = plan.results.map((r) => r.detail)
      // The three counts read the index alone (migration 0013 made it covering); the last reads rows.
      const index =
        i < 3
          ? /^SEARCH audit_log USING COVERING INDEX audit_log_action_at \(action=\? AND at>\?/
          : /^SEARCH audit_log USING (COVERING )?INDEX audit_log_action_at \(action=\? AND at>\?/
      expect(details, s.sql).toContainEqual(expect.stringMatching(index))
      expect(
        details.some((d) => /^SCAN audit_log\b/.test(d)),
        s.sql,
      ).toBe(false)
    }
  })
})
