import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configKeys, envNameOf } from '@mamori/core';

const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

test('docs/configuration.md documents every key with its environment variable and default', () => {
  for (const k of configKeys) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${k.key}\` |`));
    assert.ok(row, `key ${k.key} is not documented`);
    assert.ok(row.includes(`\`${envNameOf(k.key)}\``), `${k.key}: env var missing`);
    if (k.default !== null) assert.ok(row.includes(`\`${String(k.default)}\``), `${k.key}: default missing`);
    if (k.secret) assert.ok(row.includes('Secret'), `${k.key}: not marked secret`);
  }
});
