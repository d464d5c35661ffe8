// Logsource routing and field mapping data: Sysmon and Security 4688 process creation, ECS/Winlogbeat and
// flat JSON events, hints for non-Windows sources, Defender field names with spaces; data files validate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SigmaEngine, dataDir, summarizeEvent, eventTime } from '../src/index.js';

const procRule = `title: Whoami
id: 11111111-1111-4111-8111-111111111111
author: A
logsource: {category: process_creation, product: windows}
detection:
  selection:
    Image|endswith: '\\whoami.exe'
    ParentImage|endswith: '\\cmd.exe'
  condition: selection
`;
const secRule = `title: Logon type 10
id: 22222222-2222-4222-8222-222222222222
logsource: {product: windows, service: security}
detection:
  selection:
    EventID: 4624
    LogonType: 10
  condition: selection
`;
const linuxRule = `title: Sudo to root
id: 33333333-3333-4333-8333-333333333333
logsource: {product: linux, service: auth}
detection:
  keywords: ['sudo:', 'USER=root']
  condition: all of keywords
`;
const proxyRule = `title: Proxy download
id: 44444444-4444-4444-8444-444444444444
logsource: {category: proxy}
detection:
  selection:
    c-uri|endswith: '.hta'
  condition: selection
`;
const engine = new SigmaEngine([
  { path: 'p.yml', text: procRule },
  { path: 's.yml', text: secRule },
  { path: 'l.yml', text: linuxRule },
  { path: 'x.yml', text: proxyRule },
]);
const ids = (ev: unknown, hint?: { product?: string; category?: string; service?: string }): string[] =>
  engine.match(ev, hint ? { hint } : undefined).map((m) => m.rule.id.slice(0, 4));

test('process_creation from Sysmon 1 and from Security 4688 (renamed fields)', () => {
  const sysmon = {
    Event: {
      System: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1 },
      EventData: {
        Image: 'C:\\Windows\\System32\\whoami.exe',
        ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      },
    },
  };
  assert.deepEqual(ids(sysmon), ['1111']);
  const sec = {
    Event: {
      System: { Channel: 'Security', EventID: 4688 },
      EventData: {
        NewProcessName: 'C:\\Windows\\System32\\whoami.exe',
        ParentProcessName: 'C:\\Windows\\System32\\cmd.exe',
        ProcessId: '0x10',
      },
    },
  };
  assert.deepEqual(ids(sec), ['1111']);
  // Other Sysmon event ids and channels do not reach process_creation rules.
  assert.deepEqual(
    ids({
      Event: {
        System: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 3 },
        EventData: sysmon.Event.EventData,
      },
    }),
    [],
  );
  assert.deepEqual(
    ids({ Event: { System: { Channel: 'Application', EventID: 1 }, EventData: sysmon.Event.EventData } }),
    [],
  );
});

test('service rules route by channel; EventID given as {#text} also works', () => {
  const ev = {
    Event: {
      System: { Channel: 'Security', EventID: { '#attributes': { Qualifiers: '' }, '#text': 4624 } },
      EventData: { LogonType: 10 },
    },
  };
  assert.deepEqual(ids(ev), ['2222']);
});

test('Winlogbeat / ECS events', () => {
  const ev = {
    '@timestamp': '2025-01-01T00:00:00Z',
    winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: '1', computer_name: 'PC1' },
    process: {
      executable: 'C:\\Windows\\System32\\whoami.exe',
      parent: { executable: 'C:\\Windows\\System32\\cmd.exe' },
    },
    event: { code: '1' },
  };
  assert.deepEqual(ids(ev), ['1111']);
  const ev2 = {
    winlog: { channel: 'Security', event_id: 4624, event_data: { LogonType: '10' } },
    event: { code: '4624' },
  };
  assert.deepEqual(ids(ev2), ['2222']);
});

test('flat JSON with Channel and EventID', () => {
  assert.deepEqual(ids({ Channel: 'Security', EventID: 4624, LogonType: 10 }), ['2222']);
});

test('non-Windows sources by hint, and unrouted events', () => {
  const line = { message: 'Jan 1 host sudo: bob : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/sh' };
  assert.deepEqual(ids(line, { product: 'linux', service: 'auth' }), ['3333']);
  assert.deepEqual(ids(line, { product: 'linux', service: 'auditd' }), []);
  assert.deepEqual(ids({ 'c-uri': 'http://x/a.hta' }, { category: 'proxy' }), ['4444']);
  assert.deepEqual(
    ids(
      { url: { original: 'http://x/a.hta' }, ecs: { version: '8' }, event: { kind: 'event' } },
      { category: 'proxy' },
    ),
    ['4444'],
  );
  // Without a hint or channel: rules without a Windows route run (default 'non-windows').
  assert.deepEqual(ids(line).sort(), ['3333']);
});

test('Defender fields with spaces answer to their Sigma names', () => {
  const e = new SigmaEngine([
    {
      path: 'd.yml',
      text: `title: EICAR\nlogsource: {product: windows, service: windefend}\ndetection:\n  selection:\n    EventID: 1116\n    ThreatName|contains: EICAR\n  condition: selection\n`,
    },
  ]);
  const ev = {
    Event: {
      System: { Channel: 'Microsoft-Windows-Windows Defender/Operational', EventID: 1116 },
      EventData: { 'Product Name': 'Defender', 'Threat Name': 'Virus:DOS/EICAR_Test_File' },
    },
  };
  assert.equal(e.match(ev).length, 1);
});

