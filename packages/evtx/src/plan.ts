// Compiled templates: the fast path from a record to its regression-JSON object.
//
// Records of a log repeat a few templates; what changes is the substitution values. A template's
// content is compiled once (per distinct content, across chunks and files) into a JavaScript function
// that builds the event object directly with fixed shapes and decodes only the values it places, so a
// record costs its template-instance header, the values used and the object, not a walk over nodes.
// With a FieldFilter the function also leaves out the elements the consumer never reads (System
// children and EventData/UserData fields no rule names), and their values are never decoded.
//
// The output is the same as renderJson's for the same record (test/plan.test.ts checks it on every
// sample); templates with constructs the compiler does not handle (nested template instances in the
// content, non-literal Data names) and records with nested BinXML values use the generic renderer.
import type { ElementNode, Node } from './binxml.js';
import type { JsonObject, JsonValue } from './render.js';
import { NestedXml, type Value } from './values.js';

/** What the consumer of events reads (e.g. a Sigma engine's field set). */
export interface FieldFilter {
  /**
   * Element names and EventData `Name`s that are read: System children (EventID, Channel, Provider…),
   * EventData / UserData fields. Anything else below Event.System, Event.EventData and the UserData
   * wrapper may be left out. null: keep everything (compiled templates without filtering).
   */
  readonly names: ReadonlySet<string> | null;
  /**
   * True when events of this channel and EventID need every EventData/UserData value (keyword searches);
   * System elements are still filtered by `names`. Must give the same answer for the same arguments: the
   * reader remembers recent answers.
   */
  full(channel: string | undefined, eventId: number): boolean;
}

/** Access to the substitution values of the record being rendered. */
export interface PlanValues {
  /** Value i (undefined when absent). */
  v(i: number): Value | undefined;
  /** Value i, kept for the rest of the instance (for values read twice: Channel and EventID). */
  m(i: number): Value | undefined;
  /** Value i is nested BinXML. */
  x(i: number): boolean;
  /**
   * Value i as nested BinXML in element content, rendered as the keys it adds to its parent (scope: where
   * the parent sits, for the filter); null when absent.
   */
  n(i: number, scope: string): JsonObject | null;
}

/** Thrown by the values or helpers when a record needs the generic renderer after all. */
export const FALLBACK = new Error('generic renderer needed');

type Src = { lit: string } | { sub: number } | null;

type Fn = (r: PlanValues) => JsonObject;

export interface Plan {
  /** Where System/Channel and System/EventID take their text from, for FieldFilter.full. */
  readonly channel: Src;
  readonly eventId: Src;
  /** Generated functions by kind ('top', or the scope of a nested fragment); null: not compilable. */
  readonly fns: Map<string, Fn | null>;
  readonly filtered: WeakMap<FieldFilter, Map<string, Fn | null>>;
  readonly content: Node[];
  /** The last planFn answer (most records of a template ask the same question). */
  // The filter is held weakly: plans outlive the engines (and their filters) that read with them.
  last: { filter: WeakRef<FieldFilter> | undefined; kind: string; allData: boolean; fn: Fn | null } | null;
}

class Unsupported extends Error {}

function scalarText(v: Value): string {
  if (v === null) return '';
  if (Array.isArray(v)) return v.map(scalarText).join(',');
  if (v instanceof NestedXml) return '';
  return String(v);
}

/**
 * String#trim, returning at once when both ends are printable ASCII (most values): nothing to trim then,
 * and the check is cheaper than the built-in's call.
 */
function trim(v: string): string {
  const n = v.length;
  if (n === 0) return v;
  const a = v.charCodeAt(0);
  const b = v.charCodeAt(n - 1);
  return a > 0x20 && a < 0x7f && b > 0x20 && b < 0x7f ? v : v.trim();
}

