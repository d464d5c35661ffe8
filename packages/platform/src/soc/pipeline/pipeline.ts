// The SOC pipeline: queue → parse (format forced or auto-detected) → malformed lines to the quarantine →
// attribution → rollup keys → one transaction (events + quarantine + rollups + queue checkpoint) → detection
// stages, called with the committed events in order. A failed commit is retried with the same records; the
// checkpoint (or JetStream dedupe) inside the transaction makes every acknowledged record count exactly once.
import { DEFAULT_MAX_LINE, isParseError, parseLine } from '@mamori/parsers';
import type { ResolvedOptions } from '@mamori/parsers';
import type { Logger } from 'pino';
import type { OrgDirectory } from '../../orgs/directory.js';
import { orgIdForCode } from '../../orgs/service.js';
import { prefectureLgCode } from '@mamori/core';
import type { AttributionMatcher } from '../attribution/matcher.js';
import type { QueueSource, SourceBatch, WorkItem } from '../queue/source.js';
import { hourOf, rollupAction, rollupCategory } from '../rollups/keys.js';
import type { DetectionStage, SocEvent, StageContext } from '../types.js';
import type { DetectFrom, PipelineStore, Prepared } from './store.js';

export interface PipelineStats {
  batches: number;
  records: number;
  events: number;
  quarantined: number;
  unattributed: number;
  duplicates: number;
  commitFailures: number;
  stageFailures: number;
  lastBatchMs: number;
  /** Cumulative milliseconds per phase (parse + attribute, database commit, detection stages). */
  prepareMs: number;
  commitMs: number;
  stageMs: number;
}

export interface PipelineOptions {
  store: PipelineStore;
  source: QueueSource;
  /** The matcher of a prefecture's rules (always returns one, possibly empty). */
  matcherFor(prefectureId: string): AttributionMatcher;
  directory: OrgDirectory;
  logger: Logger;
  /** Prefecture of records whose sender is not bound to an organization. */
  defaultPrefectureId: string;
  batchSize: number;
  /** Stage timer period (ms); default 1000. */
  tickMs?: number;
}

interface Bound {
  prefectureId: string;
  /** The sender's organization is a municipality (or body below a prefecture): its events are its own. */
  tenant: boolean;
}

interface Committed {
  items: Prepared[];
  duplicates: number;
  /** Its entry among the batches not yet through the stages (null: not tracked). */
  flight: Flight | null;
}

/**
 * Per stage, what its beforeCommit returned for a batch (null: the stage gets onEvents after the commit). Null as
 * a whole when no stage evaluated the batch before its commit.
 */
type Evaluated = ({ value: unknown } | null)[] | null;

/** A batch read and prepared, waiting for its commit. */
interface Ready {
  batch: SourceBatch;
  prepared: Prepared[];
  evaluated: Evaluated;
}

/** A batch committed (or being committed) and not yet through the detection stages. */
interface Flight {
  /** Its records' earliest receipt time. */
  from: number;
}

const NON_TENANT = new Set(['state', 'prefecture', 'soc_operator']);

/** The stage evaluates batches before their commit (DetectionStage.beforeCommit / afterCommit). */
const splits = (
  s: DetectionStage,
): s is DetectionStage & Required<Pick<DetectionStage, 'beforeCommit' | 'afterCommit'>> =>
  s.beforeCommit !== undefined && s.afterCommit !== undefined;
const MAX_QUARANTINE_LINE = DEFAULT_MAX_LINE;

