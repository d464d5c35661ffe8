// The template DSL: a small expression language (govaluate-like) used in dsl matchers/extractors and inside
// {{…}} markers. Clean-room: tokenizer → Pratt parser → tree-walking evaluator. Parsing happens at compile time
// so a template that calls an unknown helper is reported as unsupported before it ever runs.
import { toByteString } from './bytes.js';
import { dslFunctions } from './dsl-functions.js';

export type Value = string | number | boolean | null | Value[];

export type Node =
  | { k: 'lit'; v: Value }
  | { k: 'var'; name: string }
  | { k: 'call'; name: string; args: Node[] }
  | { k: 'un'; op: string; a: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'tern'; c: Node; a: Node; b: Node }
  | { k: 'list'; items: Node[] };

export class DslSyntaxError extends Error {
  constructor(expr: string, reason: string) {
    super(`dsl syntax error in ${JSON.stringify(expr.slice(0, 160))}: ${reason}`);
    this.name = 'DslSyntaxError';
  }
}

const WHY: Record<string, string> = {
  jarm: 'JARM TLS fingerprinting needs ten hand-built ClientHello probes',
  wait_for: 'time-based checks (sleeping inside an expression) are not run',
  generate_java_gadget: 'Java deserialization gadgets are not generated',
  aes_cbc: 'payload encryption helpers are not provided',
  aes_gcm: 'payload encryption helpers are not provided',
};

export class DslUnsupportedError extends Error {
  constructor(public readonly fn: string) {
    super(
      `dsl function ${fn}() not implemented${WHY[fn.toLowerCase()] ? ` (${WHY[fn.toLowerCase()]})` : ''}`,
    );
    this.name = 'DslUnsupportedError';
  }
}

export class DslEvalError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'DslEvalError';
  }
}

type Tok =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string }
  | { t: 'id'; v: string }
  | { t: 'op'; v: string }
  | { t: 'eof' };

const OPS = [
  '&&',
  '||',
  '==',
  '!=',
  '>=',
  '<=',
  '=~',
  '!~',
  '??',
  '<<',
  '>>',
  '**',
  '>',
  '<',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '(',
  ')',
  ',',
  '?',
  ':',
  '&',
  '|',
  '^',
  '~',
  '[',
  ']',
];

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      // Strings: a backslash takes the next character literally (govaluate semantics).
      let j = i + 1;
      let out = '';
      let closed = false;
      while (j < n) {
        const d = src[j]!;
        if (d === '\\' && c !== '`' && j + 1 < n) {
          out += src[j + 1];
          j += 2;
          continue;
        }
        if (d === c) {
          closed = true;
          break;
        }
        out += d;
        j++;
      }
      if (!closed) throw new DslSyntaxError(src, 'unterminated string');
      // Literals become byte strings like the responses they are compared with.
      toks.push({ t: 'str', v: toByteString(out) });
      i = j + 1;
      continue;
    }
    if (c >= '0' && c <= '9') {
      const m = /^(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(src.slice(i, i + 64));
      const s = m![0];
      toks.push({ t: 'num', v: Number(s) });
      i += s.length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_.$]/.test(src[j]!)) j++;
      toks.push({ t: 'id', v: src.slice(i, j) });
      i = j;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new DslSyntaxError(src, `unexpected character ${JSON.stringify(c)} at ${i}`);
    toks.push({ t: 'op', v: op });
    i += op.length;
  }
  toks.push({ t: 'eof' });
  return toks;
}

const BIN_PREC: Record<string, number> = {
  '??': 1,
  '||': 2,
  '&&': 3,
  '==': 4,
  '!=': 4,
  '=~': 4,
  '!~': 4,
  '<': 5,
  '<=': 5,
  '>': 5,
  '>=': 5,
  '|': 6,
  '^': 6,
  '&': 6,
  '<<': 7,
  '>>': 7,
  '+': 8,
  '-': 8,
  '*': 9,
  '/': 9,
  '%': 9,
  '**': 10,
};

const MAX_DEPTH = 200;

class Parser {
  private p = 0;
  private depth = 0;
  constructor(
    private readonly src: string,
    private readonly toks: Tok[],
  ) {}

