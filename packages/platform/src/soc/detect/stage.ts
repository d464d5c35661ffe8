// The detection stage the pipeline calls with every batch of SocEvents: built-in rules and the prefecture's
// Sigma rule sets in memory (on the embedded spool while the previous batch commits: beforeCommit), then, once
// the batch is committed, one transaction for the whole batch's alerts, then the live stream and immediate
// notifications (in the background: the pipeline is not held by SMTP or webhooks).
import type { SigmaEngine } from '@mamori/sigma';
import type { Deps } from '../../context.js';
import type { AlertWriter } from '../alerts/store.js';
import type { AlertBus } from '../alerts/live.js';
import type { SocAlert } from '../alerts/model.js';
import type { Notifier } from '../notify/notifier.js';
import type { DetectionStage, SocEvent, StageContext } from '../types.js';
import { BuiltinDetector, loadBuiltinRules } from './builtin.js';
import type { Hit } from './hit.js';
import { rowToSocEvent } from './replay.js';
import type { RuleSetServiceImpl } from './rulesets.js';
import { SigmaSets, sigmaHits, type RuleSetCatalogue } from './sigma.js';

/** Rule-set choices are re-read this often (another process may have changed them). */
const RULESET_TTL_MS = 30_000;
const ESCALATION_EVERY_MS = 5_000;

export interface DetectionStats {
  events: number;
  hits: number;
  alertsCreated: number;
  alertsUpdated: number;
  errors: number;
  builtinGroups: number;
  /** Receipt → alert committed, ms, over the last 10,000 created or updated alerts. */
  latency: { count: number; p50: number; p99: number; max: number };
}

export class SocDetection implements DetectionStage {
  readonly builtin: BuiltinDetector;
  readonly sigma: SigmaSets;
  private readonly enabled = new Map<string, { at: number; sets: Map<string, string[]> }>();
  /**
   * prefecture → logsource → its compiled engine (null: no Sigma rule set enabled), so an event costs two map
   * look-ups, not a sort and join of the enabled set names (cleared when a choice changes or is re-read).
   */
  private readonly engines = new Map<string, Map<string, SigmaEngine | null>>();
  private lastEscalation = 0;
  private readonly latencies: number[] = [];
  private counters = { events: 0, hits: 0, alertsCreated: 0, alertsUpdated: 0, errors: 0 };
  private closed = false;
  /** Alert writes take turns with the pipeline's commits (see StageContext). */
  private exclusive: StageContext['exclusive'] = (fn) => fn();
  private replayFrom: StageContext['replayFrom'] = () => null;

  constructor(
    private readonly d: Deps,
    readonly catalogue: RuleSetCatalogue,
    readonly ruleSets: RuleSetServiceImpl,
    private readonly writer: AlertWriter,
    private readonly bus: AlertBus,
    private readonly notifier: Notifier,
  ) {
    this.builtin = new BuiltinDetector(loadBuiltinRules());
    this.sigma = new SigmaSets(catalogue);
    ruleSets.onChange = (prefectureId) => {
      this.enabled.delete(prefectureId);
      this.engines.clear();
    };
  }

  attach(ctx: StageContext): void {
    this.exclusive = ctx.exclusive;
    this.replayFrom = ctx.replayFrom;
  }

  private async loadEnabled(events: SocEvent[]): Promise<void> {
    const now = Date.now();
    const prefs = new Set<string>();
    for (const e of events) prefs.add(e.prefectureId);
    for (const p of prefs) {
      const cur = this.enabled.get(p);
      if (cur && now - cur.at < RULESET_TTL_MS) continue;
      this.enabled.set(p, { at: now, sets: await this.ruleSets.enabled(p) });
      this.engines.clear();
    }
  }

  /** Hits for a batch, without touching the database (also used by tests and the benchmark). */
  evaluate(events: SocEvent[]): Hit[] {
    const hits: Hit[] = [];
    const windowMs = this.d.config.detect.groupWindowMinutes * 60_000;
    for (const ev of events) {
      try {
        this.builtin.evaluate(ev, hits);
        const route = this.catalogue.route(ev);
        if (route === null) continue;
        let byLogsource = this.engines.get(ev.prefectureId);
        if (byLogsource === undefined) this.engines.set(ev.prefectureId, (byLogsource = new Map()));
        let engine = byLogsource.get(route.logsource);
        if (engine === undefined) {
          const sets =
            this.enabled.get(ev.prefectureId)?.sets.get(route.logsource) ??
            this.catalogue.defaults(route.logsource);
          engine = this.sigma.engineFor(sets);
          byLogsource.set(route.logsource, engine);
        }
        if (engine !== null) sigmaHits(this.catalogue, engine, route, ev, windowMs, hits);
      } catch (err) {
        this.counters.errors++;
        this.d.logger.error({ err, eventId: ev.id }, 'detection failed on an event');
      }
    }
    return hits;
  }

