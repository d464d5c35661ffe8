// ModSecurity audit log, JSON: v3 (libmodsecurity, nginx connector) and v2 (Apache mod_security2). One record
// is one HTTP transaction and gives exactly one event: an attack is counted once per transaction (when the
// anomaly-score rule 949110 fired or the response was a 403), never once per matched rule.
import type { Severity } from '@mamori/core';
import { crs } from '../data.js';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser, ParseInput, ParseResult } from '../types.js';
import { parseClfTime, parseCtime, str, toInt, toPort } from '../util.js';

interface Hit {
  id: string;
  msg?: string;
  severity?: number;
  tags: string[];
  data?: string;
}

const evaluation = new Set(crs.evaluation);
const blocking = new Set(crs.blocking);

/** Attack type of one rule hit: its attack-* tag, else its CRS id range. */
export function attackTypeOf(ruleId: string, tags: readonly string[]): string | undefined {
  for (const t of tags) {
    const m = crs.tags[t.toLowerCase()];
    if (m) return m;
  }
  const n = Number(ruleId);
  if (!Number.isInteger(n)) return undefined;
  for (const r of crs.ranges) if (n >= r.from && n <= r.to) return r.type;
  return undefined;
}

/** ModSecurity severities: 0 EMERGENCY … 2 CRITICAL, 3 ERROR, 4 WARNING, 5 NOTICE. */
function modsecSeverity(n: number | undefined): Severity {
  if (n === undefined) return 'low';
  if (n <= 2) return 'high';
  if (n === 3) return 'medium';
  if (n === 4) return 'low';
  return 'informational';
}

const SEV_WORDS: Record<string, number> = {
  EMERGENCY: 0,
  ALERT: 1,
  CRITICAL: 2,
  ERROR: 3,
  WARNING: 4,
  NOTICE: 5,
  INFO: 6,
  DEBUG: 7,
};

interface Tx {
  time: number;
  clientIp?: string;
  clientPort?: number;
  hostIp?: string;
  hostPort?: number;
  host?: string;
  method?: string;
  uri?: string;
  status?: number;
  id?: string;
  engine?: string;
  intercepted?: boolean;
  hits: Hit[];
}

