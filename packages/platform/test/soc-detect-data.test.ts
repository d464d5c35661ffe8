// Reading SocEvent fields by dotted path (detection data files): compiled readers for identifier paths, the
// generic reader for anything else, the same answers either way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getter, readPath, refGetter } from '../src/soc/detect/data.js';
import type { SocEvent } from '../src/soc/types.js';

const ev = {
  time: '2026-11-25T00:00:00.000Z',
  sourceKind: 'waf',
  severity: 'high',
  src: { ip: '192.0.2.7', port: 51515 },
  dst: null,
  rule: { name: '' },
  fields: { blocked: true, 'x-forwarded-for': '203.0.113.9', 'url.path': '/a', status: 0 },
} as unknown as SocEvent;

test('paths read strings, numbers and booleans as text; absent, empty, null and non-objects as undefined', () => {
  assert.equal(readPath(ev, 'sourceKind'), 'waf');
  assert.equal(readPath(ev, 'src.ip'), '192.0.2.7');
  assert.equal(readPath(ev, 'src.port'), '51515');
  assert.equal(readPath(ev, 'fields.blocked'), 'true');
  assert.equal(readPath(ev, 'fields.status'), '0');
  assert.equal(readPath(ev, 'rule.name'), undefined, 'empty string');
  assert.equal(readPath(ev, 'dst.ip'), undefined, 'null object');
  assert.equal(readPath(ev, 'time.length'), undefined, 'not an object');
  assert.equal(readPath(ev, 'nothing'), undefined);
  assert.equal(readPath(ev, 'nothing.here'), undefined);
});

test('keys that are not identifiers are read by the generic reader, never compiled', () => {
  assert.equal(readPath(ev, 'fields.x-forwarded-for'), '203.0.113.9');
  assert.equal(readPath(ev, 'fields.url.path'), '/a', 'the rest after the first dot is one key');
  // A path that would be code if pasted into a function body is just a key that is not there.
  assert.equal(readPath(ev, 'src.ip;globalThis.pwned=1'), undefined);
  assert.equal((globalThis as { pwned?: unknown }).pwned, undefined);
  assert.equal(getter('src.ip'), getter('src.ip'), 'one reader per path');
  assert.equal(refGetter(['dst.ip', 'src.ip'])(ev), '192.0.2.7', 'alternatives: the first present wins');
});
