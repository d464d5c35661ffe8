// Compiled templates (plan.ts) render every record exactly as the generic renderer does, and a field
// filter only leaves out what it says is not read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEvtxSync, type FieldFilter } from '../src/index.js';
import { denseInput } from '../bench/inputs.js';
import { fixtureFiles } from './helpers/fixtures.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const everything: FieldFilter = { names: null, full: () => true };

function both(path: string, filter: FieldFilter): Array<[unknown, unknown]> {
  const generic = [...readEvtxSync(path)].map((r) => [r.recordId, r.event]);
  const fast = [...readEvtxSync(path, { fields: filter })].map((r) => [r.recordId, r.event]);
  assert.equal(fast.length, generic.length, path);
  return generic.map((g, i) => [g, fast[i]]);
}

test('compiled templates render every regression sample like renderJson', () => {
  const files = fixtureFiles('.evtx');
  assert.ok(files.length > 100);
  for (const f of files) for (const [g, p] of both(f, everything)) assert.deepStrictEqual(p, g, f);
});

test('compiled templates render re-packed dense chunks like renderJson', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-plan-'));
  try {
    const path = join(dir, 'dense.evtx');
    writeFileSync(path, denseInput(3000));
    for (const [g, p] of both(path, everything)) assert.deepStrictEqual(p, g);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a field filter keeps the named fields and drops the others', () => {
  const names = new Set(['Channel', 'EventID', 'Image', 'CommandLine', 'TargetUserName', 'Provider']);
  const asked: Array<[string | undefined, number]> = [];
  const filter: FieldFilter = {
    names,
    full: (c, e) => {
      asked.push([c, e]);
      return c === 'Microsoft-Windows-Sysmon/Operational' && e === 1;
    },
  };
  let dropped = 0;
  let fullKept = 0;
  for (const f of fixtureFiles('.evtx')) {
    for (const [g, p] of both(f, filter)) {
      const ge = (g as [number, { Event: Record<string, Record<string, unknown>> }])[1].Event;
      const pe = (p as [number, { Event: Record<string, Record<string, unknown>> }])[1].Event;
      const sys = ge.System!;
      const all = sys.Channel === 'Microsoft-Windows-Sysmon/Operational' && sys.EventID === 1;
      if (all) {
        // Every EventData value is kept; System is still filtered.
        assert.deepStrictEqual(pe.EventData, ge.EventData);
        fullKept++;
      }
      for (const part of all ? (['System'] as const) : (['System', 'EventData'] as const)) {
        const gp = ge[part];
        const pp = pe[part];
        if (gp === undefined || gp === null || typeof gp !== 'object') continue;
        if (pp === undefined) continue; // EventData through the generic path (nested BinXML) is complete
        for (const [k, v] of Object.entries(gp)) {
          if (names.has(k)) assert.deepStrictEqual((pp as Record<string, unknown>)[k], v, `${f} ${k}`);
          else if (!(k in (pp as object))) dropped++;
        }
      }
    }
  }
  assert.ok(dropped > 1000, `dropped ${dropped}`);
  // The reader asks once per channel and EventID (it remembers recent answers), for records of every kind.
  const pairs = new Set(asked.map(([c, e]) => `${c}|${e}`));
  assert.ok(pairs.size >= 10, `asked for ${pairs.size} channel/EventID pairs`);
  assert.ok(asked.length < 50, `asked ${asked.length} times`);
  assert.ok(fullKept > 0);
});
