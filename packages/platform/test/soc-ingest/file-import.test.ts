// File import: plain and gzip files streamed into the queue in batches; an oversized line is reported to the
// quarantine; the reader waits while the queue's backlog is above the high-water mark (bounded memory).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { importFile } from '../../src/soc/ingest/index.js';
import type { IngestRecord } from '../../src/soc/types.js';
import { MemoryQueue } from './memory-queue.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mamori-import-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const squid = (i: number) =>
  `1732572855.${String(i % 1000).padStart(3, '0')} 45 10.0.0.${i % 250} TCP_MISS/200 1024 GET http://example.jp/${i} - DIRECT/1.2.3.4 text/html`;

test('plain and gzip files give the same records, with format, organization, tz and peer', async () => {
  const lines = Array.from({ length: 5000 }, (_, i) => squid(i));
  const text = lines.join('\r\n') + '\n';
  writeFileSync(join(dir, 'a.log'), text);
  writeFileSync(join(dir, 'a.log.gz'), gzipSync(text));
  for (const name of ['a.log', 'a.log.gz']) {
    const q = new MemoryQueue();
    const r = await importFile(join(dir, name), {
      queue: q,
      format: 'squid',
      organizationId: 'org-1',
      tzOffsetMinutes: 540,
      batchSize: 700,
    });
    assert.equal(r.gzip, name.endsWith('.gz'));
    assert.equal(r.read, 5000);
    assert.equal(r.appended, 5000);
    assert.deepEqual(q.lines(), lines);
    assert.ok(q.maxBatch <= 700 + 3000, `batch of ${q.maxBatch}`);
    const first = q.records[0]!;
    assert.deepEqual(
      { ...first, receivedAt: 0 },
      {
        line: lines[0],
        transport: 'file',
        peer: name,
        format: 'squid',
        organizationId: 'org-1',
        tzOffsetMinutes: 540,
        receivedAt: 0,
      },
    );
  }
});

test('a large gzip file streams with bounded memory and waits for a slow pipeline', async () => {
  const total = 300_000;
  const path = join(dir, 'big.log.gz');
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < total; i += 1000) {
          let chunk = '';
          for (let k = i; k < i + 1000; k++) chunk += `${squid(k)}\n`;
          yield chunk;
        }
      })(),
    ),
    createGzip(),
    createWriteStream(path),
  );
  // The pipeline drains 200,000 lines/s; the reader must not run more than high-water ahead of it.
  const q = new MemoryQueue({ consumePerSecond: 200_000 });
  let maxBacklog = 0;
  const heap0 = process.memoryUsage().heapUsed;
  let maxHeapDelta = 0;
  const r = await importFile(path, {
    queue: q,
    batchSize: 2000,
    highWater: 20_000,
    lowWater: 10_000,
    onProgress: () => {
      maxBacklog = Math.max(maxBacklog, q.backlog());
      maxHeapDelta = Math.max(maxHeapDelta, process.memoryUsage().heapUsed - heap0);
    },
  });
  await q.close();
  assert.equal(r.read, total);
  assert.equal(r.appended, total);
  assert.ok(maxBacklog <= 20_000 + 2000 + 4000, `backlog reached ${maxBacklog}`);
  // The queue itself keeps every record here (it is in memory); the reader's own share must stay small.
  const queued = q.records.length * 300;
  assert.ok(maxHeapDelta < queued + 64 * 1024 * 1024, `heap grew by ${Math.round(maxHeapDelta / 1e6)} MB`);
  assert.equal(q.records[123_456]!.line, squid(123_456));
});

test('an oversized line is counted and quarantined; its neighbours are intact', async () => {
  const path = join(dir, 'long.log');
  writeFileSync(path, `${squid(1)}\n${'x'.repeat(100_000)}\n${squid(2)}\n`);
  const q = new MemoryQueue();
  const kept: { record: IngestRecord; reason: string }[] = [];
  const r = await importFile(path, {
    queue: q,
    maxLineBytes: 4096,
    transport: 'cli',
    quarantine: async (record, reason) => {
      kept.push({ record, reason });
    },
  });
  assert.deepEqual(q.lines(), [squid(1), squid(2)]);
  assert.equal(r.read, 3);
  assert.equal(r.tooLarge, 1);
  assert.equal(kept.length, 1);
  assert.match(kept[0]!.reason, /too large: \d+ bytes \(limit 4096\)/);
  assert.equal(kept[0]!.record.transport, 'cli');
  assert.ok(kept[0]!.record.line.startsWith('xxxx'));
});

test('a corrupt gzip file fails with an error, not a hang', async () => {
  const path = join(dir, 'bad.gz');
  writeFileSync(
    path,
    Buffer.concat([gzipSync('ok line\n'.repeat(1000)).subarray(0, 40), Buffer.from('garbage')]),
  );
  await assert.rejects(importFile(path, { queue: new MemoryQueue() }));
});
