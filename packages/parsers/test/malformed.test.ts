// Bad input: every parser returns a ParseError with a reason — no throw, no hang — for truncated, garbled,
// hostile and oversized lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIds, isParseError, parseLine } from '@mamori/parsers';
import { fixture } from './helpers.js';

/** Per format: lines that must be refused, with a word the reason must contain. */
const refused: Record<string, [string, RegExp][]> = {
  'modsecurity-v3': [
    ['{"transaction":{"client_ip":"1.2.3.4"', /invalid JSON/],
    ['{"transaction":{"client_ip":"1.2.3.4","messages":[]}}', /time_stamp/],
    ['{"transaction":{"client_ip":"1.2.3.4","time_stamp":"yesterday","messages":[]}}', /bad time_stamp/],
    ['["not","an","object"]', /not a JSON object|JSON is not an object/],
  ],
  'modsecurity-v2': [
    ['{"transaction":{"remote_address":"1.2.3.4","transaction_id":"x"}}', /transaction.time/],
    [
      '{"transaction":{"remote_address":"1.2.3.4","transaction_id":"x","time":"32/Foo/2026"}}',
      /bad transaction.time/,
    ],
  ],
  'suricata-eve': [
    ['{"event_type":"alert","timestamp":"2026-11-25T10:00:00Z"}', /without "alert"/],
    ['{"event_type":"flow","timestamp":"not a time"}', /bad timestamp/],
    ['{"timestamp":"2026-11-25T10:00:00Z"}', /missing event_type/],
  ],
  squid: [
    ['1795637891.806 1 127.0.0.1 TCP_MISS/200', /expected 10 fields/],
    ['17956.806 1 127.0.0.1 TCP_MISS/200 324 GET http://x/ - HIER_DIRECT/1.2.3.4 text/html', /bad timestamp/],
    [
      '1795637891.806 1 127.0.0.1 TCP_MISS 324 GET http://x/ - HIER_DIRECT/1.2.3.4 text/html',
      /bad result code/,
    ],
  ],
  postfix: [['', /empty/]],
  rspamd: [
    ['rspamd_task_write_log: id: <x>, ip: 1.2.3.4', /no "\(default: …\)"/],
    [
      'rspamd_task_write_log: id: <x>, (default: S (reject) no score',
      /missing \[score\/required\]|bad verdict/,
    ],
  ],
  'rspamd-checkv2': [['{"action":"reject","required_score":15,"symbols":{}}', /missing action or score/]],
  clamd: [['/x: FOUND', /separator|signature/]],
  netfilter: [
    ['IN=eth0 OUT= PROTO=TCP', /missing SRC= or DST=/],
    ['no fields at all', /no IN= field/],
  ],
  'ulogd2-json': [
    ['{"oob.prefix":"DROP","src_ip":"1.2.3.4"}', /missing src_ip or dest_ip/],
    ['{"oob.prefix":"DROP","src_ip":"1.2.3.4","dest_ip":"5.6.7.8"}', /no usable time/],
  ],
  unbound: [
    ['[1795637923] unbound[1:0] info: rpz: applied [zone evil.example. rpz-nxdomain', /unterminated/],
    ['[1795637923] unbound[1:0] info: rpz: applied [z] evil.example. rpz-nxdomain', /rpz line with/],
    ['hello', /not an unbound log line/],
  ],
  yara: [
    ['0x0:$mz: MZ', /without a preceding rule/],
    ['9bad /path', /invalid rule identifier/],
    ['Rule [unterminated /p', /unterminated/],
  ],
  fortigate: [
    ['date=2026-11-25 time=10:00:00 type="traffic"', /missing logid/],
    ['logid="0000000013" type="traffic" date=garbage time=xx', /no usable eventtime/],
  ],
  panos: [
    ['1,2026/11/25 10:30:00,0128,TRAFFIC,end', /too few fields/],
    ['1,2026/11/25 10:30:00,0128,SYSTEM,general', /unsupported log type/],
    ['1,notatime,0128,TRAFFIC,end' + ','.repeat(40), /bad time/],
  ],
  cef: [
    ['CEF:0|Vendor|Product', /fewer than 7/],
    ['CEF:9|a|b|c|d|e|f|src=1.2.3.4', /unsupported CEF version/],
    ['not cef', /does not start/],
  ],
  leef: [
    ['LEEF:3.0|a|b|c|d|', /expected "LEEF:1.0\|"/],
    ['LEEF:1.0|a|b', /header too short/],
    ['LEEF:1.0|a|b|c|d|no pairs here', /no key=value/],
  ],
  winlogbeat: [
    ['{"winlog":{"channel":"Security"},"@timestamp":"2026-11-25T01:00:00Z"}', /missing winlog.event_id/],
    ['{"winlog":{"event_id":4625}}', /@timestamp/],
  ],
  'linux-auth': [['', /empty/]],
  'access-combined': [
    ['127.0.0.1 - - 25/Nov/2026:20:17:36 +0000 "GET / HTTP/1.1" 200 3', /expected "\[time\]"/],
    ['127.0.0.1 - - [25/Nov/2026:20:17:36 +0000] GET / HTTP/1.1 200 3', /quoted request/],
    ['127.0.0.1 - - [25/Nov/2026:20:17:36 +0000] "GET / HTTP/1.1" abc 3', /bad status/],
    ['127.0.0.1 - - [99/Xyz/2026:20:17:36 +0000] "GET / HTTP/1.1" 200 3', /bad time/],
  ],
};

test('every registered format has malformed-input cases', () => {
  for (const id of formatIds()) assert.ok(refused[id]?.length, `no malformed cases for ${id}`);
});

