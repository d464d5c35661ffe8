// {{…}} markers in template strings: a known variable is substituted; an expression is evaluated when every
// variable it reads is known; anything else (e.g. a "{{7*7}}" SSTI probe, an unknown name) stays literal.
// Inner markers resolve first, so {{base64('{{user}}:{{pass}}')}} works.
import { DslSyntaxError, dslVariables, evaluate, hasCall, parseDsl, toStr } from './dsl.js';
import type { Vars } from './dsl.js';

const OPEN_UNRESOLVED = '\uE000';
const CLOSE_UNRESOLVED = '\uE001';
const LBRACE = '\uE002';
const RBRACE = '\uE003';

const IDENT = /^\s*([A-Za-z_][\w.-]*)\s*$/;

function restore(s: string): string {
  return s
    .replaceAll(OPEN_UNRESOLVED, '{{')
    .replaceAll(CLOSE_UNRESOLVED, '}}')
    .replaceAll(LBRACE, '{')
    .replaceAll(RBRACE, '}');
}

function resolveMarker(inner: string, vars: Vars): string | undefined {
  const id = IDENT.exec(inner);
  if (id) {
    const v = vars.get(id[1]!);
    return v === undefined ? undefined : toStr(v);
  }
  let node;
  try {
    node = parseDsl(inner);
  } catch {
    return undefined;
  }
  const names = dslVariables(node);
  if (!hasCall(node) && names.size === 0) return undefined; // constant arithmetic: leave for the target to see
  for (const name of names) if (!vars.has(name)) return undefined;
  try {
    return toStr(evaluate(node, { vars }));
  } catch {
    return undefined;
  }
}

/** Resolve all markers in `text`. Values are byte strings. */
export function interpolate(text: string, vars: Vars): string {
  if (!text.includes('{{')) return text;
  let out = text;
  for (let guard = 0; guard < 10_000; guard++) {
    const close = out.indexOf('}}');
    if (close < 0) break;
    const open = out.lastIndexOf('{{', close);
    if (open < 0) {
      out = out.slice(0, close) + CLOSE_UNRESOLVED + out.slice(close + 2);
      continue;
    }
    const inner = restore(out.slice(open + 2, close));
    const r = resolveMarker(inner, vars);
    const replacement =
      r === undefined
        ? OPEN_UNRESOLVED + out.slice(open + 2, close) + CLOSE_UNRESOLVED
        : r.replaceAll('{', LBRACE).replaceAll('}', RBRACE);
    out = out.slice(0, open) + replacement + out.slice(close + 2);
  }
  return restore(out);
}

/**
 * Compile-time check of a template string: throws DslUnsupportedError when a marker calls a helper this engine
 * does not have; adds the variable names the markers read to `names`. Inner markers are checked first and then
 * stand in as a plain word, so the outer call is checked too.
 */
export function checkMarkers(text: string, names: Set<string>): void {
  if (!text.includes('{{')) return;
  let out = text;
  for (let guard = 0; guard < 10_000; guard++) {
    const close = out.indexOf('}}');
    if (close < 0) break;
    const open = out.lastIndexOf('{{', close);
    if (open < 0) {
      out = out.slice(0, close) + out.slice(close + 2);
      continue;
    }
    const inner = out.slice(open + 2, close);
    const id = IDENT.exec(inner);
    if (id) names.add(id[1]!);
    else {
      try {
        dslVariables(parseDsl(inner), names);
      } catch (err) {
        if (!(err instanceof DslSyntaxError)) throw err;
      }
    }
    out = out.slice(0, open) + 'x' + out.slice(close + 2);
  }
}
