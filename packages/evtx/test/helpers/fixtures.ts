// Paths of the SigmaHQ regression samples copied into test/fixtures/regression.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const regressionDir = fileURLToPath(new URL('../fixtures/regression/', import.meta.url));

export function fixtureFiles(suffix: string, dir = regressionDir, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) fixtureFiles(suffix, p, out);
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

/** The regression .json files hold one or more pretty-printed objects one after another. */
export function readConcatenatedJson(text: string): unknown[] {
  const s = text.replace(/^\uFEFF/, '');
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inStr = false;
  let esc = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(s.slice(start, i + 1)));
  }
  return out;
}