for (const [format, cases] of Object.entries(refused)) {
  test(`${format}: malformed lines give a ParseError with the reason`, () => {
    for (const [line, reason] of cases) {
      const r = parseLine(line, format);
      assert.ok(isParseError(r), `${format} accepted ${JSON.stringify(line)}`);
      assert.match(r.reason, reason, `${format}: ${JSON.stringify(line)} → ${r.reason}`);
    }
  });
}

test('unknown format id and unrecognized lines are errors, not throws', () => {
  const a = parseLine('x', 'no-such-format');
  assert.ok(isParseError(a) && /unknown format/.test(a.reason));
  const b = parseLine('just some words nobody logs');
  assert.ok(isParseError(b) && b.reason === 'unrecognized format');
  const c = parseLine('   ');
  assert.ok(isParseError(c) && c.reason === 'empty line');
});

test('overlong lines are refused before any parsing', () => {
  const r = parseLine('CEF:0|a|b|c|d|e|5|msg=' + 'x'.repeat(300_000));
  assert.ok(isParseError(r) && /line too long/.test(r.reason));
  const s = parseLine('CEF:0|a|b|c|d|e|5|msg=' + 'x'.repeat(2000), 'cef', { maxLineLength: 1000 });
  assert.ok(isParseError(s) && /line too long/.test(s.reason));
});

/** Deterministic pseudo-random mutations of real lines: truncation, byte flips, duplication. */
function* mutations(line: string, seed: number): Generator<string> {
  let x = seed;
  const rnd = (n: number): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % Math.max(1, n);
  };
  const junk = ['"', '\\', '|', '=', '{', '}', '[', ']', ' ', '\t', ',', ':', '\u0000', '\u00e9', '<', '>'];
  for (let k = 0; k < 20; k++) {
    const cut = rnd(line.length);
    yield line.slice(0, cut);
    const pos = rnd(line.length);
    yield line.slice(0, pos) + junk[rnd(junk.length)] + line.slice(pos + 1);
    yield line.slice(0, pos) + line.slice(pos).replace(/ /g, junk[rnd(junk.length)]!);
  }
}

test('fuzzed real lines never throw and always give an event or a ParseError', () => {
  const files = [
    'modsecurity-v3/nginx-crs.jsonl',
    'modsecurity-v2/apache.jsonl',
    'suricata-eve/eve.jsonl',
    'squid/access.log',
    'postfix/maillog',
    'rspamd/rspamd.log',
    'rspamd/checkv2.jsonl',
    'clamd/clamd.log',
    'netfilter/dmesg.log',
    'ulogd2-json/ulogd.json',
    'unbound/unbound.log',
    'yara/yara.out',
    'fortigate/fortigate.log',
    'panos/panos.log',
    'cef/cef.log',
    'leef/leef.log',
    'winlogbeat/winlogbeat.jsonl',
    'linux-auth/auth.log',
    'access-combined/nginx.log',
  ];
  let n = 0;
  for (const f of files) {
    const lines = fixture(f).split('\n').filter(Boolean).slice(0, 4);
    for (const [i, line] of lines.entries()) {
      for (const m of mutations(line, i + 7)) {
        for (const fmt of ['auto', ...formatIds()]) {
          const r = parseLine(m, fmt);
          assert.ok(isParseError(r) || (typeof r.time === 'string' && r.raw.length > 0));
          if (!isParseError(r)) assert.ok(!Number.isNaN(Date.parse(r.time)), `${fmt}: bad time from ${m}`);
          n++;
        }
      }
    }
  }
  assert.ok(n > 25_000);
});

test('adversarial inputs stay linear: 200 KB lines parse in well under a second each', () => {
  const big = 200_000;
  const hostile = [
    'CEF:0|a|b|c|d|e|5|' + 'k= '.repeat(big / 3),
    'CEF:0|a|b|c|d|e|5|msg=' + ' '.repeat(big) + 'x',
    'CEF:0|' + '\\|'.repeat(big / 2),
    'LEEF:2.0|a|b|c|d|^|' + 'a=b^'.repeat(big / 4),
    'date=2026-11-25 logid="0000000013" type="traffic" ' + 'k="\\"'.repeat(big / 5),
    '1,2026/11/25 10:30:00,0128,TRAFFIC,end,' + '"",'.repeat(big / 3),
    'IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 ' + 'X '.repeat(big / 2),
    '127.0.0.1 - - [25/Nov/2026:20:17:36 +0000] "' + '\\"'.repeat(big / 2),
    'Rule [' + '"\\"'.repeat(big / 3),
    '<13>Nov 25 10:00:00 host postfix/smtpd[1]: ' + 'from=<'.repeat(big / 6),
    '<13>1 2026-11-25T10:00:00Z h a p m ' + '[x a="\\"'.repeat(big / 9),
    '{"transaction":{"client_ip":"1","time_stamp":"Wed Nov 25 20:17:30 2026","messages":[' +
      Array.from({ length: 2000 }, () => '{"details":{"ruleId":"942100","tags":["attack-sqli"]}}').join(',') +
      ']}}',
    '{"transaction":{"remote_address":"1","transaction_id":"x","time":"25/Nov/2026:12:30:00 +0900"},"audit_data":{"messages":["' +
      '[id \\"'.repeat(big / 7) +
      '"]}}',
    'rspamd_task_write_log: (default: S (reject): [1/2] [' + '{('.repeat(big / 2),
  ];
  for (const line of hostile) {
    const t0 = process.hrtime.bigint();
    for (const fmt of ['auto', ...formatIds()]) parseLine(line, fmt, { maxLineLength: 1_000_000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 2000, `${line.slice(0, 40)}… took ${ms.toFixed(0)} ms for all parsers`);
  }
});
