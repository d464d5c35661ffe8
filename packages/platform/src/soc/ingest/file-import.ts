// File import: a log file (plain or gzip, recognised by its magic bytes) read as a stream of lines and appended
// to the queue in batches. Memory is one read chunk plus one batch: each batch is awaited (durable) before the
// next is read, and reading waits while the queue's backlog is above the high-water mark.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { EventQueue, IngestRecord } from '../types.js';
import { OVERSIZE_PREFIX_BYTES, SyslogStreamDecoder } from './framing.js';
import { defaultLimits } from './limits.js';
import type { OversizeSink } from './syslog.js';

export interface FileImportOptions {
  queue: EventQueue;
  /** Parser id; undefined = auto-detect per line. */
  format?: string;
  organizationId?: string;
  tzOffsetMinutes?: number;
  /** 'file' (default) or 'cli'. */
  transport?: string;
  /** Name recorded as the peer (default: the file's base name). */
  peer?: string;
  maxLineBytes?: number;
  batchSize?: number;
  highWater?: number;
  lowWater?: number;
  quarantine?: OversizeSink;
  /** Called after each durable batch (progress). */
  onProgress?: (p: FileImportResult) => void;
}

export interface FileImportResult {
  file: string;
  gzip: boolean;
  /** Lines read (non-empty), including too large ones. */
  read: number;
  /** Lines appended to the queue (durable). */
  appended: number;
  /** Lines over the size limit (quarantined when a quarantine is wired, else only counted). */
  tooLarge: number;
  /** Bytes read from the file (compressed size for gzip). */
  bytes: number;
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Streams the lines of one file into the queue; resolves when every appended line is durable. */
export async function importFile(path: string, opts: FileImportOptions): Promise<FileImportResult> {
  const gzip = await isGzip(path);
  const transport = opts.transport ?? 'file';
  const peer = opts.peer ?? basename(path);
  const maxLine = opts.maxLineBytes ?? defaultLimits.maxMessageBytes;
  const batchSize = opts.batchSize ?? 2000;
  const highWater = opts.highWater ?? defaultLimits.highWater;
  const lowWater = opts.lowWater ?? defaultLimits.lowWater;
  const result: FileImportResult = { file: path, gzip, read: 0, appended: 0, tooLarge: 0, bytes: 0 };
  let batch: IngestRecord[] = [];
  const oversized: Promise<void>[] = [];
  const base = (): Omit<IngestRecord, 'line'> => ({
    transport,
    peer,
    receivedAt: Date.now(),
    ...(opts.format ? { format: opts.format } : {}),
    ...(opts.organizationId ? { organizationId: opts.organizationId } : {}),
    ...(opts.tzOffsetMinutes !== undefined ? { tzOffsetMinutes: opts.tzOffsetMinutes } : {}),
  });
  const decoder = new SyslogStreamDecoder(
    {
      message(line) {
        result.read++;
        batch.push({ line, ...base() });
      },
      oversize(prefix, size) {
        result.read++;
        result.tooLarge++;
        if (opts.quarantine)
          oversized.push(
            opts.quarantine(
              { line: prefix, ...base() },
              `too large: ${size} bytes (limit ${maxLine}); first ${OVERSIZE_PREFIX_BYTES} bytes kept`,
            ),
          );
      },
    },
    maxLine,
    'newline',
  );
  const flush = async () => {
    if (batch.length === 0) return;
    // Do not run ahead of the pipeline: wait while its backlog is high.
    if (opts.queue.backlog() > highWater) {
      while (opts.queue.backlog() > lowWater) await sleep(20);
    }
    const b = batch;
    batch = [];
    await opts.queue.append(b);
    result.appended += b.length;
    opts.onProgress?.({ ...result });
  };
  const raw = createReadStream(path, { highWaterMark: 256 * 1024 });
  raw.on('data', (c: Buffer | string) => {
    result.bytes += c.length;
  });
  const stream: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  if (gzip) raw.on('error', (err) => stream.destroy(err));
  for await (const chunk of stream) {
    decoder.push(chunk as Buffer);
    if (batch.length >= batchSize) await flush();
  }
  decoder.end();
  await flush();
  await Promise.all(oversized);
  return result;
}