// Runtime helpers of the generated code; semantics mirror render.ts (attrValue, elementJson).
const helpers = {
  /** An attribute that is one substitution: the typed value, or undefined when absent. */
  a(v: Value | undefined): JsonValue | undefined {
    return v === undefined || v === null || v instanceof NestedXml ? undefined : (v as JsonValue);
  },
  /** An attribute made of several parts (literals as strings, substitution values). */
  j(parts: Array<{ s: string } | Value | undefined>): string | undefined {
    let s = '';
    let any = false;
    for (const p of parts) {
      if (p !== null && typeof p === 'object' && !Array.isArray(p) && !(p instanceof NestedXml)) {
        s += (p as { s: string }).s;
        any = true;
      } else if (p !== undefined && p !== null) {
        s += scalarText(p as Value);
        any = true;
      }
    }
    return any ? s : undefined;
  },
  /** Attributes with substitution values: absent ones left out, null when none remain. */
  A(o: Record<string, JsonValue | undefined>): JsonObject | null {
    let n = 0;
    let missing = false;
    for (const k in o) {
      if (o[k] === undefined) missing = true;
      else n++;
    }
    if (n === 0) return null;
    if (!missing) return o as JsonObject;
    const out: JsonObject = {};
    for (const k in o) if (o[k] !== undefined) out[k] = o[k]!;
    return out;
  },
  /** Element text from one substitution: the value, trimmed when a string; null when absent. */
  t(v: Value | undefined): JsonValue {
    if (v === undefined || v === null) return null;
    return typeof v === 'string' ? trim(v) : (v as JsonValue);
  },
  /** Element text from several parts ({s} literal text, or values). */
  m(parts: Array<{ s: string } | Value | undefined>): JsonValue {
    const t: Value[] = [];
    for (const p of parts) {
      if (p !== null && typeof p === 'object' && !Array.isArray(p) && !(p instanceof NestedXml))
        t.push((p as { s: string }).s);
      else if (p !== undefined && p !== null) t.push(p as Value);
    }
    if (t.length === 0) return null;
    const text = t.length === 1 ? (t[0] as JsonValue) : t.map(scalarText).join('');
    return typeof text === 'string' ? text.trim() : text;
  },
  /** Element whose content is one substitution: text, or nested BinXML (UserData, EventData). */
  S(attrs: JsonObject | null, r: PlanValues, i: number, scope: string): JsonValue {
    if (!r.x(i)) return helpers.E(attrs, helpers.t(r.v(i)));
    const o = r.n(i, scope);
    if (o === null) return helpers.E(attrs, null);
    return helpers.W(attrs, o, null);
  },
  /** Element without child elements: text, or attributes (+ text). */
  E(attrs: JsonObject | null, text: JsonValue): JsonValue {
    if (attrs === null) return text;
    return text === null ? { '#attributes': attrs } : { '#attributes': attrs, '#text': text };
  },
  /** Add the keys of a nested BinXML value to an element's object (as renderJson's addChild would). */
  N(obj: JsonObject, add: JsonObject | null): JsonObject {
    if (add === null) return obj;
    for (const k in add) {
      if (obj[k] !== undefined) throw FALLBACK; // a repeated key across parts: rare, generic path
      obj[k] = add[k]!;
    }
    return obj;
  },
  /** Element with child elements whose attributes or text may be absent: put them around the children. */
  W(attrs: JsonObject | null, obj: JsonObject, text: JsonValue): JsonObject {
    if (attrs === null && text === null) return obj;
    const out: JsonObject = {};
    if (attrs !== null) out['#attributes'] = attrs;
    for (const k in obj) out[k] = obj[k]!;
    if (text !== null) out['#text'] = text;
    return out;
  },
};

const lit = (s: string): string => JSON.stringify(s);

/** Where a filter may drop children: 'system' / 'data' (EventData, UserData wrapper's children) / 'event'. */
type Scope = 'top' | 'event' | 'system' | 'data' | 'userdata' | 'keep';

interface Gen {
  filter: ReadonlySet<string> | null;
  /** Keep every EventData/UserData field (filter System only). */
  allData: boolean;
}

function keep(g: Gen, scope: Scope, key: string): boolean {
  const f = g.filter;
  if (f === null || scope === 'keep' || scope === 'top') return true;
  if (g.allData && scope === 'event' && (key === 'EventData' || key === 'UserData')) return true;
  if (scope === 'event') return key === 'System' || key === 'EventData' || key === 'UserData' || f.has(key);
  if (scope === 'userdata') return true;
  if (scope === 'data') return g.allData || f.has(key) || (key.includes(' ') && f.has(key.replace(/ /g, '')));
  return f.has(key); // system
}

function childScope(scope: Scope, key: string): Scope {
  if (scope === 'top') return key === 'Event' ? 'event' : 'keep';
  if (scope === 'event') {
    if (key === 'System') return 'system';
    if (key === 'EventData') return 'data';
    if (key === 'UserData') return 'userdata';
    return 'keep';
  }
  if (scope === 'userdata') return 'data';
  return 'keep';
}

