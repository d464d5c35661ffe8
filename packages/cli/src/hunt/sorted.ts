// Hits in time order with bounded memory: lines are collected with their time keys; when too many are
// held, they are sorted and spilled to a temporary file as one run; at the end the runs and what is still
// in memory are merged (k-way) into the output. Memory: one batch plus one read buffer per run.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

interface Item {
  k: number;
  line: string;
}

const byKey = (a: Item, b: Item): number =>
  // Equal keys (Infinity - Infinity is NaN, also falsy) fall back to the line: a deterministic order.
  a.k - b.k || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0);

/** Reads one spilled run back, line by line. */
class RunReader {
  private buf = Buffer.allocUnsafe(1 << 18);
  private text = '';
  private pos = 0;
  private filePos = 0;
  private eof = false;
  private readonly fd: number;
  head: Item | undefined;
  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.advance();
  }
  private line(): string | undefined {
    for (;;) {
      const nl = this.text.indexOf('\n', this.pos);
      if (nl >= 0) {
        const l = this.text.slice(this.pos, nl);
        this.pos = nl + 1;
        return l;
      }
      if (this.eof) return undefined;
      const n = readSync(this.fd, this.buf, 0, this.buf.length, this.filePos);
      this.filePos += n;
      if (n === 0) this.eof = true;
      // The decoder keeps a UTF-8 sequence cut by the read for the next one.
      this.text = this.text.slice(this.pos) + this.decoder.write(this.buf.subarray(0, n));
      this.pos = 0;
    }
  }
  private readonly decoder = new StringDecoder('utf8');
  advance(): void {
    const l = this.line();
    if (l === undefined) {
      this.head = undefined;
      closeSync(this.fd);
      return;
    }
    const tab = l.indexOf('\t');
    this.head = { k: Number(l.slice(0, tab)), line: JSON.parse(l.slice(tab + 1)) as string };
  }
}

export class SortedLines {
  private items: Item[] = [];
  private chars = 0;
  private dir: string | undefined;
  private runs: string[] = [];

  /** maxChars: characters of lines held in memory before a run is spilled. */
  constructor(private readonly maxChars = 32 * 1024 * 1024) {}

  add(k: number, line: string): void {
    this.items.push({ k, line });
    this.chars += line.length + 16;
    if (this.chars >= this.maxChars) this.spill();
  }

  /** Runs written to disk so far (for tests and figures). */
  get spilled(): number {
    return this.runs.length;
  }

  private spill(): void {
    this.items.sort(byKey);
    this.dir ??= mkdtempSync(join(tmpdir(), 'mamori-hunt-sort-'));
    const path = join(this.dir, `run-${this.runs.length}`);
    const fd = openSync(path, 'w');
    try {
      let out = '';
      for (const it of this.items) {
        out += `${it.k}\t${JSON.stringify(it.line)}\n`;
        if (out.length >= 1 << 20) {
          writeSync(fd, out);
          out = '';
        }
      }
      if (out) writeSync(fd, out);
    } finally {
      closeSync(fd);
    }
    this.runs.push(path);
    this.items = [];
    this.chars = 0;
  }

  /** Write every line in key order; `write` returns false to stop early (reader went away). */
  finish(write: (line: string, key: number) => boolean): void {
    try {
      this.items.sort(byKey);
      if (this.runs.length === 0) {
        for (const it of this.items) if (!write(it.line, it.k)) return;
        return;
      }
      // k-way merge: a binary heap of sources (runs, and the in-memory rest as one more source).
      const mem = this.items;
      let mi = 0;
      const readers = this.runs.map((p) => new RunReader(p));
      type Src = { head: () => Item | undefined; next: () => void };
      const srcs: Src[] = readers.map((r) => ({ head: () => r.head, next: () => r.advance() }));
      srcs.push({ head: () => mem[mi], next: () => void mi++ });
      const heap = srcs.filter((s) => s.head() !== undefined);
      const less = (a: Src, b: Src) => byKey(a.head()!, b.head()!) < 0;
      const down = (i: number) => {
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
          if (m === i) return;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      };
      for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
      while (heap.length) {
        const s = heap[0]!;
        const h = s.head()!;
        if (!write(h.line, h.k)) return;
        s.next();
        if (s.head() === undefined) {
          heap[0] = heap[heap.length - 1]!;
          heap.pop();
        }
        if (heap.length) down(0);
      }
    } finally {
      this.items = [];
      if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Remove temporary files without writing (e.g. on error). */
  discard(): void {
    this.items = [];
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
