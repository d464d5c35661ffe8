// Correlation rules (event_count, value_count, temporal, temporal_ordered, value_sum, value_avg)
// over a stream. State is kept per group with hard bounds: at most maxGroups groups per rule (least
// recently used evicted) and maxEntries timestamps/values per group.
import type { CorrelationInfo, CorrelationType } from './types.js';

export interface CondRange {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
  neq?: number;
}

export function condHolds(c: CondRange, x: number): boolean {
  if (c.gt !== undefined && !(x > c.gt)) return false;
  if (c.gte !== undefined && !(x >= c.gte)) return false;
  if (c.lt !== undefined && !(x < c.lt)) return false;
  if (c.lte !== undefined && !(x <= c.lte)) return false;
  if (c.eq !== undefined && x !== c.eq) return false;
  if (c.neq !== undefined && x === c.neq) return false;
  return true;
}

interface Group {
  key: string;
  groupBy: Record<string, string>;
  times: number[];
  /** value_count: value → last time seen; temporal: rule index → last time. */
  seen: Map<string, number>;
  nums: Array<[number, number]>;
  /** temporal_ordered: latest start time of a completed in-order prefix ending at index i. */
  prefixStart: number[];
  ruleIds: Set<string>;
}

export interface CorrelationSpec {
  type: CorrelationType;
  /** Referenced rules in order (index = position in `rules:`). */
  ruleCount: number;
  groupBy: string[];
  timespanMs: number;
  condition: CondRange;
  /** value_count/value_sum/value_avg field. */
  field?: string;
}

export class CorrelationState {
  private readonly groups = new Map<string, Group>();
  constructor(
    readonly spec: CorrelationSpec,
    private readonly maxGroups: number,
    private readonly maxEntries: number,
  ) {}

  get groupCount(): number {
    return this.groups.size;
  }

  /**
   * One matching event of referenced rule `ruleIndex`. `groupValues` are the group-by values, `fieldValue` the
   * value of `field`, `partition` the tenant whose state it joins. Returns the correlation outcome when the
   * condition is met.
   */
  feed(
    ruleIndex: number,
    ruleId: string,
    time: number,
    groupValues: string[],
    fieldValue: string | undefined,
    partition?: string,
  ): CorrelationInfo | undefined {
    const s = this.spec;
    const joined = groupValues.join('\u0000');
    const key = partition === undefined ? joined : `${partition}\u0001${joined}`;
    let g = this.groups.get(key);
    if (g === undefined) {
      if (this.groups.size >= this.maxGroups) {
        const oldest = this.groups.keys().next().value as string;
        this.groups.delete(oldest);
      }
      const groupBy: Record<string, string> = {};
      s.groupBy.forEach((f, i) => (groupBy[f] = groupValues[i]!));
      g = { key, groupBy, times: [], seen: new Map(), nums: [], prefixStart: [], ruleIds: new Set() };
    } else this.groups.delete(key); // re-insert: Map order is recency for eviction
    this.groups.set(key, g);
    g.ruleIds.add(ruleId);
    const from = time - s.timespanMs;
    const prune = (): void => {
      while (g!.times.length && g!.times[0]! < from) g!.times.shift();
      while (g!.times.length > this.maxEntries) g!.times.shift();
    };
    let value: number | undefined;
    switch (s.type) {
      case 'event_count':
        g.times.push(time);
        prune();
        value = g.times.length;
        break;
      case 'value_count':
        if (fieldValue === undefined) return undefined;
        g.times.push(time);
        prune();
        g.seen.delete(fieldValue);
        g.seen.set(fieldValue, time);
        for (const [v, t] of g.seen) {
          if (t >= from && g.seen.size <= this.maxEntries) break;
          g.seen.delete(v);
        }
        value = g.seen.size;
        break;
      case 'value_sum':
      case 'value_avg': {
        const x = fieldValue === undefined ? NaN : Number(fieldValue);
        if (Number.isNaN(x)) return undefined;
        g.nums.push([time, x]);
        while (g.nums.length && (g.nums[0]![0] < from || g.nums.length > this.maxEntries)) g.nums.shift();
        const sum = g.nums.reduce((a, [, v]) => a + v, 0);
        value = s.type === 'value_sum' ? sum : sum / g.nums.length;
        g.times = g.nums.map(([t]) => t);
        break;
      }
      case 'temporal': {
        g.seen.set(String(ruleIndex), time);
        g.times.push(time);
        prune();
        let n = 0;
        for (const t of g.seen.values()) if (t >= from) n++;
        value = n;
        break;
      }
      case 'temporal_ordered': {
        // prefixStart[i]: start time of the latest in-order chain rules[0..i] still inside the window.
        const ps = g.prefixStart;
        if (ruleIndex === 0) ps[0] = time;
        else {
          const prev = ps[ruleIndex - 1];
          if (prev !== undefined && prev >= from) ps[ruleIndex] = prev;
        }
        g.times.push(time);
        prune();
        let n = 0;
        for (let i = 0; i < s.ruleCount; i++) {
          const st = ps[i];
          if (st !== undefined && st >= from) n = i + 1;
          else break;
        }
        value = n;
        break;
      }
    }
    if (value === undefined || !condHolds(s.condition, value)) return undefined;
    const info: CorrelationInfo = {
      type: s.type,
      groupBy: { ...g.groupBy },
      value,
      ruleIds: [...g.ruleIds],
      firstSeen: g.times[0] ?? time,
      lastSeen: time,
    };
    // Fire once per window: start the group afresh.
    this.groups.delete(key);
    return info;
  }
}

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60000,
  h: 3600000,
  d: 86400000,
  w: 604800000,
  M: 2592000000,
  y: 31536000000,
};

export function parseTimespan(v: unknown): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const m = /^\s*(\d+)\s*([smhdwMy])\s*$/.exec(String(v));
  if (!m) return undefined;
  return Number(m[1]) * UNITS[m[2]!]!;
}
