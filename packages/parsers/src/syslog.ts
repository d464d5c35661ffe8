// Syslog envelope stripping: RFC 5424, RFC 3164 (with or without <PRI>, with or without host), and the
// rsyslog high-precision variant (ISO timestamp instead of "Mmm dd hh:mm:ss"). The payload is what each
// format parser sees; the envelope's host and time are kept for the event.
import type { Envelope } from './types.js';
import { civilToMs, digits, isoFromMs, monthIndex, parseIsoLike } from './util.js';

export interface Stripped {
  envelope?: Envelope;
  payload: string;
}

function isTagChar(c: number): boolean {
  // Letters, digits, and _ - . / (postfix/smtpd, systemd-logind, sshd)
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 45 ||
    c === 46 ||
    c === 47
  );
}

/** Parses "TAG[PID]: " at s[i..]; returns the payload start, or -1. */
function tagAt(s: string, i: number, env: Envelope): number {
  const start = i;
  const max = Math.min(s.length, i + 64);
  while (i < max && isTagChar(s.charCodeAt(i))) i++;
  if (i === start) return -1;
  const tagEnd = i;
  let pid: string | undefined;
  if (s[i] === '[') {
    const close = s.indexOf(']', i);
    if (close < 0 || close - i > 24) return -1;
    pid = s.slice(i + 1, close);
    i = close + 1;
  }
  if (s[i] !== ':') return -1;
  i++;
  if (i < s.length && s[i] !== ' ') return -1;
  env.app = s.slice(start, tagEnd);
  if (pid !== undefined) env.pid = pid;
  return i < s.length ? i + 1 : i;
}

/** RFC 3164 timestamp "Mmm dd hh:mm:ss" at s[i..]; returns ms or NaN. Year inferred from `nowMs`. */
function bsdTime(s: string, i: number, offset: number, nowMs: number): number {
  const mon = monthIndex(s.slice(i, i + 3));
  if (mon === undefined || s[i + 3] !== ' ') return NaN;
  const day = s[i + 4] === ' ' ? digits(s, i + 5, 1) : digits(s, i + 4, 2);
  if (s[i + 6] !== ' ' || s[i + 9] !== ':' || s[i + 12] !== ':') return NaN;
  const h = digits(s, i + 7, 2);
  const m = digits(s, i + 10, 2);
  const sec = digits(s, i + 13, 2);
  const now = new Date(nowMs);
  const year = now.getUTCFullYear();
  let ms = civilToMs(year, mon, day, h, m, sec, 0, offset);
  // A December line read in January belongs to last year: allow at most ~1 month into the future.
  if (ms - nowMs > 32 * 86400000) ms = civilToMs(year - 1, mon, day, h, m, sec, 0, offset);
  return ms;
}

function isBsdTimeAt(s: string, i: number): boolean {
  return (
    s.length >= i + 15 &&
    s[i + 3] === ' ' &&
    s[i + 9] === ':' &&
    s[i + 12] === ':' &&
    monthIndex(s.slice(i, i + 3)) !== undefined
  );
}

function isIsoAt(s: string, i: number): boolean {
  // "2026-11-25T19:15:14" — the 'T' distinguishes an envelope from payloads that start with a date.
  return s.length >= i + 20 && s[i + 4] === '-' && s[i + 7] === '-' && s[i + 10] === 'T' && s[i + 13] === ':';
}

/** Payloads that arrive with no tag after the host (CEF/LEEF over syslog). */
function startsUntagged(s: string, i: number): boolean {
  return s.startsWith('CEF:', i) || s.startsWith('LEEF:', i);
}

function skipSd(s: string, i: number): number {
  // Structured data: "-" or one or more "[id k="v" …]" with \" \] \\ escapes inside values.
  if (s[i] === '-') return i + 1;
  while (s[i] === '[') {
    i++;
    let inQuote = false;
    while (i < s.length) {
      const c = s[i];
      if (c === '\\' && inQuote) {
        i += 2;
        continue;
      }
      if (c === '"') inQuote = !inQuote;
      else if (c === ']' && !inQuote) break;
      i++;
    }
    if (i >= s.length) return -1;
    i++;
  }
  return i;
}

