// Correlation rules in `mamori hunt` see every input: the workers forward the events that fired a base
// rule, and the main thread correlates them in time order, whichever file or worker they came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'mamori-hunt-corr-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const rules = `title: Failed logon
id: 2b0a3f5e-8d5c-4c47-9a7e-5f7f3c0d1a01
name: failed_logon
author: Test Author
level: low
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4625
  condition: selection
---
title: Several failed logons on one computer
id: 2b0a3f5e-8d5c-4c47-9a7e-5f7f3c0d1a02
author: Test Author
level: high
correlation:
  type: event_count
  generate: true
  rules:
    - failed_logon
  group-by:
    - Computer
  timespan: 10m
  condition:
    gte: 3
`;

const event = (sec: number, computer: string, id: number) =>
  JSON.stringify({
    Event: {
      System: {
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing' } },
        EventID: 4625,
        TimeCreated: {
          '#attributes': { SystemTime: `2026-01-01T00:00:${String(sec).padStart(2, '0')}.000000Z` },
        },
        EventRecordID: id,
        Channel: 'Security',
        Computer: computer,
      },
      EventData: { TargetUserName: 'admin' },
    },
  });

function hunt(paths: string[], workers: string) {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=development',
      join(root, 'packages/cli/src/main.ts'),
      'hunt',
      ...paths,
      '--rules',
      join(tmp, 'rules.yml'),
      '--json',
      '--utc',
      '--workers',
      workers,
    ],
    {
      cwd: root,
      encoding: 'utf8',
      // Compiled-rule cache in the test's folder, never the user's.
      env: { ...process.env, LANG: 'C', MAMORI_CACHE_DIR: join(tmp, 'rule-cache') },
    },
  );
  assert.equal(r.status, 1, r.stderr);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('a correlation across files and workers fires once, on the event that completes it', () => {
  writeFileSync(join(tmp, 'rules.yml'), rules);
  const dir = join(tmp, 'logs');
  mkdirSync(dir);
  // pc1: three failed logons spread over two files (times interleaved); pc2: two only.
  writeFileSync(
    join(dir, 'a.ndjson'),
    [event(1, 'pc1', 1), event(5, 'pc1', 3), event(2, 'pc2', 10)].join('\n'),
  );
  writeFileSync(join(dir, 'b.ndjson'), [event(3, 'pc1', 2), event(4, 'pc2', 11)].join('\n'));
  for (const workers of ['2', '1']) {
    const hits = hunt([join(dir, 'a.ndjson'), join(dir, 'b.ndjson')], workers);
    const corr = hits.filter((h) => h.rule_title === 'Several failed logons on one computer');
    assert.equal(hits.length - corr.length, 5, `workers ${workers}`);
    assert.equal(corr.length, 1, `workers ${workers}`);
    assert.equal(corr[0]!.computer, 'pc1');
    assert.equal(corr[0]!.timestamp, '2026-01-01T00:00:05.000Z');
    assert.equal(corr[0]!.level, 'high');
    assert.deepEqual(corr[0]!.details, {
      correlation: 'event_count',
      value: '3',
      Computer: 'pc1',
      rules: '2b0a3f5e-8d5c-4c47-9a7e-5f7f3c0d1a01',
    });
    // Output in time order (the base rule's own hits too: generate: true).
    assert.deepEqual(
      hits.map((h) => String(h.timestamp).slice(17, 19)),
      ['01', '02', '03', '04', '05', '05'],
    );
  }
});
