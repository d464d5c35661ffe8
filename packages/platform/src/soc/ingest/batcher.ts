// Collects received records into batches for EventQueue.append() and decides when readers must pause:
// when too many records wait for the queue (append slower than receipt) or the queue's backlog is above its
// high-water mark. Readers resume below the low-water mark. Memory stays bounded by maxPending records plus
// what the paused sockets already hold.
import type { Logger } from 'pino';
import type { EventQueue, IngestRecord } from '../types.js';
import type { IngestLimits, SourceStats } from './limits.js';

export class IngestBatcher {
  private batch: IngestRecord[] = [];
  private owners: SourceStats[] = [];
  private inFlight = 0;
  private appending: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private closed = false;
  private paused = false;
  private readonly listeners = new Set<(paused: boolean) => void>();
  /** Times the readers were paused for backpressure (stats). */
  pauses = 0;
  /** Failed append() calls (retried). */
  appendErrors = 0;

  constructor(
    private readonly queue: EventQueue,
    private readonly limits: IngestLimits,
    private readonly logger?: Logger,
  ) {}

  /** Records received but not yet durable. */
  get pending(): number {
    return this.batch.length + this.inFlight;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  onPressure(fn: (paused: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  add(record: IngestRecord, owner: SourceStats): void {
    this.batch.push(record);
    this.owners.push(owner);
    if (this.batch.length >= this.limits.batchSize) this.kick();
    else this.timer ??= setTimeout(() => this.kick(), this.limits.batchDelayMs);
    if (!this.paused && this.batch.length + this.inFlight >= this.limits.maxPending) this.setPaused(true);
  }

  /** Is the queue behind (checked by readers before taking more)? */
  check(): boolean {
    const backlog = this.queue.backlog();
    const pending = this.pending;
    if (!this.paused && (backlog > this.limits.highWater || pending >= this.limits.maxPending)) {
      this.setPaused(true);
    } else if (this.paused && backlog <= this.limits.lowWater && pending < this.limits.maxPending / 2) {
      this.setPaused(false);
    }
    return this.paused;
  }

  private setPaused(p: boolean): void {
    if (this.paused === p) return;
    this.paused = p;
    if (p) {
      this.pauses++;
      // While paused, look at the queue's backlog regularly: nothing else will wake the readers.
      this.poll ??= setInterval(() => this.check(), 20);
    } else if (this.poll) {
      clearInterval(this.poll);
      this.poll = null;
    }
    for (const fn of this.listeners) fn(p);
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.appending || this.batch.length === 0) return;
    let failed = false;
    this.appending = this.run()
      .catch((err: unknown) => {
        // Only when closing with a queue that keeps failing: the records were never acknowledged to anyone.
        failed = true;
        this.logger?.error({ err }, 'soc ingest: giving up appending while closing');
      })
      .finally(() => {
        this.appending = null;
        if (failed) {
          this.batch = [];
          this.owners = [];
        }
        if (this.batch.length > 0) this.kick();
        this.check();
      });
  }

  /** One append at a time keeps the order of each connection; batches grow while the queue is busy. */
  private async run(): Promise<void> {
    const records = this.batch;
    const owners = this.owners;
    this.batch = [];
    this.owners = [];
    this.inFlight = records.length;
    let delay = 50;
    for (;;) {
      try {
        await this.queue.append(records);
        break;
      } catch (err) {
        this.appendErrors++;
        this.logger?.error({ err, records: records.length }, 'soc ingest: queue append failed; retrying');
        if (this.closed && this.appendErrors > 3) {
          this.inFlight = 0;
          throw err;
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
    for (const o of owners) o.accepted++;
    this.inFlight = 0;
  }

  /** Appends whatever waits and resolves when it is durable. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.appending) {
        await this.appending.catch(() => undefined);
        continue;
      }
      if (this.batch.length === 0) return;
      this.kick();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.flush();
    } finally {
      if (this.timer) clearTimeout(this.timer);
      if (this.poll) clearInterval(this.poll);
      this.timer = null;
      this.poll = null;
    }
  }
}
