// YAML rule files → rule documents with line numbers (multi-document files hold correlations and their rules).
import jsyaml from 'js-yaml';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Level, LogsourceHint, RuleMeta } from './types.js';

export type DocKind = 'rule' | 'correlation' | 'filter';

export interface RuleDoc {
  kind: DocKind;
  path: string;
  line: number;
  obj: Record<string, unknown>;
  meta: RuleMeta;
  /** `name` attribute (correlations refer to rules by id or name). */
  name?: string;
  /** Line of a YAML path inside this document (0 when unknown). */
  lineOf(path: Array<string | number>): number;
}

export interface LoadError {
  path: string;
  line: number;
  reason: string;
}

const LEVELS = new Set(['informational', 'low', 'medium', 'high', 'critical']);

function strList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(String);
  if (typeof v === 'string') return [v];
  return [];
}

/** 1-based first content line of each YAML document in `text` (documents split at `---` lines). */
function docStartLines(text: string): number[] {
  const out: number[] = [];
  const lines = text.split('\n');
  let pending = true;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^---\s*$/.test(l)) {
      if (pending && out.length > 0) out.push(i + 1);
      pending = true;
      continue;
    }
    if (pending && l.trim() !== '' && !l.trimStart().startsWith('#')) {
      out.push(i + 1);
      pending = false;
    }
  }
  return out;
}

// Line lookup uses the `yaml` package (it keeps source ranges), parsed only when a diagnostic needs a line.
function lazyLines(text: string): (docIndex: number, path: Array<string | number>) => number {
  let parsed: { docs: Document.Parsed[]; lc: LineCounter } | undefined;
  return (docIndex, path) => {
    if (!parsed) {
      const lc = new LineCounter();
      parsed = {
        docs: parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false }) as Document.Parsed[],
        lc,
      };
    }
    const doc = parsed.docs[docIndex];
    if (!doc) return 0;
    try {
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node && node.range) return parsed.lc.linePos(node.range[0]).line;
      }
    } catch {
      /* path not present */
    }
    return 0;
  };
}

export function loadRuleText(path: string, text: string): { docs: RuleDoc[]; errors: LoadError[] } {
  // js-yaml (core schema, as YAML 1.2) is about four times faster than `yaml` on the corpus; `yaml`
  // is used for line numbers and for the exact error when js-yaml rejects a file.
  let objs: unknown[];
  try {
    objs = jsyaml.loadAll(text, undefined, { schema: jsyaml.CORE_SCHEMA, json: true });
  } catch {
    return loadRuleTextSlow(path, text);
  }
  const starts = docStartLines(text);
  const lines = lazyLines(text);
  const docs: RuleDoc[] = [];
  const errors: LoadError[] = [];
  objs.forEach((obj, i) => {
    const startLine = starts[i] ?? 1;
    const d = makeDoc(path, obj, startLine, (p) => lines(i, p) || startLine, errors);
    if (d) docs.push(d);
  });
  return { docs, errors };
}

function makeDoc(
  path: string,
  obj: unknown,
  startLine: number,
  lineOf: (p: Array<string | number>) => number,
  errors: LoadError[],
): RuleDoc | undefined {
  if (obj === null || obj === undefined) return undefined; // empty document (e.g. trailing ---)
  if (typeof obj !== 'object' || Array.isArray(obj)) {
    errors.push({ path, line: startLine, reason: 'rule document is not a YAML mapping' });
    return undefined;
  }
  const o = obj as Record<string, unknown>;
  const kind: DocKind =
    'correlation' in o ? 'correlation' : 'filter' in o && !('detection' in o) ? 'filter' : 'rule';
  const ls = (typeof o.logsource === 'object' && o.logsource !== null ? o.logsource : {}) as Record<
    string,
    unknown
  >;
  const logsource: LogsourceHint = {};
  for (const k of ['product', 'category', 'service'] as const)
    if (typeof ls[k] === 'string') logsource[k] = (ls[k] as string).toLowerCase();
  const level =
    typeof o.level === 'string' && LEVELS.has(o.level.toLowerCase())
      ? (o.level.toLowerCase() as Level)
      : 'medium';
  const meta: RuleMeta = {
    id: typeof o.id === 'string' ? o.id : o.id !== undefined ? String(o.id) : '',
    title: typeof o.title === 'string' ? o.title : '',
    level,
    author: typeof o.author === 'string' ? o.author : strList(o.author).join(', '),
    tags: strList(o.tags),
    references: strList(o.references),
    falsepositives: strList(o.falsepositives),
    logsource,
    path,
    line: startLine,
  };
  if (typeof o.status === 'string') meta.status = o.status;
  if (typeof o.description === 'string') meta.description = o.description;
  const d: RuleDoc = { kind, path, line: startLine, obj: o, meta, lineOf };
  if (typeof o.name === 'string') d.name = o.name;
  return d;
}

/** Slow path with exact YAML error positions. */
function loadRuleTextSlow(path: string, text: string): { docs: RuleDoc[]; errors: LoadError[] } {
  const lc = new LineCounter();
  const docs: RuleDoc[] = [];
  const errors: LoadError[] = [];
  let parsed: Array<Document.Parsed>;
  try {
    parsed = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false }) as Array<Document.Parsed>;
    if (!Array.isArray(parsed)) parsed = [parsed];
  } catch (err) {
    errors.push({ path, line: 0, reason: `YAML: ${err instanceof Error ? err.message : String(err)}` });
    return { docs, errors };
  }
  for (const doc of parsed) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      errors.push({ path, line: e.linePos?.[0]?.line ?? 0, reason: `YAML: ${e.message.split('\n')[0]}` });
      continue;
    }
    const startLine = doc.contents ? lc.linePos(doc.contents.range?.[0] ?? 0).line : 0;
    let obj: unknown;
    try {
      obj = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      errors.push({
        path,
        line: startLine,
        reason: `YAML: ${err instanceof Error ? err.message : String(err)}`,
      });
      continue;
    }
    const lineOf = (p: Array<string | number>): number => {
      try {
        for (let n = p.length; n >= 0; n--) {
          const node = doc.getIn(p.slice(0, n), true) as { range?: [number, number, number] } | undefined;
          if (node && node.range) return lc.linePos(node.range[0]).line;
        }
      } catch {
        /* path not present */
      }
      return startLine;
    };
    const d = makeDoc(path, obj, startLine, lineOf, errors);
    if (d) docs.push(d);
  }
  if (docs.length === 0 && errors.length === 0)
    errors.push({ path, line: 0, reason: 'YAML could not be read' });
  return { docs, errors };
}
