// EVTX files: a 4 KiB file header followed by 64 KiB chunks, each with its own header (CRC32-checked),
// string and template tables, and event records. Reading goes chunk by chunk, so memory stays bounded
// whatever the file size; a damaged chunk or record is reported through `onIssue` and skipped.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { ChunkBinXml, type Node } from './binxml.js';
import { EvtxFormatError } from './errors.js';
import type { FieldFilter } from './plan.js';
import { renderJson, renderXml, type JsonObject } from './render.js';
import { fileTime } from './values.js';

export const FILE_HEADER_SIZE = 4096;
export const CHUNK_SIZE = 65536;
const CHUNK_HEADER_SIZE = 512;
const RECORD_SIGNATURE = Buffer.from([0x2a, 0x2a, 0x00, 0x00]);
const FILE_MAGIC = 'ElfFile\0';
const CHUNK_MAGIC = 'ElfChnk\0';

export interface EvtxIssue {
  /** The file, when known. */
  file?: string;
  /** Chunk index (0-based), or null for the file header. */
  chunk: number | null;
  /** Byte offset in the file. */
  offset: number;
  /** 'error': data was skipped; 'warning': data was read but may be unreliable. */
  severity: 'error' | 'warning';
  message: string;
}

export interface EvtxReadOptions {
  onIssue?: (issue: EvtxIssue) => void;
  /** Read only chunks [first, end) — lets workers split one file. */
  firstChunk?: number;
  endChunk?: number;
  /**
   * Render events eagerly through compiled templates, leaving out what the filter says is never read
   * (see plan.ts). Records then carry only `event`: `nodes` and `toXml()` are not available.
   */
  fields?: FieldFilter;
}

const NO_NODES: Node[] = [];

/** One event record. `event` (regression-JSON shape) is rendered on first access. */
export class EvtxRecord {
  private rendered: JsonObject | undefined;
  constructor(
    readonly recordId: number,
    /** FILETIME of the record header as low and high halves, decoded on demand by `writtenTime`. */
    private readonly writtenLo: number,
    private readonly writtenHi: number,
    readonly chunk: number,
    /** Byte offset of the record in the file. */
    readonly offset: number,
    private readonly parsed: Node[],
    /** Already rendered (reads with a field filter). */
    event?: JsonObject,
  ) {
    this.rendered = event;
  }

  /** The record's BinXML nodes (not kept by reads with a field filter). */
  get nodes(): Node[] {
    if (this.parsed === NO_NODES) throw new Error('record read with a field filter: no BinXML nodes kept');
    return this.parsed;
  }

  /** When the record was written (record header), ISO 8601 with microseconds. */
  get writtenTime(): string {
    return fileTime(this.writtenLo, this.writtenHi);
  }

  get event(): JsonObject {
    return (this.rendered ??= renderJson(this.parsed));
  }

  toXml(): string {
    return renderXml(this.nodes);
  }
}

export interface EvtxFileHeader {
  firstChunk: number;
  lastChunk: number;
  nextRecordId: number;
  majorVersion: number;
  minorVersion: number;
  chunkCount: number;
  flags: number;
  checksumOk: boolean;
}

export function parseFileHeader(buf: Buffer): EvtxFileHeader {
  if (buf.length < 128 || buf.toString('latin1', 0, 8) !== FILE_MAGIC) {
    throw new EvtxFormatError('not an EVTX file (no ElfFile signature)', 0);
  }
  return {
    firstChunk: Number(buf.readBigUInt64LE(8)),
    lastChunk: Number(buf.readBigUInt64LE(16)),
    nextRecordId: Number(buf.readBigUInt64LE(24)),
    minorVersion: buf.readUInt16LE(36),
    majorVersion: buf.readUInt16LE(38),
    chunkCount: buf.readUInt16LE(42),
    flags: buf.readUInt32LE(120),
    checksumOk: crc32(buf.subarray(0, 120)) === buf.readUInt32LE(124),
  };
}

