// Registered syslog sources: the API's shapes, the parser ids a sender may be bound to, and the form's checks
// (the server checks again and names what it refuses).
import type { MessageKey } from '../../i18n/i18n.js';

export interface SyslogSource {
  id: string;
  origin: 'registered' | 'configuration';
  kind: 'address' | 'cert';
  value: string;
  format: string | null;
  organizationId: string | null;
  prefectureId: string | null;
  note: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface SenderCounters {
  source: string;
  transport: string;
  organizationId: string | null;
  sourceId: string | null;
  received: number;
  accepted: number;
  tooLarge: number;
  droppedByRate: number;
  droppedByBackpressure: number;
  ratePauses: number;
  connections: number;
  refusedConnections: number;
  lastSeen: number;
}

export interface SendersView {
  listening: { udp: number | null; tcp: number | null; tls: number | null } | null;
  items: SenderCounters[];
}

/** A log format the parsers read (GET /api/v1/ingest/formats). */
export interface LogFormat {
  id: string;
  description: string;
  sourceKind: string;
}

export interface SourceValues {
  kind: 'address' | 'cert';
  value: string;
  format: string;
  organizationId: string;
  note: string;
}
export type SourceErrors = Partial<Record<'value' | 'note', MessageKey>>;

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?$/;
const IPV6 = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(\/(12[0-8]|1[01]\d|[1-9]?\d))?$/;
const NAME = /^[a-zA-Z0-9_*](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9_])?\.?$/;

export function checkSource(v: SourceValues): SourceErrors {
  const e: SourceErrors = {};
  const value = v.value.trim();
  if (!value) e.value = 'socSources.err.valueRequired';
  else if (v.kind === 'address' && !IPV4.test(value) && !IPV6.test(value)) e.value = 'socSources.err.address';
  else if (v.kind === 'cert' && (!NAME.test(value) || value.length > 253)) e.value = 'socSources.err.cert';
  if (v.note.length > 500) e.note = 'socSources.err.note';
  return e;
}

export const sourceBody = (v: SourceValues) => ({
  value: v.value.trim(),
  format: v.format || null,
  organizationId: v.organizationId,
  note: v.note.trim() || null,
});

/** Counters of the senders a registration bound, summed. */
export function countersOf(id: string, senders: SenderCounters[]) {
  const mine = senders.filter((s) => s.sourceId === id);
  const sum = (k: keyof SenderCounters) => mine.reduce((n, s) => n + (s[k] as number), 0);
  return {
    senders: mine.length,
    received: sum('received'),
    accepted: sum('accepted'),
    refused: sum('tooLarge') + sum('droppedByRate') + sum('droppedByBackpressure'),
    lastSeen: mine.reduce((n, s) => Math.max(n, s.lastSeen), 0),
  };
}
