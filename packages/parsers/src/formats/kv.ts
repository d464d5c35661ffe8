// Tokenizers shared by key=value formats (FortiGate, netfilter, sudo): linear, no regex.

/**
 * `k1=v1 k2="quoted value" k3=v3` indexed in one pass without allocating per pair: values may be double-quoted
 * (with \" and \\ escapes inside) or bare (to the next space or tab). Bare words without "=" are flags (netfilter
 * DF, SYN) with value "". Keys and values are sliced only when asked for; the first occurrence of a key wins
 * (netfilter logs LEN twice: IP, then UDP length).
 */
function tabBefore(s: string, from: number, end: number): number {
  for (let k = from; k < end; k++) if (s.charCodeAt(k) === 9) return k;
  return end;
}

// One scratch index shared by all KvLine instances: parsing is synchronous and a KvLine lives only inside one
// parse() call, so reusing it avoids allocating ~10 KB per line.
let scratch = new Int32Array(5 * 1024);
let scratchNext = new Int32Array(1024);
const scratchHeads = new Int32Array(64);

/** Bucket of a key by length and first/last character (keys of one device family rarely collide). */
function bucket(len: number, first: number, last: number): number {
  return (len * 7 + first * 3 + last) & 63;
}

export class KvLine {
  /** Per pair: keyStart, keyEnd, valueStart, valueEnd, flags (1 = quoted with escapes). */
  private readonly idx: Int32Array;
  readonly size: number;

  constructor(
    private readonly s: string,
    maxPairs = 512,
  ) {
    const n = s.length;
    const want = Math.min(maxPairs, (n >> 1) + 1) * 5;
    if (scratch.length < want) scratch = new Int32Array(want);
    const idx = scratch;
    let count = 0;
    let i = 0;
    // Next-occurrence pointers for the native indexOf scans; they only move forward, so the whole pass stays
    // linear even for hostile lines (no '=' at all, thousands of quotes).
    const tabs = s.indexOf('\t') >= 0;
    let nextEq = s.indexOf('=');
    let nextSp = s.indexOf(' ');
    let nextBs = s.indexOf('\\');
    while (i < n && count * 5 < want) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9) {
        i++;
        continue;
      }
      const ks = i;
      // End of this word: next space (or tab when the line has tabs).
      if (nextSp >= 0 && nextSp < i) nextSp = s.indexOf(' ', i);
      let wordEnd = nextSp < 0 ? n : nextSp;
      if (tabs) wordEnd = tabBefore(s, i, wordEnd);
      if (nextEq >= 0 && nextEq < i) nextEq = s.indexOf('=', i);
      let vs: number;
      let ve: number;
      let flags = 0;
      let ke: number;
      if (nextEq < 0 || nextEq > wordEnd) {
        // A bare word: a flag such as DF or SYN.
        ke = vs = ve = wordEnd;
        i = wordEnd;
        if (ke === ks) {
          i++;
          continue;
        }
      } else {
        ke = nextEq;
        i = nextEq + 1;
        if (s.charCodeAt(i) === 34 /* " */) {
          vs = ++i;
          // Closing quote: the next '"' not escaped by a backslash.
          for (;;) {
            const q = s.indexOf('"', i);
            if (nextBs >= 0 && nextBs < i) nextBs = s.indexOf('\\', i);
            if (q < 0) {
              i = n;
              break;
            }
            if (nextBs >= 0 && nextBs < q) {
              flags = 1;
              i = nextBs + 2;
              nextBs = s.indexOf('\\', i);
              continue;
            }
            i = q;
            break;
          }
          ve = i;
          i++; // past the closing quote
        } else {
          vs = i;
          if (nextSp >= 0 && nextSp < i) nextSp = s.indexOf(' ', i);
          ve = nextSp < 0 ? n : nextSp;
          if (tabs) ve = tabBefore(s, i, ve);
          i = ve;
        }
      }
      const o = count * 5;
      idx[o] = ks;
      idx[o + 1] = ke;
      idx[o + 2] = vs;
      idx[o + 3] = ve;
      idx[o + 4] = flags;
      count++;
    }
    this.idx = idx;
    this.size = count;
    // Hash chains over the keys so each get() looks at one or two pairs, not all of them. Inserted last to
    // first so a chain lists pairs in line order (the first occurrence of a key wins).
    if (scratchNext.length < count) scratchNext = new Int32Array(count);
    scratchHeads.fill(-1);
    for (let k = count - 1; k >= 0; k--) {
      const ks = idx[k * 5]!;
      const ke = idx[k * 5 + 1]!;
      const h = bucket(ke - ks, s.charCodeAt(ks), s.charCodeAt(ke - 1));
      scratchNext[k] = scratchHeads[h]!;
      scratchHeads[h] = k;
    }
  }

  private find(key: string): number {
    const len = key.length;
    if (len === 0) return -1;
    const idx = this.idx;
    const s = this.s;
    const c0 = key.charCodeAt(0);
    let k = scratchHeads[bucket(len, c0, key.charCodeAt(len - 1))]!;
    outer: for (; k >= 0; k = scratchNext[k]!) {
      const p = k * 5;
      const ks = idx[p]!;
      if (idx[p + 1]! - ks !== len || s.charCodeAt(ks) !== c0) continue;
      for (let j = 1; j < len; j++) if (s.charCodeAt(ks + j) !== key.charCodeAt(j)) continue outer;
      return p;
    }
    return -1;
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  get(key: string): string | undefined {
    const p = this.find(key);
    if (p < 0) return undefined;
    const v = this.s.slice(this.idx[p + 2], this.idx[p + 3]);
    if (this.idx[p + 4] === 0) return v;
    let out = '';
    for (let k = 0; k < v.length; k++) {
      const c = v[k];
      if (c === '\\' && k + 1 < v.length) {
        out += v[k + 1];
        k++;
      } else out += c;
    }
    return out;
  }
}

/** Reads "<…>" after `marker` in s (postfix from=<…>, to=<…>). */
export function angleAfter(s: string, marker: string): string | undefined {
  const i = s.indexOf(marker);
  if (i < 0) return undefined;
  const start = i + marker.length;
  if (s[start] !== '<') return undefined;
  const end = s.indexOf('>', start);
  return end < 0 ? undefined : s.slice(start + 1, end);
}

/** Reads a bare token after `marker` up to ',', ' ' or end (postfix relay=, dsn=, status=). */
export function tokenAfter(s: string, marker: string): string | undefined {
  const i = s.indexOf(marker);
  if (i < 0) return undefined;
  const start = i + marker.length;
  let j = start;
  while (j < s.length && s[j] !== ',' && s[j] !== ' ' && s[j] !== ';') j++;
  return j > start ? s.slice(start, j) : undefined;
}

/** "name[1.2.3.4]" or "name[1.2.3.4]:25" → parts. */
export function nameAddr(s: string): { name?: string; ip?: string; port?: number } | undefined {
  const open = s.indexOf('[');
  const close = s.indexOf(']', open);
  if (open < 0 || close < 0) return undefined;
  const name = s.slice(0, open);
  const ip = s.slice(open + 1, close);
  const out: { name?: string; ip?: string; port?: number } = {};
  if (name && name !== 'unknown') out.name = name;
  if (ip && ip !== 'unknown') out.ip = ip;
  if (s[close + 1] === ':') {
    const p = Number(s.slice(close + 2).split(/[ ,]/, 1)[0]);
    if (Number.isInteger(p) && p >= 0 && p <= 65535) out.port = p;
  }
  return out;
}
