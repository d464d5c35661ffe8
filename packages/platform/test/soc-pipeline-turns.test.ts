// The pipeline's write turns: with a store whose commits hold the database's one write lock (embedded SQLite),
// a stage's alert writes (StageContext.exclusive) never overlap a commit, yet the stage's evaluation overlaps the
// next batch's commit (the store thread is not left idle while detection runs); batches reach the stage in order,
// each after its own commit. With a store that has no such lock, exclusive() runs at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommitRequest, PipelineStore } from '../src/soc/pipeline/store.js';
import type { DetectionStage, SocEvent, StageContext } from '../src/soc/types.js';
import { numberedBatches, sleep, testPipeline } from './soc-pipeline-harness.js';

const BATCHES = 12;
const PER = 5;

async function run(exclusiveWrites: boolean) {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const commits: { batch: number; start: number; end: number }[] = [];
  const writes: { batch: number; start: number; end: number }[] = [];
  const stageStarts: { batch: number; at: number; evalEnd: number }[] = [];
  const store: PipelineStore = {
    exclusiveWrites,
    async readCheckpoint() {
      return null;
    },
    async commit(req: CommitRequest) {
      const start = now();
      await sleep(25);
      commits.push({ batch: Number(req.checkpoint), start, end: now() });
      return { committed: req.items, duplicates: 0 };
    },
    async close() {},
  };
  const source = numberedBatches({ prefix: 't', batches: BATCHES, per: PER });
  let ctx: StageContext | null = null;
  const order: number[] = [];
  const stage: DetectionStage = {
    attach(c) {
      ctx = c;
    },
    async onEvents(events: SocEvent[]) {
      const batch = Number(events[0]!.id.split('-')[1]);
      order.push(batch);
      const at = now();
      await sleep(15); // evaluation
      stageStarts.push({ batch, at, evalEnd: now() });
      await ctx!.exclusive(async () => {
        const start = now();
        await sleep(10); // the alert write
        writes.push({ batch, start, end: now() });
      });
    },
    async tick() {},
    async close() {},
  };
  const pipeline = testPipeline(store, source, PER);
  pipeline.addStage(stage);
  assert.ok(ctx, 'addStage attaches the stage');
  await pipeline.start();
  for (let i = 0; i < 400 && writes.length < BATCHES; i++) await sleep(10);
  await pipeline.stop();
  return { commits, writes, stageStarts, order };
}

test('with exclusive writes, alert writes never overlap a commit, while evaluation overlaps the next commit', async () => {
  const { commits, writes, stageStarts, order } = await run(true);
  assert.equal(commits.length, BATCHES);
  assert.equal(writes.length, BATCHES);
  assert.deepEqual(
    order,
    Array.from({ length: BATCHES }, (_, i) => i),
    'stages see batches in order',
  );
  for (const s of stageStarts) {
    const own = commits.find((c) => c.batch === s.batch)!;
    assert.ok(own.end <= s.at, `batch ${s.batch}: stage after its own commit`);
  }
  for (const w of writes)
    for (const c of commits)
      assert.ok(
        w.end <= c.start || c.end <= w.start,
        `write of batch ${w.batch} [${w.start.toFixed(1)}, ${w.end.toFixed(1)}] overlaps commit of batch ${c.batch} [${c.start.toFixed(1)}, ${c.end.toFixed(1)}]`,
      );
  const overlapped = stageStarts.filter((s) =>
    commits.some((c) => c.batch > s.batch && c.start < s.evalEnd && s.at < c.end),
  ).length;
  assert.ok(
    overlapped >= BATCHES / 2,
    `evaluation overlapped a commit in ${overlapped} of ${BATCHES} batches`,
  );
});

test('without exclusive writes, exclusive() runs at once (writes may overlap commits)', async () => {
  const { commits, writes } = await run(false);
  assert.equal(writes.length, BATCHES);
  const overlapping = writes.filter((w) => commits.some((c) => w.start < c.end && c.start < w.end)).length;
  assert.ok(overlapping > 0, 'some write overlapped a commit');
});
