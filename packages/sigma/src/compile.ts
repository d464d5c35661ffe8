// Detection section → Node tree. Errors carry the YAML path so the diagnostic can name the line.
import { parseCondition, expandPattern, ConditionError, type CondAst } from './condition.js';
import type { Node } from './nodes.js';
import {
  AndNode,
  AtLeastNode,
  ConstNode,
  ExistsLeaf,
  FieldLeaf,
  KeywordLeaf,
  NotNode,
  NullLeaf,
  OrNode,
} from './nodes.js';
import { buildValueSpec, ValueError, type ValueEnv } from './values.js';

export class CompileError extends Error {
  constructor(
    message: string,
    readonly yamlPath: Array<string | number>,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

export interface CompileEnv extends ValueEnv {
  warnings: string[];
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compileFieldItem(key: string, value: unknown, env: CompileEnv, path: Array<string | number>): Node {
  const parts = key.split('|');
  const field = parts[0]!;
  const mods = parts.slice(1).map((m) => m.trim().toLowerCase());
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) throw new CompileError(`field '${field}' has an empty value list`, path);
  try {
    const spec = buildValueSpec(field, mods, values, env);
    env.warnings.push(...spec.warnings);
    if (field === '') {
      if (spec.exists !== undefined || spec.isNull)
        throw new CompileError('keyword search cannot use exists or null', path);
      return new KeywordLeaf(spec.groups, spec.all);
    }
    const fid = env.fieldId(field);
    if (spec.exists !== undefined) return new ExistsLeaf(fid, field, spec.exists);
    if (spec.isNull) return new NullLeaf(fid, field);
    return new FieldLeaf(fid, field, spec.groups, spec.all, spec.neq);
  } catch (err) {
    if (err instanceof ValueError) throw new CompileError(`${key}: ${err.message}`, path, err.unsupported);
    throw err;
  }
}

function compileMap(m: Record<string, unknown>, env: CompileEnv, path: Array<string | number>): Node {
  const items: Node[] = [];
  for (const [k, v] of Object.entries(m)) items.push(compileFieldItem(k, v, env, [...path, k]));
  if (items.length === 0) throw new CompileError('empty selection', path);
  return items.length === 1 ? items[0]! : new AndNode(items);
}

export function compileSearch(value: unknown, env: CompileEnv, path: Array<string | number>): Node {
  if (isMap(value)) return compileMap(value, env, path);
  if (Array.isArray(value)) {
    if (value.length === 0) throw new CompileError('empty search identifier', path);
    if (value.every(isMap)) {
      const items = value.map((m, i) => compileMap(m as Record<string, unknown>, env, [...path, i]));
      return items.length === 1 ? items[0]! : new OrNode(items);
    }
    if (value.some((v) => isMap(v) || Array.isArray(v)))
      throw new CompileError('search identifier mixes maps and plain values', path);
    // Keyword list: plain values searched across the whole event.
    return compileFieldItem('', value, env, path);
  }
  if (typeof value === 'string' || typeof value === 'number') return compileFieldItem('', [value], env, path);
  throw new CompileError('search identifier must be a map or a list', path);
}

export function compileDetection(det: unknown, env: CompileEnv, base: string[] = ['detection']): Node {
  if (!isMap(det)) throw new CompileError('detection must be a mapping', base);
  const ids = Object.keys(det).filter((k) => k !== 'condition' && k !== 'timeframe');
  const cond = det.condition;
  if (cond === undefined) throw new CompileError('detection has no condition', base);
  if ('timeframe' in det)
    throw new CompileError(
      'timeframe belongs to obsolete Sigma 1 aggregations; use a correlation rule',
      [...base, 'timeframe'],
      true,
    );
  const conds = Array.isArray(cond) ? cond : [cond];
  const cache = new Map<string, Node>();
  const search = (name: string): Node => {
    let n = cache.get(name);
    if (n === undefined) {
      if (!(name in det))
        throw new CompileError(`condition refers to '${name}', which is not defined`, [...base, 'condition']);
      n = compileSearch(det[name], env, [...base, name]);
      cache.set(name, n);
    }
    return n;
  };
  // Compile every identifier, so a broken unused selection is still reported.
  for (const id of ids) search(id);
  const build = (ast: CondAst): Node => {
    switch (ast.t) {
      case 'id':
        return search(ast.name);
      case 'not':
        return new NotNode(build(ast.item));
      case 'and':
        return new AndNode(ast.items.map(build));
      case 'or':
        return new OrNode(ast.items.map(build));
      case 'of': {
        const names = expandPattern(ast.pattern, ids);
        if (names.length === 0)
          throw new CompileError(`'${ast.count} of ${ast.pattern}' matches no search identifier`, [
            ...base,
            'condition',
          ]);
        const items = names.map(search);
        if (ast.count === 'all') return items.length === 1 ? items[0]! : new AndNode(items);
        if (ast.count === 1) return items.length === 1 ? items[0]! : new OrNode(items);
        if (ast.count > items.length) return new ConstNode(false);
        return new AtLeastNode(items, ast.count);
      }
    }
  };
  const roots: Node[] = [];
  for (const [i, c] of conds.entries()) {
    if (typeof c !== 'string') throw new CompileError('condition must be a string', [...base, 'condition']);
    try {
      roots.push(build(parseCondition(c)));
    } catch (err) {
      if (err instanceof ConditionError)
        throw new CompileError(
          err.message,
          Array.isArray(cond) ? [...base, 'condition', i] : [...base, 'condition'],
          err.unsupported,
        );
      throw err;
    }
  }
  return roots.length === 1 ? roots[0]! : new OrNode(roots);
}
