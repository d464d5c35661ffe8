// `sigma check`: compile rule files and report, per file, compiled / unsupported / error with reasons.
import { SigmaEngine } from './engine.js';
import type { CheckReport, EngineOptions, RuleSource, RuleStatus } from './types.js';

const RANK: Record<RuleStatus, number> = { compiled: 0, unsupported: 1, error: 2 };

export function checkRules(sources: readonly RuleSource[], options: EngineOptions = {}): CheckReport {
  const engine = new SigmaEngine([], options);
  const diags = engine.addRules(sources);
  const byPath = new Map<string, typeof diags>();
  for (const d of diags) {
    let l = byPath.get(d.path);
    if (!l) byPath.set(d.path, (l = []));
    l.push(d);
  }
  const report: CheckReport = { total: 0, compiled: 0, unsupported: 0, errors: 0, rules: [] };
  for (const src of sources) {
    const ds = byPath.get(src.path) ?? [];
    report.total++;
    if (ds.length === 0) {
      report.errors++;
      report.rules.push({
        path: src.path,
        id: '',
        title: '',
        status: 'error',
        reason: 'file holds no Sigma rule',
        line: 0,
      });
      continue;
    }
    // A file's status is its worst document's; the reason is that document's.
    const worst = ds.reduce((a, b) => (RANK[b.status] > RANK[a.status] ? b : a));
    const main = ds.find((d) => d.kind === 'correlation') ?? ds[0]!;
    const entry: CheckReport['rules'][number] = {
      path: src.path,
      id: main.id || worst.id,
      title: main.title || worst.title,
      status: worst.status,
      reason: null,
    };
    if (worst.status !== 'compiled') {
      entry.reason = worst.reason ?? 'unknown';
      entry.line = worst.line;
    }
    const warnings = ds.flatMap((d) => d.warnings ?? []);
    if (warnings.length) entry.warnings = [...new Set(warnings)];
    report.rules.push(entry);
    if (worst.status === 'compiled') report.compiled++;
    else if (worst.status === 'unsupported') report.unsupported++;
    else report.errors++;
  }
  return report;
}
