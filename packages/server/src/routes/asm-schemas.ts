// Wire schemas of the 地方版ASM API (TypeBox), mirroring platform.asm's types (packages/platform/src/asm/types.ts).
import { Type, type TSchema } from '@sinclair/typebox';
import { Cursor, Id, Limit, Nullable, Timestamp } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const Count = Type.Integer({ minimum: 0 });

export const tags = ['asm'];
export const Severity = lit(['informational', 'low', 'medium', 'high', 'critical'] as const);
export const FindingStatus = lit([
  'open',
  'acknowledged',
  'fixed',
  'accepted_risk',
  'false_positive',
] as const);
export const ScanStatus = lit(['queued', 'running', 'done', 'failed', 'cancelled'] as const);
export const RootKind = lit(['domain', 'cidr', 'host'] as const);
export const VerificationMethod = lit(['dns-txt', 'attestation'] as const);
/** Port spec: top100 | top1000 | all | a list/ranges such as 22,80,443,8000-8100. */
export const PortSpec = Type.String({
  minLength: 1,
  maxLength: 500,
  pattern: '^(top100|top1000|all|[0-9]{1,5}(-[0-9]{1,5})?(,[0-9]{1,5}(-[0-9]{1,5})?)*)$',
});
const PrefCode = Type.String({ pattern: '^[0-9]{2}$', description: 'Two-digit prefecture code, e.g. 22' });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Obj = <T extends Record<string, TSchema>>(p: T) => Type.Object(p, strict);
const sevCounts = Obj({ critical: Count, high: Count, medium: Count, low: Count, informational: Count });

export const ScopeRoot = Obj({
  id: Type.String(),
  organizationId: Type.String(),
  kind: RootKind,
  value: Type.String(),
  verificationMethod: VerificationMethod,
  verificationState: lit(['pending', 'verified', 'failed'] as const),
  verificationToken: Nullable(Type.String()),
  challengeName: Nullable(Type.String()),
  attestedBy: Nullable(Type.String()),
  verifiedAt: Nullable(Type.String()),
  lastCheckedAt: Nullable(Type.String()),
  lastError: Nullable(Type.String()),
  note: Nullable(Type.String()),
  createdAt: Type.String(),
});
export const Exclusion = Obj({
  id: Type.String(),
  organizationId: Type.String(),
  value: Type.String(),
  reason: Nullable(Type.String()),
  createdAt: Type.String(),
});
const ScanWindow = Obj({
  days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { maxItems: 7 }),
  startHour: Type.Integer({ minimum: 0, maximum: 24 }),
  endHour: Type.Integer({ minimum: 0, maximum: 24 }),
  utcOffsetMinutes: Type.Optional(Type.Integer({ minimum: -720, maximum: 840 })),
});
export const OrgSettings = Obj({
  organizationId: Type.String(),
  windows: Type.Array(ScanWindow),
  ratePerSecond: Type.Number(),
  concurrency: Type.Integer(),
  ports: Type.String(),
});
export const Scope = Obj({
  organizationId: Type.String(),
  roots: Type.Array(ScopeRoot),
  exclusions: Type.Array(Exclusion),
  settings: OrgSettings,
});
export const ScopeQuery = Obj({ organizationId: Id });
export const AddRootBody = Obj({
  organizationId: Id,
  kind: RootKind,
  value: Text(253),
  verificationMethod: Type.Optional(VerificationMethod),
  note: Type.Optional(Type.String({ maxLength: 1000 })),
});
export const AttestBody = Obj({ statement: Text(2000) });
export const ExclusionBody = Obj({
  organizationId: Id,
  value: Text(253),
  reason: Type.Optional(Type.String({ maxLength: 1000 })),
});
export const Refusal = Obj({
  id: Type.String(),
  organizationId: Nullable(Type.String()),
  scanId: Nullable(Type.String()),
  target: Type.String(),
  port: Nullable(Type.Integer()),
  reason: Type.String(),
  at: Type.String(),
});
export const RefusalQuery = Obj({
  organizationId: Type.Optional(Id),
  scanId: Type.Optional(Id),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});
