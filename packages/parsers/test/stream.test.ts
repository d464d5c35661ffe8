import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { parseLinesSync, parseStream, type StreamItem } from '@mamori/parsers';
import { fixture } from './helpers.js';

test('line stream counts ok/malformed per format and yields malformed lines with reasons', () => {
  const text = [
    fixture('squid/access.log').split('\n')[1],
    'garbage that no parser knows',
    fixture('postfix/maillog').split('\n')[1],
    '1795637891.806 1 127.0.0.1 TCP_MISS 324 GET http://x/ - HIER_DIRECT/1.2.3.4 text/html',
    '',
    fixture('cef/cef.log').split('\n')[0],
  ].join('\n');
  const gen = parseLinesSync(text);
  const items: StreamItem[] = [];
  let r = gen.next();
  while (!r.done) {
    items.push(r.value);
    r = gen.next();
  }
  const stats = r.value;
  assert.equal(stats.ok, 3);
  assert.equal(stats.malformed, 2);
  assert.deepEqual(stats.byFormat.squid, { ok: 1, malformed: 1 });
  assert.deepEqual(stats.byFormat.auto, { ok: 0, malformed: 1 });
  const bad = items.filter((i): i is Extract<StreamItem, { ok: false }> => !i.ok);
  assert.deepEqual(
    bad.map((b) => [b.lineNo, b.error.format, b.error.reason]),
    [
      [2, 'auto', 'unrecognized format'],
      [4, 'squid', 'bad result code "TCP_MISS"'],
    ],
  );
  assert.equal(bad[0]!.line, 'garbage that no parser knows');
});

test('byte stream: lines split across chunks, UTF-8 split across chunks, CRLF', async () => {
  const line = '<13>Nov 25 12:00:12 web01 su[3011]: (to root) 田中 on pts/4\r\n';
  const bytes = Buffer.from(line.repeat(3), 'utf8');
  // 7-byte chunks cut through the multi-byte characters.
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
  const out: StreamItem[] = [];
  for await (const it of parseStream(Readable.from(chunks))) out.push(it);
  assert.equal(out.length, 3);
  for (const it of out) {
    assert.ok(it.ok);
    assert.equal(it.event.src?.user, '田中');
    assert.ok(!it.event.raw.endsWith('\r'));
  }
});

test('byte stream: an overlong line is reported once and skipped without buffering it', async () => {
  const good = fixture('squid/access.log').split('\n')[1]!;
  async function* source(): AsyncGenerator<string> {
    yield good + '\n';
    for (let i = 0; i < 100; i++) yield 'x'.repeat(10_000); // 1 MB without a newline
    yield '\n' + good + '\n';
  }
  const out: StreamItem[] = [];
  const gen = parseStream(source(), { maxLineLength: 64 * 1024 });
  let r = await gen.next();
  while (!r.done) {
    out.push(r.value);
    r = await gen.next();
  }
  assert.equal(out.length, 3);
  assert.ok(out[0]!.ok && out[2]!.ok);
  const bad = out[1]!;
  assert.ok(!bad.ok);
  assert.match(bad.error.reason, /line too long \(1000000 > 65536/);
  assert.ok(bad.line.length <= 256);
  assert.equal(r.value.malformed, 1);
  assert.equal(r.value.ok, 2);
});

test('YARA -s continuation lines are folded in the stream and counted', () => {
  const gen = parseLinesSync(fixture('yara/yara-strings.out'), { format: 'yara' });
  const items: StreamItem[] = [];
  let r = gen.next();
  while (!r.done) {
    items.push(r.value);
    r = gen.next();
  }
  assert.equal(items.length, 2);
  assert.equal(r.value.continued, 3);
  assert.equal(r.value.ok, 2);
});

test('a fixed format refuses other formats line by line', () => {
  const items = [
    ...parseLinesSync([fixture('squid/access.log').split('\n')[1]!, 'CEF:0|a|b|c|d|e|5|src=1.2.3.4'], {
      format: 'squid',
    }),
  ];
  assert.equal(items[0]!.ok, true);
  assert.equal(items[1]!.ok, false);
});

test('parseStream over a file read stream (real Postfix and squid lines, one malformed)', async () => {
  const { createReadStream, mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'mamori-parsers-'));
  try {
    const file = join(dir, 'mixed.log');
    writeFileSync(file, fixture('postfix/maillog') + 'Nov 25 11:00:00 mx01 \n' + fixture('squid/access.log'));
    const out: StreamItem[] = [];
    const gen = parseStream(createReadStream(file, { highWaterMark: 64 }));
    let r = await gen.next();
    while (!r.done) {
      out.push(r.value);
      r = await gen.next();
    }
    assert.equal(r.value.byFormat.postfix?.ok, 11);
    assert.equal(r.value.byFormat.squid?.ok, 7);
    assert.equal(r.value.malformed, 1);
    const bad = out.find((i) => !i.ok)!;
    assert.equal(bad.lineNo, 12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
