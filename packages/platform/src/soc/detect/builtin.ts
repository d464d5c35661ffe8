// Built-in threshold and correlation rules (data/soc-detect/builtin-rules.yml) evaluated over windows of
// event time. State is per prefecture × rule × group, bounded: at most maxGroups groups per rule (least
// recently used evicted) and maxEntries timestamps/values per group; expire() drops groups idle for longer
// than their rule's timespan.
import type { Severity } from '@mamori/core';
import type { SocEvent } from '../types.js';
import {
  compileMatch,
  parseRefKey,
  parseSpan,
  readDataFile,
  refGetter,
  type FieldRef,
  type Getter,
  type Match,
} from './data.js';
import type { Hit, HitEvent } from './hit.js';

interface RuleDoc {
  id: string;
  title: string;
  ja?: string;
  author: string;
  level: Severity;
  tags?: string[];
  kind: 'count' | 'distinct' | 'periodic';
  match?: Match;
  notMatch?: Match;
  require?: FieldRef[];
  by: FieldRef[];
  entity: FieldRef[];
  threshold?: number;
  distinct?: Record<string, number>;
  minCount?: number;
  maxJitter?: number;
  minIntervalSeconds?: number;
  timespan: string;
}

export interface BuiltinRule {
  id: string;
  title: string;
  titleJa: string;
  author: string;
  level: Severity;
  tags: string[];
  kind: RuleDoc['kind'];
  timespanMs: number;
  threshold: number;
  distinct: Array<{ ref: FieldRef; n: number }>;
  minCount: number;
  maxJitter: number;
  minIntervalMs: number;
  orgScoped: boolean;
  /** Values `match` requires of sourceKind and class (null: any): the detector routes events by them. */
  sourceKinds: ReadonlySet<string> | null;
  classes: ReadonlySet<string> | null;
  test: (ev: SocEvent) => boolean;
  by: Getter[];
  entity: Getter[];
  distinctGet: Getter[];
}

interface Group {
  rule: BuiltinRule;
  organizationId: string | null;
  prefectureId: string;
  entity: string;
  /** Event times (ms), ascending as received (out-of-order events are inserted in place). */
  times: number[];
  /** Evidence before firing: the events of the window (bounded like times). */
  events: HitEvent[];
  /** Earliest time among `events` (a lower bound after the oldest are dropped for the cap). */
  eventsMin: number;
  /** distinct field index → value → last time seen. */
  values: Array<Map<string, number>>;
  last: number;
  /** receivedAt of the last event: a group fed by an import of old logs is idle only when the feeding stops. */
  touched: number;
  /** Set once fired: further events join this alert window while they come within a timespan. */
  firedWindow: number | null;
}

export interface BuiltinOptions {
  maxGroups?: number;
  maxEntries?: number;
}

const KINDS = new Set(['count', 'distinct', 'periodic']);
const LEVELS = new Set(['informational', 'low', 'medium', 'high', 'critical']);

export function loadBuiltinRules(docs?: RuleDoc[]): BuiltinRule[] {
  const list = docs ?? readDataFile<{ rules: RuleDoc[] }>('builtin-rules.yml').rules;
  return list.map((d) => {
    if (!KINDS.has(d.kind)) throw new Error(`built-in rule ${d.id}: unknown kind ${String(d.kind)}`);
    if (!LEVELS.has(d.level)) throw new Error(`built-in rule ${d.id}: unknown level ${String(d.level)}`);
    const m = compileMatch(d.match);
    const not = d.notMatch ? compileMatch(d.notMatch) : null;
    // notMatch: any one path holding one of its values excludes the event.
    const notTests = d.notMatch ? Object.entries(d.notMatch).map(([k, v]) => compileMatch({ [k]: v })) : [];
    const req = (d.require ?? []).map(refGetter);
    const test = (ev: SocEvent) =>
      m(ev) && (not === null || !notTests.some((t) => t(ev))) && req.every((r) => r(ev) !== undefined);
    const distinct = Object.entries(d.distinct ?? {}).map(([k, n]) => ({ ref: parseRefKey(k), n }));
    return {
      id: d.id,
      title: d.title,
      titleJa: d.ja ?? d.title,
      author: d.author,
      level: d.level,
      tags: d.tags ?? [],
      kind: d.kind,
      timespanMs: parseSpan(d.timespan),
      threshold: d.threshold ?? 1,
      distinct,
      distinctGet: distinct.map((x) => refGetter(x.ref)),
      minCount: d.minCount ?? 6,
      maxJitter: d.maxJitter ?? 0.2,
      minIntervalMs: (d.minIntervalSeconds ?? 1) * 1000,
      orgScoped: d.by.some((b) => b === 'organizationId'),
      sourceKinds: valuesOf(d.match?.sourceKind),
      classes: valuesOf(d.match?.class),
      test,
      by: d.by.map(refGetter),
      entity: d.entity.map(refGetter),
    };
  });
}