test('summarizeEvent and eventTime', () => {
  const ev = {
    Event: {
      System: {
        Channel: 'Security',
        EventID: 4624,
        Computer: 'PC1',
        EventRecordID: 77,
        TimeCreated: { '#attributes': { SystemTime: '2025-11-27T07:40:10.165324Z' } },
        Provider: { '#attributes': { Name: 'P' } },
      },
      EventData: {},
    },
  };
  assert.deepEqual(summarizeEvent(ev), {
    timestamp: '2025-11-27T07:40:10.165324Z',
    computer: 'PC1',
    channel: 'Security',
    eventId: 4624,
    recordId: 77,
    provider: 'P',
  });
  assert.equal(eventTime(ev), Date.parse('2025-11-27T07:40:10.165Z'));
});

test('data files: every route names a known service, every channel list is non-empty', () => {
  const ls = parse(readFileSync(dataDir + 'logsources.yml', 'utf8')) as Record<
    string,
    {
      services: Record<string, string[]>;
      categories: Record<string, Array<{ service: string; conditions: Record<string, unknown[]> }>>;
    }
  >;
  for (const [product, pr] of Object.entries(ls)) {
    for (const [svc, chans] of Object.entries(pr.services))
      assert.ok(Array.isArray(chans) && chans.length > 0, `${product}/${svc}`);
    for (const [cat, routes] of Object.entries(pr.categories)) {
      for (const r of routes) {
        assert.ok(pr.services[r.service], `${product}/${cat} → unknown service ${r.service}`);
        for (const v of Object.values(r.conditions))
          assert.ok(Array.isArray(v) && v.length > 0, `${product}/${cat}`);
      }
    }
  }
  for (const s of ['security', 'system', 'sysmon', 'powershell', 'windefend', 'taskscheduler', 'application'])
    assert.ok(ls.windows!.services[s], s);
  const fm = parse(readFileSync(dataDir + 'fieldmaps.yml', 'utf8')) as Record<
    string,
    Record<string, string[]>
  >;
  for (const [shape, m] of Object.entries(fm))
    for (const [f, paths] of Object.entries(m))
      assert.ok(Array.isArray(paths) && paths.every((p) => typeof p === 'string'), `${shape}.${f}`);
  const ph = parse(readFileSync(dataDir + 'placeholders.yml', 'utf8')) as Record<string, unknown>;
  for (const [k, v] of Object.entries(ph)) assert.ok(Array.isArray(v), k);
});

test('keyword rules see values that field rules of the same bucket also scan', () => {
  const e = new SigmaEngine([
    { path: 'p.yml', text: procRule },
    {
      path: 'k.yml',
      text: `title: Mimikatz keywords\nlogsource: {product: windows}\ndetection:\n  keywords: ['sekurlsa::', 'kerberos::golden']\n  condition: keywords\n`,
    },
  ]);
  const ev = (data: Record<string, unknown>): unknown => ({
    Event: { System: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1 }, EventData: data },
  });
  // Image is scanned by the process rule's automaton; the keyword must still be found there…
  assert.equal(e.match(ev({ Image: 'C:\\x\\SEKURLSA::logonpasswords', ParentImage: 'C:\\y.exe' })).length, 1);
  // …and in a field no rule names.
  assert.equal(e.match(ev({ Image: 'C:\\x.exe', Whatever: 'kerberos::golden /user:x' })).length, 1);
  assert.equal(e.match(ev({ Image: 'C:\\x.exe', Whatever: 'kerberos::list' })).length, 0);
});

test('the keyword pass skips values with none of its required characters, in every case variant', () => {
  // 'sekurlsa::' needs ':'; 'kkkkk' (letters only) needs one of 'k', 'K' or the Kelvin sign U+212A,
  // which case-insensitive matching reads as 'k'.
  const e = new SigmaEngine([
    {
      path: 'k.yml',
      text: `title: Keywords\nlogsource: {product: windows}\ndetection:\n  keywords: ['sekurlsa::', 'kkkkk']\n  condition: keywords\n`,
    },
  ]);
  const ev = (data: Record<string, unknown>): unknown => ({
    Event: { System: { Channel: 'Security', EventID: 4624 }, EventData: data },
  });
  assert.equal(e.match(ev({ A: '\u212a\u212a\u212a\u212a\u212a' })).length, 1);
  assert.equal(e.match(ev({ A: 'x', B: 'KkKkK' })).length, 1);
  assert.equal(e.match(ev({ A: 'SEKURLSA::x' })).length, 1);
  assert.equal(e.match(ev({ A: 'sekurlsa:x', B: 'kkkk', C: 12345 })).length, 0);
});

test('unknown channels and event ids share buckets: index memory does not grow with hostile input', () => {
  const e = new SigmaEngine([
    { path: 'p.yml', text: procRule },
    { path: 's.yml', text: secRule },
  ]);
  e.match({ Channel: 'Security', EventID: 4624, LogonType: 10 });
  for (let i = 0; i < 5000; i++) {
    e.match({ Channel: `Random-${i}/Operational`, EventID: i, Data: 'x' });
    e.match({ Channel: 'Security', EventID: 100000 + i });
  }
  assert.ok(e.stats().buckets <= 4, `${e.stats().buckets} buckets`);
  assert.deepEqual(ids({ Channel: 'Security', EventID: 4624, LogonType: 10 }), ['2222']);
});