function isZero(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Parse one 64 KiB chunk. `fileOffset` is where the chunk starts in its file (for messages).
 * Never throws for bad data: problems go to `onIssue`, good records are returned.
 */
export function parseChunk(
  buf: Buffer,
  index: number,
  fileOffset: number,
  onIssue: (issue: EvtxIssue) => void,
  fields?: FieldFilter,
): EvtxRecord[] {
  return [...chunkRecords(buf, index, fileOffset, onIssue, fields)];
}

/**
 * parseChunk as a generator: each record is parsed (or, with `fields`, rendered) when it is pulled, so
 * a consumer holds one record at a time. `buf` must stay unchanged until the generator is done.
 */
export function* chunkRecords(
  buf: Buffer,
  index: number,
  fileOffset: number,
  onIssue: (issue: EvtxIssue) => void,
  fields?: FieldFilter,
): Generator<EvtxRecord> {
  const issue = (offset: number, severity: 'error' | 'warning', message: string) =>
    onIssue({ chunk: index, offset: fileOffset + offset, severity, message });
  if (buf.length < CHUNK_SIZE) {
    issue(0, 'error', `chunk truncated (${buf.length} of ${CHUNK_SIZE} bytes); skipped`);
    return;
  }
  if (buf.toString('latin1', 0, 8) !== CHUNK_MAGIC) {
    // Pre-allocated chunks at the end of a file are all zeros: not an error.
    if (!isZero(buf, 0, CHUNK_HEADER_SIZE)) issue(0, 'error', 'bad chunk signature; chunk skipped');
    return;
  }
  const headerCrc = crc32(buf.subarray(128, CHUNK_HEADER_SIZE), crc32(buf.subarray(0, 120)));
  if (headerCrc !== buf.readUInt32LE(124)) {
    issue(124, 'error', 'chunk header checksum mismatch; chunk skipped');
    return;
  }
  let end = buf.readUInt32LE(48); // free space offset: records end here
  if (end < CHUNK_HEADER_SIZE || end > CHUNK_SIZE) {
    issue(48, 'warning', `bad free-space offset ${end}; scanning the whole chunk`);
    end = CHUNK_SIZE;
  } else if (crc32(buf.subarray(CHUNK_HEADER_SIZE, end)) !== buf.readUInt32LE(52)) {
    issue(52, 'warning', 'chunk records checksum mismatch; records checked one by one');
  }
  const bx = new ChunkBinXml(buf);
  let pos = CHUNK_HEADER_SIZE;
  while (pos + 28 <= end) {
    const size = buf.readUInt32LE(pos + 4);
    const valid =
      buf.readUInt32LE(pos) === 0x00002a2a &&
      size >= 28 &&
      pos + size <= CHUNK_SIZE &&
      buf.readUInt32LE(pos + size - 4) === size;
    if (!valid) {
      issue(pos, 'error', 'bad record header; skipping to the next record signature');
      const next = buf.indexOf(RECORD_SIGNATURE, pos + 1);
      if (next < 0 || next >= end) break;
      pos = next;
      continue;
    }
    const lo = buf.readUInt32LE(pos + 8);
    const hi = buf.readUInt32LE(pos + 12);
    const recordId = hi * 4294967296 + lo;
    let rec: EvtxRecord | undefined;
    try {
      const wLo = buf.readUInt32LE(pos + 16);
      const wHi = buf.readUInt32LE(pos + 20);
      if (fields !== undefined) {
        // Rendered now: the chunk buffer is reused for the next chunk.
        const ev =
          bx.renderRecord(pos + 24, pos + size - 4, fields) ??
          renderJson(bx.parseFragment(pos + 24, pos + size - 4));
        rec = new EvtxRecord(recordId, wLo, wHi, index, fileOffset + pos, NO_NODES, ev);
      } else {
        const nodes = bx.parseFragment(pos + 24, pos + size - 4);
        rec = new EvtxRecord(recordId, wLo, wHi, index, fileOffset + pos, nodes);
      }
    } catch (err) {
      if (!(err instanceof EvtxFormatError || err instanceof RangeError)) throw err;
      issue(pos, 'error', `record ${recordId}: ${err.message}; skipped`);
    }
    pos += size;
    if (rec !== undefined) yield rec;
  }
}

/** Number of chunk slots in a file of `size` bytes (a trailing partial chunk counts). */
export function chunkSlots(size: number): number {
  return Math.max(0, Math.ceil((size - FILE_HEADER_SIZE) / CHUNK_SIZE));
}

function checkHeader(head: Buffer, bytes: number, path: string, onIssue: (i: EvtxIssue) => void): void {
  if (bytes < 8 || head.toString('latin1', 0, 8) !== FILE_MAGIC) {
    throw new EvtxFormatError(`not an EVTX file (no ElfFile signature)`, 0);
  }
  if (bytes < 128 || !parseFileHeader(head.subarray(0, bytes)).checksumOk) {
    onIssue({
      file: path,
      chunk: null,
      offset: 0,
      severity: 'warning',
      message: 'file header checksum mismatch',
    });
  }
}

/** Read the records of an EVTX file synchronously, one chunk in memory at a time. */
export function* readEvtxSync(path: string, options: EvtxReadOptions = {}): Generator<EvtxRecord> {
  const onIssue = (i: EvtxIssue) => options.onIssue?.({ ...i, file: path });
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(FILE_HEADER_SIZE);
    checkHeader(head, readSync(fd, head, 0, FILE_HEADER_SIZE, 0), path, onIssue);
    const slots = chunkSlots(size);
    const last = Math.min(slots, options.endChunk ?? slots);
    // One buffer for every chunk: its records are consumed before the next read.
    const buf = Buffer.allocUnsafe(CHUNK_SIZE);
    for (let c = options.firstChunk ?? 0; c < last; c++) {
      const off = FILE_HEADER_SIZE + c * CHUNK_SIZE;
      const n = readSync(fd, buf, 0, CHUNK_SIZE, off);
      yield* chunkRecords(n === CHUNK_SIZE ? buf : buf.subarray(0, n), c, off, onIssue, options.fields);
    }
  } finally {
    closeSync(fd);
  }
}

