// Static analysis of compiled detections for indexing: which EventIDs a rule can match, and which
// literals (per field) at least one of must occur in the event for the rule to match.
import { AndNode, AtLeastNode, FieldLeaf, Node, OrNode, type Test } from './nodes.js';

export function requiredEventIds(node: Node, eidFids: ReadonlySet<number>): Set<number> | null {
  if (node instanceof FieldLeaf) {
    if (!eidFids.has(node.fid) || node.neq || (node.all && node.groups.length > 1)) return null;
    const out = new Set<number>();
    for (const g of node.groups) {
      for (const t of g) {
        const lit = t.literal();
        const n = lit === undefined ? NaN : Number(lit);
        if (!Number.isInteger(n) || !(t.constructor.name === 'NumEqTest' || t.constructor.name === 'EqTest')) return null;
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
    out.push({ fid, lit: l });
  }
  return true;
}

/** A set of literals one of which every matching event contains in that field; null when none can be given. */
export function requiredLiterals(node: Node, skipFids: ReadonlySet<number>): Lit[] | null {
  if (node instanceof FieldLeaf) {
    if (node.neq || skipFids.has(node.fid) || node.groups.length === 0) return null;
    if (node.all) {
      let best: Lit[] | null = null;
      for (const g of node.groups) {
        const ls: Lit[] = [];
        if (testLits(g, node.fid, ls) && (best === null || score(ls) > score(best))) best = ls;
      }
      return best;
    }
    const ls: Lit[] = [];
    for (const g of node.groups) if (!testLits(g, node.fid, ls)) return null;
    return ls;
  }
  if (node instanceof AndNode || (node instanceof AtLeastNode && node.min === node.items.length)) {
    let best: Lit[] | null = null;
    for (const it of node.items) {
      const ls = requiredLiterals(it, skipFids);
      if (ls !== null && (best === null || score(ls) > score(best))) best = ls;
    }
    return best;
  }
  if (node instanceof OrNode || node instanceof AtLeastNode) {
    const acc: Lit[] = [];
    for (const it of node.items) {
      const ls = requiredLiterals(it, skipFids);
      if (ls === null) return null;
      acc.push(...ls);
    }
    return acc;
  }
  return null;
}