export class SocPipeline {
  readonly stats: PipelineStats = {
    batches: 0,
    records: 0,
    events: 0,
    quarantined: 0,
    unattributed: 0,
    duplicates: 0,
    commitFailures: 0,
    stageFailures: 0,
    lastBatchMs: 0,
    prepareMs: 0,
    commitMs: 0,
    stageMs: 0,
  };
  private readonly stages: DetectionStage[] = [];
  private readonly bound = new Map<string, Bound | null>();
  private running: Promise<void> | null = null;
  private stopping = false;
  private ticker: NodeJS.Timeout | null = null;
  private ticking = false;
  private readonly committedListeners: ((events: SocEvent[]) => void)[] = [];
  private lastOpts: ResolvedOptions = { tzOffsetMinutes: 0, nowMs: -1, maxLineLength: DEFAULT_MAX_LINE };
  /**
   * Detection watermark (embedded queue): every commit also stores, in its own transaction, the earliest receipt
   * time among the records committed and not yet through the stages — this batch's, the batches still in the
   * stages, and, until this run's first batch has been through them (the stages replay first), the previous
   * run's value. After a crash between a commit and its detection, a replay from that time at the next start
   * finds every such event, however long the process was down (detect.replayMinutes alone counts back from the
   * restart). Kept when one pipeline consumes at a time (QueueSource.sole: the spool, or the JetStream worker
   * holding the stream lease, which reads it again and has its stages replay when it takes the lease over).
   */
  private readonly inStages: Flight[] = [];
  private carried: number | null = null;
  private replayFromAtStart: number | null = null;

  constructor(private readonly o: PipelineOptions) {}

  /**
   * Registers a detection stage: called after each commit, in registration order. Registering the same stage
   * twice is a no-op. Whoever registers a stage closes it (stop() does not).
   */
  addStage(stage: DetectionStage): void {
    if (this.stages.includes(stage)) return;
    this.stages.push(stage);
    stage.attach?.(this.stageContext);
  }

  /** Turns on the database's write lock: commits and stage writes, when the store's writes are exclusive. */
  private writeTail: Promise<unknown> = Promise.resolve();
  private readonly stageContext: StageContext = {
    exclusive: <T>(fn: () => Promise<T>): Promise<T> => {
      if (!this.o.store.exclusiveWrites) return fn();
      // After every earlier turn has ended (FIFO).
      const r = this.writeTail.then(fn);
      this.writeTail = r.catch(() => undefined);
      return r;
    },
    replayFrom: () => this.replayFromAtStart,
  };

  private get detectKey(): string {
    return `detect:${this.o.source.consumer}`;
  }

  /** Tracks a batch until its stages are done; the watermark to store with its commit (null: none). */
  private enterStages(batch: SourceBatch): { flight: Flight | null; detectFrom: DetectFrom | null } {
    if (this.stages.length === 0 || !this.o.source.sole || batch.items.length === 0)
      return { flight: null, detectFrom: null };
    let from = Infinity;
    for (const it of batch.items) if (it.record.receivedAt < from) from = it.record.receivedAt;
    const flight: Flight = { from };
    this.inStages.push(flight);
    let at = this.carried ?? Infinity;
    for (const f of this.inStages) if (f.from < at) at = f.from;
    return { flight, detectFrom: { key: this.detectKey, at } };
  }

  private leaveStages(flight: Flight | null, detected: boolean): void {
    if (flight === null) return;
    const i = this.inStages.indexOf(flight);
    if (i >= 0) this.inStages.splice(i, 1);
    if (detected) this.carried = null;
  }

  private storeCommit(req: Parameters<PipelineStore['commit']>[0]) {
    return this.stageContext.exclusive(() => this.o.store.commit(req));
  }

  /** Observes committed events (benchmarks, live views); must be quick. */
  onCommitted(fn: (events: SocEvent[]) => void): void {
    this.committedListeners.push(fn);
  }

  get consumer(): string {
    return this.o.source.consumer;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const checkpoint = await this.o.store.readCheckpoint(this.o.source.consumer);
    this.replayFromAtStart = this.carried = await this.o.store.readCheckpoint(this.detectKey);
    await this.o.source.start(checkpoint, () => this.activated());
    this.stopping = false;
    this.running = this.loop().catch((err: unknown) => {
      this.o.logger.error({ err }, 'SOC pipeline stopped');
    });
    const tickMs = this.o.tickMs ?? 1000;
    this.ticker = setInterval(() => void this.tick(), tickMs);
    this.ticker.unref();
  }

