// platform.asm: the 地方版ASM service interface the server, console, reports and CLI code against.
// Every method takes the RequestContext first and asks the policy module (asm:read, asm:scan, asm:manage,
// asm:triage); every state change goes through Deps.mutate (one transaction with its audit record).
// Times are ISO 8601 strings (UTC). Paging follows the platform's Page/PageQuery (opaque cursor).
import type { Severity } from '@mamori/core';
import type { Page, PageQuery, RequestContext } from '../types.js';

export type AsmRootKind = 'domain' | 'cidr' | 'host';
export type AsmVerificationMethod = 'dns-txt' | 'attestation';
export type AsmVerificationState = 'pending' | 'verified' | 'failed';
export type AsmFindingStatus = 'open' | 'acknowledged' | 'fixed' | 'accepted_risk' | 'false_positive';
export type AsmScanStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export type AsmScanTrigger = 'on_demand' | 'schedule' | 'cli';

// ---- Scope ---------------------------------------------------------------------------------------------

export interface AsmScopeRoot {
  id: string;
  organizationId: string;
  kind: AsmRootKind;
  /** domain: "city.example.lg.jp" (covers sub-names); cidr: "203.0.113.0/24"; host: exact name or address. */
  value: string;
  verificationMethod: AsmVerificationMethod;
  verificationState: AsmVerificationState;
  /** dns-txt: publish `mamori-verification=<token>` in TXT `_mamori-challenge.<value>`. */
  verificationToken: string | null;
  /** The TXT name to publish the token at (dns-txt, domain/host roots). */
  challengeName: string | null;
  /** attestation: display name of the prefecture/state administrator who attested. */
  attestedBy: string | null;
  verifiedAt: string | null;
  /** Last verification attempt (dns-txt) and its outcome reason when failed. */
  lastCheckedAt: string | null;
  lastError: string | null;
  note: string | null;
  createdAt: string;
}

export interface AsmExclusion {
  id: string;
  organizationId: string;
  /** Name (covers sub-names), address or CIDR never to be touched. */
  value: string;
  reason: string | null;
  createdAt: string;
}

/** Days 0 (Sunday)…6; hours in utcOffsetMinutes (540 = JST), end exclusive; may wrap midnight. */
export interface AsmScanWindow {
  days: number[];
  startHour: number;
  endHour: number;
  utcOffsetMinutes?: number;
}

export interface AsmOrgSettings {
  organizationId: string;
  /** Empty = any time. */
  windows: AsmScanWindow[];
  /** New connections per second towards this organization (all workers together). */
  ratePerSecond: number;
  /** Connections open at once towards this organization. */
  concurrency: number;
  /** Port spec for scheduled / on-demand scans: 'top100' | 'top1000' | 'all' | '22,80,443'. */
  ports: string;
}

export interface AsmScope {
  organizationId: string;
  roots: AsmScopeRoot[];
  exclusions: AsmExclusion[];
  settings: AsmOrgSettings;
}

export interface AddRootInput {
  organizationId: string;
  kind: AsmRootKind;
  value: string;
  /** Default 'dns-txt' for domain/host, 'attestation' for cidr. */
  verificationMethod?: AsmVerificationMethod;
  note?: string;
}

export interface AsmRefusal {
  id: string;
  organizationId: string | null;
  scanId: string | null;
  target: string;
  port: number | null;
  reason: string;
  at: string;
}

export interface AsmStopState {
  stopped: boolean;
  reason: string | null;
  by: string | null;
  at: string | null;
}

