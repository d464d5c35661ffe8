// Sigma detection: the rule sets a prefecture enabled per logsource, compiled once per distinct choice,
// and each SocEvent shown to the engine in the shape its logsource mappings read (data/soc-detect/
// sigma-fields.yml: SocEvent → ECS; @mamori/sigma's fieldmaps.yml: ECS → Sigma field names).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Severity } from '@mamori/core';
import {
  SigmaEngine,
  dataDir as sigmaDataDir,
  listRuleFiles,
  readRuleSources,
  type LogsourceHint,
  type SigmaMatch,
} from '@mamori/sigma';
import type { SocEvent } from '../types.js';
import {
  compileMatch,
  detectDataDir,
  readDataFile,
  getter,
  refGetter,
  type FieldRef,
  type Getter,
  type Match,
} from './data.js';
import type { Hit } from './hit.js';

export interface LogsourceSpec {
  key: string;
  ja: string;
  en: string;
  hints: Array<Record<string, string>>;
}

export interface RuleSetSpec {
  name: string;
  logsource: string;
  default: boolean;
  paths: string[];
  ja: string;
  en: string;
}

interface FieldsDoc {
  logsourceOf: Array<{ when: Match; logsource: string; raw?: boolean }>;
  ecs: Record<string, string[]>;
  entity: Record<string, FieldRef[]>;
}

export class RuleSetCatalogue {
  readonly logsources: LogsourceSpec[];
  readonly ruleSets: RuleSetSpec[];
  private readonly routes: Array<{ test: (ev: SocEvent) => boolean; logsource: string; raw: boolean }>;
  private readonly ecs: Array<[string[], Getter]>;
  private readonly entity: Record<string, Getter[]>;
  private readonly hintPlans = new Map<
    string,
    Array<{
      fixed: LogsourceHint;
      vars: Array<{ key: string; get: Getter }>;
      made: Map<string, LogsourceHint>;
    }>
  >();
  private readonly ruleFiles = new Map<string, number>();

  constructor() {
    const doc = readDataFile<{
      logsources: Record<string, Omit<LogsourceSpec, 'key'>>;
      ruleSets: RuleSetSpec[];
    }>('rule-sets.yml');
    this.logsources = Object.entries(doc.logsources).map(([key, v]) => ({ key, ...v }));
    this.ruleSets = doc.ruleSets;
    const f = readDataFile<FieldsDoc>('sigma-fields.yml');
    this.routes = f.logsourceOf.map((r) => ({
      test: compileMatch(r.when),
      logsource: r.logsource,
      raw: r.raw === true,
    }));
    this.ecs = Object.entries(f.ecs).map(([k, v]) => [k.split('.'), refGetter(v)]);
    this.entity = Object.fromEntries(Object.entries(f.entity).map(([k, refs]) => [k, refs.map(refGetter)]));
  }

  ruleSet(name: string): RuleSetSpec | undefined {
    return this.ruleSets.find((r) => r.name === name);
  }

  /** The files and folders a rule set reads: `mamori:` paths are Mamori's own data, others the SigmaHQ copy. */
  pathsOf(spec: RuleSetSpec): string[] {
    return spec.paths.map((p) =>
      p.startsWith('mamori:') ? fileURLToPath(new URL(p.slice(7), detectDataDir)) : join(sigmaDataDir, p),
    );
  }

  /** Rule files in a set (counted once; the shipped data does not change while running). */
  ruleFileCount(spec: RuleSetSpec): number {
    let n = this.ruleFiles.get(spec.name);
    if (n === undefined) this.ruleFiles.set(spec.name, (n = listRuleFiles(this.pathsOf(spec)).length));
    return n;
  }

  defaults(logsource: string): string[] {
    return this.ruleSets.filter((r) => r.logsource === logsource && r.default).map((r) => r.name);
  }

  route(ev: SocEvent): { logsource: string; raw: boolean } | null {
    for (const r of this.routes) if (r.test(ev)) return r;
    return null;
  }

  /** The ECS-shaped object the Sigma engine reads for this event. */
  toEcs(ev: SocEvent): Record<string, unknown> {
    const out: Record<string, unknown> = {
      '@timestamp': ev.time,
      event: {
        kind: 'event',
        category: ev.class,
        action: ev.activity,
        outcome: ev.disposition,
        severity: ev.severity,
        module: ev.format,
      },
    };
    for (const [path, get] of this.ecs) {
      const v = get(ev);
      if (v === undefined) continue;
      let cur = out;
      for (let i = 0; i < path.length - 1; i++) {
        const k = path[i]!;
        let next = cur[k] as Record<string, unknown> | undefined;
        if (next === undefined) cur[k] = next = {};
        cur = next;
      }
      cur[path[path.length - 1]!] = v;
    }
    return out;
  }

  entityOf(logsource: string, ev: SocEvent): string {
    for (const get of this.entity[logsource] ?? []) {
      const v = get(ev);
      if (v !== undefined) return v;
    }
    return '-';
  }

