// The SOC monthly report: figures from rollups and alerts, Japan-time month boundaries, month over month,
// per-prefecture breakdown with unattributed events, and the policy (municipal staff: their own only).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isMamoriError } from '@mamori/core';
import { STATE_ORG_ID, orgIdForCode } from '../src/index.js';
import { createTestPlatform, type TestPlatform } from '../src/testing.js';
import type { RequestContext } from '../src/types.js';
import { monthRange } from '../src/soc/reports/month.js';
import { reportDocument } from '../src/soc/reports/document.js';

const PREF = orgIdForCode('220001'); // 静岡県
const NUMAZU = orgIdForCode('222038');
const ATAMI = orgIdForCode('222054');
const AICHI = orgIdForCode('230006');
const TOYOHASHI = orgIdForCode('232017');

let p: TestPlatform;
let numazuStaff: RequestContext;
let prefOp: RequestContext;
let analyst: RequestContext;

type Rollup = [
  org: string,
  pref: string,
  hour: string,
  kind: string,
  action: string,
  category: string,
  n: number,
];
const rollups: Rollup[] = [
  // November 2026 in Japan time starts at 2026-10-31T15:00Z: this hour belongs to November.
  [NUMAZU, PREF, '2026-10-31T15', 'waf', 'blocked', 'sqli', 3],
  // …and this one to October.
  [NUMAZU, PREF, '2026-10-31T14', 'waf', 'blocked', 'sqli', 100],
  [NUMAZU, PREF, '2026-11-10T03', 'waf', 'blocked', 'xss', 2],
  [NUMAZU, PREF, '2026-11-10T03', 'waf', 'detected', 'path_traversal', 1],
  [NUMAZU, PREF, '2026-11-10T04', 'waf', 'allowed', '', 50],
  // Protocol findings that were not blocked (a numeric Host header) are not attacks.
  [NUMAZU, PREF, '2026-11-10T05', 'waf', 'detected', 'protocol', 9],
  [NUMAZU, PREF, '2026-11-11T00', 'firewall', 'allowed', '', 1000],
  [NUMAZU, PREF, '2026-11-11T00', 'firewall', 'blocked', '', 40],
  [NUMAZU, PREF, '2026-11-11T00', 'ips', 'detected', 'trojan', 5],
  [NUMAZU, PREF, '2026-11-11T00', 'ips', 'blocked', 'trojan', 6],
  [NUMAZU, PREF, '2026-11-12T00', 'mail', 'blocked', 'malware', 2],
  [NUMAZU, PREF, '2026-11-12T00', 'mail', 'detected', 'malware', 2],
  [NUMAZU, PREF, '2026-11-12T00', 'mail', 'blocked', 'spam', 4],
  [NUMAZU, PREF, '2026-11-12T00', 'mail', 'detected', 'spam', 3],
  [NUMAZU, PREF, '2026-11-12T00', 'mail', 'allowed', 'clean', 90],
  [NUMAZU, PREF, '2026-11-13T00', 'sandbox', 'detected', '', 7],
  [NUMAZU, PREF, '2026-11-13T00', 'proxy', 'blocked', 'malware-site', 8],
  [NUMAZU, PREF, '2026-11-13T00', 'dns', 'blocked', 'rpz', 9],
  // The last hour of November JST is 2026-11-30T14Z; 15Z is already December.
  [NUMAZU, PREF, '2026-11-30T14', 'firewall', 'blocked', '', 1],
  [NUMAZU, PREF, '2026-11-30T15', 'firewall', 'blocked', '', 1000],
  [ATAMI, PREF, '2026-11-05T00', 'waf', 'blocked', 'sqli', 10],
  ['', PREF, '2026-11-05T00', 'firewall', 'blocked', '', 11],
  [TOYOHASHI, AICHI, '2026-11-05T00', 'waf', 'blocked', 'sqli', 1000],
  // October (the previous month) for month over month.
  [NUMAZU, PREF, '2026-10-10T00', 'firewall', 'blocked', '', 30],
];

