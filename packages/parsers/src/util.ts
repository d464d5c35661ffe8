// Small shared helpers for the parsers: time conversion, numbers, IP checks, dispositions. Hand-written, no
// regex on the hot path unless it is anchored and linear.
import type { Severity } from '@mamori/core';

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

export function monthIndex(name: string): number | undefined {
  return MONTHS[name];
}

/** Parses up to `len` decimal digits at `s[i..]`; NaN when any is not a digit. */
export function digits(s: string, i: number, len: number): number {
  let n = 0;
  for (let k = 0; k < len; k++) {
    const c = s.charCodeAt(i + k) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return n;
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Milliseconds since the epoch from civil fields in a zone offset (minutes east of UTC); NaN if invalid. */
export function civilToMs(
  year: number,
  month0: number,
  day: number,
  h: number,
  m: number,
  s: number,
  ms: number,
  offsetMinutes: number,
): number {
  if (
    !(year >= 1970 && year <= 9999) ||
    !(month0 >= 0 && month0 <= 11) ||
    !(day >= 1 && day <= 31) ||
    !(h >= 0 && h <= 23) ||
    !(m >= 0 && m <= 59) ||
    !(s >= 0 && s <= 60)
  )
    return NaN;
  return Date.UTC(year, month0, day, h, m, s, ms) - offsetMinutes * 60000;
}

// Log lines mostly share their second with a recent line (per source; a mixed stream interleaves a few
// clocks): keep formatted seconds in a small direct-mapped cache and append the milliseconds
// (Date#toISOString was the largest single cost per line).
const ISO_SLOTS = 256;
const isoSec = new Float64Array(ISO_SLOTS).fill(NaN);
const isoPrefix: string[] = new Array<string>(ISO_SLOTS).fill('');

export function isoFromMs(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const whole = Math.floor(ms);
  const sec = Math.floor(whole / 1000);
  const slot = ((sec % ISO_SLOTS) + ISO_SLOTS) % ISO_SLOTS; // also for times before 1970 or after 2038
  if (isoSec[slot] !== sec) {
    const d = new Date(sec * 1000);
    if (Number.isNaN(d.getTime())) return undefined;
    const iso = d.toISOString();
    // Only the common "YYYY-MM-DDTHH:mm:ss.sssZ" shape is cached (not extended years).
    if (iso.length !== 24) return new Date(whole).toISOString();
    isoSec[slot] = sec;
    isoPrefix[slot] = iso.slice(0, 20);
  }
  const r = whole - sec * 1000;
  return isoPrefix[slot] + (r < 10 ? '00' : r < 100 ? '0' : '') + r + 'Z';
}

/** Zone suffix at s[i..]: "Z", "+09:00", "+0900", "+09"; returns minutes east, or undefined if none/invalid. */
function zoneAt(s: string, i: number): number | undefined {
  if (i >= s.length) return undefined;
  const c = s[i];
  if (c === 'Z' || c === 'z') return 0;
  if (c !== '+' && c !== '-') return undefined;
  const sign = c === '-' ? -1 : 1;
  const hh = digits(s, i + 1, 2);
  let mm = 0;
  if (s[i + 3] === ':') mm = digits(s, i + 4, 2);
  else if (i + 3 < s.length) mm = digits(s, i + 3, 2);
  if (Number.isNaN(hh) || Number.isNaN(mm) || hh > 14 || mm > 59) return undefined;
  return sign * (hh * 60 + mm);
}

/**
 * ISO-like "YYYY-MM-DD[T ]HH:MM:SS[.frac][zone]" (also "/" as date separator). Without a zone, `defaultOffset`
 * applies. Returns ms since epoch or NaN.
 */
export function parseIsoLike(s: string, defaultOffset: number): number {
  if (s.length < 19) return NaN;
  const y = digits(s, 0, 4);
  const sep = s[4];
  if ((sep !== '-' && sep !== '/') || s[7] !== sep) return NaN;
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const t = s[10];
  if (t !== 'T' && t !== ' ' && t !== 't') return NaN;
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const se = digits(s, 17, 2);
  if (s[13] !== ':' || s[16] !== ':') return NaN;
  let i = 19;
  let ms = 0;
  if (s[i] === '.' || s[i] === ',') {
    i++;
    let scale = 100;
    while (i < s.length) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      ms += c * scale;
      scale /= 10;
      i++;
    }
    ms = Math.floor(ms);
  }
  let off = defaultOffset;
  if (i < s.length) {
    const z = zoneAt(s, s[i] === ' ' ? i + 1 : i);
    if (z !== undefined) off = z;
  }
  return civilToMs(y, mo - 1, d, h, mi, se, ms, off);
}

/** "Wed Nov 25 19:15:14 2026" (ctime, no zone). */
export function parseCtime(s: string, offset: number): number {
  // Fixed layout: "Www Mmm dd hh:mm:ss yyyy" (day may be space padded).
  if (s.length < 24) return NaN;
  const mon = MONTHS[s.slice(4, 7)];
  if (mon === undefined) return NaN;
  const dayStr = s.slice(8, 10).trim();
  const day = Number(dayStr);
  if (s[13] !== ':' || s[16] !== ':') return NaN;
  return civilToMs(
    digits(s, 20, 4),
    mon,
    day,
    digits(s, 11, 2),
    digits(s, 14, 2),
    digits(s, 17, 2),
    0,
    offset,
  );
}

/** "25/Nov/2026:19:15:14 +0900" (Apache/nginx CLF, ModSecurity v2). */
export function parseClfTime(s: string, offset: number): number {
  if (s.length < 20 || s[2] !== '/' || s[6] !== '/' || s[11] !== ':') return NaN;
  const mon = MONTHS[s.slice(3, 6)];
  if (mon === undefined) return NaN;
  let i = 20;
  let ms = 0;
  if (s[i] === '.') {
    ms = Math.floor(Number('0.' + s.slice(i + 1, i + 7).replace(/[^0-9].*$/, '')) * 1000) || 0;
    while (i < s.length && s[i] !== ' ') i++;
  }
  const z = s[i] === ' ' ? zoneAt(s, i + 1) : undefined;
  return civilToMs(
    digits(s, 7, 4),
    mon,
    digits(s, 0, 2),
    digits(s, 12, 2),
    digits(s, 15, 2),
    digits(s, 18, 2),
    ms,
    z ?? offset,
  );
}

/** Epoch seconds/ms/µs/ns as a number or digit string → ms. */
export function epochToMs(v: number): number {
  if (!Number.isFinite(v) || v <= 0) return NaN;
  if (v > 1e17) return Math.floor(v / 1e6);
  if (v > 1e14) return Math.floor(v / 1e3);
  if (v > 1e11) return Math.floor(v);
  return Math.floor(v * 1000);
}

export function toInt(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : undefined;
  if (typeof v === 'string' && v.length > 0 && v.length < 20) {
    const n = Number(v);
    return Number.isFinite(n) ? Math.trunc(n) : undefined;
  }
  return undefined;
}

export function toPort(v: unknown): number | undefined {
  const n = toInt(v);
  return n !== undefined && n >= 0 && n <= 65535 ? n : undefined;
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Cheap IPv4/IPv6 literal check (shape only; the store validates again). */
export function looksLikeIp(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let dots = 0;
  let colons = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) dots++;
    else if (c === 58) colons++;
    else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 37))
      return false;
  }
  return dots === 3 || colons >= 2;
}

