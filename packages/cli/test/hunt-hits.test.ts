// The hunt workers build hits from pieces shared per event and per rule (hits.ts hitEvent, report.ts
// JsonlLines): the output must be exactly what the per-hit path (makeHit, jsonlLine, HitStats.add) gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventSummary, SigmaMatch } from '@mamori/sigma';
import { eventHit, hitEvent, hitKey, makeHit } from '../src/hunt/hits.js';
import { HitStats, JsonlLines, jsonlLine } from '../src/hunt/report.js';

const summaries: EventSummary[] = [
  {
    timestamp: '2024-03-01T12:34:56.789012Z',
    computer: 'PC-01.example.lg.jp',
    channel: 'Security',
    eventId: 4688,
    recordId: 42,
  },
  {
    timestamp: '2024-03-01 12:34:56',
    computer: '端末"\\ 2',
    channel: 'Microsoft-Windows-Sysmon/Operational',
  },
  { timestamp: 'not a time', eventId: 1 },
  { timestamp: '+030828-09-14T02:48:05.477Z', recordId: 7 }, // FILETIME's far end: a year of 5 digits
  {},
];

const utcTimestamps = [
  '2024-03-01T12:34:56.789Z',
  '2024-03-01T12:34:56.000Z',
  'not a time',
  '+030828-09-14T02:48:05.477Z',
  '',
];

const rule = (title: string, author: unknown, tags: string[]) =>
  ({ title, id: `id-${title}`, level: 'high', author, tags }) as unknown as SigmaMatch['rule'];
const rules = [
  rule('Suspicious "quoted" \u2028 title', 'Florian Roth (Nextron Systems)', ['attack.t1059']),
  rule('No author', undefined, []),
  rule('日本語のルール', 'someone\nelse', ['attack.execution', 'attack.t1204']),
];
const match = (r: SigmaMatch['rule'], fields: Array<[string, string]>) =>
  ({
    kind: 'rule',
    rule: r,
    fields: fields.map(([field, value]) => ({ field, value })),
  }) as unknown as SigmaMatch;

test('per-event and per-rule pieces give the same hits, lines, keys and stats as the per-hit path', () => {
  for (const utc of [false, true]) {
    const lines = new JsonlLines();
    const a = new HitStats();
    const b = new HitStats();
    for (const [si, s] of summaries.entries()) {
      const ev = hitEvent(s, '/cases/pc01/Security.evtx', utc);
      assert.equal(ev.key, hitKey(s));
      // Stated outright (makeHit is built on hitEvent, so comparing the two alone could not fail).
      if (utc) assert.equal(ev.timestamp, utcTimestamps[si]);
      for (const [i, r] of [...rules, rules[0]!].entries()) {
        const m = match(r, [
          ['CommandLine', `cmd.exe /c "echo ${i}"`],
          ['CommandLine', 'second value of the same field is not kept'],
          ['Image', 'C:\\Windows\\System32\\cmd.exe'],
        ]);
        const want = makeHit(m, s, '/cases/pc01/Security.evtx', utc);
        const got = eventHit(m, ev);
        assert.deepEqual(got, want);
        assert.equal(lines.line(got, r, ev), jsonlLine(want));
        a.add(want);
        b.add(got, ev.statsMs);
      }
    }
    assert.deepEqual(b, a);
  }
});
