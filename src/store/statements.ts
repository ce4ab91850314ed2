/**
 * Hot-path statements without drizzle's query builder: the ACS runs about seven per sign-in, and
 * in issue 15's workerd profile building and mapping them with drizzle cost about twice xmldom's
 * parse of the response. The schema stays the one source of names and modes: each statement's SQL
 * is spelled from the table's columns once per isolate, and values are encoded and rows decoded by
 * the columns' own mapToDriverValue / mapFromDriverValue, which is what drizzle itself calls. So a
 * row read here is the row drizzle reads, and a row written here the row drizzle writes
 * (test/store/statements.test.ts compares them on real D1).
 */
import { getTableColumns, getTableName, type Column, type InferInsertModel, type InferSelectModel } from 'drizzle-orm'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'

/** A name in double quotes, as drizzle writes it for SQLite. */
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/** A value as the column stores it: null stays null (drizzle binds null as is). */
const encode = (column: Column, value: unknown): unknown => (value === null ? null : column.mapToDriverValue(value))

function decoder<T extends SQLiteTable>(
  table: T,
): { select: string; decode: (row: unknown[]) => InferSelectModel<T>; decodeObject: (row: Record<string, unknown>) => InferSelectModel<T> } {
  const columns = Object.entries(getTableColumns(table) as Record<string, Column>)
  const value = (column: Column, raw: unknown) => (raw === null || raw === undefined ? null : column.mapFromDriverValue(raw))
  return {
    select: `SELECT ${columns.map(([, c]) => quote(c.name)).join(', ')} FROM ${quote(getTableName(table))}`,
    decode: (row) => {
      const out: Record<string, unknown> = {}
      columns.forEach(([key, column], i) => (out[key] = value(column, row[i])))
      return out as InferSelectModel<T>
    },
    // A batch answers with objects keyed by column name.
    decodeObject: (row) => {
      const out: Record<string, unknown> = {}
      for (const [key, column] of columns) out[key] = value(column, row[column.name])
      return out as InferSelectModel<T>
    },
  }
}

/**
 * Every column of `table` WHERE `where` (the store's own SQL; a `?` per value, values bound), for
 * a D1 batch: `statement` binds the values, `rows` decodes that statement's batch result.
 */
export function selectWhere<T extends SQLiteTable>(table: T, where: string) {
  const { select, decodeObject } = decoder(table)
  const text = `${select} WHERE ${where}`
  return {
    statement: (d1: D1Database, ...values: unknown[]): D1PreparedStatement => d1.prepare(text).bind(...values),
    rows: (result: D1Result<Record<string, unknown>>): InferSelectModel<T>[] => result.results.map(decodeObject),
  }
}

/** `(d1, value)` → the first row whose `key` column equals `value`, or null. */
export function selectOneBy<T extends SQLiteTable>(table: T, key: keyof InferSelectModel<T> & string) {
  const column = (getTableColumns(table) as Record<string, Column>)[key]!
  const { select, decode } = decoder(table)
  const text = `${select} WHERE ${quote(column.name)} = ? LIMIT 1`
  return async (d1: D1Database, value: unknown): Promise<InferSelectModel<T> | null> => {
    const [row] = await d1.prepare(text).bind(encode(column, value)).raw()
    return row ? decode(row) : null
  }
}

/** `(d1, value)` → every row whose `key` column equals `value`, ordered by `orderBy` ascending. */
export function selectAllBy<T extends SQLiteTable>(table: T, key: keyof InferSelectModel<T> & string, orderBy: keyof InferSelectModel<T> & string) {
  const columns = getTableColumns(table) as Record<string, Column>
  const column = columns[key]!
  const { select, decode } = decoder(table)
  const text = `${select} WHERE ${quote(column.name)} = ? ORDER BY ${quote(columns[orderBy]!.name)} ASC`
  return async (d1: D1Database, value: unknown): Promise<InferSelectModel<T>[]> => (await d1.prepare(text).bind(encode(column, value)).raw()).map(decode)
}

/**
 * `(d1, row)` → the INSERT statement for `row` (run it, or hand it to a batch). Keys that are
 * undefined are left out, so the column's SQL default applies, as with drizzle. `suffix` goes
 * after VALUES (e.g. `ON CONFLICT DO NOTHING RETURNING ...`). The SQL is built once per set of keys.
 */
export function insertInto<T extends SQLiteTable>(table: T, suffix = '') {
  const columns = getTableColumns(table) as Record<string, Column>
  const texts = new Map<string, string>()
  return (d1: D1Database, row: InferInsertModel<T>): D1PreparedStatement => {
    const keys = Object.keys(row).filter((k) => (row as Record<string, unknown>)[k] !== undefined)
    const signature = keys.join(',')
    let text = texts.get(signature)
    if (!text) {
      const names = keys.map((k) => {
        const column = columns[k]
        if (!column) throw new Error(`${getTableName(table)} has no column ${k}`)
        return quote(column.name)
      })
      text = `INSERT INTO ${quote(getTableName(table))} (${names.join(', ')}) VALUES (${keys.map(() => '?').join(', ')})${suffix ? ` ${suffix}` : ''}`
      texts.set(signature, text)
    }
    return d1.prepare(text).bind(...keys.map((k) => encode(columns[k]!, (row as Record<string, unknown>)[k])))
  }
}
