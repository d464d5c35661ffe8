// Distributed mode: scan jobs on a NATS JetStream work-queue stream (one message a scan run, de-duplicated by
// run id). Stateless workers pull from one durable consumer with explicit ack; while a scan runs the worker
// sends working() heartbeats every third of the ack wait, so only a dead worker's job is redelivered (after the
// ack wait) to another worker. The run's results are written once (executeScan claims the run), so a
// redelivery never duplicates findings.
import {
  AckPolicy,
  connect,
  nanos,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JsMsg,
  type NatsConnection,
} from 'nats';
import type { Logger } from 'pino';
import type { Deps } from '../../context.js';
import { executeScan, failScan, type AsmEngineOptions } from '../scans/execute.js';
import type { PolitenessLimiter } from '../scans/politeness.js';
import type { ScanDispatcher } from './runner.js';

const CONSUMER = 'asm-workers';

export interface NatsScanOptions {
  url: string;
  stream: string;
  ackWaitMs: number;
  maxDeliver: number;
}

async function ensureStream(nc: NatsConnection, o: NatsScanOptions): Promise<void> {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(o.stream);
  } catch {
    await jsm.streams.add({
      name: o.stream,
      subjects: [`${o.stream}.scan`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(120_000),
    });
  }
  try {
    await jsm.consumers.info(o.stream, CONSUMER);
  } catch {
    await jsm.consumers.add(o.stream, {
      durable_name: CONSUMER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(o.ackWaitMs),
      max_deliver: o.maxDeliver,
      filter_subject: `${o.stream}.scan`,
    });
  }
}

/** The publishing side (server, CLI): requestScan puts the run id on the stream. */
export class NatsScanDispatcher implements ScanDispatcher {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly o: NatsScanOptions,
  ) {}

  static async open(o: NatsScanOptions): Promise<NatsScanDispatcher> {
    const nc = await connect({ servers: o.url, name: 'mamori-asm', maxReconnectAttempts: -1 });
    try {
      await ensureStream(nc, o);
    } catch (err) {
      await nc.close();
      throw err;
    }
    return new NatsScanDispatcher(nc, nc.jetstream(), o);
  }

  async dispatch(scanId: string): Promise<void> {
    await this.js.publish(`${this.o.stream}.scan`, Buffer.from(JSON.stringify({ scanId })), {
      msgID: scanId,
    });
  }

  idle(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => {});
  }
}

export interface WorkerOptions extends NatsScanOptions {
  name: string;
  concurrency: number;
  logger: Logger;
  /** Called with each job's outcome (tests, CLI output). */
  onJob?: (e: { scanId: string; result: string; delivery: number }) => void;
}

/** A scan worker: pulls jobs until stop() is called. */
export class NatsScanWorker {
  private stopped = false;
  private loops: Promise<void>[] = [];

  private constructor(
    private readonly nc: NatsConnection,
    private readonly deps: Deps,
    private readonly engine: () => AsmEngineOptions,
    private readonly limiter: PolitenessLimiter,
    private readonly o: WorkerOptions,
  ) {}

  static async start(
    deps: Deps,
    engine: () => AsmEngineOptions,
    limiter: PolitenessLimiter,
    o: WorkerOptions,
  ): Promise<NatsScanWorker> {
    const nc = await connect({
      servers: o.url,
      name: `mamori-asm-worker-${o.name}`,
      maxReconnectAttempts: -1,
    });
    try {
      await ensureStream(nc, o);
    } catch (err) {
      await nc.close();
      throw err;
    }
    const w = new NatsScanWorker(nc, deps, engine, limiter, o);
    for (let i = 0; i < Math.max(1, o.concurrency); i++) w.loops.push(w.loop());
    return w;
  }

  private async loop(): Promise<void> {
    const consumer = await this.nc.jetstream().consumers.get(this.o.stream, CONSUMER);
    while (!this.stopped) {
      let msg: JsMsg | null;
      try {
        msg = await consumer.next({ expires: 1000 });
      } catch (err) {
        if (this.stopped) break;
        this.o.logger.warn({ err }, 'asm worker: pull failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!msg) continue;
      await this.handle(msg);
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    let scanId: string;
    try {
      scanId = String((JSON.parse(Buffer.from(msg.data).toString('utf8')) as { scanId: unknown }).scanId);
    } catch {
      this.o.logger.warn('asm worker: malformed job dropped');
      msg.term();
      return;
    }
    const delivery = msg.info.deliveryCount;
    const beat = setInterval(() => msg.working(), Math.max(500, Math.floor(this.o.ackWaitMs / 3)));
    try {
      const result = await executeScan(this.deps, this.engine(), this.limiter, scanId, {
        worker: this.o.name,
        heartbeat: () => msg.working(),
      });
      clearInterval(beat);
      msg.ack();
      this.o.onJob?.({ scanId, result, delivery });
    } catch (err) {
      clearInterval(beat);
      this.o.logger.error({ err, scanId, delivery }, 'asm worker: job failed');
      if (delivery >= this.o.maxDeliver) {
        await failScan(
          this.deps,
          { actor: { kind: 'system', name: `asm-worker:${this.o.name}` }, sourceIp: '127.0.0.1' },
          scanId,
          `gave up after ${delivery} deliveries: ${err instanceof Error ? err.message : String(err)}`,
        ).catch(() => {});
        msg.term();
      } else msg.nak(5000);
      this.o.onJob?.({ scanId, result: 'error', delivery });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled(this.loops);
    await this.nc.drain().catch(() => {});
  }
}
