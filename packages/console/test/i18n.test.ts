// The two message catalogues must carry the same keys, no empty texts, the same {placeholders}, and every
// key the console source asks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const src = join(import.meta.dirname, '../src');
const ja = JSON.parse(readFileSync(join(src, 'i18n/ja.json'), 'utf8')) as Record<string, string>;
const en = JSON.parse(readFileSync(join(src, 'i18n/en.json'), 'utf8')) as Record<string, string>;

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

test('ja and en catalogues have the same keys', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ja).sort());
});

test('no message is empty and placeholders match across languages', () => {
  for (const [k, v] of Object.entries(ja)) {
    assert.ok(v.trim().length > 0, `ja ${k} is empty`);
    assert.ok((en[k] ?? '').trim().length > 0, `en ${k} is empty`);
    assert.deepEqual(placeholders(en[k] ?? ''), placeholders(v), `placeholders differ for ${k}`);
  }
});

test('the Japanese catalogue is Japanese and the English one is not', () => {
  const jp = /[\u3040-\u30ff\u4e00-\u9fff]/;
  const jaOnly = Object.values(ja).filter((v) => jp.test(v)).length;
  assert.ok(jaOnly / Object.keys(ja).length > 0.9, 'most ja messages contain Japanese script');
  // English may quote Japanese search examples; nothing else.
  const leaking = Object.entries(en).filter(([k, v]) => jp.test(v) && k !== 'org.searchSupport');
  assert.deepEqual(leaking, []);
});

test('every literal key used in the source exists in the catalogues', () => {
  const used = new Set<string>();
  for (const file of sources(src)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z]+\.[a-zA-Z.]+)'/g)) used.add(m[1]!);
    for (const m of text.matchAll(/'([a-z]+\.[a-zA-Z]+)'\s*(?:as const)?\s*[,:)]/g)) {
      if (m[1]! in ja || /^(nav|user|token|table)\./.test(m[1]!)) used.add(m[1]!);
    }
  }
  assert.ok(used.size > 100, `found ${used.size} keys in the source`);
  const missing = [...used].filter((k) => !(k in ja));
  assert.deepEqual(missing, []);
});

test('every role and organization kind has a label', () => {
  const roles = [
    'state_admin',
    'state_analyst',
    'prefecture_admin',
    'prefecture_operator',
    'municipality_admin',
    'municipality_staff',
    'auditor',
  ];
  const kinds = [
    'state',
    'prefecture',
    'designated_city',
    'city',
    'town',
    'village',
    'special_ward',
    'ward',
    'association',
    'soc_operator',
    'other',
  ];
  for (const r of roles) assert.ok(`role.${r}` in ja, r);
  for (const k of kinds) assert.ok(`kind.${k}` in ja, k);
});
