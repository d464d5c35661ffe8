import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchKey } from '@mamori/core';

test('hiragana, full-width and half-width katakana fold to one key', () => {
  const k = searchKey('サッポロシ');
  assert.equal(searchKey('さっぽろし'), k);
  assert.equal(searchKey('ｻｯﾎﾟﾛｼ'), k);
  assert.equal(searchKey('サッポロ シ'), k);
});

test('full-width digits and Latin letters fold, case is ignored', () => {
  assert.equal(searchKey('１３１０１６'), '131016');
  assert.equal(searchKey('ＳＯＣ Operator'), 'socoperator');
});

test('kanji are kept as they are', () => {
  assert.equal(searchKey('千代田区'), '千代田区');
});