function valuesOf(v: Match[string] | undefined): Set<string> | null {
  return v === undefined ? null : new Set((Array.isArray(v) ? v : [v]).map(String));
}

function insertSorted(arr: number[], t: number): number {
  let i = arr.length;
  while (i > 0 && arr[i - 1]! > t) i--;
  arr.splice(i, 0, t);
  return i;
}

export class BuiltinDetector {
  private readonly groups = new Map<string, Map<string, Group>>();
  private readonly maxGroups: number;
  private readonly maxEntries: number;
  /** Latest event time seen. */
  private watermark = 0;

  constructor(
    readonly rules: BuiltinRule[],
    options: BuiltinOptions = {},
  ) {
    this.maxGroups = options.maxGroups ?? 20_000;
    this.maxEntries = options.maxEntries ?? 1_000;
    for (const r of rules) this.groups.set(r.id, new Map());
  }

  /** Groups held (all rules): for the memory bound's tests and metrics. */
  get size(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.size;
    return n;
  }

  /** sourceKind → class → the rules that can match such an event (most events concern none). */
  private readonly routes = new Map<string, Map<string, BuiltinRule[]>>();

  private rulesFor(ev: SocEvent): BuiltinRule[] {
    let byClass = this.routes.get(ev.sourceKind);
    if (byClass === undefined) this.routes.set(ev.sourceKind, (byClass = new Map()));
    let list = byClass.get(ev.class);
    if (list === undefined) {
      list = this.rules.filter(
        (r) =>
          (r.sourceKinds === null || r.sourceKinds.has(ev.sourceKind)) &&
          (r.classes === null || r.classes.has(ev.class)),
      );
      byClass.set(ev.class, list);
    }
    return list;
  }