  /**
   * Once, before the first batch or tick: the events committed in the last detect.replayMinutes go through
   * detection again, and further back to the pipeline's detection watermark (StageContext.replayFrom: the
   * earliest event committed but not through detection when the previous run stopped). That rebuilds the
   * built-in windows after a restart and catches batches committed before a crash but never handed to the stage,
   * however long the process was down; alert writes are idempotent, so nothing counts twice.
   */
  private replayed: Promise<void> | null = null;

  replay(): Promise<void> {
    this.replayed ??= this.runReplay().catch((err: unknown) => {
      this.d.logger.error({ err }, 'detection replay at start failed');
    });
    return this.replayed;
  }

  restart(): void {
    this.replayed = null;
  }

  private async runReplay(): Promise<void> {
    // Notifications cut during their backoff continue (in the background).
    await this.notifier.resumePending().catch((err: unknown) => {
      this.d.logger.error({ err }, 'pending notifications could not be resumed');
    });
    const minutes = this.d.config.detect.replayMinutes;
    if (minutes <= 0) return;
    const since = Math.min(Date.now() - minutes * 60_000, this.replayFrom() ?? Infinity);
    let after = '';
    let total = 0;
    for (;;) {
      // Pages in (received_at, id) order; bounded, so a huge backlog does not hold the pipeline for long.
      const rows = await this.d.db.kysely
        .selectFrom('soc_events')
        .selectAll()
        .where('received_at', '>=', since)
        .where('id', '>', after)
        .orderBy('id')
        .limit(5000)
        .execute();
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      const events = rows.map(rowToSocEvent).sort((a, b) => a.receivedAt - b.receivedAt);
      await this.process(events, false);
      total += events.length;
      if (total >= 500_000) break;
    }
    if (total > 0) this.d.logger.info({ events: total, minutes }, 'detection replayed recent events');
  }

  async onEvents(events: SocEvent[]): Promise<void> {
    if (this.closed) return;
    await this.replay();
    if (events.length === 0) return;
    await this.process(events);
  }

  /** The in-memory part for a batch not yet committed (the pipeline's beforeCommit): its hits. */
  async beforeCommit(events: SocEvent[]): Promise<Hit[]> {
    if (this.closed) return [];
    await this.replay();
    this.counters.events += events.length;
    await this.loadEnabled(events);
    return this.evaluate(events);
  }

  /** The batch is committed: its alerts are written, less the evidence of events the commit did not store. */
  async afterCommit(evaluated: unknown, notStored: ReadonlySet<string>): Promise<void> {
    if (this.closed) return;
    let hits = evaluated as Hit[];
    if (notStored.size > 0) {
      hits = hits
        .map((h) => ({ ...h, events: h.events.filter((e) => !notStored.has(e.id)) }))
        .filter((h) => h.events.length > 0);
    }
    await this.record(hits, true);
  }

  private async process(events: SocEvent[], measure = true): Promise<void> {
    this.counters.events += events.length;
    await this.loadEnabled(events);
    await this.record(this.evaluate(events), measure);
  }

  private async record(hits: Hit[], measure: boolean): Promise<void> {
    if (hits.length === 0) return;
    this.counters.hits += hits.length;
    const changes = await this.exclusive(() => this.writer.record(hits));
    const committed = Date.now();
    const received = new Map<string, number>();
    for (const h of hits) for (const e of h.events) received.set(e.id, e.receivedAt);
    for (const c of changes) {
      if (c.kind === 'created') this.counters.alertsCreated++;
      else this.counters.alertsUpdated++;
    }
    // Latency of this batch: from the earliest receipt among its alerting events to commit.
    let earliest = Infinity;
    for (const r of received.values()) if (r < earliest) earliest = r;
    if (measure && earliest !== Infinity && changes.length > 0) {
      this.latencies.push(committed - earliest);
      if (this.latencies.length > 10_000) this.latencies.splice(0, this.latencies.length - 10_000);
    }
    // Organization and assignee names for the live view (two small queries per batch that changed alerts).
    const named = await this.decorate(changes.map((c) => c.alert)).catch(() => null);
    const out = named ? changes.map((c, i) => ({ ...c, alert: named[i]! })) : changes;
    this.bus.publish(out);
    this.notifier.onChanges(out);
  }

  async tick(nowMs: number): Promise<void> {
    if (this.closed) return;
    await this.replay();
    this.builtin.expire(nowMs);
    if (nowMs - this.lastEscalation >= ESCALATION_EVERY_MS) {
      this.lastEscalation = nowMs;
      await this.notifier.escalate();
    }
  }

  stats(): DetectionStats {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0;
    return {
      ...this.counters,
      builtinGroups: this.builtin.size,
      latency: { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 },
    };
  }

  private readonly closers: Array<() => Promise<void>> = [];
  /** Adds display names to alerts (set by the wiring to the alert service's). */
  decorate: (alerts: SocAlert[]) => Promise<SocAlert[]> = async (a) => a;

  /** Something to close with the stage (the alert relay). */
  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.notifier.close();
    for (const fn of this.closers) await fn().catch(() => undefined);
  }
}
