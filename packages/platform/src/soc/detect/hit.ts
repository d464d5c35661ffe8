// What detection hands to the alert store: one rule firing (or continuing to fire) on some events.
import type { Severity } from '@mamori/core';

export interface HitEvent {
  id: string;
  /** ms since epoch (event time). */
  time: number;
  receivedAt: number;
}

export interface Hit {
  source: 'sigma' | 'builtin';
  ruleId: string;
  ruleTitle: string;
  ruleAuthor: string;
  severity: Severity;
  organizationId: string | null;
  prefectureId: string;
  entity: string;
  /** ms; with rule, organization and entity it names the alert (group key). */
  windowStart: number;
  events: HitEvent[];
  /** Matched fields, correlation values, tags: shown with the alert. */
  details: Record<string, unknown>;
}
