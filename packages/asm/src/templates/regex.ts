// Every regular expression from a template runs on RE2 semantics (re2js, pure JS): linear time, so a hostile
// template cannot stall the process with catastrophic backtracking. Template regexes are written for Go's
// regexp package, which is RE2, so the syntax carries over unchanged.
import { RE2JS } from 're2js';

export class TemplateRegexError extends Error {
  constructor(pattern: string, reason: string) {
    super(`invalid regex ${JSON.stringify(pattern.slice(0, 120))}: ${reason}`);
    this.name = 'TemplateRegexError';
  }
}

const cache = new Map<string, RE2JS>();
const CACHE_LIMIT = 20_000;

/** Compile (cached). Throws TemplateRegexError on syntax RE2 does not accept (e.g. look-ahead, back-references). */
export function compileRegex(pattern: string, caseInsensitive = false): RE2JS {
  const key = (caseInsensitive ? 'i:' : 's:') + pattern;
  const hit = cache.get(key);
  if (hit) return hit;
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    throw new TemplateRegexError(pattern, err instanceof Error ? err.message : String(err));
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, re);
  return re;
}

export function regexTest(re: RE2JS, input: string): boolean {
  return re.test(input);
}

/** All matches with their groups (each entry: [full, g1, g2, …]); bounded by `limit`. */
export function regexAll(re: RE2JS, input: string, limit = 1000): string[][] {
  const out: string[][] = [];
  for (const m of re.matchAll(input)) {
    out.push(Array.from(m as ArrayLike<string | undefined>, (v) => v ?? ''));
    if (out.length >= limit) break;
  }
  return out;
}

export function regexReplaceAll(re: RE2JS, input: string, replacement: string): string {
  // Go's ReplaceAllString expands $1 / ${name}; re2js's replaceAll does the same ($ syntax).
  return re.matcher(input).replaceAll(replacement);
}