  /** This pipeline became the stream's consumer (lease taken over): the watermark left, and a fresh replay. */
  private async activated(): Promise<void> {
    this.replayFromAtStart = this.carried = await this.o.store.readCheckpoint(this.detectKey);
    for (const s of this.stages) s.restart?.();
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stages.length === 0) return;
    this.ticking = true;
    try {
      const now = Date.now();
      for (const s of this.stages) {
        try {
          await s.tick(now);
        } catch (err) {
          this.o.logger.error({ err }, 'SOC detection stage tick failed');
        }
      }
    } finally {
      this.ticking = false;
    }
  }

  private async nextSafe(): Promise<SourceBatch | null> {
    for (;;) {
      try {
        return await this.o.source.next(this.o.batchSize);
      } catch (err) {
        // The queue is briefly unreachable (NATS reconnecting, …): wait and ask again.
        if (this.stopping) return null;
        this.o.logger.error({ err }, 'SOC pipeline could not read the queue; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /**
   * The next batch is read and prepared (PREPARED_AHEAD waiting at most) while the current one commits (on the
   * store's thread when there is one). Commits run one at a time, each only after the previous one succeeded,
   * so checkpoints advance in order; stages run in batch order. The next commit starts as soon as the previous
   * one is done and the batch before it has been through its stages, so a batch's stages overlap the next
   * commit (at most one batch's stages behind the commits). When the store's commits hold the write lock the
   * stages' alert writes need (SQLite: exclusiveWrites), those writes take turns with the commits
   * (StageContext.exclusive) instead of waiting for the lock with the event loop blocked; before 2026-11-26 a
   * batch's stages ran before the next commit started there, leaving the store thread idle meanwhile. (Two
   * waiting batches gained nothing measurable and raised the paced p99 latency from ~1.2 to ~1.9 s.)
   */
  private async loop(): Promise<void> {
    const PREPARED_AHEAD = 1;
    const ready: Ready[] = [];
    let committing: Promise<boolean> | null = null;
    let finishing: Promise<unknown> = Promise.resolve();
    let pendingNext: Promise<SourceBatch | null> | null = null;
    const takeNext = () => (pendingNext ??= this.nextSafe());
    let ended = false;
    const startCommit = () => {
      const next = ready.shift()!;
      const commit = this.commitWithRetry(next.batch, next.prepared);
      const before = finishing;
      const finished = commit.then(async (done) => {
        if (!done) return false;
        await before;
        await this.finish(next, done);
        return true;
      });
      finishing = finished;
      committing = Promise.all([commit, before]).then(([done]) => done !== null);
    };
    const settle = async (c: Promise<boolean>): Promise<boolean> => {
      committing = null;
      if (await c) return true;
      // Stopping before a commit went through: the batches read ahead are given back (read again at the next
      // start, from the checkpoint).
      for (const r of ready.splice(0)) await r.batch.nak();
      return false;
    };
    for (;;) {
      if (!committing && ready.length > 0) startCommit();
      const c = committing as Promise<boolean> | null;
      if (!c && (ended || this.stopping)) break;
      if (!ended && !this.stopping && ready.length < PREPARED_AHEAD) {
        const first: { b: SourceBatch | null } | null = c
          ? await Promise.race([takeNext().then((b) => ({ b })), c.then(() => null)])
          : { b: await takeNext() };
        if (first) {
          pendingNext = null;
          if (first.b) ready.push(await this.ready(first.b));
          else ended = true;
          continue;
        }
      }
      if (c && !(await settle(c))) break;
    }
    await finishing;
  }

  private async resolveBound(items: WorkItem[]): Promise<void> {
    for (const it of items) {
      const id = it.record.organizationId;
      if (id === undefined || this.bound.has(id)) continue;
      const info = await this.o.directory.get(id);
      this.bound.set(
        id,
        info && info.prefectureCode
          ? {
              prefectureId: orgIdForCode(prefectureLgCode(info.prefectureCode)),
              tenant: !NON_TENANT.has(info.kind),
            }
          : info && info.kind === 'state'
            ? { prefectureId: this.o.defaultPrefectureId, tenant: false }
            : null,
      );
    }
  }

  /** Parses and attributes one record (pure apart from the caches). */
  prepare(it: WorkItem): Prepared {
    const rec = it.record;
    // The records of one append share receipt time and zone: one options object for the run of them (parsers
    // only read it).
    let opts = this.lastOpts;
    const tz = rec.tzOffsetMinutes ?? 0;
    if (opts.nowMs !== rec.receivedAt || opts.tzOffsetMinutes !== tz)
      this.lastOpts = opts = { tzOffsetMinutes: tz, nowMs: rec.receivedAt, maxLineLength: DEFAULT_MAX_LINE };
    // NUL cannot be stored in PostgreSQL text: a line carrying one would fail its batch for ever.
    if (rec.line.includes('\0')) rec.line = rec.line.replace(/\0/g, '\uFFFD');
    const parsed = parseLine(rec.line, rec.format ?? 'auto', opts);
    const bound = rec.organizationId !== undefined ? (this.bound.get(rec.organizationId) ?? null) : null;
    const prefectureId = bound?.prefectureId ?? this.o.defaultPrefectureId;
    if (isParseError(parsed)) {
      return {
        pos: it.pos,
        event: null,
        quarantineRow: [
          it.id,
          rec.receivedAt,
          rec.transport,
          rec.peer,
          parsed.format,
          parsed.reason,
          rec.line.length > MAX_QUARANTINE_LINE ? rec.line.slice(0, MAX_QUARANTINE_LINE) : rec.line,
          prefectureId,
          rec.organizationId ?? null,
        ],
        rollupKey: null,
      };
    }
    // Every SocEvent gets one shape, all its properties set in one literal: the parsers' events differ in which
    // optional parts they carry, and adding the pipeline's five properties to each reshaped it and regrew its
    // property store; with one shape, attribution, detection and the stored row read it monomorphically.
    const ev: SocEvent = {
      time: parsed.time,
      class: parsed.class,
      activity: parsed.activity,
      severity: parsed.severity,
      disposition: parsed.disposition,
      sourceKind: parsed.sourceKind,
      format: parsed.format,
      raw: parsed.raw,
      device: parsed.device,
      src: parsed.src,
      dst: parsed.dst,
      rule: parsed.rule,
      fields: parsed.fields,
      id: it.id,
      organizationId: null,
      unattributedReason: null,
      prefectureId,
      receivedAt: rec.receivedAt,
    };
    if (bound?.tenant) ev.organizationId = rec.organizationId!;
    else {
      const a = this.o.matcherFor(prefectureId).attribute(ev, rec);
      ev.organizationId = a.organizationId;
      ev.unattributedReason = a.reason;
    }
    return {
      pos: it.pos,
      event: ev,
      quarantineRow: null,
      // One flat string (join), not a chain of ten concatenations flattened later when it is hashed.
      rollupKey: [
        ev.organizationId ?? '',
        prefectureId,
        hourOf(ev.time, rec.receivedAt),
        ev.sourceKind,
        rollupAction(ev),
        rollupCategory(ev),
      ].join('\x01'),
    };
  }

  private async prepareBatch(batch: SourceBatch): Promise<Prepared[]> {
    const t0 = performance.now();
    await this.resolveBound(batch.items);
    const prepared = new Array<Prepared>(batch.items.length);
    for (let i = 0; i < batch.items.length; i++) {
      prepared[i] = this.prepare(batch.items[i]!);
      // A batch takes tens of milliseconds to prepare: yield now and then, so the store thread's reply is taken
      // and the next commit posted without waiting for the whole batch.
      if ((i & 255) === 255) await new Promise(setImmediate);
    }
    this.stats.prepareMs += performance.now() - t0;
    return prepared;
  }

  /** A batch parsed and attributed, and evaluated by the stages that can before its commit. */
  private async ready(batch: SourceBatch): Promise<Ready> {
    const prepared = await this.prepareBatch(batch);
    return { batch, prepared, evaluated: await this.evaluateBeforeCommit(batch, prepared) };
  }

  /**
   * Detection's in-memory part runs here, while the previous batch commits, rather than after this batch's
   * commit: commits then no longer wait for it (the next commit starts once the batch before has been through
   * its stages), and the store thread idles less. Only where a record cannot come twice (no JetStream dedupe):
   * a redelivered record, recognized only by the commit, would otherwise be counted twice in the windows. (A
   * batch given back because the pipeline stops before its commit was evaluated already; the spool reads it
   * again at the next start, in a new process whose windows are rebuilt by the replay.)
   */
  private async evaluateBeforeCommit(batch: SourceBatch, prepared: Prepared[]): Promise<Evaluated> {
    if (batch.dedupe || !this.stages.some(splits)) return null;
    const t0 = performance.now();
    const events: SocEvent[] = [];
    for (const p of prepared) if (p.event) events.push(p.event);
    const out: Evaluated = [];
    for (const stage of this.stages) {
      if (!splits(stage)) {
        out.push(null);
        continue;
      }
      try {
        out.push({ value: await stage.beforeCommit(events) });
      } catch (err) {
        this.stats.stageFailures++;
        this.o.logger.error({ err }, 'SOC detection stage failed before a commit; it gets the batch after');
        out.push(null);
      }
    }
    this.stats.stageMs += performance.now() - t0;
    return out;
  }

  /** Commits (retried until it succeeds); null when the pipeline stops first (the batch is nak'ed). */
  private async commitWithRetry(batch: SourceBatch, prepared: Prepared[]): Promise<Committed | null> {
    const { flight, detectFrom } = this.enterStages(batch);
    const r = await this.commitTracked(batch, prepared, detectFrom);
    if (r === null) this.leaveStages(flight, false);
    return r && { ...r, flight };
  }

  private async commitTracked(
    batch: SourceBatch,
    prepared: Prepared[],
    detectFrom: DetectFrom | null,
  ): Promise<Omit<Committed, 'flight'> | null> {
    const t0 = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.storeCommit({
          consumer: this.o.source.consumer,
          items: prepared,
          checkpoint: batch.checkpoint,
          dedupe: batch.dedupe,
          nowMs: Date.now(),
          detectFrom,
        });
        this.stats.commitMs += performance.now() - t0;
        return { items: r.committed, duplicates: r.duplicates };
      } catch (err) {
        this.stats.commitFailures++;
        if (isConstraintError(err) && batch.checkpoint !== null && attempt >= 1) {
          // Retrying cannot help a batch the schema refuses: commit record by record instead, so one bad
          // record cannot stall the queue (transient failures — the database away — keep being retried).
          this.o.logger.error(
            { err },
            'SOC pipeline batch refused by a constraint; committing record by record',
          );
          const r = await this.commitEach(batch, prepared, detectFrom);
          if (r === null) return null;
          this.stats.commitMs += performance.now() - t0;
          return { items: r.committed, duplicates: r.duplicates };
        }
        this.o.logger.error({ err, attempt }, 'SOC pipeline commit failed; retrying');
        if (this.stopping) {
          await batch.nak();
          return null;
        }
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 5000)));
      }
    }
  }

  /** After the commit: ack, counters, listeners, detection stages (in order). */
  private async finish(r: Ready, done: Committed): Promise<SocEvent[]> {
    const t0 = performance.now();
    const { batch, evaluated } = r;
    await batch.ack();
    const events: SocEvent[] = [];
    let quarantined = 0;
    let unattributed = 0;
    for (const p of done.items) {
      if (p.event) {
        events.push(p.event);
        if (p.event.organizationId === null) unattributed++;
      } else quarantined++;
    }
    const s = this.stats;
    s.batches++;
    s.records += done.items.length;
    s.events += events.length;
    s.quarantined += quarantined;
    s.unattributed += unattributed;
    s.duplicates += done.duplicates;
    for (const f of this.committedListeners) f(events);
    const notStored = evaluated ? this.notStored(r.prepared, done.items) : null;
    for (let i = 0; i < this.stages.length; i++) {
      const stage = this.stages[i]!;
      const before = evaluated?.[i] ?? null;
      try {
        if (before && notStored && splits(stage)) await stage.afterCommit(before.value, notStored);
        else await stage.onEvents(events);
      } catch (err) {
        s.stageFailures++;
        this.o.logger.error({ err }, 'SOC detection stage failed on a batch');
      }
    }
    this.leaveStages(done.flight, true);
    const t1 = performance.now();
    s.stageMs += t1 - t0;
    s.lastBatchMs = t1 - t0;
    return events;
  }

  /** Ids of the prepared events the commit did not store (it stores them all but on a refusal or a repeat). */
  private notStored(prepared: Prepared[], committed: Prepared[]): ReadonlySet<string> {
    const out = new Set<string>();
    if (committed.length === prepared.length && committed.every((p, i) => p === prepared[i])) return out;
    const stored = new Set<string>();
    for (const p of committed) if (p.event) stored.add(p.event.id);
    for (const p of prepared) if (p.event && !stored.has(p.event.id)) out.add(p.event.id);
    return out;
  }

  /** Processes one batch to the end: prepare, commit (retried), ack, stages. */
  async processBatch(batch: SourceBatch): Promise<SocEvent[]> {
    const r = await this.ready(batch);
    const done = await this.commitWithRetry(batch, r.prepared);
    return done ? this.finish(r, done) : [];
  }

  /**
   * Embedded queue only (positions are per record there). A record the schema still refuses was either stored
   * already (a duplicate event id: skipped) or is kept in the quarantine with the reason; the checkpoint moves on.
   */
  private async commitEach(
    batch: SourceBatch,
    prepared: Prepared[],
    detectFrom: DetectFrom | null,
  ): Promise<{ committed: Prepared[]; duplicates: number } | null> {
    const committed: Prepared[] = [];
    let duplicates = 0;
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i]!;
      const checkpoint = i + 1 < prepared.length ? prepared[i + 1]!.pos : batch.checkpoint;
      const commit = (items: Prepared[]) =>
        this.storeCommit({
          consumer: this.o.source.consumer,
          items,
          checkpoint,
          dedupe: false,
          nowMs: Date.now(),
          detectFrom,
        });
      for (;;) {
        try {
          const r = await commit([p]);
          committed.push(...r.committed);
          duplicates += r.duplicates;
          break;
        } catch (err) {
          if (!isConstraintError(err)) {
            // Stopping: what was committed is checkpointed; the rest is read again at the next start.
            if (this.stopping) return null;
            await new Promise((r) => setTimeout(r, 1000));
            continue;
          }
          if (p.event && !isUniqueViolation(err)) {
            // Refused for another reason than a stored twin (its id): keep the line with the reason.
            const it = batch.items[i]!;
            const q: Prepared = {
              pos: p.pos,
              event: null,
              rollupKey: null,
              quarantineRow: [
                it.id,
                it.record.receivedAt,
                it.record.transport,
                it.record.peer,
                p.event.format,
                `could not be stored: ${(err as Error).message}`.slice(0, 500),
                it.record.line.slice(0, MAX_QUARANTINE_LINE),
                p.event.prefectureId,
                it.record.organizationId ?? null,
              ],
            };
            try {
              committed.push(...(await commit([q])).committed);
              break;
            } catch (qErr) {
              this.o.logger.error({ err: qErr }, 'SOC pipeline could not quarantine a refused record');
            }
          }
          // Stored already (or unstorable even in the quarantine): count it and move the checkpoint past it.
          duplicates++;
          await commit([]);
          break;
        }
      }
    }
    return { committed, duplicates };
  }

  /** Stops consuming after the current batch and closes the source. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    await this.o.source.close();
    await this.running;
    this.running = null;
  }
}

const errorCode = (err: unknown): string => String((err as { code?: unknown } | null)?.code ?? '');

/** A refusal by the schema (unique, not-null, check…): SQLite SQLITE_CONSTRAINT*, PostgreSQL class 23. */
function isConstraintError(err: unknown): boolean {
  const code = errorCode(err);
  return code.startsWith('SQLITE_CONSTRAINT') || /^23\d{3}$/.test(code);
}

/** The record's id is taken: it was stored already. */
function isUniqueViolation(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
