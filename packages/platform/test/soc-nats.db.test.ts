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
import type { IngestRecord } from '../src/soc/types.js';

const stream = `MAMORI_T_${randomBytes(4).toString('hex').toUpperCase()}`;
let p: TestPlatform | undefined;
const queues: NatsQueue[] = [];

after(async () => {
  await p?.close();
  const admin = queues[0];
  if (admin) await admin.jsm.streams.delete(stream).catch(() => {});
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
