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

export function compileRegex(pattern: string, flags: RegexFlags = {}): LinearRegex {
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
      if (probe.test(pattern)) throw new UnsupportedRegexError(`regular expression uses ${what}, which RE2 (linear-time) cannot run`);
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
