// SOC detection → alerts: each built-in rule fires on a realistic sequence (real log lines through the real
// parsers) and stays quiet below its threshold; Sigma rules on web server and proxy events raise alerts that
// carry the rule's author; grouping and idempotence under redelivery; alert visibility by policy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  orgIdForCode,
  STATE_ORG_ID,
  type RequestContext,
  type SocAlert,
  type SocEvent,
} from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';
import { BuiltinDetector, loadBuiltinRules } from '../src/soc/detect/builtin.js';
import {
  accessLine,
  lineEvent,
  rspamdVirus,
  squidAllowed,
  squidDenied,
  sshFail,
  storedEventRow,
  failedLogons,
  suricataAlert,
} from './soc-support.js';

const PREF_A = orgIdForCode('220001'); // 静岡県
const A1 = orgIdForCode('222038'); // 沼津市
const A2 = orgIdForCode('222054'); // 熱海市
const A3 = orgIdForCode('222062'); // 三島市
const PREF_B = orgIdForCode('230006'); // 愛知県
const B1 = orgIdForCode('232017'); // 豊橋市

let p: TestPlatform;
const u: Record<string, RequestContext> = {};
// Each scenario runs in its own hour of event time, so windows never overlap between tests.
let base = Date.parse('2026-11-20T00:00:00Z');
const nextHour = () => (base += 6 * 3_600_000);

async function feed(events: SocEvent[]): Promise<void> {
  await p.soc.detection.onEvents(events);
}

/** A SQL injection request from `client` to `path`, the i-th second after t0, at organization `org`. */
const sqliFrom = (t0: number, org: string, path: string) => (client: string, i: number) =>
  lineEvent('access-combined', accessLine(client, `${path}?n=${i}&id=%271%27%3D%271`), {
    time: t0 + i * 1000,
    organizationId: org,
    prefectureId: PREF_A,
  });

async function alertsOf(ruleId: string): Promise<SocAlert[]> {
  return (await p.soc.alerts.list(p.system, { ruleId, limit: 200 })).items;
}

before(async () => {
  // Batches are handed to the detection stage directly (the pipeline's own tests cover the queue).
  p = await createTestPlatform({ config: { soc: { pipeline: false } } });
  const add = async (name: string, role: Parameters<TestPlatform['addUser']>[0]['role'], org: string) => {
    u[name] = (await p.addUser({ username: name, role, organizationId: org })).ctx;
  };
  await add('state', 'state_admin', STATE_ORG_ID);
  await add('prefAOp', 'prefecture_operator', PREF_A);
  await add('prefBOp', 'prefecture_operator', PREF_B);
  await add('a1Staff', 'municipality_staff', A1);
  await add('a2Staff', 'municipality_staff', A2);
  await add('b1Admin', 'municipality_admin', B1);
  await add('auditorA', 'auditor', PREF_A);
});
after(async () => {
  await p?.close();
});

