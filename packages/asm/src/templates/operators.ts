// Matchers and extractors: they only see the flat field map a protocol produced for one response ("collect,
// then judge"). Compiled once per template; regexes are RE2 (linear time).
import type { RE2JS } from 're2js';
import { toByteString } from './bytes.js';
import { DslEvalError, DslUnsupportedError, evaluate, parseDsl, toStr, truthy } from './dsl.js';
import type { Node, Value, Vars } from './dsl.js';
import { checkMarkers, interpolate } from './interpolate.js';
import { compileJq, jqValueToString } from './json-query.js';
import { compileRegex, regexAll } from './regex.js';
import { TemplateError, UnsupportedError } from './errors.js';
import { compileXPath, evalXPath, xpathMatches } from './xpath.js';

type Cond = 'and' | 'or';

export interface CompiledMatcher {
  type: string;
  name?: string;
  internal: boolean;
  negative: boolean;
  test(ev: Vars): boolean;
}

export interface CompiledExtractor {
  type: string;
  name?: string;
  internal: boolean;
  extract(ev: Vars): string[];
}

export interface Operators {
  condition: Cond;
  matchers: CompiledMatcher[];
  extractors: CompiledExtractor[];
  /** Field names with a _N suffix that matchers read (body_2, status_code_1): judge after the whole block. */
  needsHistory: boolean;
}

export interface OperatorResult {
  matched: boolean;
  matcherNames: string[];
  /** Only internal matchers matched (flow gating, not a finding). */
  internalOnly: boolean;
  extracted: string[];
  dynamic: Map<string, string[]>;
}

type Raw = Record<string, unknown>;

function list(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  const arr = Array.isArray(v) ? v : [v];
  return arr.map((x) => {
    if (typeof x === 'string') return x;
    if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
    throw new TemplateError(`${what}: expected strings`);
  });
}

function cond(v: unknown, what: string): Cond {
  if (v === undefined || v === null || v === '') return 'or';
  const c = String(v).toLowerCase();
  if (c !== 'and' && c !== 'or') throw new TemplateError(`${what}: condition must be and/or`);
  return c;
}

export function partOf(ev: Vars, part: string | undefined): string {
  const p = (part ?? 'body').toLowerCase();
  const direct = ev.get(p);
  if (direct !== undefined) return toStr(direct);
  const aliases: Record<string, string[]> = {
    header: ['all_headers'],
    all_headers: ['header'],
    all: ['raw', 'response'],
    raw: ['all', 'response'],
    response: ['raw', 'all'],
    data: ['body'],
    body: ['data'],
  };
  for (const a of aliases[p] ?? []) {
    const v = ev.get(a);
    if (v !== undefined) return toStr(v);
  }
  const norm = ev.get(p.replace(/-/g, '_'));
  return norm === undefined ? '' : toStr(norm);
}

function compileDslList(exprs: string[], what: string): Node[] {
  return exprs.map((e) => {
    try {
      return parseDsl(e);
    } catch (err) {
      if (err instanceof DslUnsupportedError) throw new UnsupportedError(err.message);
      throw new TemplateError(`${what}: ${(err as Error).message}`);
    }
  });
}

function evalSafe(node: Node, ev: Vars): Value | undefined {
  try {
    return evaluate(node, { vars: ev });
  } catch (err) {
    if (err instanceof DslEvalError || err instanceof Error) return undefined;
    throw err;
  }
}

function withMarkers(words: string[], used: Set<string>): boolean {
  let any = false;
  for (const w of words) {
    if (w.includes('{{')) {
      any = true;
      checkMarkers(w, used);
    }
  }
  return any;
}