/** Read the records of an EVTX file asynchronously, one chunk in memory at a time. */
export async function* readEvtx(path: string, options: EvtxReadOptions = {}): AsyncGenerator<EvtxRecord> {
  const onIssue = (i: EvtxIssue) => options.onIssue?.({ ...i, file: path });
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(FILE_HEADER_SIZE);
    const { bytesRead } = await fh.read(head, 0, FILE_HEADER_SIZE, 0);
    checkHeader(head, bytesRead, path, onIssue);
    const slots = chunkSlots(size);
    const last = Math.min(slots, options.endChunk ?? slots);
    const buf = Buffer.allocUnsafe(CHUNK_SIZE);
    for (let c = options.firstChunk ?? 0; c < last; c++) {
      const off = FILE_HEADER_SIZE + c * CHUNK_SIZE;
      const r = await fh.read(buf, 0, CHUNK_SIZE, off);
      yield* chunkRecords(
        r.bytesRead === CHUNK_SIZE ? buf : buf.subarray(0, r.bytesRead),
        c,
        off,
        onIssue,
        options.fields,
      );
    }
  } finally {
    await fh.close();
  }
}

/** True when the first bytes look like an EVTX file. */
export function isEvtxHeader(head: Buffer): boolean {
  return head.length >= 8 && head.toString('latin1', 0, 8) === FILE_MAGIC;
}

/**
 * Read records from a byte stream (e.g. a gunzipped `.evtx.gz`): the file header, then one 64 KiB chunk at a
 * time as the bytes arrive. `name` is used in issues.
 */
export async function* readEvtxStream(
  source: AsyncIterable<Uint8Array | string>,
  options: { onIssue?: (issue: EvtxIssue) => void; name?: string; fields?: FieldFilter } = {},
): AsyncGenerator<EvtxRecord> {
  const name = options.name ?? 'stream';
  const onIssue = (i: EvtxIssue) => options.onIssue?.({ ...i, file: name });
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const take = (n: number): Buffer => {
    const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingLen);
    const out = Buffer.from(all.subarray(0, n));
    pending = pendingLen > n ? [all.subarray(n)] : [];
    pendingLen -= out.length;
    return out;
  };
  let header = false;
  let chunk = 0;
  for await (const piece of source) {
    const b = typeof piece === 'string' ? Buffer.from(piece, 'latin1') : Buffer.from(piece);
    pending.push(b);
    pendingLen += b.length;
    if (!header && pendingLen >= FILE_HEADER_SIZE) {
      checkHeader(take(FILE_HEADER_SIZE), FILE_HEADER_SIZE, name, onIssue);
      header = true;
    }
    while (header && pendingLen >= CHUNK_SIZE) {
      yield* chunkRecords(
        take(CHUNK_SIZE),
        chunk,
        FILE_HEADER_SIZE + chunk * CHUNK_SIZE,
        onIssue,
        options.fields,
      );
      chunk++;
    }
  }
  if (!header) {
    const head = take(pendingLen);
    checkHeader(head, head.length, name, onIssue);
    return;
  }
  // A trailing partial chunk: parseChunk reports it as truncated.
  if (pendingLen > 0)
    yield* chunkRecords(
      take(pendingLen),
      chunk,
      FILE_HEADER_SIZE + chunk * CHUNK_SIZE,
      onIssue,
      options.fields,
    );
}
