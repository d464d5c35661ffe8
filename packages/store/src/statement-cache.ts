// Prepared statements kept per SQL text for Kysely's SQLite driver, which prepares every query it runs. The
// platform sends the same few hundred statement shapes over and over (alert writes, policy look-ups, API
// pages); preparing them again was ~3% of the main thread under sustained SOC ingest (docs/performance.md).
import type SqliteDatabaseType from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Statement shapes kept; least recently used dropped beyond it (IN lists of many lengths make many shapes). */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * The better-sqlite3 connection as Kysely's SqliteDialect sees it, with prepared statements reused. A cached
 * statement is only run to completion (all/run return before anything else can use it); streaming asks for a
 * statement of its own, since an open iterator keeps its statement busy.
 */
export function cachingDatabase(
  native: SqliteDatabaseType.Database,
  size = STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  const wrap = (stmt: SqliteDatabaseType.Statement, sql: string): SqliteStatement => ({
    reader: stmt.reader,
    all: (parameters) => stmt.all(parameters),
    run: (parameters) => stmt.run(parameters),
    iterate: (parameters) => native.prepare(sql).iterate(parameters),
  });
  return {
    close: () => {
      cache.clear();
      native.close();
    },
    prepare(sql: string): SqliteStatement {
      let s = cache.get(sql);
      if (s !== undefined) {
        // Most recent last: Map keeps insertion order, so the first key is the least recently used.
        cache.delete(sql);
        cache.set(sql, s);
        return s;
      }
      s = wrap(native.prepare(sql), sql);
      cache.set(sql, s);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return s;
    },
  };
}
