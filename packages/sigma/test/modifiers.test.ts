// Every value modifier of the Sigma specification (sigma-appendix-modifiers.md), with its examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, matches } from './helpers.js';

test('plain values: case-insensitive equality, numbers, booleans, empty string', () => {
  assert.ok(
    matches('sel:\n  Image: C:\\Windows\\System32\\cmd.exe\ncondition: sel', {
      Image: 'c:\\windows\\system32\\CMD.EXE',
    }),
  );
  assert.ok(!matches('sel:\n  Image: cmd.exe\ncondition: sel', { Image: 'C:\\cmd.exe' }));
  assert.ok(matches('sel:\n  EventID: 4688\ncondition: sel', { EventID: 4688 }));
  assert.ok(matches('sel:\n  EventID: 4688\ncondition: sel', { EventID: '4688' }));
  assert.ok(!matches('sel:\n  EventID: 4688\ncondition: sel', { EventID: 46880 }));
  assert.ok(matches('sel:\n  Enabled: true\ncondition: sel', { Enabled: 'True' }));
  assert.ok(matches("sel:\n  Field: ''\ncondition: sel", { Field: '' }));
  assert.ok(!matches("sel:\n  Field: ''\ncondition: sel", { Field: 'x' }));
});

test('lists are OR, maps are AND, lists of maps are OR', () => {
  const d = 'sel:\n  Image|endswith:\n    - \\a.exe\n    - \\b.exe\n  User: bob\ncondition: sel';
  assert.ok(matches(d, { Image: 'C:\\b.exe', User: 'BOB' }));
  assert.ok(!matches(d, { Image: 'C:\\b.exe', User: 'alice' }));
  const l =
    'sel:\n  - Image|endswith: \\example.exe\n  - Description|contains: Test executable\ncondition: sel';
  assert.ok(matches(l, { Description: 'A Test Executable here' }));
  assert.ok(matches(l, { Image: 'X:\\example.exe' }));
  assert.ok(!matches(l, { Image: 'X:\\other.exe' }));
});

test('long value lists (set lookup) keep case-insensitive equality and mix with other tests', () => {
  const d =
    "sel:\n  OriginalFileName:\n    - a.exe\n    - b.exe\n    - c.exe\n    - d.exe\n    - e.exe\n    - '*.scr'\ncondition: sel";
  assert.ok(matches(d, { OriginalFileName: 'D.EXE' }));
  assert.ok(matches(d, { OriginalFileName: 'x.SCR' }));
  assert.ok(!matches(d, { OriginalFileName: 'dd.exe' }));
  assert.ok(
    matches(d.replace('sel:\n  OriginalFileName:', 'sel:\n  OriginalFileName|neq:'), {
      OriginalFileName: 'z.exe',
    }),
  );
});

test('wildcards * and ? and their escapes', () => {
  assert.ok(matches("sel:\n  F: 'prog?.exe'\ncondition: sel", { F: 'progA.exe' }));
  assert.ok(!matches("sel:\n  F: 'prog?.exe'\ncondition: sel", { F: 'progAB.exe' }));
  assert.ok(matches("sel:\n  F: 'antivirus_V*.exe'\ncondition: sel", { F: 'antivirus_V21.2.1.exe' }));
  assert.ok(matches("sel:\n  F: 'a*b*c'\ncondition: sel", { F: 'aXbYbZc' }));
  assert.ok(!matches("sel:\n  F: 'a*b*c'\ncondition: sel", { F: 'aXcYb' }));
  assert.ok(matches("sel:\n  F: '*'\ncondition: sel", { F: 'anything' }));
  // \* and \? are plain characters.
  assert.ok(matches("sel:\n  F: 'what\\?'\ncondition: sel", { F: 'what?' }));
  assert.ok(!matches("sel:\n  F: 'what\\?'\ncondition: sel", { F: 'whatX' }));
  assert.ok(matches("sel:\n  F: 'a\\*b'\ncondition: sel", { F: 'a*b' }));
  assert.ok(!matches("sel:\n  F: 'a\\*b'\ncondition: sel", { F: 'aXXb' }));
  // A single backslash not before a wildcard is literal; \\ before * is a backslash then a wildcard.
  assert.ok(matches("sel:\n  F: 'C:\\Windows\\x.exe'\ncondition: sel", { F: 'C:\\Windows\\x.exe' }));
  assert.ok(matches("sel:\n  F: 'C:\\\\*'\ncondition: sel", { F: 'C:\\Users' }));
  // Three backslashes: backslash plus a literal *.
  assert.ok(matches("sel:\n  F: 'C:\\\\\\*'\ncondition: sel", { F: 'C:\\*' }));
  assert.ok(!matches("sel:\n  F: 'C:\\\\\\*'\ncondition: sel", { F: 'C:\\Users' }));
  // Four backslashes: two plain backslashes.
  assert.ok(matches("sel:\n  F: '\\\\\\\\server'\ncondition: sel", { F: '\\\\server' }));
});

