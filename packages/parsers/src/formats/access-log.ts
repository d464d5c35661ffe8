// nginx / Apache access logs in the combined format (optionally prefixed by "vhost:port " as in Apache's
// vhost_combined): client - user [time] "request" status bytes "referer" "user-agent".
import type { Endpoint } from '@mamori/core';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser } from '../types.js';
import { looksLikeIp, parseClfTime } from '../util.js';

/** Quoted string at s[i] with \" and \\ escapes (Apache) or \xHH (nginx, kept as is). */
function quoted(s: string, i: number): { value: string; end: number } | undefined {
  if (s[i] !== '"') return undefined;
  let j = i + 1;
  let out = '';
  let from = j;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 92 && (s[j + 1] === '"' || s[j + 1] === '\\')) {
      out += s.slice(from, j) + s[j + 1];
      j += 2;
      from = j;
      continue;
    }
    if (c === 34) return { value: out + s.slice(from, j), end: j + 1 };
    j++;
  }
  return undefined;
}

function word(s: string, i: number): { value: string; end: number } {
  let j = i;
  while (j < s.length && s.charCodeAt(j) !== 32) j++;
  return { value: s.slice(i, j), end: j };
}

export const accessCombined: FormatParser = {
  id: 'access-combined',
  description: 'nginx / Apache combined access log (also vhost_combined)',
  sourceKind: 'web',
  input: 'text',
  sniff(input) {
    const p = input.payload;
    const b = p.indexOf(' [');
    const q = p.indexOf('] "');
    return b > 0 && b < 120 && q > b && q - b < 40 && p[b + 4] === '/';
  },
  parse(input) {
    const p = input.payload;
    let i = 0;
    let vhost: string | undefined;
    let a = word(p, i);
    let b = word(p, a.end + 1);
    // vhost_combined: "host:port client - user [time]"
    if (b.value !== '-' && p[word(p, b.end + 1).end + 1] !== '[' && p[b.end + 1] !== '[') {
      vhost = a.value;
      a = b;
      b = word(p, a.end + 1);
    }
    const client = a.value;
    const user = word(p, b.end + 1);
    i = user.end + 1;
    if (p[i] !== '[') return new ParseError('access-combined', 'expected "[time]" after client, ident, user');
    const close = p.indexOf(']', i);
    if (close < 0) return new ParseError('access-combined', 'unterminated [time]');
    const time = parseClfTime(p.slice(i + 1, close), input.options.tzOffsetMinutes);
    if (Number.isNaN(time))
      return new ParseError('access-combined', `bad time "${p.slice(i + 1, Math.min(close, i + 40))}"`);
    i = close + 2;
    const req = quoted(p, i);
    if (!req) return new ParseError('access-combined', 'expected quoted request line');
    i = req.end + 1;
    const st = word(p, i);
    const status = Number(st.value);
    if (!Number.isInteger(status) || status < 0 || status > 999)
      return new ParseError('access-combined', `bad status "${st.value.slice(0, 10)}"`);
    const by = word(p, st.end + 1);
    const bytes = by.value === '-' ? 0 : Number(by.value);
    i = by.end + 1;
    const ref = quoted(p, i);
    const ua = ref ? quoted(p, ref.end + 1) : undefined;
    const fields: Record<string, string | number | boolean | null> = {
      status,
      bytes: Number.isFinite(bytes) ? bytes : 0,
    };
    const rl = req.value;
    const s1 = rl.indexOf(' ');
    const s2 = rl.lastIndexOf(' ');
    if (s1 > 0) {
      fields.method = rl.slice(0, s1);
      fields.url = rl.slice(s1 + 1, s2 > s1 ? s2 : undefined).slice(0, 2048);
      if (s2 > s1) fields.protocol = rl.slice(s2 + 1);
    } else if (rl.length) fields.request = rl.slice(0, 2048);
    if (ref && ref.value !== '-') fields.referer = ref.value.slice(0, 1024);
    if (ua && ua.value !== '-') fields.userAgent = ua.value.slice(0, 512);
    const src: Endpoint = {};
    if (looksLikeIp(client)) src.ip = client;
    else src.hostname = client;
    if (user.value !== '-') src.user = user.value;
    const dst: Endpoint = {};
    if (vhost) dst.hostname = vhost.split(':')[0]!.toLowerCase();
    return makeEvent(input, {
      time,
      class: 'http_activity',
      activity: 'access',
      severity: 'informational',
      disposition: status === 403 ? 'blocked' : 'allowed',
      sourceKind: 'web',
      format: 'access-combined',
      device: { name: input.envelope?.host },
      src,
      dst,
      fields,
    });
  },
};
