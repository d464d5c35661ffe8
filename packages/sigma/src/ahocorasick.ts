// Multi-pattern prefilter: one Aho-Corasick automaton per (bucket, field) over the literals rules require.
// ASCII characters run through a dense DFA table (one lookup per character, about 70 columns after case
// folding); the few non-ASCII characters that occur in patterns (Cyrillic look-alikes, emoji, dashes…)
// take sparse goto/failure steps, and any other character resets to the root, which is exact because no
// pattern contains it. Matching is case-insensitive, so the scan finds a superset of candidates; the full
// rule decides. (`windash` values are expanded to every dash variant before they get here.)

/** Class marker for a non-ASCII code unit that occurs in some pattern. */
export const SPARSE = 0xffff;

export class CharClasses {
  /** Code unit → dense class (0 = in no pattern) or SPARSE. */
  readonly map = new Uint16Array(65536);
  /** For SPARSE units: the folded (lowercase) unit used as the sparse edge label. */
  readonly fold = new Uint16Array(65536);
  size = 1;
  private readonly wide = new Set<number>();

  private static foldUnit(c: number): number {
    if (c >= 0x41 && c <= 0x5a) return c + 32;
    if (c < 0x80) return c;
    const l = String.fromCharCode(c).toLowerCase();
    return l.length === 1 ? l.charCodeAt(0) : c;
  }

  /** Register the characters of a (lowercase) pattern. */
  add(pattern: string): void {
    for (let i = 0; i < pattern.length; i++) {
      const f = CharClasses.foldUnit(pattern.charCodeAt(i));
      if (f < 0x80) {
        if (this.map[f] === 0) this.map[f] = this.size++;
      } else this.wide.add(f);
    }
  }

  /** After all patterns are added: every code unit gets the class of its folded form. */
  finish(): void {
    const m = this.map;
    const ascii = m.slice(0, 128);
    for (let c = 0; c < 65536; c++) {
      const f = CharClasses.foldUnit(c);
      if (f < 0x80) m[c] = ascii[f]!;
      else if (this.wide.has(f)) {
        m[c] = SPARSE;
        this.fold[c] = f;
      } else m[c] = 0;
    }
  }

  /** Edge label of a pattern character: dense class, or 0x10000 + folded unit for sparse ones. */
  label(c: number): number {
    const f = CharClasses.foldUnit(c);
    return f < 0x80 ? this.map[f]! : 0x10000 + f;
  }
}

/** Shared empty output list (most trie states have no pattern ending there). */
const NONE: number[] = [];

export class AhoCorasick {
  /** Dense transitions, 16-bit when the automaton has fewer than 65,536 states (half the cache footprint). */
  readonly delta: Int32Array | Uint16Array;
  readonly k: number;
  /**
   * States are numbered so that those where a pattern ends come last: `state >= outFrom` is the whole
   * per-character test. CSR of pattern ids per such state, indexed by state - outFrom.
   */
  readonly outFrom: number;
  readonly outStart: Int32Array;
  readonly outList: Int32Array;
  private readonly fail: Int32Array;
  /** Sparse (non-ASCII) children: state → (folded unit → state). */
  private readonly sparse: Map<number, Map<number, number>>;