export interface AsmScopeService {
  get(ctx: RequestContext, organizationId: string): Promise<AsmScope>;
  /** asm:manage on the organization. Starts 'pending'; returns the token to publish for dns-txt. */
  addRoot(ctx: RequestContext, input: AddRootInput): Promise<AsmScopeRoot>;
  removeRoot(ctx: RequestContext, rootId: string): Promise<void>;
  /** dns-txt: looks the TXT record up through the injected resolver; state becomes verified or failed. */
  verifyRoot(ctx: RequestContext, rootId: string): Promise<AsmScopeRoot>;
  /**
   * Administrator attestation: only a prefecture admin (for its prefecture's organizations) or a state admin
   * (asm:attest); records who attested.
   */
  attestRoot(ctx: RequestContext, rootId: string, input: { statement: string }): Promise<AsmScopeRoot>;
  addExclusion(
    ctx: RequestContext,
    input: { organizationId: string; value: string; reason?: string },
  ): Promise<AsmExclusion>;
  removeExclusion(ctx: RequestContext, exclusionId: string): Promise<void>;
  updateSettings(
    ctx: RequestContext,
    organizationId: string,
    input: Partial<Omit<AsmOrgSettings, 'organizationId'>>,
  ): Promise<AsmOrgSettings>;
  /** Refusals the scope guard logged (asm:read). */
  refusals(
    ctx: RequestContext,
    query?: PageQuery & { organizationId?: string; scanId?: string },
  ): Promise<Page<AsmRefusal>>;
  /** Global stop switch (state admins: asm:manage at state level). Running scans wind down; new ones refuse. */
  stopState(ctx: RequestContext): Promise<AsmStopState>;
  setStop(ctx: RequestContext, input: { stopped: boolean; reason?: string }): Promise<AsmStopState>;
}

// ---- Assets --------------------------------------------------------------------------------------------

export interface AsmService {
  port: number;
  transport: 'tcp' | 'udp';
  service: string;
  product: string;
  version: string;
  cpe: string;
  tls: boolean;
  banner: string | null;
  firstSeen: string;
  lastSeen: string;
}

export interface AsmCertificate {
  port: number;
  subject: string;
  issuer: string;
  sans: string[];
  notBefore: string | null;
  notAfter: string | null;
  selfSigned: boolean;
  expired: boolean;
  keyBits: number | null;
  signatureAlgorithm: string | null;
  /** TLS versions offered, e.g. ['TLSv1', 'TLSv1.2']. */
  versions: string[];
}

export interface AsmAsset {
  id: string;
  organizationId: string;
  organizationName: string;
  prefectureCode: string | null;
  /** Name the host was reached by, or its address. */
  host: string;
  addresses: string[];
  /** Other names pointing at the same address. */
  names: string[];
  services: AsmService[];
  certificates: AsmCertificate[];
  openFindings: number;
  firstSeen: string;
  lastSeen: string;
  /** Not seen by the last scan that covered it. */
  vanished: boolean;
}

export interface AsmAssetQuery extends PageQuery {
  organizationId?: string;
  prefectureCode?: string;
  /** Host, address, product or CPE substring. */
  q?: string;
  port?: number;
  product?: string;
  includeVanished?: boolean;
}

// ---- Findings ------------------------------------------------------------------------------------------

export interface AsmFinding {
  id: string;
  /** Stable: sha256(org + check + host + port + detail), truncated. */
  key: string;
  organizationId: string;
  organizationName: string;
  prefectureCode: string | null;
  check: string;
  host: string;
  port: number | null;
  transport: 'tcp' | 'udp' | null;
  detail: string | null;
  title: string;
  /** Severity after the KEV raise. */
  severity: Severity;
  cvss: number;
  kev: boolean;
  cves: string[];
  evidence: string;
  remediation: { ja: string; en: string } | null;
  status: AsmFindingStatus;
  statusReason: string | null;
  statusExpiry: string | null;
  statusBy: string | null;
  statusAt: string | null;
  firstSeen: string;
  lastSeen: string;
  fixedAt: string | null;
  reopenedCount: number;
  /** Scan that last saw it. */
  lastScanId: string | null;
}

export type AsmFindingSort = 'severity' | '-severity' | 'lastSeen' | '-lastSeen' | 'firstSeen' | '-firstSeen';

export interface AsmFindingQuery extends PageQuery {
  organizationId?: string;
  prefectureCode?: string;
  severity?: Severity[];
  status?: AsmFindingStatus[];
  kev?: boolean;
  check?: string;
  host?: string;
  /** Title, evidence, host or CVE substring. */
  q?: string;
  /** Default '-severity' (then -lastSeen). */
  sort?: AsmFindingSort;
}

export type AsmStatusChange =
  | { status: 'acknowledged' }
  | { status: 'accepted_risk'; reason: string; expiry: string }
  | { status: 'false_positive'; reason: string }
  /** Back to open from acknowledged / accepted_risk / false_positive (never from fixed: a scan reopens those). */
  | { status: 'open' };

