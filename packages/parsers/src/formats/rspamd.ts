// rspamd: the task log line (rspamd_task_write_log) and the /checkv2 JSON reply.
import type { Disposition, Endpoint, Severity } from '@mamori/core';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser, ParseInput } from '../types.js';
import { domainOfEmail, parseIsoLike, str } from '../util.js';

/** Symbols that mean an anti-virus engine found malware (rspamd antivirus module defaults). */
const VIRUS_SYMBOL =
  /^(CLAM_VIRUS|CLAMAV_VIRUS|AV_VIRUS|FPROT_VIRUS|SAVAPI_VIRUS|KAS_VIRUS|ICAP_VIRUS|VIRUS_FOUND|AVAST_VIRUS)/;

function verdict(
  action: string,
  symbols: string[],
): { activity: string; severity: Severity; disposition: Disposition; virus?: string } {
  const virus = symbols.find((s) => VIRUS_SYMBOL.test(s));
  let disposition: Disposition;
  let severity: Severity;
  let activity = 'spam';
  switch (action) {
    case 'reject':
      disposition = 'blocked';
      severity = 'medium';
      break;
    case 'soft reject':
    case 'greylist':
      // A temporary refusal (try again later), not a spam verdict.
      disposition = 'blocked';
      severity = 'low';
      activity = 'deferred';
      break;
    case 'add header':
    case 'rewrite subject':
      disposition = 'detected';
      severity = 'low';
      break;
    case 'discard':
      disposition = 'deleted';
      severity = 'medium';
      break;
    case 'quarantine':
      disposition = 'quarantined';
      severity = 'medium';
      break;
    default:
      disposition = 'allowed';
      severity = 'informational';
      activity = 'scan';
  }
  if (virus)
    return {
      activity: 'malware',
      severity: 'high',
      disposition: disposition === 'allowed' ? 'detected' : disposition,
      virus,
    };
  return { activity, severity, disposition };
}

/** Options of one symbol in the log line's list: "NAME(score){opt1;opt2;}" → "opt1;opt2". */
function symbolOptions(p: string, from: number, name: string): string | undefined {
  const i = p.indexOf(name + '(', from);
  if (i < 0) return undefined;
  const open = p.indexOf('{', i);
  const close = p.indexOf('}', open);
  if (open < 0 || close < 0 || open - i > name.length + 24) return undefined;
  const v = p.slice(open + 1, close);
  return v.endsWith(';') ? v.slice(0, -1) : v;
}

/** Value of "key: value" up to the next ", " at top level (used for id/ip/from/rcpts in the log line). */
function field(s: string, key: string): string | undefined {
  const i = s.indexOf(key);
  if (i < 0) return undefined;
  const start = i + key.length;
  const end = s.indexOf(', ', start);
  return s.slice(start, end < 0 ? undefined : end);
}

function unangle(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}

