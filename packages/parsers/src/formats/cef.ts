// ArcSight CEF: "CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|extension". Header fields escape \| and
// \\; extension values escape \= \\ \n \r and run until the next " key=".
import type { Endpoint, EventClass, Severity } from '@mamori/core';
import { dispositionOf } from '../data.js';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser } from '../types.js';
import { epochToMs, isDigits, parseIsoLike, severityFrom10, severityFromWord, toPort } from '../util.js';

/** Splits the first `count` unescaped-'|' fields; returns them and the index after the last '|'. */
export function splitHeader(
  s: string,
  start: number,
  count: number,
): { parts: string[]; end: number } | undefined {
  const parts: string[] = [];
  let cur = '';
  let i = start;
  let from = i;
  while (i < s.length && parts.length < count) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */ && i + 1 < s.length) {
      const nx = s[i + 1];
      if (nx === '|' || nx === '\\') {
        cur += s.slice(from, i) + nx;
        i += 2;
        from = i;
        continue;
      }
    }
    if (c === 124 /* | */) {
      parts.push(cur + s.slice(from, i));
      cur = '';
      i++;
      from = i;
      continue;
    }
    i++;
  }
  if (parts.length < count) return undefined;
  return { parts, end: i };
}

function isKeyChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 95 ||
    c === 46 ||
    c === 45 ||
    c === 91 ||
    c === 93
  );
}

/** CEF extension value escapes: \\= \\\\ \\n \\r. */
function unescapeCef(v: string): string {
  if (v.indexOf('\\') < 0) return v;
  let r = '';
  for (let k = 0; k < v.length; k++) {
    const c = v[k];
    if (c === '\\' && k + 1 < v.length) {
      const nx = v[k + 1];
      r += nx === 'n' ? '\n' : nx === 'r' ? '\r' : nx!;
      k++;
    } else r += c;
  }
  return r;
}

/** Extension "k=v k2=v with spaces k3=…" → map. Linear: each '=' is looked at once, each key walked once. */
export function parseCefExtension(s: string): Map<string, string> {
  const out = new Map<string, string>();
  let key: string | undefined;
  let valStart = 0;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 92) {
      i += 2;
      continue;
    }
    if (c === 61 /* = */) {
      // Walk back over the key characters; a key starts the string or follows a space.
      let k = i - 1;
      while (k >= valStart && isKeyChar(s.charCodeAt(k))) k--;
      const keyStart = k + 1;
      if (keyStart < i && (keyStart === 0 || s.charCodeAt(keyStart - 1) === 32)) {
        if (key !== undefined) out.set(key, unescapeCef(s.slice(valStart, Math.max(valStart, keyStart - 1))));
        key = s.slice(keyStart, i);
        valStart = i + 1;
      }
    }
    i++;
  }
  if (key !== undefined) out.set(key, unescapeCef(s.slice(valStart).trimEnd()));
  return out;
}

/** Custom string fields: cs1=… cs1Label=name → fields[name]. */
export function labelled(
  ext: Map<string, string>,
  fields: Record<string, string | number | boolean | null>,
): void {
  for (const prefix of ['cs', 'cn', 'cfp', 'flexString', 'flexNumber']) {
    for (let k = 1; k <= 6; k++) {
      const v = ext.get(`${prefix}${k}`);
      if (v === undefined) continue;
      const label = ext.get(`${prefix}${k}Label`) ?? `${prefix}${k}`;
      fields[label.slice(0, 64)] = v.slice(0, 1024);
    }
  }
}

export function cefTime(v: string | undefined, defaultOffset: number): number | undefined {
  if (!v) return undefined;
  if (isDigits(v)) return epochToMs(Number(v));
  const iso = parseIsoLike(v, defaultOffset);
  if (!Number.isNaN(iso)) return iso;
  // "Nov 25 2026 19:15:14" (optionally ".123" and a zone name) — MMM dd yyyy HH:mm:ss
  const d = Date.parse(
    v.replace(/^(\w{3}) (\d{1,2}) (\d{4}) /, '$1 $2, $3 ') +
      (/[+-]\d{2}:?\d{2}$|Z$| [A-Z]{3,4}$/.test(v) ? '' : ' UTC'),
  );
  if (Number.isNaN(d)) return undefined;
  return /[+-]\d{2}:?\d{2}$|Z$| [A-Z]{3,4}$/.test(v) ? d : d - defaultOffset * 60000;
}

