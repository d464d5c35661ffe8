// Sigma values and modifiers → Tests. Strings use Sigma wildcards (* ?) with backslash escapes;
// matching is case-insensitive unless `cased`.
import { Test, type EvalCtx } from './nodes.js';
import { compileRegex, regexLiteral, UnsupportedRegexError, type LinearRegex } from './regex.js';
import { ValueMemo } from './memo.js';

/** Raised for a value or modifier the engine rejects; `unsupported` separates "valid Sigma we cannot run" from errors. */
export class ValueError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

// A Sigma string: literal chunks and wildcards.
export const ANY = 0;
export const ONE = 1;
export type Tok = string | typeof ANY | typeof ONE;

export function parseSigmaString(s: string): Tok[] {
  const out: Tok[] = [];
  let buf = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === '*' || n === '?' || n === '\\') {
        buf += n;
        i++;
      } else buf += c;
    } else if (c === '*' || c === '?') {
      if (buf) out.push(buf);
      buf = '';
      // Consecutive * collapse; they mean the same.
      if (c === '*' && out[out.length - 1] === ANY) continue;
      out.push(c === '*' ? ANY : ONE);
    } else buf += c;
  }
  if (buf) out.push(buf);
  return out;
}

function isPlain(t: Tok[]): boolean {
  return t.every((x) => typeof x === 'string');
}
function plainText(t: Tok[]): string {
  return t.map((x) => (typeof x === 'string' ? x : x === ANY ? '*' : '?')).join('');
}

// ---- string tests ------------------------------------------------------------------------------

class EqTest extends Test {
  override cost = 1;
  constructor(readonly s: string) {
    super();
    this.plainEq = true;
  }
  test(s: string): boolean {
    return s === this.s;
  }
  override literalPos(): number {
    return 3;
  }
  override eqValue(): string | undefined {
    return this.s;
  }
  override literal(): string | undefined {
    return this.s.toLowerCase();
  }
}
class PrefixTest extends Test {
  constructor(readonly s: string) {
    super();
  }
  test(s: string): boolean {
    return s.startsWith(this.s);
  }
  override literalPos(): number {
    return 1;
  }
  override literal(): string | undefined {
    return this.s.toLowerCase();
  }
}
class SuffixTest extends Test {
  constructor(readonly s: string) {
    super();
  }
  test(s: string): boolean {
    return s.endsWith(this.s);
  }
  override literalPos(): number {
    return 2;
  }
  override literal(): string | undefined {
    return this.s.toLowerCase();
  }
}
class ContainsTest extends Test {
  constructor(readonly s: string) {
    super();
  }
  test(s: string): boolean {
    return s.includes(this.s);
  }
  override literal(): string | undefined {
    return this.s.toLowerCase();
  }
}
/** Any non-null scalar (`*`). */
class AnyTest extends Test {
  test(): boolean {
    return true;
  }
}

// Segment of a glob that may contain `?` (any one UTF-16 unit).
function segAt(s: string, pos: number, seg: string): boolean {
  if (pos + seg.length > s.length) return false;
  for (let k = 0; k < seg.length; k++) {
    const c = seg.charCodeAt(k);
    if (c !== 0 && c !== s.charCodeAt(pos + k)) return false;
  }
  return true;
}
function segFind(s: string, from: number, seg: string, hasOne: boolean): number {
  if (!hasOne) return s.indexOf(seg, from);
  for (let p = from; p + seg.length <= s.length; p++) if (segAt(s, p, seg)) return p;
  return -1;
}

