// Test support: an isolated, fresh database per test file. MAMORI_TEST_DB selects sqlite (default) or postgres.
// SQLite: a file in a new temp directory. PostgreSQL: a new database mamori_t_<random> on 127.0.0.1:5432
// (MAMORI_TEST_PG_URL overrides the admin URL), dropped by cleanup().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseOptions, type Dialect, type MamoriDb } from './db.js';
import { migrateToLatest } from './migrate.js';

export interface TestDatabase {
  driver: Dialect;
  /** Options for openDatabase (and the `database` section of a MamoriConfig). */
  options: DatabaseOptions;
  cleanup(): Promise<void>;
}

export function testDialect(): Dialect {
  const v = (process.env.MAMORI_TEST_DB ?? 'sqlite').toLowerCase();
  if (v === 'sqlite' || v === 'postgres') return v;
  throw new Error(`MAMORI_TEST_DB must be sqlite or postgres, not "${v}"`);
}

async function adminClient(): Promise<{ client: pg.Client; base: URL }> {
  const candidates = process.env.MAMORI_TEST_PG_URL
    ? [process.env.MAMORI_TEST_PG_URL]
    : ['postgres://postgres@127.0.0.1:5432/postgres', 'postgres://root@127.0.0.1:5432/postgres'];
  let lastErr: unknown;
  for (const url of candidates) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return { client, base: new URL(url) };
    } catch (err) {
      lastErr = err;
      await client.end().catch(() => {});
    }
  }
  throw new Error(
    `PostgreSQL for tests is not reachable at 127.0.0.1:5432 (run scripts/ensure-env.sh): ${String(lastErr)}`,
  );
}

/** A fresh, empty database (not migrated). */
export async function createTestDatabase(dialect: Dialect = testDialect()): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'mamori-t-'));
    return {
      driver: 'sqlite',
      options: { driver: 'sqlite', sqlitePath: join(dir, 'mamori.sqlite'), postgresUrl: '' },
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `mamori_t_${randomBytes(6).toString('hex')}`;
  const { client, base } = await adminClient();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    driver: 'postgres',
    options: { driver: 'postgres', sqlitePath: '', postgresUrl: url.toString(), poolSize: 5 },
    async cleanup() {
      const { client: c } = await adminClient();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A fresh database, migrated and open. close() closes it and drops it. */
export async function openTestDatabase(
  dialect: Dialect = testDialect(),
): Promise<{ db: MamoriDb; options: DatabaseOptions; close(): Promise<void> }> {
  const t = await createTestDatabase(dialect);
  const db = openDatabase(t.options);
  await migrateToLatest(db);
  return {
    db,
    options: t.options,
    async close() {
      await db.close();
      await t.cleanup();
    },
  };
}
