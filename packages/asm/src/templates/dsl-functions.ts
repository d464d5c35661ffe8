// DSL helper functions (the ones the template corpus uses most). Strings are byte strings (see bytes.ts).
import { createHash, createHmac, randomInt } from 'node:crypto';
import { deflateRawSync, gunzipSync, gzipSync, inflateRawSync, inflateSync, deflateSync } from 'node:zlib';
import { compileRegex, regexReplaceAll } from './regex.js';
import { satisfiesConstraint } from '../vulndb/version.js';
import type { EvalContext, Value } from './dsl.js';

type Fn = (args: Value[], ctx: EvalContext) => Value;

class DslArgError extends Error {
  constructor(fn: string, reason: string) {
    super(`${fn}(): ${reason}`);
    this.name = 'DslEvalError';
  }
}

function s(v: Value | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v.map((x) => s(x)).join(',');
}

function n(v: Value | undefined, fn: string): number {
  const x = typeof v === 'number' ? v : Number(s(v).trim());
  if (Number.isNaN(x)) throw new DslArgError(fn, `not a number: ${s(v).slice(0, 40)}`);
  return x;
}

function need(args: Value[], min: number, fn: string): void {
  if (args.length < min) throw new DslArgError(fn, `needs at least ${min} argument(s)`);
}

const bytes = (v: Value | undefined) => Buffer.from(s(v), 'latin1');
const hash = (alg: string) => (a: Value[]) => createHash(alg).update(bytes(a[0])).digest('hex');
const MAX_OUT = 8 * 1024 * 1024;

function capped(out: string, fn: string): string {
  if (out.length > MAX_OUT) throw new DslArgError(fn, 'result too large');
  return out;
}

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
function randFrom(charset: string, len: number, bad = ''): string {
  const cs = [...charset].filter((c) => !bad.includes(c)).join('') || charset;
  let out = '';
  const l = Math.min(Math.max(0, Math.trunc(len)), 4096);
  for (let i = 0; i < l; i++) out += cs[randomInt(cs.length)];
  return out;
}

// MurmurHash3 x86 32-bit, seed 0, as a signed decimal (the favicon hash format).
export function mmh3(data: Buffer): string {
  let h = 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const len = data.length;
  const blocks = len - (len % 4);
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = len & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= data[blocks + 2]! << 16;
    if (tail >= 2) k ^= data[blocks + 1]! << 8;
    k ^= data[blocks]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return String(h | 0);
}

function base64Py(buf: Buffer): string {
  // Python's base64.encodebytes: lines of 76 characters, each ending in "\n".
  const b64 = buf.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) out += b64.slice(i, i + 76) + '\n';
  return out;
}

function trimSet(str: string, cut: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = str.length;
  if (left) while (a < b && cut.includes(str[a]!)) a++;
  if (right) while (b > a && cut.includes(str[b - 1]!)) b--;
  return str.slice(a, b);
}

function dateTime(format: string, when: Date): string {
  const p = (x: number, w = 2) => String(x).padStart(w, '0');
  const Y = when.getUTCFullYear();
  const M = when.getUTCMonth() + 1;
  const D = when.getUTCDate();
  const h = when.getUTCHours();
  const m = when.getUTCMinutes();
  const sec = when.getUTCSeconds();
  if (format.includes('%')) {
    return format
      .replaceAll('%Y', String(Y))
      .replaceAll('%M', p(M))
      .replaceAll('%D', p(D))
      .replaceAll('%H', p(h))
      .replaceAll('%m', p(m))
      .replaceAll('%S', p(sec));
  }
  // Go reference layout (2006-01-02 15:04:05).
  return format
    .replaceAll('2006', String(Y))
    .replaceAll('01', p(M))
    .replaceAll('02', p(D))
    .replaceAll('15', p(h))
    .replaceAll('04', p(m))
    .replaceAll('05', p(sec));
}

