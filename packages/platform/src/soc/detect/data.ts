// Detection data files (packages/platform/data/soc-detect/) and reading SocEvent fields by dotted path.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { SocEvent } from '../types.js';

export const detectDataDir = new URL('../../../data/soc-detect/', import.meta.url);

export function readDataFile<T>(name: string): T {
  const text = readFileSync(new URL(name, detectDataDir), 'utf8');
  return (name.endsWith('.json') ? JSON.parse(text) : yaml.load(text)) as T;
}

/** A field reference: one dotted path, or alternatives (the first present wins). */
export type FieldRef = string | string[];

export type Getter = (ev: SocEvent) => string | undefined;

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

const getters = new Map<string, Getter>();
const IDENT = /^[A-Za-z_$][\w$]*$/;

/** A compiled reader of `a` or `a.b` (numbers and booleans as strings; undefined when absent or empty). */
export function getter(path: string): Getter {
  let g = getters.get(path);
  if (g) return g;
  const dot = path.indexOf('.');
  const head = dot < 0 ? path : path.slice(0, dot);
  const tail = dot < 0 ? '' : path.slice(dot + 1);
  if (IDENT.test(head) && (dot < 0 || IDENT.test(tail))) {
    // Its own function per path (paths come from the shipped data files and are plain identifiers, checked
    // above): each then reads its property through an inline cache of its own, where one closure shared by all
    // paths read every property through one megamorphic keyed load (~2% of the pipeline's main thread).
    g = new Function(
      'asText',
      dot < 0
        ? `return (ev) => asText(ev.${head});`
        : `return (ev) => { const o = ev.${head}; return o !== null && typeof o === 'object' ? asText(o.${tail}) : undefined; };`,
    )(asText) as Getter;
  } else if (dot < 0) {
    g = (ev) => asText((ev as unknown as Record<string, unknown>)[path]);
  } else {
    g = (ev) => {
      const o = (ev as unknown as Record<string, unknown>)[head];
      return o !== null && typeof o === 'object' ? asText((o as Record<string, unknown>)[tail]) : undefined;
    };
  }
  getters.set(path, g);
  return g;
}

/** A compiled reader of a field reference (alternatives: the first present wins). */
export function refGetter(ref: FieldRef): Getter {
  if (typeof ref === 'string') return getter(ref);
  const gs = ref.map(getter);
  return (ev) => {
    for (const g of gs) {
      const v = g(ev);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

export function readPath(ev: SocEvent, path: string): string | undefined {
  return getter(path)(ev);
}

export function readRef(ev: SocEvent, ref: FieldRef): string | undefined {
  return refGetter(ref)(ev);
}

/** `{ path: value | [values] }`: every path holds one of its values. */
export type Match = Record<string, string | number | boolean | Array<string | number | boolean>>;

export function compileMatch(m: Match | undefined): (ev: SocEvent) => boolean {
  if (!m) return () => true;
  const tests = Object.entries(m).map(([path, want]) => {
    const set = new Set((Array.isArray(want) ? want : [want]).map(String));
    const get = getter(path);
    return (ev: SocEvent) => {
      const v = get(ev);
      return v !== undefined && set.has(v);
    };
  });
  if (tests.length === 1) return tests[0]!;
  return (ev) => {
    for (const t of tests) if (!t(ev)) return false;
    return true;
  };
}

/** "90s", "5m", "2h", "1d" → ms. */
export function parseSpan(text: string | number): number {
  if (typeof text === 'number') return text * 1000;
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!m) throw new Error(`timespan "${text}" is not like 30s, 5m, 2h or 1d`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** Keys of `distinct` are a path or a YAML-ish list "[a, b]" of alternatives. */
export function parseRefKey(key: string): FieldRef {
  const k = key.trim();
  if (k.startsWith('[') && k.endsWith(']'))
    return k
      .slice(1, -1)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return k;
}
