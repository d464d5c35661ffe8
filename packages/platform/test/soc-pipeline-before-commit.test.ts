// A stage's split evaluation (beforeCommit / afterCommit): on a queue whose records cannot come twice it evaluates
// each batch before the batch is committed and gets its own result back after the commit, with the events the
// commit did not store named; a batch of a deduplicating queue (JetStream), a stage without the split, and a
// batch whose beforeCommit failed go through onEvents after the commit, as before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommitRequest, PipelineStore } from '../src/soc/pipeline/store.js';
import type { DetectionStage, SocEvent } from '../src/soc/types.js';
import { batchOf, numberedBatches, sleep, testPipeline } from './soc-pipeline-harness.js';

const BATCHES = 8;
const PER = 4;
/** Batch 6 comes from a deduplicating queue; in batch 3 the store does not store item 2; batch 5's beforeCommit throws. */
const DEDUPE = 6;
const DROPS = 3;
const THROWS = 5;

test('beforeCommit runs before its batch commits; afterCommit gets its result after, with the unstored events', async () => {
  const committed = new Set<number>();
  const commitOrder: number[] = [];
  const store: PipelineStore = {
    exclusiveWrites: true,
    async readCheckpoint() {
      return null;
    },
    async commit(req: CommitRequest) {
      await sleep(15);
      const b = Number(req.checkpoint);
      committed.add(b);
      commitOrder.push(b);
      if (b === DROPS) return { committed: req.items.filter((_, i) => i !== 2), duplicates: 1 };
      return { committed: req.items, duplicates: 0 };
    },
    async close() {},
  };
  const source = numberedBatches({
    prefix: 's',
    batches: BATCHES,
    per: PER,
    dedupe: (b) => b === DEDUPE,
  });

  const seen: string[] = [];
  const before: { batch: number; committedAlready: boolean; ids: string[] }[] = [];
  const after: { batch: number; committed: boolean; value: unknown; notStored: string[] }[] = [];
  const split: DetectionStage = {
    async beforeCommit(events: SocEvent[]) {
      const batch = batchOf(events[0]!);
      if (batch === THROWS) throw new Error('rule sets unreadable');
      before.push({ batch, committedAlready: committed.has(batch), ids: events.map((e) => e.id) });
      seen.push(`before ${batch}`);
      return { token: `batch-${batch}`, events: events.length };
    },
    async afterCommit(value: unknown, notStored: ReadonlySet<string>) {
      const batch = Number((value as { token: string }).token.split('-')[1]);
      after.push({ batch, committed: committed.has(batch), value, notStored: [...notStored] });
      seen.push(`after ${batch}`);
    },
    async onEvents(events: SocEvent[]) {
      seen.push(`events ${batchOf(events[0]!)}`);
    },
    async tick() {},
    async close() {},
  };
  const plain: number[] = [];
  const plainStage: DetectionStage = {
    async onEvents(events: SocEvent[]) {
      assert.ok(committed.has(batchOf(events[0]!)), 'a plain stage sees a batch after its commit');
      plain.push(batchOf(events[0]!));
    },
    async tick() {},
    async close() {},
  };
  const pipeline = testPipeline(store, source, PER);
  pipeline.addStage(split);
  pipeline.addStage(plainStage);
  await pipeline.start();
  for (let i = 0; i < 400 && plain.length < BATCHES; i++) await sleep(10);
  await pipeline.stop();

  const all = Array.from({ length: BATCHES }, (_, i) => i);
  assert.deepEqual(commitOrder, all, 'commits in batch order');
  assert.deepEqual(plain, all, 'the stage without the split gets every batch, in order');
  const early = all.filter((b) => b !== DEDUPE && b !== THROWS);
  assert.deepEqual(
    before.map((x) => x.batch),
    early,
    'evaluated before the commit: every batch but the deduplicated one (and the one that threw)',
  );
  for (const x of before) {
    assert.equal(x.committedAlready, false, `batch ${x.batch} evaluated before its commit`);
    assert.deepEqual(
      x.ids,
      Array.from({ length: PER }, (_, i) => `s-${x.batch}-${i}`),
    );
  }
  assert.deepEqual(
    after.map((x) => x.batch),
    early,
  );
  for (const x of after) {
    assert.equal(x.committed, true, `batch ${x.batch}: afterCommit follows its commit`);
    assert.deepEqual(x.value, { token: `batch-${x.batch}`, events: PER }, 'its own beforeCommit result');
    assert.deepEqual(x.notStored, x.batch === DROPS ? [`s-${DROPS}-2`] : []);
  }
  // The deduplicated batch and the one whose evaluation failed come through onEvents, after their commits, in
  // order with the others.
  const split2 = seen.filter((s) => !s.startsWith('before'));
  assert.deepEqual(
    split2,
    all.map((b) => (b === DEDUPE || b === THROWS ? `events ${b}` : `after ${b}`)),
  );
  assert.ok(pipeline.stats.stageFailures >= 1, 'the failed evaluation is counted');
  assert.equal(pipeline.stats.events, BATCHES * PER - 1);
});