/** General wildcard pattern; greedy leftmost segment search is exact for `*`-separated segments. */
class GlobTest extends Test {
  override cost = 5;
  private readonly segs: string[];
  private readonly ones: boolean[];
  constructor(readonly toks: Tok[]) {
    super();
    // Segments between `*`; `?` becomes \0 inside a segment.
    const segs: string[] = [''];
    for (const t of toks) {
      if (t === ANY) segs.push('');
      else segs[segs.length - 1] += t === ONE ? '\0' : t;
    }
    this.segs = segs;
    this.ones = segs.map((x) => x.includes('\0'));
  }
  test(s: string): boolean {
    const segs = this.segs;
    const last = segs.length - 1;
    if (last === 0) return s.length === segs[0]!.length && segAt(s, 0, segs[0]!);
    const first = segs[0]!;
    if (!segAt(s, 0, first)) return false;
    let pos = first.length;
    const end = segs[last]!;
    const endPos = s.length - end.length;
    if (endPos < pos || !segAt(s, endPos, end)) return false;
    for (let k = 1; k < last; k++) {
      const at = segFind(s, pos, segs[k]!, this.ones[k]!);
      if (at < 0 || at + segs[k]!.length > endPos) return false;
      pos = at + segs[k]!.length;
    }
    return true;
  }
  override literal(): string | undefined {
    let best = '';
    for (const t of this.toks) if (typeof t === 'string' && t.length > best.length) best = t;
    return best ? best.toLowerCase() : undefined;
  }
}

export function stringTest(toks: Tok[], cased: boolean): Test {
  const norm = cased ? toks : toks.map((t) => (typeof t === 'string' ? t.toLowerCase() : t));
  let t: Test;
  const n = norm.length;
  const inner = norm.slice(norm[0] === ANY ? 1 : 0, norm[n - 1] === ANY && n > 1 ? n - 1 : n);
  const lead = norm[0] === ANY;
  const trail = n > 1 && norm[n - 1] === ANY;
  if (n === 0) t = new EqTest('');
  else if (n === 1 && norm[0] === ANY) t = new AnyTest();
  else if (inner.length === 1 && typeof inner[0] === 'string') {
    const s = inner[0];
    t =
      lead && trail
        ? new ContainsTest(s)
        : lead
          ? new SuffixTest(s)
          : trail
            ? new PrefixTest(s)
            : new EqTest(s);
  } else t = new GlobTest(norm);
  t.cased = cased;
  return t;
}

class RegexTest extends Test {
  override cost = 20;
  private readonly lit: string | undefined;
  // Log values repeat a lot (the same command lines, paths, user agents): remember recent answers
  // (128 values; ValueMemo, not a Map: values arrive as fresh strings, which a Map would hash first).
  // Made on first use, so compiled rules and their snapshots carry no empty memos.
  private memo: ValueMemo<boolean> | undefined;
  constructor(readonly re: LinearRegex) {
    super();
    this.cased = true; // the regex decides case handling (flag i or (?i))
    this.lit = regexLiteral(re.source);
  }
  test(s: string): boolean {
    if (s.length > 512) return this.re.test(s);
    const memo = (this.memo ??= new ValueMemo<boolean>(64));
    const m = memo.get(s);
    if (m !== undefined) return m;
    const r = this.re.test(s);
    memo.put(s, r);
    return r;
  }
  override literal(): string | undefined {
    return this.lit;
  }
}

type NumOp = 'lt' | 'lte' | 'gt' | 'gte' | 'eq';
function cmp(op: NumOp, a: number, b: number): boolean {
  switch (op) {
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    default:
      return a === b;
  }
}
function toNumber(s: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (s === '' || s.trim() === '') return NaN;
  return Number(s);
}

class NumTest extends Test {
  constructor(
    readonly op: NumOp,
    readonly n: number,
  ) {
    super();
  }
  test(s: string, v: unknown): boolean {
    const x = toNumber(s, v);
    return !Number.isNaN(x) && cmp(this.op, x, this.n);
  }
}

/** Equality with a YAML number: numeric compare, or string compare for values like "0x10". */
class NumEqTest extends Test {
  private readonly str: string;
  constructor(readonly n: number) {
    super();
    this.str = String(n);
  }
  test(s: string, v: unknown): boolean {
    if (typeof v === 'number') return v === this.n;
    return s === this.str || (s !== '' && Number(s) === this.n);
  }
  override eqValue(): string | undefined {
    return this.str;
  }
}

