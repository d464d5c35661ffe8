// Tokenizers shared by key=value formats (FortiGate, netfilter, sudo): linear, no regex.

/**
 * `k1=v1 k2="quoted value" k3=v3`: values may be double-quoted (with \" and \\ escapes inside) or bare (to the
 * next space). Bare words without "=" are returned with value "" (netfilter flags such as DF, SYN).
 */
export function parseKv(
  s: string,
  into: Map<string, string> = new Map(),
  maxPairs = 512,
): Map<string, string> {
  const n = s.length;
  let i = 0;
  while (i < n && into.size < maxPairs) {
    while (i < n && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    const ks = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 61 /* = */ || c === 32 || c === 9) break;
      i++;
    }
    const key = s.slice(ks, i);
    if (i >= n || s.charCodeAt(i) !== 61) {
      if (key.length > 0 && !into.has(key)) into.set(key, '');
      continue;
    }
    i++; // '='
    let value: string;
    if (s.charCodeAt(i) === 34 /* " */) {
      i++;
      let out = '';
      let start = i;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === 92 /* \ */ && i + 1 < n) {
          out += s.slice(start, i) + s[i + 1];
          i += 2;
          start = i;
          continue;
        }
        if (c === 34) break;
        i++;
      }
      value = out + s.slice(start, i);
      i++; // closing quote (or past end)
    } else {
      const vs = i;
      while (i < n && s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== 9) i++;
      value = s.slice(vs, i);
    }
    // First occurrence wins (netfilter logs LEN twice: IP then UDP length).
    if (!into.has(key)) into.set(key, value);
    else if (!into.has(key + '#2')) into.set(key + '#2', value);
  }
  return into;
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