function urlEncode(str: string): string {
  // Go url.QueryEscape: spaces become '+', everything outside [A-Za-z0-9-_.~] is %XX (byte-wise).
  let out = '';
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    const ch = str[i]!;
    if (/[A-Za-z0-9\-_.~]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else out += '%' + c.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function urlDecode(str: string): string {
  return str
    .replace(/\+/g, ' ')
    .replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const HTML_ESC: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
};

export const dslFunctions: Record<string, Fn> = {
  contains: (a) => (need(a, 2, 'contains'), s(a[0]).includes(s(a[1]))),
  contains_all: (a) => (need(a, 2, 'contains_all'), a.slice(1).every((x) => s(a[0]).includes(s(x)))),
  contains_any: (a) => (need(a, 2, 'contains_any'), a.slice(1).some((x) => s(a[0]).includes(s(x)))),
  equals_any: (a) => a.slice(1).some((x) => s(x) === s(a[0])),
  starts_with: (a) => a.slice(1).some((x) => s(a[0]).startsWith(s(x))),
  ends_with: (a) => a.slice(1).some((x) => s(a[0]).endsWith(s(x))),
  line_starts_with: (a) =>
    s(a[0])
      .split('\n')
      .some((l) => a.slice(1).some((x) => l.startsWith(s(x)))),
  line_ends_with: (a) =>
    s(a[0])
      .split('\n')
      .some((l) => a.slice(1).some((x) => l.replace(/\r$/, '').endsWith(s(x)))),
  to_lower: (a) => s(a[0]).toLowerCase(),
  tolower: (a) => s(a[0]).toLowerCase(),
  to_upper: (a) => s(a[0]).toUpperCase(),
  toupper: (a) => s(a[0]).toUpperCase(),
  len: (a) => (Array.isArray(a[0]) ? a[0].length : s(a[0]).length),
  concat: (a) => capped(a.map((x) => s(x)).join(''), 'concat'),
  join: (a) => {
    const sep = s(a[0]);
    const items = a.slice(1).flatMap((x) => (Array.isArray(x) ? x : [x]));
    return capped(items.map((x) => s(x)).join(sep), 'join');
  },
  split: (a) => s(a[0]).split(s(a[1])),
  repeat: (a) => {
    const times = Math.max(0, Math.trunc(n(a[1], 'repeat')));
    if (s(a[0]).length * times > MAX_OUT) throw new DslArgError('repeat', 'result too large');
    return s(a[0]).repeat(times);
  },
  reverse: (a) => [...s(a[0])].reverse().join(''),
  substr: (a) => {
    const str = s(a[0]);
    const start = n(a[1], 'substr');
    const end = a.length > 2 ? n(a[2], 'substr') : str.length;
    return str.slice(start, end);
  },
  count: (a) => {
    const sub = s(a[1]);
    return sub === '' ? 0 : s(a[0]).split(sub).length - 1;
  },
  replace: (a) => (need(a, 3, 'replace'), capped(s(a[0]).split(s(a[1])).join(s(a[2])), 'replace')),
  replace_regex: (a) => (
    need(a, 3, 'replace_regex'),
    regexReplaceAll(compileRegex(s(a[1])), s(a[0]), s(a[2]))
  ),
  regex: (a) => (need(a, 2, 'regex'), compileRegex(s(a[0])).test(s(a[1]))),
  regex_all: (a) => a.slice(1).every((x) => compileRegex(s(a[0])).test(s(x))),
  regex_any: (a) => a.slice(1).some((x) => compileRegex(s(a[0])).test(s(x))),
  trim: (a) => trimSet(s(a[0]), s(a[1]), true, true),
  trim_left: (a) => trimSet(s(a[0]), s(a[1]), true, false),
  trim_right: (a) => trimSet(s(a[0]), s(a[1]), false, true),
  trim_space: (a) => s(a[0]).trim(),
  trim_prefix: (a) => (s(a[0]).startsWith(s(a[1])) ? s(a[0]).slice(s(a[1]).length) : s(a[0])),
  trim_suffix: (a) =>
    s(a[1]) !== '' && s(a[0]).endsWith(s(a[1])) ? s(a[0]).slice(0, -s(a[1]).length) : s(a[0]),
  md5: hash('md5'),
  sha1: hash('sha1'),
  sha256: hash('sha256'),
  sha512: hash('sha512'),
  hmac: (a) => createHmac(s(a[0]).toLowerCase(), bytes(a[2])).update(bytes(a[1])).digest('hex'),
  crc32: (a) => {
    let c = ~0;
    for (const b of bytes(a[0])) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return (~c >>> 0).toString();
  },
  mmh3: (a) => mmh3(bytes(a[0])),
  base64: (a) => bytes(a[0]).toString('base64'),
  base64_py: (a) => base64Py(bytes(a[0])),
  base64_decode: (a) => Buffer.from(s(a[0]), 'base64').toString('latin1'),
  hex_encode: (a) => bytes(a[0]).toString('hex'),
  hex_decode: (a) => {
    const h = s(a[0]).replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new DslArgError('hex_decode', 'not hex');
    return Buffer.from(h, 'hex').toString('latin1');
  },
  url_encode: (a) => urlEncode(s(a[0])),
  urlencode: (a) => urlEncode(s(a[0])),
  url_decode: (a) => urlDecode(s(a[0])),
  urldecode: (a) => urlDecode(s(a[0])),
  html_escape: (a) => s(a[0]).replace(/[&<>"']/g, (c) => HTML_ESC[c]!),
  html_unescape: (a) =>
    s(a[0])
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&#34;|&quot;/g, '"')
      .replace(/&#39;|&apos;/g, "'")
      .replace(/&amp;/g, '&'),
  gzip: (a) => gzipSync(bytes(a[0])).toString('latin1'),
  gzip_decode: (a) => gunzipSync(bytes(a[0]), { maxOutputLength: MAX_OUT }).toString('latin1'),
  zlib: (a) => deflateSync(bytes(a[0])).toString('latin1'),
  zlib_decode: (a) => inflateSync(bytes(a[0]), { maxOutputLength: MAX_OUT }).toString('latin1'),
  deflate: (a) => deflateRawSync(bytes(a[0])).toString('latin1'),
  inflate: (a) => inflateRawSync(bytes(a[0]), { maxOutputLength: MAX_OUT }).toString('latin1'),
  compare_versions: (a) => {
    need(a, 2, 'compare_versions');
    const v = s(a[0]);
    if (v.trim() === '') return false;
    return a.slice(1).every((c) => satisfiesConstraint(v, s(c)));
  },
  to_number: (a) => n(a[0], 'to_number'),
  to_string: (a) => s(a[0]),
  dec_to_hex: (a) => Math.trunc(n(a[0], 'dec_to_hex')).toString(16),
  hex_to_dec: (a) => parseInt(s(a[0]).replace(/^0x/i, ''), 16),
  oct_to_dec: (a) => parseInt(s(a[0]).replace(/^0o/i, ''), 8),
  bin_to_dec: (a) => parseInt(s(a[0]).replace(/^0b/i, ''), 2),
  unix_time: (a) => Math.floor(Date.now() / 1000) + (a.length ? n(a[0], 'unix_time') : 0),
  to_unix_time: (a) => {
    const t = Date.parse(s(a[0]));
    if (Number.isNaN(t)) throw new DslArgError('to_unix_time', 'bad date');
    return Math.floor(t / 1000);
  },
  date_time: (a) => {
    const when = a.length > 1 ? new Date(n(a[1], 'date_time') * 1000) : new Date();
    return dateTime(s(a[0]), when);
  },
  rand_base: (a) =>
    randFrom(a.length > 1 && s(a[1]) !== '' ? s(a[1]) : ALPHA + DIGITS, n(a[0] ?? 8, 'rand_base')),
  rand_char: (a) => randFrom(a.length > 0 && s(a[0]) !== '' ? s(a[0]) : ALPHA + DIGITS, 1),
  rand_text_alpha: (a) => randFrom(ALPHA, n(a[0] ?? 8, 'rand_text_alpha'), s(a[1])),
  rand_text_alphanumeric: (a) => randFrom(ALPHA + DIGITS, n(a[0] ?? 8, 'rand_text_alphanumeric'), s(a[1])),
  rand_text_numeric: (a) => randFrom(DIGITS, n(a[0] ?? 8, 'rand_text_numeric'), s(a[1])),
  rand_int: (a) => {
    const min = a.length > 0 ? n(a[0], 'rand_int') : 0;
    const max = a.length > 1 ? n(a[1], 'rand_int') : 2 ** 31 - 1;
    return max > min ? randomInt(Math.trunc(min), Math.trunc(max)) : Math.trunc(min);
  },
  rand_ip: () => `${randomInt(1, 224)}.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`,
  json_minify: (a) => JSON.stringify(JSON.parse(s(a[0]))),
  json_prettify: (a) => JSON.stringify(JSON.parse(s(a[0])), null, 4),
  print_debug: () => true,
  generate_jwt: (a) => {
    // generate_jwt(json, algorithm, secret?, maxAgeSeconds?): none and HMAC (HS256/384/512) only.
    need(a, 1, 'generate_jwt');
    const alg = (a.length > 1 && s(a[1]) !== '' ? s(a[1]) : 'HS256').toUpperCase();
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(s(a[0]), 'latin1').toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new DslArgError('generate_jwt', 'claims are not JSON');
    }
    if (a.length > 3) {
      const now = Math.floor(Date.now() / 1000);
      claims = { ...claims, iat: now, exp: now + n(a[3], 'generate_jwt') };
    }
    const b64u = (b: Buffer) => b.toString('base64url');
    const head = b64u(Buffer.from(JSON.stringify({ alg: alg === 'NONE' ? 'none' : alg, typ: 'JWT' })));
    const body = b64u(Buffer.from(JSON.stringify(claims)));
    if (alg === 'NONE') return `${head}.${body}.`;
    const hmacAlg = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
    if (!hmacAlg)
      throw new DslArgError('generate_jwt', `algorithm ${alg} not supported (none, HS256, HS384, HS512)`);
    const sig = createHmac(hmacAlg, bytes(a[2])).update(`${head}.${body}`).digest();
    return `${head}.${body}.${b64u(sig)}`;
  },
  zip: (a) => {
    // zip(name1, content1, name2, content2, …): a stored (uncompressed) ZIP archive.
    need(a, 2, 'zip');
    const entries: Array<{ name: Buffer; data: Buffer; crc: number; offset: number }> = [];
    const parts: Buffer[] = [];
    let offset = 0;
    for (let i = 0; i + 1 < a.length; i += 2) {
      const name = bytes(a[i]);
      const data = bytes(a[i + 1]);
      const crc = Number(dslFunctions['crc32']!([a[i + 1]!], {} as EvalContext));
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(data.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(name.length, 26);
      parts.push(local, name, data);
      entries.push({ name, data, crc, offset });
      offset += 30 + name.length + data.length;
    }
    const dirStart = offset;
    for (const e of entries) {
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(20, 4);
      c.writeUInt16LE(20, 6);
      c.writeUInt32LE(e.crc, 16);
      c.writeUInt32LE(e.data.length, 20);
      c.writeUInt32LE(e.data.length, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt32LE(e.offset, 42);
      parts.push(c, e.name);
      offset += 46 + e.name.length;
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(offset - dirStart, 12);
    end.writeUInt32LE(dirStart, 16);
    parts.push(end);
    return capped(Buffer.concat(parts).toString('latin1'), 'zip');
  },
};

// Older spellings some templates still use.
const ALIASES: Record<string, string> = {
  randbase: 'rand_base',
  randint: 'rand_int',
  startswith: 'starts_with',
  endswith: 'ends_with',
  trimprefix: 'trim_prefix',
  trimsuffix: 'trim_suffix',
  trimleft: 'trim_left',
  trimright: 'trim_right',
  trimspace: 'trim_space',
  hexdecode: 'hex_decode',
  hexencode: 'hex_encode',
  base64decode: 'base64_decode',
  urlencode: 'url_encode',
  tostring: 'to_string',
  tonumber: 'to_number',
};
for (const [alias, name] of Object.entries(ALIASES)) dslFunctions[alias] ??= dslFunctions[name]!;
