// Wire shapes of the ASM API the screens use (see docs/api.md).
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'informational';
export type FindingStatus = 'open' | 'acknowledged' | 'fixed' | 'accepted_risk' | 'false_positive';
export const severities: Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];
export const findingStatuses: FindingStatus[] = [
  'open',
  'acknowledged',
  'fixed',
  'accepted_risk',
  'false_positive',
];

export interface AsmFinding {
  id: string;
  organizationId: string;
  organizationName: string;
  check: string;
  host: string;
  port: number | null;
  title: string;
  severity: Severity;
  cvss: number;
  kev: boolean;
  cves: string[];
  evidence: string;
  remediation: { ja: string; en: string } | null;
  status: FindingStatus;
  statusReason: string | null;
  statusExpiry: string | null;
  statusBy: string | null;
  firstSeen: string;
  lastSeen: string;
  fixedAt: string | null;
}

export interface AsmFindingDetail extends AsmFinding {
  history: {
    at: string;
    kind: string;
    from: FindingStatus | null;
    to: FindingStatus;
    by: string | null;
    reason: string | null;
  }[];
}

export interface AsmAsset {
  id: string;
  organizationName: string;
  host: string;
  addresses: string[];
  services: { port: number; transport: string; service: string; product: string; version: string }[];
  openFindings: number;
  lastSeen: string;
  vanished: boolean;
}

export interface AsmScopeRoot {
  id: string;
  kind: 'domain' | 'cidr' | 'host';
  value: string;
  verificationMethod: 'dns-txt' | 'attestation';
  verificationState: 'pending' | 'verified' | 'failed';
  verificationToken: string | null;
  challengeName: string | null;
  lastError: string | null;
}

export interface AsmScanRun {
  id: string;
  organizationId: string;
  organizationName: string;
  status: string;
  trigger: string;
  requestedBy: string | null;
  ports: string;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  counts: {
    hosts: number;
    services: number;
    findings: number;
    new: number;
    resolved: number;
    reopened: number;
    refused: number;
    assetsNew: number;
    assetsChanged: number;
    assetsVanished: number;
    discoveredScanned: number;
  };
}

export type AsmScanChange = 'new' | 'resolved' | 'reopened';

export interface AsmScanRunDetail extends AsmScanRun {
  diff: {
    findingId: string;
    key: string;
    check: string;
    host: string;
    port: number | null;
    title: string;
    severity: Severity;
    change: AsmScanChange;
  }[];
}

export interface AsmAggregate {
  organizations: number;
  covered: number;
  coverage: number;
  openBySeverity: Record<Severity, number>;
  kevExposures: number;
  kevOrganizations: number;
  meanDaysToFix: number | null;
  medianDaysToFix: number | null;
}

export interface AsmDashboard {
  scope: 'state' | 'prefecture';
  prefectureCode: string | null;
  total: AsmAggregate;
  prefectures: (AsmAggregate & { prefectureCode: string; prefectureName: string })[];
  municipalities: (AsmAggregate & { organizationId: string; name: string; riskScore: number })[];
}

export interface AsmExclusion {
  id: string;
  organizationId: string;
  value: string;
  reason: string | null;
  createdAt: string;
}

export interface AsmScanWindow {
  days: number[];
  startHour: number;
  endHour: number;
  utcOffsetMinutes?: number;
}

export interface AsmOrgSettings {
  organizationId: string;
  windows: AsmScanWindow[];
  ratePerSecond: number;
  concurrency: number;
  ports: string;
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
