// Migration 0005 (lean soc_events) on a database that already holds events in 0003's shape: the rows stay, with
// their JSON detail; new rows may leave fields_json NULL; the id is indexed but no longer a unique key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator } from 'kysely';
import { migrateToLatest, migrations, openDatabase } from '@mamori/store';
import { createTestDatabase, testDialect } from '@mamori/store/testing';

const row = (id: string, fields: string | null) => ({
  id,
  organization_id: 'lg221007',
  prefecture_id: 'lg220001',
  time: '2026-11-25T01:00:00.000Z',
  received_at: 1795568400000,
  class: 'network_activity',
  activity: 'traffic',
  severity: 'informational',
  disposition: 'allowed',
  source_kind: 'firewall',
  format: 'fortigate',
  src_ip: '203.0.113.5',
  dst_ip: null,
  src_host: null,
  dst_host: null,
  user_name: null,
  rule_id: null,
  rule_name: null,
  rule_category: null,
  unattributed_reason: null,
  fields_json: fields,
  raw: `raw line of ${id}`,
});

test(`0005 keeps the events stored before it and lets new rows go lean (${testDialect()})`, async () => {
  const t = await createTestDatabase();
  const db = openDatabase(t.options);
  try {
    const before = Object.fromEntries(Object.entries(migrations).filter(([k]) => k < '0005'));
    const m = new Migrator({
      db: db.kysely,
      provider: { getMigrations: async () => before },
      allowUnorderedMigrations: true,
    });
    const r = await m.migrateToLatest();
    assert.equal(r.error, undefined);
    const detail = JSON.stringify({ device: { name: 'FGT-1' }, src: { ip: '203.0.113.5', port: 51000 } });
    await db.kysely.insertInto('soc_events').values(row('old-1', detail)).execute();
    await assert.rejects(
      db.kysely.insertInto('soc_events').values(row('old-1', detail)).execute(),
      'before 0005 the id is a unique key',
    );
    const applied = await migrateToLatest(db);
    assert.ok(applied.applied.includes('0005-soc-events-lean'));
    const old = await db.kysely
      .selectFrom('soc_events')
      .selectAll()
      .where('id', '=', 'old-1')
      .executeTakeFirstOrThrow();
    assert.equal(old.fields_json, detail);
    assert.equal(old.raw, 'raw line of old-1');
    assert.equal(Number(old.received_at), 1795568400000);
    await db.kysely.insertInto('soc_events').values(row('new-1', null)).execute();
    // Exactly-once rests on the queue checkpoint committed in the same transaction, not on this key.
    await db.kysely.insertInto('soc_events').values(row('new-1', null)).execute();
    const n = await db.kysely
      .selectFrom('soc_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', '=', 'new-1')
      .executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 2);
    const lean = await db.kysely
      .selectFrom('soc_events')
      .select('fields_json')
      .where('id', '=', 'new-1')
      .executeTakeFirstOrThrow();
    assert.equal(lean.fields_json, null);
  } finally {
    await db.close();
    await t.cleanup();
  }
});