function alert(
  id: string,
  org: string | null,
  pref: string,
  severity: string,
  firstSeen: string,
  ackAfterMin: number | null,
  status = 'new',
) {
  const ack =
    ackAfterMin === null ? null : new Date(Date.parse(firstSeen) + ackAfterMin * 60_000).toISOString();
  return {
    id,
    rule_id: 'r1',
    rule_title: 'test rule',
    rule_author: 'tester',
    source: 'builtin',
    severity,
    severity_rank: 1,
    organization_id: org,
    prefecture_id: pref,
    entity: id,
    window_start: firstSeen,
    first_seen: firstSeen,
    last_seen: firstSeen,
    event_count: 1,
    evidence_count: 0,
    last_received_at: Date.parse(firstSeen),
    escalation_level: 0,
    status,
    acknowledged_at: ack,
    group_key: id,
    created_at: firstSeen,
    updated_at: firstSeen,
  };
}

before(async () => {
  p = await createTestPlatform();
  numazuStaff = (
    await p.addUser({ username: 'numazu-staff', role: 'municipality_staff', organizationId: NUMAZU })
  ).ctx;
  prefOp = (await p.addUser({ username: 'pref-op', role: 'prefecture_operator', organizationId: PREF })).ctx;
  analyst = (await p.addUser({ username: 'analyst', role: 'state_analyst', organizationId: STATE_ORG_ID }))
    .ctx;
  const db = p.db.kysely;
  await db
    .insertInto('soc_rollups')
    .values(
      rollups.map(([organization_id, prefecture_id, hour, source_kind, action, category, count]) => ({
        organization_id,
        prefecture_id,
        hour,
        source_kind,
        action,
        category,
        count,
      })),
    )
    .execute();
  await db
    .insertInto('soc_alerts')
    .values([
      alert('a1', NUMAZU, PREF, 'high', '2026-11-02T00:00:00.000Z', 10),
      alert('a2', NUMAZU, PREF, 'high', '2026-11-03T00:00:00.000Z', 30, 'false_positive'),
      alert('a3', NUMAZU, PREF, 'critical', '2026-11-04T00:00:00.000Z', null),
      alert('a4', ATAMI, PREF, 'low', '2026-11-04T00:00:00.000Z', null),
      alert('a5', NUMAZU, PREF, 'medium', '2026-10-20T00:00:00.000Z', 5),
      alert('a6', TOYOHASHI, AICHI, 'critical', '2026-11-04T00:00:00.000Z', null),
    ])
    .execute();
});
after(async () => {
  await p?.close();
});

