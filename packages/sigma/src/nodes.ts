// Compiled detection trees. Leaves read fields through an EvalCtx that caches each field's value once
// per event, so many rules testing the same field cost one lookup and one lowercasing.
import type { MatchedField } from './types.js';

export interface EvalCtx {
  /** Resolved value of field `fid`, or undefined when absent. */
  raw(fid: number): unknown;
  /** String form of a scalar field value; undefined when absent, null, an object or an array. */
  str(fid: number): string | undefined;
  /** Lowercased str(fid). */
  lower(fid: number): string | undefined;
  /** Every scalar value in the event (keyword search). */
  keywords(): readonly string[];
  /** Lowercased keywords(). */
  keywordsLower(): readonly string[];
  fieldName(fid: number): string;
}

/** A test of one scalar value: `s` is the value as string (lowercased unless the test is cased). */
export abstract class Test {
  /** Rough evaluation cost, to run cheap checks first in AND/OR nodes. */
  cost = 2;
  cased = false;
  /** Case-insensitive whole-value equality with eqValue() (lets leaves use one hash lookup for long lists). */
  plainEq = false;
  /** True for tests that read other fields of the event (fieldref). */
  refersToFields = false;
  abstract test(s: string, v: unknown, ctx: EvalCtx): boolean;
  /** Lowercase literal every matching value contains, for the multi-pattern prefilter. */
  literal(): string | undefined {
    return undefined;
  }
  /** The exact value an equality test wants (EventID indexing); undefined for other tests. */
  eqValue(): string | undefined {
    return undefined;
  }
  /** Where literal() must sit in the value: 0 anywhere, 1 at the start, 2 at the end, 3 the whole value. */
  literalPos(): number {
    return 0;
  }
}

export abstract class Node {
  abstract ev(ctx: EvalCtx): boolean;
  /** Rough evaluation cost (AND/OR evaluate cheaper children first; boolean results do not depend on order). */
  cost(): number {
    return 1;
  }
  /** Push the fields that made this node true (called only on matching rules). */
  explain(_ctx: EvalCtx, _out: MatchedField[]): void {}
}

export class ConstNode extends Node {
  constructor(readonly value: boolean) {
    super();
  }
  ev(): boolean {
    return this.value;
  }
}

const byCost = (items: Node[]): Node[] =>
  items
    .map((n) => [n.cost(), n] as const)
    .sort((a, b) => a[0] - b[0])
    .map((x) => x[1]);

export class AndNode extends Node {
  readonly items: Node[];
  constructor(items: Node[]) {
    super();
    this.items = byCost(items);
  }
  override cost(): number {
    return this.items.reduce((a, n) => a + n.cost(), 0);
  }
  ev(ctx: EvalCtx): boolean {
    const items = this.items;
    for (let i = 0; i < items.length; i++) if (!items[i]!.ev(ctx)) return false;
    return true;
  }
  override explain(ctx: EvalCtx, out: MatchedField[]): void {
    for (const n of this.items) n.explain(ctx, out);
  }
}

export class OrNode extends Node {
  readonly items: Node[];
  constructor(items: Node[]) {
    super();
    this.items = byCost(items);
  }
  override cost(): number {
    return this.items.reduce((a, n) => a + n.cost(), 0);
  }
  ev(ctx: EvalCtx): boolean {
    const items = this.items;
    for (let i = 0; i < items.length; i++) if (items[i]!.ev(ctx)) return true;
    return false;
  }
  override explain(ctx: EvalCtx, out: MatchedField[]): void {
    for (const n of this.items) if (n.ev(ctx)) n.explain(ctx, out);
  }
}

/** At least `min` of the items (for `N of x*`). */
export class AtLeastNode extends Node {
  constructor(
    readonly items: Node[],
    readonly min: number,
  ) {
    super();
  }
  ev(ctx: EvalCtx): boolean {
    let n = 0;
    for (const it of this.items) if (it.ev(ctx) && ++n >= this.min) return true;
    return false;
  }
  override explain(ctx: EvalCtx, out: MatchedField[]): void {
    for (const n of this.items) if (n.ev(ctx)) n.explain(ctx, out);
  }
}

