// A bounded cache keyed by string value, for values that arrive as fresh string objects (decoded from EVTX,
// JSON.parse'd). A Map lookup on such a string first hashes it, which V8 does outside compiled code (a
// runtime call per fresh string, ~100 ns); here a first level finds the value from the length and a few
// sampled characters, and one `===` (a plain character compare) confirms the key: two-way set-associative
// with LRU inside a set. Values that differ only in characters the slot does not sample (counters in file
// names) would thrash one set, so behind it a Map (two generations, the hash paid) keeps what the first
// level lost, and a value found there moves back to the first level. Exact: a key answers only for itself.

/** Slot of `s` among `mask + 1` sets (mask = sets - 1, sets a power of two). */
export function valueSlot(s: string, mask: number): number {
  const n = s.length;
  let h = Math.imul(n, 0x9e3779b1);
  if (n > 0) {
    // Values that differ tend to differ near the end (ids, counters, temp names, times): every one of the
    // last 12 characters, and four spread over the rest.
    h = Math.imul(h ^ s.charCodeAt(0), 0x01000193);
    h = Math.imul(h ^ s.charCodeAt(n >> 2), 0x01000193);
    h = Math.imul(h ^ s.charCodeAt(n >> 1), 0x01000193);
    h = Math.imul(h ^ s.charCodeAt((n * 3) >> 2), 0x01000193);
    for (let i = n > 12 ? n - 12 : 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & mask;
}

export class ValueMemo<T> {
  private readonly keys: string[];
  private readonly vals: Array<T | undefined>;
  private readonly mask: number;
  /** Set of the last get() (put() stores there). */
  private at = 0;
  private cur = new Map<string, T>();
  private old = new Map<string, T>();
  private readonly gen: number;

  /** `sets` (a power of two) sets of two entries; behind them two generations of `sets` values. */
  constructor(sets: number) {
    this.mask = sets - 1;
    this.gen = sets;
    // '' with no value stands for an empty entry (a get of '' finds no value there: a miss).
    this.keys = new Array<string>(sets * 2).fill('');
    this.vals = new Array<T | undefined>(sets * 2).fill(undefined);
  }

  get(text: string): T | undefined {
    const i = valueSlot(text, this.mask) << 1;
    this.at = i;
    const keys = this.keys;
    if (keys[i] === text) return this.vals[i];
    if (keys[i + 1] === text) {
      const v = this.vals[i + 1];
      keys[i + 1] = keys[i]!;
      this.vals[i + 1] = this.vals[i];
      keys[i] = text;
      this.vals[i] = v;
      return v;
    }
    let v = this.cur.get(text);
    if (v === undefined) {
      v = this.old.get(text);
      if (v === undefined) return undefined;
      this.remember(text, v);
    }
    this.install(text, v);
    return v;
  }

  /** Store `v` for `text`; call right after a get(text) that missed. */
  put(text: string, v: T): void {
    this.install(text, v);
    this.remember(text, v);
  }

  private install(text: string, v: T): void {
    const i = this.at;
    this.keys[i + 1] = this.keys[i]!;
    this.vals[i + 1] = this.vals[i];
    this.keys[i] = text;
    this.vals[i] = v;
  }

  private remember(text: string, v: T): void {
    if (this.cur.size >= this.gen) {
      this.old = this.cur;
      this.cur = new Map();
    }
    this.cur.set(text, v);
  }
}
