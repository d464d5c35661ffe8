// Mutated files (bit flips, garbage lengths, truncation) never crash or hang the reader; damage is
// reported and the undamaged chunks and records are still read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { readEvtx, readEvtxStream, readEvtxSync, type EvtxIssue } from '../src/index.js';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import { chunksOf, fileOfChunks, fixChunkCrcs } from './helpers/combine.js';
import { fixtureFiles } from './helpers/fixtures.js';

const PER_CASE_LIMIT_MS = 1000;

function runCampaign(files: string[], rounds: number, seed: number, limitMs: number) {
  return new Promise<{ cases: number; issues: number; records: number; slowest: number; failures: string[] }>(
    (resolve, reject) => {
      // Node 20 does not apply tsx's loader hooks inside workers: the bootstrap registers them first.
      const entry = new URL('./helpers/fuzz-worker.ts', import.meta.url).href;
      const api = import.meta.resolve('tsx/esm/api');
      const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
      const w = new Worker(boot, { eval: true, workerData: { files, rounds, seed } });
      const timer = setTimeout(() => {
        void w.terminate();
        reject(new Error(`fuzz campaign did not finish within ${limitMs} ms: the reader hangs`));
      }, limitMs);
      w.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      w.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    },
  );
}

test('mutation fuzzing: no crash, no hang, bounded time per case', async () => {
  // A spread of samples: Sysmon, Security, PowerShell, Defender, UserData, multi-record files.
  const all = fixtureFiles('.evtx');
  const files = all.filter((_, i) => i % 10 === 0);
  const res = await runCampaign(files, 60, 0x9e3779b9, 120_000);
  assert.deepEqual(res.failures, []);
  assert.ok(res.cases >= files.length * 60);
  assert.ok(res.issues > 0, 'damage must be reported');
  assert.ok(res.records > 0, 'undamaged records must still be read');
  assert.ok(res.slowest < PER_CASE_LIMIT_MS, `slowest case ${res.slowest} ms`);
});

function tmpFile(data: Buffer): string {
  const p = join(mkdtempSync(join(tmpdir(), 'mamori-evtx-')), 'x.evtx');
  writeFileSync(p, data);
  return p;
}

function read(path: string) {
  const issues: EvtxIssue[] = [];
  const ids = [...readEvtxSync(path, { onIssue: (i) => issues.push(i) })].map((r) => r.recordId);
  return { ids, issues };
}

const samples = fixtureFiles('.evtx');
const multi = samples.map((f) => chunksOf(f)[0]!).slice(0, 3);
const goodIds = read(tmpFile(fileOfChunks(multi))).ids;

test('a chunk with a bad header is reported and skipped; the other chunks are read', () => {
  assert.ok(goodIds.length >= 3);
  const chunks = multi.map((c) => Buffer.from(c));
  chunks[1]![60] ^= 0xff; // inside the checksummed header
  const { ids, issues } = read(tmpFile(fileOfChunks(chunks)));
  const expected = [...readEvtxSync(tmpFile(fileOfChunks([multi[0]!, multi[2]!])))].map((r) => r.recordId);
  assert.deepEqual(ids, expected);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.chunk, 1);
  assert.equal(issues[0]!.offset, 4096 + 65536 + 124);
  assert.match(issues[0]!.message, /checksum/);
});

test('a record with a garbage size is reported; the records after it are still read', () => {
  // Build a chunk with several records: take a multi-record sample.
  const file = samples.find((f) => read(f).ids.length >= 4)!;
  const chunk = chunksOf(file)[0]!;
  const all = read(file).ids;
  // Second record starts where the first ends.
  const firstSize = chunk.readUInt32LE(512 + 4);
  chunk.writeUInt32LE(0xfffffff0, 512 + firstSize + 4);
  fixChunkCrcs(chunk);
  const { ids, issues } = read(tmpFile(fileOfChunks([chunk])));
  assert.deepEqual(ids, [all[0], ...all.slice(2)]);
  assert.equal(issues.length, 1);
  assert.match(issues[0]!.message, /bad record header/);
});

test('truncated files: every cut is read up to the damage, never throws', () => {
  const data = fileOfChunks(multi);
  for (const cut of [0, 7, 100, 4095, 4096, 4096 + 600, 4096 + 65535, 4096 + 65536 + 3000, data.length - 1]) {
    const p = tmpFile(data.subarray(0, cut));
    const t0 = performance.now();
    if (cut < 8) {
      assert.throws(() => read(p), /not an EVTX file/);
      continue;
    }
    const { ids, issues } = read(p);
    assert.ok(performance.now() - t0 < PER_CASE_LIMIT_MS);
    const whole = Math.max(0, Math.floor((cut - 4096) / 65536));
    assert.ok(ids.length >= (whole >= 1 ? 1 : 0), `cut ${cut}`);
    if ((cut - 4096) % 65536 !== 0 && cut > 4096)
      assert.ok(issues.length >= 1, `cut ${cut} must be reported`);
  }
});

test('async reader and chunk ranges give the same records as the sync reader', async () => {
  const p = tmpFile(fileOfChunks(multi));
  const sync = [...readEvtxSync(p)].map((r) => [r.chunk, r.recordId, JSON.stringify(r.event)]);
  const all: unknown[] = [];
  for await (const r of readEvtx(p)) all.push([r.chunk, r.recordId, JSON.stringify(r.event)]);
  assert.deepEqual(all, sync);
  const ranged = [...readEvtxSync(p, { firstChunk: 1, endChunk: 2 })].map((r) => [
    r.chunk,
    r.recordId,
    JSON.stringify(r.event),
  ]);
  assert.deepEqual(
    ranged,
    sync.filter((x) => x[0] === 1),
  );
  assert.ok(ranged.length >= 1);
  // The record header time is decoded on demand.
  assert.match([...readEvtxSync(p)][0]!.writtenTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('a gzip stream of an EVTX file reads like the file; truncation is reported', async () => {
  const data = fileOfChunks(multi);
  const p = tmpFile(data);
  const expected = [...readEvtxSync(p)].map((r) => JSON.stringify(r.event));
  const got: string[] = [];
  const stream = createReadStream(tmpFile(gzipSync(data))).pipe(createGunzip());
  for await (const r of readEvtxStream(stream, { name: 'x.evtx.gz' })) got.push(JSON.stringify(r.event));
  assert.deepEqual(got, expected);
  const issues: EvtxIssue[] = [];
  const cut: string[] = [];
  const half = Readable.from([data.subarray(0, 4096 + 65536 + 1000)]);
  for await (const r of readEvtxStream(half, { name: 'cut', onIssue: (i) => issues.push(i) }))
    cut.push(r.recordId.toString());
  assert.ok(cut.length >= 1);
  assert.equal(issues.length, 1);
  assert.match(issues[0]!.message, /truncated/);
  assert.equal(issues[0]!.file, 'cut');
  await assert.rejects(async () => {
    for await (const _ of readEvtxStream(Readable.from([Buffer.from('nope')]))) void _;
  }, /not an EVTX file/);
});
