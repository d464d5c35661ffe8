// Distributed mode on a real NATS JetStream (127.0.0.1:4222): an ingestion node publishes (append resolves on
// the PubAck), a worker commits a batch and dies before acking it, the server redelivers it to another worker,
// and the stream sequences recorded in the commit make the redelivery count nothing (SQLite and PostgreSQL).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { createTestPlatform, type TestPlatform } from '../src/testing.js';
import { OrgDirectory } from '../src/orgs/directory.js';
import { SocPipeline } from '../src/soc/pipeline/pipeline.js';
import { KyselyPipelineStore } from '../src/soc/pipeline/store.js';
import { NatsQueue } from '../src/soc/queue/nats.js';
import { Lease } from '../src/soc/lease.js';
import type { IngestRecord } from '../src/soc/types.js';

const stream = `MAMORI_T_${randomBytes(4).toString('hex').toUpperCase()}`;
const stream2 = `${stream}_X`;
let p: TestPlatform | undefined;
const queues: NatsQueue[] = [];

after(async () => {
  await p?.close();
  const admin = queues[0];
  if (admin) {
    await admin.jsm.streams.delete(stream).catch(() => {});
    await admin.jsm.streams.delete(stream2).catch(() => {});
  }
  for (const q of queues) await q.close();
});

const line = (i: number) =>
  `date=2026-11-25 time=10:15:30 devname="FGT-Pref-01" eventtime=1795569330123 logid="0000000013" type="traffic" ` +
  `subtype="forward" level="notice" vd="root" srcip=10.1.2.${i % 250} srcport=51000 dstip=203.0.113.${i % 200} ` +
  `dstport=443 sessionid=${i} proto=6 action="${i % 2 ? 'deny' : 'close'}" policyid=12`;