export class NotNode extends Node {
  constructor(readonly item: Node) {
    super();
  }
  override cost(): number {
    return this.item.cost();
  }
  ev(ctx: EvalCtx): boolean {
    return !this.item.ev(ctx);
  }
}

function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

/**
 * Field leaf: `field|mods: values`. `groups` holds one list of alternative tests per rule value
 * (a value expands to several with windash/base64offset); groups are OR-ed, or AND-ed with `all`.
 */
export class FieldLeaf extends Node {
  private readonly cased: boolean;
  /** Long OR lists of plain equality values: one Set lookup instead of one comparison per value. */
  private readonly eqSet: Set<string> | undefined;
  private readonly rest: Test[][];
  constructor(
    readonly fid: number,
    readonly field: string,
    readonly groups: Test[][],
    readonly all: boolean,
    readonly neq: boolean,
  ) {
    super();
    this.cased = groups.some((g) => g.some((t) => t.cased));
    const eqGroups = all ? [] : groups.filter((g) => g.length === 1 && g[0]!.plainEq && !g[0]!.cased);
    if (eqGroups.length >= 4) {
      this.eqSet = new Set(eqGroups.map((g) => g[0]!.eqValue()!));
      this.rest = groups.filter((g) => !eqGroups.includes(g));
    } else this.rest = groups;
  }

  override cost(): number {
    let c = 1;
    for (const g of this.rest) for (const t of g) c += t.cost;
    return c + (this.eqSet ? 1 : 0);
  }

  private groupOk(g: Test[], s: string, lo: string, v: unknown, ctx: EvalCtx): boolean {
    for (let j = 0; j < g.length; j++) {
      const t = g[j]!;
      if (t.test(t.cased ? s : lo, v, ctx)) return true;
    }
    return false;
  }

  private scalar(s: string, lo: string, v: unknown, ctx: EvalCtx): boolean {
    if (this.all) {
      const groups = this.groups;
      for (let i = 0; i < groups.length; i++) if (!this.groupOk(groups[i]!, s, lo, v, ctx)) return false;
      return groups.length > 0;
    }
    if (this.eqSet !== undefined && this.eqSet.has(lo)) return true;
    const rest = this.rest;
    for (let i = 0; i < rest.length; i++) if (this.groupOk(rest[i]!, s, lo, v, ctx)) return true;
    return false;
  }

  private positive(ctx: EvalCtx): boolean {
    const lo = ctx.lower(this.fid);
    if (lo !== undefined) {
      const s = this.cased ? ctx.str(this.fid)! : lo;
      return this.scalar(s, lo, ctx.raw(this.fid), ctx);
    }
    const raw = ctx.raw(this.fid);
    if (!Array.isArray(raw)) return false;
    // Multi-valued field: with `all`, each value of the rule may be met by a different element.
    if (this.all) {
      for (const g of this.groups) {
        let ok = false;
        for (const el of raw) {
          const s = scalarString(el);
          if (s !== undefined && this.groupOk(g, s, s.toLowerCase(), el, ctx)) {
            ok = true;
            break;
          }
        }
        if (!ok) return false;
      }
      return this.groups.length > 0;
    }
    for (const el of raw) {
      const s = scalarString(el);
      if (s !== undefined && this.scalar(s, s.toLowerCase(), el, ctx)) return true;
    }
    return false;
  }

  ev(ctx: EvalCtx): boolean {
    return this.neq ? !this.positive(ctx) : this.positive(ctx);
  }

  override explain(ctx: EvalCtx, out: MatchedField[]): void {
    const v = ctx.raw(this.fid);
    const s = scalarString(v) ?? (Array.isArray(v) ? v.map((x) => scalarString(x) ?? '').join(', ') : '');
    out.push({ field: this.field, value: s });
  }
}