function attrExpr(value: Node[]): { code: string; always: boolean } {
  if (value.length === 1) {
    const n = value[0]!;
    if (n.k === 2) return { code: lit(n.v), always: true };
    if (n.k === 3) return { code: `h.a(r.v(${n.index}))`, always: false };
  }
  const parts: string[] = [];
  let always = false;
  for (const n of value) {
    if (n.k === 2) {
      parts.push(`{s:${lit(n.v)}}`);
      always = true;
    } else if (n.k === 3) parts.push(`r.v(${n.index})`);
    else throw new Unsupported();
  }
  return { code: `h.j([${parts.join(',')}])`, always };
}

function dataKey(el: ElementNode): { key: string; skip: string | null } {
  if (el.name !== 'Data') return { key: el.name, skip: null };
  for (const a of el.attrs) {
    if (a.name !== 'Name') continue;
    // Only a literal Name gives a static key; a substituted one would make the object's shape dynamic.
    if (a.value.length === 1 && a.value[0]!.k === 2) return { key: a.value[0]!.v, skip: 'Name' };
    throw new Unsupported();
  }
  return { key: 'Data', skip: null };
}

function elementCode(g: Gen, el: ElementNode, skipAttr: string | null, scope: Scope, depth: number): string {
  if (depth > 64) throw new Unsupported();
  // Attributes.
  const attrParts: string[] = [];
  let attrsDynamic = false;
  for (const a of el.attrs) {
    if (a.name === skipAttr) continue;
    const e = attrExpr(a.value);
    if (!e.always) attrsDynamic = true;
    attrParts.push(`${lit(a.name)}:${e.code}`);
  }
  const attrs =
    attrParts.length === 0
      ? 'null'
      : attrsDynamic
        ? `h.A({${attrParts.join(',')}})`
        : `{${attrParts.join(',')}}`;
  // Children.
  const kids: Array<{ key: string; code: string }> = [];
  const texts: string[] = [];
  const nested: string[] = [];
  let hasElements = false;
  for (const n of el.children) if (n.k === 1) hasElements = true;
  for (const n of el.children) {
    switch (n.k) {
      case 1: {
        const { key, skip } = dataKey(n);
        if (!keep(g, scope, key)) break;
        kids.push({ key, code: elementCode(g, n, skip, childScope(scope, key), depth + 1) });
        break;
      }
      case 2:
        texts.push(`{s:${lit(n.v)}}`);
        break;
      case 3:
        // Next to child elements a substitution is nested BinXML (EventData, UserData): its elements
        // join this element's object. Anywhere else it is text.
        if (hasElements) nested.push(`r.n(${n.index},${lit(scope)})`);
        else texts.push(`r.v(${n.index})`);
        break;
      case 4:
        throw new Unsupported();
      default:
        break;
    }
  }
  let text: string;
  if (texts.length === 0) text = 'null';
  else if (texts.length === 1 && texts[0]!.startsWith('r.v(')) text = `h.t(${texts[0]})`;
  else if (texts.every((t) => t.startsWith('{s:')))
    text = lit(
      el.children
        .filter((n) => n.k === 2)
        .map((n) => (n as { v: string }).v)
        .join('')
        .trim(),
    );
  else text = `h.m([${texts.join(',')}])`;
  if (!hasElements) {
    const only = el.children.filter((n) => n.k !== 5);
    if (only.length === 1 && only[0]!.k === 3) return `h.S(${attrs},r,${only[0]!.index},${lit(scope)})`;
    return attrs === 'null' ? text : `h.E(${attrs},${text})`;
  }
  // Repeated keys become arrays, at the position of their first occurrence.
  const order: string[] = [];
  const byKey = new Map<string, string[]>();
  for (const k of kids) {
    let l = byKey.get(k.key);
    if (!l) {
      byKey.set(k.key, (l = []));
      order.push(k.key);
    }
    l.push(k.code);
  }
  const body = order
    .map((k) => {
      const l = byKey.get(k)!;
      return `${lit(k)}:${l.length === 1 ? l[0] : `[${l.join(',')}]`}`;
    })
    .join(',');
  const staticAttrs = attrParts.length > 0 && !attrsDynamic;
  let code: string;
  if ((attrParts.length === 0 || staticAttrs) && text === 'null') {
    code = staticAttrs ? `{"#attributes":${attrs}${body ? ',' + body : ''}}` : `{${body}}`;
    for (const n of nested) code = `h.N(${code},${n})`;
    return code;
  }
  code = `{${body}}`;
  for (const n of nested) code = `h.N(${code},${n})`;
  return `h.W(${attrs},${code},${text})`;
}

