// Splitting an HTTP bulk body into records and rejected lines (no HTTP, no database).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMamoriError } from '@mamori/core';
import { parseTzOffset, splitBulk, type BulkInput } from '../../src/soc/ingest/bulk.js';

const base = (mediaType: BulkInput['mediaType'], body: string | Buffer): BulkInput => ({
  mediaType,
  body: Buffer.isBuffer(body) ? body : Buffer.from(body),
  peer: '192.0.2.1',
  maxLineBytes: 100,
});

test('text/plain: CRLF and LF, empty lines skipped, NUL shown as U+FFFD, long lines rejected with the reason', () => {
  const r = splitBulk({
    ...base('text', `a\r\n\r\nb\u0000c\n${'x'.repeat(150)}\nlast`),
    format: 'squid',
    tzOffsetMinutes: 540,
    organizationId: 'org',
  });
  assert.deepEqual(
    r.records.map((x) => x.line),
    ['a', 'b\uFFFDc', 'last'],
  );
  assert.ok(
    r.records.every((x) => x.format === 'squid' && x.tzOffsetMinutes === 540 && x.organizationId === 'org'),
  );
  assert.ok(r.records.every((x) => x.transport === 'http' && x.peer === '192.0.2.1'));
  assert.equal(r.rejected.length, 1);
  assert.match(r.rejected[0]!.reason, /line 4: too large: 150 bytes \(limit 100\)/);
});

test('NDJSON: per-line format overrides the default; "auto" detects; bad lines rejected one by one', () => {
  const body = [
    '{"line":"one"}',
    '{"line":"two","format":"cef"}',
    '{"line":"three","format":"auto"}',
    '[1,2]',
    '{"line":3}',
    '{"line":"   "}',
    'nope',
  ].join('\n');
  const r = splitBulk({ ...base('ndjson', body), format: 'fortigate' });
  assert.deepEqual(
    r.records.map((x) => [x.line, x.format]),
    [
      ['one', 'fortigate'],
      ['two', 'cef'],
      ['three', 'fortigate'],
    ],
  );
  assert.deepEqual(
    r.rejected.map((x) => x.reason),
    [
      'line 4: expected an object with a string "line"',
      'line 5: expected an object with a string "line"',
      'line 7: not valid JSON',
    ],
  );
});

test('a body unusable as a whole is a MAMORI_BAD_REQUEST with the reason', () => {
  const cases: [BulkInput, RegExp][] = [
    [base('text', ''), /empty body/],
    [base('text', Buffer.from([0xc3, 0x28])), /not UTF-8/],
    [{ ...base('text', 'x'), format: 'nope' }, /unknown format "nope"/],
    [base('json', '{"records": 1}'), /expected \{"records"/],
    [base('json', '{'), /not valid JSON/],
  ];
  for (const [input, reason] of cases) {
    assert.throws(
      () => splitBulk(input),
      (err) => isMamoriError(err) && err.code === 'MAMORI_BAD_REQUEST' && reason.test(err.message),
    );
  }
});

test('time zone offsets', () => {
  assert.equal(parseTzOffset('+09:00'), 540);
  assert.equal(parseTzOffset('-0530'), -330);
  assert.equal(parseTzOffset('Z'), 0);
  assert.equal(parseTzOffset('+15:00'), undefined);
  assert.equal(parseTzOffset('JST'), undefined);
});
