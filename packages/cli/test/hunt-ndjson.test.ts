// Large NDJSON files are split into byte ranges at line boundaries, so several workers share one file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { looksLikeNdjson, ndjsonLines } from '../src/hunt/json-stream.js';
import { makeTasks } from '../src/commands/hunt.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'mamori-hunt-ndjson-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('ranges cover every line exactly once, wherever the boundaries fall', async () => {
  const lines = Array.from({ length: 300 }, (_, i) =>
    JSON.stringify({ i, s: 'é'.repeat(i % 17) + 'x'.repeat(i % 5) }),
  );
  lines[40] = ''; // an empty line
  const path = join(tmp, 'a.ndjson');
  const text = lines.join('\n') + '\n';
  writeFileSync(path, text);
  const size = Buffer.byteLength(text);
  for (const range of [13, 64, 100, 1000, size - 1, size, size + 5]) {
    const got: string[] = [];
    for (let start = 0; start < size; start += range)
      for await (const l of ndjsonLines(path, start, Math.min(size, start + range))) got.push(l);
    assert.deepEqual(got, lines, `range ${range}`);
  }
  // No trailing newline: the last line still belongs to the last range.
  writeFileSync(path, lines.join('\n'));
  const got: string[] = [];
  for (let start = 0; start < size - 1; start += 50)
    for await (const l of ndjsonLines(path, start, Math.min(size - 1, start + 50))) got.push(l);
  assert.deepEqual(got, lines);
});

test('only NDJSON-looking files are split; tasks cover the file', () => {
  const nd = join(tmp, 'b.ndjson');
  writeFileSync(nd, (JSON.stringify({ a: 1 }) + '\n').repeat(1000));
  const arr = join(tmp, 'c.json');
  writeFileSync(
    arr,
    JSON.stringify(
      Array.from({ length: 1000 }, () => ({ a: 1 })),
      null,
      2,
    ),
  );
  assert.equal(looksLikeNdjson(nd), true);
  assert.equal(looksLikeNdjson(arr), false);
  const size = readFileSync(nd).length;
  const tasks = makeTasks(
    [
      { path: nd, kind: 'json', size },
      { path: arr, kind: 'json', size: readFileSync(arr).length },
    ],
    1000,
  );
  const ranges = tasks.filter((t) => t.kind === 'ndjson');
  assert.equal(ranges.length, Math.ceil(size / 1000));
  assert.equal(
    ranges.reduce((s, t) => s + t.bytes, 0),
    size,
  );
  assert.equal(tasks.filter((t) => t.kind === 'json').length, 1);
});

test('mamori hunt on a split NDJSON file finds the same hits as unsplit', () => {
  const samples = fileURLToPath(new URL('../../evtx/test/fixtures/regression/', import.meta.url));
  // A sample event that matches a rule, repeated with filler events between.
  const dir = join(
    samples,
    'rules/windows/builtin/security/win_security_susp_scheduled_task_delete_or_disable',
  );
  const text = readFileSync(
    join(
      dir,
      readdirSync(dir).find((n) => n.endsWith('.json'))!,
    ),
    'utf8',
  );
  const ev = JSON.stringify(JSON.parse(text));
  const filler = JSON.stringify({
    Event: { System: { Channel: 'Security', EventID: 4624, Computer: 'pc' } },
  });
  const nd = join(tmp, 'big.ndjson');
  writeFileSync(nd, Array.from({ length: 400 }, (_, i) => (i % 10 === 0 ? ev : filler)).join('\n') + '\n');
  const rules = join(root, 'packages/sigma/data/rules/windows/builtin/security');
  const run = (extra: string[]) => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=development',
        join(root, 'packages/cli/src/main.ts'),
        'hunt',
        nd,
        '--rules',
        rules,
        '--json',
        '--workers',
        '2',
        ...extra,
      ],
      {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        // Compiled-rule cache in the test's folder, never the user's.
        env: { ...process.env, LANG: 'C', MAMORI_CACHE_DIR: join(tmp, 'rule-cache') },
      },
    );
    assert.equal(r.status, 1, r.stderr);
    return r;
  };
  const whole = run([]);
  const split = run(['--ndjson-range', '4096']);
  assert.ok(readFileSync(nd).length > 4096 * 5);
  // Every tenth event is the sample: at least one hit each.
  assert.ok(split.stdout.split('\n').filter(Boolean).length >= 40);
  assert.equal(split.stdout, whole.stdout);
  assert.match(split.stderr, /400 events/);
});