  private peek(): Tok {
    return this.toks[this.p]!;
  }
  private next(): Tok {
    return this.toks[this.p++]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) throw new DslSyntaxError(this.src, `expected '${v}'`);
    this.p++;
  }

  parseAll(): Node {
    const node = this.expr();
    if (this.isOp(',')) {
      // "a, b" at top level (used by dsl extractors): a list of values.
      const items = [node];
      while (this.isOp(',')) {
        this.p++;
        items.push(this.expr());
      }
      if (this.peek().t !== 'eof') throw new DslSyntaxError(this.src, 'trailing tokens');
      return { k: 'list', items };
    }
    if (this.peek().t !== 'eof') throw new DslSyntaxError(this.src, 'trailing tokens');
    return node;
  }

  expr(): Node {
    if (++this.depth > MAX_DEPTH) throw new DslSyntaxError(this.src, 'expression too deep');
    const c = this.binary(0);
    let out = c;
    if (this.isOp('?')) {
      this.p++;
      const a = this.expr();
      this.expectOp(':');
      const b = this.expr();
      out = { k: 'tern', c, a, b };
    }
    this.depth--;
    return out;
  }

  private binary(minPrec: number): Node {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op') break;
      const prec = BIN_PREC[t.v];
      if (prec === undefined || prec < minPrec) break;
      this.p++;
      const right = this.binary(prec + 1);
      left = { k: 'bin', op: t.v, a: left, b: right };
    }
    return left;
  }

  private unary(): Node {
    const t = this.peek();
    if (t.t === 'op' && (t.v === '!' || t.v === '-' || t.v === '~')) {
      this.p++;
      if (++this.depth > MAX_DEPTH) throw new DslSyntaxError(this.src, 'expression too deep');
      const a = this.unary();
      this.depth--;
      return { k: 'un', op: t.v, a };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.next();
    switch (t.t) {
      case 'num':
        return { k: 'lit', v: t.v };
      case 'str':
        return { k: 'lit', v: t.v };
      case 'id': {
        if (t.v === 'true') return { k: 'lit', v: true };
        if (t.v === 'false') return { k: 'lit', v: false };
        if (t.v === 'nil' || t.v === 'null') return { k: 'lit', v: null };
        if (this.isOp('(')) {
          this.p++;
          const args: Node[] = [];
          if (!this.isOp(')')) {
            for (;;) {
              args.push(this.expr());
              if (this.isOp(',')) {
                this.p++;
                continue;
              }
              break;
            }
          }
          this.expectOp(')');
          return { k: 'call', name: t.v, args };
        }
        return { k: 'var', name: t.v };
      }
      case 'op':
        if (t.v === '(') {
          const first = this.expr();
          if (this.isOp(',')) {
            const items = [first];
            while (this.isOp(',')) {
              this.p++;
              items.push(this.expr());
            }
            this.expectOp(')');
            return { k: 'list', items };
          }
          this.expectOp(')');
          return first;
        }
        if (t.v === '[') {
          // [name] escapes a variable name with characters the lexer does not accept (e.g. interactsh-url).
          let name = '';
          while (!this.isOp(']')) {
            const x = this.next();
            if (x.t === 'eof') throw new DslSyntaxError(this.src, "expected ']'");
            name += x.t === 'op' ? x.v : String((x as { v: unknown }).v);
          }
          this.p++;
          return { k: 'var', name };
        }
        throw new DslSyntaxError(this.src, `unexpected '${t.v}'`);
      default:
        throw new DslSyntaxError(this.src, 'unexpected end of expression');
    }
  }
}

const parseCache = new Map<string, Node>();

/** Parse an expression; throws DslSyntaxError, or DslUnsupportedError for a helper this engine lacks. */
export function parseDsl(src: string): Node {
  const hit = parseCache.get(src);
  if (hit) return hit;
  if (src.length > 64 * 1024) throw new DslSyntaxError(src, 'expression too long');
  const node = new Parser(src, tokenize(src)).parseAll();
  checkFunctions(node);
  if (parseCache.size > 50_000) parseCache.clear();
  parseCache.set(src, node);
  return node;
}

function checkFunctions(node: Node): void {
  switch (node.k) {
    case 'call':
      if (!Object.hasOwn(dslFunctions, node.name.toLowerCase())) throw new DslUnsupportedError(node.name);
      node.args.forEach(checkFunctions);
      return;
    case 'un':
      checkFunctions(node.a);
      return;
    case 'bin':
      checkFunctions(node.a);
      checkFunctions(node.b);
      return;
    case 'tern':
      checkFunctions(node.c);
      checkFunctions(node.a);
      checkFunctions(node.b);
      return;
    case 'list':
      node.items.forEach(checkFunctions);
      return;
    default:
      return;
  }
}

/** Names of variables an expression reads (to decide whether a {{…}} marker can be resolved). */
export function dslVariables(node: Node, out: Set<string> = new Set()): Set<string> {
  switch (node.k) {
    case 'var':
      out.add(node.name);
      break;
    case 'call':
      node.args.forEach((a) => dslVariables(a, out));
      break;
    case 'un':
      dslVariables(node.a, out);
      break;
    case 'bin':
      dslVariables(node.a, out);
      dslVariables(node.b, out);
      break;
    case 'tern':
      dslVariables(node.c, out);
      dslVariables(node.a, out);
      dslVariables(node.b, out);
      break;
    case 'list':
      node.items.forEach((a) => dslVariables(a, out));
      break;
    default:
      break;
  }
  return out;
}

