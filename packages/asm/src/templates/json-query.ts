// A jq subset for json extractors: paths (.a.b, ."x", .a[], .a[0], .[]), pipes, comma outputs, select() with
// ==/!=/and/or against literals, to_entries, keys, length, and string concatenation ("v" + .x).
// Anything else is refused at compile time (the template is reported unsupported with the reason).

type J = unknown;
type Q = (input: J) => J[];

export class JqUnsupportedError extends Error {
  constructor(expr: string, reason: string) {
    super(`jq expression ${JSON.stringify(expr)} not supported: ${reason}`);
    this.name = 'JqUnsupportedError';
  }
}

function splitTop(src: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && src.startsWith(sep, i)) {
      out.push(src.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(src.slice(start));
  return out.map((s) => s.trim());
}

function compilePath(expr: string, whole: string): Q {
  // Sequence of steps: .name  ."name"  [n]  []  .[]
  const steps: Array<(v: J) => J[]> = [];
  let i = 0;
  const s = expr.trim();
  if (s === '.') return (v) => [v];
  while (i < s.length) {
    const rest = s.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.?\[\]/.exec(rest))) {
      steps.push((v) => (Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : []));
    } else if ((m = /^\.?\[(-?\d+)\]/.exec(rest))) {
      const idx = Number(m[1]);
      steps.push((v) => (Array.isArray(v) ? [v.at(idx)] : [null]));
    } else if ((m = /^\.?"((?:[^"\\]|\\.)*)"/.exec(rest)) || (m = /^\.([A-Za-z_$][\w$-]*)/.exec(rest))) {
      const key = m[1]!;
      steps.push((v) =>
        v && typeof v === 'object' && !Array.isArray(v) ? [(v as Record<string, J>)[key] ?? null] : [null],
      );
    } else throw new JqUnsupportedError(whole, `cannot read ${JSON.stringify(rest)}`);
    i += m[0].length;
  }
  return (v) => steps.reduce<J[]>((acc, step) => acc.flatMap(step), [v]);
}

function compileLiteral(t: string): J | undefined {
  if (t === 'null') return null;
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (/^"(?:[^"\\]|\\.)*"$/.test(t)) return JSON.parse(t) as J;
  return undefined;
}

function compileCondition(src: string, whole: string): (v: J) => boolean {
  const ors = splitTop(src, ' or ');
  if (ors.length > 1) {
    const parts = ors.map((p) => compileCondition(p, whole));
    return (v) => parts.some((p) => p(v));
  }
  const ands = splitTop(src, ' and ');
  if (ands.length > 1) {
    const parts = ands.map((p) => compileCondition(p, whole));
    return (v) => parts.every((p) => p(v));
  }
  let t = src.trim();
  while (t.startsWith('(') && t.endsWith(')')) t = t.slice(1, -1).trim();
  for (const op of ['!=', '==']) {
    const sides = splitTop(t, op);
    if (sides.length === 2) {
      const left = compileTerm(sides[0]!, whole);
      const right = compileTerm(sides[1]!, whole);
      return (v) => {
        const a = JSON.stringify(left(v)[0] ?? null);
        const b = JSON.stringify(right(v)[0] ?? null);
        return op === '==' ? a === b : a !== b;
      };
    }
  }
  const term = compileTerm(t, whole);
  return (v) => {
    const x = term(v)[0];
    return x !== null && x !== false && x !== undefined;
  };
}

function compileTerm(src: string, whole: string): Q {
  const t = src.trim();
  const plus = splitTop(t, '+');
  if (plus.length > 1) {
    const parts = plus.map((p) => compileTerm(p, whole));
    return (v) => {
      const vals = parts.map((p) => p(v)[0]);
      if (vals.every((x) => typeof x === 'number')) return [(vals as number[]).reduce((a, b) => a + b, 0)];
      return [vals.map((x) => (typeof x === 'string' ? x : JSON.stringify(x ?? null))).join('')];
    };
  }
  const lit = compileLiteral(t);
  if (lit !== undefined) return () => [lit];
  const sel = /^select\s*\((.*)\)$/s.exec(t);
  if (sel) {
    const cond = compileCondition(sel[1]!, whole);
    return (v) => (cond(v) ? [v] : []);
  }
  if (t === 'to_entries')
    return (v) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? [Object.entries(v as Record<string, J>).map(([key, value]) => ({ key, value }))]
        : [];
  if (t === 'keys') return (v) => (v && typeof v === 'object' ? [Object.keys(v as object).sort()] : []);
  if (t === 'length')
    return (v) => [
      Array.isArray(v)
        ? v.length
        : typeof v === 'string'
          ? v.length
          : v && typeof v === 'object'
            ? Object.keys(v).length
            : 0,
    ];
  if (t.startsWith('.')) return compilePath(t, whole);
  throw new JqUnsupportedError(whole, `unknown term ${JSON.stringify(t)}`);
}

export function compileJq(expr: string): Q {
  const stages = splitTop(expr.trim(), '|').map((stage) => {
    const outs = splitTop(stage, ',').map((t) => compileTerm(t, expr));
    return (v: J) => outs.flatMap((o) => o(v));
  });
  return (input) => stages.reduce<J[]>((acc, st) => acc.flatMap(st), [input]);
}

/** Render a jq output the way extractors report it (strings bare, others as JSON). */
export function jqValueToString(v: J): string | undefined {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}