  /**
   * The hints an event is evaluated under. The same hint objects are handed out again (the engine keys its
   * routing cache on the object), templated ones once per distinct value.
   */
  hintsFor(logsource: string, ev: SocEvent): LogsourceHint[] {
    let plan = this.hintPlans.get(logsource);
    if (plan === undefined) {
      const spec = this.logsources.find((l) => l.key === logsource);
      plan = (spec?.hints ?? []).map((h) => {
        const vars = Object.entries(h)
          .map(([k, v]) => [k, /^\$\{(.+)\}$/.exec(v)?.[1]] as const)
          .filter((x): x is readonly [string, string] => x[1] !== undefined)
          .map(([k, path]) => ({ key: k, get: getter(path) }));
        return { fixed: h as LogsourceHint, vars, made: new Map<string, LogsourceHint>() };
      });
      this.hintPlans.set(logsource, plan);
    }
    const out: LogsourceHint[] = [];
    for (const p of plan) {
      if (p.vars.length === 0) {
        out.push(p.fixed);
        continue;
      }
      const values = p.vars.map((v) => v.get(ev));
      if (values.some((v) => v === undefined)) continue;
      const key = values.join('\u0000');
      let hint = p.made.get(key);
      if (hint === undefined) {
        hint = { ...p.fixed } as Record<string, string>;
        p.vars.forEach((v, i) => ((hint as Record<string, string>)[v.key] = values[i]!));
        // Bounded: program names are few; a flood of odd values stops being cached.
        if (p.made.size < 1000) p.made.set(key, hint);
      }
      out.push(hint);
    }
    return out;
  }
}

/**
 * One compiled engine per distinct set of enabled rule sets, shared by the prefectures that chose it; events are
 * evaluated with their prefecture as the correlation partition, so correlation state stays per prefecture.
 */
export class SigmaSets {
  private readonly engines = new Map<string, { engine: SigmaEngine; errors: number }>();

  constructor(readonly catalogue: RuleSetCatalogue) {}

  engineFor(ruleSets: string[]): SigmaEngine | null {
    if (ruleSets.length === 0) return null;
    const key = [...ruleSets].sort().join(',');
    let e = this.engines.get(key);
    if (!e) {
      const paths: string[] = [];
      for (const name of ruleSets) {
        const spec = this.catalogue.ruleSet(name);
        if (spec) paths.push(...this.catalogue.pathsOf(spec));
      }
      // Placeholders without values: the rule compiles and that part matches nothing (no site lists yet).
      const engine = new SigmaEngine(readRuleSources(paths), {
        unknownPlaceholders: 'empty',
        maxCorrelationGroups: 5_000,
        maxCorrelationEntries: 500,
      });
      e = { engine, errors: engine.diagnostics.filter((d) => d.status !== 'compiled').length };
      this.engines.set(key, e);
    }
    return e.engine;
  }

  /** Drops compiled engines (after a rule-set change); the next event compiles again. */
  clear(): void {
    this.engines.clear();
  }
}

export const severityOfLevel = (level: string): Severity =>
  (['informational', 'low', 'medium', 'high', 'critical'] as const).find((l) => l === level) ?? 'medium';

/** Evaluates one event on an engine; hits grouped by window of `windowMs`. */
export function sigmaHits(
  catalogue: RuleSetCatalogue,
  engine: SigmaEngine,
  route: { logsource: string; raw: boolean },
  ev: SocEvent,
  windowMs: number,
  out: Hit[],
): void {
  let time = Date.parse(ev.time);
  if (Number.isNaN(time)) time = ev.receivedAt;
  // Most events match nothing: nothing is allocated for them beyond the engine's input.
  let matches: readonly SigmaMatch[] = [];
  if (route.raw) {
    let obj: unknown;
    try {
      obj = JSON.parse(ev.raw);
    } catch {
      return;
    }
    if (obj === null || typeof obj !== 'object') return;
    matches = engine.match(obj, { time, partition: ev.prefectureId });
  } else {
    const obj = catalogue.toEcs(ev);
    const hints = catalogue.hintsFor(route.logsource, ev);
    let found: SigmaMatch[] | null = null;
    for (const hint of hints) {
      for (const m of engine.match(obj, { hint, time, partition: ev.prefectureId })) {
        // A rule matched under two hints counts once.
        if (found === null) found = [];
        else if (found.some((f) => f.rule.id === m.rule.id)) continue;
        found.push(m);
      }
    }
    if (found !== null) matches = found;
  }
  if (matches.length === 0) return;
  const entityDefault = catalogue.entityOf(route.logsource, ev);
  for (const m of matches) {
    const entity =
      m.kind === 'correlation' && m.correlation
        ? Object.values(m.correlation.groupBy).join(' / ') || entityDefault
        : entityDefault;
    out.push({
      source: 'sigma',
      ruleId: m.rule.id,
      ruleTitle: m.rule.title,
      ruleAuthor: m.rule.author || 'unknown',
      severity: severityOfLevel(m.rule.level),
      organizationId: ev.organizationId,
      prefectureId: ev.prefectureId,
      entity,
      windowStart: Math.floor(time / windowMs) * windowMs,
      events: [{ id: ev.id, time, receivedAt: ev.receivedAt }],
      details: {
        fields: m.fields.slice(0, 20),
        tags: m.rule.tags,
        logsource: route.logsource,
        ...(m.correlation ? { correlation: m.correlation } : {}),
      },
    });
  }
}
