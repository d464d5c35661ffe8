// Opening the database: SQLite (better-sqlite3, the embedded default) or PostgreSQL (pg), behind one Kysely type.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type SqliteDatabaseType from 'better-sqlite3';
import type PgType from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import { cachingDatabase } from './statement-cache.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  driver: Dialect;
  /** SQLite file; ':memory:' works for throwaway use. */
  sqlitePath: string;
  /** postgres://user@host:port/db */
  postgresUrl: string | null;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

export interface MamoriDb {
  kysely: Db;
  /**
   * A handle for small reads made while a transaction may be open in the same process (cache fills in the
   * policy module). SQLite has one connection, so this is a second, read-only connection to the same file;
   * on PostgreSQL it is the pool.
   */
  reader(): Db;
  dialect: Dialect;
  /** Runs fn in one transaction; rolled back when fn throws. */
  transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
  /** Round trip to the database; false when it does not answer. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

// Each driver is loaded only when used: a SQLite deployment never pays for loading pg, and the reverse.
const require = createRequire(import.meta.url);
const loadSqlite = (): typeof SqliteDatabaseType => require('better-sqlite3') as typeof SqliteDatabaseType;
const loadPg = (): typeof PgType => require('pg') as typeof PgType;

// int8 (bigint, count(*)) comes back from pg as a string; our values fit in a double.
function pgTypes(pg: typeof PgType) {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === 20) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format);
    },
  };
}

/** Page size of a SQLite database this module creates. */
export const SQLITE_PAGE_SIZE = 8192;

export function openDatabase(options: DatabaseOptions): MamoriDb {
  let kysely: Db;
  let reader: Db | null = null;
  let makeReader: () => Db = () => kysely;
  if (options.driver === 'sqlite') {
    if (options.sqlitePath !== ':memory:') mkdirSync(dirname(options.sqlitePath), { recursive: true });
    const SqliteDatabase = loadSqlite();
    const native = new SqliteDatabase(options.sqlitePath);
    // 8 KiB pages for a new file (a no-op on an existing one: SQLite keeps the size a database was created with).
    // The SOC event rows (~0.9 KB, four indexes) are most of what is written: against 4 KiB pages the pipeline
    // took 8% fewer CPU-seconds per record and stored 4% fewer bytes per event (docs/performance.md).
    native.pragma(`page_size = ${SQLITE_PAGE_SIZE}`);
    native.pragma('journal_mode = WAL');
    native.pragma('synchronous = NORMAL');
    // As the SOC pipeline's connection: a checkpoint every ~64 MiB of WAL, not every 4 MiB. With the pipeline
    // writing tens of MB/s, the default made this connection's next small commit (an alert) copy the whole WAL
    // on the event loop; the pipeline checkpoints on a thread of its own.
    native.pragma('wal_autocheckpoint = 16384');
    native.pragma('foreign_keys = ON');
    native.pragma('busy_timeout = 5000');
    kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(native) }) });
    if (options.sqlitePath !== ':memory:') {
      makeReader = () => {
        const ro = new SqliteDatabase(options.sqlitePath, { readonly: true });
        ro.pragma('busy_timeout = 5000');
        return new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(ro) }) });
      };
    }
  } else if (options.driver === 'postgres') {
    const pg = loadPg();
    const pool = new pg.Pool({
      connectionString: options.postgresUrl ?? undefined,
      max: options.poolSize ?? 10,
      types: pgTypes(pg),
    });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    throw new Error(`unknown database driver "${String(options.driver)}"`);
  }
  return {
    kysely,
    dialect: options.driver,
    reader() {
      reader ??= makeReader();
      return reader;
    },
    transaction:
      options.driver === 'sqlite'
        ? // BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout). A deferred transaction that
          // reads and then writes fails at once with SQLITE_BUSY when another process (the CLI beside a running
          // server) committed in between.
          (fn) =>
            kysely.connection().execute(async (conn) => {
              await sql`begin immediate`.execute(conn);
              try {
                const result = await fn(conn as unknown as Trx);
                await sql`commit`.execute(conn);
                return result;
              } catch (err) {
                await sql`rollback`.execute(conn).catch(() => {});
                throw err;
              }
            })
        : (fn) => kysely.transaction().execute(fn),
    async ping() {
      try {
        await sql`select 1`.execute(kysely);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (reader && reader !== kysely) await reader.destroy();
      await kysely.destroy();
    },
  };
}
