// Built-in rule windows keep bounded evidence: at most maxEntries events per group (the latest arrivals), and
// only the events still inside the rule's timespan once the window has moved on; a fired group's evidence is
// exactly the events of its window.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BuiltinDetector, loadBuiltinRules } from '../src/soc/detect/builtin.js';
import type { Hit } from '../src/soc/detect/hit.js';
import type { SocEvent } from '../src/soc/types.js';

const T0 = Date.parse('2026-11-26T00:00:00Z');
const ev = (id: string, at: number): SocEvent => ({
  time: new Date(at).toISOString(),
  class: 'authentication',
  activity: 'logon',
  severity: 'low',
  disposition: 'blocked',
  sourceKind: 'endpoint',
  format: 'linux-auth',
  raw: id,
  src: { ip: '192.0.2.7' },
  id,
  organizationId: 'lg221007',
  unattributedReason: null,
  prefectureId: 'lg220001',
  receivedAt: at,
});
const rule = (threshold: number, timespan: string) =>
  loadBuiltinRules([
    {
      id: 'test-count',
      title: 'test',
      author: 'test',
      level: 'low',
      kind: 'count',
      match: { class: 'authentication', disposition: 'blocked' },
      by: ['src.ip'],
      entity: ['src.ip'],
      threshold,
      timespan,
    },
  ] as never);
const evidence = (d: BuiltinDetector): string[] => {
  const groups = (d as unknown as { groups: Map<string, Map<string, { events: { id: string }[] }>> }).groups;
  return [...groups.get('test-count')!.values()][0]!.events.map((e) => e.id);
};

test('an unfired group keeps its latest maxEntries events, and only those inside the window', () => {
  const d = new BuiltinDetector(rule(1000, '1h'), { maxEntries: 5 });
  const out: Hit[] = [];
  for (let i = 0; i < 20; i++) d.evaluate(ev(`e${i}`, T0 + i * 1000), out);
  assert.deepEqual(evidence(d), ['e15', 'e16', 'e17', 'e18', 'e19']);
  // An out-of-order arrival inside the window is kept (the latest arrivals, not the latest times).
  d.evaluate(ev('late', T0 + 500), out);
  assert.deepEqual(evidence(d), ['e16', 'e17', 'e18', 'e19', 'late']);
  // Two hours on, everything before is outside the window.
  d.evaluate(ev('next', T0 + 2 * 3_600_000), out);
  assert.deepEqual(evidence(d), ['next']);
  assert.equal(out.length, 0);
});

test("a fired group's evidence is the events of its window", () => {
  const d = new BuiltinDetector(rule(3, '1m'), { maxEntries: 50 });
  const out: Hit[] = [];
  d.evaluate(ev('a', T0), out);
  d.evaluate(ev('b', T0 + 10_000), out);
  d.evaluate(ev('c', T0 + 120_000), out); // a and b leave the window
  assert.equal(out.length, 0);
  d.evaluate(ev('d', T0 + 121_000), out);
  d.evaluate(ev('e', T0 + 122_000), out);
  assert.equal(out.length, 1);
  assert.deepEqual(
    out[0]!.events.map((e) => e.id),
    ['c', 'd', 'e'],
  );
});