  /**
   * Build the automaton of `patterns` over `cls`, or restore one from the parts of an automaton built
   * by another engine with the same rules (`parts()`, e.g. sent by another worker thread).
   */
  constructor(patterns: readonly string[] | AhoCorasickParts, cls?: CharClasses) {
    if (!Array.isArray(patterns)) {
      const p = patterns as AhoCorasickParts;
      this.delta = p.delta;
      this.k = p.k;
      this.outFrom = p.outFrom;
      this.outStart = p.outStart;
      this.outList = p.outList;
      this.fail = p.fail;
      const sp = new Map<number, Map<number, number>>();
      for (let i = 0; i + 2 < p.sparse.length; i += 3) {
        let m = sp.get(p.sparse[i]!);
        if (!m) sp.set(p.sparse[i]!, (m = new Map()));
        m.set(p.sparse[i + 1]!, p.sparse[i + 2]!);
      }
      this.sparse = sp;
      return;
    }
    const k = cls!.size;
    this.k = k;
    // Trie as first-child / next-sibling edge lists rather than a Map per state (automata reach 10^5
    // states; the Maps were most of the construction's time and garbage). The root, with the most
    // children and the target of most failure walks, also gets a Map for lookups.
    const first: number[] = [-1];
    const eLabel: number[] = [];
    const eTo: number[] = [];
    const eNext: number[] = [];
    const rootMap = new Map<number, number>();
    const child = (st: number, c: number): number => {
      if (st === 0) return rootMap.get(c) ?? -1;
      for (let e = first[st]!; e !== -1; e = eNext[e]!) if (eLabel[e] === c) return eTo[e]!;
      return -1;
    };
    const own: number[][] = [NONE];
    for (let p = 0; p < patterns.length; p++) {
      const s = patterns[p]!;
      let st = 0;
      for (let i = 0; i < s.length; i++) {
        const c = cls!.label(s.charCodeAt(i));
        let nx = child(st, c);
        if (nx === -1) {
          nx = first.length;
          first.push(-1);
          own.push(NONE);
          eLabel.push(c);
          eTo.push(nx);
          eNext.push(first[st]!);
          first[st] = eLabel.length - 1;
          if (st === 0) rootMap.set(c, nx);
        }
        st = nx;
      }
      if (own[st] === NONE) own[st] = [p];
      else own[st]!.push(p);
    }
    const n = first.length;
    // Failure links by the classic goto/failure walk over the trie (amortised linear in the patterns'
    // length), in BFS order so a state's failure state, being shallower, is always done before it.
    const fail = new Int32Array(n);
    const order = new Int32Array(n);
    let qt = 1;
    for (let qh = 0; qh < qt; qh++) {
      const st = order[qh]!;
      for (let e = first[st]!; e !== -1; e = eNext[e]!) {
        const c = eLabel[e]!;
        const nx = eTo[e]!;
        let t = 0;
        if (st !== 0) {
          for (let f = fail[st]!; ; f = fail[f]!) {
            const g = child(f, c);
            if (g !== -1) {
              t = g;
              break;
            }
            if (f === 0) break;
          }
        }
        fail[nx] = t;
        order[qt++] = nx;
      }
    }
    const outs: number[][] = own;
    for (let q = 1; q < n; q++) {
      const st = order[q]!;
      const f = fail[st]!;
      if (outs[f]!.length) outs[st] = outs[st]!.concat(outs[f]!);
    }
    // Number states so that those without output come first (root stays 0), those with output after.
    const newId = new Int32Array(n);
    let next = 0;
    for (let st = 0; st < n; st++) if (outs[st]!.length === 0) newId[st] = next++;
    const outFrom = next;
    for (let st = 0; st < n; st++) if (outs[st]!.length !== 0) newId[st] = next++;
    // Dense table built directly in the final numbering, in BFS order: a state's row starts as a copy of
    // its failure state's row (full DFA for ASCII), then its own children override it.
    const nd = n < 65536 ? new Uint16Array(n * k) : new Int32Array(n * k);
    const nf = new Int32Array(n);
    const ns = new Map<number, Map<number, number>>();
    for (let q = 0; q < n; q++) {
      const st = order[q]!;
      const id = newId[st]!;
      const row = id * k;
      if (st !== 0) {
        const f = newId[fail[st]!]!;
        nf[id] = f;
        nd.copyWithin(row, f * k, f * k + k);
      }
      for (let e = first[st]!; e !== -1; e = eNext[e]!) {
        const c = eLabel[e]!;
        const nx = eTo[e]!;
        if (c < 0x10000) nd[row + c] = newId[nx]!;
        else {
          let m = ns.get(id);
          if (!m) ns.set(id, (m = new Map()));
          m.set(c - 0x10000, newId[nx]!);
        }
      }
    }
    this.delta = nd;
    this.outFrom = outFrom;
    this.fail = nf;
    this.sparse = ns;
    const nOut = n - outFrom;
    const outStart = new Int32Array(nOut + 1);
    const byNew: number[][] = new Array<number[]>(nOut);
    for (let st = 0; st < n; st++) if (outs[st]!.length !== 0) byNew[newId[st]! - outFrom] = outs[st]!;
    let total = 0;
    for (let i = 0; i < nOut; i++) {
      outStart[i] = total;
      total += byNew[i]!.length;
    }
    outStart[nOut] = total;
    const outList = new Int32Array(total);
    for (let i = 0; i < nOut; i++) outList.set(byNew[i]!, outStart[i]!);
    this.outStart = outStart;
    this.outList = outList;
  }

  /** Transition on a non-ASCII pattern character (folded unit `u`) through goto/failure links. */
  step(state: number, u: number): number {
    let s = state;
    for (;;) {
      const nx = this.sparse.get(s)?.get(u);
      if (nx !== undefined) return nx;
      if (s === 0) return 0;
      s = this.fail[s]!;
    }
  }

  get states(): number {
    return this.fail.length;
  }

  /** The automaton as typed arrays (structured-clone friendly), for `new AhoCorasick(parts)`. */
  parts(): AhoCorasickParts {
    const sparse: number[] = [];
    for (const [st, m] of this.sparse) for (const [u, to] of m) sparse.push(st, u, to);
    return {
      delta: this.delta,
      k: this.k,
      outFrom: this.outFrom,
      outStart: this.outStart,
      outList: this.outList,
      fail: this.fail,
      sparse: Int32Array.from(sparse),
    };
  }
}

/** A built automaton's data (see AhoCorasick.parts). */
export interface AhoCorasickParts {
  delta: Int32Array | Uint16Array;
  k: number;
  outFrom: number;
  outStart: Int32Array;
  outList: Int32Array;
  fail: Int32Array;
  /** Sparse (non-ASCII) edges as (state, folded unit, next state) triples. */
  sparse: Int32Array;
}
