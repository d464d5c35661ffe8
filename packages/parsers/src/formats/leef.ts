// IBM QRadar LEEF 1.0 ("LEEF:1.0|V|P|Ver|EventID|" + tab-separated key=value) and LEEF 2.0 (sixth header
// field names the delimiter: a character, or hex "x5E"/"0x5E"; empty means tab).
import type { Severity } from '@mamori/core';
import { dispositionOf } from '../data.js';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser } from '../types.js';
import { severityFrom10, severityFromWord } from '../util.js';
import { cefTime, classOf, endpointsFrom, splitHeader } from './cef.js';

function delimiterOf(spec: string): string | undefined {
  if (spec === '') return '\t';
  if (spec.length === 1) return spec;
  const hex = spec.startsWith('0x') ? spec.slice(2) : spec.startsWith('x') ? spec.slice(1) : undefined;
  if (hex && /^[0-9a-fA-F]{1,4}$/.test(hex)) return String.fromCharCode(parseInt(hex, 16));
  return undefined;
}

export const leef: FormatParser = {
  id: 'leef',
  description: 'IBM QRadar Log Event Extended Format (LEEF 1.0 and 2.0)',
  sourceKind: 'ips',
  input: 'text',
  sniff(input) {
    return input.payload.startsWith('LEEF:');
  },
  parse(input) {
    const p = input.payload;
    const v2 = p.startsWith('LEEF:2.0|');
    if (!v2 && !p.startsWith('LEEF:1.0|'))
      return new ParseError('leef', 'expected "LEEF:1.0|" or "LEEF:2.0|"');
    const h = splitHeader(p, 9, v2 ? 5 : 4);
    let parts = h?.parts;
    let end = h?.end ?? 0;
    let delim = '\t';
    if (!h || !parts) return new ParseError('leef', 'header too short');
    if (v2) {
      const d = delimiterOf(parts[4]!);
      if (d === undefined) {
        // Some senders omit the delimiter field in 2.0: treat the fifth field as the start of attributes.
        const h1 = splitHeader(p, 9, 4);
        if (!h1) return new ParseError('leef', 'header too short');
        parts = h1.parts;
        end = h1.end;
      } else delim = d;
    } else {
      // LEEF 1.0 without the trailing '|' after EventID: the EventID field holds "id" only when followed by '|'.
    }
    const [vendor, product, version, eventId] = parts as [string, string, string, string];
    const attrs = new Map<string, string>();
    const body = p.slice(end);
    let i = 0;
    while (i <= body.length && attrs.size < 256) {
      const j = body.indexOf(delim, i);
      const piece = body.slice(i, j < 0 ? undefined : j);
      const eq = piece.indexOf('=');
      if (eq > 0) attrs.set(piece.slice(0, eq).trim(), piece.slice(eq + 1));
      if (j < 0) break;
      i = j + delim.length;
    }
    if (attrs.size === 0 && body.trim().length > 0)
      return new ParseError('leef', 'no key=value attributes found');
    const sevS = attrs.get('sev') ?? attrs.get('severity');
    const sevN = sevS !== undefined ? Number(sevS) : NaN;
    const severity: Severity = Number.isFinite(sevN)
      ? severityFrom10(sevN, 'medium')
      : severityFromWord(sevS, 'medium');
    const { src, dst } = endpointsFrom(attrs, {
      src: 'src',
      dst: 'dst',
      spt: 'srcPort',
      dpt: 'dstPort',
      suser: 'usrName',
      duser: 'dstUser',
      shost: 'srcHost',
      dhost: 'dstHost',
    });
    const cat = attrs.get('cat');
    const action = attrs.get('action') ?? attrs.get('act');
    const url = attrs.get('url');
    const cls = classOf(eventId, cat, url);
    const fields: Record<string, string | number | boolean | null> = {
      deviceVersion: version,
      leefVersion: v2 ? '2.0' : '1.0',
    };
    if (action) fields.action = action;
    if (url) fields.url = url.slice(0, 2048);
    for (const k of ['proto', 'msg', 'policy', 'reason', 'identSrc', 'resource'])
      if (attrs.has(k)) fields[k] = attrs.get(k)!.slice(0, 1024);
    if (sevS !== undefined) fields.vendorSeverity = sevS;
    const devTime = attrs.get('devTime');
    let time = cefTime(devTime, input.options.tzOffsetMinutes);
    if (devTime && time === undefined) fields.devTime = devTime;
    if (time !== undefined && !Number.isFinite(time)) time = undefined;
    return makeEvent(input, {
      time,
      class: cls,
      activity: cat ?? eventId,
      severity,
      disposition: dispositionOf(action, cls === 'detection_finding' ? 'detected' : 'unknown'),
      sourceKind: cls === 'network_activity' ? 'firewall' : cls === 'http_activity' ? 'waf' : 'ips',
      format: 'leef',
      device: { name: input.envelope?.host, vendor, product },
      src,
      dst,
      rule: { id: eventId || undefined, name: eventId || undefined, category: cat },
      fields,
    });
  },
};
