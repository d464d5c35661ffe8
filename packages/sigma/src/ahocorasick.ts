// Multi-pattern prefilter: one Aho-Corasick DFA per (bucket, field) over the literals rules require.
// Characters are folded to classes (case-insensitive, all Windows dash variants equal), so the scan
// finds a superset of candidates; the full rule decides. The scan is one table lookup per character.

const DASHES = [0x2d, 0x2f, 0x2013, 0x2014, 0x2015];

/** Character classes shared by all automata of an engine: 0 means "in no pattern". */
export class CharClasses {
  readonly map = new Uint16Array(65536);
  size = 1;

  private fold(c: number): number {
    if (DASHES.includes(c)) return 0x2d;
    if (c >= 0x41 && c <= 0x5a) return c + 32;
    if (c < 0x80) return c;
    const l = String.fromCharCode(c).toLowerCase();
    return l.length === 1 ? l.charCodeAt(0) : c;
  }

  /** Register the characters of a (lowercase) pattern. */
  add(pattern: string): void {
    for (let i = 0; i < pattern.length; i++) {
      const f = this.fold(pattern.charCodeAt(i));
      if (this.map[f] === 0) this.map[f] = this.size++;
    }
  }

  /** After all patterns are added: make every code unit that folds to a known class use it. */
  finish(): void {
    for (let c = 0; c < 65536; c++) {
      if (this.map[c] !== 0) continue;
      const f = this.fold(c);
      if (f !== c && this.map[f] !== 0) this.map[c] = this.map[f]!;
    }
  }
}

export class AhoCorasick {
  readonly delta: Int32Array;
  readonly k: number;
  /** CSR of pattern ids that end at each state (own and through failure links). */
  readonly outStart: Int32Array;
  readonly outList: Int32Array;

  constructor(
    patterns: readonly string[],
    readonly cls: CharClasses,
  ) {
    const k = cls.size;
    this.k = k;
    const map = cls.map;
    // Trie with sparse children while building.
    const children: Array<Map<number, number>> = [new Map()];
    const own: number[][] = [[]];
    for (let p = 0; p < patterns.length; p++) {
      const s = patterns[p]!;
      let st = 0;
      for (let i = 0; i < s.length; i++) {
        const c = map[s.charCodeAt(i)]!;
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
    const delta = new Int32Array(n * k);
    const fail = new Int32Array(n);
    const outs: number[][] = own;
    const queue = new Int32Array(n);
    let qh = 0;
    let qt = 0;
    for (const [c, nx] of children[0]!) {
      delta[c] = nx;
      queue[qt++] = nx;
    }
    while (qh < qt) {
      const st = queue[qh++]!;
      const f = fail[st]!;
      if (outs[f]!.length) outs[st] = outs[st]!.concat(outs[f]!);
      const row = st * k;
      const frow = f * k;
      // Missing transitions follow the failure state's row (full DFA).
      for (let c = 0; c < k; c++) delta[row + c] = delta[frow + c]!;
      for (const [c, nx] of children[st]!) {
        fail[nx] = delta[frow + c]!;
        delta[row + c] = nx;
        queue[qt++] = nx;
      }
    }
    this.delta = delta;
    const outStart = new Int32Array(n + 1);
    let total = 0;
    for (let s = 0; s < n; s++) {
      outStart[s] = total;
      total += outs[s]!.length;
    }
    outStart[n] = total;
    const outList = new Int32Array(total);
    for (let s = 0; s < n; s++) outList.set(outs[s]!, outStart[s]!);
    this.outStart = outStart;
    this.outList = outList;
  }

  get states(): number {
    return this.outStart.length - 1;
  }
}
