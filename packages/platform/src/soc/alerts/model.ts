// Alert shapes shared by the store, the service, notification and the live stream.
import type { Severity } from '@mamori/core';
import type { SocAlertsTable } from '@mamori/store';

export const severities: readonly Severity[] = ['informational', 'low', 'medium', 'high', 'critical'];
export const severityRank = (s: string): number => Math.max(0, severities.indexOf(s as Severity));

export type AlertStatus = 'new' | 'acknowledged' | 'in_progress' | 'resolved' | 'false_positive';
export const alertStatuses: readonly AlertStatus[] = [
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
  /** Shown with every alert: the Detection Rule License requires each Sigma rule's author. */
  ruleAuthor: string;
  source: 'sigma' | 'builtin';
  severity: Severity;
  organizationId: string | null;
  /** Filled by list and get (null when unattributed). */
  organizationName?: string | null;
  prefectureId: string;
  entity: string;
  windowStart: string;
  firstSeen: string;
  lastSeen: string;
  eventCount: number;
  status: AlertStatus;
  assigneeId: string | null;
  /** Filled by list and get. */
  assigneeName?: string | null;
  ackDeadline: string | null;
  acknowledgedAt: string | null;
  escalationLevel: number;
  falsePositiveReason: string | null;
  incidentRef: string | null;
  details: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export function toAlert(r: SocAlertsTable): SocAlert {
  let details: Record<string, unknown> = {};
  if (r.details) {
    try {
      details = JSON.parse(r.details) as Record<string, unknown>;
    } catch {
      details = {};
    }
  }
  return {
    id: r.id,
    ruleId: r.rule_id,
    ruleTitle: r.rule_title,
    ruleAuthor: r.rule_author,
    source: r.source === 'builtin' ? 'builtin' : 'sigma',
    severity: r.severity as Severity,
    organizationId: r.organization_id,
    prefectureId: r.prefecture_id,
    entity: r.entity,
    windowStart: r.window_start,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    eventCount: Number(r.event_count),
    status: r.status as AlertStatus,
    assigneeId: r.assignee_id,
    ackDeadline: r.ack_deadline,
    acknowledgedAt: r.acknowledged_at,
    escalationLevel: Number(r.escalation_level),
    falsePositiveReason: r.false_positive_reason,
    incidentRef: r.incident_ref,
    details,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Live-stream message: an alert was created or changed (count, status, escalation). */
export interface AlertChange {
  kind: 'created' | 'updated';
  alert: SocAlert;
}
