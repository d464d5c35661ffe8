// Version comparison used by both the vulnerability matcher (CVE/NVD ranges) and the template DSL
// (compare_versions). Three schemes: semver (with pre-release ordering), rpm (rpmvercmp-like: epoch, `~`,
// numeric segments newer than alphabetic ones) and generic (anything else, e.g. "8.4p1", "2.4.57", "7.0.1-12").

export type VersionScheme = 'semver' | 'rpm' | 'generic';

const PRE_RELEASE = new Map<string, number>([
  ['dev', 0],
  ['snapshot', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['pre', 3],
  ['preview', 3],
  ['rc', 4],
  ['cr', 4],
]);

type Token = number | string;

function tokens(v: string): Token[] {
  const out: Token[] = [];
  const re = /(\d+)|([A-Za-z]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v)) !== null) out.push(m[1] !== undefined ? Number(m[1]) : m[2]!.toLowerCase());
  return out;
}

function normalize(v: string): string {
  return v.trim().replace(/^v(?=\d)/i, '');
}

function cmpToken(a: Token, b: Token): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return 1; // 1.0.1 > 1.0.rc1
  if (typeof b === 'number') return -1;
  const pa = PRE_RELEASE.get(a);
  const pb = PRE_RELEASE.get(b);
  if (pa !== undefined && pb !== undefined) return pa - pb;
  if (pa !== undefined) return -1;
  if (pb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// Range bounds repeat across lookups: keep their token lists.
const tokenCache = new Map<string, Token[]>();
function cachedTokens(v: string): Token[] {
  let t = tokenCache.get(v);
  if (!t) {
    if (tokenCache.size > 100_000) tokenCache.clear();
    t = tokens(normalize(v));
    tokenCache.set(v, t);
  }
  return t;
}

function compareGeneric(a: string, b: string): number {
  const ta = cachedTokens(a);
  const tb = cachedTokens(b);
  const n = Math.max(ta.length, tb.length);
  for (let i = 0; i < n; i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === undefined || y === undefined) {
      // 5.3 == 5.3.0; the longer one is older only when its extra part is a pre-release marker
      // (1.0 > 1.0rc1, 1.0 < 1.0.1, 8.4 < 8.4p1).
      const rest = (x === undefined ? tb : ta).slice(i);
      if (rest.every((t) => t === 0)) return 0;
      const first = rest.find((t) => t !== 0)!;
      const longerIsOlder = typeof first === 'string' && PRE_RELEASE.has(first);
      const sign = longerIsOlder ? -1 : 1;
      return x === undefined ? -sign : sign;
    }
    const c = cmpToken(x, y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

function compareSemver(a: string, b: string): number {
  const parse = (v: string) => {
    const s = normalize(v).split('+')[0]!;
    const dash = s.indexOf('-');
    const core = dash >= 0 ? s.slice(0, dash) : s;
    const pre = dash >= 0 ? s.slice(dash + 1) : '';
    return { core: core.split('.').map((x) => Number.parseInt(x, 10) || 0), pre };
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.core.length, pb.core.length, 3); i++) {
    const d = (pa.core[i] ?? 0) - (pb.core[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (pa.pre === pb.pre) return 0;
  if (pa.pre === '') return 1;
  if (pb.pre === '') return -1;
  const xa = pa.pre.split('.');
  const xb = pb.pre.split('.');
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    const x = xa[i];
    const y = xb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (nx) return -1;
    else if (ny) return 1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

// rpmvercmp: compare alternating numeric / alphabetic segments; '~' sorts before anything (even the end).
function rpmSegmentCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (i < a.length && !/[A-Za-z0-9~]/.test(a[i]!)) i++;
    while (j < b.length && !/[A-Za-z0-9~]/.test(b[j]!)) j++;
    const ta = a[i] === '~';
    const tb = b[j] === '~';
    if (ta || tb) {
      if (!ta) return 1;
      if (!tb) return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = /\d/.test(a[i]!);
    const seg = numeric ? /^\d+/ : /^[A-Za-z]+/;
    const sa = seg.exec(a.slice(i))?.[0] ?? '';
    const sb = seg.exec(b.slice(j))?.[0] ?? '';
    if (sb === '') return numeric ? 1 : -1;
    i += sa.length;
    j += sb.length;
    if (numeric) {
      const na = sa.replace(/^0+/, '');
      const nb = sb.replace(/^0+/, '');
      if (na.length !== nb.length) return na.length > nb.length ? 1 : -1;
      if (na !== nb) return na > nb ? 1 : -1;
    } else if (sa !== sb) return sa > sb ? 1 : -1;
  }
  const ra = i < a.length;
  const rb = j < b.length;
  if (!ra && !rb) return 0;
  return ra ? 1 : -1;
}

function compareRpm(a: string, b: string): number {
  const split = (v: string) => {
    const m = /^(?:(\d+):)?(.*)$/.exec(v.trim())!;
    const rest = m[2]!;
    const dash = rest.lastIndexOf('-');
    return {
      epoch: Number(m[1] ?? 0),
      version: dash >= 0 ? rest.slice(0, dash) : rest,
      release: dash >= 0 ? rest.slice(dash + 1) : '',
    };
  };
  const pa = split(a);
  const pb = split(b);
  if (pa.epoch !== pb.epoch) return Math.sign(pa.epoch - pb.epoch);
  const v = rpmSegmentCompare(pa.version, pb.version);
  if (v !== 0) return v;
  if (pa.release === '' || pb.release === '') return 0;
  return rpmSegmentCompare(pa.release, pb.release);
}

export function compareVersions(a: string, b: string, scheme: VersionScheme = 'generic'): number {
  if (scheme === 'semver') return compareSemver(a, b);
  if (scheme === 'rpm') return compareRpm(a, b);
  return compareGeneric(a, b);
}

export function schemeFor(versionType: string | undefined): VersionScheme {
  const t = (versionType ?? '').toLowerCase();
  if (t === 'semver') return 'semver';
  if (t === 'rpm' || t === 'deb' || t === 'debian') return 'rpm';
  return 'generic';
}

/** Check a constraint list like ">= 1.2, < 2.0" (all must hold). Throws on a malformed constraint. */
export function satisfiesConstraint(
  version: string,
  constraint: string,
  scheme: VersionScheme = 'generic',
): boolean {
  for (const part of constraint.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const m = /^(>=|<=|!=|~>|==|=|>|<)?\s*(.+)$/.exec(p);
    if (!m) throw new Error(`bad version constraint ${JSON.stringify(p)}`);
    const op = m[1] ?? '=';
    const target = m[2]!;
    const c = compareVersions(version, target, scheme);
    let ok: boolean;
    switch (op) {
      case '>=':
        ok = c >= 0;
        break;
      case '<=':
        ok = c <= 0;
        break;
      case '>':
        ok = c > 0;
        break;
      case '<':
        ok = c < 0;
        break;
      case '!=':
        ok = c !== 0;
        break;
      case '~>': {
        // Pessimistic: >= target and < target with its last given component bumped.
        const parts = normalize(target).split('.');
        const upper =
          parts.length > 1
            ? [...parts.slice(0, -2), String((Number.parseInt(parts[parts.length - 2]!, 10) || 0) + 1)].join(
                '.',
              )
            : String((Number.parseInt(parts[0]!, 10) || 0) + 1);
        ok = c >= 0 && compareVersions(version, upper, scheme) < 0;
        break;
      }
      default:
        ok = c === 0;
    }
    if (!ok) return false;
  }
  return true;
}
