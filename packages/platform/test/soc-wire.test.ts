// The batch handed to the SQLite store thread: WireBuilder reuses its arrays from one batch to the next, so a
// shorter batch after a longer one must carry exactly its own rows (no leftovers), and a clone of it (what the
// store thread receives) must equal a batch built in new arrays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deserialize, serialize } from 'node:v8';
import type { SocEvent } from '@mamori/platform';
import { eventRow } from './soc-support.js';
import { toWire, WireBuilder, type WireItem } from '../src/soc/pipeline/sqlite-writer.js';

/** An event whose every stored column differs from record to record (some left empty: NULL columns). */
const event = (i: number): SocEvent => ({
  id: `id-${i}`,
  organizationId: i % 4 === 0 ? null : `org-${i % 3}`,
  unattributedReason: i % 4 === 0 ? `reason-${i}` : null,
  prefectureId: 'lg220001',
  time: new Date(1_795_000_000_000 + i).toISOString(),
  receivedAt: i,
  class: 'network_activity',
  activity: `activity-${i}`,
  severity: 'informational',
  disposition: 'allowed',
  sourceKind: 'firewall',
  format: 'netfilter',
  raw: `raw-${i}`,
  src: { ip: `10.0.0.${i % 250}`, ...(i % 2 ? { hostname: `h${i}` } : { domain: `d${i}` }) },
  dst: i % 5 === 0 ? undefined : { ip: `198.51.100.${i % 250}`, user: `u${i}` },
  rule: i % 3 === 0 ? { id: `r${i}`, name: `rule ${i}`, category: 'c' } : undefined,
});
const items = (from: number, n: number, quarantineEvery = 0): WireItem[] =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const q = quarantineEvery > 0 && k % quarantineEvery === 0;
    return {
      pos: i,
      event: q ? null : event(i),
      quarantineRow: q ? [`q-${i}`, i, 'http', 'peer', 'auto', 'reason', 'line', 'lg220001', null] : null,
      rollupKey: q ? null : `org${i % 3}\x01lg220001\x012026-11-26T09\x01firewall\x01allowed\x01`,
    };
  });
const req = { consumer: 'spool:x', checkpoint: 10, dedupe: false, nowMs: 1 };

test('a reused builder gives each batch exactly its rows, equal to a batch in new arrays once cloned', () => {
  const b = new WireBuilder();
  const first = deserialize(serialize(b.build(req, items(0, 50))));
  assert.deepEqual(first, toWire(req, items(0, 50)));
  assert.equal(first.ev[0].length, 50);
  // Shorter, with quarantined lines (fewer event rows than items), then longer again.
  for (const [from, n, every] of [
    [100, 7, 3],
    [200, 60, 0],
    [300, 1, 1],
  ] as const) {
    const got = deserialize(serialize(b.build(req, items(from, n, every))));
    const want = toWire(req, items(from, n, every));
    assert.deepEqual(got, want);
    const batch = items(from, n, every);
    const events = batch.filter((it) => it.event).length;
    assert.equal(got.evItem.length, events);
    for (const col of got.ev) assert.equal(col.length, events);
    // Column c of row j is column c of the item's stored row.
    for (let j = 0; j < events; j++) {
      const stored = eventRow(batch[got.evItem[j]!]!.event!);
      assert.deepEqual(
        got.ev.map((col: unknown[]) => col[j]),
        stored,
      );
    }
    assert.equal(got.pos.length, n);
  }
});
