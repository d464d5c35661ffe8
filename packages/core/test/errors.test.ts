import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorCatalog, MamoriError } from '@mamori/core';

test('every catalogue entry has a 4xx/5xx status and both languages', () => {
  for (const [code, e] of Object.entries(errorCatalog)) {
    assert.match(code, /^MAMORI_[A-Z_]+$/);
    assert.ok(e.status >= 400 && e.status < 600, code);
    assert.ok(e.en.length > 0 && e.ja.length > 0, code);
    // Placeholders must be the same in both languages.
    const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(ph(e.en), ph(e.ja), code);
  }
});

test('a MamoriError fills its messages and gives the API body', () => {
  const err = new MamoriError('MAMORI_VALIDATION', { reason: 'limit must be ≤ 200' }, { field: 'limit' });
  assert.equal(err.status, 400);
  assert.equal(err.message, 'Invalid input: limit must be ≤ 200');
  assert.equal(err.messageJa, '入力が不正です: limit must be ≤ 200');
  assert.deepEqual(err.toBody(), {
    error: {
      code: 'MAMORI_VALIDATION',
      message: err.message,
      messageJa: err.messageJa,
      details: { field: 'limit' },
    },
  });
});
