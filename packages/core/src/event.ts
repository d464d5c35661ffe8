// The normalized event: one shape for every log source, modelled on OCSF (class, activity, severity,
// disposition, endpoints, rule) with the raw line kept. docs/events.md maps each source onto it.
import type { Severity } from './severity.js';

/** OCSF categories/classes Mamori uses (class_uid values from OCSF 1.x). */
export const eventClasses = {
  network_activity: 4001,
  http_activity: 4002,
  dns_activity: 4003,
  email_activity: 4009,
  authentication: 3002,
  process_activity: 1007,
  detection_finding: 2004,
  file_activity: 1001,
} as const;
export type EventClass = keyof typeof eventClasses;

/** What the device did with the traffic or object. */
export type Disposition = 'allowed' | 'blocked' | 'detected' | 'quarantined' | 'deleted' | 'unknown';

export interface Endpoint {
  ip?: string;
  port?: number;
  hostname?: string;
  domain?: string;
  user?: string;
  email?: string;
}

export interface NormalizedEvent {
  /** Event time, ISO 8601 with zone. */
  time: string;
  class: EventClass;
  /** Source-specific activity name (e.g. "traffic", "alert", "spam"). */
  activity: string;
  severity: Severity;
  disposition: Disposition;
  /** Kind of edge source: firewall, ips, waf, proxy, mail, sandbox, dns, endpoint, … */
  sourceKind: string;
  /** Parser that produced it, e.g. "suricata-eve". */
  format: string;
  device?: { name?: string; vendor?: string; product?: string; site?: string };
  src?: Endpoint;
  dst?: Endpoint;
  rule?: { id?: string; name?: string; category?: string };
  /** Parser-specific fields worth keeping (flat, JSON-safe). */
  fields?: Record<string, string | number | boolean | null>;
  /** The original line or record, unchanged. */
  raw: string;
}
