// Formats not run here (no Debian package or not practical): vendors' published examples, see fixtures/SOURCES.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { events } from './helpers.js';

test('Suricata EVE: alert (blocked/allowed), flow, http, dns, tls, fileinfo', () => {
  const ev = events('suricata-eve/eve.jsonl');
  assert.deepEqual(
    ev.map((e) => [e.class, e.activity, e.disposition, e.severity]),
    [
      ['detection_finding', 'alert', 'blocked', 'high'],
      ['detection_finding', 'alert', 'detected', 'medium'],
      ['network_activity', 'flow', 'allowed', 'informational'],
      ['http_activity', 'http', 'allowed', 'informational'],
      ['dns_activity', 'dns-query', 'allowed', 'informational'],
      ['network_activity', 'tls', 'allowed', 'informational'],
      ['file_activity', 'fileinfo', 'allowed', 'informational'],
    ],
  );
  const a = ev[0]!;
  assert.equal(a.rule?.id, '2024364');
  assert.equal(a.rule?.category, 'Attempted Administrator Privilege Gain');
  assert.deepEqual(a.src, { ip: '203.0.113.45', port: 51544 });
  assert.equal(a.dst?.hostname, 'www.city.example.lg.jp');
  assert.equal(a.time, '2026-11-25T01:15:02.123Z');
  assert.equal(a.device?.name, 'ips-pref-01');
  assert.equal(ev[2]!.fields?.bytes_toclient, 9600);
  assert.equal(ev[4]!.dst?.domain, 'evil.example');
  assert.equal(ev[5]!.fields?.sni, 'www.example.org');
  assert.equal(ev[6]!.fields?.sha256, '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f');
});

test('FortiGate: traffic, IPS, web filter, antivirus, app control', () => {
  const ev = events('fortigate/fortigate.log');
  assert.deepEqual(
    ev.map((e) => [e.class, e.activity, e.disposition, e.severity, e.sourceKind]),
    [
      ['network_activity', 'forward', 'allowed', 'informational', 'firewall'],
      ['network_activity', 'forward', 'blocked', 'low', 'firewall'],
      ['detection_finding', 'ips', 'blocked', 'critical', 'ips'],
      ['http_activity', 'webfilter', 'blocked', 'low', 'proxy'],
      ['detection_finding', 'virus', 'blocked', 'high', 'ips'],
      ['network_activity', 'app-ctrl', 'blocked', 'low', 'firewall'],
    ],
  );
  assert.equal(ev[0]!.time, '2026-11-25T01:15:30.123Z');
  assert.equal(ev[0]!.device?.name, 'FGT-Pref-01');
  assert.equal(ev[0]!.fields?.sentbyte, 2345);
  assert.deepEqual(ev[2]!.rule, {
    id: '51006',
    name: 'Apache.Log4j.Error.Log.Remote.Code.Execution',
    category: 'signature',
  });
  assert.equal(ev[3]!.rule?.name, 'Malicious Websites');
  assert.equal(ev[3]!.src?.user, 'tanaka');
  assert.equal(ev[4]!.rule?.name, 'EICAR_TEST_FILE');
  assert.equal(ev[4]!.fields?.filename, 'eicar.com');
  assert.equal(ev[5]!.rule?.name, 'BitTorrent');
});

test('PAN-OS CSV: TRAFFIC end/drop, THREAT vulnerability, URL block and alert', () => {
  const ev = events('panos/panos.log');
  assert.deepEqual(
    ev.map((e) => [e.class, e.activity, e.disposition, e.severity]),
    [
      ['network_activity', 'end', 'allowed', 'informational'],
      ['network_activity', 'drop', 'blocked', 'low'],
      ['detection_finding', 'vulnerability', 'blocked', 'critical'],
      ['http_activity', 'url', 'blocked', 'low'],
      ['http_activity', 'url', 'allowed', 'informational'],
    ],
  );
  assert.deepEqual(ev[0]!.src, { ip: '10.1.5.10', port: 50123 });
  assert.deepEqual(ev[0]!.dst, { ip: '198.51.100.90', port: 443 });
  assert.equal(ev[0]!.fields?.bytes, 5120);
  assert.equal(ev[0]!.fields?.session_end_reason, 'tcp-fin');
  assert.equal(ev[0]!.device?.name, 'PA-3220-pref');
  assert.deepEqual(ev[2]!.rule, {
    id: '91991',
    name: 'Apache Log4j Remote Code Execution Vulnerability',
    category: 'code-execution',
  });
  assert.equal(ev[3]!.dst?.hostname, 'phishing.example.com');
  assert.equal(ev[3]!.src?.user, 'city\\suzuki');
  assert.equal(ev[3]!.rule?.name, 'phishing');
});

