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
  private fail: Int32Array;
  /** Sparse (non-ASCII) children: state → (folded unit → state). */
  private sparse = new Map<number, Map<number, number>>();

  constructor(patterns: readonly string[], cls: CharClasses) {
    const k = cls.size;
    this.k = k;
    const children: Array<Map<number, number>> = [new Map()];
    const own: number[][] = [[]];
    for (let p = 0; p < patterns.length; p++) {
      const s = patterns[p]!;
      let st = 0;
      for (let i = 0; i < s.length; i++) {
        const c = cls.label(s.charCodeAt(i));
        let nx = children[st]!.get(c);
        if (nx === undefined) {
          nx = children.length;
          children.push(new Map());
          own.push([]);
          children[st]!.set(c, nx);
        }
        st = nx;
      }
      own[st]!.push(p);
    }
    const n = children.length;
    const delta = n < 65536 ? new Uint16Array(n * k) : new Int32Array(n * k);
    const fail = new Int32Array(n);
    this.fail = fail;
    for (let st = 0; st < n; st++) {
      for (const [c, nx] of children[st]!) {
        if (c >= 0x10000) {
          let m = this.sparse.get(st);
          if (!m) this.sparse.set(st, (m = new Map()));
          m.set(c - 0x10000, nx);
        }
      }
    }
    const outs: number[][] = own;
    const queue = new Int32Array(n);
    let qh = 0;
    let qt = 0;
    for (const [c, nx] of children[0]!) {
      if (c < 0x10000) delta[c] = nx;
      queue[qt++] = nx;
    }
    while (qh < qt) {
      const st = queue[qh++]!;
      const f = fail[st]!;
      if (outs[f]!.length) outs[st] = outs[st]!.concat(outs[f]!);
      const row = st * k;
      const frow = f * k;
      // Missing dense transitions follow the failure state's row (full DFA for ASCII).
      for (let c = 0; c < k; c++) delta[row + c] = delta[frow + c]!;
      for (const [c, nx] of children[st]!) {
        fail[nx] = c < 0x10000 ? delta[frow + c]! : this.step(f, c - 0x10000);
        if (c < 0x10000) delta[row + c] = nx;
        queue[qt++] = nx;
      }
    }
    // Renumber: states without output first (root stays 0), states with output after them.
    const newId = new Int32Array(n);
    let next = 0;
    for (let st = 0; st < n; st++) if (outs[st]!.length === 0) newId[st] = next++;
    const outFrom = next;
    for (let st = 0; st < n; st++) if (outs[st]!.length !== 0) newId[st] = next++;
    const nd = n < 65536 ? new Uint16Array(n * k) : new Int32Array(n * k);
    for (let st = 0; st < n; st++) {
      const from = st * k;
      const to = newId[st]! * k;
      for (let c = 0; c < k; c++) nd[to + c] = newId[delta[from + c]!]!;
    }
    this.delta = nd;
    const nf = new Int32Array(n);
    for (let st = 0; st < n; st++) nf[newId[st]!] = newId[fail[st]!]!;
    this.fail = nf;
    const ns = new Map<number, Map<number, number>>();
    for (const [st, m] of this.sparse) ns.set(newId[st]!, new Map([...m].map(([u, t]) => [u, newId[t]!])));
    this.sparse = ns;
    this.outFrom = outFrom;
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
}