/** Splits "host:port" / "[v6]:port" / "ip" into parts. */
export function hostPort(s: string): { host: string; port?: number } {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end > 0) {
      const port = s[end + 1] === ':' ? toPort(s.slice(end + 2)) : undefined;
      return port === undefined ? { host: s.slice(1, end) } : { host: s.slice(1, end), port };
    }
  }
  const c = s.lastIndexOf(':');
  if (c > 0 && s.indexOf(':') === c) {
    const port = toPort(s.slice(c + 1));
    if (port !== undefined) return { host: s.slice(0, c), port };
  }
  return { host: s };
}

/** Host of an absolute URL ("http://h:p/x") or of "host:port" (CONNECT). */
export function urlHost(url: string): string | undefined {
  let i = url.indexOf('://');
  let start = i >= 0 ? i + 3 : 0;
  const at = url.indexOf('@', start);
  let end = url.length;
  for (i = start; i < url.length; i++) {
    const c = url[i];
    if (c === '/' || c === '?' || c === '#') {
      end = i;
      break;
    }
  }
  if (at >= 0 && at < end) start = at + 1;
  const hp = url.slice(start, end);
  if (hp.length === 0) return undefined;
  return hostPort(hp).host.toLowerCase();
}

export function domainOfEmail(addr: string | undefined): string | undefined {
  if (!addr) return undefined;
  const at = addr.lastIndexOf('@');
  return at >= 0 && at < addr.length - 1 ? addr.slice(at + 1).toLowerCase() : undefined;
}

const SEVERITY_WORDS: Record<string, Severity> = {
  emergency: 'critical',
  emerg: 'critical',
  alert: 'high',
  critical: 'critical',
  crit: 'critical',
  high: 'high',
  error: 'medium',
  err: 'medium',
  medium: 'medium',
  warning: 'low',
  warn: 'low',
  low: 'low',
  notice: 'informational',
  information: 'informational',
  informational: 'informational',
  info: 'informational',
  debug: 'informational',
  'very-high': 'critical',
  veryhigh: 'critical',
  unknown: 'informational',
};

export function severityFromWord(w: string | undefined, fallback: Severity): Severity {
  if (!w) return fallback;
  return SEVERITY_WORDS[w.toLowerCase()] ?? fallback;
}

/** 0–10 scale (CEF, LEEF) → severity. */
export function severityFrom10(n: number | undefined, fallback: Severity): Severity {
  if (n === undefined || !Number.isFinite(n)) return fallback;
  if (n >= 9) return 'critical';
  if (n >= 7) return 'high';
  if (n >= 4) return 'medium';
  if (n >= 1) return 'low';
  return 'informational';
}

export function lower(s: string | undefined): string {
  return s === undefined ? '' : s.toLowerCase();
}

/** Drops undefined values so events stay JSON-clean. */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
