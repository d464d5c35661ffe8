// The embedded durable queue: append-only segment files under <dataDir>/spool.
//
// Frame: u32 LE payload length, u32 LE CRC-32 of the payload, payload (one IngestRecord, spool-frame.ts).
// append() queues its frames; one writer writes everything queued with a single writev + fdatasync (group
// commit) and only then resolves the callers, so an acknowledged record is on disk. The consumer sees only
// fsynced frames: an event id (derived from the frame's position) is never given to a record that a crash could
// lose. On open, the last segment is scanned and cut at the first torn or corrupt frame (never acknowledged).
// A position is one number: segment * 2^32 + byte offset, so it is ordered and fits a bigint column.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { open, readdir, unlink, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import type { EventQueue, IngestRecord } from '../types.js';
import { MetaEncoder, metaTooLong, PayloadDecoder, payloadBound, writePayload } from './spool-frame.js';

const SEG_FACTOR = 2 ** 32;
const HEADER = 8;
const CHUNK = 4 * 1024 * 1024;
/** A frame larger than this is refused at append (ingest limits lines far below it); one read chunk holds it. */
export const MAX_FRAME = CHUNK - HEADER;

/** Another live process owns the spool (the server, while a CLI one-shot starts a platform beside it). */
export class SpoolBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`spool ${dir} is in use by process ${pid} (its pipeline; send there, e.g. mamori ingest --url)`);
  }
}

export const positionOf = (segment: number, offset: number): number => segment * SEG_FACTOR + offset;
export const segmentOf = (position: number): number => Math.floor(position / SEG_FACTOR);
export const offsetOf = (position: number): number => position % SEG_FACTOR;

const segName = (n: number): string => `seg-${String(n).padStart(10, '0')}.log`;
const segNumber = (name: string): number | null => {
  const m = /^seg-(\d{10})\.log$/.exec(name);
  return m ? Number(m[1]) : null;
};

export interface SpooledRecord {
  /** Position of the frame (its first byte). */
  position: number;
  record: IngestRecord;
}

export interface SpoolOptions {
  dir: string;
  /** Roll to a new segment file past this size (default 64 MiB). */
  segmentBytes?: number;
}

/**
 * The frames of one append in one buffer (one allocation and one write per call, not three per record); tooLarge
 * is the size of a record's frame when it would exceed MAX_FRAME (or its metadata its u16 length), else 0.
 */
function encodeAll(records: IngestRecord[]): { buf: Buffer; tooLarge: number } {
  const enc = new MetaEncoder();
  const metas = new Array<Buffer>(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const meta = (metas[i] = enc.of(records[i]!));
    if (metaTooLong(meta)) return { buf: Buffer.alloc(0), tooLarge: HEADER + meta.length };
    total += HEADER + payloadBound(records[i]!, meta);
  }
  const buf = Buffer.allocUnsafe(total);
  let off = 0;
  for (let i = 0; i < records.length; i++) {
    const len = writePayload(buf, off + HEADER, records[i]!, metas[i]!);
    if (HEADER + len > MAX_FRAME) return { buf, tooLarge: HEADER + len };
    buf.writeUInt32LE(len, off);
    buf.writeUInt32LE(crc32(buf.subarray(off + HEADER, off + HEADER + len)), off + 4);
    off += HEADER + len;
  }
  return { buf: buf.subarray(0, off), tooLarge: 0 };
}

