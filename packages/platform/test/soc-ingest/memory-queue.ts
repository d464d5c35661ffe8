// A small in-memory EventQueue for the ingest tests that need no database: records are "durable" when append
// resolves (after an optional delay), and a consumer drains the backlog at a chosen rate (a slow pipeline).
import type { EventQueue, IngestRecord } from '../../src/soc/types.js';

export class MemoryQueue implements EventQueue {
  readonly records: IngestRecord[] = [];
  processed = 0;
  appendCalls = 0;
  /** Largest batch seen. */
  maxBatch = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: { appendDelayMs?: number; consumePerSecond?: number } = {}) {
    if (opts.consumePerSecond !== undefined) {
      const perTick = Math.max(1, Math.round(opts.consumePerSecond / 50));
      this.timer = setInterval(() => {
        this.processed = Math.min(this.records.length, this.processed + perTick);
      }, 20);
    }
  }

  async append(records: IngestRecord[]): Promise<void> {
    this.appendCalls++;
    this.maxBatch = Math.max(this.maxBatch, records.length);
    if (this.opts.appendDelayMs) await new Promise((r) => setTimeout(r, this.opts.appendDelayMs));
    for (const r of records) this.records.push(r);
    if (this.opts.consumePerSecond === undefined) this.processed = this.records.length;
  }

  backlog(): number {
    return this.records.length - this.processed;
  }

  /** Lets the consumer drain everything from now on. */
  drainAll(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => (this.processed = this.records.length), 10);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  lines(): string[] {
    return this.records.map((r) => r.line);
  }
}

/** Waits until cond() holds (polling), or fails after ms. */
export async function until(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
