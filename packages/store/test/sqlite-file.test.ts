// A SQLite database the store creates gets its page size; a database created before keeps its own and works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type SqliteDatabaseType from 'better-sqlite3';
import { sql } from 'kysely';
import { migrateToLatest, openDatabase, SQLITE_PAGE_SIZE } from '@mamori/store';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof SqliteDatabaseType;

async function pragma(db: ReturnType<typeof openDatabase>, name: string): Promise<unknown> {
  const r = await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db.kysely);
  return Object.values(r.rows[0] ?? {})[0];
}

test('a new SQLite database is created with the store page size, in WAL mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-sqlite-'));
  const db = openDatabase({ driver: 'sqlite', sqlitePath: join(dir, 'new.sqlite') });
  try {
    await migrateToLatest(db);
    // Not SQLite's default: the page size read back below can only come from the store's pragma.
    assert.notEqual(SQLITE_PAGE_SIZE, 4096);
    assert.equal(await pragma(db, 'page_size'), SQLITE_PAGE_SIZE);
    assert.equal(await pragma(db, 'journal_mode'), 'wal');
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database created with 4 KiB pages keeps them, and its rows, when the store opens it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-sqlite-'));
  const path = join(dir, 'old.sqlite');
  const old = new Sqlite(path);
  old.pragma('page_size = 4096');
  old.pragma('journal_mode = WAL');
  old.exec("create table kept (v text); insert into kept values ('before')");
  old.close();
  const db = openDatabase({ driver: 'sqlite', sqlitePath: path });
  try {
    await migrateToLatest(db);
    assert.equal(await pragma(db, 'page_size'), 4096);
    const rows = await sql<{ v: string }>`select v from kept`.execute(db.kysely);
    assert.deepEqual(rows.rows, [{ v: 'before' }]);
    assert.equal(await pragma(db, 'integrity_check'), 'ok');
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
