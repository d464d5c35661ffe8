// Correlation rules (event_count, value_count, temporal, temporal_ordered, value_sum, value_avg) and
// filter (meta filter) rules, from the examples of the Sigma specification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SigmaEngine, type SigmaMatch } from '../src/index.js';

const failedLogin = `title: Failed login
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
name: failed_login
author: Base Author
logsource:
  product: testproduct
detection:
  selection:
    EventID: 4625
  condition: selection
`;
const successLogin = `title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource:
  product: testproduct
detection:
  selection:
    EventID: 4624
  condition: selection
`;

function run(engine: SigmaEngine, events: Array<[number, Record<string, unknown>]>): SigmaMatch[] {
  const out: SigmaMatch[] = [];
  for (const [t, ev] of events) out.push(...engine.match(ev, { time: t * 1000 }));
  return out;
}
const corr = (ms: SigmaMatch[]): SigmaMatch[] => ms.filter((m) => m.kind === 'correlation');

test('event_count: N events per group within the timespan', () => {
  const e = new SigmaEngine([
    {
      path: 'c.yml',
      text: `${failedLogin}---
title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
author: Correlation Author
level: high
correlation:
  type: event_count
  rules:
    - failed_login
  group-by:
    - ComputerName
  timespan: 1h
  condition:
    gte: 3
`,
    },
  ]);
  assert.deepEqual(
    e.diagnostics.map((d) => d.status),
    ['compiled', 'compiled'],
  );
  const ms = run(e, [
    [0, { EventID: 4625, ComputerName: 'A' }],
    [10, { EventID: 4625, ComputerName: 'B' }],
    [20, { EventID: 4625, ComputerName: 'A' }],
    [5000, { EventID: 4625, ComputerName: 'A' }], // outside 1h of the first two: count restarts at 2
    [5100, { EventID: 4625, ComputerName: 'A' }],
    [5200, { EventID: 4625, ComputerName: 'A' }],
  ]);
  const c = corr(ms);
  assert.equal(c.length, 1);
  assert.equal(c[0]!.rule.title, 'Many failed logins');
  assert.equal(c[0]!.rule.author, 'Correlation Author');
  assert.deepEqual(c[0]!.correlation!.groupBy, { ComputerName: 'A' });
  assert.equal(c[0]!.correlation!.value, 3);
  // The base rule is not reported on its own (generate defaults to false).
  assert.equal(ms.filter((m) => m.kind === 'detection').length, 0);
});

test('value_count: distinct values of a field per group', () => {
  const e = new SigmaEngine([
    {
      path: 'c.yml',
      text: `${failedLogin}---
title: Failed logins with many users
correlation:
  type: value_count
  rules: [5638f7c0-ac70-491d-8465-2a65075e0d86]
  group-by: [ComputerName, WorkstationName]
  timespan: 1d
  condition:
    field: User
    gte: 3
  generate: true
`,
    },
  ]);
  const ms = run(e, [
    [0, { EventID: 4625, ComputerName: 'A', WorkstationName: 'W', User: 'u1' }],
    [1, { EventID: 4625, ComputerName: 'A', WorkstationName: 'W', User: 'u1' }],
    [2, { EventID: 4625, ComputerName: 'A', WorkstationName: 'W', User: 'u2' }],
    [3, { EventID: 4625, ComputerName: 'A', WorkstationName: 'X', User: 'u3' }],
    [4, { EventID: 4625, ComputerName: 'A', WorkstationName: 'W', User: 'u3' }],
  ]);
  assert.equal(corr(ms).length, 1);
  assert.equal(corr(ms)[0]!.correlation!.value, 3);
  // generate: true keeps the base rule's own matches.
  assert.equal(ms.filter((m) => m.kind === 'detection').length, 5);
});

test('temporal: all rules in any order within the timespan, same group', () => {
  const e = new SigmaEngine([
    {
      path: 'c.yml',
      text: `${failedLogin}---
${successLogin}---
title: Failed and successful login
correlation:
  type: temporal
  rules: [failed_login, successful_login]
  group-by: [User]
  timespan: 5m
`,
    },
  ]);
  const ms = run(e, [
    [0, { EventID: 4624, User: 'bob' }],
    [10, { EventID: 4625, User: 'alice' }],
    [20, { EventID: 4625, User: 'bob' }],
  ]);
  const c = corr(ms);
  assert.equal(c.length, 1);
  assert.deepEqual(c[0]!.correlation!.groupBy, { User: 'bob' });
  const late = run(e, [
    [1000, { EventID: 4624, User: 'carol' }],
    [1400, { EventID: 4625, User: 'carol' }], // 400 s > 5 min
  ]);
  assert.equal(corr(late).length, 0);
});