/** A nested fragment's elements, as the keys they add to the parent object (parent at `scope`). */
function fragmentCode(g: Gen, content: Node[], scope: Scope): string {
  const order: string[] = [];
  const byKey = new Map<string, string[]>();
  for (const n of content) {
    if (n.k === 5) continue;
    if (n.k !== 1) throw new Unsupported();
    const { key, skip } = dataKey(n);
    if (!keep(g, scope, key)) continue;
    let l = byKey.get(key);
    if (!l) {
      byKey.set(key, (l = []));
      order.push(key);
    }
    l.push(elementCode(g, n, skip, childScope(scope, key), 1));
  }
  const body = order
    .map((k) => {
      const l = byKey.get(k)!;
      return `${lit(k)}:${l.length === 1 ? l[0] : `[${l.join(',')}]`}`;
    })
    .join(',');
  return `({${body}})`;
}

function topCode(g: Gen, content: Node[]): string {
  // renderJson: every top-level element of the template becomes a key; a later one replaces an earlier.
  const keys = new Map<string, string>();
  for (const n of content) {
    if (n.k === 1) keys.set(n.name, elementCode(g, n, null, childScope('top', n.name), 0));
    else if (n.k === 4) throw new Unsupported();
  }
  return `({${[...keys].map(([k, c]) => `${lit(k)}:${c}`).join(',')}})`;
}

function build(g: Gen, content: Node[], kind: string): Fn {
  const code = kind === 'top' ? topCode(g, content) : fragmentCode(g, content, kind as Scope);
  // Generated from the template's structure only: names and literal texts go in as JSON string
  // literals, substitution indexes as integers; nothing from the file is evaluated as code.
  const f = new Function('h', `return function render(r) { return ${code}; };`) as (
    h: typeof helpers,
  ) => (r: PlanValues) => JsonObject;
  return f(helpers);
}

function textSrc(el: ElementNode | undefined): Src {
  if (el === undefined) return null;
  const parts = el.children.filter((n) => n.k !== 5);
  if (parts.length !== 1) return null;
  const n = parts[0]!;
  if (n.k === 2) return { lit: n.v.trim() };
  if (n.k === 3) return { sub: n.index };
  return null;
}

function child(el: ElementNode | undefined, name: string): ElementNode | undefined {
  if (el === undefined) return undefined;
  for (const n of el.children) if (n.k === 1 && n.name === name) return n;
  return undefined;
}

/** A key that identifies a template's content (names, texts, substitution slots), whatever chunk holds it. */
export function contentKey(nodes: Node[], out: string[] = [], depth = 0): string[] {
  if (depth > 64) throw new Unsupported();
  for (const n of nodes) {
    switch (n.k) {
      case 1:
        out.push('<', n.name);
        for (const a of n.attrs) {
          out.push(' ', a.name, '=');
          contentKey(a.value, out, depth + 1);
        }
        out.push('>');
        contentKey(n.children, out, depth + 1);
        out.push('/');
        break;
      case 2:
        out.push(n.cdata ? '\u0001c' : '\u0001t', n.v, '\u0002');
        break;
      case 3:
        out.push(`\u0001s${n.index}${n.optional ? 'o' : ''}\u0002`);
        break;
      case 4:
        out.push('\u0001i');
        break;
      case 5:
        out.push('\u0001p', n.target, '\u0002', n.data, '\u0002');
        break;
    }
  }
  return out;
}

// Compiled plans by content key, shared by every chunk and file the process reads. Bounded: hostile
// files with endless distinct templates recompile instead of growing the cache.
const plans = new Map<string, Plan | null>();
const MAX_PLANS = 2048;

/** The compiled plan for a template's content, or null when it needs the generic renderer. */
export function planFor(content: Node[]): Plan | null {
  let key: string;
  try {
    key = contentKey(content).join('');
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  let p = plans.get(key);
  if (p !== undefined) return p;
  const event = content.find((n): n is ElementNode => n.k === 1 && n.name === 'Event');
  const system = child(event, 'System');
  p = {
    channel: textSrc(child(system, 'Channel')),
    eventId: textSrc(child(system, 'EventID')),
    fns: new Map(),
    filtered: new WeakMap(),
    content,
    last: null,
  };
  if (plans.size >= MAX_PLANS) plans.clear();
  plans.set(key, p);
  return p;
}

// The same plans by the raw bytes of a template definition. Name references in a definition are chunk
// offsets, so equal bytes mean equal content only when the referenced names are equal too: each entry
// keeps the (offset, name) pairs its definition referred to, checked against the chunk at hand. This lets
// a chunk skip parsing the templates it shares with earlier chunks.
interface RawEntry {
  bytes: Buffer;
  refs: Array<[number, string]>;
  plan: Plan | null;
}
const rawPlans = new Map<number, RawEntry[]>();

/** The plan remembered for the definition bytes buf[start, end) (key: a hash of GUID and size), if any. */
export function rawPlan(
  key: number,
  buf: Buffer,
  start: number,
  end: number,
  nameAt: (offset: number) => string,
): Plan | null | undefined {
  const list = rawPlans.get(key);
  if (list === undefined) return undefined;
  next: for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (e.bytes.length !== end - start || buf.compare(e.bytes, 0, e.bytes.length, start, end) !== 0) continue;
    for (const [off, name] of e.refs) {
      let n: string;
      try {
        n = nameAt(off);
      } catch {
        continue next;
      }
      if (n !== name) continue next;
    }
    // Move to the front: chunks laid out alike follow one another, so the next look-up tries it first.
    if (i > 0) {
      list.splice(i, 1);
      list.unshift(e);
    }
    return e.plan;
  }
  return undefined;
}

