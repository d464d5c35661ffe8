// Linear-time regular expressions for rule values (RE2 semantics through re2js, a pure-JS RE2 port).
// Node's own RegExp backtracks and can be stalled by a hostile pattern or input; RE2 cannot.
import { RE2JS } from 're2js';

export interface LinearRegex {
  test(input: string): boolean;
  readonly source: string;
}

export interface RegexFlags {
  i?: boolean;
  m?: boolean;
  s?: boolean;
}

/** Thrown when a pattern is not valid RE2 (backreferences, lookahead, possessive quantifiers…). */
export class UnsupportedRegexError extends Error {}

// Constructs RE2 rejects outright, named so a rule's diagnostic says what to change.
const UNSUPPORTED: Array<[RegExp, string]> = [
  [/\\[1-9]/, 'backreference'],
  [/\(\?[=!]/, 'lookahead'],
  [/\(\?<[=!]/, 'lookbehind'],
  [/[*+?}]\+/, 'possessive quantifier'],
  [/\(\?>/, 'atomic group'],
];

// `.{N,}` (a minimum line length) compiles to N NFA states in RE2; a direct scan is exact and cheap.
const MIN_RUN = /^\^?\.\{(\d+),\}$/;

function minRun(n: number, dotAll: boolean, source: string): LinearRegex {
  return {
    source,
    test(input: string): boolean {
      if (dotAll) return input.length >= n;
      let run = 0;
      for (let i = 0; i < input.length; i++) {
        const c = input.charCodeAt(i);
        // Without s, '.' does not match a newline.
        if (c === 10) run = 0;
        else if (++run >= n) return true;
      }
      return n === 0;
    },
  };
}

/**
 * Patterns made only of single-character atoms (literals, escapes, classes, '.') with bounded
 * quantifiers (?, {n}, {m,n}) and anchors cannot backtrack beyond a constant per start position:
 * V8's own engine runs them in time linear in the input, several times faster than the JS RE2 port.
 * The constant is bounded too: the product of the quantifier ranges is at most 256, and inputs over
 * 1 KiB go to RE2, so one test costs at most about 250,000 steps. Anything else goes to RE2.
 */
const SAFE_ESCAPE = /^[sSdDwWbB.\\/\-*+?()[\]{}|^$ #:'"=,@%&!<>~`;_tnr]$/;
function boundedRegex(pattern: string, flags: RegexFlags): LinearRegex | undefined {
  let p = pattern;
  let i = false;
  if (p.startsWith('(?i)')) {
    i = true;
    p = p.slice(4);
  }
  let product = 1;
  let k = 0;
  let atoms = 0;
  while (k < p.length) {
    const c = p[k]!;
    if (c === '^' || c === '$') {
      k++;
      continue;
    }
    if (c === '\\') {
      const n = p[k + 1];
      if (n === undefined || !SAFE_ESCAPE.test(n)) return undefined;
      k += 2;
    } else if (c === '[') {
      k++;
      if (p[k] === '^') k++;
      if (p[k] === ']') k++;
      while (k < p.length && p[k] !== ']') {
        if (p[k] === '[') return undefined; // POSIX classes and nested sets differ between engines
        if (p[k] === '\\') {
          const n = p[k + 1];
          if (n === undefined || !SAFE_ESCAPE.test(n)) return undefined;
          k += 2;
        } else k++;
      }
      if (p[k] !== ']') return undefined;
      k++;
    } else if ('()|*+?{}'.includes(c)) return undefined;
    else k++;
    atoms++;
    // Optional bounded quantifier after the atom.
    const q = p[k];
    if (q === '?') {
      product *= 2;
      k++;
    } else if (q === '{') {
      const m = /^\{(\d{1,4})(?:(,)(\d{1,4})?)?\}/.exec(p.slice(k));
      if (!m) return undefined;
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : m[3] === undefined ? -1 : Number(m[3]);
      if (hi < 0 || hi < lo) return undefined;
      product *= hi - lo + 1;
      k += m[0].length;
    }
    if (p[k] === '?' || p[k] === '+' || p[k] === '*' || p[k] === '{') return undefined; // lazy/possessive/stacked
    if (product > 256) return undefined;
  }
  if (atoms === 0) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(p, (i || flags.i ? 'i' : '') + (flags.m ? 'm' : '') + (flags.s ? 's' : ''));
  } catch {
    return undefined;
  }
  const fallback = compileRe2(pattern, flags);
  return {
    source: pattern,
    test: (input: string) => (input.length <= 1024 ? re.test(input) : fallback.test(input)),
  };
}

/** How each compiled regex was made (engine snapshots compile it again in the thread that restores them). */
export const regexSpecs = new WeakMap<LinearRegex, { pattern: string; flags: RegexFlags }>();

export function compileRegex(pattern: string, flags: RegexFlags = {}): LinearRegex {
  const re = compileRegexOnce(pattern, flags);
  regexSpecs.set(re, { pattern, flags: { ...flags } });
  return re;
}

function compileRegexOnce(pattern: string, flags: RegexFlags): LinearRegex {
  const mr = MIN_RUN.exec(pattern);
  if (mr && !flags.m) return minRun(Number(mr[1]), Boolean(flags.s), pattern);
  try {
    // Validated as RE2 first, so the set of accepted rules does not depend on the fast path.
    return boundedRegex(pattern, flags) ?? compileRe2(pattern, flags);
  } catch (err) {
    if (err instanceof UnsupportedRegexError) throw err;
    return compileRe2(pattern, flags);
  }
}

function compileRe2(pattern: string, flags: RegexFlags): LinearRegex {
  let f = 0;
  if (flags.i) f |= RE2JS.CASE_INSENSITIVE;
  if (flags.m) f |= RE2JS.MULTILINE;
  if (flags.s) f |= RE2JS.DOTALL;
  try {
    // RE2 understands (?i), (?m), (?s) inline groups itself.
    const re = RE2JS.compile(pattern, f);
    return {
      source: pattern,
      test: (input: string) => re.test(input),
    };
  } catch (err) {
    for (const [probe, what] of UNSUPPORTED) {
      if (probe.test(pattern))
        throw new UnsupportedRegexError(
          `regular expression uses ${what}, which RE2 (linear-time) cannot run`,
        );
    }
    const msg = err instanceof Error ? err.message : String(err);
    throw new UnsupportedRegexError(`regular expression is not valid RE2: ${msg}`);
  }
}

/** True when `pattern` can be run by the linear-time engine. */
export function isLinearRegexSupported(pattern: string): boolean {
  try {
    compileRegex(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * A literal every match of `pattern` contains (lowercased), for the prefilter; undefined when none can be
 * read off simply. Only top-level concatenations are analysed: groups, classes, escapes and optional
 * characters end a literal run; top-level alternation gives up.
 */
export function regexLiteral(pattern: string): string | undefined {
  let p = pattern;
  const flags = /^\(\?[imsU]+\)/.exec(p);
  if (flags) p = p.slice(flags[0].length);
  const best = bestLiteral(p, 0);
  // Short literals are kept when they hold a character that is rare in log text (` $ { % …).
  return best !== undefined && (best.length >= 3 || RARE.test(best)) ? best.toLowerCase() : undefined;
}

const RARE = /[^a-z0-9 .\\/:_"'-]/i;
const litScore = (l: string): number => l.length + (RARE.test(l) ? 2 : 0);

/** Index of the ')' closing the group opened at `open`, or -1. */
function groupEnd(p: string, open: number): number {
  let depth = 0;
  for (let i = open; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') i++;
    else if (c === '[') {
      i++;
      if (p[i] === '^') i++;
      if (p[i] === ']') i++;
      while (i < p.length && p[i] !== ']') i += p[i] === '\\' ? 2 : 1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

function bestLiteral(p: string, level: number): string | undefined {
  if (level > 8) return undefined;
  let best = '';
  let run = '';
  const flush = (): void => {
    if (litScore(run) > litScore(best)) best = run;
    run = '';
  };
  const consider = (l: string | undefined): void => {
    if (l !== undefined && litScore(l) > litScore(best)) best = l;
  };
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    let lit: string | undefined;
    if (c === '|') return undefined;
    if (c === '(') {
      flush();
      const j = groupEnd(p, i);
      if (j < 0) return undefined;
      let body = p.slice(i + 1, j);
      const next = p[j + 1];
      // A group that must occur (no ?, *, {0…} after it) contributes its own literal, if it has one.
      const optional = next === '?' || next === '*' || (next === '{' && /^\{0[,}]/.test(p.slice(j + 1)));
      if (body.startsWith('?:')) body = body.slice(2);
      else if (/^\?P?<[A-Za-z_]\w*>/.test(body)) body = body.replace(/^\?P?<[A-Za-z_]\w*>/, '');
      else if (body.startsWith('?')) body = '';
      if (!optional && body !== '') consider(bestLiteral(body, level + 1));
      i = j;
      continue;
    }
    if (c === '[') {
      flush();
      i++;
      if (p[i] === '^') i++;
      if (p[i] === ']') i++;
      while (i < p.length && p[i] !== ']') i += p[i] === '\\' ? 2 : 1;
      continue;
    }
    if (c === '\\') {
      const n = p[i + 1];
      i++;
      if (n !== undefined && /[.\\/\-*+?()[\]{}|^$ #:'"=,@%&!<>~`;]/.test(n)) lit = n;
      else {
        flush();
        continue;
      }
    } else if ('.^$'.includes(c)) {
      flush();
      continue;
    } else if ('*+?{'.includes(c)) {
      // Quantifier: the previous character may repeat or vanish, so it leaves the run.
      run = run.slice(0, -1);
      flush();
      if (c === '{') while (i < p.length && p[i] !== '}') i++;
      continue;
    } else if (c === ')') return undefined;
    else lit = c;
    run += lit;
  }
  flush();
  return best === '' ? undefined : best;
}
