// The detection watermark: every pipeline commit stores, in its own transaction, the earliest receipt time among
// the events committed and not yet through detection, so a restart replays from there however long the process
// was down (detect.replayMinutes alone counts back from the restart and misses an older cut batch).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orgIdForCode } from '../src/orgs/service.js';
import { createTestPlatform } from '../src/testing.js';
import type { DetectionStage, IngestRecord, SocEvent } from '../src/soc/types.js';
import { failedLogons, storedEventRow } from './soc-support.js';

const fgt = (n: number) =>
  `date=2026-11-25 time=10:15:30 devname="FGT-Pref-01" devid="FG100F0000000001" logid="0000000013" type="traffic" ` +
  `subtype="forward" level="notice" vd="root" srcip=192.0.2.${n % 250} srcport=51000 dstip=203.0.113.10 ` +
  `dstport=443 proto=6 action="close" policyid=12 service="HTTPS"`;

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 800; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out: ${what}`);
}

test('the watermark stays at the earliest batch still in the stages while later batches commit', async () => {
  const p = await createTestPlatform({ config: { soc: { prefectureCode: '22' } } });
  let open: () => void = () => undefined;
  try {
    const seen: SocEvent[][] = [];
    let gate: Promise<void> | null = null;
    const stage: DetectionStage = {
      async onEvents(events) {
        seen.push(events);
        if (gate) await gate;
      },
      async tick() {},
      async close() {},
    };
    p.soc.pipeline.addStage(stage);
    const key = `detect:${p.soc.pipeline.consumer}`;
    const mark = async () =>
      (
        await p.db.kysely
          .selectFrom('soc_checkpoints')
          .select('position')
          .where('consumer', '=', key)
          .executeTakeFirst()
      )?.position;
    const stored = async () =>
      Number(
        (
          await p.db.kysely
            .selectFrom('soc_events')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const batch = (at: number, n: number, from: number): IngestRecord[] =>
      Array.from({ length: n }, (_, i) => ({
        line: fgt(from + i),
        transport: 'http',
        peer: '192.0.2.250',
        // Out of order within the batch: the watermark is the batch's earliest, not its first.
        receivedAt: at + (n - 1 - i) * 1000,
      }));
    const T1 = Date.parse('2026-11-25T01:00:00Z');
    const T2 = T1 + 3_600_000;
    const T3 = T2 + 3_600_000;
    const T4 = T3 + 3_600_000;

    await p.soc.queue.append(batch(T1, 3, 0));
    await until('batch 1 through the stage', () => seen.length === 1);
    await until('batch 1 watermark', async () => Number(await mark()) === T1);

    // Batch 2 is committed, then its detection hangs (as a crash would cut it).
    gate = new Promise((r) => (open = r));
    await p.soc.queue.append(batch(T2, 3, 10));
    await until('batch 2 in the stage', () => seen.length === 2);
    assert.equal(await stored(), 6);
    assert.equal(Number(await mark()), T2);

    // Batch 3 commits meanwhile: the watermark must not pass batch 2, still undetected.
    await p.soc.queue.append(batch(T3, 3, 20));
    await until('batch 3 committed', async () => (await stored()) === 9);
    assert.equal(Number(await mark()), T2, 'a later commit keeps the watermark at the undetected batch');

    // Detection catches up; the next commit moves the watermark on.
    open();
    await until('batch 3 through the stage', () => seen.length === 3);
    await p.soc.queue.append(batch(T4, 3, 30));
    await until('batch 4 through the stage', () => seen.length === 4);
    await until('batch 4 watermark', async () => Number(await mark()) === T4);
  } finally {
    open(); // a failed assertion must not leave the pipeline's stop waiting on the stage
    await p.close();
  }
});

test('a restart replays from the watermark, further back than detect.replayMinutes', async () => {
  const A1 = orgIdForCode('222038');
  const PREF_A = orgIdForCode('220001');
  // Ten failed logons committed 40 minutes ago and never detected (the process was down for 40 minutes).
  const t0 = Date.now() - 40 * 60_000;
  const events = failedLogons(10, t0, { organizationId: A1, prefectureId: PREF_A });
  const bursts = async (replayFrom: number | null) => {
    const q = await createTestPlatform({
      config: { soc: { pipeline: false }, detect: { replayMinutes: 10 } },
    });
    try {
      await q.db.kysely
        .insertInto('soc_events')
        .values(events.map((e) => storedEventRow(e)))
        .execute();
      // What the pipeline hands its stages (the watermark it read at start).
      q.soc.detection.attach({ exclusive: (fn) => fn(), replayFrom: () => replayFrom });
      await q.soc.detection.tick(Date.now());
      return (await q.soc.alerts.list(q.system, { ruleId: 'mamori-failed-logon-burst' })).items;
    } finally {
      await q.close();
    }
  };
  assert.deepEqual(await bursts(null), [], 'ten minutes back from the restart do not reach them');
  const found = await bursts(t0);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.eventCount, 10);
});
