// Every record of every SigmaHQ regression sample parses, and the JSON rendered from the .evtx equals the
// .json export shipped beside it, field for field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readEvtxSync, type EvtxIssue, type JsonObject } from '../src/index.js';
import { fixtureFiles, readConcatenatedJson } from './helpers/fixtures.js';

// Samples whose .json was not exported from the .evtx byte for byte (see test/fixtures/SOURCE.md).
const KNOWN_DIFFERENT: Record<string, string> = {
  'ad691d92-15f2-4181-9aa4-723c74f9ddc3':
    '.json has nanosecond SystemTime and "Explorer.exe" where the .evtx holds "Explorer.EXE"',
};

type Ev = { Event: { System: { EventRecordID: number } } };

test('all regression samples parse without issues and match their .json', () => {
  const files = fixtureFiles('.evtx');
  assert.ok(files.length >= 200, `expected the SigmaHQ samples, found ${files.length}`);
  let records = 0;
  let compared = 0;
  const mismatches: string[] = [];
  for (const file of files) {
    const issues: EvtxIssue[] = [];
    const byId = new Map<number, JsonObject>();
    for (const r of readEvtxSync(file, { onIssue: (i) => issues.push(i) })) {
      records++;
      // Keyed by the body's EventRecordID: exported logs renumber the record headers from 1.
      byId.set((r.event as unknown as Ev).Event.System.EventRecordID, r.event);
    }
    assert.deepEqual(issues, [], file);
    const expected = readConcatenatedJson(readFileSync(file.replace(/\.evtx$/, '.json'), 'utf8')) as Ev[];
    assert.ok(expected.length > 0, file);
    const known = Object.keys(KNOWN_DIFFERENT).some((k) => file.includes(k));
    for (const exp of expected) {
      const got = byId.get(exp.Event.System.EventRecordID);
      assert.ok(got, `${file}: record ${exp.Event.System.EventRecordID} missing`);
      compared++;
      try {
        assert.deepStrictEqual(got, exp);
        assert.ok(!known, `${file} is listed as known-different but matches: remove it from the list`);
      } catch (err) {
        if (!known) mismatches.push(`${file}: ${(err as Error).message.slice(0, 2000)}`);
      }
    }
  }
  assert.deepEqual(mismatches, []);
  assert.ok(records >= compared);
  assert.ok(compared >= 238, `compared ${compared}`);
});

test('the known-different sample differs only in the documented fields', () => {
  const file = fixtureFiles('.evtx').find((f) => f.includes('ad691d92-15f2-4181-9aa4-723c74f9ddc3'))!;
  const [rec] = [...readEvtxSync(file)];
  const [exp] = readConcatenatedJson(readFileSync(file.replace(/\.evtx$/, '.json'), 'utf8')) as JsonObject[];
  const norm = (e: JsonObject) => {
    const c = JSON.parse(JSON.stringify(e));
    c.Event.System.TimeCreated['#attributes'].SystemTime = c.Event.System.TimeCreated[
      '#attributes'
    ].SystemTime.replace(/(\.\d{6})\d*Z$/, '$1Z');
    c.Event.EventData.ParentCommandLine = c.Event.EventData.ParentCommandLine.toLowerCase();
    return c;
  };
  assert.deepEqual(norm(rec!.event), norm(exp!));
});