describe(`built-in rules (${testDialect()})`, () => {
  test('failed-logon burst: 10 sshd failures for one account on one host within 5 min fire; 9 do not', async () => {
    const t0 = nextHour();
    const at = (i: number) => ({ time: t0 + i * 20_000, organizationId: A1, prefectureId: PREF_A });
    // 9 failures for "root" and 9 for "admin": each below the threshold.
    const below = [
      ...Array.from({ length: 9 }, (_, i) =>
        lineEvent('linux-auth', sshFail('root', '192.0.2.50', i), at(i)),
      ),
      ...Array.from({ length: 9 }, (_, i) =>
        lineEvent('linux-auth', sshFail('admin', '192.0.2.51', i), at(i)),
      ),
    ];
    await feed(below);
    assert.equal((await alertsOf('mamori-failed-logon-burst')).length, 0);
    // The 10th failure for root fires; three more join the same alert.
    await feed([lineEvent('linux-auth', sshFail('root', '192.0.2.50', 9), at(9))]);
    let list = await alertsOf('mamori-failed-logon-burst');
    assert.equal(list.length, 1);
    assert.equal(list[0]!.eventCount, 10);
    assert.equal(list[0]!.organizationId, A1);
    assert.equal(list[0]!.severity, 'medium');
    assert.equal(list[0]!.ruleAuthor, 'Mamori');
    assert.equal(list[0]!.entity, 'root / web01');
    await feed([10, 11, 12].map((i) => lineEvent('linux-auth', sshFail('root', '192.0.2.50', i), at(i))));
    list = await alertsOf('mamori-failed-logon-burst');
    assert.equal(list.length, 1);
    assert.equal(list[0]!.eventCount, 13);
    // Spread over more than 5 minutes, 10 failures do not fire.
    const t1 = nextHour();
    await feed(
      Array.from({ length: 10 }, (_, i) =>
        lineEvent('linux-auth', sshFail('backup', '192.0.2.52', i), {
          time: t1 + i * 40_000,
          organizationId: A2,
          prefectureId: PREF_A,
        }),
      ),
    );
    assert.equal((await alertsOf('mamori-failed-logon-burst')).length, 1);
  });

  test('password spraying: one source, 8 accounts within 15 min fire (high); 7 do not', async () => {
    const t0 = nextHour();
    const users = ['taro', 'hanako', 'jiro', 'saburo', 'yoko', 'kenji', 'akiko', 'ichiro'];
    const ev = (user: string, ip: string, i: number) =>
      lineEvent('linux-auth', sshFail(user, ip, i), {
        time: t0 + i * 30_000,
        organizationId: A1,
        prefectureId: PREF_A,
      });
    await feed(users.slice(0, 7).map((n, i) => ev(n, '198.51.100.7', i)));
    assert.equal((await alertsOf('mamori-password-spraying')).length, 0);
    await feed([ev(users[7]!, '198.51.100.7', 7)]);
    const list = await alertsOf('mamori-password-spraying');
    assert.equal(list.length, 1);
    assert.equal(list[0]!.severity, 'high');
    assert.equal(list[0]!.entity, '198.51.100.7');
    assert.equal(list[0]!.eventCount, 8);
    assert.equal((list[0]!.details as { distinct: number }).distinct, 8);
  });

  test('IPS campaign: one signature at 3 municipalities within 1 h is one prefecture alert; at 2 it is not', async () => {
    const t0 = nextHour();
    const sig = (org: string, i: number, sid = 2024364) =>
      lineEvent(
        'suricata-eve',
        suricataAlert(sid, 'ET WEB_SPECIFIC_APPS Apache Struts RCE CVE-2017-5638', '198.51.100.20'),
        {
          time: t0 + i * 60_000,
          organizationId: org,
          prefectureId: PREF_A,
        },
      );
    await feed([sig(A1, 0), sig(A1, 1), sig(A2, 2)]);
    // Another signature at a third municipality does not add up with it.
    await feed([sig(A3, 3, 2000001)]);
    assert.equal((await alertsOf('mamori-ips-campaign')).length, 0);
    await feed([sig(A3, 4)]);
    const list = await alertsOf('mamori-ips-campaign');
    assert.equal(list.length, 1);
    assert.equal(list[0]!.organizationId, null, 'a campaign is the prefecture SOC’s alert');
    assert.equal(list[0]!.prefectureId, PREF_A);
    assert.equal(list[0]!.entity, 'ET WEB_SPECIFIC_APPS Apache Struts RCE CVE-2017-5638');
    assert.equal(list[0]!.eventCount, 4);
  });

  test('mail malware wave: one malware to 5 recipients within 1 h fires; 4 do not', async () => {
    const t0 = nextHour();
    const mail = (virus: string, rcpt: string, i: number) =>
      lineEvent('rspamd', rspamdVirus(virus, rcpt, i), {
        time: t0 + i * 60_000,
        organizationId: A1,
        prefectureId: PREF_A,
      });
    const virus = 'Win.Trojan.Emotet-9953';
    await feed(
      ['kaikei', 'soumu', 'jinji', 'kikaku'].map((r, i) => mail(virus, `${r}@city.numazu.lg.jp`, i)),
    );
    // A different malware to a fifth recipient is another wave.
    await feed([mail('Doc.Dropper.Agent-1', 'zeimu@city.numazu.lg.jp', 4)]);
    assert.equal((await alertsOf('mamori-mail-malware-wave')).length, 0);
    await feed([mail(virus, 'zeimu@city.numazu.lg.jp', 5)]);
    const list = await alertsOf('mamori-mail-malware-wave');
    assert.equal(list.length, 1);
    assert.equal(list[0]!.entity, virus);
    assert.equal(list[0]!.severity, 'high');
  });

  test('beaconing: 6 blocked requests at a regular minute fire; irregular or fewer do not', async () => {
    const t0 = nextHour();
    const url = 'http://c2.blocked.example/gate.php';
    const req = (client: string, t: number, u = url) =>
      lineEvent('squid', squidDenied(client, u), { time: t, organizationId: A1, prefectureId: PREF_A });
    // 5 regular requests: not yet.
    await feed([0, 1, 2, 3, 4].map((i) => req('10.20.0.5', t0 + i * 60_000 + (i % 2) * 1500)));
    // Irregular: 8 requests at random-looking gaps.
    const gaps = [0, 5_000, 200_000, 215_000, 900_000, 960_000, 2_000_000, 2_010_000];
    await feed(gaps.map((g) => req('10.20.0.6', t0 + g)));
    // A burst (a user clicking repeatedly): regular but faster than the minimum interval.
    await feed(Array.from({ length: 8 }, (_, i) => req('10.20.0.7', t0 + i * 1000)));
    assert.equal((await alertsOf('mamori-blocked-url-beaconing')).length, 0);
    await feed([req('10.20.0.5', t0 + 5 * 60_000 + 800)]);
    const list = await alertsOf('mamori-blocked-url-beaconing');
    assert.equal(list.length, 1);
    assert.equal(list[0]!.entity, `10.20.0.5 / ${url}`);
    assert.equal(list[0]!.eventCount, 6);
  });

  test('at most maxGroups groups per rule are kept (least recently used dropped)', () => {
    const d = new BuiltinDetector(loadBuiltinRules(), { maxGroups: 10, maxEntries: 5 });
    const t0 = nextHour();
    for (let i = 0; i < 500; i++) {
      d.evaluate(
        lineEvent('linux-auth', sshFail(`user${i}`, `10.9.${i >> 8}.${i & 255}`, i), {
          time: t0 + i,
          organizationId: A1,
          prefectureId: PREF_A,
        }),
        [],
      );
    }
    // Two rules see sshd failures (burst, spraying): 10 groups each at most.
    assert.equal(d.size, 20);
  });

  test('window state is bounded and expires', async () => {
    const before = p.soc.detection.stats().builtinGroups;
    assert.ok(before > 0);
    // Far past every window (pipeline clock): all groups dropped.
    p.soc.detection.builtin.expire(Date.now() + 3 * 86_400_000);
    assert.equal(p.soc.detection.stats().builtinGroups, 0);
  });
});

