import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isParseError, parseLine, stripSyslog } from '@mamori/parsers';

const now = Date.parse('2026-11-25T12:00:00Z');

test('RFC 3164 with PRI, host and tag', () => {
  const s = stripSyslog('<38>Nov 25 10:00:01 mx01 postfix/smtpd[2101]: connect from x[1.2.3.4]', 0, now);
  assert.deepEqual(s.envelope, {
    kind: 'rfc3164',
    facility: 4,
    syslogSeverity: 6,
    time: '2026-11-25T10:00:01.000Z',
    host: 'mx01',
    app: 'postfix/smtpd',
    pid: '2101',
  });
  assert.equal(s.payload, 'connect from x[1.2.3.4]');
});

test('RFC 3164 without PRI, single-digit day, zone offset applied', () => {
  const s = stripSyslog('Dec  5 09:00:00 fw kernel: [1.0] DROP IN=eth0', 540, now);
  assert.equal(s.envelope?.time, '2026-12-05T00:00:00.000Z');
  assert.equal(s.envelope?.app, 'kernel');
  assert.equal(s.payload, '[1.0] DROP IN=eth0');
});

test('RFC 3164 year rollover: a December line read in January is last year', () => {
  const s = stripSyslog('Dec 31 23:59:59 h app: x', 0, Date.parse('2027-01-01T00:00:10Z'));
  assert.equal(s.envelope?.time, '2026-12-31T23:59:59.000Z');
});

test('RFC 5424 with structured data (escapes) and BOM', () => {
  const line =
    '<165>1 2026-11-25T22:14:15.003+09:00 fw01.city evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="App\\"lication" eventID="1011"] \uFEFFpayload here';
  const s = stripSyslog(line, 0, now);
  assert.equal(s.envelope?.kind, 'rfc5424');
  assert.equal(s.envelope?.time, '2026-11-25T13:14:15.003Z');
  assert.equal(s.envelope?.host, 'fw01.city');
  assert.equal(s.envelope?.app, 'evntslog');
  assert.equal(s.envelope?.msgId, 'ID47');
  assert.match(s.envelope?.structuredData ?? '', /^\[exampleSDID@32473/);
  assert.equal(s.payload, 'payload here');
});

test('rsyslog ISO timestamps, CEF without a tag, FortiGate after a bare PRI', () => {
  const a = stripSyslog(
    '2026-11-25T10:00:00.123456+09:00 web01 sshd[1]: Accepted password for a from 1.2.3.4 port 2 ssh2',
    0,
    now,
  );
  assert.equal(a.envelope?.time, '2026-11-25T01:00:00.123Z');
  assert.equal(a.envelope?.app, 'sshd');
  const b = stripSyslog('<134>Nov 25 10:40:00 waf-edge CEF:0|a|b|c|d|e|5|src=1.2.3.4', 0, now);
  assert.equal(b.envelope?.host, 'waf-edge');
  assert.ok(b.payload.startsWith('CEF:0|'));
  const c = stripSyslog('<189>date=2026-11-25 time=10:00:00 logid="0000000013" type="traffic"', 0, now);
  assert.equal(c.envelope?.facility, 23);
  assert.ok(c.payload.startsWith('date='));
});

test('no envelope: payload unchanged', () => {
  const s = stripSyslog('1795637891.806 1 127.0.0.1 TCP_MISS/200', 0, now);
  assert.equal(s.envelope, undefined);
  assert.equal(s.payload, '1795637891.806 1 127.0.0.1 TCP_MISS/200');
});

test('envelope host and time reach the event when the payload has none', () => {
  const e = parseLine(
    '<13>1 2026-11-25T12:00:00Z fw01 kernel - - - [5.0] FW-DROP: IN=eth0 OUT= SRC=192.0.2.1 DST=10.0.0.1 PROTO=UDP SPT=1 DPT=53',
    'auto',
  );
  assert.ok(!isParseError(e));
  assert.equal(e.format, 'netfilter');
  assert.equal(e.device?.name, 'fw01');
  assert.equal(e.time, '2026-11-25T12:00:00.000Z');
  assert.equal(e.disposition, 'blocked');
  assert.ok(e.raw.startsWith('<13>1 '));
});

test('Suricata EVE arriving through syslog is still recognized as JSON', () => {
  const e = parseLine(
    '<14>Nov 25 10:00:00 ids1 suricata[77]: {"timestamp":"2026-11-25T10:00:00+0900","event_type":"alert","src_ip":"1.2.3.4","dest_ip":"5.6.7.8","alert":{"signature_id":1,"signature":"x","severity":1,"action":"allowed"}}',
  );
  assert.ok(!isParseError(e));
  assert.equal(e.format, 'suricata-eve');
  assert.equal(e.severity, 'high');
});

test('ISO formatting of event times (cached per second) is exact', async () => {
  const { parseLine: p } = await import('@mamori/parsers');
  for (const ms of [0, 7, 45, 123, 999]) {
    const e = p(
      `{"timestamp":"2026-11-25T10:00:00.${String(ms).padStart(3, '0')}Z","event_type":"flow","src_ip":"1.2.3.4","dest_ip":"5.6.7.8"}`,
    );
    assert.ok(!isParseError(e));
    assert.equal(e.time, new Date(Date.UTC(2026, 10, 25, 10, 0, 0, ms)).toISOString());
  }
  const before = p(
    '{"timestamp":"1999-12-31T23:59:59.999Z","event_type":"flow","src_ip":"1.2.3.4","dest_ip":"5.6.7.8"}',
  );
  assert.ok(!isParseError(before) && before.time === '1999-12-31T23:59:59.999Z');
});

test('auto-detection follows the syslog program: an sshd line ending in ": OK" is not clamd', async () => {
  const { detectFormat } = await import('@mamori/parsers');
  assert.equal(detectFormat('Nov 25 10:00:00 h sshd[1]: check: OK'), 'linux-auth');
  assert.equal(detectFormat('Nov 25 10:00:00 h clamd[1]: /tmp/x: Eicar FOUND'), 'clamd');
  assert.equal(detectFormat('Nov 25 10:00:00 mx postfix/smtpd[1]: connect from a[1.2.3.4]'), 'postfix');
  assert.equal(detectFormat('Nov 25 10:00:00 ns unbound: [1:0] info: 127.0.0.1 a.example. A IN'), 'unbound');
  assert.equal(
    detectFormat('<189>date=2026-11-25 time=10:00:00 logid="0000000013" type="traffic"'),
    'fortigate',
  );
});

test('ISO cache: interleaved clocks, the epoch and far future stay exact', async () => {
  const { parseLine: p } = await import('@mamori/parsers');
  const times = [
    '2026-11-25T10:00:00.001Z',
    '1970-01-01T00:00:00.500Z',
    '2026-11-25T10:00:00.002Z',
    '2099-12-31T23:59:59.999Z',
    '2040-01-01T00:00:00.000Z',
    '1970-01-01T00:00:00.501Z',
  ];
  for (const t of times) {
    const e = p(`{"timestamp":"${t}","event_type":"flow","src_ip":"1.2.3.4","dest_ip":"5.6.7.8"}`);
    assert.ok(!isParseError(e));
    assert.equal(e.time, t);
  }
});