export interface AsmFindingEvent {
  at: string;
  /** 'new' | 'seen' | 'resolved' | 'reopened' | 'status' */
  kind: string;
  from: AsmFindingStatus | null;
  to: AsmFindingStatus;
  by: string | null;
  reason: string | null;
  scanId: string | null;
}

export interface AsmFindingDetail extends AsmFinding {
  history: AsmFindingEvent[];
}

// ---- Scans ---------------------------------------------------------------------------------------------

export interface AsmScanCounts {
  hosts: number;
  services: number;
  findings: number;
  new: number;
  resolved: number;
  reopened: number;
  refused: number;
  /** Assets (hosts) first seen in this run, whose addresses changed, and no longer seen. */
  assetsNew: number;
  assetsChanged: number;
  assetsVanished: number;
  /** Names found by DNS discovery (wordlist, zone transfer, certificate SANs) that this run scanned too. */
  discoveredScanned: number;
}

export interface AsmScanRun {
  id: string;
  organizationId: string;
  organizationName: string;
  status: AsmScanStatus;
  trigger: AsmScanTrigger;
  requestedBy: string | null;
  ports: string;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Deliveries of the job (above 1 = redelivered after a worker died). */
  attempts: number;
  worker: string | null;
  error: string | null;
  counts: AsmScanCounts;
}

export interface AsmScanDiffEntry {
  findingId: string;
  key: string;
  check: string;
  host: string;
  port: number | null;
  title: string;
  severity: Severity;
  change: 'new' | 'resolved' | 'reopened';
}

export interface AsmScanRunDetail extends AsmScanRun {
  diff: AsmScanDiffEntry[];
  /** Templates by protocol run in this scan, and timings (ms) per phase. */
  templates: Record<string, number>;
  timings: Record<string, number>;
}

export interface AsmScanQuery extends PageQuery {
  organizationId?: string;
  prefectureCode?: string;
  status?: AsmScanStatus[];
}

export interface RequestScanInput {
  organizationId: string;
  /** Default: the organization's settings.ports. */
  ports?: string;
}

// ---- Schedules -----------------------------------------------------------------------------------------

export interface AsmSchedule {
  id: string;
  organizationId: string;
  /** Five-field cron (minute hour day-of-month month day-of-week), evaluated in utcOffsetMinutes. */
  cron: string;
  utcOffsetMinutes: number;
  enabled: boolean;
  ports: string | null;
  nextRunAt: string | null;
  lastRunAt: string | null;
  createdAt: string;
}

export interface ScheduleInput {
  organizationId: string;
  cron: string;
  utcOffsetMinutes?: number;
  enabled?: boolean;
  ports?: string | null;
}

// ---- Dashboards and reports ----------------------------------------------------------------------------

export interface AsmAggregate {
  /** Organizations in the area (local governments, excluding wards). */
  organizations: number;
  /** Organizations with at least one verified root. */
  withVerifiedScope: number;
  /** ... and a scan finished ('done') in the last `coverageDays` days. */
  covered: number;
  coverageDays: number;
  /** covered / organizations, 0..1. */
  coverage: number;
  /** Open + acknowledged (+ accepted risk past expiry) findings by severity. */
  openBySeverity: Record<Severity, number>;
  /** Open KEV findings, and organizations with at least one. */
  kevExposures: number;
  kevOrganizations: number;
  /** Days from first seen to fixed, over findings fixed in the period; null when none. */
  meanDaysToFix: number | null;
  medianDaysToFix: number | null;
  fixedInPeriod: number;
  /** Mean of organization risk scores (0..100) among covered organizations. */
  meanRiskScore: number | null;
}

export interface AsmPrefectureRow extends AsmAggregate {
  prefectureCode: string;
  prefectureName: string;
}

export interface AsmDashboard {
  scope: 'state' | 'prefecture';
  prefectureCode: string | null;
  generatedAt: string;
  total: AsmAggregate;
  /** State dashboard: one row a prefecture; prefecture dashboard: its municipalities (prefectureCode = theirs). */
  prefectures: AsmPrefectureRow[];
  municipalities: Array<
    AsmAggregate & { organizationId: string; code: string | null; name: string; riskScore: number }
  >;
}