describe(`Sigma rule sets (${testDialect()})`, () => {
  test('a SQL injection in a web server access log raises the SigmaHQ rule’s alert with its author', async () => {
    const t0 = nextHour();
    const ev = lineEvent(
      'access-combined',
      accessLine('203.0.113.9', '/item.php?id=1%20union%20select%20@@version'),
      {
        time: t0,
        organizationId: A1,
        prefectureId: PREF_A,
      },
    );
    await feed([ev]);
    const list = await alertsOf('5513deaf-f49a-46c2-a6c8-3f111b5cb453');
    assert.equal(list.length, 1);
    const a = list[0]!;
    assert.equal(a.source, 'sigma');
    assert.equal(a.ruleTitle, 'SQL Injection Strings In URI');
    assert.equal(
      a.ruleAuthor,
      'Saw Win Naung, Nasreddine Bencherchali (Nextron Systems), Thurein Oo (Yoma Bank)',
    );
    assert.equal(a.entity, '203.0.113.9');
    assert.equal(a.organizationId, A1);
    const detail = await p.soc.alerts.get(p.system, a.id);
    assert.deepEqual(
      detail.evidence.map((e) => e.eventId),
      [ev.id],
    );
    // A harmless request does not match.
    await feed([
      lineEvent('access-combined', accessLine('203.0.113.10', '/index.html?id=1'), {
        time: t0 + 1000,
        organizationId: A1,
        prefectureId: PREF_A,
      }),
    ]);
    assert.equal((await alertsOf('5513deaf-f49a-46c2-a6c8-3f111b5cb453')).length, 1);
  });

  test('a proxy request to a raw paste service raises the proxy rule’s alert; disabling the set stops it', async () => {
    const t0 = nextHour();
    const paste = (client: string, t: number) =>
      lineEvent('squid', squidAllowed(client, 'http://pastebin.pl/view/raw/4f2a9c'), {
        time: t,
        organizationId: A2,
        prefectureId: PREF_A,
      });
    await feed([paste('10.30.0.8', t0)]);
    const rule = (await p.soc.alerts.list(p.system, { q: 'Raw Paste', limit: 50 })).items;
    assert.equal(rule.length, 1, JSON.stringify(rule.map((r) => r.ruleTitle)));
    assert.equal(rule[0]!.ruleAuthor, 'Florian Roth (Nextron Systems)');
    const ruleId = rule[0]!.ruleId;
    // The prefecture operator turns the proxy rule set off: nothing more for a new client.
    const state = await p.soc.detection.ruleSets.set(u.prefAOp!, PREF_A, 'proxy', []);
    const proxy = state.logsources.find((l) => l.logsource === 'proxy')!;
    assert.equal(proxy.configured, true);
    assert.ok(proxy.ruleSets.every((r) => !r.enabled));
    await feed([paste('10.30.0.9', t0 + 1000)]);
    assert.equal((await alertsOf(ruleId)).length, 1);
    // Another prefecture's operator cannot change Shizuoka's sets.
    await assert.rejects(
      p.soc.detection.ruleSets.set(u.prefBOp!, PREF_A, 'proxy', null),
      /FORBIDDEN|not permitted/i,
    );
    // Back to the defaults: it runs again.
    await p.soc.detection.ruleSets.set(u.prefAOp!, PREF_A, 'proxy', null);
    await feed([paste('10.30.0.10', t0 + 2000)]);
    assert.equal((await alertsOf(ruleId)).length, 2);
    await assert.rejects(
      p.soc.detection.ruleSets.set(u.prefAOp!, PREF_A, 'proxy', ['sigma-dns']),
      /logsource dns/,
    );
  });
  test('a Windows event (Winlogbeat) is evaluated as its raw record: log cleared → Security Eventlog Cleared', async () => {
    const t0 = nextHour();
    const line = JSON.stringify({
      '@timestamp': new Date(t0).toISOString(),
      event: { code: '1102', kind: 'event', provider: 'Microsoft-Windows-Eventlog', action: 'cleared' },
      host: { name: 'PC-0042' },
      winlog: {
        channel: 'Security',
        computer_name: 'PC-0042.city.numazu.local',
        event_id: 1102,
        provider_name: 'Microsoft-Windows-Eventlog',
        record_id: '99812',
        user_data: { SubjectUserName: 'tanaka', SubjectDomainName: 'NUMAZU' },
      },
    });
    await feed([lineEvent('winlogbeat', line, { time: t0, organizationId: A1, prefectureId: PREF_A })]);
    const list = await alertsOf('d99b79d2-0a6f-4f46-ad8b-260b6e17f982');
    assert.equal(list.length, 1);
    assert.equal(list[0]!.ruleAuthor, 'Florian Roth (Nextron Systems)');
    assert.equal(list[0]!.entity, 'PC-0042.city.numazu.local');
    assert.equal(list[0]!.severity, 'high');
  });
  test('Mamori’s Sigma correlation: 5 distinct accounts locked out on one DC within 10 min; 4 do not fire', async () => {
    const t0 = nextHour();
    const lockout = (user: string, dc: string, i: number, org = A1, pref = PREF_A) =>
      lineEvent(
        'winlogbeat',
        JSON.stringify({
          '@timestamp': new Date(t0 + i * 60_000).toISOString(),
          winlog: {
            channel: 'Security',
            computer_name: dc,
            event_id: '4740',
            event_data: { TargetUserName: user, TargetDomainName: 'NUMAZU', SubjectUserName: 'DC01$' },
          },
        }),
        { time: t0 + i * 60_000, organizationId: org, prefectureId: pref },
      );
    const dc = 'DC01.city.numazu.local';
    // The same account five times, and four accounts on this DC: not a wave.
    await feed([0, 1, 2, 3, 4].map((i) => lockout('sato', 'DC02.city.numazu.local', i)));
    await feed(['suzuki', 'takahashi', 'tanaka', 'watanabe'].map((u, i) => lockout(u, dc, i)));
    const wave = async () =>
      (await p.soc.alerts.list(p.system, { q: 'Account Lockout Wave', limit: 50 })).items;
    assert.deepEqual(await wave(), []);
    // Another prefecture shares the compiled rules and has a DC of the same name: its lockouts are its own.
    await feed(['kato', 'yamada', 'sasaki', 'yamamoto'].map((u, i) => lockout(u, dc, i, B1, PREF_B)));
    assert.deepEqual(await wave(), [], 'four lockouts in each prefecture are not a wave in either');
    await feed([lockout('ito', dc, 5)]);
    const list = await wave();
    assert.equal(list.length, 1);
    assert.equal(list[0]!.organizationId, A1);
    assert.equal(list[0]!.ruleAuthor, 'Mamori');
    assert.equal(list[0]!.severity, 'high');
    assert.equal(list[0]!.entity, dc);
    // The referenced rule is not reported on its own.
    assert.deepEqual((await p.soc.alerts.list(p.system, { q: 'Windows Account Lockout' })).items, []);
  });
});