export const rspamdLog: FormatParser = {
  id: 'rspamd',
  description: 'rspamd task log line (rspamd_task_write_log)',
  sourceKind: 'mail',
  input: 'text',
  sniff(input) {
    return (
      input.payload.includes('rspamd_task_write_log') ||
      (input.envelope?.app === 'rspamd' && input.payload.includes('(default: '))
    );
  },
  parse(input) {
    const p = input.payload;
    const d = p.indexOf('(default: ');
    if (d < 0) return new ParseError('rspamd', 'no "(default: …)" verdict section');
    // "(default: S (reject): [15.00/15.00] [GTUBE(0.00){},R_DKIM_NA(0.00){}]"
    let i = d + 10;
    const flag = p[i];
    const ao = p.indexOf('(', i);
    const ac = p.indexOf(')', ao);
    if (ao < 0 || ac < 0 || ao - i > 4) return new ParseError('rspamd', 'bad verdict section');
    const action = p.slice(ao + 1, ac);
    const so = p.indexOf('[', ac);
    const sc = p.indexOf(']', so);
    if (so < 0 || sc < 0) return new ParseError('rspamd', 'missing [score/required]');
    const [scoreS, reqS] = p.slice(so + 1, sc).split('/');
    const score = Number(scoreS);
    const required = Number(reqS);
    if (!Number.isFinite(score)) return new ParseError('rspamd', 'bad score');
    // Symbols list: NAME(score){options}, … with braces possibly holding commas; scan with depth.
    const symbols: string[] = [];
    i = sc + 1;
    while (p[i] === ' ') i++;
    if (p[i] === '[') {
      i++;
      let depth = 0;
      let tok = '';
      let inName = true;
      for (; i < p.length; i++) {
        const c = p[i]!;
        if (depth === 0 && c === ']') break;
        if (c === '{' || c === '(') {
          depth++;
          inName = false;
        } else if (c === '}' || c === ')') depth--;
        else if (depth === 0 && c === ',') {
          if (tok) symbols.push(tok);
          tok = '';
          inName = true;
        } else if (inName && depth === 0 && c !== ' ') tok += c;
      }
      if (tok) symbols.push(tok);
    }
    // Preamble: "2026-11-25 19:00:00 #1234(normal) <abcdef>; task; rspamd_task_write_log: id: <…>, …"
    let time: number | undefined;
    const ms = parseIsoLike(p.slice(0, 26), input.options.tzOffsetMinutes);
    if (!Number.isNaN(ms)) time = ms;
    const head = p.slice(0, d);
    const tail = p.slice(d);
    const src: Endpoint = {};
    const dst: Endpoint = {};
    const ip = field(head, 'ip: ');
    if (ip) src.ip = ip;
    const from = unangle(field(head, 'from: '));
    if (from) src.email = from;
    const rcpts = unangle(field(tail, 'rcpts: '));
    if (rcpts) {
      const first = rcpts.split(/>?,<?/, 1)[0];
      if (first) {
        dst.email = first;
        const dom = domainOfEmail(first);
        if (dom) dst.domain = dom;
      }
    }
    const v = verdict(action, symbols);
    const fields: Record<string, string | number | boolean | null> = { action, score, flag: flag ?? '' };
    const signature = v.virus ? symbolOptions(p, so, v.virus) : undefined;
    if (signature) fields.virus = signature;
    if (Number.isFinite(required)) fields.requiredScore = required;
    if (symbols.length) fields.symbols = symbols.slice(0, 100).join(',');
    const id = unangle(field(head, 'id: '));
    if (id) fields.messageId = id;
    const qid = unangle(field(head, 'qid: '));
    if (qid) fields.queueId = qid;
    if (rcpts) fields.rcpts = rcpts.slice(0, 1024);
    return makeEvent(input, {
      time,
      class: 'email_activity',
      activity: v.activity,
      severity: v.severity,
      disposition: v.disposition,
      sourceKind: 'mail',
      format: 'rspamd',
      device: { vendor: 'Rspamd', product: 'rspamd' },
      src,
      dst,
      rule: v.virus
        ? { id: v.virus, name: signature ?? v.virus, category: 'malware' }
        : symbols.length
          ? { id: symbols[0], name: symbols[0], category: v.activity }
          : undefined,
      fields,
    });
  },
};

function checkv2Symbols(sym: unknown): { names: string[]; top?: string } {
  if (sym === null || typeof sym !== 'object') return { names: [] };
  let top: string | undefined;
  let topScore = -Infinity;
  const names: string[] = [];
  for (const [name, v] of Object.entries(sym as Record<string, unknown>)) {
    names.push(name);
    const sc = v && typeof v === 'object' ? Number((v as { score?: unknown }).score) : NaN;
    if (Number.isFinite(sc) && sc > topScore) {
      topScore = sc;
      top = name;
    }
  }
  return { names, top };
}

export const rspamdCheckV2: FormatParser = {
  id: 'rspamd-checkv2',
  description: 'rspamd /checkv2 JSON reply',
  sourceKind: 'mail',
  input: 'json',
  sniff(input) {
    const j = input.json!;
    return typeof j.action === 'string' && 'required_score' in j && 'symbols' in j;
  },
  parse(input: ParseInput) {
    const j = input.json!;
    const action = str(j.action);
    const score = Number(j.score);
    if (!action || !Number.isFinite(score))
      return new ParseError('rspamd-checkv2', 'missing action or score');
    const { names, top } = checkv2Symbols(j.symbols);
    const v = verdict(action, names);
    let signature: string | undefined;
    if (v.virus) {
      const opt = (j.symbols as Record<string, { options?: unknown }>)[v.virus]?.options;
      if (Array.isArray(opt) && typeof opt[0] === 'string') signature = opt[0];
    }
    const fields: Record<string, string | number | boolean | null> = { action, score };
    const req = Number(j.required_score);
    if (Number.isFinite(req)) fields.requiredScore = req;
    if (names.length) fields.symbols = names.slice(0, 100).join(',');
    if (signature) fields.virus = signature;
    const mid = str(j['message-id']);
    if (mid) fields.messageId = mid.slice(0, 512);
    const qid = str(j['queue-id']);
    if (qid) fields.queueId = qid;
    return makeEvent(input, {
      class: 'email_activity',
      activity: v.activity,
      severity: v.severity,
      disposition: v.disposition,
      sourceKind: 'mail',
      format: 'rspamd-checkv2',
      device: { vendor: 'Rspamd', product: 'rspamd' },
      rule: v.virus
        ? { id: v.virus, name: signature ?? v.virus, category: 'malware' }
        : top
          ? { id: top, name: top, category: v.activity }
          : undefined,
      fields,
    });
  },
};