export interface AsmDashboardQuery {
  /** Omit for the state view (state roles) — prefecture roles get their prefecture. */
  prefectureCode?: string;
  /** Coverage window, default 30 days. */
  coverageDays?: number;
  /** Period for time-to-fix, default the last 90 days. */
  from?: string;
  to?: string;
}

/** Everything a Japanese per-organization report (PDF/Excel) needs, already localized where text exists. */
export interface AsmOrgReport {
  generatedAt: string;
  organization: { id: string; code: string | null; name: string; prefectureName: string | null };
  scope: AsmScope;
  lastScan: AsmScanRunDetail | null;
  riskScore: number;
  findingsBySeverity: Record<Severity, number>;
  findingsByStatus: Record<AsmFindingStatus, number>;
  kevFindings: AsmFinding[];
  /** Open / acknowledged / expired-acceptance findings, worst first, with remediation (ja, en). */
  openFindings: AsmFinding[];
  /** Fixed in the report period. */
  fixedFindings: AsmFinding[];
  acceptedRisks: AsmFinding[];
  assets: AsmAsset[];
  meanDaysToFix: number | null;
}

// ---- The service ---------------------------------------------------------------------------------------

export interface AsmServices {
  scope: AsmScopeService;
  /** Process wiring: background scheduler/runner, NATS worker. */
  runtime: AsmRuntime;
  listAssets(ctx: RequestContext, query?: AsmAssetQuery): Promise<Page<AsmAsset>>;
  getAsset(ctx: RequestContext, id: string): Promise<AsmAsset>;
  listFindings(ctx: RequestContext, query?: AsmFindingQuery): Promise<Page<AsmFinding>>;
  getFinding(ctx: RequestContext, id: string): Promise<AsmFindingDetail>;
  /** asm:triage. 'fixed' cannot be set by hand (only a rescan confirms it): MAMORI_VALIDATION. */
  changeFindingStatus(ctx: RequestContext, id: string, change: AsmStatusChange): Promise<AsmFinding>;
  listScans(ctx: RequestContext, query?: AsmScanQuery): Promise<Page<AsmScanRun>>;
  getScan(ctx: RequestContext, id: string): Promise<AsmScanRunDetail>;
  /** asm:scan. Queues a job (in-process runner or NATS); refused without a verified root or when stopped. */
  requestScan(ctx: RequestContext, input: RequestScanInput): Promise<AsmScanRun>;
  /** Runs (waits for) a scan in this process: `mamori asm run --org X --wait`. */
  runScanNow(ctx: RequestContext, input: RequestScanInput): Promise<AsmScanRunDetail>;
  listSchedules(ctx: RequestContext, query?: { organizationId?: string }): Promise<{ items: AsmSchedule[] }>;
  createSchedule(ctx: RequestContext, input: ScheduleInput): Promise<AsmSchedule>;
  updateSchedule(
    ctx: RequestContext,
    id: string,
    input: Partial<Omit<ScheduleInput, 'organizationId'>>,
  ): Promise<AsmSchedule>;
  deleteSchedule(ctx: RequestContext, id: string): Promise<void>;
  dashboard(ctx: RequestContext, query?: AsmDashboardQuery): Promise<AsmDashboard>;
  orgReport(
    ctx: RequestContext,
    organizationId: string,
    options?: { from?: string; to?: string },
  ): Promise<AsmOrgReport>;
  /** Organization risk score (0..100) and counts. */
  riskScore(
    ctx: RequestContext,
    organizationId: string,
  ): Promise<{ score: number; counts: Record<Severity, number> }>;
}

// ---- Runtime (process wiring: serve, CLI, workers) -----------------------------------------------------

export interface AsmWorkerHandle {
  stop(): Promise<void>;
}

export interface AsmRuntime {
  /** `mamori serve` (asm.runner): the schedule timer, and in embedded mode runs left queued/running resume. */
  startBackground(): Promise<void>;
  /** `mamori asm worker`: pulls scan jobs from the NATS work queue until stopped. */
  startWorker(options?: {
    name?: string;
    concurrency?: number;
    onJob?: (e: { scanId: string; result: string; delivery: number }) => void;
  }): Promise<AsmWorkerHandle>;
  /** Due schedules → queued runs now (the timer calls it too). Returns the run ids created. */
  tickSchedules(): Promise<string[]>;
  /** Resolves when the in-process runner has nothing left to do. */
  idle(): Promise<void>;
}