export function classOf(name: string, cat: string | undefined, request: string | undefined): EventClass {
  const s = `${name} ${cat ?? ''}`.toLowerCase();
  if (s.includes('traffic') || s.includes('connection') || s.includes('firewall')) return 'network_activity';
  if (s.includes('logon') || s.includes('login') || s.includes('authentication')) return 'authentication';
  if (s.includes('dns')) return 'dns_activity';
  if (s.includes('mail') || s.includes('email')) return 'email_activity';
  if (request && (s.includes('url') || s.includes('web') || s.includes('http'))) return 'http_activity';
  return 'detection_finding';
}

export function endpointsFrom(
  ext: Map<string, string>,
  keys: {
    src: string;
    dst: string;
    spt: string;
    dpt: string;
    suser: string;
    duser: string;
    shost: string;
    dhost: string;
  },
): { src: Endpoint; dst: Endpoint } {
  const src: Endpoint = {};
  const dst: Endpoint = {};
  const sip = ext.get(keys.src);
  const dip = ext.get(keys.dst);
  if (sip) src.ip = sip;
  if (dip) dst.ip = dip;
  const sp = toPort(ext.get(keys.spt));
  const dp = toPort(ext.get(keys.dpt));
  if (sp !== undefined) src.port = sp;
  if (dp !== undefined) dst.port = dp;
  const su = ext.get(keys.suser);
  const du = ext.get(keys.duser);
  if (su) src.user = su;
  if (du) dst.user = du;
  const sh = ext.get(keys.shost);
  const dh = ext.get(keys.dhost);
  if (sh) src.hostname = sh.toLowerCase();
  if (dh) dst.hostname = dh.toLowerCase();
  return { src, dst };
}

export const cef: FormatParser = {
  id: 'cef',
  description: 'ArcSight Common Event Format (CEF:0), bare or in a syslog envelope',
  sourceKind: 'ips',
  input: 'text',
  sniff(input) {
    return input.payload.startsWith('CEF:');
  },
  parse(input) {
    const p = input.payload;
    if (!p.startsWith('CEF:')) return new ParseError('cef', 'does not start with "CEF:"');
    const h = splitHeader(p, 4, 7);
    if (!h) return new ParseError('cef', 'header has fewer than 7 "|"-separated fields');
    const [version, vendor, product, devVersion, sigId, name, sev] = h.parts as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (version !== '0' && version !== '1')
      return new ParseError('cef', `unsupported CEF version "${version.slice(0, 10)}"`);
    const ext = parseCefExtension(p.slice(h.end));
    const sevNum = Number(sev);
    const severity: Severity =
      sev !== '' && Number.isFinite(sevNum)
        ? severityFrom10(sevNum, 'medium')
        : severityFromWord(sev, 'medium');
    const act = ext.get('act');
    const { src, dst } = endpointsFrom(ext, {
      src: 'src',
      dst: 'dst',
      spt: 'spt',
      dpt: 'dpt',
      suser: 'suser',
      duser: 'duser',
      shost: 'shost',
      dhost: 'dhost',
    });
    const request = ext.get('request');
    const cat = ext.get('cat');
    const cls = classOf(name, cat, request);
    const fields: Record<string, string | number | boolean | null> = { deviceVersion: devVersion };
    if (act) fields.action = act;
    if (request) fields.url = request.slice(0, 2048);
    for (const k of [
      'proto',
      'app',
      'msg',
      'requestMethod',
      'fname',
      'fileHash',
      'externalId',
      'deviceExternalId',
      'in',
      'out',
      'reason',
      'outcome',
    ])
      if (ext.has(k)) fields[k] = ext.get(k)!.slice(0, 1024);
    if (sev !== '') fields.vendorSeverity = sev;
    labelled(ext, fields);
    const dispositionFallback = cls === 'detection_finding' ? 'detected' : 'unknown';
    return makeEvent(input, {
      time: cefTime(ext.get('rt') ?? ext.get('end'), input.options.tzOffsetMinutes),
      class: cls,
      activity: cat ?? (cls === 'detection_finding' ? 'finding' : 'event'),
      severity,
      disposition: dispositionOf(act ?? ext.get('outcome'), dispositionFallback),
      sourceKind: cls === 'network_activity' ? 'firewall' : cls === 'http_activity' ? 'waf' : 'ips',
      format: 'cef',
      device: { name: ext.get('dvchost') ?? ext.get('dvc') ?? input.envelope?.host, vendor, product },
      src,
      dst,
      rule: { id: sigId || undefined, name: name || undefined, category: cat },
      fields,
    });
  },
};
