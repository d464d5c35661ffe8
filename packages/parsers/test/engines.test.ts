// Lines produced by the real engines (test/fixtures/generate.sh): each parser's normalized fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { events, fixture } from './helpers.js';

test('ModSecurity v3 (nginx + CRS): one event per transaction, attack type from CRS ids/tags', () => {
  const ev = events('modsecurity-v3/nginx-crs.jsonl');
  assert.equal(ev.length, 6);
  assert.ok(ev.every((e) => e.format === 'modsecurity-v3' && e.sourceKind === 'waf'));
  const attacks = ev.filter((e) => e.fields?.attack === true);
  // Five blocked attacks (SQLi, XSS, traversal, RCE, scanner); the numeric-Host record is not an attack.
  assert.deepEqual(
    attacks.map((e) => e.fields?.attackType),
    ['sqli', 'xss', 'path_traversal', 'rce', 'scanner'],
  );
  for (const e of attacks) {
    assert.equal(e.class, 'detection_finding');
    assert.equal(e.disposition, 'blocked');
    assert.equal(e.severity, 'high');
    assert.equal(e.src?.ip, '127.0.0.1');
    assert.equal(e.dst?.port, 18080);
    assert.equal(e.dst?.hostname, 'www.city.example.lg.jp');
    assert.equal(e.fields?.status, 403);
    assert.ok(String(e.fields?.ruleIds).includes('949110'));
  }
  const sqli = attacks[0]!;
  assert.equal(sqli.rule?.id, '942100');
  assert.equal(sqli.rule?.category, 'sqli');
  assert.equal(sqli.fields?.anomalyScore, 5);
  // "Wed Nov 25 20:17:36 2026" (no zone, read as UTC by default).
  const ts = (JSON.parse(sqli.raw) as { transaction: { time_stamp: string } }).transaction.time_stamp;
  assert.equal(
    sqli.time,
    new Date(`${ts.slice(4, 10)} ${ts.slice(20)} ${ts.slice(11, 19)} UTC`).toISOString(),
  );
  // Six matched rules for the traversal request (930xxx ×4, 932160, 949110) still count as one attack.
  assert.equal(attacks[2]!.fields?.matchedRules, 6);
  assert.equal(attacks[3]!.rule?.id, '932100');
  const benign = ev[5]!;
  assert.equal(benign.class, 'http_activity');
  assert.equal(benign.fields?.attack, false);
  assert.equal(benign.disposition, 'detected');
  assert.equal(benign.rule?.id, '920350');
  assert.equal(benign.severity, 'low');
});

test('ModSecurity time_stamp has no zone: tzOffsetMinutes applies', async () => {
  const { parseLine, isParseError } = await import('@mamori/parsers');
  const line = fixture('modsecurity-v3/nginx-crs.jsonl').split('\n')[0]!;
  const utc = parseLine(line, 'modsecurity-v3');
  const jst = parseLine(line, 'modsecurity-v3', { tzOffsetMinutes: 540 });
  assert.ok(!isParseError(utc) && !isParseError(jst));
  assert.equal(Date.parse(utc.time) - Date.parse(jst.time), 9 * 3600 * 1000);
});

test('nginx combined access log', () => {
  const ev = events('access-combined/nginx.log');
  assert.equal(ev.length, 9);
  assert.ok(ev.every((e) => e.format === 'access-combined' && e.class === 'http_activity'));
  assert.equal(ev[0]!.fields?.status, 400);
  assert.equal(ev[2]!.fields?.status, 403);
  assert.equal(ev[2]!.disposition, 'blocked');
  assert.equal(ev[1]!.disposition, 'allowed');
  assert.equal(ev[1]!.fields?.method, 'GET');
  assert.equal(ev[1]!.fields?.url, '/index.html?id=1');
  assert.equal(ev[8]!.fields?.userAgent, '${jndi:ldap://127.0.0.1/a}');
  assert.equal(ev[1]!.src?.ip, '127.0.0.1');
});