test('contains, startswith, endswith', () => {
  assert.ok(
    matches('sel:\n  CommandLine|contains: " -enc "\ncondition: sel', { CommandLine: 'powershell -ENC abc' }),
  );
  assert.ok(matches('sel:\n  F|startswith: adm\ncondition: sel', { F: 'Administrator' }));
  assert.ok(!matches('sel:\n  F|startswith: adm\ncondition: sel', { F: 'xadm' }));
  assert.ok(matches('sel:\n  F|endswith: \\cmd.exe\ncondition: sel', { F: 'C:\\Windows\\cmd.exe' }));
  assert.ok(!matches('sel:\n  F|endswith: \\cmd.exe\ncondition: sel', { F: 'C:\\Windows\\cmd.exe.bak' }));
  // Wildcards inside contains still work.
  assert.ok(matches("sel:\n  F|contains: 'a*z'\ncondition: sel", { F: '--a-middle-z--' }));
});

test('all: every value must match (fields and keywords)', () => {
  const d = 'sel:\n  CommandLine|contains|all:\n    - -nop\n    - -w hidden\ncondition: sel';
  assert.ok(matches(d, { CommandLine: 'powershell -nop -w hidden -c x' }));
  assert.ok(!matches(d, { CommandLine: 'powershell -nop -c x' }));
  const k = "kw:\n  '|all':\n    - OabVirtualDirectory\n    - ' -ExternalUrl '\ncondition: kw";
  assert.ok(matches(k, { msg: 'Set-OabVirtualDirectory -ExternalUrl http://x' }));
  assert.ok(!matches(k, { msg: 'Set-OabVirtualDirectory' }));
});

test('cased: case-sensitive matching', () => {
  assert.ok(matches('sel:\n  F|cased: CaseSensitive\ncondition: sel', { F: 'CaseSensitive' }));
  assert.ok(!matches('sel:\n  F|cased: CaseSensitive\ncondition: sel', { F: 'casesensitive' }));
  assert.ok(matches('sel:\n  F|contains|cased: Mimikatz\ncondition: sel', { F: 'run Mimikatz now' }));
  assert.ok(!matches('sel:\n  F|contains|cased: Mimikatz\ncondition: sel', { F: 'run mimikatz now' }));
});

test('exists', () => {
  assert.ok(matches('sel:\n  F|exists: true\ncondition: sel', { F: '' }));
  assert.ok(!matches('sel:\n  F|exists: true\ncondition: sel', { G: 'x' }));
  assert.ok(matches('sel:\n  F|exists: false\ncondition: sel', { G: 'x' }));
  assert.equal(diagnose('sel:\n  F|exists: yes please\ncondition: sel').status, 'error');
});

test('null matches an absent or null field', () => {
  const d = 'sel:\n  EventID: 4738\nfilter:\n  PasswordLastSet: null\ncondition: sel and not filter';
  assert.ok(matches(d, { EventID: 4738, PasswordLastSet: '2024-01-01' }));
  assert.ok(!matches(d, { EventID: 4738 }));
  assert.ok(!matches(d, { EventID: 4738, PasswordLastSet: null }));
  assert.equal(diagnose("sel:\n  F:\n    - ''\n    - null\ncondition: sel").status, 'error');
});

test('neq: field differs from every value', () => {
  assert.ok(matches('sel:\n  F|neq: admin\ncondition: sel', { F: 'bob' }));
  assert.ok(!matches('sel:\n  F|neq: admin\ncondition: sel', { F: 'ADMIN' }));
  assert.ok(!matches('sel:\n  F|neq:\n    - a\n    - b\ncondition: sel', { F: 'b' }));
  assert.ok(matches('sel:\n  Port|neq: 443\ncondition: sel', { Port: 80 }));
});

test('lt, lte, gt, gte', () => {
  assert.ok(matches('sel:\n  Size|gt: 100\ncondition: sel', { Size: 101 }));
  assert.ok(!matches('sel:\n  Size|gt: 100\ncondition: sel', { Size: 100 }));
  assert.ok(matches('sel:\n  Size|gte: 100\ncondition: sel', { Size: '100' }));
  assert.ok(matches('sel:\n  Size|lt: 10\ncondition: sel', { Size: 9.5 }));
  assert.ok(!matches('sel:\n  Size|lt: 10\ncondition: sel', { Size: 'ten' }));
  assert.ok(matches('sel:\n  Size|lte: 10\ncondition: sel', { Size: 10 }));
  assert.equal(diagnose('sel:\n  Size|gt: many\ncondition: sel').status, 'error');
});

