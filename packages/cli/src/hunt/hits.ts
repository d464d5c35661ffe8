// One hit record from a rule match on an event (used by the workers for detections and by the main
// thread for correlations).
import { summarizeEvent, type EventSummary, type SigmaMatch } from '@mamori/sigma';
import { formatTimestamp, parseEventTime } from './time.js';
import type { Hit } from './types.js';

export function makeHit(m: SigmaMatch, summary: EventSummary, file: string, utc: boolean): Hit {
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
  return {
    timestamp: formatTimestamp(summary.timestamp, utc),
    computer: summary.computer ?? '',
    channel: summary.channel ?? '',
    event_id: summary.eventId ?? null,
    rule_title: m.rule.title,
    rule_id: m.rule.id,
    level: m.rule.level,
    author: m.rule.author,
    tags: m.rule.tags,
    details,
    file,
    record_id: summary.recordId ?? null,
  };
}

/** Sort key of a hit: its event's time in ms, Infinity when unknown (written last). */
export function hitKey(summary: EventSummary): number {
  const t = parseEventTime(summary.timestamp);
  return Number.isNaN(t) ? Infinity : t;
}

export { summarizeEvent };