test('squid native access.log: allowed, ACL-denied and CONNECT', () => {
  const ev = events('squid/access.log');
  assert.equal(ev.length, 7);
  const [probe, ok, notFound, denied, deniedConnect] = ev as [
    (typeof ev)[0],
    (typeof ev)[0],
    (typeof ev)[0],
    (typeof ev)[0],
    (typeof ev)[0],
  ];
  assert.equal(probe.disposition, 'unknown');
  assert.equal(probe.dst?.hostname, undefined);
  assert.equal(ok.disposition, 'allowed');
  assert.equal(ok.fields?.status, 200);
  assert.equal(ok.dst?.ip, '127.0.0.1');
  assert.equal(notFound.fields?.status, 404);
  assert.equal(denied.disposition, 'blocked');
  assert.equal(denied.severity, 'low');
  assert.equal(denied.dst?.hostname, 'www.blocked.example');
  assert.equal(denied.fields?.url, 'http://www.blocked.example/malware.exe');
  assert.equal(denied.fields?.cacheCode, 'TCP_DENIED');
  assert.equal(deniedConnect.fields?.method, 'CONNECT');
  assert.equal(deniedConnect.dst?.hostname, 'www.blocked.example');
  assert.equal(deniedConnect.dst?.port, 443);
  assert.equal(ok.time, new Date(Math.round(Number(ok.raw.split(' ')[0]) * 1000)).toISOString());
  assert.ok(ev.every((e) => e.class === 'http_activity' && e.sourceKind === 'proxy'));
});

test('unbound RPZ: blocked queries with zone and action; replies and service lines', () => {
  const ev = events('unbound/unbound.log');
  const rpz = ev.filter((e) => e.activity === 'rpz');
  assert.deepEqual(
    rpz.map((e) => [e.dst?.domain, e.rule?.id, e.disposition]),
    [
      ['evil.example', 'rpz-nxdomain', 'blocked'],
      ['a.evil.example', 'rpz-nxdomain', 'blocked'],
      ['nodata.example', 'rpz-nodata', 'blocked'],
      ['phish.example', 'rpz-local-data', 'blocked'],
    ],
  );
  assert.ok(
    rpz.every(
      (e) => e.class === 'dns_activity' && e.rule?.name === 'mamori-rpz' && e.src?.ip === '127.0.0.1',
    ),
  );
  assert.equal(rpz[0]!.src?.port, Number(/127\.0\.0\.1@(\d+)/.exec(rpz[0]!.raw)![1]));
  assert.equal(rpz[0]!.time, new Date(Number(/^\[(\d+)\]/.exec(rpz[0]!.raw)![1]) * 1000).toISOString());
  const replies = ev.filter((e) => e.activity === 'reply');
  assert.equal(replies.length, 6);
  assert.equal(replies[1]!.fields?.rcode, 'NXDOMAIN');
  assert.equal(ev.filter((e) => e.activity === 'service').length, 6);
});