describe(`grouping and idempotence (${testDialect()})`, () => {
  test('repeats in a window are one alert; redelivery changes nothing; another entity is another alert', async () => {
    const t0 = nextHour();
    const sqli = sqliFrom(t0, A1, '/q.php');
    const batch = [sqli('203.0.113.77', 1), sqli('203.0.113.77', 2), sqli('203.0.113.77', 3)];
    await feed(batch);
    const id = '5513deaf-f49a-46c2-a6c8-3f111b5cb453';
    const mine = async () => (await alertsOf(id)).filter((a) => a.entity === '203.0.113.77');
    let list = await mine();
    assert.equal(list.length, 1);
    assert.equal(list[0]!.eventCount, 3);
    // The pipeline redelivers the same batch after a crash: same ids, nothing counted twice.
    await feed(batch);
    list = await mine();
    assert.equal(list.length, 1);
    assert.equal(list[0]!.eventCount, 3);
    await feed([sqli('203.0.113.77', 4)]);
    assert.equal((await mine())[0]!.eventCount, 4);
    await feed([sqli('203.0.113.78', 5)]);
    assert.equal((await alertsOf(id)).filter((a) => a.entity === '203.0.113.78').length, 1);
    // The next window (detect.groupWindowMinutes = 60) is a new alert for the same entity.
    await feed([
      lineEvent('access-combined', accessLine('203.0.113.77', '/q.php?n=9&id=%271%27%3D%271'), {
        time: t0 + 3 * 3_600_000,
        organizationId: A1,
        prefectureId: PREF_A,
      }),
    ]);
    assert.equal((await mine()).length, 2);
  });
});

