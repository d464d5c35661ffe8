// Sigma condition expressions: and / or / not, parentheses, `1 of x*`, `all of them`.
// Precedence (loosest first): or, and, not, "x of", parentheses.

export type CondAst =
  | { t: 'id'; name: string }
  | { t: 'and' | 'or'; items: CondAst[] }
  | { t: 'not'; item: CondAst }
  | { t: 'of'; count: number | 'all'; pattern: string };

export class ConditionError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

const TOKEN = /\s*(\(|\)|[A-Za-z0-9_*.\-$@]+|\S)/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  for (;;) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (m === null) {
      if (text.slice(start).trim() !== '')
        throw new ConditionError(`cannot read condition near '${text.slice(start, start + 20)}'`);
      return out;
    }
    out.push(m[1]!);
  }
}

export function parseCondition(text: string): CondAst {
  if (text.includes('|')) {
    // Sigma 1 aggregations (`| count() by x`) became correlation rules in Sigma 2.
    throw new ConditionError(
      'aggregation in condition (Sigma 1 "| count() …") is obsolete; use a correlation rule',
      true,
    );
  }
  const toks = tokenize(text);
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const lower = (s: string | undefined): string | undefined => s?.toLowerCase();

  const parseOr = (): CondAst => {
    const items = [parseAnd()];
    while (lower(peek()) === 'or') {
      i++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0]! : { t: 'or', items };
  };
  const parseAnd = (): CondAst => {
    const items = [parseNot()];
    while (lower(peek()) === 'and') {
      i++;
      items.push(parseNot());
    }
    return items.length === 1 ? items[0]! : { t: 'and', items };
  };
  const parseNot = (): CondAst => {
    if (lower(peek()) === 'not') {
      i++;
      return { t: 'not', item: parseNot() };
    }
    return parseAtom();
  };
  const parseAtom = (): CondAst => {
    const tok = peek();
    if (tok === undefined) throw new ConditionError('condition ends too early');
    if (tok === '(') {
      i++;
      const inner = parseOr();
      if (peek() !== ')') throw new ConditionError(`missing ')' in condition`);
      i++;
      return inner;
    }
    const lt = tok.toLowerCase();
    if ((/^\d+$/.test(tok) || lt === 'all' || lt === 'any') && lower(toks[i + 1]) === 'of') {
      const pattern = toks[i + 2];
      if (pattern === undefined || pattern === '(' || pattern === ')')
        throw new ConditionError(`'${tok} of' needs a search identifier pattern or 'them'`);
      i += 3;
      const count = lt === 'all' ? 'all' : lt === 'any' ? 1 : Number(tok);
      if (count === 0) throw new ConditionError(`'0 of' is not meaningful`);
      return { t: 'of', count, pattern };
    }
    if (lt === 'and' || lt === 'or' || lt === 'not' || tok === ')' || lt === 'of')
      throw new ConditionError(`unexpected '${tok}' in condition`);
    if (lt === 'near')
      throw new ConditionError('the "near" operator is obsolete; use a temporal correlation rule', true);
    if (!/^[A-Za-z0-9_*.\-$@]+$/.test(tok)) throw new ConditionError(`unexpected '${tok}' in condition`);
    i++;
    return { t: 'id', name: tok };
  };

  const ast = parseOr();
  if (i < toks.length) throw new ConditionError(`unexpected '${toks[i]}' in condition`);
  return ast;
}

/** Identifiers a pattern like `selection_*` names; `them` means all not starting with `_`. */
export function expandPattern(pattern: string, ids: readonly string[]): string[] {
  if (pattern === 'them') return ids.filter((n) => !n.startsWith('_'));
  if (!pattern.includes('*')) return ids.includes(pattern) ? [pattern] : [];
  const parts = pattern.split('*');
  return ids.filter((n) => {
    if (!n.startsWith(parts[0]!) || !n.endsWith(parts[parts.length - 1]!)) return false;
    if (n.length < parts[0]!.length + parts[parts.length - 1]!.length) return false;
    let pos = parts[0]!.length;
    for (let k = 1; k < parts.length - 1; k++) {
      const at = n.indexOf(parts[k]!, pos);
      if (at < 0) return false;
      pos = at + parts[k]!.length;
    }
    return pos <= n.length - parts[parts.length - 1]!.length;
  });
}