export const StopState = Obj({
  stopped: Type.Boolean(),
  reason: Nullable(Type.String()),
  by: Nullable(Type.String()),
  at: Nullable(Type.String()),
});
export const StopBody = Obj({
  stopped: Type.Boolean(),
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});
export const SettingsBody = Obj({
  windows: Type.Optional(Type.Array(ScanWindow, { maxItems: 14 })),
  ratePerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10000 })),
  concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
  ports: Type.Optional(PortSpec),
});

const Service = Obj({
  port: Type.Integer(),
  transport: lit(['tcp', 'udp'] as const),
  service: Type.String(),
  product: Type.String(),
  version: Type.String(),
  cpe: Type.String(),
  tls: Type.Boolean(),
  banner: Nullable(Type.String()),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
});
const Certificate = Obj({
  port: Type.Integer(),
  subject: Type.String(),
  issuer: Type.String(),
  sans: Type.Array(Type.String()),
  notBefore: Nullable(Type.String()),
  notAfter: Nullable(Type.String()),
  selfSigned: Type.Boolean(),
  expired: Type.Boolean(),
  keyBits: Nullable(Type.Integer()),
  signatureAlgorithm: Nullable(Type.String()),
  versions: Type.Array(Type.String()),
});
export const Asset = Obj({
  id: Type.String(),
  organizationId: Type.String(),
  organizationName: Type.String(),
  prefectureCode: Nullable(Type.String()),
  host: Type.String(),
  addresses: Type.Array(Type.String()),
  names: Type.Array(Type.String()),
  services: Type.Array(Service),
  certificates: Type.Array(Certificate),
  openFindings: Count,
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  vanished: Type.Boolean(),
});
export const AssetQuery = Obj({
  organizationId: Type.Optional(Id),
  prefectureCode: Type.Optional(PrefCode),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  product: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  includeVanished: Type.Optional(Type.Boolean()),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});

const findingProps = {
  id: Type.String(),
  key: Type.String(),
  organizationId: Type.String(),
  organizationName: Type.String(),
  prefectureCode: Nullable(Type.String()),
  check: Type.String(),
  host: Type.String(),
  port: Nullable(Type.Integer()),
  transport: Nullable(lit(['tcp', 'udp'] as const)),
  detail: Nullable(Type.String()),
  title: Type.String(),
  severity: Severity,
  cvss: Type.Number(),
  kev: Type.Boolean(),
  cves: Type.Array(Type.String()),
  evidence: Type.String(),
  remediation: Nullable(Obj({ ja: Type.String(), en: Type.String() })),
  status: FindingStatus,
  statusReason: Nullable(Type.String()),
  statusExpiry: Nullable(Type.String()),
  statusBy: Nullable(Type.String()),
  statusAt: Nullable(Type.String()),
  firstSeen: Type.String(),
  lastSeen: Type.String(),
  fixedAt: Nullable(Type.String()),
  reopenedCount: Count,
  lastScanId: Nullable(Type.String()),
};
export const Finding = Obj(findingProps);
export const FindingDetail = Obj({
  ...findingProps,
  history: Type.Array(
    Obj({
      at: Type.String(),
      kind: Type.String(),
      from: Nullable(FindingStatus),
      to: FindingStatus,
      by: Nullable(Type.String()),
      reason: Nullable(Type.String()),
      scanId: Nullable(Type.String()),
    }),
  ),
});
export const FindingQuery = Obj({
  organizationId: Type.Optional(Id),
  prefectureCode: Type.Optional(PrefCode),
  severity: Type.Optional(Type.Array(Severity, { maxItems: 5 })),
  status: Type.Optional(Type.Array(FindingStatus, { maxItems: 5 })),
  kev: Type.Optional(Type.Boolean()),
  check: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  sort: Type.Optional(
    lit(['severity', '-severity', 'lastSeen', '-lastSeen', 'firstSeen', '-firstSeen'] as const),
  ),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});
export const StatusBody = Type.Union([
  Obj({ status: Type.Literal('acknowledged') }),
  Obj({ status: Type.Literal('accepted_risk'), reason: Text(2000), expiry: Timestamp }),
  Obj({ status: Type.Literal('false_positive'), reason: Text(2000) }),
  Obj({ status: Type.Literal('open') }),
]);

