// A bounded cache keyed by string value, for values that arrive as fresh string objects (decoded from EVTX,
// JSON.parse'd). A Map lookup on such a string first hashes it, which V8 does outside compiled code (a
// runtime call per fresh string, ~100 ns); here the slot comes from the length and a few sampled
// characters, and one `===` (a plain character compare) confirms the key. Two-way set-associative with
// LRU inside a set: a value seen again moves to the front, so frequent values survive a flood of unique
// ones. Exact: a colliding value only evicts, it never answers for another.

/** Slot of `s` among `mask + 1` sets (mask = sets - 1, sets a power of two). */
export function valueSlot(s: string, mask: number): number {
  const n = s.length;
  let h = Math.imul(n, 0x9e3779b1);
  if (n > 0) {
    // Log values that differ tend to differ at the end (ids, ports, temp names) or in the middle.
    h = Math.imul(h ^ s.charCodeAt(0), 0x01000193);
    h = Math.imul(h ^ s.charCodeAt(n - 1), 0x01000193);
    h = Math.imul(h ^ s.charCodeAt(n >> 1), 0x01000193);
    h = Math.imul(h ^ s.charCodeAt(n >> 2), 0x01000193);
    h = Math.imul(h ^ s.charCodeAt(n - 1 - (n >> 2)), 0x01000193);
    if (n > 3) {
      h = Math.imul(h ^ s.charCodeAt(n - 2), 0x01000193);
      h = Math.imul(h ^ s.charCodeAt(n - 3), 0x01000193);
      h = Math.imul(h ^ s.charCodeAt(n - 4), 0x01000193);
      h = Math.imul(h ^ s.charCodeAt((n >> 1) + 1), 0x01000193);
    }
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

  /** `sets` (a power of two) sets of two entries. */
  constructor(sets: number) {
    this.mask = sets - 1;
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
    return undefined;
  }

  /** Store `v` for `text`; call right after a get(text) that missed. */
  put(text: string, v: T): void {
    const i = this.at;
    this.keys[i + 1] = this.keys[i]!;
    this.vals[i + 1] = this.vals[i];
    this.keys[i] = text;
    this.vals[i] = v;
  }
}