type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
function timePart(part: TimePart, t: number): number {
  const d = new Date(t);
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
    default: {
      // ISO week number.
      const x = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const day = x.getUTCDay() || 7;
      x.setUTCDate(x.getUTCDate() + 4 - day);
      const y0 = Date.UTC(x.getUTCFullYear(), 0, 1);
      return Math.ceil(((x.getTime() - y0) / 86400000 + 1) / 7);
    }
  }
}
class TimeTest extends Test {
  constructor(
    readonly part: TimePart,
    readonly op: NumOp,
    readonly n: number,
  ) {
    super();
    this.cased = true;
  }
  test(s: string, v: unknown): boolean {
    const t =
      typeof v === 'number'
        ? v > 1e11
          ? v
          : v * 1000
        : Date.parse(s.includes('T') || !s.includes(' ') ? s : s.replace(' ', 'T') + 'Z');
    return !Number.isNaN(t) && cmp(this.op, timePart(this.part, t), this.n);
  }
}

// ---- CIDR --------------------------------------------------------------------------------------

function parseIPv4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i]);
    if (b > 255) return undefined;
    n = n * 256 + b;
  }
  return n;
}
function parseIPv6(s: string): number[] | undefined {
  let str = s;
  const pct = str.indexOf('%');
  if (pct >= 0) str = str.slice(0, pct);
  if (str.startsWith('[') && str.endsWith(']')) str = str.slice(1, -1);
  let tail: number[] = [];
  const lastColon = str.lastIndexOf(':');
  if (str.includes('.') && lastColon >= 0) {
    const v4 = parseIPv4(str.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [Math.floor(v4 / 65536), v4 % 65536];
    str = str.slice(0, lastColon) + ':0:0';
  }
  const halves = str.split('::');
  if (halves.length > 2) return undefined;
  const parse = (x: string): number[] | undefined => {
    if (x === '') return [];
    const out: number[] = [];
    for (const p of x.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const a = parse(halves[0]!);
  const b = halves.length === 2 ? parse(halves[1]!) : [];
  if (!a || !b) return undefined;
  let words: number[];
  if (halves.length === 2) {
    if (a.length + b.length > 7) return undefined;
    words = [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
  } else words = a;
  if (words.length !== 8) return undefined;
  if (tail.length) words.splice(6, 2, ...tail);
  return words;
}

// A rule's CIDR list is many tests of one value (20 ranges of "public IP" rules): parse it once. The
// address of the last value asked for is kept (a pure function of the text, so exact).
let v4Text: string | undefined;
let v4Addr: number | undefined;
function ipv4Of(s: string): number | undefined {
  if (s !== v4Text) {
    let v = parseIPv4(s);
    if (v === undefined && s.startsWith('::ffff:')) v = parseIPv4(s.slice(7));
    v4Text = s;
    v4Addr = v;
  }
  return v4Addr;
}
let v6Text: string | undefined;
let v6Words: readonly number[] | undefined;
function ipv6Of(s: string): readonly number[] | undefined {
  if (s !== v6Text) {
    v6Words = parseIPv6(s);
    v6Text = s;
  }
  return v6Words;
}

class CidrTest extends Test {
  override cost = 8;
  private readonly v4?: { base: number; mask: number };
  private readonly v6?: { words: number[]; bits: number };
  constructor(readonly spec: string) {
    super();
    this.cased = true;
    const [addr, bitsStr] = spec.split('/');
    const v4 = parseIPv4(addr ?? '');
    if (v4 !== undefined) {
      const bits = bitsStr === undefined ? 32 : Number(bitsStr);
      if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new ValueError(`invalid CIDR '${spec}'`);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      this.v4 = { base: (v4 & mask) >>> 0, mask };
      return;
    }
    const v6 = parseIPv6(addr ?? '');
    const bits = bitsStr === undefined ? 128 : Number(bitsStr);
    if (!v6 || !Number.isInteger(bits) || bits < 0 || bits > 128)
      throw new ValueError(`invalid CIDR '${spec}'`);
    this.v6 = { words: v6, bits };
  }
  test(s: string): boolean {
    if (this.v4) {
      const v = ipv4Of(s);
      return v !== undefined && (v & this.v4.mask) >>> 0 === this.v4.base;
    }
    const w = ipv6Of(s);
    if (!w || !this.v6) return false;
    let bits = this.v6.bits;
    for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
      const take = Math.min(16, bits);
      const mask = (0xffff << (16 - take)) & 0xffff;
      if ((w[i]! & mask) !== (this.v6.words[i]! & mask)) return false;
    }
    return true;
  }
}

/** `fieldref`: compare with another field of the same event. */
class FieldRefTest extends Test {
  constructor(
    readonly otherFid: number,
    readonly mode: 'eq' | 'contains' | 'startswith' | 'endswith',
    cased: boolean,
  ) {
    super();
    this.cased = cased;
    this.refersToFields = true;
  }
  test(s: string, _v: unknown, ctx: EvalCtx): boolean {
    const o = this.cased ? ctx.str(this.otherFid) : ctx.lower(this.otherFid);
    if (o === undefined) return false;
    switch (this.mode) {
      case 'contains':
        return s.includes(o);
      case 'startswith':
        return s.startsWith(o);
      case 'endswith':
        return s.endsWith(o);
      default:
        return s === o;
    }
  }
}

// ---- encoders ----------------------------------------------------------------------------------

function bytesOf(s: string): Buffer {
  // Values after a utf16 modifier are byte strings (one char per byte); others are text → UTF-8.
  return /^[\0-\xff]*$/.test(s) ? Buffer.from(s, 'latin1') : Buffer.from(s, 'utf8');
}
function utf16(s: string, mode: 'le' | 'be' | 'bom'): string {
  const le = Buffer.from(s, 'utf16le');
  let b = le;
  if (mode === 'be') {
    b = Buffer.from(le);
    b.swap16();
  } else if (mode === 'bom') b = Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
  return b.toString('latin1');
}
function base64offset(s: string): string[] {
  const val = bytesOf(s);
  const start = [0, 2, 3];
  const endCut = [0, 3, 2];
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const enc = Buffer.concat([Buffer.alloc(i, 0x20), val]).toString('base64');
    const cut = endCut[(val.length + i) % 3]!;
    out.push(enc.slice(start[i], cut ? enc.length - cut : enc.length));
  }
  return out;
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];
function windash(toks: Tok[]): Tok[][] {
  let acc: Tok[][] = [[]];
  for (const t of toks) {
    if (typeof t !== 'string') {
      for (const a of acc) a.push(t);
      continue;
    }
    // Each dash-like character is replaced by every variant.
    let variants: string[] = [''];
    for (const ch of t) {
      if (DASHES.includes(ch)) {
        const next: string[] = [];
        for (const v of variants) for (const d of DASHES) next.push(v + d);
        variants = next;
      } else variants = variants.map((v) => v + ch);
      if (variants.length > 4096) throw new ValueError('windash expands to more than 4096 variants', true);
    }
    const nacc: Tok[][] = [];
    for (const a of acc) for (const v of variants) nacc.push([...a, v]);
    acc = nacc;
  }
  return acc;
}

// ---- modifier pipeline -------------------------------------------------------------------------

const KNOWN = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'windash',
  're',
  'i',
  'm',
  's',
  'ignorecase',
  'multiline',
  'dotall',
  'cidr',
  'lt',
  'lte',
  'gt',
  'gte',
  'exists',
  'fieldref',
  'expand',
  'cased',
  'neq',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
]);