test('time modifiers: minute, hour, day, week, month, year', () => {
  const ev = { Time: '2025-03-14T22:05:00Z' };
  assert.ok(matches('sel:\n  Time|hour|gte: 22\ncondition: sel', ev));
  assert.ok(!matches('sel:\n  Time|hour|lt: 22\ncondition: sel', ev));
  assert.ok(matches('sel:\n  Time|minute: 5\ncondition: sel', ev));
  assert.ok(matches('sel:\n  Time|day: 14\ncondition: sel', ev));
  assert.ok(matches('sel:\n  Time|month: 3\ncondition: sel', ev));
  assert.ok(matches('sel:\n  Time|year: 2025\ncondition: sel', ev));
  assert.ok(matches('sel:\n  Time|week: 11\ncondition: sel', ev));
});

test('cidr: IPv4 and IPv6 ranges', () => {
  const d =
    'sel:\n  DestinationIp|cidr:\n    - 10.0.0.0/8\n    - 192.168.1.0/24\n    - fe80::/10\ncondition: sel';
  assert.ok(matches(d, { DestinationIp: '10.20.30.40' }));
  assert.ok(matches(d, { DestinationIp: '192.168.1.255' }));
  assert.ok(!matches(d, { DestinationIp: '192.168.2.1' }));
  assert.ok(matches(d, { DestinationIp: 'FE80::1' }));
  assert.ok(!matches(d, { DestinationIp: '2001:db8::1' }));
  assert.ok(!matches(d, { DestinationIp: 'not an ip' }));
  assert.ok(matches('sel:\n  Ip|cidr: 2001:db8::/32\ncondition: sel', { Ip: '2001:0db8:0000::abcd' }));
  assert.equal(diagnose('sel:\n  Ip|cidr: 10.0.0.0/99\ncondition: sel').status, 'error');
});

test('re with i, m, s and inline flags; RE2-incompatible patterns are unsupported', () => {
  assert.ok(
    matches("sel:\n  F|re: '^cmd\\.exe /c .*whoami$'\ncondition: sel", { F: 'cmd.exe /c echo && whoami' }),
  );
  // Case-sensitive unless i.
  assert.ok(!matches("sel:\n  F|re: 'WHOAMI'\ncondition: sel", { F: 'whoami' }));
  assert.ok(matches("sel:\n  F|re|i: 'WHOAMI'\ncondition: sel", { F: 'whoami' }));
  assert.ok(matches("sel:\n  F|re: '(?i)WHOAMI'\ncondition: sel", { F: 'whoami' }));
  // m: ^ and $ at line boundaries; s: dot matches newline.
  assert.ok(!matches("sel:\n  F|re: '^second$'\ncondition: sel", { F: 'first\nsecond' }));
  assert.ok(matches("sel:\n  F|re|m: '^second$'\ncondition: sel", { F: 'first\nsecond' }));
  assert.ok(!matches("sel:\n  F|re: 'a.b'\ncondition: sel", { F: 'a\nb' }));
  assert.ok(matches("sel:\n  F|re|s: 'a.b'\ncondition: sel", { F: 'a\nb' }));
  for (const bad of ['(a)\\1', 'foo(?=bar)', '(?<!x)y', 'a++']) {
    const d = diagnose(`sel:\n  F|re: '${bad}'\ncondition: sel`);
    assert.equal(d.status, 'unsupported', bad);
    assert.match(d.reason!, /RE2/);
  }
});

test('re runs in linear time on hostile input', () => {
  const start = performance.now();
  assert.ok(!matches("sel:\n  F|re: '(a+)+$'\ncondition: sel", { F: 'a'.repeat(50000) + '!' }));
  assert.ok(performance.now() - start < 5000);
});

test('bounded-quantifier regexes (fast path) agree with RE2 and stay fast on hostile input', () => {
  const d = "sel:\n  CommandLine|re: '\\\\[a-zA-Z0-9]{1,32}\\.[a-zA-Z0-9]{1,6}\\.[ \"'']{1}'\ncondition: sel";
  assert.ok(matches(d, { CommandLine: 'odbcconf.exe /a {regsvr C:\\Users\\x\\abc.def. }' }));
  assert.ok(!matches(d, { CommandLine: 'C:\\Windows\\notepad.exe' }));
  const start = performance.now();
  assert.ok(!matches("sel:\n  F|re: '[a-z]{0,15}[a-z]{0,15}x'\ncondition: sel", { F: 'a'.repeat(1000) }));
  assert.ok(!matches("sel:\n  F|re: '[a-z]{0,15}[a-z]{0,15}x'\ncondition: sel", { F: 'a'.repeat(200000) }));
  assert.ok(performance.now() - start < 5000);
});

