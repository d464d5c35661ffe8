// The embedded spool: group-committed appends, reads in order across segments, a torn tail cut on reopen
// (a frame whose append never resolved), processed segments deleted, one owner per directory, both frame layouts.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { crc32 } from 'node:zlib';
import { FileSpool, segmentOf, SpoolBusyError } from '../src/soc/queue/spool.js';
import type { IngestRecord } from '../src/soc/types.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const rec = (i: number): IngestRecord => ({
  line: `line ${i} ${'x'.repeat(200)}`,
  transport: 'file',
  peer: 'a.log',
  receivedAt: 1_700_000_000_000 + i,
  ...(i % 2 ? { format: 'squid', organizationId: 'lg221007', tzOffsetMinutes: 540 } : {}),
});

test('appends resolve after fsync, are read back in order across segments, and survive a torn tail', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-spool-'));
  dirs.push(dir);
  const s = await FileSpool.open({ dir, segmentBytes: 16 * 1024 });
  // Sequential appends roll segments (a write never splits across two); concurrent ones share fsyncs.
  for (let b = 0; b < 10; b++) await s.append(Array.from({ length: 25 }, (_, i) => rec(b * 25 + i)));
  await Promise.all(
    Array.from({ length: 10 }, (_, b) =>
      s.append(Array.from({ length: 25 }, (_, i) => rec(250 + b * 25 + i))),
    ),
  );
  assert.equal(s.backlog(), 500);
  assert.ok(readdirSync(dir).filter((f) => f.startsWith('seg-')).length > 3, 'rolled to new segments');
  const r = s.reader(s.firstPosition());
  const got: IngestRecord[] = [];
  let next = 0;
  while (got.length < 500) {
    const b = await r.read(64);
    got.push(...b.items.map((x) => x.record));
    next = b.next;
  }
  assert.deepEqual(
    got.map((g) => Number(g.line.split(' ')[1])).sort((a, b) => a - b),
    Array.from({ length: 500 }, (_, i) => i),
  );
  const odd = got.find((g) => g.line.startsWith('line 1 '))!;
  assert.equal(odd.format, 'squid');
  assert.equal(odd.organizationId, 'lg221007');
  assert.equal(odd.tzOffsetMinutes, 540);
  // Processed: segments before the consumer's position go; backlog drops.
  await s.committed(next, 500);
  assert.equal(s.backlog(), 0);
  const left = readdirSync(dir).filter((f) => f.startsWith('seg-'));
  assert.equal(left.length, 1);
  assert.equal(segmentOf(next), Number(left[0]!.slice(4, 14)));
  await r.close();
  await s.close();

  // A torn frame at the end (a crash mid-write): cut on reopen, appends continue after the valid frames.
  const last = join(dir, left[0]!);
  const size = statSync(last).size;
  appendFileSync(last, Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 65, 66]));
  const s2 = await FileSpool.open({ dir, segmentBytes: 16 * 1024 });
  assert.equal(statSync(last).size, size);
  await s2.append([rec(1000)]);
  const r2 = s2.reader(next);
  const b2 = await r2.read(10);
  assert.equal(b2.items.length, 1);
  assert.equal(b2.items[0]!.record.line, rec(1000).line);
  await r2.close();
  await s2.close();
  assert.ok(!readdirSync(dir).includes('LOCK'));
});

test('a spool owned by another live process is refused with SpoolBusyError; a dead owner is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-spool-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'LOCK'), String(process.ppid)); // the test runner: alive
  await assert.rejects(
    FileSpool.open({ dir }),
    (err: unknown) => err instanceof SpoolBusyError && err.pid === process.ppid,
  );
  writeFileSync(join(dir, 'LOCK'), '999999999'); // no such process (a SIGKILLed owner)
  const s = await FileSpool.open({ dir });
  await s.append([rec(1)]);
  await s.close();
});

test('frames: every record comes back as appended (metadata mixes, non-ASCII, quotes), and frames written before 2026-11-26 (JSON payload) are still read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-spool-'));
  dirs.push(dir);
  // One JSON-payload frame as earlier versions wrote it (u32 length, u32 CRC-32, JSON array), in segment 1.
  const old: IngestRecord = {
    line: 'date=2026-11-25 msg="quoted \\"x\\"" 東京',
    transport: 'syslog-udp',
    peer: '192.0.2.1',
    format: 'fortigate',
    receivedAt: 1_700_000_000_000,
    tzOffsetMinutes: 540,
  };
  const payload = Buffer.from(
    JSON.stringify([old.line, old.transport, old.peer, old.format, null, old.receivedAt, 540]),
  );
  const head = Buffer.alloc(8);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload), 4);
  writeFileSync(join(dir, 'seg-0000000001.log'), Buffer.concat([head, payload]));

  const s = await FileSpool.open({ dir });
  // 100 distinct metadata in one append, interleaved (more than the encoder's and decoder's caches hold), with
  // lines the old JSON form had to escape.
  const recs: IngestRecord[] = Array.from({ length: 600 }, (_, i) => {
    const k = (i * 37) % 100;
    return {
      line: `${i} "q\\" \t 市役所 😀 ${'x'.repeat(i % 50)}`,
      transport: k % 2 ? 'syslog-tcp' : 'http',
      peer: `198.51.100.${k}`,
      receivedAt: 1_700_000_000_000 + (k % 7),
      ...(k % 3 ? { format: `f${k % 5}` } : {}),
      ...(k % 4 ? { organizationId: `lg22${String(k).padStart(4, '0')}` } : {}),
      ...(k % 5 ? { tzOffsetMinutes: k * 3 } : {}),
    };
  });
  await s.append(recs);
  const r = s.reader(s.firstPosition());
  const got: IngestRecord[] = [];
  while (got.length < 601) got.push(...(await r.read(1000)).items.map((x) => x.record));
  assert.deepEqual(got[0], old);
  assert.deepEqual(got.slice(1), recs);
  await r.close();
  await s.close();
});

test("a damaged frame of an earlier run is refused when read; this run's own frames are read without a second check", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-spool-'));
  dirs.push(dir);
  let s = await FileSpool.open({ dir, segmentBytes: 16 * 1024 });
  for (let b = 0; b < 6; b++) await s.append(Array.from({ length: 25 }, (_, i) => rec(b * 25 + i)));
  await s.close();
  // Flip one byte inside the first record's line in the first (closed, not the last) segment.
  const first = readdirSync(dir)
    .filter((f) => f.startsWith('seg-'))
    .sort()[0]!;
  const bytes = readFileSync(join(dir, first));
  const at = bytes.indexOf('line 0 ');
  assert.ok(at > 0);
  bytes[at + 5] = 'X'.charCodeAt(0);
  writeFileSync(join(dir, first), bytes);
  s = await FileSpool.open({ dir, segmentBytes: 16 * 1024 });
  const from = s.durableEnd();
  await s.append([rec(1000), rec(1001)]);
  await assert.rejects(s.reader(s.firstPosition()).read(10), /spool segment \d+ is corrupt at offset 0/);
  const own = await s.reader(from).read(10);
  assert.deepEqual(
    own.items.map((x) => x.record.line.slice(0, 9)),
    ['line 1000', 'line 1001'],
  );
  await s.close();
});
