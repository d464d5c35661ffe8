// Engine snapshots: the compiled rules of an engine as structured-clone data, so that several threads
// (mamori hunt's workers) restore one compilation instead of each parsing and compiling the corpus.
// Compiled rules are a graph of plain objects, arrays, Maps, Sets, typed arrays and instances of the
// node/test classes below; regexes are compiled again from their pattern and flags. Shared objects and
// cycles (rule ↔ variant, correlation links) keep their identity.
import { CharClasses } from './ahocorasick.js';
import { FieldTable } from './context.js';
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
  ...testClasses,
};
const nameOf = new Map<object, string>(Object.entries(classes).map(([n, c]) => [c.prototype, n]));

// Tagged values are arrays whose first element is one of these markers; a data array that happens to
// start with a marker is escaped.
const CLASS = '\u0000sigma:class';
const REGEX = '\u0000sigma:regex';
const ESCAPED = '\u0000sigma:array';
const MARKERS = new Set([CLASS, REGEX, ESCAPED]);

type Enc = unknown;

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
    if (known !== undefined) return known;
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
    if (proto === Object.prototype || proto === null) {
      const spec = regexSpecs.get(v as LinearRegex);
      if (spec !== undefined) {
        const out = [REGEX, spec.pattern, spec.flags];
        seen.set(v, out);
        return out;
      }
      const out: Record<string, unknown> = {};
      seen.set(v, out);
      for (const k in v) out[k] = enc((v as Record<string, unknown>)[k]);
      return out;
    }
    const name = nameOf.get(proto);
    if (name === undefined)
      throw new Error(`engine snapshot: cannot encode a ${proto.constructor?.name ?? '?'}`);
    const props: Record<string, unknown> = {};
    const out = [CLASS, name, props];
    seen.set(v, out);
    for (const k in v) props[k] = enc((v as Record<string, unknown>)[k]);
    return out;
  };
  return enc(value);
}

/** The value encodeSnapshot was given, rebuilt (class instances with their prototypes, regexes compiled). */
export function decodeSnapshot(value: Enc): unknown {
  const seen = new Map<object, unknown>();
  const dec = (v: Enc): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const known = seen.get(v);
    if (known !== undefined) return known;
    if (ArrayBuffer.isView(v)) return v;
    if (Array.isArray(v)) {
      if (v[0] === CLASS) {
        const cls = classes[v[1] as string];
        if (cls === undefined) throw new Error(`engine snapshot: unknown class ${String(v[1])}`);
        const inst = Object.create(cls.prototype) as Record<string, unknown>;
        seen.set(v, inst);
        const props = v[2] as Record<string, unknown>;
        for (const k of Object.keys(props)) inst[k] = dec(props[k]);
        return inst;
      }
      if (v[0] === REGEX) {
        const re = compileRegex(v[1] as string, v[2] as RegexFlags);
        seen.set(v, re);
        return re;
      }
      const out: unknown[] = [];
      seen.set(v, out);
      for (let i = v[0] === ESCAPED ? 1 : 0; i < v.length; i++) out.push(dec(v[i]));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      seen.set(v, out);
      for (const [k, x] of v) out.set(dec(k), dec(x));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      seen.set(v, out);
      for (const x of v) out.add(dec(x));
      return out;
    }
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const k of Object.keys(v)) out[k] = dec((v as Record<string, unknown>)[k]);
    return out;
  };
  return dec(value);
}
