// Reading rule files from disk, and where the bundled SigmaHQ corpus lives.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir } from './data.js';
import type { RuleSource } from './types.js';

export { dataDir };

/** The SigmaHQ rule folders shipped in data/ (rules, rules-emerging-threats, …). */
export function bundledRulesDirs(): string[] {
  return readdirSync(dataDir)
    .filter((n) => n.startsWith('rules') && statSync(join(dataDir, n)).isDirectory())
    .sort()
    .map((n) => join(dataDir, n));
}

/** SigmaHQ regression samples shipped in data/regression_data. */
export function bundledRegressionDir(): string {
  return join(dataDir, 'regression_data');
}

/** Every .yml/.yaml file under the given files or folders, sorted, as RuleSource. */
export function readRuleSources(paths: readonly string[]): RuleSource[] {
  return listRuleFiles(paths).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
}

/** The rule files `readRuleSources` would read: given files, and `.yml`/`.yaml` files under given folders. */
export function listRuleFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (p: string, depth: number): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      if (depth > 32) return;
      for (const n of readdirSync(p).sort()) {
        if (n.startsWith('.')) continue;
        walk(join(p, n), depth + 1);
      }
    } else if (depth === 0 || /\.ya?ml$/i.test(p)) files.push(p);
  };
  for (const p of paths) walk(p, 0);
  return files;
}