describe(`evaluated before the commit (${testDialect()})`, () => {
  test('beforeCommit writes nothing; afterCommit writes the alerts without the events the commit did not store', async () => {
    const sqli = sqliFrom(nextHour(), A2, '/p.php');
    const id = '5513deaf-f49a-46c2-a6c8-3f111b5cb453';
    const mine = async (client: string) => (await alertsOf(id)).filter((a) => a.entity === client);
    // Client .81's only event is the one the commit refused: no alert for it at all.
    const batch = [sqli('203.0.113.80', 1), sqli('203.0.113.80', 2), sqli('203.0.113.81', 3)];
    const evaluated = await p.soc.detection.beforeCommit(batch);
    assert.equal(evaluated.length, 3, 'one hit per matching event');
    assert.equal((await mine('203.0.113.80')).length, 0, 'nothing written before the commit');
    await p.soc.detection.afterCommit(evaluated, new Set([batch[1]!.id, batch[2]!.id]));
    const [a] = await mine('203.0.113.80');
    assert.equal(a!.eventCount, 1);
    assert.deepEqual(
      (await p.soc.alerts.get(p.system, a!.id)).evidence.map((e) => e.eventId),
      [batch[0]!.id],
    );
    assert.equal((await mine('203.0.113.81')).length, 0);
  });
});

