// Syslog stream framing: octet counting and newline framing, split at every possible byte boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyslogStreamDecoder, type Framing } from '../../src/soc/ingest/framing.js';

function decode(chunks: Buffer[], max = 1000, forced?: Framing) {
  const messages: string[] = [];
  const oversize: { prefix: string; size: number }[] = [];
  const d = new SyslogStreamDecoder(
    { message: (m) => messages.push(m), oversize: (prefix, size) => oversize.push({ prefix, size }) },
    max,
    forced,
  );
  for (const c of chunks) d.push(c);
  d.end();
  return { messages, oversize, framing: d.framing, buffered: d.buffered };
}

const m5424 =
  '<165>1 2026-11-25T22:14:15.003Z fw01 sshd 4321 ID47 - Failed password for root from 198.51.100.7';
const m3164 = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8";
const jp = '<13>1 2026-11-25T22:14:15Z host app - - - 日本語のメッセージ（マルチバイト）';
const msgs = [m5424, m3164, jp];

const octet = (ms: string[]) => Buffer.concat(ms.map((m) => Buffer.from(`${Buffer.byteLength(m)} ${m}`)));
const newline = (ms: string[], eol = '\n') => Buffer.from(ms.map((m) => m + eol).join(''));

/** Every split of the stream into two chunks, and a byte-at-a-time feed. */
function allSplits(buf: Buffer): Buffer[][] {
  const out: Buffer[][] = [[buf]];
  for (let i = 1; i < buf.length; i++) out.push([buf.subarray(0, i), buf.subarray(i)]);
  out.push([...buf].map((b) => Buffer.from([b])));
  return out;
}

test('octet counting: any split of the stream yields the same messages (multi-byte UTF-8 included)', () => {
  const buf = octet(msgs);
  for (const chunks of allSplits(buf)) {
    const r = decode(chunks);
    assert.equal(r.framing, 'octet-counting');
    assert.deepEqual(r.messages, msgs);
  }
});

test('newline framing: any split, LF and CRLF, last line without LF', () => {
  for (const eol of ['\n', '\r\n']) {
    const buf = newline(msgs, eol);
    for (const chunks of allSplits(buf)) {
      const r = decode(chunks);
      assert.equal(r.framing, 'newline');
      assert.deepEqual(r.messages, msgs);
    }
  }
  const r = decode([Buffer.from(`${m5424}\n${m3164}`)]);
  assert.deepEqual(r.messages, [m5424, m3164]);
});

test('a raw line starting with digits is newline-framed (no "<" after the count)', () => {
  const lines = [
    '1732572855.123 45 10.0.0.1 TCP_MISS/200 1024 GET http://example.jp/ - DIRECT/1.2.3.4 text/html',
  ];
  const r = decode([newline(lines)]);
  assert.equal(r.framing, 'newline');
  assert.deepEqual(r.messages, lines);
});

test('octet counting: an oversized frame is reported with its size and skipped; the next frame is intact', () => {
  const big = `<13>1 - h a - - - ${'x'.repeat(5000)}`;
  const buf = octet([m5424, big, m3164]);
  for (const size of [1, 7, 100, 4096]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
    const r = decode(chunks, 1000);
    assert.deepEqual(r.messages, [m5424, m3164], `chunk size ${size}`);
    assert.equal(r.oversize.length, 1);
    assert.equal(r.oversize[0]!.size, Buffer.byteLength(big));
    assert.ok(big.startsWith(r.oversize[0]!.prefix));
    assert.ok(r.oversize[0]!.prefix.length > 0);
  }
});

test('newline framing: an oversized line is reported and skipped without being buffered', () => {
  const big = 'y'.repeat(50_000);
  const buf = newline([m3164, big, m5424]);
  const messages: string[] = [];
  const oversize: number[] = [];
  const d = new SyslogStreamDecoder(
    { message: (m) => messages.push(m), oversize: (_p, s) => oversize.push(s) },
    1000,
  );
  let maxBuffered = 0;
  for (let i = 0; i < buf.length; i += 512) {
    d.push(buf.subarray(i, i + 512));
    maxBuffered = Math.max(maxBuffered, d.buffered);
  }
  d.end();
  assert.deepEqual(messages, [m3164, m5424]);
  assert.equal(oversize.length, 1);
  assert.ok(oversize[0]! > 1000);
  assert.ok(maxBuffered <= 1000 + 512, `held ${maxBuffered} bytes for an oversized line`);
});

test('a malformed octet count switches the connection to newline framing; nothing is lost', () => {
  const buf = Buffer.from(`${Buffer.byteLength(m5424)} ${m5424}12x <13>garbage\n${m3164}\n`);
  const r = decode([buf]);
  assert.deepEqual(r.messages, [m5424, '12x <13>garbage', m3164]);
});

test('NUL inside a message becomes U+FFFD; NUL trailers and empty lines are dropped', () => {
  const r = decode([Buffer.from('<13>a\u0000b\n\n\u0000\n<13>c\u0000\n')]);
  assert.deepEqual(r.messages, ['<13>a\uFFFDb', '<13>c']);
});

test('forced newline framing (files) ignores a leading count', () => {
  const r = decode([Buffer.from(`12 <13>hello\n`)], 1000, 'newline');
  assert.deepEqual(r.messages, ['12 <13>hello']);
});