test('JetStream: publish on PubAck, redelivery after a worker crash is idempotent', async () => {
  // The consumer is created by the first opener: a short ack wait so the test sees the redelivery quickly.
  const admin = await NatsQueue.open({ url: 'nats://127.0.0.1:4222', stream, ackWaitMs: 1500 });
  queues.push(admin);
  p = await createTestPlatform({
    config: { queue: { driver: 'nats' }, soc: { natsStream: stream, pipeline: false, prefectureCode: '22' } },
  });
  await p.soc.attribution.create(p.system, {
    organizationId: 'lg221007',
    kind: 'cidr',
    value: '203.0.113.0/24',
  });
  // Ingestion node: three appends (one message each, records well under the message size limit).
  const N = 300;
  const recs: IngestRecord[] = Array.from({ length: N }, (_, i) => ({
    line: i === 7 ? 'garbage line' : line(i),
    transport: 'http',
    peer: '127.0.0.1',
    receivedAt: Date.now(),
  }));
  for (let i = 0; i < N; i += 100) await p.soc.queue.append(recs.slice(i, i + 100));
  const info = await admin.jsm.streams.info(stream);
  assert.equal(info.state.messages, 3, 'stored by the server before append resolved');

  const mkPipeline = (q: NatsQueue) =>
    new SocPipeline({
      store: new KyselyPipelineStore(p!.db),
      source: q.source(),
      matcherFor: (id) => p!.soc.attribution.matcherFor(id),
      directory: new OrgDirectory(p!.db),
      logger: pino({ level: 'silent' }),
      defaultPrefectureId: 'lg220001',
      batchSize: 1000,
    });
  // Worker 1 takes the messages, commits, and "crashes" before acking.
  const w1q = await NatsQueue.open({ url: 'nats://127.0.0.1:4222', stream });
  queues.push(w1q);
  const w1 = mkPipeline(w1q);
  const src1 = w1q.source();
  await src1.start(null);
  let taken = 0;
  let committed = 0;
  while (taken < N) {
    const batch = (await src1.next(1000))!;
    assert.match(batch.items[0]!.id, new RegExp(`^js-${stream}-\\d+-0$`));
    taken += batch.items.length;
    committed += (await w1.processBatch({ ...batch, ack: async () => {} })).length;
  }
  assert.equal(taken, N);
  assert.equal(committed, N - 1);
  await src1.close();
  await w1q.close();

  // Worker 2 gets them again after the ack wait; nothing is counted twice.
  const w2q = await NatsQueue.open({ url: 'nats://127.0.0.1:4222', stream });
  queues.push(w2q);
  const w2 = mkPipeline(w2q);
  await w2.start();
  for (let i = 0; i < 300 && w2.stats.duplicates < N; i++) await new Promise((r) => setTimeout(r, 50));
  await w2.stop();
  assert.equal(w2.stats.duplicates, N, 'the redelivered batch was recognised');
  assert.equal(w2.stats.events, 0);

  const events = await p.db.kysely.selectFrom('soc_events').select(['id', 'organization_id']).execute();
  assert.equal(events.length, N - 1);
  assert.equal(events.filter((e) => e.organization_id === 'lg221007').length, N - 1);
  const q = await p.db.kysely.selectFrom('soc_quarantine').selectAll().execute();
  assert.equal(q.length, 1);
  const rolled = await p.db.kysely
    .selectFrom('soc_rollups')
    .select((eb) => eb.fn.sum<number>('count').as('n'))
    .executeTakeFirstOrThrow();
  assert.equal(Number(rolled.n), N - 1);
  // The work queue is empty once worker 2 acked.
  for (let i = 0; i < 40; i++) {
    if ((await admin.jsm.streams.info(stream)).state.messages === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal((await admin.jsm.streams.info(stream)).state.messages, 0);
});

test('JetStream: one active worker per stream (database lease); a standby takes over; a clean stop hands over at once', async () => {
  const admin = await NatsQueue.open({ url: 'nats://127.0.0.1:4222', stream: stream2, ackWaitMs: 30_000 });
  queues.push(admin);
  p ??= await createTestPlatform({ config: { soc: { pipeline: false } } });
  const rec = (i: number): IngestRecord => ({
    line: line(i),
    transport: 'http',
    peer: '127.0.0.1',
    receivedAt: 0,
  });
  const name = `soc-pipeline:${stream2}`;
  const ttlMs = 900;
  const changes: string[] = [];
  // onActive: the pipeline's hook (reads the stream's detection watermark, has its stages replay) runs when a
  // worker takes the stream, before the first message it then receives.
  const activated: string[] = [];
  const mk = async (who: string) => {
    const q = await NatsQueue.open({ url: 'nats://127.0.0.1:4222', stream: stream2 });
    queues.push(q);
    const lease = new Lease(p!.db, name, who);
    const src = q.source({
      exclusive: { lease, ttlMs, onChange: (a) => changes.push(`${who}:${a ? 'active' : 'standby'}`) },
    });
    assert.equal(src.sole, true, 'a lease-holding worker is the stream’s only consumer');
    await src.start(null, async () => {
      activated.push(who);
    });
    return { src, lease };
  };
  /** The next batch within `ms`, or null. */
  const within = async (src: Awaited<ReturnType<typeof mk>>['src'], ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      src.next(1000),
      new Promise<null>((res) => (timer = setTimeout(() => res(null), ms))),
    ]);
    clearTimeout(timer);
    return r;
  };
  const w1 = await mk('w1');
  const w2 = await mk('w2');
  assert.deepEqual(changes, ['w1:active'], 'the first worker holds the stream, the second stands by');
  assert.deepEqual(activated, ['w1']);
  await admin.append([rec(1), rec(2)]);
  const b1 = await within(w1.src, 5000);
  assert.ok(b1, 'the active worker receives');
  assert.equal(b1.items.length, 2);
  await b1.ack();
  await admin.append([rec(3)]);
  const n2 = w2.src.next(1000);
  const b1b = await within(w1.src, 5000);
  assert.equal(b1b?.items.length, 1);
  await b1b!.ack();
  // The standby got nothing while w1 held the lease.
  assert.equal(
    await Promise.race([n2.then(() => 'got'), new Promise((r) => setTimeout(() => r('none'), 1500))]),
    'none',
  );

  // w1 did not renew in time (paused, or its database link was away) and a third worker took the stream and
  // crashed at once: w1's next renewal finds another epoch and it stands by; w2 takes the expired lease.
  await p!.db.kysely
    .updateTable('soc_leases')
    .set((eb) => ({ holder: 'w3', epoch: eb('epoch', '+', 1), expires_at: 0 }))
    .where('name', '=', name)
    .execute();
  for (let i = 0; i < 100 && !(changes.includes('w1:standby') && changes.includes('w2:active')); i++)
    await new Promise((r) => setTimeout(r, 50));
  assert.ok(changes.includes('w2:active'), changes.join(','));
  assert.ok(changes.includes('w1:standby'), changes.join(','));
  assert.deepEqual(activated, ['w1', 'w2'], 'the worker taking over ran the hook');
  assert.equal((await w2.lease.state())?.holder, 'w2');
  await admin.append([rec(4), rec(5), rec(6)]);
  const b2 = await n2;
  assert.ok(b2);
  assert.equal(b2.items.length, 3);
  assert.equal(b2.items[0]!.record.line, line(4));
  await b2.ack();
  assert.equal(await within(w1.src, 1000), null, 'the standby receives nothing');

  // A clean stop releases the lease: w1 becomes active at its next try, not after the lease time.
  const stopped = Date.now();
  await w2.src.close();
  await admin.append([rec(7)]);
  const b3 = await within(w1.src, 5000);
  assert.ok(b3, 'w1 took over');
  assert.equal(b3.items[0]!.record.line, line(7));
  assert.ok(Date.now() - stopped < ttlMs + 800, `handover took ${Date.now() - stopped} ms`);
  await b3.ack();
  await w1.src.close();
});

test('JetStream: backlog() counts records, not messages (the ingest high-water mark is in records)', async () => {
  const stream3 = `${stream}_B`;
  const q = await NatsQueue.open({ url: 'nats://127.0.0.1:4222', stream: stream3 });
  queues.push(q);
  try {
    const recs = (from: number): IngestRecord[] =>
      Array.from({ length: 1000 }, (_, i) => ({
        line: line(from + i),
        transport: 'http',
        peer: '192.0.2.250',
        receivedAt: Date.now(),
      }));
    for (let b = 0; b < 3; b++) await q.append(recs(b * 1000));
    // 1,000 short lines fit one message each: three messages, 3,000 records.
    assert.equal(q.backlog(), 3000);
    // The server's count (refreshed every second) says three messages pending: still 3,000 records.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(q.backlog(), 3000);
  } finally {
    await q.jsm.streams.delete(stream3).catch(() => {});
  }
});
