// Alert notification texts (data/soc-detect/notify-text.json): Japanese by default, English for contacts
// who prefer it; each names the rule's author (Detection Rule License 1.1 for Sigma rules).
import { readDataFile } from '../detect/data.js';
import type { SocAlert } from '../alerts/model.js';

interface Texts {
  severity: Record<string, string>;
  subject: string;
  escalated: string;
  unattributed: string;
  body: string;
}

let texts: Record<'ja' | 'en', Texts> | undefined;

function load(): Record<'ja' | 'en', Texts> {
  return (texts ??= readDataFile<Record<'ja' | 'en', Texts>>('notify-text.json'));
}

/** "2026-11-25 09:30 JST" */
export function jst(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(Date.parse(iso) + 9 * 3_600_000);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} JST`;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
}

export interface AlertMessage {
  subject: string;
  text: string;
}

export function alertMessage(
  alert: SocAlert,
  opts: { locale: 'ja' | 'en'; organizationName: string | null; level: number; url: string },
): AlertMessage {
  const t = load()[opts.locale];
  const values: Record<string, string> = {
    severity: t.severity[alert.severity] ?? alert.severity,
    title: alert.ruleTitle,
    ruleId: alert.ruleId,
    author: alert.ruleAuthor,
    organization: opts.organizationName ?? t.unattributed,
    entity: alert.entity,
    firstSeen: jst(alert.firstSeen),
    lastSeen: jst(alert.lastSeen),
    count: String(alert.eventCount),
    deadline: jst(alert.ackDeadline),
    url: opts.url,
    level: String(opts.level),
  };
  values.escalation = opts.level > 0 ? `${fill(t.escalated, values)}\n\n` : '';
  // Subjects are one line: a rule title or entity must not inject header lines.
  const subject = fill(t.subject, values).replace(/[\r\n]+/g, ' ');
  return { subject, text: fill(t.body, values) };
}
