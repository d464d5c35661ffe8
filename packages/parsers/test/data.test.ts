// The mapping tables in data/ are data: check they are well-formed and consistent with the code's types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { eventClasses, isSeverity } from '@mamori/core';
import { attackTypeOf, crsAttackTypes } from '@mamori/parsers';

const data = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../data/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const dispositions = new Set(['allowed', 'blocked', 'detected', 'quarantined', 'deleted', 'unknown']);

test('actions.json: lower-case words mapped to known dispositions', () => {
  const { actions } = data('actions.json') as { actions: Record<string, string> };
  assert.ok(Object.keys(actions).length > 40);
  for (const [k, v] of Object.entries(actions)) {
    assert.equal(k, k.toLowerCase());
    assert.ok(dispositions.has(v), `${k} → ${v}`);
  }
});

test('crs.json: ranges disjoint, every type labelled in Japanese and English', () => {
  const types = crsAttackTypes.types;
  const ranges = [...crsAttackTypes.ranges].sort((a, b) => a.from - b.from);
  for (let i = 0; i < ranges.length; i++) {
    assert.ok(ranges[i]!.from <= ranges[i]!.to);
    if (i > 0) assert.ok(ranges[i]!.from > ranges[i - 1]!.to, 'overlapping CRS ranges');
    assert.ok(types[ranges[i]!.type], `unlabelled type ${ranges[i]!.type}`);
  }
  for (const t of Object.values(crsAttackTypes.tags)) assert.ok(types[t], `unlabelled tag type ${t}`);
  for (const l of Object.values(types)) assert.ok(l.ja && l.en);
  assert.equal(attackTypeOf('942100', []), 'sqli');
  assert.equal(attackTypeOf('930120', []), 'path_traversal');
  assert.equal(attackTypeOf('999999', ['attack-xss']), 'xss');
  assert.equal(attackTypeOf('12345', []), undefined);
});

test('windows-events.json: classes, severities and dispositions are valid', () => {
  const { events, logonTypes } = data('windows-events.json') as {
    events: Record<
      string,
      { class: string; severity: string; disposition: string; activity: string; name: string }
    >;
    logonTypes: Record<string, string>;
  };
  for (const [id, e] of Object.entries(events)) {
    assert.ok(e.class in eventClasses, `${id}: class ${e.class}`);
    assert.ok(isSeverity(e.severity), `${id}: severity ${e.severity}`);
    assert.ok(dispositions.has(e.disposition) || e.disposition === 'outcome', `${id}: ${e.disposition}`);
    assert.ok(e.activity && e.name);
    assert.match(id, /^([a-z0-9 /-]+:)?\d+$/);
  }
  assert.equal(logonTypes['3'], 'network');
});

test('panos-fields.json: common prefix of 31 and the documented anchors', () => {
  const f = data('panos-fields.json') as { common: string[]; TRAFFIC: string[]; THREAT: string[] };
  assert.equal(f.common.length, 31);
  assert.equal(f.common[3], 'type');
  assert.equal(f.common[30], 'action');
  assert.equal(f.TRAFFIC[0], 'bytes');
  assert.equal(f.THREAT[0], 'url_filename');
  assert.equal(f.THREAT[1], 'threat_id');
  const all = [...f.common, ...f.THREAT];
  assert.equal(new Set(all).size, all.length, 'duplicate PAN-OS field names');
});

test('fortigate.json and ip-protocols.json', () => {
  const fg = data('fortigate.json') as { typeCodes: Record<string, string> };
  assert.equal(fg.typeCodes['04'], 'ips');
  assert.equal(fg.typeCodes['10'], 'app-ctrl');
  const p = data('ip-protocols.json') as Record<string, string>;
  assert.equal(p['6'], 'TCP');
  assert.equal(p['17'], 'UDP');
});