/** Length of the valid frame prefix of a segment's bytes, and how many frames it holds. */
function scanValid(buf: Buffer, from = 0): { end: number; frames: number } {
  let off = from;
  let frames = 0;
  while (off + HEADER <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len > MAX_FRAME || off + HEADER + len > buf.length) break;
    if (crc32(buf.subarray(off + HEADER, off + HEADER + len)) !== buf.readUInt32LE(off + 4)) break;
    off += HEADER + len;
    frames++;
  }
  return { end: off, frames };
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class FileSpool implements EventQueue {
  readonly dir: string;
  /** Random per spool directory: event ids and the checkpoint name carry it, so a new spool never reuses ids. */
  readonly spoolId: string;
  private readonly segmentBytes: number;
  private writeSeg = 0;
  private writeOff = 0;
  private fh: FileHandle | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingCount = 0;
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  private failed: Error | null = null;
  /** Durable end (position after the last fsynced frame). */
  private durable = 0;
  /**
   * The durable end when this process opened the spool. Frames from here on were written and fsynced by this
   * process, so readers need not check their CRC again (a torn write can only lie before it).
   */
  private writtenFrom = 0;
  private durableCount = 0;
  private processedCount = 0;
  private recovered = 0;
  private deletedBelow = 0;
  private dataWaiters: (() => void)[] = [];
  private readonly lockPath: string;

  private constructor(opts: SpoolOptions, spoolId: string) {
    this.dir = opts.dir;
    this.spoolId = spoolId;
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.lockPath = join(opts.dir, 'LOCK');
  }

  /** Spools open in this process by directory: a second open shares the instance (one writer per file). */
  private static readonly openSpools = new Map<string, { spool: Promise<FileSpool>; refs: number }>();

  static open(opts: SpoolOptions): Promise<FileSpool> {
    const key = resolve(opts.dir);
    const hit = FileSpool.openSpools.get(key);
    if (hit) {
      hit.refs++;
      return hit.spool;
    }
    const spool = FileSpool.openNew({ ...opts, dir: key });
    FileSpool.openSpools.set(key, { spool, refs: 1 });
    spool.catch(() => FileSpool.openSpools.delete(key));
    return spool;
  }

  private static async openNew(opts: SpoolOptions): Promise<FileSpool> {
    mkdirSync(opts.dir, { recursive: true });
    const lockPath = join(opts.dir, 'LOCK');
    // One process owns a spool: a second writer would interleave frames.
    try {
      const pid = Number(readFileSync(lockPath, 'utf8').trim());
      if (pid && pid !== process.pid && processAlive(pid)) {
        throw new SpoolBusyError(opts.dir, pid);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    writeFileSync(lockPath, String(process.pid));
    const idPath = join(opts.dir, 'SPOOL_ID');
    let spoolId: string;
    try {
      spoolId = readFileSync(idPath, 'utf8').trim();
    } catch {
      spoolId = randomBytes(4).toString('hex');
      const fd = openSync(idPath, 'w');
      writeFileSync(fd, spoolId);
      fsyncSync(fd);
      closeSync(fd);
      fsyncDir(opts.dir);
    }
    const spool = new FileSpool(opts, spoolId);
    await spool.recover();
    return spool;
  }

  private segments(): number[] {
    return readdirSync(this.dir)
      .map(segNumber)
      .filter((n): n is number => n !== null)
      .sort((a, b) => a - b);
  }

  private async recover(): Promise<void> {
    const segs = this.segments();
    if (segs.length === 0) {
      await this.openSegment(1);
    } else {
      const last = segs.at(-1)!;
      const path = join(this.dir, segName(last));
      const buf = readFileSync(path);
      const { end } = scanValid(buf);
      this.fh = await open(path, 'r+');
      if (end < buf.length) {
        // A torn tail: frames whose append never resolved. Cut them so new frames follow valid ones.
        await this.fh.truncate(end);
        await this.fh.datasync();
      }
      this.writeSeg = last;
      this.writeOff = end;
    }
    this.durable = this.writtenFrom = positionOf(this.writeSeg, this.writeOff);
  }

  /** @internal: see writtenFrom. */
  ownFramesFrom(): number {
    return this.writtenFrom;
  }

  private async openSegment(n: number): Promise<void> {
    if (this.fh) {
      await this.fh.datasync();
      await this.fh.close();
    }
    this.fh = await open(join(this.dir, segName(n)), 'wx');
    fsyncDir(this.dir);
    this.writeSeg = n;
    this.writeOff = 0;
  }

  append(records: IngestRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('queue closed'));
    if (this.failed) return Promise.reject(this.failed);
    if (records.length === 0) return Promise.resolve();
    const { buf, tooLarge } = encodeAll(records);
    if (tooLarge > 0) return Promise.reject(new Error(`record too large (${tooLarge} bytes)`));
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.pendingCount += records.length;
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flushLoop();
    return p;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const bufs = this.pending;
        const bytes = this.pendingBytes;
        const count = this.pendingCount;
        const waiters = this.waiters;
        this.pending = [];
        this.pendingBytes = 0;
        this.pendingCount = 0;
        this.waiters = [];
        try {
          if (this.writeOff > 0 && this.writeOff + bytes > this.segmentBytes) {
            await this.openSegment(this.writeSeg + 1);
          }
          let written = 0;
          // writev takes at most IOV_MAX buffers per call.
          for (let i = 0; i < bufs.length; i += 1024) {
            const part = bufs.slice(i, i + 1024);
            const r = await this.fh!.writev(part, this.writeOff + written);
            written += r.bytesWritten;
          }
          if (written !== bytes) throw new Error(`short write to the spool (${written} of ${bytes} bytes)`);
          await this.fh!.datasync();
          this.writeOff += bytes;
          this.durable = positionOf(this.writeSeg, this.writeOff);
          this.durableCount += count;
          for (const w of waiters) w.resolve();
          const dw = this.dataWaiters;
          this.dataWaiters = [];
          for (const f of dw) f();
        } catch (err) {
          // The spool can no longer promise durability: refuse everything from now on.
          this.failed = err instanceof Error ? err : new Error(String(err));
          for (const w of waiters) w.reject(this.failed);
          for (const w of this.waiters) w.reject(this.failed);
          this.waiters = [];
          this.pending = [];
          return;
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  backlog(): number {
    return this.recovered + this.durableCount + this.pendingCount - this.processedCount;
  }

  /** Durable end position (after the last fsynced frame). */
  durableEnd(): number {
    return this.durable;
  }

  /** Resolves when frames past `position` are durable (or at once if they are), or when closed. */
  waitForData(position: number): Promise<void> {
    if (this.durable > position || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.dataWaiters.push(resolve));
  }

  /** Where a consumer with no checkpoint starts: the oldest segment kept. */
  firstPosition(): number {
    const segs = this.segments();
    return positionOf(segs[0] ?? this.writeSeg, 0);
  }

  /**
   * Counts the frames between a consumer's start and the durable end (the backlog left by a previous run);
   * call once when the consumer starts.
   */
  countFrom(position: number): number {
    let n = 0;
    for (const seg of this.segments()) {
      if (seg < segmentOf(position)) continue;
      const buf = readFileSync(join(this.dir, segName(seg)));
      const from = seg === segmentOf(position) ? offsetOf(position) : 0;
      const limit = seg === this.writeSeg ? this.writeOff : buf.length;
      n += scanValid(buf.subarray(0, limit), from).frames;
    }
    this.recovered = n;
    return n;
  }

  /** Called by the consumer after its batch is committed: backlog and deletion of fully consumed segments. */
  async committed(position: number, records: number): Promise<void> {
    this.processedCount += records;
    const seg = segmentOf(position);
    // Only when the consumer has moved to a later segment is there anything to delete.
    if (seg <= this.deletedBelow) return;
    this.deletedBelow = Math.min(seg, this.writeSeg);
    for (const name of await readdir(this.dir)) {
      const n = segNumber(name);
      if (n !== null && n < seg && n < this.writeSeg) await unlink(join(this.dir, name)).catch(() => {});
    }
  }

  /** A reader from `position` (a frame boundary, normally the committed checkpoint). */
  reader(position: number): SpoolReader {
    return new SpoolReader(this, position);
  }

  /** @internal */
  segmentPath(n: number): string {
    return join(this.dir, segName(n));
  }

  /** @internal: the next existing segment after n, or null. */
  nextSegment(n: number): number | null {
    return this.segments().find((s) => s > n) ?? null;
  }

  isClosed(): boolean {
    return this.closed;
  }

  /** Wakes readers waiting for data (a consumer stopping). */
  wake(): void {
    const dw = this.dataWaiters;
    this.dataWaiters = [];
    for (const f of dw) f();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const reg = FileSpool.openSpools.get(this.dir);
    if (reg && --reg.refs > 0) return;
    FileSpool.openSpools.delete(this.dir);
    while (this.flushing) await this.flushing;
    this.closed = true;
    for (const f of this.dataWaiters) f();
    this.dataWaiters = [];
    await this.fh?.close();
    this.fh = null;
    await unlink(this.lockPath).catch(() => {});
  }
}

/** Reads durable frames in order, in chunks, never past the spool's durable end. */
export class SpoolReader {
  private seg: number;
  private off: number;
  private fh: FileHandle | null = null;
  private fhSeg = -1;
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  private stopped = false;
  private readonly decoder = new PayloadDecoder();

  constructor(
    private readonly spool: FileSpool,
    position: number,
  ) {
    this.seg = segmentOf(position);
    this.off = offsetOf(position);
  }

  /** Position of the next frame to read. */
  position(): number {
    return positionOf(this.seg, this.off);
  }

  /** Up to `max` records (waits for at least one unless the spool closes: then returns []). */
  async read(max: number): Promise<{ items: SpooledRecord[]; next: number }> {
    for (;;) {
      if (this.stopped) return { items: [], next: this.position() };
      const items = await this.readAvailable(max);
      if (items.length > 0 || this.spool.isClosed()) return { items, next: this.position() };
      await this.spool.waitForData(this.position());
    }
  }

  private async readAvailable(max: number): Promise<SpooledRecord[]> {
    const out: SpooledRecord[] = [];
    const end = this.spool.durableEnd();
    while (out.length < max) {
      const endSeg = segmentOf(end);
      if (this.seg > endSeg) break;
      const limit = this.seg === endSeg ? offsetOf(end) : Infinity;
      if (this.off >= limit) break;
      if (this.fhSeg !== this.seg) {
        await this.fh?.close();
        try {
          this.fh = await open(this.spool.segmentPath(this.seg), 'r');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          const next = this.spool.nextSegment(this.seg);
          if (next === null) break;
          this.seg = next;
          this.off = 0;
          continue;
        }
        this.fhSeg = this.seg;
        this.buf = Buffer.alloc(0);
        this.bufStart = this.off;
      }
      // Refill when the next frame is not wholly in the buffer.
      let rel = this.off - this.bufStart;
      if (
        rel < 0 ||
        rel + HEADER > this.buf.length ||
        rel + HEADER + this.buf.readUInt32LE(rel) > this.buf.length
      ) {
        const size = Number.isFinite(limit) ? Math.min(CHUNK, limit - this.off) : CHUNK;
        const b = Buffer.allocUnsafe(size);
        const { bytesRead } = await this.fh!.read(b, 0, size, this.off);
        this.buf = b.subarray(0, bytesRead);
        this.bufStart = this.off;
        rel = 0;
        if (bytesRead < HEADER || HEADER + this.buf.readUInt32LE(0) > bytesRead) {
          if (Number.isFinite(limit)) break; // not yet durable in full (cannot happen: limit is a frame end)
          // End of a finished segment: go on with the next one.
          const next = this.spool.nextSegment(this.seg);
          if (next === null) break;
          this.seg = next;
          this.off = 0;
          continue;
        }
      }
      const len = this.buf.readUInt32LE(rel);
      const start = rel + HEADER;
      const position = positionOf(this.seg, this.off);
      // Frames of earlier runs are checked; this run's own (the steady state) were fsynced by it. (crc32 was 2.9% of
      // the pipeline's main thread in a profile, appends and reads together, besides a buffer view per call.)
      if (
        position < this.spool.ownFramesFrom() &&
        crc32(this.buf.subarray(start, start + len)) !== this.buf.readUInt32LE(rel + 4)
      ) {
        throw new Error(`spool segment ${this.seg} is corrupt at offset ${this.off}`);
      }
      out.push({
        position,
        record: this.decoder.decode(this.buf, start, start + len),
      });
      this.off += HEADER + len;
    }
    return out;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.spool.wake();
    await this.fh?.close();
    this.fh = null;
  }
}
