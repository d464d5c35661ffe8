// The SOC lease durations come from the configuration (SQLite and PostgreSQL): soc.pipelineLeaseSeconds sets the
// expiry and renewal cadence of the active NATS pipeline worker's lease, and how soon it takes a dead holder's
// stream over; soc.retentionLeaseSeconds sets the retention lease. Each assertion would fail with the defaults
// (15 s renewed every 5 s; 120 s).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createTestPlatform, type TestPlatform } from '../src/testing.js';
import { NatsQueue } from '../src/soc/queue/nats.js';
import { RETENTION_LEASE } from '../src/soc/events/retention.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function leaseRow(p: TestPlatform, name: string) {
  return p.db.kysely.selectFrom('soc_leases').selectAll().where('name', '=', name).executeTakeFirst();
}

test('soc.pipelineLeaseSeconds: the active worker leases the stream for that long, renews every third of it, and takes a dead holder’s stream over soon after it expires', async () => {
  const stream = `MAMORI_T_${randomBytes(4).toString('hex').toUpperCase()}`;
  const name = `soc-pipeline:${stream}`;
  let p: TestPlatform | undefined;
  try {
    p = await createTestPlatform({
      orgs: false,
      config: { queue: { driver: 'nats' }, soc: { natsStream: stream, pipelineLeaseSeconds: 3 } },
    });
    let row = await leaseRow(p, name);
    for (let i = 0; i < 100 && !row?.holder; i++) {
      await sleep(50);
      row = await leaseRow(p, name);
    }
    assert.ok(row?.holder, 'the pipeline took the stream lease');
    const holder = row.holder;
    const left = Number(row.expires_at) - Date.now();
    assert.ok(left > 1000 && left <= 3000, `lease expires in ${left} ms, expected at most 3 s`);

    // Renewed every second: within 2.5 s the expiry has moved on at least twice (with 5 s it would not move).
    const seen = new Set<number>([Number(row.expires_at)]);
    for (let i = 0; i < 25; i++) {
      await sleep(100);
      seen.add(Number((await leaseRow(p, name))!.expires_at));
    }
    assert.ok(seen.size >= 3, `expiry values seen in 2.5 s: ${[...seen].join(', ')}`);

    // Another worker took the stream and died at once (its 3 s lease never renewed): this one stands by at its
    // next renewal and takes the stream back within a third of the lease after the expiry.
    const expiry = Date.now() + 3000;
    await p.db.kysely
      .updateTable('soc_leases')
      .set((eb) => ({ holder: 'dead-worker', epoch: eb('epoch', '+', 1), expires_at: expiry }))
      .where('name', '=', name)
      .execute();
    let back = 0;
    for (let i = 0; i < 200 && !back; i++) {
      await sleep(50);
      if ((await leaseRow(p, name))?.holder === holder) back = Date.now();
    }
    assert.ok(back, 'the worker took the stream back');
    assert.ok(back >= expiry, 'not before the dead holder’s lease expired');
    assert.ok(back - expiry < 2000, `taken back ${back - expiry} ms after the expiry`);
  } finally {
    await p?.close();
    const admin = await NatsQueue.open({ url: 'nats://127.0.0.1:4222', stream });
    await admin.jsm.streams.delete(stream).catch(() => {});
    await admin.close();
  }
});

test('soc.retentionLeaseSeconds: a pass holds the retention lease for that long', async () => {
  const p = await createTestPlatform({
    orgs: false,
    // The lease is kept until the next pass is due (1 min − 30 s) or for its TTL, whichever is later.
    config: { soc: { pipeline: false, retentionIntervalMinutes: 1, retentionLeaseSeconds: 900 } },
  });
  try {
    const r = await p.soc.retention.run(Date.now());
    assert.equal(r.skipped, undefined);
    const row = await leaseRow(p, RETENTION_LEASE);
    assert.ok(row);
    const left = Number(row.expires_at) - Date.now();
    assert.ok(left > 890_000 && left <= 900_000, `retention lease expires in ${left} ms, expected ~900 s`);
  } finally {
    await p.close();
  }
});