/** `field: null` — absent, JSON null or empty. */
export class NullLeaf extends Node {
  constructor(
    readonly fid: number,
    readonly field: string,
  ) {
    super();
  }
  ev(ctx: EvalCtx): boolean {
    const v = ctx.raw(this.fid);
    return v === undefined || v === null || v === '';
  }
  override explain(_ctx: EvalCtx, out: MatchedField[]): void {
    out.push({ field: this.field, value: '' });
  }
}

/** `field|exists: true|false`. */
export class ExistsLeaf extends Node {
  constructor(
    readonly fid: number,
    readonly field: string,
    readonly want: boolean,
  ) {
    super();
  }
  ev(ctx: EvalCtx): boolean {
    return (ctx.raw(this.fid) !== undefined) === this.want;
  }
  override explain(ctx: EvalCtx, out: MatchedField[]): void {
    if (this.want) out.push({ field: this.field, value: scalarString(ctx.raw(this.fid)) ?? '' });
  }
}

/** Keyword search: any scalar value of the event. */
export class KeywordLeaf extends Node {
  private readonly cased: boolean;
  override cost(): number {
    return 50 + this.groups.length * 5;
  }
  constructor(
    readonly groups: Test[][],
    readonly all: boolean,
  ) {
    super();
    this.cased = groups.some((g) => g.some((t) => t.cased));
  }
  private groupOk(g: Test[], ctx: EvalCtx): boolean {
    const lows = ctx.keywordsLower();
    const raws = this.cased ? ctx.keywords() : lows;
    for (const t of g) {
      const list = t.cased ? raws : lows;
      for (let i = 0; i < list.length; i++) if (t.test(list[i]!, list[i], ctx)) return true;
    }
    return false;
  }
  ev(ctx: EvalCtx): boolean {
    if (this.all) {
      for (const g of this.groups) if (!this.groupOk(g, ctx)) return false;
      return this.groups.length > 0;
    }
    for (const g of this.groups) if (this.groupOk(g, ctx)) return true;
    return false;
  }
  override explain(ctx: EvalCtx, out: MatchedField[]): void {
    const lows = ctx.keywordsLower();
    const raws = ctx.keywords();
    // Plain loops: a closure per value of the event here was ~6% of the SOC pipeline's allocations.
    for (const g of this.groups) {
      values: for (let i = 0; i < lows.length; i++) {
        for (const t of g) {
          if (t.test(t.cased ? raws[i]! : lows[i]!, raws[i], ctx)) {
            out.push({ field: '(keyword)', value: raws[i]! });
            break values;
          }
        }
      }
    }
  }
}

/**
 * Copy of a tree whose field leaves read other field ids (for logsource routes that rename fields),
 * sharing the compiled tests. Returns undefined when a test refers to fields itself (fieldref).
 */
export function rebind(node: Node, mapFid: (fid: number) => number): Node | undefined {
  if (node instanceof FieldLeaf) {
    if (node.groups.some((g) => g.some((t) => t.refersToFields))) return undefined;
    return new FieldLeaf(mapFid(node.fid), node.field, node.groups, node.all, node.neq);
  }
  if (node instanceof NullLeaf) return new NullLeaf(mapFid(node.fid), node.field);
  if (node instanceof ExistsLeaf) return new ExistsLeaf(mapFid(node.fid), node.field, node.want);
  if (node instanceof NotNode) {
    const i = rebind(node.item, mapFid);
    return i && new NotNode(i);
  }
  if (node instanceof AndNode || node instanceof OrNode || node instanceof AtLeastNode) {
    const items: Node[] = [];
    for (const it of node.items) {
      const r = rebind(it, mapFid);
      if (!r) return undefined;
      items.push(r);
    }
    if (node instanceof AndNode) return new AndNode(items);
    if (node instanceof OrNode) return new OrNode(items);
    return new AtLeastNode(items, node.min);
  }
  return node; // ConstNode, KeywordLeaf: no field ids
}
