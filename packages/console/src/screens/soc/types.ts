// Shapes of the SOC API (docs/api.md: soc-*), as the console reads them.
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'informational';
export const severities: Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];
export type AlertStatus = 'new' | 'acknowledged' | 'in_progress' | 'resolved' | 'false_positive';
export const alertStatuses: AlertStatus[] = [
  'new',
  'acknowledged',
  'in_progress',
  'resolved',
  'false_positive',
];

export interface SocAlert {
  id: string;
  ruleId: string;
  ruleTitle: string;
  ruleAuthor: string;
  source: string;
  severity: Severity;
  organizationId: string | null;
  organizationName?: string | null;
  prefectureId: string;
  entity: string;
  firstSeen: string;
  lastSeen: string;
  eventCount: number;
  status: AlertStatus;
  assigneeId: string | null;
  assigneeName?: string | null;
  ackDeadline: string | null;
  acknowledgedAt: string | null;
  escalationLevel: number;
  falsePositiveReason: string | null;
  incidentRef: string | null;
}

export interface AlertComment {
  id: string;
  authorName: string;
  body: string;
  createdAt: string;
}

export interface SocEvent {
  id: string;
  time: string;
  organizationId: string | null;
  prefectureId: string;
  class: string;
  activity: string;
  severity: Severity;
  disposition: string;
  sourceKind: string;
  format: string;
  src?: { ip?: string; port?: number; hostname?: string; user?: string; email?: string };
  dst?: { ip?: string; port?: number; hostname?: string; domain?: string; user?: string; email?: string };
  rule?: { id?: string; name?: string; category?: string };
  unattributedReason: string | null;
  raw: string;
}

export interface QuarantinedLine {
  id: string;
  receivedAt: string;
  transport: string;
  peer: string;
  format: string | null;
  reason: string;
  line: string;
}

export interface ReportRow {
  key: string;
  section: string;
  sectionLabel: string;
  label: string;
  value: number | null;
  previous: number | null;
  change: number | null;
}

export interface MonthlyReport {
  month: string;
  previousMonth: string;
  title: string;
  scope: { kind: string; organizationId: string; name: string; code: string | null };
  period: { from: string; to: string };
  rows: ReportRow[];
  wafByType: { type: string; label: string; count: number; previous: number }[];
  proxyByCategory: { category: string; label: string; count: number; previous: number }[];
  byOrganization: {
    organizationId: string;
    name: string;
    code: string | null;
    values: Record<string, number>;
  }[];
  byOrganizationColumns: { key: string; label: string }[];
  generatedAt: string;
}
