import type { NormalizedEvent, Severity } from '@mamori/core';
import type { AttributionService } from './attribution/service.js';
import type { SocAlerting } from './detect/index.js';
import type { RetentionResult } from './events/retention.js';
import type { SocEventService } from './events/service.js';
import type { SocPipeline } from './pipeline/pipeline.js';
import type { QuarantineService } from './quarantine/service.js';
import type { RollupService } from './rollups/service.js';
import type { SocIngestService } from './ingest/service.js';
import type { SyslogSourceRegistry } from './ingest/registry.js';
import type { SocReportService } from './reports/types.js';
/** One received line, before parsing. */
export interface IngestRecord {
  line: string;
  /** Where it came from: 'syslog-udp', 'syslog-tcp', 'syslog-tls', 'http', 'file', 'cli'. */
  transport: string;
  /** Peer address or file name; limits and attribution by device use it. */
  peer: string;
  /** Parser id to force (e.g. 'fortigate'); undefined = auto-detect. */
  format?: string;
  /** Organization the sender is bound to (API token's org / registered source), if any. */
  organizationId?: string;
  /** ms since epoch when received. */
  receivedAt: number;
  tzOffsetMinutes?: number;
}
/** Durable hand-off from ingest to the pipeline. append() resolves only when the records are durable:
 *  only then may the sender be acknowledged (HTTP 202, file import done). */
export interface EventQueue {
  append(records: IngestRecord[]): Promise<void>;
  /** Records accepted but not yet processed (for backpressure: ingest pauses readers above a high-water mark). */
  backlog(): number;
  close(): Promise<void>;
}
/** An event after attribution, as stored. id is deterministic (queue position) so redelivery is idempotent. */
export interface SocEvent extends NormalizedEvent {
  id: string;
  organizationId: string | null;
  /** Why attribution failed (null when attributed). Unattributed events stay visible to the prefecture. */
  unattributedReason: string | null;
  /** Prefecture whose security cloud received it. */
  prefectureId: string;
  receivedAt: number;
}
/** What the pipeline offers a stage it registers. */
export interface StageContext {
  /**
   * Runs a database write of the stage (alerts) so that it never overlaps a pipeline commit: where the store's
   * commits hold the database's one write lock on another connection (embedded SQLite), the write waits for the
   * commit in flight without blocking the event loop, and the next commit waits for the write. Elsewhere it just
   * runs `fn`.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Receipt time (ms) from which a replay at start must read stored events so that every event committed before
   * the last stop but never handed to detection (a crash between commit and stage) is detected; null when
   * unknown (first start, or a queue several pipelines read at once). Valid once the pipeline has started.
   */
  replayFrom(): number | null;
}

/** Detection stage plugged into the pipeline by D. Called in order with each committed batch; must not block long. */
export interface DetectionStage {
  /** Called once by addStage, before any batch. */
  attach?(ctx: StageContext): void;
  onEvents(events: SocEvent[]): Promise<void>;
  /**
   * Optional split of onEvents for a queue whose records cannot come twice (the embedded spool): beforeCommit
   * evaluates a batch in memory while the previous batch commits (no database writes: nothing is committed
   * yet), and afterCommit gets its result once the batch is committed, with the ids of the batch's events the
   * commit did not store (refused by the schema: quarantined, or stored before), whose part it must drop. A
   * stage that has them gets them instead of onEvents for such batches; for others (JetStream, whose
   * redeliveries only the commit recognizes) it gets onEvents. If beforeCommit throws, onEvents follows the
   * commit.
   */
  beforeCommit?(events: SocEvent[]): Promise<unknown>;
  afterCommit?(evaluated: unknown, notStored: ReadonlySet<string>): Promise<void>;
  /**
   * The pipeline took over a consumer another process was consuming (a JetStream standby taking the stream
   * lease): replay again before the next batch or tick, from StageContext.replayFrom, as at start.
   */
  restart?(): void;
  /** Timers (windows, escalation) are driven by the pipeline clock. */
  tick(nowMs: number): Promise<void>;
  close(): Promise<void>;
}
export type RollupAction = 'allowed' | 'blocked' | 'detected';
/** Re-exported so detection stages and consumers can type severities from this one module. */
export type { Severity };

/** platform.soc, the pipeline's part (createSoc builds it). */
export interface SocCoreServices {
  /** Durable hand-off from ingest (embedded spool, or NATS JetStream when queue.driver is nats). */
  queue: EventQueue;
  /** Consumes the queue when soc.pipeline is on; register detection stages with pipeline.addStage(). */
  pipeline: SocPipeline;
  events: SocEventService;
  quarantine: QuarantineService;
  rollups: RollupService;
  attribution: AttributionService;
  retention: { run(nowMs?: number): Promise<RetentionResult> };
  /** Prefecture of records from senders bound to no organization (soc.prefectureCode, else the state). */
  defaultPrefectureId: string;
}
/** platform.soc: the pipeline's services plus detection/alerts (D) and reports (U). */
export interface SocServices extends SocCoreServices {
  /** D: the detection stage (registered with the pipeline by addStage) and per-prefecture Sigma rule sets. */
  detection: SocAlerting['detection'];
  /** D: alert queue, triage, notification log, live stream. */
  alerts: SocAlerting['alerts'];
  /** D: notification contacts and escalation. */
  notify: SocAlerting['notify'];
  /** I: HTTP bulk ingest, file import and the configured syslog listeners (soc/ingest). */
  ingest: SocIngestService;
  /** Registered syslog sources (sender → format, organization), managed over the API; soc/ingest/registry. */
  sources: SyslogSourceRegistry;
  /** U: monthly statistics report (data, PDF, Excel). */
  reports: SocReportService;
}

// The pipeline's service types, public through the package index.
export type { AttributionRule, AttributionRuleInput, AttributionService } from './attribution/service.js';
export type { AttributionKind } from './attribution/matcher.js';
export type { SocEventQuery, SocEventService } from './events/service.js';
export type { RetentionResult } from './events/retention.js';
export type { QuarantinedLine, QuarantineQuery, QuarantineService } from './quarantine/service.js';
export type { MonthlyRollup, RollupFigure, RollupQuery, RollupService } from './rollups/service.js';
export type { PipelineStats } from './pipeline/pipeline.js';
