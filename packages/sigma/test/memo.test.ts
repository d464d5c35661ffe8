import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueMemo, valueSlot } from '../src/memo.js';
import { SigmaEngine } from '../src/engine.js';

// Fresh string objects with the same text (as JSON.parse or a decoder makes them).
const fresh = (s: string): string => JSON.parse(JSON.stringify(s)) as string;

test('ValueMemo answers only for the exact text, also for values that share a slot', () => {
  const m = new ValueMemo<number>(1);
  // With one set every value shares the slot: a collision must miss, never answer for another value.
  assert.equal(m.get('alpha'), undefined);
  m.put('alpha', 1);
  assert.equal(m.get(fresh('alpha')), 1);
  assert.equal(m.get('alphA'), undefined);
  m.put('alphA', 2);
  assert.equal(m.get('alpha'), 1);
  assert.equal(m.get('alphA'), 2);
  // Two ways: a third value evicts the least recently used one.
  assert.equal(m.get('beta'), undefined);
  m.put('beta', 3);
  assert.equal(m.get('alpha'), undefined, 'alpha was least recently used');
  assert.equal(m.get('alphA'), 2);
  assert.equal(m.get('beta'), 3);
  // The empty string is a value like any other (empty entries hold no value).
  assert.equal(m.get(''), undefined);
  m.put('', 4);
  assert.equal(m.get(''), 4);
});

test('ValueMemo keeps values that share a first-level set (differing only in unsampled characters)', () => {
  const m = new ValueMemo<number>(1024);
  // Same length, differing in characters the slot does not sample (positions 2 and 3 of 40): one
  // first-level set for all of them.
  const vals = Array.from({ length: 40 }, (_, i) => `id${String(i).padStart(2, '0')}${'-'.repeat(36)}`);
  assert.equal(new Set(vals.map((v) => valueSlot(v, 1023))).size, 1, 'the values share one set');
  vals.forEach((v, i) => {
    assert.equal(m.get(v), undefined);
    m.put(v, i);
  });
  for (let round = 0; round < 2; round++) vals.forEach((v, i) => assert.equal(m.get(fresh(v)), i, v));
});

test('valueSlot stays in range and separates values that differ at the end', () => {
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const s = `C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s Schedule --id=${i}`;
    const k = valueSlot(s, 1023);
    assert.ok(k >= 0 && k <= 1023);
    seen.add(k);
    assert.equal(valueSlot(fresh(s), 1023), k);
  }
  assert.ok(seen.size > 500, `only ${seen.size} distinct slots for 1000 values`);
  for (const s of ['', 'a', 'ab', 'abc', 'abcd']) assert.ok(valueSlot(s, 7) >= 0 && valueSlot(s, 7) <= 7);
});

test('the engine gives the same matches for fresh and repeated event objects, across memo evictions', () => {
  const rule = `title: t
id: 3b0a3f4e-0000-4000-8000-000000000001
logsource: { product: windows, category: process_creation }
detection:
  sel:
    CommandLine|contains: 'mimikatz'
  re:
    CommandLine|re: '\\\\[a-z]{1,8}\\.exe x'
  condition: sel or re
`;
  const engine = new SigmaEngine([{ path: 't.yml', text: rule }]);
  const ev = (cmd: string) => ({
    Event: {
      System: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1 },
      EventData: { CommandLine: cmd, Image: 'C:\\x.exe' },
    },
  });
  const cmds: string[] = [];
  for (let i = 0; i < 5000; i++)
    cmds.push(
      i % 7 === 0 ? `run MimiKatz ${i}` : i % 5 === 0 ? `C:\\tool.exe x ${i % 3}` : `benign ${i % 2000}`,
    );
  const expected = cmds.map((c) => /mimikatz/i.test(c) || /\\[a-z]{1,8}\.exe x/.test(c));
  for (let pass = 0; pass < 2; pass++) {
    const events = JSON.parse(JSON.stringify(cmds.map(ev))) as unknown[];
    events.forEach((e, i) => assert.equal(engine.match(e).length, expected[i] ? 1 : 0, cmds[i]));
  }
});