export function rememberRawPlan(
  key: number,
  bytes: Buffer,
  refs: Array<[number, string]>,
  plan: Plan | null,
): void {
  let list = rawPlans.get(key);
  if (list === undefined) {
    if (rawPlans.size >= MAX_PLANS) rawPlans.clear();
    rawPlans.set(key, (list = []));
  }
  // One template (GUID) appears with different name offsets in different chunks: a few variants each.
  if (list.length < 32) list.push({ bytes: Buffer.from(bytes), refs, plan });
}

/**
 * The generated function of `kind` ('top' or a nested fragment's scope), or null when not compilable.
 * `allData`: the filter applies to System only.
 */
export function planFn(p: Plan, kind: string, filter: FieldFilter | undefined, allData: boolean): Fn | null {
  const last = p.last;
  if (
    last !== null &&
    last.kind === kind &&
    last.allData === allData &&
    (filter === undefined ? last.filter === undefined : last.filter?.deref() === filter)
  )
    return last.fn;
  let fns = p.fns;
  if (filter !== undefined) {
    let m = p.filtered.get(filter);
    if (m === undefined) p.filtered.set(filter, (m = new Map()));
    fns = m;
  }
  const key = allData ? kind + '\u0001all' : kind;
  let f = fns.get(key);
  if (f === undefined) {
    try {
      f = build({ filter: filter?.names ?? null, allData }, p.content, kind);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      f = null;
    }
    fns.set(key, f);
  }
  p.last = { filter: filter && new WeakRef(filter), kind, allData, fn: f };
  return f;
}

function srcValue(s: Src, r: PlanValues): Value | undefined {
  if (s === null) return undefined;
  if ('lit' in s) return s.lit;
  const v = r.m(s.sub);
  return typeof v === 'string' ? v.trim() : v;
}

/** Whether a record needs every EventData/UserData value (FieldFilter.full for its channel and EventID). */
export function needsAllData(p: Plan, r: PlanValues, filter: FieldFilter | undefined): boolean {
  if (filter === undefined) return true;
  const c = srcValue(p.channel, r);
  const e = srcValue(p.eventId, r);
  let eid = -1;
  if (typeof e === 'number') eid = e;
  else if (typeof e === 'string' && e !== '') {
    const n = Number(e);
    eid = Number.isInteger(n) ? n : -1;
  }
  return fullOf(filter, typeof c === 'string' ? c : undefined, eid);
}

// FieldFilter.full answers by channel and EventID, and a log holds few such pairs: the last few answers
// are kept here, so a record costs a comparison or two instead of the filter's keyed look-up.
const MEMO = 8;
let memoFilter: WeakRef<FieldFilter> | undefined; // weakly: see Plan.last
const memoC: Array<string | undefined> = new Array<string | undefined>(MEMO).fill(undefined);
const memoE = new Float64Array(MEMO).fill(NaN);
const memoV: boolean[] = new Array<boolean>(MEMO).fill(false);
let memoNext = 0;

function fullOf(filter: FieldFilter, channel: string | undefined, eid: number): boolean {
  if (memoFilter?.deref() !== filter) {
    memoFilter = new WeakRef(filter);
    memoE.fill(NaN);
  }
  for (let i = 0; i < MEMO; i++) if (memoE[i] === eid && memoC[i] === channel) return memoV[i]!;
  const v = filter.full(channel, eid);
  memoC[memoNext] = channel;
  memoE[memoNext] = eid;
  memoV[memoNext] = v;
  memoNext = (memoNext + 1) % MEMO;
  return v;
}
