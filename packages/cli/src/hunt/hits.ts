// One hit record from a rule match on an event (used by the workers for detections and by the main
// thread for correlations).
import { summarizeEvent, type EventSummary, type SigmaMatch } from '@mamori/sigma';
import { formatEventTime, parseEventTime } from './time.js';
import type { Hit } from './types.js';

/**
 * What the hits of one event share, worked out once for the event however many rules it fires (the
 * regression samples fire a dozen each): its summary, the formatted timestamp and both time keys.
 */
export interface HitEvent {
  readonly summary: EventSummary;
  readonly file: string;
  /** The hit timestamp as written (formatEventTime). */
  readonly timestamp: string;
  /** Sort key: the event time in ms, Infinity when unknown (hitKey). */
  readonly key: number;
  /** The written timestamp parsed back, as HitStats.add would (NaN when unparsable). */
  readonly statsMs: number;
  /** Output text shared by the event's hits (report.ts JsonlLines), filled on first use. */
  head?: string;
  tail?: string;
}

export function hitEvent(summary: EventSummary, file: string, utc: boolean): HitEvent {
  const t = parseEventTime(summary.timestamp);
  const timestamp = formatEventTime(t, summary.timestamp, utc);
  return {
    summary,
    file,
    timestamp,
    key: Number.isNaN(t) ? Infinity : t,
    statsMs: parseEventTime(timestamp),
    head: undefined,
    tail: undefined,
  };
}

export function makeHit(m: SigmaMatch, summary: EventSummary, file: string, utc: boolean): Hit {
  return eventHit(m, hitEvent(summary, file, utc));
}

/** The hit of match `m` on the event `ev`. */
export function eventHit(m: SigmaMatch, ev: HitEvent): Hit {
  const details: Record<string, string> = {};
  for (const f of m.fields) if (!(f.field in details)) details[f.field] = f.value;
  const c = m.correlation;
  if (c !== undefined) {
    // A correlation names what it counted and the group it counted in.
    details.correlation = c.type;
    details.value = String(c.value);
    for (const [k, v] of Object.entries(c.groupBy)) details[k] = v;
    details.rules = c.ruleIds.join(' ');
  }
  const summary = ev.summary;
  return {
    timestamp: ev.timestamp,
    computer: summary.computer ?? '',
    channel: summary.channel ?? '',
    event_id: summary.eventId ?? null,
    rule_title: m.rule.title,
    rule_id: m.rule.id,
    level: m.rule.level,
    author: m.rule.author,
    tags: m.rule.tags,
    details,
    file: ev.file,
    record_id: summary.recordId ?? null,
  };
}

/** Sort key of a hit: its event's time in ms, Infinity when unknown (written last). */
export function hitKey(summary: EventSummary): number {
  const t = parseEventTime(summary.timestamp);
  return Number.isNaN(t) ? Infinity : t;
}

export { summarizeEvent };
