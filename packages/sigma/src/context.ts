// Per-event evaluation context: resolves each field at most once per event (epoch-stamped caches,
// reused across events, so the hot path allocates only the lowercased strings it needs).
import { FieldResolver } from './event.js';
import type { EvalCtx } from './nodes.js';

/** Field table: Sigma field names (and renamed variants) → dense ids. */
export class FieldTable {
  readonly names: string[] = [];
  /** For renamed fields: name the event is asked for first. */
  readonly alts: Array<string | undefined> = [];
  private readonly ids = new Map<string, number>();

  id(name: string, alt?: string): number {
    const key = alt === undefined ? name : `${alt}\u0001${name}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.alts.push(alt);
      this.ids.set(key, id);
    }
    return id;
  }

  idsOf(name: string): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.names.length; i++)
      if (this.names[i] === name || this.alts[i] === name) out.push(i);
    return out;
  }
}

const UNSET = Symbol('unset');

export class EventContext implements EvalCtx {
  readonly resolver = new FieldResolver();
  private stamp = new Int32Array(64);
  private rawC: unknown[] = [];
  private strC: Array<string | undefined> = [];
  private lowStamp = new Int32Array(64);
  private strStamp = new Int32Array(64);
  private lowC: Array<string | undefined> = [];
  private epoch = 0;
  private kw: string[] | undefined;
  private kwLow: string[] | undefined;

  constructor(readonly fields: FieldTable) {}

  reset(event: Record<string, unknown>): void {
    this.resolver.reset(event);
    if (++this.epoch === 0x7fffffff) {
      this.epoch = 1;
      this.stamp.fill(0);
      this.lowStamp.fill(0);
      this.strStamp.fill(0);
    }
    const n = this.fields.names.length;
    if (this.stamp.length < n) {
      const s = new Int32Array(n * 2);
      s.set(this.stamp);
      this.stamp = s;
      const l = new Int32Array(n * 2);
      l.set(this.lowStamp);
      this.lowStamp = l;
      const t = new Int32Array(n * 2);
      t.set(this.strStamp);
      this.strStamp = t;
    }
    this.kw = this.kwLow = undefined;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  raw(fid: number): unknown {
    if (this.stamp[fid] === this.epoch) return this.rawC[fid];
    const f = this.fields;
    const alt = f.alts[fid];
    let v: unknown = UNSET;
    if (alt !== undefined) {
      v = this.resolver.resolve(alt, undefined);
      if (v === undefined) v = UNSET;
    }
    if (v === UNSET) v = this.resolver.resolve(f.names[fid]!, undefined);
    this.stamp[fid] = this.epoch;
    this.rawC[fid] = v;
    return v;
  }

  str(fid: number): string | undefined {
    const v = this.stamp[fid] === this.epoch ? this.rawC[fid] : this.raw(fid);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
      // Numbers become strings only when a string test asks, once per event.
      if (this.strStamp[fid] !== this.epoch) {
        this.strStamp[fid] = this.epoch;
        this.strC[fid] = String(v);
      }
      return this.strC[fid];
    }
    return undefined;
  }

  lower(fid: number): string | undefined {
    if (this.lowStamp[fid] === this.epoch) return this.lowC[fid];
    const s = this.str(fid);
    const l = s === undefined ? undefined : s.toLowerCase();
    this.lowStamp[fid] = this.epoch;
    this.lowC[fid] = l;
    return l;
  }

  keywords(): readonly string[] {
    if (this.kw === undefined) {
      this.kw = [];
      this.resolver.allStrings(this.kw);
    }
    return this.kw;
  }

  keywordsLower(): readonly string[] {
    return (this.kwLow ??= this.keywords().map((s) => s.toLowerCase()));
  }

  fieldName(fid: number): string {
    return this.fields.names[fid]!;
  }
}
