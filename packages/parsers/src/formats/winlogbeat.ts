// Windows events shipped by Winlogbeat (ECS JSON): winlog.event_id/channel/event_data, @timestamp, host.name.
// Event ids map to class/activity/severity through data/windows-events.json.
import type { Disposition, Endpoint, EventClass, Severity } from '@mamori/core';
import { windowsEvents } from '../data.js';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser } from '../types.js';
import { looksLikeIp, parseIsoLike, str, toInt, toPort } from '../util.js';

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function user(name: string | undefined, domain: string | undefined): string | undefined {
  if (!name || name === '-') return undefined;
  return domain && domain !== '-' ? `${domain}\\${name}` : name;
}

export interface WindowsRecord {
  eventId: number;
  channel?: string;
  provider?: string;
  computer?: string;
  time: number;
  data: Record<string, unknown>;
  outcome?: string;
  recordId?: string;
}

/** Normalization shared by Winlogbeat JSON (and any reader that yields the same record shape). */
export function windowsFields(rec: WindowsRecord): {
  class: EventClass;
  activity: string;
  severity: Severity;
  disposition: Disposition;
  name?: string;
  src: Endpoint;
  dst: Endpoint;
  fields: Record<string, string | number | boolean | null>;
} {
  const ch = (rec.channel ?? 'Security').toLowerCase();
  const key = ch === 'security' ? String(rec.eventId) : `${ch}:${rec.eventId}`;
  const m = windowsEvents.events[key];
  const d = rec.data;
  const s = (k: string): string | undefined => {
    const v = str(d[k]);
    return v === '-' ? undefined : v;
  };
  let disposition: Disposition = 'unknown';
  if (m) {
    if (m.disposition === 'outcome') {
      const status = s('Status');
      disposition =
        rec.outcome === 'failure' || (status !== undefined && status !== '0x0')
          ? 'blocked'
          : rec.outcome === 'success' || status === '0x0'
            ? 'allowed'
            : 'unknown';
    } else disposition = m.disposition as Disposition;
  } else if (rec.outcome === 'failure') disposition = 'blocked';
  else if (rec.outcome === 'success') disposition = 'allowed';
  const src: Endpoint = {};
  const dst: Endpoint = {};
  const ip = s('IpAddress') ?? s('SourceAddress') ?? s('SourceIp');
  if (ip && looksLikeIp(ip) && ip !== '::1' && ip !== '127.0.0.1') src.ip = ip;
  else if (ip && looksLikeIp(ip)) src.ip = ip;
  const port = toPort(s('IpPort') ?? s('SourcePort'));
  if (port !== undefined && port !== 0) src.port = port;
  const ws = s('WorkstationName') ?? s('Workstation');
  if (ws) src.hostname = ws;
  const tu = user(s('TargetUserName'), s('TargetDomainName'));
  if (tu) dst.user = tu;
  const su = user(s('SubjectUserName'), s('SubjectDomainName'));
  if (su) src.user = su;
  if (!src.user && s('User')) src.user = s('User');
  if (rec.computer) dst.hostname = rec.computer;
  const dip = s('DestinationIp');
  if (dip) dst.ip = dip;
  const dport = toPort(s('DestinationPort'));
  if (dport !== undefined) dst.port = dport;
  const fields: Record<string, string | number | boolean | null> = {
    eventId: rec.eventId,
    channel: rec.channel ?? 'Security',
  };
  if (rec.provider) fields.provider = rec.provider;
  if (rec.recordId) fields.recordId = rec.recordId;
  const lt = s('LogonType');
  if (lt) {
    fields.logonType = Number(lt) || lt;
    const name = windowsEvents.logonTypes[lt];
    if (name) fields.logonTypeName = name;
  }
  for (const [k, out] of [
    ['Status', 'status'],
    ['SubStatus', 'subStatus'],
    ['FailureReason', 'failureReason'],
    ['AuthenticationPackageName', 'authPackage'],
    ['LogonProcessName', 'logonProcess'],
    ['NewProcessName', 'process'],
    ['Image', 'process'],
    ['ProcessName', 'process'],
    ['CommandLine', 'commandLine'],
    ['ParentProcessName', 'parentProcess'],
    ['ParentImage', 'parentProcess'],
    ['ServiceName', 'serviceName'],
    ['ImagePath', 'serviceImage'],
    ['QueryName', 'query'],
    ['ScriptBlockText', 'scriptBlock'],
    ['TargetFilename', 'file'],
  ] as const) {
    const v = s(k);
    if (v !== undefined && fields[out] === undefined) fields[out] = v.slice(0, 2048);
  }
  return {
    class: m?.class ?? 'authentication',
    activity: m?.activity ?? `event-${rec.eventId}`,
    severity: m?.severity ?? 'informational',
    disposition,
    name: m?.name,
    src,
    dst,
    fields,
  };
}

export const winlogbeat: FormatParser = {
  id: 'winlogbeat',
  description: 'Windows event log records from Winlogbeat (ECS JSON)',
  sourceKind: 'endpoint',
  input: 'json',
  sniff(input) {
    const w = obj(input.json!.winlog);
    return w !== undefined && ('event_id' in w || 'channel' in w);
  },
  parse(input) {
    const j = input.json!;
    const w = obj(j.winlog);
    if (!w) return new ParseError('winlogbeat', 'missing "winlog" object');
    const ev = obj(j.event);
    const eventId = toInt(w.event_id) ?? toInt(ev?.code);
    if (eventId === undefined) return new ParseError('winlogbeat', 'missing winlog.event_id');
    const ts = str(j['@timestamp']);
    const time = ts ? parseIsoLike(ts, 0) : NaN;
    if (Number.isNaN(time))
      return new ParseError('winlogbeat', `bad or missing @timestamp "${(ts ?? '').slice(0, 40)}"`);
    const host = obj(j.host);
    const computer = str(w.computer_name) ?? str(host?.hostname) ?? str(host?.name);
    const data = obj(w.event_data) ?? obj(w.user_data) ?? {};
    const r = windowsFields({
      eventId,
      channel: str(w.channel),
      provider: str(w.provider_name),
      computer,
      time,
      data,
      outcome: str(ev?.outcome),
      recordId: str(w.record_id),
    });
    return makeEvent(input, {
      time,
      class: r.class,
      activity: r.activity,
      severity: r.severity,
      disposition: r.disposition,
      sourceKind: 'endpoint',
      format: 'winlogbeat',
      device: { name: computer, vendor: 'Microsoft', product: 'Windows' },
      src: r.src,
      dst: r.dst,
      rule: { id: String(eventId), name: r.name },
      fields: r.fields,
    });
  },
};