test('CEF: header escapes, extension escapes, labels, act → disposition', () => {
  const ev = events('cef/cef.log');
  assert.equal(ev[0]!.rule?.name, 'worm successfully stopped');
  assert.equal(ev[0]!.severity, 'critical');
  assert.deepEqual(ev[0]!.src, { ip: '10.0.0.1', port: 1232 });
  assert.equal(ev[1]!.rule?.name, 'detected a | in message');
  assert.equal(ev[1]!.fields?.action, 'blocked a =');
  assert.equal(ev[1]!.dst?.ip, '1.1.1.1');
  assert.equal(ev[1]!.disposition, 'detected'); // "blocked a =" is not a known action word
  const imperva = ev[2]!;
  assert.equal(imperva.disposition, 'blocked');
  assert.equal(imperva.device?.vendor, 'Incapsula');
  assert.equal(imperva.device?.name, 'waf-edge');
  assert.equal(imperva.src?.ip, '192.0.2.44');
  assert.equal(imperva.fields?.['Javascript Support'], 'true');
  assert.equal(imperva.fields?.url, 'www.city.example.lg.jp/admin/config.php');
  const trend = ev[3]!;
  assert.equal(trend.disposition, 'quarantined');
  assert.equal(trend.severity, 'medium');
  assert.equal(trend.device?.name, 'pc-0042.city.local');
  assert.equal(trend.time, '2026-11-25T01:45:00.000Z');
});

test('LEEF 1.0 (tab) and 2.0 (^ and hex x7C delimiters)', () => {
  const ev = events('leef/leef.log');
  for (const e of ev.slice(0, 2)) {
    assert.deepEqual(e.src, { ip: '192.0.2.0', port: 81, user: 'joe.black' });
    assert.deepEqual(e.dst, { ip: '172.50.123.1', port: 21 });
    assert.equal(e.rule?.category, 'anomaly');
    assert.equal(e.severity, 'medium');
  }
  assert.equal(ev[0]!.device?.product, 'MSExchange');
  assert.equal(ev[1]!.fields?.leefVersion, '2.0');
  const t = ev[2]!;
  assert.equal(t.disposition, 'blocked');
  assert.equal(t.severity, 'high');
  assert.equal(t.device?.name, 'dsm01');
  assert.equal(t.time, '2026-11-25T01:50:00.000Z');
});

test('Winlogbeat ECS JSON: 4625 failed logon, 4624, 4688, 4740', () => {
  const ev = events('winlogbeat/winlogbeat.jsonl');
  const [fail, ok, proc, lock] = ev as [(typeof ev)[0], (typeof ev)[0], (typeof ev)[0], (typeof ev)[0]];
  assert.equal(fail.class, 'authentication');
  assert.equal(fail.disposition, 'blocked');
  assert.equal(fail.severity, 'low');
  assert.deepEqual(fail.src, { ip: '192.0.2.200', port: 51515, hostname: 'ATTACKER-PC' });
  assert.equal(fail.dst?.user, 'CITY\\administrator');
  assert.equal(fail.fields?.logonTypeName, 'network');
  assert.equal(fail.fields?.status, '0xc000006d');
  assert.equal(ok.disposition, 'allowed');
  assert.equal(ok.fields?.logonTypeName, 'remote-interactive');
  assert.equal(proc.class, 'process_activity');
  assert.equal(proc.fields?.commandLine, 'cmd.exe /c whoami /all');
  assert.equal(lock.activity, 'lockout');
  assert.equal(lock.severity, 'medium');
  assert.equal(fail.time, '2026-11-25T01:00:00.123Z');
});

