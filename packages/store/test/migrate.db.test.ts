import { test } from 'node:test';
import assert from 'node:assert/strict';
import { migrateToLatest, migrations, openDatabase, pendingMigrations } from '@mamori/store';
import { createTestDatabase, testDialect } from '@mamori/store/testing';

test(`migrations apply once and are idempotent (${testDialect()})`, async () => {
  const t = await createTestDatabase();
  const db = openDatabase(t.options);
  try {
    const all = Object.keys(migrations).sort();
    assert.equal(all[0], '0001-foundation');
    assert.deepEqual(await pendingMigrations(db), all);
    const first = await migrateToLatest(db);
    assert.deepEqual(first.applied, all);
    const second = await migrateToLatest(db);
    assert.deepEqual(second.applied, []);
    assert.equal(second.current, all.at(-1));
    const head = await db.kysely.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
    assert.equal(head.seq, 0);
    assert.equal(typeof head.seq, 'number');
    assert.equal(await db.ping(), true);
  } finally {
    await db.close();
    await t.cleanup();
  }
});

test(`transactions roll back on error (${testDialect()})`, async () => {
  const t = await createTestDatabase();
  const db = openDatabase(t.options);
  try {
    await migrateToLatest(db);
    const now = new Date().toISOString();
    const row = {
      id: 'o1',
      code: null,
      name: 'x',
      name_kana: 'x',
      name_en: null,
      kind: 'other',
      parent_id: null,
      prefecture_code: null,
      search_key: 'x',
      created_at: now,
      updated_at: now,
    };
    await assert.rejects(
      db.transaction(async (trx) => {
        await trx.insertInto('organizations').values(row).execute();
        throw new Error('boom');
      }),
      /boom/,
    );
    const n = await db.kysely
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
    // foreign keys are enforced on both dialects
    await assert.rejects(
      db.kysely
        .insertInto('organizations')
        .values({ ...row, parent_id: 'nope' })
        .execute(),
    );
  } finally {
    await db.close();
    await t.cleanup();
  }
});

test(`test databases are isolated and dropped (${testDialect()})`, async () => {
  const a = await createTestDatabase();
  const b = await createTestDatabase();
  assert.notDeepEqual(a.options, b.options);
  await a.cleanup();
  await b.cleanup();
});
