// Distributed mode: an alert made by one process (a detection worker) reaches the live stream of another (an
// API node) through the real NATS server on 127.0.0.1:4222; each subscriber still sees only its scope.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { orgIdForCode, type AlertChange } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';
import { accessLine, lineEvent } from './soc-support.js';

const PREF_A = orgIdForCode('220001');
const A1 = orgIdForCode('222038');
const A2 = orgIdForCode('222054');
let worker: TestPlatform;
let api: TestPlatform;

before(async () => {
  // A stream name of its own: other tests on the same NATS server never see these messages.
  const config = {
    queue: { driver: 'nats' as const, natsUrl: 'nats://127.0.0.1:4222' },
    soc: { pipeline: false, natsStream: `MAMORI_TEST_${randomBytes(4).toString('hex')}` },
  };
  worker = await createTestPlatform({ config });
  api = await createTestPlatform({ config });
  assert.equal(await worker.soc.alerts.liveReady(), true);
  assert.equal(await api.soc.alerts.liveReady(), true);
});
after(async () => {
  await worker?.close();
  await api?.close();
});

test(`alert changes reach the live streams of other processes (${testDialect()})`, async () => {
  const a1 = (await api.addUser({ username: 'relay-a1', role: 'municipality_staff', organizationId: A1 }))
    .ctx;
  const a2 = (await api.addUser({ username: 'relay-a2', role: 'municipality_staff', organizationId: A2 }))
    .ctx;
  const seenA1: AlertChange[] = [];
  const seenA2: AlertChange[] = [];
  const off1 = await api.soc.alerts.subscribe(a1, (c) => seenA1.push(c));
  const off2 = await api.soc.alerts.subscribe(a2, (c) => seenA2.push(c));
  try {
    const sent = Date.now();
    await worker.soc.detection.onEvents([
      lineEvent('access-combined', accessLine('203.0.113.5', '/x.php?id=@@version'), {
        time: sent,
        organizationId: A1,
        prefectureId: PREF_A,
      }),
    ]);
    const end = Date.now() + 5000;
    while (seenA1.length === 0) {
      assert.ok(Date.now() < end, 'the change did not arrive');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(seenA1[0]!.kind, 'created');
    assert.equal(
      seenA1[0]!.alert.ruleAuthor,
      'Saw Win Naung, Nasreddine Bencherchali (Nextron Systems), Thurein Oo (Yoma Bank)',
    );
    assert.ok(Date.now() - sent < 2000);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seenA2, []);
  } finally {
    off1();
    off2();
  }
});
