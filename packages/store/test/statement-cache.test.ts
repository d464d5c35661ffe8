// Kysely on SQLite reuses prepared statements per SQL text: the same query is prepared once, the cache is
// bounded, a stream gets a statement of its own, and a schema change is picked up by a cached statement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type SqliteDatabaseType from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { cachingDatabase } from '@mamori/store';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof SqliteDatabaseType;

interface T {
  t: { id: number; name: string };
}

function open(size?: number) {
  const native = new Sqlite(':memory:');
  const prepared: string[] = [];
  const prepare = native.prepare.bind(native);
  native.prepare = ((text: string) => {
    prepared.push(text);
    return prepare(text);
  }) as typeof native.prepare;
  native.exec('create table t (id integer primary key, name text not null)');
  const db = new Kysely<T>({ dialect: new SqliteDialect({ database: cachingDatabase(native, size) }) });
  return { db, prepared };
}

test('the same query is prepared once and gives each run its own parameters', async () => {
  const { db, prepared } = open();
  try {
    for (let i = 1; i <= 20; i++)
      await db
        .insertInto('t')
        .values({ id: i, name: `n${i}` })
        .execute();
    for (let i = 1; i <= 20; i++) {
      const r = await db.selectFrom('t').select('name').where('id', '=', i).executeTakeFirstOrThrow();
      assert.equal(r.name, `n${i}`);
    }
    const inserts = prepared.filter((s) => s.startsWith('insert'));
    const selects = prepared.filter((s) => s.startsWith('select'));
    assert.equal(inserts.length, 1);
    assert.equal(selects.length, 1);
  } finally {
    await db.destroy();
  }
});

test('the cache keeps the most recently used shapes up to its size', async () => {
  const { db, prepared } = open(4);
  try {
    const q = (n: number) =>
      db
        .selectFrom('t')
        .select('id')
        .where(
          'id',
          'in',
          Array.from({ length: n }, (_, i) => i),
        )
        .execute();
    for (const n of [1, 2, 3, 4]) await q(n);
    await q(1); // 1 is now the most recent; 2 the least
    await q(5); // evicts 2
    const before = prepared.length;
    await q(1);
    await q(3);
    await q(4);
    await q(5);
    assert.equal(prepared.length, before, 'shapes still cached are not prepared again');
    await q(2);
    assert.equal(prepared.length, before + 1, 'an evicted shape is prepared again');
  } finally {
    await db.destroy();
  }
});

test('an iteration has a statement of its own: the same SQL runs again while it is open', () => {
  // (Kysely's own streams hold its single SQLite connection; this is the driver-level guarantee they rely on.)
  const native = new Sqlite(':memory:');
  try {
    native.exec('create table t (id integer primary key); insert into t values (1), (2), (3)');
    const cached = cachingDatabase(native);
    const text = 'select id from t where id > ? order by id';
    assert.equal(cached.prepare(text).all([0]).length, 3);
    const seen: number[] = [];
    for (const row of cached.prepare(text).iterate([0]) as Iterable<{ id: number }>) {
      seen.push(row.id);
      assert.equal(cached.prepare(text).all([0]).length, 3);
    }
    assert.deepEqual(seen, [1, 2, 3]);
  } finally {
    native.close();
  }
});

test('a cached statement sees a column added after it was prepared', async () => {
  const { db } = open();
  try {
    await db.insertInto('t').values({ id: 1, name: 'a' }).execute();
    const all = () => sql<Record<string, unknown>>`select * from t`.execute(db);
    assert.deepEqual(Object.keys((await all()).rows[0]!), ['id', 'name']);
    await sql`alter table t add column extra text default 'x'`.execute(db);
    assert.deepEqual((await all()).rows[0], { id: 1, name: 'a', extra: 'x' });
  } finally {
    await db.destroy();
  }
});