export interface ValueSpec {
  groups: Test[][];
  all: boolean;
  neq: boolean;
  /** Set for `|exists`. */
  exists?: boolean;
  /** Only null values: `field: null`. */
  isNull?: boolean;
  warnings: string[];
}

export interface ValueEnv {
  fieldId(name: string): number;
  placeholders: Record<string, string[]>;
  unknownPlaceholders: 'reject' | 'empty';
}

function expandPlaceholders(s: string, env: ValueEnv, warnings: string[]): string[] {
  // `\%` is a plain percent; %name% is a placeholder.
  const parts: Array<string | { ph: string }> = [];
  let buf = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && s[i + 1] === '%') {
      buf += '%';
      i++;
    } else if (c === '%') {
      const end = s.indexOf('%', i + 1);
      if (end < 0) {
        buf += c;
        continue;
      }
      if (buf) parts.push(buf);
      buf = '';
      parts.push({ ph: s.slice(i + 1, end) });
      i = end;
    } else buf += c;
  }
  if (buf) parts.push(buf);
  let acc: string[] = [''];
  for (const p of parts) {
    if (typeof p === 'string') {
      acc = acc.map((a) => a + p);
      continue;
    }
    const vals = env.placeholders[p.ph];
    if (vals === undefined) {
      if (env.unknownPlaceholders === 'reject')
        throw new ValueError(`placeholder %${p.ph}% has no configured values`, true);
      warnings.push(`placeholder %${p.ph}% is not configured; it matches nothing`);
      return [];
    }
    if (vals.length === 0)
      warnings.push(`placeholder %${p.ph}% has no configured values; it matches nothing`);
    const next: string[] = [];
    for (const a of acc) for (const v of vals) next.push(a + v);
    acc = next;
  }
  return acc;
}