test('nftables kernel log (dmesg) and ulogd2 JSON: disposition from the log prefix', () => {
  const k = events('netfilter/dmesg.log');
  assert.equal(k.length, 3);
  assert.deepEqual(
    k.map((e) => [e.disposition, e.fields?.protocol, e.dst?.port]),
    [
      ['blocked', 'TCP', 18023],
      ['allowed', 'UDP', 18053],
      ['blocked', 'TCP', 18025],
    ],
  );
  assert.equal(k[0]!.src?.ip, '127.0.0.1');
  assert.equal(k[0]!.fields?.tcpFlags, 'SYN');
  // LEN appears twice for UDP (IP length, then UDP length): the first one is the packet's.
  assert.equal(k[1]!.fields?.bytes, 30);
  assert.equal(k[0]!.fields?.inInterface, 'lo');
  assert.equal(k[0]!.class, 'network_activity');
  assert.equal(k[0]!.severity, 'low');
  const u = events('ulogd2-json/ulogd.json');
  assert.deepEqual(
    u.map((e) => [e.disposition, e.fields?.protocol, e.dst?.port]),
    [
      ['blocked', 'TCP', 18023],
      ['allowed', 'UDP', 18053],
      ['blocked', 'TCP', 18025],
    ],
  );
  assert.equal(u[0]!.format, 'ulogd2-json');
  assert.equal(u[0]!.disposition, 'blocked');
  assert.equal(u[0]!.dst?.port, 18023);
  assert.equal(u[0]!.fields?.protocol, 'TCP');
  assert.equal(u[0]!.device?.name, 'fw-city-01');
  assert.match(u[0]!.time, /^2026-11-25T\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(
    u[0]!.time,
    new Date(
      Date.parse(JSON.parse(fixture('ulogd2-json/ulogd.json').split('\n')[0]!).timestamp + 'Z'),
    ).toISOString(),
  );
});

test('YARA output: tags and meta; -s string lines fold into their match', () => {
  const ev = events('yara/yara.out');
  assert.equal(ev.length, 4);
  const withMeta = ev.find((e) => e.fields?.tags === 'dropper,windows')!;
  assert.equal(withMeta.rule?.id, 'Mamori_Test_Dropper');
  assert.equal(withMeta.severity, 'high');
  assert.equal(withMeta.fields?.['meta.description'], 'Test dropper marker "quoted"');
  assert.equal(withMeta.fields?.path, 'samples/dropper.exe');
  assert.ok(ev.some((e) => e.fields?.path === 'samples/sub dir/eicar test.com'));
  const s = events('yara/yara-strings.out');
  assert.equal(s.length, 2);
  // yara's directory walk order is not fixed: look the matches up by rule.
  const dropper = s.find((e) => e.rule?.id === 'Mamori_Test_Dropper')!;
  const eicar = s.find((e) => e.rule?.id === 'Mamori_Eicar_Like')!;
  assert.equal(dropper.fields?.stringMatches, 2);
  assert.equal(dropper.fields?.strings, '$mz,$a');
  assert.equal(eicar.fields?.stringMatches, 1);
  assert.ok(dropper.raw.includes('\n0x6:$a: mamori-dropper-marker'));
  assert.ok(
    s.every(
      (e) => e.class === 'detection_finding' && e.disposition === 'detected' && e.sourceKind === 'sandbox',
    ),
  );
});

test('clamd log and clamscan output: FOUND is malware, OK is a clean scan', () => {
  const ev = events('clamd/clamd.log');
  assert.equal(ev.length, 4);
  assert.deepEqual(
    ev.map((e) => [e.class, e.rule?.id ?? null, e.disposition]),
    [
      ['detection_finding', 'Mamori.Test.Eicar.UNOFFICIAL', 'detected'],
      ['detection_finding', 'Mamori.Test.Dropper.UNOFFICIAL', 'detected'],
      ['file_activity', null, 'allowed'],
      ['detection_finding', 'Mamori.Test.Eicar.UNOFFICIAL', 'detected'],
    ],
  );
  assert.equal(ev[0]!.severity, 'high');
  assert.equal(ev[0]!.fields?.path, '/srv/clam/scan/eicar.com');
  assert.equal(ev[3]!.src?.ip, '127.0.0.1');
  assert.equal(ev[3]!.src?.port, Number(/@(\d+)\)/.exec(ev[3]!.raw)![1]));
  assert.equal(ev[0]!.time, new Date(ev[0]!.raw.slice(0, 24) + ' UTC').toISOString());
  const cs = events('clamd/clamscan.out', 'clamd');
  assert.equal(cs.filter((e) => e.activity === 'malware').length, 2);
});

