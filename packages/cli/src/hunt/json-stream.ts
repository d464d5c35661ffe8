// Streaming split of JSON log files into one text per event, with bounded memory: NDJSON/JSONL, objects
// written one after another (pretty-printed or not), or one top-level array of objects. gzip is detected
// by its magic bytes.
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** Largest single event accepted; a longer one is reported and the file abandoned. */
export const MAX_EVENT_CHARS = 64 * 1024 * 1024;

export class JsonSplitter {
  private pending = '';
  private depth = 0;
  private inStr = false;
  private esc = false;
  private start = -1;
  private base = 0; // 1 inside a top-level array
  private sawArray = false;
  malformed = 0;

  /** Feed text; `emit` gets the text of each complete top-level object (or array element). */
  feed(chunk: string, emit: (text: string) => void): void {
    const s = this.pending + chunk;
    let i = this.pending.length;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (this.inStr) {
        if (this.esc) this.esc = false;
        else if (c === 92) this.esc = true;
        else if (c === 34) this.inStr = false;
        continue;
      }
      if (this.depth === this.base) {
        // Between events: whitespace, commas, a BOM, the array brackets; anything else is skipped to end of line.
        if (c === 123) {
          this.start = i;
          this.depth++;
        } else if (c === 91 && this.depth === 0 && !this.sawArray) {
          this.sawArray = true;
          this.base = 1;
          this.depth = 1;
        } else if (c === 93 && this.base === 1) {
          this.base = 0;
          this.depth = 0;
        } else if (!(c <= 32 || c === 44 || c === 0xfeff)) {
          this.malformed++;
          const nl = s.indexOf('\n', i);
          i = nl < 0 ? s.length : nl;
        }
        continue;
      }
      if (c === 34) this.inStr = true;
      else if (c === 123 || c === 91) this.depth++;
      else if (c === 125 || c === 93) {
        this.depth--;
        if (this.depth === this.base) {
          emit(s.slice(this.start, i + 1));
          this.start = -1;
        }
      }
    }
    // Keep only the unfinished event; scanning resumes after the part already seen.
    if (this.depth > this.base) {
      this.pending = s.slice(this.start);
      this.start = 0;
    } else this.pending = '';
    if (this.pending.length > MAX_EVENT_CHARS)
      throw new Error(`an event is larger than ${MAX_EVENT_CHARS} characters`);
  }

  /** End of input: an unfinished event counts as malformed. */
  end(): void {
    if (this.depth > this.base && this.pending.trim() !== '') this.malformed++;
    this.pending = '';
  }
}

export async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    await fh.read(b, 0, 2, 0);
    return b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** The file's text as a stream of strings (gunzipped when gzip), plus a counter of compressed bytes read. */
export async function openText(path: string): Promise<{ stream: Readable; bytesRead: () => number }> {
  const gz = await isGzip(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = gz ? raw.pipe(createGunzip()) : raw;
  stream.setEncoding('utf8');
  return { stream, bytesRead: () => raw.bytesRead };
}

/**
 * True when the file looks like NDJSON/JSONL (one object per line, not gzip): its first lines are whole
 * JSON objects. Such a file can be split into byte ranges at line boundaries.
 */
export function looksLikeNdjson(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(1 << 16);
    const n = readSync(fd, b, 0, b.length, 0);
    if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) return false;
    const lines = b
      .toString('utf8', 0, n)
      .replace(/^\uFEFF/, '')
      .split('\n');
    // The last piece may be cut by the 64 KiB read; at least one whole line must be there.
    const whole = lines.slice(0, Math.min(lines.length - 1, 3)).filter((l) => l.trim() !== '');
    if (whole.length === 0) return false;
    for (const l of whole) {
      const v: unknown = JSON.parse(l);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    }
    return true;
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of an NDJSON file that begin in the byte range [start, end): the range's first partial line
 * belongs to the previous range, and the line running over `end` to this one. Memory: one 1 MiB buffer
 * plus the longest line.
 */
export async function* ndjsonLines(
  path: string,
  start: number,
  end: number,
  onBytes?: (n: number) => void,
): AsyncGenerator<string> {
  for await (const batch of ndjsonLineBatches(path, start, end, onBytes)) yield* batch;
}

/**
 * ndjsonLines in batches (the lines of each 1 MiB read): one await per batch instead of per line.
 */
export async function* ndjsonLineBatches(
  path: string,
  start: number,
  end: number,
  onBytes?: (n: number) => void,
): AsyncGenerator<string[]> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    // From one byte before the range: if that byte is a newline, the range starts on a line.
    let filePos = start > 0 ? start - 1 : 0;
    let skip = start > 0;
    let rest: Buffer = Buffer.alloc(0);
    let restPos = filePos;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, filePos);
      filePos += bytesRead;
      onBytes?.(bytesRead);
      const data = rest.length
        ? Buffer.concat([rest, buf.subarray(0, bytesRead)])
        : buf.subarray(0, bytesRead);
      const dataPos = restPos;
      let i = 0;
      if (skip) {
        const nl = data.indexOf(10);
        if (nl < 0) {
          if (bytesRead === 0) return;
          rest = Buffer.alloc(0);
          restPos = filePos;
          continue;
        }
        i = nl + 1;
        skip = false;
      }
      // Whole lines that begin before `end`. Each line is decoded on its own: JSON.parse may keep
      // substrings of its input (as sliced strings) in the event, and the engine's memos keep values, so
      // a line must not be a slice of a 1 MiB block it would keep alive.
      const lines: string[] = [];
      let past = false;
      for (;;) {
        if (dataPos + i >= end) {
          past = true;
          break;
        }
        const nl = data.indexOf(10, i);
        if (nl < 0) break;
        lines.push(data.toString('utf8', i, nl));
        i = nl + 1;
      }
      if (lines.length) yield lines;
      if (past) return;
      if (bytesRead === 0) {
        if (i < data.length) yield [data.toString('utf8', i)];
        return;
      }
      // Copy: `buf` is overwritten by the next read.
      rest = Buffer.from(data.subarray(i));
      restPos = dataPos + i;
      if (rest.length > MAX_EVENT_CHARS) throw new Error(`an event is larger than ${MAX_EVENT_CHARS} bytes`);
    }
  } finally {
    await fh.close();
  }
}