describe('SOC monthly report', () => {
  test('a Japan-time month is 15:00 UTC on the last day before to 15:00 UTC on the last day', () => {
    const r = monthRange('2026-11');
    assert.equal(r.from.toISOString(), '2026-10-31T15:00:00.000Z');
    assert.equal(r.to.toISOString(), '2026-11-30T15:00:00.000Z');
  });

  test('municipality figures: rollups, alerts, MTTA and month over month', async () => {
    const r = await p.soc.reports.monthly(numazuStaff, { organizationId: NUMAZU, month: '2026-11' });
    const c = r.current;
    assert.equal(r.scope.kind, 'municipality');
    assert.deepEqual(c.firewall, { allowed: 1000, blocked: 41 });
    assert.deepEqual(c.ips, { detected: 5, blocked: 6 });
    assert.equal(c.waf.attacks, 6);
    assert.equal(c.waf.blocked, 5);
    assert.deepEqual(c.waf.byType, [
      { type: 'sqli', count: 3 },
      { type: 'xss', count: 2 },
      { type: 'path_traversal', count: 1 },
    ]);
    assert.deepEqual(c.mail, { malwareRemoved: 2, malwareDetected: 2, spam: 7, spamBlocked: 4 });
    assert.equal(c.sandbox.suspicious, 7);
    assert.equal(c.proxy.blocked, 8);
    assert.equal(c.dns.blocked, 9);
    assert.equal(c.alerts.total, 3);
    assert.equal(c.alerts.bySeverity.high, 2);
    assert.equal(c.alerts.bySeverity.critical, 1);
    assert.equal(c.alerts.falsePositive, 1);
    assert.equal(c.alerts.acknowledged, 2);
    assert.equal(c.alerts.mttaSeconds, 20 * 60);
    assert.equal(r.previous.firewall.blocked, 30);
    assert.equal(r.previous.waf.attacks, 100);
    const row = r.rows.find((x) => x.key === 'firewall.blocked');
    assert.deepEqual([row?.value, row?.previous, row?.change], [41, 30, 11]);
    assert.equal(r.rows.find((x) => x.key === 'alerts.mttaMinutes')?.value, 20);
    assert.equal(r.wafByType.find((x) => x.type === 'sqli')?.label, 'SQLインジェクション');
    assert.equal(r.title, 'セキュリティクラウド 月次統計報告');
    assert.deepEqual(r.byOrganization, []);
  });

  test('prefecture figures include every municipality and the unattributed events, nothing of another prefecture', async () => {
    const r = await p.soc.reports.monthly(prefOp, { organizationId: PREF, month: '2026-11', locale: 'en' });
    assert.equal(r.scope.kind, 'prefecture');
    assert.equal(r.current.waf.attacks, 16);
    assert.equal(r.current.firewall.blocked, 52);
    assert.equal(r.current.unattributed, 11);
    assert.equal(r.current.alerts.total, 4);
    assert.equal(r.title, 'Security cloud monthly statistics');
    assert.deepEqual(
      r.byOrganization.map((o) => [o.code, o.values['waf.attacks']]),
      [
        ['222038', 6],
        ['222054', 10],
      ],
    );
  });

  test('the state report sums every prefecture and breaks it down per prefecture', async () => {
    const r = await p.soc.reports.monthly(analyst, { organizationId: STATE_ORG_ID, month: '2026-11' });
    assert.equal(r.scope.kind, 'state');
    assert.equal(r.current.waf.attacks, 1016);
    assert.equal(r.current.alerts.total, 5);
    assert.deepEqual(
      r.byOrganization.map((o) => [o.name, o.values['waf.attacks'], o.values['alerts.total']]),
      [
        ['静岡県', 16, 4],
        ['愛知県', 1000, 1],
      ],
    );
  });

  test('the report as a document: the same rows in the summary table as on the page', async () => {
    const r = await p.soc.reports.monthly(prefOp, { organizationId: PREF, month: '2026-11' });
    const doc = reportDocument(r);
    assert.equal(doc.title, r.title);
    assert.equal(doc.tables[0]!.rows.length, r.rows.length);
    const waf = doc.tables.find((x) => x.heading === 'WAF 攻撃種別の内訳')!;
    assert.deepEqual(waf.rows[0], ['SQLインジェクション', 13, 100]);
    assert.ok(doc.meta.some(([k, v]) => k === '対象期間' && v.startsWith('2026年11月')));
    assert.ok(doc.tables.some((x) => x.heading === '団体別の内訳' && x.rows.length === 2));
  });

  test('municipal staff reach only their own organization', async () => {
    for (const organizationId of [ATAMI, PREF, TOYOHASHI]) {
      await assert.rejects(
        p.soc.reports.monthly(numazuStaff, { organizationId, month: '2026-11' }),
        (e) => isMamoriError(e) && e.code === 'MAMORI_FORBIDDEN',
      );
    }
    await assert.rejects(
      p.soc.reports.monthly(prefOp, { organizationId: TOYOHASHI, month: '2026-11' }),
      (e) => isMamoriError(e) && e.code === 'MAMORI_FORBIDDEN',
    );
  });

  test('a malformed month is a validation error', async () => {
    await assert.rejects(
      p.soc.reports.monthly(prefOp, { organizationId: PREF, month: '2026-13' }),
      (e) => isMamoriError(e) && e.code === 'MAMORI_VALIDATION',
    );
  });
});