test('Postfix: reject, milter-reject (spam, malware), queue and delivery', () => {
  const ev = events('postfix/maillog');
  assert.deepEqual(
    ev.map((e) => [e.activity, e.disposition]),
    [
      ['connect', 'allowed'],
      ['reject', 'blocked'],
      ['disconnect', 'allowed'],
      ['accept', 'allowed'],
      ['message-id', 'allowed'],
      ['spam', 'blocked'],
      ['malware', 'blocked'],
      ['queued', 'allowed'],
      ['delivery', 'allowed'],
      ['delivery', 'unknown'],
      ['removed', 'allowed'],
    ],
  );
  const rej = ev[1]!;
  assert.equal(rej.src?.ip, '192.0.2.31');
  assert.equal(rej.src?.email, 'spam@bad.example');
  assert.equal(rej.dst?.email, 'user@other.example');
  assert.equal(rej.fields?.replyCode, 554);
  assert.equal(rej.fields?.stage, 'RCPT');
  assert.equal(ev[6]!.severity, 'high');
  assert.equal(ev[6]!.dst?.domain, 'city.example.lg.jp');
  assert.equal(ev[6]!.fields?.queueId, '4Nx8Qk2d3Wz9sWs');
  assert.equal(ev[8]!.dst?.ip, '10.5.0.25');
  assert.equal(ev[8]!.fields?.dsn, '2.0.0');
  assert.equal(ev[0]!.device?.name, 'mx01');
  assert.ok(ev.every((e) => e.class === 'email_activity' && e.sourceKind === 'mail'));
});

test('rspamd: task log line and /checkv2 JSON verdicts', () => {
  const log = events('rspamd/rspamd.log');
  assert.deepEqual(
    log.map((e) => [e.activity, e.disposition, e.severity, e.fields?.score]),
    [
      ['spam', 'blocked', 'medium', 15],
      ['scan', 'allowed', 'informational', 0.4],
      ['malware', 'blocked', 'high', 20],
    ],
  );
  assert.equal(log[0]!.rule?.id, 'GTUBE');
  assert.equal(log[0]!.src?.ip, '198.51.100.41');
  assert.equal(log[0]!.dst?.domain, 'city.example.lg.jp');
  assert.equal(log[0]!.fields?.symbols, 'GTUBE,MIME_GOOD,ARC_NA');
  assert.equal(log[2]!.device?.name, 'mx01');
  assert.equal(log[2]!.rule?.id, 'CLAM_VIRUS');
  assert.equal(log[2]!.fields?.virus, 'Mamori.Test.Eicar.UNOFFICIAL');
  const j = events('rspamd/checkv2.jsonl');
  assert.deepEqual(
    j.map((e) => [e.format, e.disposition, e.rule?.id ?? null]),
    [
      ['rspamd-checkv2', 'blocked', 'GTUBE'],
      ['rspamd-checkv2', 'detected', 'BAYES_SPAM'],
      ['rspamd-checkv2', 'allowed', null],
    ],
  );
});

test('Linux auth: sshd, sudo, su (RFC 3164 and 5424)', () => {
  const ev = events('linux-auth/auth.log');
  assert.deepEqual(
    ev.map((e) => [e.activity, e.disposition]),
    [
      ['logon', 'blocked'],
      ['logon', 'blocked'],
      ['logon', 'blocked'],
      ['logon', 'allowed'],
      ['logon', 'blocked'],
      ['logon', 'blocked'],
      ['disconnect', 'unknown'],
      ['sudo', 'allowed'],
      ['sudo', 'blocked'],
      ['sudo', 'blocked'],
      ['su', 'blocked'],
      ['su', 'allowed'],
      ['logon', 'allowed'],
    ],
  );
  assert.deepEqual(ev[0]!.src, { ip: '192.0.2.50', port: 40001 });
  assert.equal(ev[0]!.dst?.user, 'admin');
  assert.equal(ev[0]!.fields?.invalidUser, true);
  assert.equal(ev[5]!.src?.ip, '192.0.2.52');
  assert.equal(ev[7]!.fields?.command, '/usr/bin/systemctl restart nginx');
  assert.equal(ev[8]!.severity, 'medium');
  assert.equal(ev[12]!.time, '2026-11-25T03:00:13.000Z');
  assert.equal(ev[12]!.dst?.hostname, 'web02');
});

test('ModSecurity v2 (Apache) JSON: ids and severities parsed from message strings', () => {
  const ev = events('modsecurity-v2/apache.jsonl');
  const [blocked, detectionOnly] = ev as [(typeof ev)[0], (typeof ev)[0]];
  assert.equal(blocked.format, 'modsecurity-v2');
  assert.equal(blocked.class, 'detection_finding');
  assert.equal(blocked.disposition, 'blocked');
  assert.equal(blocked.fields?.attackType, 'sqli');
  assert.equal(blocked.fields?.anomalyScore, 15);
  assert.equal(blocked.rule?.id, '942100');
  assert.equal(blocked.time, '2026-11-25T03:30:00.123Z');
  assert.deepEqual(blocked.src, { ip: '192.0.2.61', port: 50555 });
  assert.equal(detectionOnly.disposition, 'detected');
  assert.equal(detectionOnly.fields?.attack, true);
  assert.equal(detectionOnly.fields?.attackType, 'xss');
});
