// Where queued scans go. Embedded default: an in-process runner (bounded concurrency; on start it picks up runs
// left queued or running by a previous process). Distributed mode: the NATS JetStream work queue (nats.ts),
// drained by `mamori asm worker` processes.
import type { Logger } from 'pino';
import type { Deps } from '../../context.js';
import { executeScan, type AsmEngineOptions, type ExecuteResult } from '../scans/execute.js';
import type { PolitenessLimiter } from '../scans/politeness.js';

export interface ScanDispatcher {
  dispatch(scanId: string): Promise<void>;
  /** Resolves when every dispatched job of this process finished (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export class InProcessRunner implements ScanDispatcher {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private active = 0;
  private waiters: Array<() => void> = [];
  private closed = false;
  readonly results = new Map<string, ExecuteResult>();

  constructor(
    private readonly deps: Deps,
    private readonly engine: () => AsmEngineOptions,
    private readonly limiter: PolitenessLimiter,
    private readonly concurrency: number,
    private readonly logger: Logger,
    private readonly worker = `inproc-${process.pid}`,
  ) {}

  /** Runs left behind by a stopped process: queued, or running with nobody left to finish them. */
  async recover(): Promise<number> {
    const rows = await this.deps.db.kysely
      .selectFrom('asm_scans')
      .select('id')
      .where('status', 'in', ['queued', 'running'])
      .orderBy('queued_at')
      .execute();
    for (const r of rows) await this.dispatch(r.id);
    return rows.length;
  }

  async dispatch(scanId: string): Promise<void> {
    if (this.closed || this.queued.has(scanId)) return;
    this.queued.add(scanId);
    this.queue.push(scanId);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.active < this.concurrency && this.queue.length > 0) {
      const id = this.queue.shift()!;
      this.active++;
      void executeScan(this.deps, this.engine(), this.limiter, id, { worker: this.worker })
        .then((r) => this.results.set(id, r))
        .catch((err: unknown) => {
          this.logger.error({ err, scanId: id }, 'asm scan failed');
          this.results.set(id, 'failed');
        })
        .finally(() => {
          this.active--;
          this.queued.delete(id);
          this.pump();
          if (this.active === 0 && this.queue.length === 0) {
            const w = this.waiters;
            this.waiters = [];
            for (const f of w) f();
          }
        });
    }
  }

  idle(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  async close(): Promise<void> {
    this.queue.length = 0;
    this.closed = true;
    await this.idle();
  }
}
