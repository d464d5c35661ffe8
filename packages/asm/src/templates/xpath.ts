// XPath over HTML/XML responses: a lenient markup parser and the XPath subset templates use — absolute and
// descendant paths, unions, name/*/@attr/text() tests, and predicates with positions, attribute tests,
// = / !=, and/or/not, contains, starts-with, matches (RE2), translate, normalize-space.
// Anything else is refused at compile time (the template is then reported unsupported with the reason).
import { UnsupportedError } from './errors.js';
import { compileRegex } from './regex.js';

interface El {
  tag: string;
  attrs: Map<string, string>;
  children: Array<El | string>;
  parent?: El;
}

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
const RAW = new Set(['script', 'style', 'textarea', 'title']);
const MAX_NODES = 200_000;
const MAX_DEPTH = 256;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code < 0x110000 ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** Parse markup into a tree under a synthetic root. Never throws; malformed markup yields a best-effort tree. */
export function parseMarkup(src: string): El {
  const root: El = { tag: '#root', attrs: new Map(), children: [] };
  let cur = root;
  let i = 0;
  let nodes = 0;
  let depth = 0;
  const n = src.length;
  const text = (t: string) => {
    if (t !== '') cur.children.push(decodeEntities(t));
  };
  while (i < n && nodes < MAX_NODES) {
    const lt = src.indexOf('<', i);
    if (lt < 0) {
      text(src.slice(i));
      break;
    }
    text(src.slice(i, lt));
    if (src.startsWith('<!--', lt)) {
      const end = src.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (src.startsWith('<![CDATA[', lt)) {
      const end = src.indexOf(']]>', lt + 9);
      cur.children.push(src.slice(lt + 9, end < 0 ? n : end));
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (src[lt + 1] === '!' || src[lt + 1] === '?') {
      const end = src.indexOf('>', lt);
      i = end < 0 ? n : end + 1;
      continue;
    }
    if (src[lt + 1] === '/') {
      const end = src.indexOf('>', lt);
      const name = src
        .slice(lt + 2, end < 0 ? n : end)
        .trim()
        .toLowerCase();
      // Close up to the matching open element, if there is one; a stray end tag is ignored.
      for (let e: El | undefined = cur; e && e !== root; e = e.parent) {
        if (e.tag === name) {
          for (let d: El | undefined = cur; d && d !== e; d = d.parent) depth--;
          depth--;
          cur = e.parent ?? root;
          break;
        }
      }
      i = end < 0 ? n : end + 1;
      continue;
    }
    const m = /^<([A-Za-z][\w:.-]*)/.exec(src.slice(lt, lt + 256));
    if (!m) {
      text('<');
      i = lt + 1;
      continue;
    }
    const tag = m[1]!.toLowerCase();
    let j = lt + m[0].length;
    const attrs = new Map<string, string>();
    const attrRe = /\s*([^\s=>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/y;
    for (;;) {
      attrRe.lastIndex = j;
      const a = attrRe.exec(src);
      if (!a || a[0].trim() === '') break;
      attrs.set(a[1]!.toLowerCase(), decodeEntities(a[2] ?? a[3] ?? a[4] ?? ''));
      j = attrRe.lastIndex;
    }
    const close = src.indexOf('>', j);
    const selfClosing = close > 0 && src[close - 1] === '/';
    i = close < 0 ? n : close + 1;
    const el: El = { tag, attrs, children: [], parent: cur };
    cur.children.push(el);
    nodes++;
    if (VOID.has(tag) || selfClosing) continue;
    if (RAW.has(tag)) {
      const end = src.toLowerCase().indexOf(`</${tag}`, i);
      el.children.push(
        tag === 'title' || tag === 'textarea'
          ? decodeEntities(src.slice(i, end < 0 ? n : end))
          : src.slice(i, end < 0 ? n : end),
      );
      const gt = end < 0 ? -1 : src.indexOf('>', end);
      i = gt < 0 ? n : gt + 1;
      continue;
    }
    // Nesting deeper than this is flattened: the tree stays shallow enough for the walkers.
    if (depth < MAX_DEPTH) {
      cur = el;
      depth++;
    }
  }
  return root;
}

function textContent(e: El): string {
  let out = '';
  const walk = (x: El) => {
    for (const c of x.children) {
      if (typeof c === 'string') out += c;
      else walk(c);
      if (out.length > 1 << 20) return;
    }
  };
  walk(e);
  return out;
}

// ---------------------------------------------------------------- XPath

type Item = El | { attr: string; value: string; owner: El } | { text: string };
type Val = Item[] | string | number | boolean;

type Expr =
  | { k: 'path'; abs: boolean; steps: Step[] }
  | { k: 'union'; parts: Expr[] }
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'fn'; name: string; args: Expr[] }
  | { k: 'bin'; op: string; a: Expr; b: Expr };

interface Step {
  axis: 'child' | 'descendant' | 'self';
  test: { kind: 'name'; name: string } | { kind: 'attr'; name: string } | { kind: 'text' } | { kind: 'self' };
  preds: Expr[];
}

const FUNCS = new Set([
  'contains',
  'starts-with',
  'not',
  'matches',
  'translate',
  'normalize-space',
  'text',
  'string-length',
  'lower-case',
]);

export interface XPathQuery {
  src: string;
  expr: Expr;
}

class XParser {
  private i = 0;
  constructor(private readonly s: string) {}
  private ws() {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }
  private peek(t: string): boolean {
    this.ws();
    return this.s.startsWith(t, this.i);
  }
  private eat(t: string): boolean {
    if (this.peek(t)) {
      this.i += t.length;
      return true;
    }
    return false;
  }
  private fail(why: string): never {
    throw new UnsupportedError(`xpath ${JSON.stringify(this.s.slice(0, 80))} not supported: ${why}`);
  }
  parse(): Expr {
    const e = this.or();
    this.ws();
    if (this.i < this.s.length) this.fail(`unexpected ${JSON.stringify(this.s.slice(this.i, this.i + 10))}`);
    return e;
  }
  private or(): Expr {
    let a = this.and();
    while (this.eatWord('or')) a = { k: 'bin', op: 'or', a, b: this.and() };
    return a;
  }
  private and(): Expr {
    let a = this.cmp();
    while (this.eatWord('and')) a = { k: 'bin', op: 'and', a, b: this.cmp() };
    return a;
  }
  private eatWord(w: string): boolean {
    this.ws();
    if (this.s.startsWith(w, this.i) && !/[\w-]/.test(this.s[this.i + w.length] ?? '')) {
      this.i += w.length;
      return true;
    }
    return false;
  }
  private cmp(): Expr {
    const a = this.union();
    if (this.eat('!=')) return { k: 'bin', op: '!=', a, b: this.union() };
    if (this.eat('=')) return { k: 'bin', op: '=', a, b: this.union() };
    return a;
  }
  private union(): Expr {
    const first = this.primary();
    if (!this.peek('|')) return first;
    const parts = [first];
    while (this.eat('|')) parts.push(this.primary());
    return { k: 'union', parts };
  }
  private primary(): Expr {
    this.ws();
    const c = this.s[this.i];
    if (c === '"' || c === "'") {
      const end = this.s.indexOf(c, this.i + 1);
      if (end < 0) this.fail('unterminated string');
      const v = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      return { k: 'str', v };
    }
    if (c !== undefined && /\d/.test(c)) {
      const m = /^\d+(\.\d+)?/.exec(this.s.slice(this.i))!;
      this.i += m[0].length;
      return { k: 'num', v: Number(m[0]) };
    }
    if (c === '(') {
      this.i++;
      const e = this.or();
      if (!this.eat(')')) this.fail("expected ')'");
      return e;
    }
    const fn = /^([a-z][\w-]*)\s*\(/.exec(this.s.slice(this.i));
    if (fn && fn[1] !== 'text') {
      if (!FUNCS.has(fn[1]!)) this.fail(`function ${fn[1]}()`);
      this.i += fn[0].length;
      const args: Expr[] = [];
      if (!this.eat(')')) {
        do args.push(this.or());
        while (this.eat(','));
        if (!this.eat(')')) this.fail("expected ')'");
      }
      return { k: 'fn', name: fn[1]!, args };
    }
    return this.path();
  }
  private path(): Expr {
    this.ws();
    let abs = false;
    const steps: Step[] = [];
    let axis: Step['axis'] = 'child';
    if (this.s.startsWith('//', this.i)) {
      abs = true;
      axis = 'descendant';
      this.i += 2;
    } else if (this.s[this.i] === '/') {
      abs = true;
      this.i++;
    }
    for (;;) {
      this.ws();
      const rest = this.s.slice(this.i);
      let m: RegExpExecArray | null;
      let test: Step['test'];
      if ((m = /^@([\w:.-]+|\*)/.exec(rest))) test = { kind: 'attr', name: m[1]!.toLowerCase() };
      else if ((m = /^text\(\s*\)/.exec(rest))) test = { kind: 'text' };
      else if ((m = /^\.(?!\.)/.exec(rest))) test = { kind: 'self' };
      else if ((m = /^([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?|\*)(?!:)/.exec(rest)))
        test = { kind: 'name', name: m[1]!.toLowerCase() };
      else this.fail(`bad step at ${JSON.stringify(rest.slice(0, 10))}`);
      this.i += m[0].length;
      const preds: Expr[] = [];
      while (this.eat('[')) {
        preds.push(this.or());
        if (!this.eat(']')) this.fail("expected ']'");
      }
      steps.push({ axis: test.kind === 'self' ? 'self' : axis, test, preds });
      if (this.s.startsWith('//', this.i)) {
        axis = 'descendant';
        this.i += 2;
      } else if (this.s[this.i] === '/') {
        axis = 'child';
        this.i++;
      } else break;
    }
    return { k: 'path', abs, steps };
  }
}

export function compileXPath(src: string): XPathQuery {
  return { src, expr: new XParser(src).parse() };
}

function stringOf(v: Val): string {
  if (Array.isArray(v)) {
    const first = v[0];
    if (!first) return '';
    if ('attr' in first) return first.value;
    if ('text' in first) return first.text;
    return textContent(first);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

function boolOf(v: Val): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'string') return v !== '';
  if (typeof v === 'number') return v !== 0;
  return v;
}

function descendants(e: El, out: El[]): void {
  for (const c of e.children) {
    if (typeof c === 'string') continue;
    out.push(c);
    if (out.length > MAX_NODES) return;
    descendants(c, out);
  }
}

function applyStep(ctx: Item[], step: Step): Item[] {
  const out: Item[] = [];
  for (const item of ctx) {
    if (!('tag' in item)) continue;
    let candidates: El[];
    if (step.axis === 'self') candidates = [item];
    else if (step.axis === 'descendant') {
      candidates = [];
      descendants(item, candidates);
      if (step.test.kind !== 'name') candidates.unshift(item);
    } else candidates = item.children.filter((c): c is El => typeof c !== 'string');
    let matched: Item[] = [];
    const t = step.test;
    if (t.kind === 'name') matched = candidates.filter((c) => t.name === '*' || c.tag === t.name);
    else if (t.kind === 'self') matched = candidates;
    else if (t.kind === 'attr') {
      const owners = step.axis === 'descendant' ? candidates : [item];
      for (const o of owners) {
        for (const [k, v] of o.attrs)
          if (t.name === '*' || k === t.name) matched.push({ attr: k, value: v, owner: o });
      }
    } else {
      const owners = step.axis === 'descendant' ? candidates : [item];
      for (const o of owners)
        for (const c of o.children) if (typeof c === 'string') matched.push({ text: c });
    }
    for (const p of step.preds) {
      matched = matched.filter((m, idx) => {
        const v = evalExpr(p, m, idx + 1);
        return typeof v === 'number' ? v === idx + 1 : boolOf(v);
      });
    }
    out.push(...matched);
  }
  return out;
}

function evalExpr(e: Expr, ctx: Item, pos: number): Val {
  switch (e.k) {
    case 'str':
      return e.v;
    case 'num':
      return e.v;
    case 'union': {
      const out: Item[] = [];
      for (const p of e.parts) {
        const v = evalExpr(p, ctx, pos);
        if (Array.isArray(v)) out.push(...v);
      }
      return out;
    }
    case 'path': {
      let start: Item = ctx;
      if (e.abs) {
        let r: El | undefined = 'tag' in ctx ? ctx : 'owner' in ctx ? ctx.owner : undefined;
        while (r?.parent) r = r.parent;
        if (!r) return [];
        start = r;
      }
      return e.steps.reduce<Item[]>((acc, s) => applyStep(acc, s), [start]);
    }
    case 'bin': {
      if (e.op === 'and') return boolOf(evalExpr(e.a, ctx, pos)) && boolOf(evalExpr(e.b, ctx, pos));
      if (e.op === 'or') return boolOf(evalExpr(e.a, ctx, pos)) || boolOf(evalExpr(e.b, ctx, pos));
      const a = evalExpr(e.a, ctx, pos);
      const b = evalExpr(e.b, ctx, pos);
      const as = Array.isArray(a) ? a.map((x) => stringOf([x])) : [stringOf(a)];
      const bs = Array.isArray(b) ? b.map((x) => stringOf([x])) : [stringOf(b)];
      const eq = as.some((x) => bs.some((y) => x === y));
      return e.op === '=' ? eq : as.some((x) => bs.some((y) => x !== y));
    }
    case 'fn': {
      const args = e.args.map((a) => evalExpr(a, ctx, pos));
      const s = (i: number) => (args[i] === undefined ? stringOf([ctx]) : stringOf(args[i]!));
      switch (e.name) {
        case 'contains':
          return s(0).includes(s(1));
        case 'starts-with':
          return s(0).startsWith(s(1));
        case 'not':
          return !boolOf(args[0] ?? false);
        case 'matches':
          return compileRegex(s(1)).test(s(0));
        case 'translate': {
          const from = s(1);
          const to = s(2);
          return [...s(0)]
            .map((c) => {
              const k = from.indexOf(c);
              return k < 0 ? c : (to[k] ?? '');
            })
            .join('');
        }
        case 'normalize-space':
          return s(0).trim().replace(/\s+/g, ' ');
        case 'string-length':
          return s(0).length;
        case 'lower-case':
          return s(0).toLowerCase();
        default:
          return false;
      }
    }
  }
}

/** Values of the matched nodes: attribute values, text, or an element's text (or its `attribute`). */
export function evalXPath(q: XPathQuery, markup: string, attribute?: string): string[] {
  const root = parseMarkup(markup);
  const v = evalExpr(q.expr, root, 1);
  if (!Array.isArray(v)) return boolOf(v) ? [stringOf(v)] : [];
  const out: string[] = [];
  for (const item of v) {
    if ('attr' in item) out.push(item.value);
    else if ('text' in item) out.push(item.text);
    else if (attribute) {
      const a = item.attrs.get(attribute.toLowerCase());
      if (a !== undefined) out.push(a);
    } else out.push(textContent(item).trim());
    if (out.length >= 1000) break;
  }
  return out;
}

/** For matchers: does the query select anything? */
export function xpathMatches(q: XPathQuery, markup: string): boolean {
  const v = evalExpr(q.expr, parseMarkup(markup), 1);
  return Array.isArray(v) ? v.length > 0 : boolOf(v);
}
