// `templates check`: compile every template under the given folders and report compiled / unsupported / error.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { compileTemplate } from './compile.js';
import type { CompileOptions, CompileResult, CompiledTemplate } from './compile.js';

export interface CheckReport {
  total: number;
  compiled: number;
  unsupported: number;
  errors: number;
  /** Compiled templates whose requests go to hosts named in the template (the scope check decides). */
  selfContained: number;
  byProtocol: Record<string, { total: number; compiled: number; unsupported: number; errors: number }>;
  reasons: Array<{ reason: string; count: number }>;
  templates: Array<{ path: string; id: string; status: string; reason?: string; protocols: string[] }>;
  compileMs: number;
}

export function listTemplateFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, depth: number) => {
    if (depth > 32) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith('.')) continue;
        walk(join(p, name), depth + 1);
      }
    } else if (/\.ya?ml$/i.test(p)) out.push(p);
  };
  for (const p of paths) walk(p, 0);
  return out;
}

/** Group reasons ("dsl function jarm() not implemented") for the summary. */
export function reasonKey(reason: string): string {
  return reason
    .replace(/ \(.*\)$/, '')
    .replace(/"[^"]*"/g, '"…"')
    .slice(0, 120);
}

export function checkTemplates(paths: string[], opts: CompileOptions & { root?: string } = {}): CheckReport {
  const files = listTemplateFiles(paths);
  const started = performance.now();
  const results: CompileResult[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (err) {
      results.push({
        path: f,
        id: '',
        status: 'error',
        reason: `read: ${(err as Error).message}`,
        protocols: [],
      });
      continue;
    }
    results.push(compileTemplate(text, f, opts));
  }
  const compileMs = performance.now() - started;
  const byProtocol: CheckReport['byProtocol'] = {};
  const reasons = new Map<string, number>();
  let selfContained = 0;
  for (const r of results) {
    const proto =
      r.protocols.length === 1 ? r.protocols[0]! : r.protocols.length === 0 ? 'none' : r.protocols.join('+');
    const b = (byProtocol[proto] ??= { total: 0, compiled: 0, unsupported: 0, errors: 0 });
    b.total++;
    if (r.status === 'compiled') b.compiled++;
    else if (r.status === 'unsupported') b.unsupported++;
    else b.errors++;
    if (r.template?.selfContained) selfContained++;
    if (r.reason) reasons.set(reasonKey(r.reason), (reasons.get(reasonKey(r.reason)) ?? 0) + 1);
  }
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return {
    total: results.length,
    compiled: count('compiled'),
    unsupported: count('unsupported'),
    errors: count('error'),
    selfContained,
    byProtocol,
    reasons: [...reasons].map(([reason, c]) => ({ reason, count: c })).sort((a, b) => b.count - a.count),
    templates: results.map((r) => ({
      path: opts.root ? relative(opts.root, r.path) : r.path,
      id: r.id,
      status: r.status,
      ...(r.reason ? { reason: r.reason } : {}),
      protocols: r.protocols,
    })),
    compileMs,
  };
}

export interface TemplateSelection {
  /** Keep templates with at least one of these tags. */
  tags?: string[];
  excludeTags?: string[];
  severities?: string[];
  ids?: string[];
  protocols?: string[];
  /** Templates that call hosts named in the template (not the target). Default false. */
  includeSelfContained?: boolean;
}

/** Compile the templates under `paths` and keep those the selection names; unsupported ones are left out. */
export function loadCompiledTemplates(
  paths: string[],
  select: TemplateSelection = {},
  opts: CompileOptions = {},
): CompiledTemplate[] {
  const lower = (xs?: string[]) => xs?.map((x) => x.toLowerCase());
  const tags = lower(select.tags);
  const excl = lower(select.excludeTags);
  const sev = lower(select.severities);
  const out: CompiledTemplate[] = [];
  for (const f of listTemplateFiles(paths)) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const t = compileTemplate(text, f, opts).template;
    if (!t) continue;
    if (t.selfContained && !select.includeSelfContained) continue;
    const ttags = t.info.tags.map((x) => x.toLowerCase());
    if (tags && !ttags.some((x) => tags.includes(x))) continue;
    if (excl && ttags.some((x) => excl.includes(x))) continue;
    if (sev && !sev.includes(t.info.severity)) continue;
    if (select.ids && !select.ids.includes(t.id)) continue;
    if (select.protocols && !t.protocols.some((p) => select.protocols!.includes(p))) continue;
    out.push(t);
  }
  return out;
}
