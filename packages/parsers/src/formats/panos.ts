// Palo Alto Networks PAN-OS syslog CSV: TRAFFIC, THREAT (incl. subtype url = URL filtering) and URL, with the
// published field orders (data/panos-fields.json).
import type { Disposition, Endpoint, EventClass, Severity } from '@mamori/core';
import { dispositionOf, panosFields } from '../data.js';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser } from '../types.js';
import { parseIsoLike, severityFromWord, toInt, toPort } from '../util.js';

/** RFC 4180-style CSV: "…" quoting with "" escapes. */
export function splitCsv(s: string, max = 200): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i <= n && out.length < max) {
    if (s.charCodeAt(i) === 34) {
      let v = '';
      i++;
      let start = i;
      while (i < n) {
        if (s.charCodeAt(i) === 34) {
          if (s.charCodeAt(i + 1) === 34) {
            v += s.slice(start, i + 1);
            i += 2;
            start = i;
            continue;
          }
          break;
        }
        i++;
      }
      v += s.slice(start, i);
      out.push(v);
      i++; // closing quote
      if (i < n && s.charCodeAt(i) !== 44) {
        // tolerate junk after a closing quote up to the comma
        const c = s.indexOf(',', i);
        i = c < 0 ? n : c;
      }
      i++;
    } else {
      const c = s.indexOf(',', i);
      const end = c < 0 ? n : c;
      out.push(s.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

const TYPES = new Set(['TRAFFIC', 'THREAT', 'URL']);

/** Field name → position, per log type, built once from the published orders. */
function positions(names: string[]): Map<string, number> {
  return new Map(names.map((n, i) => [n, i]));
}
const POS = {
  TRAFFIC: positions([...panosFields.common, ...panosFields.TRAFFIC]),
  THREAT: positions([...panosFields.common, ...panosFields.THREAT]),
};

function typeAt(p: string): string | undefined {
  // Fields 0..3: FUTURE_USE, Receive Time, Serial, Type — the first three never contain commas.
  let i = 0;
  for (let k = 0; k < 3; k++) {
    i = p.indexOf(',', i);
    if (i < 0) return undefined;
    i++;
  }
  const e = p.indexOf(',', i);
  return e < 0 ? undefined : p.slice(i, e);
}

/** "Microsoft Windows SMB Remote Code Execution Vulnerability(12345)" → name and id. */
function threatId(s: string): { id?: string; name?: string } {
  const open = s.lastIndexOf('(');
  if (open > 0 && s.endsWith(')')) return { name: s.slice(0, open).trim(), id: s.slice(open + 1, -1) };
  return { name: s || undefined };
}

export const panos: FormatParser = {
  id: 'panos',
  description: 'Palo Alto Networks PAN-OS syslog CSV (TRAFFIC, THREAT, URL)',
  sourceKind: 'firewall',
  input: 'text',
  sniff(input) {
    const t = typeAt(input.payload);
    return t !== undefined && TYPES.has(t);
  },
  parse(input) {
    const f = splitCsv(input.payload);
    const type = f[3];
    if (!type || !TYPES.has(type))
      return new ParseError('panos', `unsupported log type "${(type ?? '').slice(0, 20)}"`);
    const pos = type === 'TRAFFIC' ? POS.TRAFFIC : POS.THREAT;
    if (f.length < 31) return new ParseError('panos', `too few fields (${f.length}, need at least 31)`);
    const get = (name: string): string | undefined => {
      const idx = pos.get(name);
      const v = idx !== undefined ? f[idx] : undefined;
      return v === undefined || v === '' ? undefined : v;
    };
    const ts = get('generated_time') ?? get('receive_time');
    const time = ts ? parseIsoLike(ts, input.options.tzOffsetMinutes) : NaN;
    if (Number.isNaN(time)) return new ParseError('panos', `bad time "${(ts ?? '').slice(0, 30)}"`);
    const subtype = get('subtype') ?? '';
    const action = get('action');
    const src: Endpoint = {};
    const dst: Endpoint = {};
    const sip = get('source');
    const dip = get('destination');
    if (sip) src.ip = sip;
    if (dip) dst.ip = dip;
    const sp = toPort(get('source_port'));
    const dp = toPort(get('destination_port'));
    if (sp !== undefined) src.port = sp;
    if (dp !== undefined) dst.port = dp;
    const su = get('source_user');
    const du = get('destination_user');
    if (su) src.user = su;
    if (du) dst.user = du;
    const fields: Record<string, string | number | boolean | null> = { type, subtype };
    for (const k of [
      'application',
      'source_zone',
      'destination_zone',
      'protocol',
      'session_id',
      'rule',
      'serial',
      'virtual_system',
    ])
      if (get(k)) fields[k] = get(k)!;
    if (action) fields.action = action;
    let cls: EventClass = 'network_activity';
    let activity = subtype || type.toLowerCase();
    let severity: Severity = 'informational';
    let disposition: Disposition = dispositionOf(action, 'unknown');
    let rule: { id?: string; name?: string; category?: string } | undefined;
    if (type === 'TRAFFIC') {
      for (const k of ['bytes', 'bytes_sent', 'bytes_received', 'packets', 'elapsed_time']) {
        const v = toInt(get(k));
        if (v !== undefined) fields[k] = v;
      }
      const reason = get('session_end_reason');
      if (reason) fields.session_end_reason = reason;
      if (subtype === 'deny' || subtype === 'drop') disposition = 'blocked';
      if (disposition === 'blocked') severity = 'low';
      const r = get('rule');
      rule = r ? { name: r } : undefined;
    } else if (type === 'URL' || subtype === 'url') {
      cls = 'http_activity';
      activity = 'url';
      // URL filtering "alert" means the request was allowed and logged.
      disposition =
        action === 'alert' || action === 'continue' ? 'allowed' : dispositionOf(action, 'unknown');
      severity = disposition === 'blocked' ? 'low' : 'informational';
      const url = get('url_filename');
      if (url) {
        fields.url = url.slice(0, 2048);
        const host = url.split('/', 1)[0];
        if (host) dst.hostname = host.toLowerCase();
      }
      rule = { name: get('category'), category: get('url_category_list') ?? get('category') };
    } else {
      cls = 'detection_finding';
      activity = subtype || 'threat';
      severity = severityFromWord(get('severity'), 'medium');
      disposition = action === 'alert' || action === 'allow' ? 'detected' : dispositionOf(action, 'detected');
      const t = threatId(get('threat_id') ?? '');
      rule = { id: t.id, name: t.name, category: get('threat_category') ?? get('category') };
      const fn = get('url_filename');
      if (fn) fields.url_filename = fn.slice(0, 2048);
      const dir = get('direction');
      if (dir) fields.direction = dir;
    }
    return makeEvent(input, {
      time,
      class: cls,
      activity,
      severity,
      disposition,
      sourceKind: type === 'TRAFFIC' ? 'firewall' : cls === 'http_activity' ? 'proxy' : 'ips',
      format: 'panos',
      device: {
        name: get('device_name') ?? input.envelope?.host ?? get('serial'),
        vendor: 'Palo Alto Networks',
        product: 'PAN-OS',
      },
      src,
      dst,
      rule: rule && (rule.id || rule.name) ? rule : undefined,
      fields,
    });
  },
};