describe(`visibility and triage (${testDialect()})`, () => {
  test('municipalities see their own alerts only; unattributed ones are the prefecture’s', async () => {
    const t0 = nextHour();
    const sq = (org: string | null, pref: string, client: string) =>
      lineEvent('access-combined', accessLine(client, '/x.php?id=%271%27%3D%271'), {
        time: t0,
        organizationId: org,
        prefectureId: pref,
      });
    await feed([
      sq(A1, PREF_A, '192.0.2.101'),
      sq(A2, PREF_A, '192.0.2.102'),
      sq(null, PREF_A, '192.0.2.103'),
      sq(B1, PREF_B, '192.0.2.104'),
    ]);
    const seen = async (who: string) =>
      (await p.soc.alerts.list(u[who]!, { from: new Date(t0 - 1).toISOString(), limit: 200 })).items
        .map((a) => a.entity)
        .sort();
    assert.deepEqual(await seen('a1Staff'), ['192.0.2.101']);
    assert.deepEqual(await seen('a2Staff'), ['192.0.2.102']);
    assert.deepEqual(await seen('prefAOp'), ['192.0.2.101', '192.0.2.102', '192.0.2.103']);
    assert.deepEqual(await seen('auditorA'), ['192.0.2.101', '192.0.2.102', '192.0.2.103']);
    assert.deepEqual(await seen('b1Admin'), ['192.0.2.104']);
    assert.deepEqual(await seen('state'), ['192.0.2.101', '192.0.2.102', '192.0.2.103', '192.0.2.104']);
    const all = (await p.soc.alerts.list(p.system, { from: new Date(t0 - 1).toISOString() })).items;
    const byEntity = (e: string) => all.find((a) => a.entity === e)!;
    // Another municipality's or the prefecture's unattributed alert is not found for a municipality.
    await assert.rejects(p.soc.alerts.get(u.a1Staff!, byEntity('192.0.2.102').id), /NOT_FOUND|Not found/);
    await assert.rejects(p.soc.alerts.get(u.a1Staff!, byEntity('192.0.2.103').id), /NOT_FOUND|Not found/);
    await assert.rejects(
      p.soc.alerts.acknowledge(u.prefBOp!, byEntity('192.0.2.103').id),
      /NOT_FOUND|Not found/,
    );
    // The auditor reads but cannot triage.
    await assert.rejects(
      p.soc.alerts.acknowledge(u.auditorA!, byEntity('192.0.2.101').id),
      /FORBIDDEN|not permitted/i,
    );
    // Staff acknowledge their own; the prefecture triages the unattributed one.
    const ack = await p.soc.alerts.acknowledge(u.a1Staff!, byEntity('192.0.2.101').id);
    assert.equal(ack.status, 'acknowledged');
    assert.ok(ack.acknowledgedAt);
    const fp = await p.soc.alerts.falsePositive(
      u.prefAOp!,
      byEntity('192.0.2.103').id,
      '脆弱性診断（委託業者）の通信',
    );
    assert.equal(fp.status, 'false_positive');
    assert.equal(fp.falsePositiveReason, '脆弱性診断（委託業者）の通信');
    await assert.rejects(p.soc.alerts.falsePositive(u.prefAOp!, byEntity('192.0.2.102').id, ' '), /reason/);
    // Bulk: all or nothing — one alert out of reach refuses the whole action.
    await assert.rejects(
      p.soc.alerts.act(u.a2Staff!, {
        ids: [byEntity('192.0.2.102').id, byEntity('192.0.2.101').id],
        action: 'resolve',
      }),
      /NOT_FOUND|Not found/,
    );
    assert.equal((await p.soc.alerts.get(p.system, byEntity('192.0.2.102').id)).alert.status, 'new');
    // Assign: only to someone who reaches the alert.
    const a2Id = (u.a2Staff!.actor as { userId: string }).userId;
    await assert.rejects(p.soc.alerts.assign(u.prefAOp!, byEntity('192.0.2.101').id, a2Id), /cannot see/);
    const assigned = await p.soc.alerts.assign(u.prefAOp!, byEntity('192.0.2.102').id, a2Id);
    assert.equal(assigned.assigneeId, a2Id);
    // Comment, raise an incident (kept as a pending request for the incidents domain), resolve.
    await p.soc.alerts.addComment(u.a2Staff!, assigned.id, '端末を隔離しました');
    const inc = await p.soc.alerts.raiseIncident(u.a2Staff!, assigned.id, '職員端末からの不審な通信');
    assert.match(inc.incidentRef ?? '', /^request:ir_/);
    assert.equal(inc.status, 'in_progress');
    const done = await p.soc.alerts.resolve(u.a2Staff!, assigned.id, '再発なし');
    assert.equal(done.status, 'resolved');
    const detail = await p.soc.alerts.get(u.a2Staff!, assigned.id);
    assert.deepEqual(
      detail.comments.map((c) => c.body),
      ['端末を隔離しました', '再発なし'],
    );
    assert.equal(detail.incidentRequests[0]!.summary, '職員端末からの不審な通信');
    assert.equal(detail.incidentRequests[0]!.status, 'pending');
    // Every change is in the audit trail.
    const audit = (await p.audit.list(p.system, { limit: 200 })).items.map((r) => `${r.action}:${r.result}`);
    for (const a of [
      'soc.alert.acknowledge:success',
      'soc.alert.false_positive:success',
      'soc.alert.assign:success',
      'soc.alert.raise_incident:success',
      'soc.alert.resolve:success',
      'soc.alert.record:success',
      'soc.alert.acknowledge:denied',
    ])
      assert.ok(audit.includes(a), `${a} missing from the audit trail`);
  });

  test('list filters, sort and paging', async () => {
    const sev = await p.soc.alerts.list(p.system, { minSeverity: 'high', limit: 200 });
    assert.ok(
      sev.items.length > 0 && sev.items.every((a) => a.severity === 'high' || a.severity === 'critical'),
    );
    const pages: SocAlert[] = [];
    let cursor: string | null = null;
    do {
      const page = await p.soc.alerts.list(p.system, {
        sort: 'event_count',
        order: 'desc',
        limit: 2,
        cursor,
      });
      pages.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const all = (await p.soc.alerts.list(p.system, { limit: 200 })).items;
    assert.equal(pages.length, all.length);
    assert.equal(new Set(pages.map((a) => a.id)).size, all.length);
    for (let i = 1; i < pages.length; i++) assert.ok(pages[i - 1]!.eventCount >= pages[i]!.eventCount);
    await assert.rejects(p.soc.alerts.list(p.system, { cursor: 'bm90LWEta2V5' }), /cursor/);
  });
});

describe(`one batch, many alerts (${testDialect()})`, () => {
  test('an attack wave from 230 clients in one batch makes 230 alerts, each with its own events and evidence', async () => {
    const t0 = nextHour();
    const clients = Array.from({ length: 230 }, (_, i) => `198.51.100.${i + 1}`);
    // Client i sends (i % 3) + 1 requests: the counts differ from alert to alert.
    const batch = clients.flatMap((c, i) =>
      Array.from({ length: (i % 3) + 1 }, (_, k) =>
        lineEvent('access-combined', accessLine(c, `/w.php?k=${k}&id=%271%27%3D%271`), {
          time: t0 + k * 1000,
          organizationId: A1,
          prefectureId: PREF_A,
        }),
      ),
    );
    const id = '5513deaf-f49a-46c2-a6c8-3f111b5cb453';
    const wave = async () => {
      const out = new Map<string, SocAlert>();
      let cursor: string | null = null;
      do {
        const page: { items: SocAlert[]; nextCursor: string | null } = await p.soc.alerts.list(p.system, {
          ruleId: id,
          limit: 200,
          cursor,
        });
        for (const a of page.items) if (clients.includes(a.entity)) out.set(a.entity, a);
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    };
    await feed(batch);
    let byClient = await wave();
    assert.equal(byClient.size, 230);
    for (const [i, c] of clients.entries()) assert.equal(byClient.get(c)!.eventCount, (i % 3) + 1, c);
    const one = await p.soc.alerts.get(p.system, byClient.get(clients[2]!)!.id);
    assert.deepEqual(
      one.evidence.map((e) => e.eventId).sort(),
      batch
        .filter((e) => e.raw.startsWith(`${clients[2]} `))
        .map((e) => e.id)
        .sort(),
    );
    // The same batch again (a redelivery) and one more request from every third client.
    await feed([
      ...batch,
      ...clients
        .filter((_, i) => i % 3 === 0)
        .map((c) =>
          lineEvent('access-combined', accessLine(c, '/w.php?k=9&id=%271%27%3D%271'), {
            time: t0 + 9000,
            organizationId: A1,
            prefectureId: PREF_A,
          }),
        ),
    ]);
    byClient = await wave();
    for (const [i, c] of clients.entries())
      assert.equal(byClient.get(c)!.eventCount, (i % 3) + 1 + (i % 3 === 0 ? 1 : 0), c);
  });
});

describe(`evidence cap (${testDialect()})`, () => {
  test('beyond detect.evidenceCap the count goes on, and a redelivered batch is still counted once', async () => {
    const q = await createTestPlatform({
      orgs: true,
      config: { soc: { pipeline: false }, detect: { evidenceCap: 3 } },
    });
    try {
      const t0 = Date.parse('2026-11-01T00:00:00Z');
      let received = Date.now();
      const batch = (from: number, n: number) => {
        received += 1;
        return Array.from({ length: n }, (_, i) =>
          lineEvent('access-combined', accessLine('203.0.113.200', `/p.php?n=${from + i}&id=@@version`), {
            time: t0 + (from + i) * 1000,
            organizationId: A1,
            prefectureId: PREF_A,
            receivedAt: received,
          }),
        );
      };
      const first = batch(0, 5);
      await q.soc.detection.onEvents(first);
      const get = async () =>
        (await q.soc.alerts.list(q.system, { ruleId: '5513deaf-f49a-46c2-a6c8-3f111b5cb453' })).items[0]!;
      assert.equal((await get()).eventCount, 5);
      assert.equal((await q.soc.alerts.get(q.system, (await get()).id)).evidence.length, 3);
      await q.soc.detection.onEvents(first);
      assert.equal((await get()).eventCount, 5, 'redelivery beyond the cap is not counted again');
      await q.soc.detection.onEvents(batch(5, 4));
      assert.equal((await get()).eventCount, 9);
    } finally {
      await q.close();
    }
  });
});

describe(`replay at start (${testDialect()})`, () => {
  test('events committed just before a restart (never handed to the stage) are detected once', async () => {
    const q = await createTestPlatform({ config: { soc: { pipeline: false } } });
    try {
      const t0 = Date.now() - 120_000;
      const events = failedLogons(10, t0, { organizationId: A1, prefectureId: PREF_A });
      // As the pipeline commits them (migration 0003's soc_events), then "crashes" before detection.
      await q.db.kysely
        .insertInto('soc_events')
        .values(events.map((e) => storedEventRow(e, { fieldsJson: true })))
        .execute();
      // The restarted process's first tick replays them.
      await q.soc.detection.tick(Date.now());
      const burst = async () =>
        (await q.soc.alerts.list(q.system, { ruleId: 'mamori-failed-logon-burst' })).items;
      assert.equal((await burst()).length, 1);
      assert.equal((await burst())[0]!.eventCount, 10);
      // The queue redelivers the same batch: nothing counts twice.
      await q.soc.detection.onEvents(events);
      assert.equal((await burst())[0]!.eventCount, 10);
      assert.equal(q.soc.detection.stats().latency.count, 0, 'replayed events are not latency samples');
    } finally {
      await q.close();
    }
  });
});