  evaluate(ev: SocEvent, out: Hit[]): void {
    let time = NaN;
    const rules = this.rulesFor(ev);
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (!rule.test(ev)) continue;
      if (Number.isNaN(time)) {
        time = Date.parse(ev.time);
        if (Number.isNaN(time)) time = ev.receivedAt;
      }
      this.feed(rule, ev, time, out);
    }
  }

  private feed(rule: BuiltinRule, ev: SocEvent, time: number, out: Hit[]): void {
    let key = ev.prefectureId;
    for (let i = 0; i < rule.by.length; i++) key += '\u0000' + (rule.by[i]!(ev) ?? '');
    const map = this.groups.get(rule.id)!;
    let g = map.get(key);
    if (g === undefined) {
      g = {
        rule,
        organizationId: rule.orgScoped ? ev.organizationId : null,
        prefectureId: ev.prefectureId,
        entity: rule.entity.map((e) => e(ev) ?? '-').join(' / '),
        times: [],
        events: [],
        eventsMin: Infinity,
        values: rule.distinct.map(() => new Map()),
        last: time,
        touched: ev.receivedAt,
        firedWindow: null,
      };
      if (map.size >= this.maxGroups) {
        // Least recently used first (Map keeps insertion order; touched groups are re-inserted).
        const oldest = map.keys().next().value;
        if (oldest !== undefined) map.delete(oldest);
      }
    } else {
      map.delete(key);
    }
    map.set(key, g);
    g.touched = Math.max(g.touched, ev.receivedAt);
    // A device clock running ahead must not age everyone else's windows.
    if (time > this.watermark && time <= ev.receivedAt + 300_000) this.watermark = time;
    const hitEvent: HitEvent = { id: ev.id, time, receivedAt: ev.receivedAt };
    const span = rule.timespanMs;

    // A fired group keeps its alert while events keep coming within a timespan of the last one.
    if (g.firedWindow !== null) {
      if (time - g.last <= span) {
        g.last = Math.max(g.last, time);
        out.push(this.hit(g, g.firedWindow, [hitEvent], {}));
        return;
      }
      g.firedWindow = null;
      g.times = [];
      g.events = [];
      g.eventsMin = Infinity;
      for (const v of g.values) v.clear();
    }
    g.last = Math.max(g.last, time);
    insertSorted(g.times, time);
    g.events.push(hitEvent);
    if (time < g.eventsMin) g.eventsMin = time;
    const from = g.last - span;
    let drop = 0;
    while (drop < g.times.length && g.times[drop]! < from) drop++;
    if (g.times.length - drop > this.maxEntries) drop = g.times.length - this.maxEntries;
    if (drop > 0) g.times.splice(0, drop);
    // Evidence: the events still inside the window (bounded).
    // Only when the window has passed an event is the list filtered; the cap drops the oldest arrivals in place
    // (a full group used to copy its 1,000 entries twice for every event).
    if (g.eventsMin < from) {
      g.events = g.events.filter((e) => e.time >= from);
      g.eventsMin = Infinity;
      for (const e of g.events) if (e.time < g.eventsMin) g.eventsMin = e.time;
    }
    while (g.events.length > this.maxEntries) g.events.shift();

    let fired = false;
    let details: Record<string, unknown> = {};
    if (rule.kind === 'count') {
      fired = g.times.length >= rule.threshold;
      if (fired) details = { count: g.times.length, threshold: rule.threshold };
    } else if (rule.kind === 'distinct') {
      rule.distinct.forEach((d, i) => {
        const v = rule.distinctGet[i]!(ev);
        const vals = g!.values[i]!;
        if (v !== undefined) {
          vals.delete(v);
          vals.set(v, time);
        }
        for (const [val, t] of vals) {
          if (t >= from && vals.size <= this.maxEntries) break;
          vals.delete(val);
        }
        if (!fired && vals.size >= d.n) {
          fired = true;
          details = {
            distinctField: Array.isArray(d.ref) ? d.ref[0] : d.ref,
            distinct: vals.size,
            threshold: d.n,
            values: [...vals.keys()].slice(0, 50),
          };
        }
      });
    } else {
      const ts = g.times;
      if (ts.length >= rule.minCount) {
        const n = ts.length - 1;
        const mean = (ts[n]! - ts[0]!) / n;
        let sq = 0;
        for (let i = 1; i <= n; i++) sq += (ts[i]! - ts[i - 1]! - mean) ** 2;
        const cv = mean > 0 ? Math.sqrt(sq / n) / mean : Infinity;
        fired = mean >= rule.minIntervalMs && cv <= rule.maxJitter;
        if (fired)
          details = { count: ts.length, meanIntervalSeconds: Math.round(mean / 100) / 10, jitter: cv };
      }
    }
    if (!fired) return;
    const windowStart = g.times[0] ?? time;
    g.firedWindow = windowStart;
    const evidence = g.events;
    g.events = [];
    g.eventsMin = Infinity;
    out.push(this.hit(g, windowStart, evidence, details));
  }

  private hit(g: Group, windowStart: number, events: HitEvent[], details: Record<string, unknown>): Hit {
    const r = g.rule;
    return {
      source: 'builtin',
      ruleId: r.id,
      ruleTitle: r.title,
      ruleAuthor: r.author,
      severity: r.level,
      organizationId: g.organizationId,
      prefectureId: g.prefectureId,
      entity: g.entity,
      windowStart,
      events,
      details: { ...details, tags: r.tags, titleJa: r.titleJa },
    };
  }

  /**
   * Drops groups whose window has passed: in event time (later events of the stream are a timespan past the
   * group's last one) or in receipt time (nothing fed the group for a timespan, pipeline clock).
   */
  expire(nowMs: number): number {
    let dropped = 0;
    for (const rule of this.rules) {
      const map = this.groups.get(rule.id)!;
      const span = rule.timespanMs;
      for (const [k, g] of map) {
        if (this.watermark - g.last > span || nowMs - g.touched > span) {
          map.delete(k);
          dropped++;
        }
      }
    }
    return dropped;
  }
}