test('rspamd 3.4 with clamd: real task log lines and /checkv2 replies (GTUBE, offline ham, EICAR)', () => {
  const log = events('rspamd/real-rspamd.log');
  assert.equal(log.length, 3);
  assert.ok(
    log.every((e) => e.format === 'rspamd' && e.class === 'email_activity' && e.sourceKind === 'mail'),
  );
  const [gtube, ham, virus] = log as [(typeof log)[0], (typeof log)[0], (typeof log)[0]];
  assert.equal(gtube.activity, 'spam');
  assert.equal(gtube.disposition, 'blocked');
  assert.equal(gtube.rule?.id, 'GTUBE');
  assert.equal(gtube.fields?.score, 15);
  assert.equal(gtube.fields?.queueId, 'Qgtube');
  assert.equal(gtube.src?.ip, '198.51.100.41');
  assert.equal(gtube.src?.email, 'news@example.org');
  assert.equal(gtube.dst?.domain, 'city.example.lg.jp');
  // Without DNS the ham scored 5 (unresolvable host): greylisted, a temporary refusal.
  assert.equal(ham.fields?.action, 'greylist');
  assert.equal(ham.activity, 'deferred');
  assert.equal(ham.disposition, 'blocked');
  assert.equal(ham.severity, 'low');
  assert.equal(virus.activity, 'malware');
  assert.equal(virus.severity, 'high');
  assert.equal(virus.disposition, 'blocked');
  assert.equal(virus.rule?.id, 'CLAM_VIRUS');
  assert.equal(virus.fields?.virus, 'Mamori.Test.Eicar.UNOFFICIAL');
  assert.equal(gtube.time, new Date(gtube.raw.slice(0, 19).replace(' ', 'T') + 'Z').toISOString());
  const j = events('rspamd/real-checkv2.jsonl');
  assert.deepEqual(
    j.map((e) => [e.activity, e.disposition, e.rule?.id]),
    [
      ['spam', 'blocked', 'GTUBE'],
      ['deferred', 'blocked', 'HFILTER_HOSTNAME_UNKNOWN'],
      ['malware', 'blocked', 'CLAM_VIRUS'],
    ],
  );
  assert.equal(j[2]!.rule?.name, 'Mamori.Test.Eicar.UNOFFICIAL');
  assert.equal(j[0]!.fields?.messageId, 'gtube-1@example.org');
});

test('ModSecurity v2 (apache2 + mod_security2 + CRS): one event per transaction, ids from message strings', () => {
  const ev = events('modsecurity-v2/apache-crs.jsonl');
  assert.equal(ev.length, 5);
  assert.ok(ev.every((e) => e.format === 'modsecurity-v2' && e.sourceKind === 'waf'));
  assert.deepEqual(
    ev.map((e) => [e.fields?.attack, e.fields?.attackType, e.disposition, e.rule?.id]),
    [
      [true, 'sqli', 'blocked', '942100'],
      [true, 'xss', 'blocked', '941100'],
      [true, 'path_traversal', 'blocked', '930100'],
      [true, 'scanner', 'blocked', '913100'],
      [false, 'protocol', 'detected', '920350'],
    ],
  );
  assert.equal(ev[0]!.fields?.anomalyScore, 15);
  assert.equal(ev[0]!.severity, 'high');
  assert.equal(ev[0]!.class, 'detection_finding');
  assert.equal(ev[0]!.dst?.hostname, 'www.city.example.lg.jp');
  assert.equal(ev[0]!.dst?.port, 18090);
  assert.equal(ev[0]!.fields?.method, 'GET');
  const t = (JSON.parse(ev[0]!.raw) as { transaction: { time: string } }).transaction.time; // 25/Nov/2026:21:10:44.297373 +0000
  assert.equal(
    ev[0]!.time,
    new Date(`${t.slice(3, 6)} ${t.slice(0, 2)} ${t.slice(7, 11)} ${t.slice(12, 24)} UTC`).toISOString(),
  );
  // Ten matched rules (930xxx, 932160, 949110, 980130) are still one attack.
  assert.equal(ev[2]!.fields?.matchedRules, 10);
  assert.equal(ev[4]!.class, 'http_activity');
  assert.equal(ev[4]!.fields?.status, 200);
});

test('Apache combined access log', () => {
  const ev = events('access-combined/apache.log');
  assert.equal(ev.length, 6);
  assert.deepEqual(
    ev.map((e) => [e.fields?.status, e.disposition]),
    [
      [400, 'allowed'],
      [403, 'blocked'],
      [403, 'blocked'],
      [403, 'blocked'],
      [403, 'blocked'],
      [200, 'allowed'],
    ],
  );
  assert.equal(ev[4]!.fields?.userAgent, 'sqlmap/1.7');
});
