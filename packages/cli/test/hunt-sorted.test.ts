// `mamori hunt` writes hits in event-time order with bounded memory: sorted runs spilled to temporary
// files and merged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { SortedLines } from '../src/hunt/sorted.js';

const tempRuns = () => readdirSync(tmpdir()).filter((n) => n.startsWith('mamori-hunt-sort-'));

test('lines come out in key order, across spilled runs and the in-memory rest', () => {
  const before = new Set(tempRuns());
  const s = new SortedLines(2000); // a few dozen lines per run
  const want: Array<[number, string]> = [];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 3000; i++) {
    const k = i % 97 === 0 ? Infinity : Math.floor(rnd() * 1e6);
    // Non-ASCII, tabs, quotes and newlines survive the round trip through a run file.
    const line =
      `{"n":${i},"s":"日本語 ${'x'.repeat(i % 13)}\t\\"q\\""}` + (i % 50 === 0 ? '\nsecond line' : '');
    s.add(k, line);
    want.push([k, line]);
  }
  assert.ok(s.spilled >= 10, `only ${s.spilled} runs`);
  const runs = tempRuns().filter((n) => !before.has(n));
  assert.equal(runs.length, 1);
  const got: string[] = [];
  s.finish((l) => {
    got.push(l);
    return true;
  });
  want.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  assert.deepEqual(
    got,
    want.map((w) => w[1]),
  );
  // Temporary files are removed.
  for (const r of runs) assert.equal(existsSync(`${tmpdir()}/${r}`), false);
});

test('finish stops when the writer says the reader went away', () => {
  const s = new SortedLines(100);
  for (let i = 0; i < 100; i++) s.add(100 - i, `line ${i}`);
  const got: string[] = [];
  s.finish((l) => {
    got.push(l);
    return got.length < 3;
  });
  assert.deepEqual(got, ['line 99', 'line 98', 'line 97']);
});
