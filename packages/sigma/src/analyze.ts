// Static analysis of compiled detections for indexing: which EventIDs a rule can match, and which
// literals (per field) at least one of must occur in the event for the rule to match.
import type { Node } from './nodes.js';
import { AndNode, AtLeastNode, FieldLeaf, KeywordLeaf, OrNode, type Test } from './nodes.js';

export function requiredEventIds(node: Node, eidFids: ReadonlySet<number>): Set<number> | null {
  if (node instanceof FieldLeaf) {
    if (!eidFids.has(node.fid) || node.neq || (node.all && node.groups.length > 1)) return null;
    const out = new Set<number>();
    for (const g of node.groups) {
      for (const t of g) {
        const lit = t.eqValue();
        const n = lit === undefined || lit === '' ? NaN : Number(lit);
        if (!Number.isInteger(n)) return null;
        out.add(n);
      }
    }
    return out;
  }
  if (node instanceof AndNode || (node instanceof AtLeastNode && node.min === node.items.length)) {
    let acc: Set<number> | null = null;
    for (const it of node.items) {
      const s = requiredEventIds(it, eidFids);
      if (s === null) continue;
      const prev: Set<number> | null = acc;
      acc = prev === null ? s : new Set([...prev].filter((x: number) => s.has(x)));
    }
    return acc;
  }
  if (node instanceof OrNode || node instanceof AtLeastNode) {
    const acc = new Set<number>();
    for (const it of node.items) {
      const s = requiredEventIds(it, eidFids);
      if (s === null) return null;
      for (const x of s) acc.add(x);
    }
    return acc;
  }
  return null;
}

export interface Lit {
  fid: number;
  lit: string;
  /** 0 anywhere, 1 prefix, 2 suffix, 3 whole value. */
  pos: number;
}

function score(ls: Lit[]): number {
  // Prefer sets whose weakest literal is long, then smaller sets.
  let min = Infinity;
  for (const l of ls) min = Math.min(min, l.lit.length);
  return Math.min(min, 12) * 1000 - Math.min(ls.length, 999);
}

function testLits(g: Test[], fid: number, out: Lit[]): boolean {
  for (const t of g) {
    const l = t.literal();
    if (l === undefined || l.length === 0) return false;
    out.push({ fid, lit: l, pos: t.literalPos() });
  }
  return true;
}

/**
 * Independent requirement sets: every matching event contains, for each set, at least one of its
 * literals in the given field. More sets make the prefilter more selective; an empty result means none.
 */
export function requirementSets(node: Node, skipFids: ReadonlySet<number>, kwFid = -1): Lit[][] {
  if (node instanceof KeywordLeaf && kwFid >= 0) {
    // Keyword searches: the literal must occur in some value of the event (scanned as one pseudo-field).
    if (node.groups.length === 0) return [];
    if (node.all) {
      const out: Lit[][] = [];
      for (const g of node.groups) {
        const ls: Lit[] = [];
        if (testLits(g, kwFid, ls)) out.push(ls.map((l) => ({ ...l, pos: 0 })));
      }
      return out;
    }
    const ls: Lit[] = [];
    for (const g of node.groups) if (!testLits(g, kwFid, ls)) return [];
    return [ls.map((l) => ({ ...l, pos: 0 }))];
  }
  if (node instanceof FieldLeaf) {
    if (node.neq || skipFids.has(node.fid) || node.groups.length === 0) return [];
    if (node.all) {
      const out: Lit[][] = [];
      for (const g of node.groups) {
        const ls: Lit[] = [];
        if (testLits(g, node.fid, ls)) out.push(ls);
      }
      return out;
    }
    const ls: Lit[] = [];
    for (const g of node.groups) if (!testLits(g, node.fid, ls)) return [];
    return [ls];
  }
  if (node instanceof AndNode || (node instanceof AtLeastNode && node.min === node.items.length)) {
    return node.items.flatMap((it) => requirementSets(it, skipFids, kwFid));
  }
  if (node instanceof OrNode || node instanceof AtLeastNode) {
    // Whichever branch matches hits both its best and its second-best set, so the union of the
    // branches' best sets and the union of their second-best sets are both requirements.
    const first: Lit[] = [];
    let second: Lit[] | null = [];
    for (const it of node.items) {
      const [a, b] = pickBest(requirementSets(it, skipFids, kwFid), 2);
      if (a === undefined) return [];
      first.push(...a);
      if (b === undefined) second = null;
      else second?.push(...b);
    }
    return second ? [first, second] : [first];
  }
  return [];
}

function pickBest(sets: Lit[][], n: number): Lit[][] {
  return [...sets].sort((a, b) => score(b) - score(a)).slice(0, n);
}

/** Up to two requirement sets, the most selective first; null when the rule has none. */
export function requiredLiterals(node: Node, skipFids: ReadonlySet<number>, kwFid = -1): Lit[][] | null {
  const sets = pickBest(requirementSets(node, skipFids, kwFid), 2);
  return sets.length ? sets : null;
}
