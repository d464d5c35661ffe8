// Buckets built by one engine and adopted by another with the same rules (mamori hunt's workers), and
// engines restored from another engine's snapshot, must match exactly like the engine itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import {
  SigmaEngine,
  bundledRegressionDir,
  bundledRulesDirs,
  parseJsonEvents,
  readRuleSources,
  type EngineSnapshot,
  type SharedBucket,
} from '../src/index.js';
import { decodeSnapshot, encodeSnapshot } from '../src/snapshot.js';

function jsonSamples(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) jsonSamples(p, out);
    else if (n.endsWith('.json')) out.push(p);
  }
  return out;
}

const summary = (e: SigmaEngine, ev: unknown): string[] =>
  e
    .match(ev)
    .map((m) => `${m.rule.id} ${JSON.stringify(m.fields)}`)
    .sort();

test('an engine that adopts the buckets another engine built matches the same events the same way', () => {
  const sources = readRuleSources(bundledRulesDirs());
  const events = jsonSamples(bundledRegressionDir()).flatMap((f) => parseJsonEvents(readFileSync(f, 'utf8')));
  assert.ok(events.length > 200);
  const built: SharedBucket[] = [];
  const a = new SigmaEngine(sources);
  a.bucketShare = { take: () => undefined, built: (b) => built.push(structuredClone(b)) };
  const expected = events.map((ev) => summary(a, ev));
  assert.ok(built.length >= 10, `buckets built: ${built.length}`);
  assert.ok(expected.filter((x) => x.length > 0).length > 200);

  const bySig = new Map(built.map((b) => [b.sig, b]));
  let taken = 0;
  let builtByB = 0;
  const b = new SigmaEngine(sources);
  b.bucketShare = {
    take: (sig) => {
      const got = bySig.get(sig);
      if (got) taken++;
      return got;
    },
    built: () => builtByB++,
  };
  events.forEach((ev, i) => assert.deepEqual(summary(b, ev), expected[i], `event ${i}`));
  assert.equal(taken, built.length);
  assert.equal(builtByB, 0);
});

test('a bucket from an engine with other rules is refused and built locally', () => {
  const all = readRuleSources(bundledRulesDirs());
  const sysmon = all.filter((s) => s.text.includes('category: process_creation')).slice(0, 50);
  const built: SharedBucket[] = [];
  const a = new SigmaEngine(all);
  a.bucketShare = { take: () => undefined, built: (x) => built.push(x) };
  a.warm([['Microsoft-Windows-Sysmon/Operational', 1]]);
  assert.equal(built.length, 1);
  let builtByB = 0;
  const b = new SigmaEngine(sysmon);
  b.bucketShare = { take: () => built[0], built: () => builtByB++ };
  const ev = {
    Event: {
      System: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1 },
      EventData: { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd /c whoami' },
    },
  };
  b.match(ev);
  assert.equal(builtByB, 1);
});

test('an engine restored from a snapshot (after v8 serialization) matches like the engine it came from', () => {
  const sources = readRuleSources(bundledRulesDirs());
  const a = new SigmaEngine(sources, { correlate: false });
  const b = SigmaEngine.fromSnapshot(deserialize(serialize(a.snapshot())) as EngineSnapshot, {
    correlate: false,
  });
  assert.equal(b.ruleCount, a.ruleCount);
  assert.deepEqual(b.diagnostics, a.diagnostics);
  const events = jsonSamples(bundledRegressionDir()).flatMap((f) => parseJsonEvents(readFileSync(f, 'utf8')));
  let hits = 0;
  for (const [i, ev] of events.entries()) {
    const want = summary(a, ev);
    hits += want.length;
    assert.deepEqual(summary(b, ev), want, `event ${i}`);
  }
  assert.ok(hits > 300, `hits ${hits}`);
  // A snapshot of another engine version is refused rather than misread.
  assert.throws(() => SigmaEngine.fromSnapshot({ version: -1, data: null }), /another engine version/);
});

test('snapshot encoding keeps shared objects, cycles and data that looks like its own tags', () => {
  const shared = { a: 1 };
  const arr = [1, 2];
  const cyc: Record<string, unknown> = { name: 'c' };
  cyc.self = cyc;
  const tricky = { '\u0000sigma:class': 'AndNode', '\u0000sigma:shared': 1, x: 2 };
  const value = {
    one: shared,
    two: shared,
    arrs: [arr, arr],
    cyc,
    tricky,
    markerArray: ['\u0000sigma:shared', '\u0000sigma:array', 3],
    map: new Map([['k', shared]]),
    set: new Set(['s']),
    typed: Int32Array.from([1, 2, 3]),
  };
  const back = decodeSnapshot(deserialize(serialize(encodeSnapshot(value)))) as typeof value;
  assert.equal(back.one, back.two);
  assert.equal(back.map.get('k'), back.one);
  assert.equal(back.arrs[0], back.arrs[1]);
  assert.deepEqual(back.arrs[0], [1, 2]);
  assert.equal(back.cyc.self, back.cyc);
  assert.deepEqual(back.tricky, tricky);
  assert.equal(Object.getPrototypeOf(back.tricky), Object.prototype);
  assert.deepEqual(back.markerArray, value.markerArray);
  assert.deepEqual([...back.set], ['s']);
  assert.deepEqual([...back.typed], [1, 2, 3]);
  assert.throws(() => encodeSnapshot({ f: () => 1 }), /cannot encode a function/);
});