function nilOr(s: string): string | undefined {
  return s === '-' ? undefined : s;
}

export function stripSyslog(line: string, offset: number, nowMs: number): Stripped {
  let i = 0;
  let pri = -1;
  if (line.charCodeAt(0) === 60 /* < */) {
    const close = line.indexOf('>');
    if (close > 1 && close <= 4) {
      const p = digits(line, 1, close - 1);
      if (!Number.isNaN(p) && p <= 191) {
        pri = p;
        i = close + 1;
      }
    }
  }
  // RFC 5424: "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG"
  if (pri >= 0 && line[i] === '1' && line[i + 1] === ' ') {
    const parts: string[] = [];
    let j = i + 2;
    for (let k = 0; k < 5; k++) {
      const sp = line.indexOf(' ', j);
      if (sp < 0) return { payload: line.slice(i) };
      parts.push(line.slice(j, sp));
      j = sp + 1;
    }
    const sdEnd = skipSd(line, j);
    if (sdEnd < 0) return { payload: line.slice(i) };
    const env: Envelope = { kind: 'rfc5424', facility: pri >> 3, syslogSeverity: pri & 7 };
    const t = nilOr(parts[0]!);
    if (t) env.time = isoFromMs(parseIsoLike(t, offset));
    const host = nilOr(parts[1]!);
    if (host) env.host = host;
    const app = nilOr(parts[2]!);
    if (app) env.app = app;
    const pid = nilOr(parts[3]!);
    if (pid) env.pid = pid;
    const msgId = nilOr(parts[4]!);
    if (msgId) env.msgId = msgId;
    if (line[j] !== '-') env.structuredData = line.slice(j, sdEnd);
    let p = sdEnd;
    if (line[p] === ' ') p++;
    if (line.charCodeAt(p) === 0xfeff) p++;
    return { envelope: env, payload: line.slice(p) };
  }
  // RFC 3164 / rsyslog: optional PRI, then a timestamp; without a timestamp there is no envelope to strip
  // beyond the PRI (FortiGate sends "<189>date=… time=…").
  let ms: number;
  let j: number;
  if (isBsdTimeAt(line, i)) {
    ms = bsdTime(line, i, offset, nowMs);
    j = i + 15;
    // Some devices append the year: "Nov 25 19:15:14 2026 host"
    if (line[j] === ' ' && digits(line, j + 1, 4) >= 1970 && line[j + 5] === ' ') j += 5;
  } else if (isIsoAt(line, i)) {
    const sp = line.indexOf(' ', i);
    if (sp < 0) return { payload: line };
    ms = parseIsoLike(line.slice(i, sp), offset);
    if (Number.isNaN(ms)) return { payload: line };
    j = sp;
  } else {
    if (pri < 0) return { payload: line };
    return {
      envelope: { kind: 'rfc3164', facility: pri >> 3, syslogSeverity: pri & 7 },
      payload: line.slice(i),
    };
  }
  if (Number.isNaN(ms)) return { payload: line };
  const env: Envelope = { kind: 'rfc3164' };
  if (pri >= 0) {
    env.facility = pri >> 3;
    env.syslogSeverity = pri & 7;
  }
  const time = isoFromMs(ms);
  if (time) env.time = time;
  if (line[j] !== ' ') return { envelope: env, payload: line.slice(j) };
  j++;
  if (startsUntagged(line, j)) return { envelope: env, payload: line.slice(j) };
  // Either "HOST TAG: msg" or (local logs) "TAG: msg".
  const p0 = tagAt(line, j, env);
  if (p0 >= 0) return { envelope: env, payload: line.slice(p0) };
  const sp = line.indexOf(' ', j);
  if (sp < 0) return { envelope: env, payload: line.slice(j) };
  env.host = line.slice(j, sp);
  j = sp + 1;
  if (startsUntagged(line, j)) return { envelope: env, payload: line.slice(j) };
  const p1 = tagAt(line, j, env);
  return { envelope: env, payload: p1 >= 0 ? line.slice(p1) : line.slice(j) };
}