const ScanCounts = Obj({
  hosts: Count,
  services: Count,
  findings: Count,
  new: Count,
  resolved: Count,
  reopened: Count,
  refused: Count,
  assetsNew: Count,
  assetsChanged: Count,
  assetsVanished: Count,
  discoveredScanned: Count,
});
const scanProps = {
  id: Type.String(),
  organizationId: Type.String(),
  organizationName: Type.String(),
  status: ScanStatus,
  trigger: lit(['on_demand', 'schedule', 'cli'] as const),
  requestedBy: Nullable(Type.String()),
  ports: Type.String(),
  queuedAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  attempts: Count,
  worker: Nullable(Type.String()),
  error: Nullable(Type.String()),
  counts: ScanCounts,
};
export const ScanRun = Obj(scanProps);
export const ScanRunDetail = Obj({
  ...scanProps,
  diff: Type.Array(
    Obj({
      findingId: Type.String(),
      key: Type.String(),
      check: Type.String(),
      host: Type.String(),
      port: Nullable(Type.Integer()),
      title: Type.String(),
      severity: Severity,
      change: lit(['new', 'resolved', 'reopened'] as const),
    }),
  ),
  templates: Type.Record(Type.String(), Type.Number()),
  timings: Type.Record(Type.String(), Type.Number()),
});
export const ScanQuery = Obj({
  organizationId: Type.Optional(Id),
  prefectureCode: Type.Optional(PrefCode),
  status: Type.Optional(Type.Array(ScanStatus, { maxItems: 5 })),
  limit: Type.Optional(Limit),
  cursor: Type.Optional(Cursor),
});
export const ScanBody = Obj({ organizationId: Id, ports: Type.Optional(PortSpec) });

export const Cron = Type.String({
  minLength: 9,
  maxLength: 100,
  pattern: '^[0-9*/,-]+( [0-9*/,-]+){4}$',
  description: 'Five-field cron: minute hour day-of-month month day-of-week',
});
export const Schedule = Obj({
  id: Type.String(),
  organizationId: Type.String(),
  cron: Type.String(),
  utcOffsetMinutes: Type.Integer(),
  enabled: Type.Boolean(),
  ports: Nullable(Type.String()),
  nextRunAt: Nullable(Type.String()),
  lastRunAt: Nullable(Type.String()),
  createdAt: Type.String(),
});
export const ScheduleQuery = Obj({ organizationId: Type.Optional(Id) });
const scheduleEditable = {
  cron: Cron,
  utcOffsetMinutes: Type.Optional(Type.Integer({ minimum: -720, maximum: 840 })),
  enabled: Type.Optional(Type.Boolean()),
  ports: Type.Optional(Nullable(PortSpec)),
};
export const ScheduleBody = Obj({ organizationId: Id, ...scheduleEditable });
export const SchedulePatch = Obj({ ...scheduleEditable, cron: Type.Optional(Cron) });

const aggregateProps = {
  organizations: Count,
  withVerifiedScope: Count,
  covered: Count,
  coverageDays: Count,
  coverage: Type.Number({ minimum: 0, maximum: 1 }),
  openBySeverity: sevCounts,
  kevExposures: Count,
  kevOrganizations: Count,
  meanDaysToFix: Nullable(Type.Number()),
  medianDaysToFix: Nullable(Type.Number()),
  fixedInPeriod: Count,
  meanRiskScore: Nullable(Type.Number()),
};
export const Dashboard = Obj({
  scope: lit(['state', 'prefecture'] as const),
  prefectureCode: Nullable(Type.String()),
  generatedAt: Type.String(),
  total: Obj(aggregateProps),
  prefectures: Type.Array(
    Obj({ ...aggregateProps, prefectureCode: Type.String(), prefectureName: Type.String() }),
  ),
  municipalities: Type.Array(
    Obj({
      ...aggregateProps,
      organizationId: Type.String(),
      code: Nullable(Type.String()),
      name: Type.String(),
      riskScore: Type.Number(),
    }),
  ),
});
export const DashboardQuery = Obj({
  prefectureCode: Type.Optional(PrefCode),
  coverageDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
});
export const ReportQuery = Obj({
  organizationId: Id,
  lang: Type.Optional(lit(['ja', 'en'] as const)),
  from: Type.Optional(Timestamp),
  to: Type.Optional(Timestamp),
});
export const Binary = Type.String({ description: 'file body', contentEncoding: 'binary' });