test('temporal_ordered: rules must occur in the given order', () => {
  const text = `${failedLogin}---
${successLogin}---
title: Failed then successful login
correlation:
  type: temporal_ordered
  rules: [failed_login, successful_login]
  group-by: [User]
  timespan: 1h
`;
  const e = new SigmaEngine([{ path: 'c.yml', text }]);
  assert.equal(
    corr(
      run(e, [
        [0, { EventID: 4624, User: 'bob' }],
        [10, { EventID: 4625, User: 'bob' }],
      ]),
    ).length,
    0,
  );
  const e2 = new SigmaEngine([{ path: 'c.yml', text }]);
  assert.equal(
    corr(
      run(e2, [
        [0, { EventID: 4625, User: 'bob' }],
        [10, { EventID: 4624, User: 'bob' }],
      ]),
    ).length,
    1,
  );
});

test('aliases map group-by fields per rule', () => {
  const e = new SigmaEngine([
    {
      path: 'c.yml',
      text: `title: Internal error
name: internal_error
logsource: {product: testproduct}
detection:
  selection: {http_status: 500}
  condition: selection
---
title: New network connection
name: new_network_connection
logsource: {product: testproduct}
detection:
  selection: {event_type: conn}
  condition: selection
---
title: Error followed by outgoing connection
correlation:
  type: temporal
  rules: [internal_error, new_network_connection]
  group-by: [internal_ip, remote_ip]
  timespan: 10s
  aliases:
    internal_ip:
      internal_error: destination.ip
      new_network_connection: source.ip
    remote_ip:
      internal_error: source.ip
      new_network_connection: destination.ip
`,
    },
  ]);
  const ms = run(e, [
    [0, { http_status: 500, source: { ip: '1.2.3.4' }, destination: { ip: '10.0.0.1' } }],
    [3, { event_type: 'conn', source: { ip: '10.0.0.1' }, destination: { ip: '1.2.3.4' } }],
  ]);
  assert.equal(corr(ms).length, 1);
  assert.deepEqual(corr(ms)[0]!.correlation!.groupBy, { internal_ip: '10.0.0.1', remote_ip: '1.2.3.4' });
});

test('value_sum and value_avg', () => {
  const base = `title: Web access
name: web
logsource: {product: testproduct}
detection:
  selection: {kind: web}
  condition: selection
---
`;
  const sum = new SigmaEngine([
    {
      path: 's.yml',
      text:
        base +
        `title: Exfil\ncorrelation:\n  type: value_sum\n  rules: [web]\n  group-by: [src]\n  timespan: 1h\n  condition:\n    field: bytes\n    gt: 1000\n`,
    },
  ]);
  assert.equal(
    corr(
      run(sum, [
        [0, { kind: 'web', src: 'a', bytes: 600 }],
        [1, { kind: 'web', src: 'a', bytes: 500 }],
      ]),
    ).length,
    1,
  );
  const avg = new SigmaEngine([
    {
      path: 'a.yml',
      text:
        base +
        `title: Avg\ncorrelation:\n  type: value_avg\n  rules: [web]\n  group-by: [src]\n  timespan: 1h\n  condition:\n    field: bytes\n    gt: 500\n`,
    },
  ]);
  assert.equal(
    corr(
      run(avg, [
        [0, { kind: 'web', src: 'a', bytes: 100 }],
        [1, { kind: 'web', src: 'a', bytes: 800 }],
      ]),
    ).length,
    0,
  );
  assert.equal(corr(run(avg, [[2, { kind: 'web', src: 'a', bytes: 2000 }]])).length, 1);
});

test('correlation errors: unknown rule, bad timespan, missing field; value_percentile unsupported', () => {
  const e = new SigmaEngine([
    {
      path: 'a.yml',
      text: `title: A\ncorrelation:\n  type: event_count\n  rules: [nope]\n  group-by: [x]\n  timespan: 1h\n  condition: {gte: 2}\n`,
    },
    {
      path: 'b.yml',
      text: `${failedLogin}---\ntitle: B\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [x]\n  timespan: soon\n  condition: {gte: 2}\n`,
    },
    {
      path: 'c.yml',
      text: `${failedLogin}---\ntitle: C\ncorrelation:\n  type: value_count\n  rules: [failed_login]\n  group-by: [x]\n  timespan: 1h\n  condition: {gte: 2}\n`,
    },
    {
      path: 'd.yml',
      text: `${failedLogin}---\ntitle: D\ncorrelation:\n  type: value_percentile\n  rules: [failed_login]\n  group-by: [x]\n  timespan: 1h\n  condition: {field: f, lte: 1}\n`,
    },
  ]);
  const bad = e.diagnostics.filter((d) => d.kind === 'correlation');
  assert.match(bad[0]!.reason!, /nope/);
  assert.match(bad[1]!.reason!, /timespan/);
  assert.equal(bad[1]!.line, 17);
  assert.match(bad[2]!.reason!, /field/);
  assert.equal(bad[3]!.status, 'unsupported');
});