export function hasCall(node: Node): boolean {
  switch (node.k) {
    case 'call':
      return true;
    case 'un':
      return hasCall(node.a);
    case 'bin':
      return hasCall(node.a) || hasCall(node.b);
    case 'tern':
      return hasCall(node.c) || hasCall(node.a) || hasCall(node.b);
    case 'list':
      return node.items.some(hasCall);
    default:
      return false;
  }
}

export type Vars = Map<string, Value>;

export function toStr(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return v.map(toStr).join(',');
}

export function toNum(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return NaN;
    return Number(s);
  }
  return NaN;
}

export function truthy(v: Value): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v !== '' && v !== 'false';
  return v.length > 0;
}

function looseEqual(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'string') return b.trim() !== '' && Number(b) === a;
  if (typeof b === 'number' && typeof a === 'string') return a.trim() !== '' && Number(a) === b;
  if (Array.isArray(a) || Array.isArray(b)) return toStr(a) === toStr(b);
  return a === b;
}

function compare(a: Value, b: Value): number {
  const na = toNum(a);
  const nb = toNum(b);
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  const sa = toStr(a);
  const sb = toStr(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

export interface EvalContext {
  vars: Vars;
  /** Counts evaluation steps so a pathological expression cannot run away. */
  budget?: { steps: number };
}

export function evaluate(node: Node, ctx: EvalContext): Value {
  const budget = ctx.budget ?? (ctx.budget = { steps: 0 });
  if (++budget.steps > 100_000) throw new DslEvalError('dsl evaluation budget exceeded');
  switch (node.k) {
    case 'lit':
      return node.v;
    case 'var': {
      if (ctx.vars.has(node.name)) return ctx.vars.get(node.name)!;
      throw new DslEvalError(`unknown variable ${node.name}`);
    }
    case 'list':
      return node.items.map((i) => evaluate(i, ctx));
    case 'call': {
      const fn = dslFunctions[node.name.toLowerCase()];
      if (!fn) throw new DslUnsupportedError(node.name);
      const args = node.args.map((a) => evaluate(a, ctx));
      return fn(args, ctx);
    }
    case 'un': {
      const a = evaluate(node.a, ctx);
      if (node.op === '!') return !truthy(a);
      if (node.op === '-') return -toNum(a);
      return ~toNum(a);
    }
    case 'tern':
      return truthy(evaluate(node.c, ctx)) ? evaluate(node.a, ctx) : evaluate(node.b, ctx);
    case 'bin': {
      if (node.op === '&&') return truthy(evaluate(node.a, ctx)) && truthy(evaluate(node.b, ctx));
      if (node.op === '||') return truthy(evaluate(node.a, ctx)) || truthy(evaluate(node.b, ctx));
      if (node.op === '??') {
        try {
          const a = evaluate(node.a, ctx);
          if (a !== null) return a;
        } catch (err) {
          if (!(err instanceof DslEvalError)) throw err;
        }
        return evaluate(node.b, ctx);
      }
      const a = evaluate(node.a, ctx);
      const b = evaluate(node.b, ctx);
      switch (node.op) {
        case '==':
          return looseEqual(a, b);
        case '!=':
          return !looseEqual(a, b);
        case '<':
          return compare(a, b) < 0;
        case '<=':
          return compare(a, b) <= 0;
        case '>':
          return compare(a, b) > 0;
        case '>=':
          return compare(a, b) >= 0;
        case '=~':
          return dslFunctions['regex']!([b, a], ctx);
        case '!~':
          return !dslFunctions['regex']!([b, a], ctx);
        case '+':
          if (typeof a === 'number' && typeof b === 'number') return a + b;
          return toStr(a) + toStr(b);
        case '-':
          return toNum(a) - toNum(b);
        case '*':
          return toNum(a) * toNum(b);
        case '/':
          return toNum(a) / toNum(b);
        case '%':
          return toNum(a) % toNum(b);
        case '**':
          return toNum(a) ** toNum(b);
        case '&':
          return toNum(a) & toNum(b);
        case '|':
          return toNum(a) | toNum(b);
        case '^':
          return toNum(a) ^ toNum(b);
        case '<<':
          return toNum(a) << toNum(b);
        case '>>':
          return toNum(a) >> toNum(b);
        default:
          throw new DslEvalError(`operator ${node.op}`);
      }
    }
  }
}

/** Parse and evaluate in one go (for callers that hold source text). */
export function evalDsl(src: string, vars: Vars): Value {
  return evaluate(parseDsl(src), { vars });
}
