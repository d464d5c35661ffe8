// The detection stage inside the running pipeline: raw lines appended to the durable queue come out as an
// alert (parse → attribute → store → detect → alert) within the latency target, and the stage's timer
// drives escalation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { orgIdForCode } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';
import { sshFail } from './soc-support.js';

const A1 = orgIdForCode('222038'); // 沼津市
let p: TestPlatform;

before(async () => {
  p = await createTestPlatform({ config: { soc: { pipeline: true, prefectureCode: '22', batchSize: 500 } } });
});
after(async () => {
  await p?.close();
});

test(`lines through the pipeline raise an alert within 2 s of receipt (${testDialect()})`, async () => {
  const receivedAt = Date.now();
  await p.soc.queue.append(
    Array.from({ length: 12 }, (_, i) => ({
      line: sshFail('operator', '192.0.2.200', i),
      transport: 'syslog-tcp',
      peer: '192.0.2.1',
      format: 'linux-auth',
      organizationId: A1,
      receivedAt,
    })),
  );
  const end = Date.now() + 10_000;
  let alerts = (await p.soc.alerts.list(p.system, { ruleId: 'mamori-failed-logon-burst' })).items;
  while (alerts.length === 0 || alerts[0]!.eventCount < 12) {
    assert.ok(Date.now() < end, 'no alert within 10 s');
    await new Promise((r) => setTimeout(r, 20));
    alerts = (await p.soc.alerts.list(p.system, { ruleId: 'mamori-failed-logon-burst' })).items;
  }
  const a = alerts[0]!;
  assert.equal(a.organizationId, A1);
  assert.equal(a.prefectureId, orgIdForCode('220001'));
  assert.equal(a.entity, 'operator / web01');
  const latency = Date.parse(a.createdAt) - receivedAt;
  assert.ok(latency < 2000, `alert created ${latency} ms after receipt`);
  // The evidence events are the pipeline's stored events.
  const detail = await p.soc.alerts.get(p.system, a.id);
  assert.equal(detail.evidence.length, 12);
  assert.equal(detail.events.length, 12);
  assert.ok(detail.events.every((e) => e.format === 'linux-auth' && e.organizationId === A1));
  const stats = p.soc.detection.stats();
  assert.ok(stats.events >= 12 && stats.alertsCreated >= 1);
});