function compileMatcher(m: Raw, idx: number, used: Set<string>): CompiledMatcher {
  const type = String(m['type'] ?? '').toLowerCase();
  const what = `matcher ${idx + 1} (${type || 'no type'})`;
  const c = cond(m['condition'], what);
  const part = m['part'] === undefined ? undefined : String(m['part']);
  if (part && /^interactsh/i.test(part))
    throw new UnsupportedError('out-of-band (interactsh) interactions are not supported');
  const negative = m['negative'] === true;
  const ci = m['case-insensitive'] === true;
  const name = m['name'] === undefined ? undefined : String(m['name']);
  const internal = m['internal'] === true;
  const combine = (results: Iterable<boolean>): boolean => {
    if (c === 'and') {
      for (const r of results) if (!r) return false;
      return true;
    }
    for (const r of results) if (r) return true;
    return false;
  };
  let test: (ev: Vars) => boolean;
  switch (type) {
    case 'word': {
      const raw = list(m['words'], what);
      if (raw.length === 0) throw new TemplateError(`${what}: no words`);
      const hex = String(m['encoding'] ?? '') === 'hex';
      const prep = (w: string) => {
        let b = hex ? Buffer.from(w, 'hex').toString('latin1') : toByteString(w);
        if (ci) b = b.toLowerCase();
        return b;
      };
      const dynamic = withMarkers(raw, used);
      const fixed = raw.map(prep);
      test = (ev) => {
        let hay = partOf(ev, part);
        if (ci) hay = hay.toLowerCase();
        const words = dynamic ? raw.map((w) => prep(interpolate(w, ev))) : fixed;
        return combine(words.map((w) => hay.includes(w)));
      };
      break;
    }
    case 'regex': {
      const pats = list(m['regex'], what);
      if (pats.length === 0) throw new TemplateError(`${what}: no regex`);
      const res: RE2JS[] = pats.map((p) => compileRegex(toByteString(p), ci));
      test = (ev) => {
        const hay = partOf(ev, part);
        return combine(res.map((r) => r.test(hay)));
      };
      break;
    }
    case 'binary': {
      const bins = list(m['binary'], what).map((h) => {
        if (!/^([0-9a-fA-F]{2})*$/.test(h.replace(/\s+/g, ''))) throw new TemplateError(`${what}: bad hex`);
        return Buffer.from(h.replace(/\s+/g, ''), 'hex').toString('latin1');
      });
      test = (ev) => {
        const hay = partOf(ev, part);
        return combine(bins.map((b) => hay.includes(b)));
      };
      break;
    }
    case 'status': {
      const codes = (Array.isArray(m['status']) ? m['status'] : [m['status']]).map(Number);
      if (codes.length === 0 || codes.some(Number.isNaN)) throw new TemplateError(`${what}: bad status list`);
      test = (ev) => {
        const sc = Number(toStr(ev.get('status_code') ?? ''));
        return codes.some((x) => x === sc);
      };
      break;
    }
    case 'size': {
      const sizes = (Array.isArray(m['size']) ? m['size'] : [m['size']]).map(Number);
      if (sizes.some(Number.isNaN)) throw new TemplateError(`${what}: bad size list`);
      test = (ev) => {
        const len = partOf(ev, part).length;
        return sizes.some((x) => x === len);
      };
      break;
    }
    case 'dsl': {
      const exprs = list(m['dsl'], what);
      const nodes = compileDslList(exprs, what);
      test = (ev) =>
        combine(
          nodes.map((n) => {
            const v = evalSafe(n, ev);
            return v !== undefined && truthy(v);
          }),
        );
      break;
    }
    case 'xpath': {
      const qs = list(m['xpath'], what).map((q) => compileXPath(q));
      test = (ev) => {
        const hay = partOf(ev, part);
        return combine(qs.map((q) => xpathMatches(q, hay)));
      };
      break;
    }
    default:
      throw new TemplateError(`${what}: unknown matcher type`);
  }
  return { type, name, internal, negative, test: (ev) => test(ev) !== negative };
}

