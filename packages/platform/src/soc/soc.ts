// platform.soc: the queue (embedded spool or NATS JetStream), the pipeline consuming it, and the services over
// what it stores. The pipeline, retention and rule refresh run only where soc.pipeline is on (off for CLI
// one-shots and ingest-only nodes); the queue of the embedded mode is opened on first use, so a process that
// never ingests never takes the spool's lock.
import { isValidLgCode, prefectureLgCode } from '@mamori/core';
import type { Deps } from '../context.js';
import { orgIdForCode, STATE_ORG_ID } from '../orgs/service.js';
import { AttributionServiceImpl } from './attribution/service.js';
import { Retention } from './events/retention.js';
import { SocEventServiceImpl } from './events/service.js';
import { SocPipeline } from './pipeline/pipeline.js';
import { KyselyPipelineStore, SqlitePipelineStore, type PipelineStore } from './pipeline/store.js';
import { QuarantineServiceImpl } from './quarantine/service.js';
import { NatsQueue } from './queue/nats.js';
import { Lease } from './lease.js';
import type { QueueSource } from './queue/source.js';
import { SpoolSource } from './queue/source.js';
import { FileSpool, SpoolBusyError } from './queue/spool.js';
import { RollupServiceImpl } from './rollups/service.js';
import type { EventQueue, IngestRecord, SocCoreServices } from './types.js';

/** Prefecture org id from soc.prefectureCode (two digits or the six-digit code). */
export function configuredPrefectureId(code: string | null): string {
  if (!code) return STATE_ORG_ID;
  const c = code.trim();
  if (/^\d{2}$/.test(c)) return orgIdForCode(prefectureLgCode(c));
  if (/^\d{6}$/.test(c) && isValidLgCode(c)) return orgIdForCode(prefectureLgCode(c.slice(0, 2)));
  throw new Error(`soc.prefectureCode ${JSON.stringify(code)} is not a prefecture code`);
}

/** Opens the real queue on first use (and only once, even with concurrent first calls). */
class LazyQueue implements EventQueue {
  private opening: Promise<EventQueue> | null = null;
  private q: EventQueue | null = null;
  constructor(private readonly openFn: () => Promise<EventQueue>) {}
  get(): Promise<EventQueue> {
    this.opening ??= this.openFn().then(
      (q) => (this.q = q),
      (err: unknown) => {
        // Not cached: the owner may stop, and a later call may open it.
        this.opening = null;
        throw err;
      },
    );
    return this.opening;
  }
  async append(records: IngestRecord[]): Promise<void> {
    return (await this.get()).append(records);
  }
  backlog(): number {
    return this.q?.backlog() ?? 0;
  }
  async close(): Promise<void> {
    if (this.opening) await (await this.opening.catch(() => null))?.close();
  }
}

export interface Soc {
  services: SocCoreServices;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createSoc(d: Deps): Soc {
  const cfg = d.config;
  const nats = cfg.queue.driver === 'nats';
  const lazy = new LazyQueue(async () =>
    nats
      ? NatsQueue.open({ url: cfg.queue.natsUrl, stream: cfg.soc.natsStream })
      : FileSpool.open({ dir: cfg.soc.spoolDir, segmentBytes: cfg.soc.spoolSegmentMb * 1024 * 1024 }),
  );
  const attribution = new AttributionServiceImpl(d);
  const retention = new Retention(d.db, cfg, d.logger, { now: () => d.now().getTime() });
  const defaultPrefectureId = configuredPrefectureId(cfg.soc.prefectureCode);
  let store: PipelineStore | null = null;
  let source: QueueSource | null = null;
  // The pipeline object exists even when it does not run, so stages can always be registered.
  const sourceProxy: QueueSource = {
    get consumer() {
      return source?.consumer ?? '';
    },
    get sole() {
      return source?.sole ?? false;
    },
    start: (cp, onActive) => source!.start(cp, onActive),
    next: (max) => source!.next(max),
    close: async () => {
      await source?.close();
    },
  };
  const storeProxy: PipelineStore = {
    get exclusiveWrites() {
      return store?.exclusiveWrites ?? false;
    },
    readCheckpoint: (c) => store!.readCheckpoint(c),
    commit: (r) => store!.commit(r),
    close: async () => {
      await store?.close();
    },
  };
  const pipeline = new SocPipeline({
    store: storeProxy,
    source: sourceProxy,
    matcherFor: (p) => attribution.matcherFor(p),
    directory: d.directory,
    logger: d.logger,
    defaultPrefectureId,
    batchSize: cfg.soc.batchSize,
  });
  const timers: NodeJS.Timeout[] = [];
  let started = false;

  return {
    services: {
      queue: lazy,
      pipeline,
      events: new SocEventServiceImpl(d),
      quarantine: new QuarantineServiceImpl(d),
      rollups: new RollupServiceImpl(d),
      attribution,
      retention,
      defaultPrefectureId,
    },
    async start() {
      await attribution.load();
      if (!cfg.soc.pipeline || started) return;
      let q: EventQueue;
      try {
        q = await lazy.get();
      } catch (err) {
        if (!(err instanceof SpoolBusyError)) throw err;
        // A CLI command beside the running server: that process consumes the spool; this one does not.
        d.logger.warn(
          { pid: err.pid },
          'SOC pipeline not started here: the spool belongs to another process',
        );
        return;
      }
      started = true;
      source = nats
        ? (q as NatsQueue).source({
            // One active worker per stream (prefecture): detection windows live in its memory.
            exclusive: {
              lease: new Lease(d.db, `soc-pipeline:${cfg.soc.natsStream}`),
              // A standby takes the stream over within this time after the active worker died.
              ttlMs: cfg.soc.pipelineLeaseSeconds * 1000,
              onChange: (active) =>
                d.logger.info(
                  { stream: cfg.soc.natsStream },
                  active
                    ? 'SOC pipeline active (stream lease taken)'
                    : 'SOC pipeline on standby (stream lease lost)',
                ),
            },
          })
        : new SpoolSource(q as FileSpool);
      store =
        d.db.dialect === 'sqlite' && cfg.database.sqlitePath !== ':memory:'
          ? new SqlitePipelineStore(cfg.database.sqlitePath)
          : new KyselyPipelineStore(d.db);
      await pipeline.start();
      const every = (ms: number, fn: () => Promise<unknown>) => {
        const t = setInterval(() => {
          fn().catch((err: unknown) => d.logger.error({ err }, 'SOC background task failed'));
        }, ms);
        t.unref();
        timers.push(t);
      };
      every(30_000, () => attribution.refresh());
      every(cfg.soc.retentionIntervalMinutes * 60_000, () => retention.run());
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      if (started) await pipeline.stop();
      await lazy.close();
      await store?.close();
      store = null;
      started = false;
    },
  };
}