/** Build the tests for `field|mods: values` (field '' = keyword search). */
export function buildValueSpec(
  field: string,
  mods: string[],
  rawValues: unknown[],
  env: ValueEnv,
): ValueSpec {
  for (const m of mods) {
    if (!KNOWN.has(m)) throw new ValueError(`unknown modifier '${m}'`, true);
  }
  const has = (m: string): boolean => mods.includes(m);
  const warnings: string[] = [];
  const spec: ValueSpec = { groups: [], all: has('all'), neq: has('neq'), warnings };
  const cased = has('cased');

  if (has('exists')) {
    if (rawValues.length !== 1 || typeof rawValues[0] !== 'boolean')
      throw new ValueError('exists needs true or false');
    spec.exists = rawValues[0];
    return spec;
  }
  if (rawValues.length === 1 && rawValues[0] === null && mods.length === 0) {
    spec.isNull = true;
    return spec;
  }
  if (rawValues.some((v) => v === null))
    throw new ValueError('null cannot be combined with modifiers or other values in a list');
  for (const v of rawValues) {
    if (typeof v === 'object') throw new ValueError('value must be a string, number or boolean');
  }

  const numOp = (['lt', 'lte', 'gt', 'gte'] as const).find((m) => has(m));
  const timeP = (['minute', 'hour', 'day', 'week', 'month', 'year'] as const).find((m) => has(m));
  if (timeP) {
    for (const v of rawValues) {
      const n = Number(v);
      if (Number.isNaN(n)) throw new ValueError(`${timeP} needs a number, got '${String(v)}'`);
      spec.groups.push([new TimeTest(timeP, numOp ?? 'eq', n)]);
    }
    return spec;
  }
  if (numOp) {
    for (const v of rawValues) {
      const n = typeof v === 'number' ? v : Number(v);
      if (typeof v === 'boolean' || Number.isNaN(n) || String(v).trim() === '')
        throw new ValueError(`${numOp} needs a number, got '${String(v)}'`);
      spec.groups.push([new NumTest(numOp, n)]);
    }
    return spec;
  }
  if (has('cidr')) {
    for (const v of rawValues) spec.groups.push([new CidrTest(String(v))]);
    return spec;
  }
  if (has('fieldref')) {
    if (field === '') throw new ValueError('fieldref needs a field');
    const mode = has('contains')
      ? 'contains'
      : has('startswith')
        ? 'startswith'
        : has('endswith')
          ? 'endswith'
          : 'eq';
    for (const v of rawValues) spec.groups.push([new FieldRefTest(env.fieldId(String(v)), mode, cased)]);
    return spec;
  }
  if (has('re')) {
    for (const v of rawValues) {
      if (typeof v !== 'string') throw new ValueError('re needs a string');
      try {
        spec.groups.push([
          new RegexTest(
            compileRegex(v, {
              i: has('i') || has('ignorecase'),
              m: has('m') || has('multiline'),
              s: has('s') || has('dotall'),
            }),
          ),
        ]);
      } catch (err) {
        if (err instanceof UnsupportedRegexError) throw new ValueError(err.message, true);
        throw err;
      }
    }
    return spec;
  }
  for (const m of ['i', 'm', 's'])
    if (has(m)) throw new ValueError(`modifier '${m}' only applies after 're'`);

  for (const v of rawValues) {
    // Plain YAML numbers compare as numbers.
    if (typeof v === 'number' && mods.every((m) => m === 'all' || m === 'neq' || m === 'cased')) {
      spec.groups.push([new NumEqTest(v)]);
      continue;
    }
    const text = typeof v === 'string' ? v : String(v);
    let values: Tok[][];
    if (has('expand')) values = expandPlaceholders(text, env, warnings).map(parseSigmaString);
    else values = [parseSigmaString(text)];
    // Keywords are searched anywhere in the event's values: implicit contains.
    const eff =
      field === '' && !mods.some((m) => m === 'contains' || m === 'startswith' || m === 'endswith')
        ? [...mods, 'contains']
        : mods;
    // Modifiers apply in the order written.
    for (const m of eff) {
      switch (m) {
        case 'contains':
          values = values.map((t): Tok[] => [
            ...(t[0] === ANY ? [] : [ANY as Tok]),
            ...t,
            ...(t[t.length - 1] === ANY ? [] : [ANY as Tok]),
          ]);
          break;
        case 'startswith':
          values = values.map((t): Tok[] => (t[t.length - 1] === ANY ? t : [...t, ANY]));
          break;
        case 'endswith':
          values = values.map((t): Tok[] => (t[0] === ANY ? t : [ANY, ...t]));
          break;
        case 'windash':
          values = values.flatMap(windash);
          break;
        case 'utf16le':
        case 'wide':
        case 'utf16be':
        case 'utf16':
        case 'base64':
        case 'base64offset': {
          const out: Tok[][] = [];
          for (const t of values) {
            if (!isPlain(t))
              throw new ValueError(
                `${m} cannot encode wildcards (in '${plainText(t)}'); put contains/startswith/endswith after it`,
              );
            const s = t.join('');
            if (m === 'base64') out.push([bytesOf(s).toString('base64')]);
            else if (m === 'base64offset') for (const x of base64offset(s)) out.push([x]);
            else out.push([utf16(s, m === 'utf16be' ? 'be' : m === 'utf16' ? 'bom' : 'le')]);
          }
          values = out;
          break;
        }
        default:
          break;
      }
    }
    // Encoded values are case-sensitive by nature (base64 alphabet).
    const encoded = mods.some((m) => m === 'base64' || m === 'base64offset');
    spec.groups.push(values.map((t) => stringTest(t, cased || encoded)));
  }
  if (has('expand')) {
    // An empty expansion matches nothing: drop empty groups.
    spec.groups = spec.groups.filter((g) => g.length > 0);
  }
  return spec;
}

/** Every Test class, by name (engine snapshots restore compiled rules in another thread). */
export const testClasses = {
  EqTest,
  PrefixTest,
  SuffixTest,
  ContainsTest,
  AnyTest,
  GlobTest,
  RegexTest,
  NumTest,
  NumEqTest,
  TimeTest,
  CidrTest,
  FieldRefTest,
};