function compileExtractor(x: Raw, idx: number): CompiledExtractor {
  const type = String(x['type'] ?? '').toLowerCase();
  const what = `extractor ${idx + 1} (${type || 'no type'})`;
  const part = x['part'] === undefined ? undefined : String(x['part']);
  if (part && /^interactsh/i.test(part))
    throw new UnsupportedError('out-of-band (interactsh) interactions are not supported');
  const name = x['name'] === undefined ? undefined : String(x['name']);
  const internal = x['internal'] === true;
  const ci = x['case-insensitive'] === true;
  let extract: (ev: Vars) => string[];
  switch (type) {
    case 'regex': {
      const res = list(x['regex'], what).map((p) => compileRegex(toByteString(p)));
      const group = x['group'] === undefined ? 0 : Number(x['group']);
      if (!Number.isInteger(group) || group < 0) throw new TemplateError(`${what}: bad group`);
      extract = (ev) => {
        const hay = partOf(ev, part);
        const out: string[] = [];
        for (const r of res) for (const m of regexAll(r, hay, 200)) if (m[group]) out.push(m[group]!);
        return out;
      };
      break;
    }
    case 'kval': {
      const keys = list(x['kval'], what).map((k) => k.toLowerCase().replace(/-/g, '_'));
      extract = (ev) =>
        keys.flatMap((k) => {
          const v = ev.get(k);
          return v === undefined || v === '' ? [] : [toStr(v)];
        });
      break;
    }
    case 'json': {
      const qs = list(x['json'], what).map((q) => {
        try {
          return compileJq(q);
        } catch (err) {
          throw new UnsupportedError((err as Error).message);
        }
      });
      extract = (ev) => {
        let data: unknown;
        try {
          data = JSON.parse(partOf(ev, part));
        } catch {
          return [];
        }
        return qs.flatMap((q) => q(data).flatMap((v) => jqValueToString(v) ?? []));
      };
      break;
    }
    case 'dsl': {
      const nodes = compileDslList(list(x['dsl'], what), what);
      extract = (ev) =>
        nodes.flatMap((n) => {
          const v = evalSafe(n, ev);
          if (v === undefined || v === null || v === '') return [];
          return Array.isArray(v) ? v.map(toStr).filter((s) => s !== '') : [toStr(v)];
        });
      break;
    }
    case 'xpath': {
      const attr = x['attribute'] === undefined ? undefined : String(x['attribute']);
      const qs = list(x['xpath'], what).map((q) => compileXPath(q));
      extract = (ev) => {
        const hay = partOf(ev, part);
        return qs.flatMap((q) => evalXPath(q, hay, attr));
      };
      break;
    }
    default:
      throw new TemplateError(`${what}: unknown extractor type`);
  }
  return {
    type,
    name,
    internal,
    extract: (ev) => {
      const vals = extract(ev).map((v) => (ci ? v.toLowerCase() : v));
      return [...new Set(vals)];
    },
  };
}

const HISTORY_REF = /\b[a-z_]+_\d+\b/;

export function compileOperators(req: Raw, used: Set<string>): Operators {
  const rawMatchers = req['matchers'];
  const rawExtractors = req['extractors'];
  if (rawMatchers !== undefined && !Array.isArray(rawMatchers))
    throw new TemplateError('matchers must be a list');
  if (rawExtractors !== undefined && !Array.isArray(rawExtractors))
    throw new TemplateError('extractors must be a list');
  const matchers = (rawMatchers ?? []).map((m: unknown, i: number) =>
    compileMatcher((m ?? {}) as Raw, i, used),
  );
  const extractors = (rawExtractors ?? []).map((x: unknown, i: number) =>
    compileExtractor((x ?? {}) as Raw, i),
  );
  const needsHistory = (rawMatchers ?? []).some((m: unknown) => {
    const mm = (m ?? {}) as Raw;
    const texts = [...list(mm['dsl'], 'dsl'), String(mm['part'] ?? '')];
    return texts.some((t) => HISTORY_REF.test(t));
  });
  return {
    condition: cond(req['matchers-condition'], 'matchers-condition'),
    matchers,
    extractors,
    needsHistory,
  };
}

export function runOperators(ops: Operators, input: Vars): OperatorResult {
  const dynamic = new Map<string, string[]>();
  const extracted: string[] = [];
  // Named extractor values are visible to the matchers of the same response (compare_versions(version, …)).
  const ev = ops.extractors.some((x) => x.name) ? new Map(input) : input;
  for (const x of ops.extractors) {
    const vals = x.extract(ev);
    if (vals.length === 0) continue;
    if (x.name) ev.set(x.name, vals[0]!);
    if (x.internal) {
      if (x.name) dynamic.set(x.name, vals);
    } else {
      extracted.push(...vals);
      if (x.name) dynamic.set(x.name, vals);
    }
  }
  const names: string[] = [];
  let matched: boolean;
  let internalOnly = false;
  if (ops.matchers.length === 0) {
    matched = extracted.length > 0;
  } else {
    const results = ops.matchers.map((m) => {
      const r = m.test(ev);
      if (r && m.name) names.push(m.name);
      return r;
    });
    matched = ops.condition === 'and' ? results.every(Boolean) : results.some(Boolean);
    if (matched) {
      const contributing = ops.matchers.filter((_, i) => results[i]);
      internalOnly = contributing.length > 0 && contributing.every((m) => m.internal);
    }
  }
  return { matched, matcherNames: names, internalOnly, extracted: [...new Set(extracted)], dynamic };
}
