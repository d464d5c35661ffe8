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

export function compileRegex(pattern: string, flags: RegexFlags = {}): LinearRegex {
  const mr = MIN_RUN.exec(pattern);
  if (mr && !flags.m) return minRun(Number(mr[1]), Boolean(flags.s), pattern);
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
  let best = '';
  let run = '';
  let depth = 0;
  const flush = (): void => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === '[') {
        // skip class inside group
        i++;
        if (p[i] === ']') i++;
        while (i < p.length && p[i] !== ']') i += p[i] === '\\' ? 2 : 1;
      }
      continue;
    }
    let lit: string | undefined;
    if (c === '|') return undefined;
    if (c === '(') {
      flush();
      depth = 1;
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
  // Short literals are kept when they hold a character that is rare in log text (` $ { % …).
  return best.length >= 3 || /[^a-z0-9 .\\/:_"'-]/i.test(best) ? best.toLowerCase() || undefined : undefined;
}
