// Shapes of the SOC administration API: notification contacts, Sigma rule sets, the notification log
// (packages/server/src/routes/soc-contacts.ts, soc-rules.ts, soc-alerts.ts; docs/api.md).
import type { Locale } from './types.js';

export type SocSeverity = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export const SOC_SEVERITIES: readonly SocSeverity[] = ['informational', 'low', 'medium', 'high', 'critical'];

export type ContactRole = 'staff' | 'soc_lead' | 'state';
export const CONTACT_ROLES: readonly ContactRole[] = ['staff', 'soc_lead', 'state'];

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface SocContact {
  id: string;
  organizationId: string;
  name: string;
  email: string | null;
  webhookUrl: string | null;
  /** The secret itself is write-only: the API only says whether one is stored. */
  hasWebhookSecret: boolean;
  minSeverity: SocSeverity;
  days: string[];
  hours: string;
  role: ContactRole;
  locale: Locale;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Minutes to acknowledge before an alert escalates, per severity (0: no deadline). */
export interface AckDeadlines {
  critical: number;
  high: number;
  medium: number;
  low: number;
}

export interface ContactBody {
  organizationId?: string;
  name?: string;
  email?: string | null;
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  minSeverity?: SocSeverity;
  days?: Weekday[];
  hours?: string;
  role?: ContactRole;
  locale?: Locale;
  enabled?: boolean;
}

export interface RuleSetChoice {
  name: string;
  ja: string;
  en: string;
  default: boolean;
  enabled: boolean;
  /** Rule files in the set. */
  rules: number;
}

export interface LogsourceRuleSets {
  logsource: string;
  ja: string;
  en: string;
  /** false: the prefecture has not chosen and the defaults run. */
  configured: boolean;
  ruleSets: RuleSetChoice[];
}

export interface PrefectureRuleSets {
  prefectureId: string;
  logsources: LogsourceRuleSets[];
}

export type NotificationStatus = 'sent' | 'failed' | 'retrying';

export interface SocNotification {
  id: string;
  alertId: string;
  contactId: string | null;
  organizationId: string | null;
  channel: string;
  target: string;
  /** Escalation level: 0 the organization, 1 the prefecture SOC lead, 2 the state. */
  level: number;
  attempt: number;
  status: string;
  error: string | null;
  sentAt: string;
}