test('correlation state stays bounded', () => {
  const e = new SigmaEngine(
    [
      {
        path: 'c.yml',
        text: `${failedLogin}---\ntitle: Many\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [User]\n  timespan: 1d\n  condition: {gte: 1000000}\n`,
      },
    ],
    { maxCorrelationGroups: 100, maxCorrelationEntries: 50 },
  );
  for (let i = 0; i < 20000; i++) e.match({ EventID: 4625, User: `u${i % 1000}` }, { time: i });
  const state = (e as unknown as { correlations: Array<{ state: { groupCount: number } }> }).correlations[0]!
    .state;
  assert.ok(state.groupCount <= 100);
});

test('partitions keep correlation state apart: equal group values of two tenants never count together', () => {
  const e = new SigmaEngine([
    {
      path: 'c.yml',
      text: `${failedLogin}---\ntitle: Three failures\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [User]\n  timespan: 1h\n  condition: {gte: 3}\n`,
    },
  ]);
  const fired = (partition: string | undefined, t: number) =>
    e.match({ EventID: 4625, User: 'admin' }, { time: t, partition }).filter((m) => m.kind === 'correlation');
  // Two failures in tenant A, two in B: four "admin" failures, but three in neither tenant.
  assert.equal(fired('A', 1).length, 0);
  assert.equal(fired('B', 2).length, 0);
  assert.equal(fired('A', 3).length, 0);
  assert.equal(fired('B', 4).length, 0);
  const third = fired('A', 5);
  assert.equal(third.length, 1, 'the third failure of tenant A fires');
  assert.deepEqual(
    third[0]!.correlation!.groupBy,
    { User: 'admin' },
    'the partition is not a group-by value',
  );
  assert.equal(third[0]!.correlation!.value, 3);
  // Without a partition, events share one state (a plain sweep).
  assert.equal(fired(undefined, 6).length, 0);
  assert.equal(fired(undefined, 7).length, 0);
  assert.equal(fired(undefined, 8).length, 1);
});

test('filter rules suppress matches of the rules they name', () => {
  const rule = `title: Data compressed with rar
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource: {category: process_creation, product: windows}
detection:
  selection: {Image|endswith: '\\rar.exe'}
  condition: selection
`;
  const filter = `title: Filter Administrator account
logsource: {category: process_creation, product: windows}
filter:
  rules:
    - 6f3e2987-db24-4c78-a860-b4f4095a7095
  selection:
    User|startswith: 'adm_'
  condition: selection
`;
  const e = new SigmaEngine([
    { path: 'r.yml', text: rule },
    { path: 'f.yml', text: filter },
  ]);
  assert.deepEqual(
    e.diagnostics.map((d) => `${d.kind}:${d.status}`),
    ['rule:compiled', 'filter:compiled'],
  );
  const ev = (user: string): unknown => ({
    Event: {
      System: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1 },
      EventData: { Image: 'C:\\rar.exe', User: user },
    },
  });
  assert.equal(e.match(ev('bob')).length, 1);
  assert.equal(e.match(ev('adm_bob')).length, 0);
});

test('correlate: false leaves correlation to another engine and flags the events it needs', () => {
  const text = `${failedLogin}---
title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
  type: event_count
  rules:
    - failed_login
  group-by:
    - ComputerName
  timespan: 1h
  condition:
    gte: 2
`;
  const local = new SigmaEngine([{ path: 'c.yml', text }], { correlate: false });
  const central = new SigmaEngine([{ path: 'c.yml', text }]);
  assert.equal(local.correlationCount, 1);
  const forwarded: Array<Record<string, unknown>> = [];
  for (const ev of [
    { EventID: 4625, ComputerName: 'a' },
    { EventID: 4624, ComputerName: 'a' },
    { EventID: 4625, ComputerName: 'a' },
  ]) {
    const ms = local.match(ev, { time: 1000 });
    assert.equal(corr([...ms]).length, 0);
    if (local.correlationInput) forwarded.push(ev);
  }
  assert.equal(forwarded.length, 2);
  const fired = forwarded.flatMap((ev) => corr([...central.match(ev, { time: 1000 })]));
  assert.equal(fired.length, 1);
  assert.equal(fired[0]!.correlation!.value, 2);
});
