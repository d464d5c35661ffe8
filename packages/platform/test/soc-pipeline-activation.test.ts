// A pipeline that becomes its consumer's only reader (a JetStream worker taking the stream lease over) reads the
// detection watermark left by the previous holder before the first batch, hands it to its stages and has them
// replay again; every commit then carries the watermark. A source shared by several readers carries none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { SocPipeline } from '../src/soc/pipeline/pipeline.js';
import type { CommitRequest, PipelineStore } from '../src/soc/pipeline/store.js';
import type { QueueSource, SourceBatch } from '../src/soc/queue/source.js';
import type { AttributionMatcher } from '../src/soc/attribution/matcher.js';
import type { OrgDirectory } from '../src/orgs/directory.js';
import type { DetectionStage, StageContext } from '../src/soc/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(sole: boolean) {
  // The watermark in the database: what the previous holder stored (start), then what it stored before dying.
  const stored = new Map<string, number>([['detect:nats:S', 1_000]]);
  const commits: CommitRequest[] = [];
  const store: PipelineStore = {
    async readCheckpoint(key) {
      return stored.get(key) ?? null;
    },
    async commit(req) {
      commits.push(req);
      if (req.detectFrom) stored.set(req.detectFrom.key, req.detectFrom.at);
      return { committed: req.items, duplicates: 0 };
    },
    async close() {},
  };
  const log: string[] = [];
  let batches = 0;
  const source: QueueSource = {
    consumer: 'nats:S',
    sole,
    async start(_checkpoint, onActive) {
      // Standby at start; the lease is taken over later, and only then do messages come.
      setTimeout(() => {
        stored.set('detect:nats:S', 5_000);
        void (async () => {
          log.push('takeover');
          await onActive?.();
          log.push('consuming');
        })();
      }, 30);
    },
    async next(): Promise<SourceBatch | null> {
      while (!log.includes('consuming')) await sleep(5);
      if (batches >= 2) {
        await sleep(5);
        return null;
      }
      const b = batches++;
      // The second batch comes once the first is through the stages.
      if (b === 1) await sleep(50);
      return {
        items: [7_000, 6_000].map((receivedAt, i) => ({
          pos: b * 10 + i,
          id: `a-${b}-${i}`,
          record: {
            line: `<134>Nov 25 10:00:00 fw01 kernel: DROP IN=eth0 OUT= SRC=192.0.2.${i + 1} DST=198.51.100.1 LEN=60 PROTO=TCP SPT=40000 DPT=22`,
            format: 'netfilter',
            transport: 'syslog-udp',
            peer: '192.0.2.250',
            receivedAt: receivedAt + b * 10_000,
          },
        })),
        checkpoint: null,
        dedupe: true,
        async ack() {},
        async nak() {},
      };
    },
    async close() {},
  };
  let ctx: StageContext | null = null;
  const replayFromAtBatch: (number | null)[] = [];
  const stage: DetectionStage = {
    attach(c) {
      ctx = c;
    },
    restart() {
      log.push('restart');
    },
    async onEvents() {
      replayFromAtBatch.push(ctx!.replayFrom());
    },
    async tick() {},
    async close() {},
  };
  const pipeline = new SocPipeline({
    store,
    source,
    matcherFor: () =>
      ({ attribute: () => ({ organizationId: null, reason: 'no rule' }) }) as unknown as AttributionMatcher,
    directory: { get: async () => null } as unknown as OrgDirectory,
    logger: pino({ level: 'silent' }),
    defaultPrefectureId: 'lg220001',
    batchSize: 10,
  });
  pipeline.addStage(stage);
  await pipeline.start();
  for (let i = 0; i < 200 && replayFromAtBatch.length < 2; i++) await sleep(10);
  await pipeline.stop();
  return { commits, log, replayFromAtBatch, stored };
}

test('taking the consumer over: the watermark left behind is read, stages replay, commits carry the watermark', async () => {
  const { commits, log, replayFromAtBatch } = await run(true);
  assert.deepEqual(log, ['takeover', 'restart', 'consuming'], 'stages told before the first message');
  assert.deepEqual(replayFromAtBatch, [5_000, 5_000], "the previous holder's last watermark");
  assert.equal(commits.length, 2);
  // First commit: the watermark carried over (5,000) until this run's first batch is through the stages.
  assert.deepEqual(commits[0]!.detectFrom, { key: 'detect:nats:S', at: 5_000 });
  // Second: the batches' own earliest receipt (6,000 + 10,000), not the first record's.
  assert.deepEqual(commits[1]!.detectFrom, { key: 'detect:nats:S', at: 16_000 });
});

test('a source several readers share carries no watermark', async () => {
  const { commits } = await run(false);
  assert.equal(commits.length, 2);
  assert.ok(commits.every((c) => !c.detectFrom));
});
