// The SOC monthly statistics report: what it holds and how it is asked for. Figures come from the hourly
// rollups (soc_rollups, exact even after raw events expired) and from the alerts (soc_alerts).
import type { Locale, RequestContext } from '../../types.js';

export const alertSeverities = ['critical', 'high', 'medium', 'low', 'informational'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

/** Every figure of one month for one scope. Counts are events (WAF: transactions; mail: messages). */
export interface MonthlyFigures {
  firewall: { allowed: number; blocked: number };
  ips: { detected: number; blocked: number };
  /** Attacks = WAF transactions judged an attack (blocked, or detected in detection-only mode). */
  waf: { attacks: number; blocked: number; byType: { type: string; count: number }[] };
  mail: { malwareRemoved: number; malwareDetected: number; spam: number; spamBlocked: number };
  sandbox: { suspicious: number };
  proxy: { blocked: number; byCategory: { category: string; count: number }[] };
  dns: { blocked: number };
  alerts: {
    total: number;
    bySeverity: Record<AlertSeverity, number>;
    falsePositive: number;
    acknowledged: number;
    /** Mean of (acknowledged − first seen) over the month's alerts that were acknowledged; null when none. */
    mttaSeconds: number | null;
  };
  /** Events that reached the prefecture but no organization (prefecture and state reports only). */
  unattributed: number;
}

/** One line of the report table: a figure, last month's and the change. */
export interface ReportRow {
  key: string;
  section: string;
  sectionLabel: string;
  label: string;
  value: number | null;
  previous: number | null;
  /** value − previous (null when either is null). */
  change: number | null;
}

export interface ReportOrgRow {
  organizationId: string;
  name: string;
  code: string | null;
  values: Record<string, number>;
}

export interface MonthlyReport {
  /** 'YYYY-MM', a month in Japan time. */
  month: string;
  previousMonth: string;
  locale: Locale;
  title: string;
  scope: {
    kind: 'municipality' | 'prefecture' | 'state';
    organizationId: string;
    name: string;
    code: string | null;
  };
  /** [from, to) in UTC: the month's first and the next month's first midnight in Japan time. */
  period: { from: string; to: string };
  current: MonthlyFigures;
  previous: MonthlyFigures;
  rows: ReportRow[];
  /** WAF attacks by type with labels, this month and last. */
  wafByType: { type: string; label: string; count: number; previous: number }[];
  proxyByCategory: { category: string; label: string; count: number; previous: number }[];
  /** Per municipality (prefecture report) or per prefecture (state report); empty for a municipality. */
  byOrganization: ReportOrgRow[];
  byOrganizationColumns: { key: string; label: string }[];
  generatedAt: string;
}

export interface MonthlyReportQuery {
  /** A municipality (its subtree: wards, bodies), a prefecture (everything it received) or the state. */
  organizationId: string;
  /** 'YYYY-MM' (Japan time); default: the previous month. */
  month?: string;
  locale?: Locale;
}

export interface RenderedReport {
  body: Buffer;
  contentType: string;
  fileName: string;
}

export interface SocReportService {
  monthly(ctx: RequestContext, query: MonthlyReportQuery): Promise<MonthlyReport>;
  /** The same report as PDF (Japanese font embedded). */
  monthlyPdf(ctx: RequestContext, query: MonthlyReportQuery): Promise<RenderedReport>;
  /** The same report as an Excel workbook. */
  monthlyXlsx(ctx: RequestContext, query: MonthlyReportQuery): Promise<RenderedReport>;
}