function summarize(input: ParseInput, format: string, tx: Tx): ParseResult {
  let attackTypeCounts: Map<string, number> | undefined;
  let primary: Hit | undefined;
  let maxSev = 9;
  let blockingHit = false;
  let anomalyScore: number | undefined;
  const ids: string[] = [];
  for (const h of tx.hits) {
    if (ids.length < 50) ids.push(h.id);
    if (blocking.has(h.id)) {
      blockingHit = true;
      const m = h.msg ? /Total Score: (\d{1,6})/.exec(h.msg) : null;
      if (m) anomalyScore = Number(m[1]);
    }
    if (evaluation.has(h.id)) continue;
    const t = attackTypeOf(h.id, h.tags);
    if (t) {
      attackTypeCounts ??= new Map();
      attackTypeCounts.set(t, (attackTypeCounts.get(t) ?? 0) + 1);
    }
    if (h.severity !== undefined && h.severity < maxSev) maxSev = h.severity;
    primary ??= h;
  }
  // The attack type is the one most rules agreed on, protocol findings only when nothing else matched.
  let attackType: string | undefined;
  let best = 0;
  if (attackTypeCounts) {
    for (const [t, c] of attackTypeCounts) {
      const score = t === 'protocol' ? c / 1000 : c;
      if (score > best) {
        best = score;
        attackType = t;
      }
    }
  }
  if (primary && attackType) {
    // Prefer a rule of the chosen type as the event's rule.
    primary =
      tx.hits.find((h) => !evaluation.has(h.id) && attackTypeOf(h.id, h.tags) === attackType) ?? primary;
  }
  const detectionOnly = tx.engine !== undefined && /detection/i.test(tx.engine);
  const denied = tx.intercepted === true || tx.status === 403;
  const isAttack = blockingHit || (denied && tx.hits.length > 0);
  const blocked = isAttack && !detectionOnly && (denied || blockingHit);
  const sev = modsecSeverity(maxSev === 9 ? undefined : maxSev);
  const fields: Record<string, string | number | boolean | null> = {
    attack: isAttack,
    matchedRules: tx.hits.length,
  };
  if (attackType) fields.attackType = attackType;
  if (anomalyScore !== undefined) fields.anomalyScore = anomalyScore;
  if (ids.length) fields.ruleIds = ids.join(',');
  if (tx.method) fields.method = tx.method;
  if (tx.uri) fields.url = tx.uri.length > 2048 ? tx.uri.slice(0, 2048) : tx.uri;
  if (tx.status !== undefined) fields.status = tx.status;
  if (tx.id) fields.transactionId = tx.id;
  if (tx.engine) fields.engineMode = tx.engine;
  if (primary?.data) fields.matchedData = primary.data.slice(0, 512);
  const dst: { ip?: string; port?: number; hostname?: string } = {};
  if (tx.hostIp) dst.ip = tx.hostIp;
  if (tx.hostPort !== undefined) dst.port = tx.hostPort;
  if (tx.host) dst.hostname = tx.host;
  const src: { ip?: string; port?: number } = {};
  if (tx.clientIp) src.ip = tx.clientIp;
  if (tx.clientPort !== undefined) src.port = tx.clientPort;
  return makeEvent(input, {
    time: tx.time,
    class: isAttack ? 'detection_finding' : 'http_activity',
    activity: isAttack ? 'attack' : tx.hits.length > 0 ? 'rule-match' : 'audit',
    severity: isAttack ? sev : tx.hits.length > 0 ? (sev === 'high' ? 'medium' : 'low') : 'informational',
    disposition: blocked ? 'blocked' : isAttack ? 'detected' : tx.hits.length > 0 ? 'detected' : 'allowed',
    sourceKind: 'waf',
    format,
    device: { vendor: 'OWASP', product: 'ModSecurity' },
    src,
    dst,
    rule: primary
      ? { id: primary.id, name: primary.msg, category: attackType ?? attackTypeOf(primary.id, primary.tags) }
      : undefined,
    fields,
  });
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function hostHeader(headers: unknown): string | undefined {
  const h = obj(headers);
  if (!h) return undefined;
  const v = h.Host ?? h.host;
  return typeof v === 'string' ? v.split(':')[0]?.toLowerCase() : undefined;
}

export const modsecurityV3: FormatParser = {
  id: 'modsecurity-v3',
  description: 'ModSecurity v3 (libmodsecurity, nginx connector) JSON audit log',
  sourceKind: 'waf',
  input: 'json',
  sniff(input) {
    const t = obj(input.json?.transaction);
    return t !== undefined && 'client_ip' in t && ('messages' in t || 'producer' in t || 'time_stamp' in t);
  },
  parse(input) {
    const t = obj(input.json?.transaction);
    if (!t) return new ParseError('modsecurity-v3', 'missing "transaction" object');
    const ts = str(t.time_stamp);
    if (!ts) return new ParseError('modsecurity-v3', 'missing transaction.time_stamp');
    const time = parseCtime(ts, input.options.tzOffsetMinutes);
    if (Number.isNaN(time)) return new ParseError('modsecurity-v3', `bad time_stamp "${ts.slice(0, 40)}"`);
    const req = obj(t.request);
    const res = obj(t.response);
    const producer = obj(t.producer);
    const msgs = Array.isArray(t.messages) ? t.messages : [];
    const hits: Hit[] = [];
    for (const m of msgs) {
      const mo = obj(m);
      const d = obj(mo?.details);
      const id = str(d?.ruleId);
      if (!id) continue;
      const tags = Array.isArray(d?.tags)
        ? (d.tags as unknown[]).filter((x): x is string => typeof x === 'string')
        : [];
      hits.push({ id, msg: str(mo?.message), severity: toInt(d?.severity), tags, data: str(d?.data) });
    }
    return summarize(input, 'modsecurity-v3', {
      time,
      clientIp: str(t.client_ip),
      clientPort: toPort(t.client_port),
      hostIp: str(t.host_ip),
      hostPort: toPort(t.host_port),
      host: hostHeader(req?.headers),
      method: str(req?.method),
      uri: str(req?.uri),
      status: toInt(res?.http_code),
      id: str(t.unique_id),
      engine: str(producer?.secrules_engine),
      hits,
    });
  },
};

/** `[id "942100"] [msg "…"] [severity "CRITICAL"] [tag "attack-sqli"]` out of a v2 message string. */
function parseV2Message(s: string): Hit | undefined {
  let id: string | undefined;
  let msg: string | undefined;
  let severity: number | undefined;
  let data: string | undefined;
  const tags: string[] = [];
  let i = 0;
  const n = Math.min(s.length, 16384);
  while (i < n) {
    const open = s.indexOf('[', i);
    if (open < 0 || open >= n) break;
    const sp = s.indexOf(' "', open);
    if (sp < 0 || sp - open > 16) {
      i = open + 1;
      continue;
    }
    const key = s.slice(open + 1, sp);
    // Value runs to the next unescaped '"]'.
    let j = sp + 2;
    let val = '';
    while (j < n) {
      const c = s[j];
      if (c === '\\' && j + 1 < n) {
        val += s[j + 1];
        j += 2;
        continue;
      }
      if (c === '"' && s[j + 1] === ']') break;
      val += c;
      j++;
    }
    i = j + 2;
    if (key === 'id') id = val;
    else if (key === 'msg') msg = val;
    else if (key === 'severity') severity = SEV_WORDS[val.toUpperCase()] ?? toInt(val);
    else if (key === 'tag') tags.push(val);
    else if (key === 'data') data = val;
  }
  return id ? { id, msg, severity, tags, data } : undefined;
}

export const modsecurityV2: FormatParser = {
  id: 'modsecurity-v2',
  description: 'ModSecurity v2 (Apache mod_security2) JSON audit log',
  sourceKind: 'waf',
  input: 'json',
  sniff(input) {
    const t = obj(input.json?.transaction);
    return t !== undefined && 'remote_address' in t && ('audit_data' in input.json! || 'transaction_id' in t);
  },
  parse(input) {
    const j = input.json!;
    const t = obj(j.transaction);
    if (!t) return new ParseError('modsecurity-v2', 'missing "transaction" object');
    const ts = str(t.time);
    if (!ts) return new ParseError('modsecurity-v2', 'missing transaction.time');
    const time = parseClfTime(ts, input.options.tzOffsetMinutes);
    if (Number.isNaN(time))
      return new ParseError('modsecurity-v2', `bad transaction.time "${ts.slice(0, 40)}"`);
    const req = obj(j.request);
    const res = obj(j.response);
    const audit = obj(j.audit_data);
    const action = obj(audit?.action);
    const hits: Hit[] = [];
    const msgs = Array.isArray(audit?.messages) ? (audit.messages as unknown[]) : [];
    for (const m of msgs) {
      if (typeof m !== 'string') continue;
      const h = parseV2Message(m);
      if (h) hits.push(h);
    }
    // "GET /path?x HTTP/1.1"
    const rl = str(req?.request_line) ?? '';
    const sp1 = rl.indexOf(' ');
    const sp2 = rl.lastIndexOf(' ');
    const method = sp1 > 0 ? rl.slice(0, sp1) : undefined;
    const uri = sp1 > 0 ? rl.slice(sp1 + 1, sp2 > sp1 ? sp2 : undefined) : undefined;
    return summarize(input, 'modsecurity-v2', {
      time,
      clientIp: str(t.remote_address),
      clientPort: toPort(t.remote_port),
      hostIp: str(t.local_address),
      hostPort: toPort(t.local_port),
      host: hostHeader(req?.headers),
      method,
      uri,
      status: toInt(res?.status),
      id: str(t.transaction_id),
      engine: str(audit?.engine_mode),
      intercepted: action?.intercepted === true,
      hits,
    });
  },
};
