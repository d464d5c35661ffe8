// Engine snapshots: the compiled rules of an engine as structured-clone data, so that several threads
// (mamori hunt's workers) restore one compilation instead of each parsing and compiling the corpus.
// Compiled rules are a graph of plain objects, arrays, Maps, Sets, typed arrays and instances of the
// node/test classes below; regexes are compiled again from their pattern and flags. Shared objects and
// cycles (rule ↔ variant, correlation links) keep their identity.
import { CharClasses } from './ahocorasick.js';
import { FieldTable } from './context.js';
import { ValueMemo } from './memo.js';
import { CorrelationState } from './correlation.js';
import {
  AndNode,
  AtLeastNode,
  ConstNode,
  ExistsLeaf,
  FieldLeaf,
  KeywordLeaf,
  NotNode,
  NullLeaf,
  OrNode,
} from './nodes.js';
import { compileRegex, regexSpecs, type LinearRegex, type RegexFlags } from './regex.js';
import { testClasses } from './values.js';

const classes: Record<string, { prototype: object }> = {
  CharClasses,
  FieldTable,
  CorrelationState,
  AndNode,
  AtLeastNode,
  ConstNode,
  ExistsLeaf,
  FieldLeaf,
  KeywordLeaf,
  NotNode,
  NullLeaf,
  OrNode,
  ValueMemo,
  ...testClasses,
};
const nameOf = new Map<object, string>(Object.entries(classes).map(([n, c]) => [c.prototype, n]));

// Class instances are objects with a CLASS key (their class name) next to their properties; objects and
// arrays referenced more than once carry a SHARED mark, so that decoding keeps identity (and cycles) for
// those only and needs no lookup for the others. Regexes are [REGEX, pattern, flags]. Data that happens
// to look like a tag (a plain object with such a key, an array starting with a marker) is escaped.
const CLASS = '\u0000sigma:class';
const SHARED = '\u0000sigma:shared';
const REGEX = '\u0000sigma:regex';
const ESCAPED = '\u0000sigma:array';
const PLAIN = '\u0000sigma:object';
const MARKERS = new Set([SHARED, REGEX, ESCAPED, PLAIN]);

type Enc = unknown;
type Obj = Record<string, unknown>;

/** `value` as structured-clone data (v8.serialize, postMessage). */
export function encodeSnapshot(value: unknown): Enc {
  const seen = new Map<object, Enc>();
  const enc = (v: unknown): Enc => {
    if (v === null || typeof v !== 'object') {
      if (typeof v === 'function' || typeof v === 'symbol')
        throw new Error(`engine snapshot: cannot encode a ${typeof v}`);
      return v;
    }
    const known = seen.get(v);
    if (known !== undefined) {
      // Second reference: mark it so decoding keeps one object.
      if (Array.isArray(known)) {
        if (known[0] !== SHARED && known[0] !== REGEX && known[0] !== PLAIN) known.unshift(SHARED);
      } else if (typeof known === 'object' && !(known instanceof Map) && !(known instanceof Set))
        if (!ArrayBuffer.isView(known)) (known as Obj)[SHARED] = 1;
      return known;
    }
    if (ArrayBuffer.isView(v)) {
      seen.set(v, v);
      return v;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      if (typeof v[0] === 'string' && MARKERS.has(v[0])) out.push(ESCAPED);
      seen.set(v, out);
      for (let i = 0; i < v.length; i++) out.push(enc(v[i]));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      seen.set(v, out);
      for (const [k, x] of v) out.set(enc(k), enc(x));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      seen.set(v, out);
      for (const x of v) out.add(enc(x));
      return out;
    }
    const proto = Object.getPrototypeOf(v) as object | null;
    let name: string | undefined;
    if (proto === Object.prototype || proto === null) {
      const spec = regexSpecs.get(v as LinearRegex);
      if (spec !== undefined) {
        const out = [REGEX, spec.pattern, spec.flags];
        seen.set(v, out);
        return out;
      }
      if (CLASS in v || SHARED in v) {
        // Plain data with a key that looks like a tag (never in rules, but exact anyway).
        const out: unknown[] = [PLAIN];
        seen.set(v, out);
        for (const k in v) out.push(k, enc((v as Obj)[k]));
        return out;
      }
    } else {
      name = nameOf.get(proto);
      if (name === undefined)
        throw new Error(`engine snapshot: cannot encode a ${proto.constructor?.name ?? '?'}`);
    }
    const out: Obj = {};
    if (name !== undefined) out[CLASS] = name;
    seen.set(v, out);
    for (const k in v) out[k] = enc((v as Obj)[k]);
    return out;
  };
  return enc(value);
}

/** The value encodeSnapshot was given, rebuilt (class instances with their prototypes, regexes compiled). */
export function decodeSnapshot(value: Enc): unknown {
  const seen = new Map<object, unknown>();
  const dec = (v: Enc): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (ArrayBuffer.isView(v)) return v;
    if (Array.isArray(v)) {
      let i = 0;
      const shared = v[0] === SHARED;
      if (shared) {
        const known = seen.get(v);
        if (known !== undefined) return known;
        i = 1;
      }
      if (v[i] === REGEX) {
        const known = seen.get(v);
        if (known !== undefined) return known;
        const re = compileRegex(v[i + 1] as string, v[i + 2] as RegexFlags);
        seen.set(v, re);
        return re;
      }
      if (v[i] === PLAIN) {
        const known = seen.get(v);
        if (known !== undefined) return known;
        const out: Obj = {};
        seen.set(v, out);
        for (let j = i + 1; j + 1 < v.length; j += 2) out[v[j] as string] = dec(v[j + 1]);
        return out;
      }
      if (v[i] === ESCAPED) i++;
      const out: unknown[] = [];
      if (shared) seen.set(v, out);
      for (; i < v.length; i++) out.push(dec(v[i]));
      return out;
    }
    if (v instanceof Map) {
      const known = seen.get(v);
      if (known !== undefined) return known;
      const out = new Map();
      seen.set(v, out);
      for (const [k, x] of v) out.set(dec(k), dec(x));
      return out;
    }
    if (v instanceof Set) {
      const known = seen.get(v);
      if (known !== undefined) return known;
      const out = new Set();
      seen.set(v, out);
      for (const x of v) out.add(dec(x));
      return out;
    }
    const o = v as Obj;
    const shared = o[SHARED] === 1;
    if (shared) {
      const known = seen.get(v);
      if (known !== undefined) return known;
    }
    const name = o[CLASS];
    let out: Obj;
    if (name !== undefined) {
      const cls = classes[name as string];
      if (cls === undefined) throw new Error(`engine snapshot: unknown class ${String(name)}`);
      out = Object.create(cls.prototype) as Obj;
    } else out = {};
    if (shared) seen.set(v, out);
    for (const k in o) if (k !== CLASS && k !== SHARED) out[k] = dec(o[k]);
    return out;
  };
  return dec(value);
}