test('base64 and base64offset', () => {
  assert.ok(matches('sel:\n  F|base64: /bin/bash\ncondition: sel', { F: 'L2Jpbi9iYXNo' }));
  // base64offset: the three shifted encodings of the value, used with contains.
  const d = 'sel:\n  F|base64offset|contains: http://\ncondition: sel';
  for (const prefix of ['', 'a', 'ab']) {
    const enc = Buffer.from(prefix + 'http://evil.example/x').toString('base64');
    assert.ok(matches(d, { F: `powershell -enc ${enc}` }), prefix);
  }
  assert.ok(!matches(d, { F: Buffer.from('https is not it').toString('base64') }));
});

test('utf16le / wide / utf16be / utf16 combined with base64offset', () => {
  const ps = 'IEX (New-Object Net.WebClient)';
  const enc = Buffer.from(`$x=1;${ps}`, 'utf16le').toString('base64');
  assert.ok(matches('sel:\n  F|wide|base64offset|contains: New-Object\ncondition: sel', { F: enc }));
  assert.ok(matches('sel:\n  F|utf16le|base64offset|contains: New-Object\ncondition: sel', { F: enc }));
  const be = Buffer.from('xxcmd', 'utf16le').swap16().toString('base64');
  assert.ok(matches('sel:\n  F|utf16be|base64offset|contains: cmd\ncondition: sel', { F: be }));
  const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('cmd', 'utf16le')]).toString('base64');
  assert.ok(matches('sel:\n  F|utf16|base64: cmd\ncondition: sel', { F: bom }));
});

test('windash: -, /, en dash, em dash, horizontal bar', () => {
  const d = "sel:\n  CommandLine|windash|contains:\n    - ' -exec bypass'\ncondition: sel";
  for (const dash of ['-', '/', '\u2013', '\u2014', '\u2015'])
    assert.ok(matches(d, { CommandLine: `powershell ${dash}exec bypass` }), dash);
  assert.ok(!matches(d, { CommandLine: 'powershell +exec bypass' }));
});

test('fieldref compares two fields of the event, also with neq', () => {
  assert.ok(
    matches('sel:\n  ParentImage|fieldref: Image\ncondition: sel', {
      Image: 'C:\\a.exe',
      ParentImage: 'c:\\A.EXE',
    }),
  );
  assert.ok(
    !matches('sel:\n  ParentImage|fieldref: Image\ncondition: sel', {
      Image: 'C:\\a.exe',
      ParentImage: 'C:\\b.exe',
    }),
  );
  assert.ok(
    matches('sel:\n  ParentImage|fieldref|neq: Image\ncondition: sel', {
      Image: 'C:\\a.exe',
      ParentImage: 'C:\\b.exe',
    }),
  );
  assert.ok(
    matches('sel:\n  CommandLine|fieldref|contains: User\ncondition: sel', {
      User: 'bob',
      CommandLine: 'runas /user:bob x',
    }),
  );
});

test('expand: placeholders from configuration, escaped %, unknown placeholders', () => {
  const d = "sel:\n  Computer|expand: '%DomainControllers%'\ncondition: sel";
  const opts = { placeholders: { DomainControllers: ['DC01', 'DC02'] } };
  assert.ok(matches(d, { Computer: 'dc02' }, opts));
  assert.ok(!matches(d, { Computer: 'PC01' }, opts));
  // Inside a value, with a literal \\% before it.
  assert.ok(
    matches(
      "sel:\n  Path|expand: '\\%plain%dir%\\x'\ncondition: sel",
      { Path: '%plainC:\\x' },
      { placeholders: { dir: ['C:'] } },
    ),
  );
  // Without |expand, %name% is literal text.
  assert.ok(matches("sel:\n  F: '%name%'\ncondition: sel", { F: '%NAME%' }));
  const unknown = diagnose("sel:\n  F|expand: '%nothere%'\ncondition: sel", { placeholders: {} });
  assert.equal(unknown.status, 'unsupported');
  assert.match(unknown.reason!, /nothere/);
  // Configured as empty: compiles, matches nothing.
  assert.ok(
    !matches("sel:\n  F|expand: '%empty%'\ncondition: sel", { F: 'x' }, { placeholders: { empty: [] } }),
  );
  assert.ok(
    matches(
      "sel:\n  A: x\nfilter:\n  F|expand: '%empty%'\ncondition: sel and not filter",
      { A: 'x', F: 'y' },
      { placeholders: { empty: [] } },
    ),
  );
});

test('unknown modifiers are reported with file and line', () => {
  const d = diagnose('sel:\n  F|frobnicate: x\ncondition: sel');
  assert.equal(d.status, 'unsupported');
  assert.match(d.reason!, /frobnicate/);
  assert.equal(d.line, 10);
});
