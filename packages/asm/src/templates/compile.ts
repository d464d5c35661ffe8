// Load and compile a template (nuclei format). Compilation checks everything the engine needs up front —
// protocol, fields, regexes, DSL helpers, payload files — so that "compiled" means "this engine can run it",
// and anything else is reported as unsupported (with the reason) or as an error.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DslUnsupportedError } from './dsl.js';
import { TemplateError, UnsupportedError } from './errors.js';
import { checkMarkers } from './interpolate.js';
import { compileOperators } from './operators.js';
import type { Operators } from './operators.js';
import { TemplateRegexError } from './regex.js';

export type Protocol = 'http' | 'dns' | 'ssl' | 'network';
export type AttackType = 'batteringram' | 'pitchfork' | 'clusterbomb';

export interface TemplateInfo {
  name: string;
  severity: string;
  author: string;
  tags: string[];
  description?: string;
  remediation?: string;
  reference: string[];
  classification?: Record<string, unknown>;
}

export interface PayloadSpec {
  attack: AttackType;
  /** name → values, or a file path (read when the template runs). */
  sets: Array<{ name: string; values?: string[]; file?: string }>;
}

interface BlockBase {
  protocol: Protocol;
  /** 1-based index among blocks of the same protocol (flow: http(2)). */
  index: number;
  operators: Operators;
  stopAtFirstMatch: boolean;
  payloads?: PayloadSpec;
}

export interface HttpBlock extends BlockBase {
  protocol: 'http';
  method: string;
  paths: string[];
  raw: string[];
  headers: Array<[string, string]>;
  body: string;
  redirects: 'none' | 'any' | 'host';
  maxRedirects: number;
  maxSize?: number;
  unsafe: boolean;
  cookieReuse: boolean;
  disablePathAutomerge: boolean;
  repeat: number;
}

export interface DnsBlock extends BlockBase {
  protocol: 'dns';
  name: string;
  type: string;
  klass: string;
  recursion: boolean;
  retries: number;
}

export interface SslBlock extends BlockBase {
  protocol: 'ssl';
  address: string;
  minVersion?: string;
  maxVersion?: string;
}

export interface NetworkInput {
  data: string;
  hex: boolean;
  read?: number;
  name?: string;
}

export interface NetworkBlock extends BlockBase {
  protocol: 'network';
  hosts: string[];
  port?: string;
  inputs: NetworkInput[];
  readSize: number;
  readAll: boolean;
}

export type Block = HttpBlock | DnsBlock | SslBlock | NetworkBlock;

export type FlowNode =
  { k: 'step'; protocol: Protocol; index: number } | { k: 'and' | 'or'; a: FlowNode; b: FlowNode };

export interface CompiledTemplate {
  id: string;
  path: string;
  info: TemplateInfo;
  protocols: Protocol[];
  blocks: Block[];
  flow?: FlowNode;
  variables: Array<[string, string]>;
  selfContained: boolean;
  /** Variable names the template reads from {{…}} markers. */
  uses: string[];
}

export type CompileStatus = 'compiled' | 'unsupported' | 'error';

export interface CompileResult {
  path: string;
  id: string;
  status: CompileStatus;
  reason?: string;
  protocols: string[];
  template?: CompiledTemplate;
}

export interface CompileOptions {
  /** Folder against which payload file paths (helpers/wordlists/…) resolve: the corpus root. */
  payloadRoot?: string;
}

// A reference to the interaction server (a callback URL, or a matcher on what it received).
const OOB_REF = /\{\{\s*interactsh-url|interactsh_(protocol|request|response|ip)|interactsh-(server|url)/i;

const UNSUPPORTED_PROTOCOLS: Record<string, string> = {
  code: 'code templates run local programs; never executed by the scanner',
  javascript: 'javascript protocol templates need a JavaScript runtime with network modules; not supported',
  headless: 'headless templates need a browser; not supported',
  file: 'file templates scan local files, not a target; not supported',
  websocket: 'websocket protocol not supported',
  whois: 'whois protocol not supported (queries third-party registries)',
  workflows: 'workflows chain other templates by path; run those templates directly instead',
  workflow: 'workflows chain other templates by path; run those templates directly instead',
};

const PROTOCOL_KEYS: Array<[string, Protocol]> = [
  ['http', 'http'],
  ['requests', 'http'],
  ['dns', 'dns'],
  ['ssl', 'ssl'],
  ['network', 'network'],
  ['tcp', 'network'],
];

type Raw = Record<string, unknown>;

function str(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new TemplateError(`${what} must be a string`);
}

function strList(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => str(x, what));
}

function parseFlow(src: string): FlowNode {
  const toks = src.match(/\s*(\(|\)|&&|\|\||[a-z]+\(\s*\d*\s*\))/g);
  if (!toks || toks.join('').replace(/\s+/g, '') !== src.replace(/\s+/g, '')) {
    throw new UnsupportedError(
      'flow: only boolean sequences like "http(1) && http(2)" are supported (JavaScript flow is not)',
    );
  }
  let p = 0;
  const t = toks.map((x) => x.trim());
  const primary = (): FlowNode => {
    const x = t[p++];
    if (x === '(') {
      const n = orExpr();
      if (t[p++] !== ')') throw new UnsupportedError('flow: unbalanced parentheses');
      return n;
    }
    const m = x ? /^([a-z]+)\(\s*(\d*)\s*\)$/.exec(x) : null;
    if (!m) throw new UnsupportedError(`flow: unexpected ${x ?? 'end'}`);
    const proto = m[1] === 'tcp' ? 'network' : m[1];
    if (proto !== 'http' && proto !== 'dns' && proto !== 'ssl' && proto !== 'network') {
      throw new UnsupportedError(`flow: protocol ${m[1]} not supported`);
    }
    return { k: 'step', protocol: proto, index: m[2] ? Number(m[2]) : 1 };
  };
  const andExpr = (): FlowNode => {
    let a = primary();
    while (t[p] === '&&') {
      p++;
      a = { k: 'and', a, b: primary() };
    }
    return a;
  };
  const orExpr = (): FlowNode => {
    let a = andExpr();
    while (t[p] === '||') {
      p++;
      a = { k: 'or', a, b: andExpr() };
    }
    return a;
  };
  const n = orExpr();
  if (p !== t.length) throw new UnsupportedError('flow: trailing tokens');
  return n;
}

function compilePayloads(req: Raw, opts: CompileOptions, used: Set<string>): PayloadSpec | undefined {
  const raw = req['payloads'];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new TemplateError('payloads must be a map');
  const sets: PayloadSpec['sets'] = [];
  for (const [name, v] of Object.entries(raw as Raw)) {
    if (Array.isArray(v)) sets.push({ name, values: v.map((x) => str(x, `payload ${name}`)) });
    else if (typeof v === 'string' && !v.includes('\n') && /\.(txt|lst|list|csv)$/i.test(v.trim())) {
      const file = v.trim();
      if (file.includes('..')) throw new TemplateError(`payload ${name}: path may not contain ".."`);
      const root = opts.payloadRoot;
      if (isAbsolute(file)) throw new TemplateError(`payload ${name}: absolute paths are not allowed`);
      if (!root || !existsSync(join(root, file))) throw new TemplateError(`payload file not found: ${file}`);
      sets.push({ name, file: join(root, file) });
    } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint')
      sets.push({ name, values: [String(v)] });
    else throw new TemplateError(`payload ${name}: expected a list or a file`);
    used.add(name);
  }
  const a = str(req['attack'], 'attack').toLowerCase();
  if (a && a !== 'batteringram' && a !== 'pitchfork' && a !== 'clusterbomb')
    throw new TemplateError(`unknown attack type ${a}`);
  const attack = (a || (sets.length > 1 ? 'clusterbomb' : 'batteringram')) as AttackType;
  return { attack, sets };
}

function compileHeaders(v: unknown): Array<[string, string]> {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'object' || Array.isArray(v)) throw new TemplateError('headers must be a map');
  return Object.entries(v as Raw).map(([k, x]) => [k, str(x, `header ${k}`)]);
}

function compileHttp(req: Raw, index: number, opts: CompileOptions, used: Set<string>): HttpBlock {
  if (req['fuzzing'] !== undefined) throw new UnsupportedError('fuzzing (DAST) rules are not supported');
  if (req['global-matchers'] === true) {
    throw new UnsupportedError("global matchers (applied to other templates' responses) are not supported");
  }
  if (req['analyzer'] !== undefined) throw new UnsupportedError('response-time analyzers are not supported');
  if (req['signature'] !== undefined)
    throw new UnsupportedError('request signing (AWS signature) is not supported');
  const paths = strList(req['path'], 'path');
  const raw = strList(req['raw'], 'raw');
  if (paths.length === 0 && raw.length === 0) throw new TemplateError('http request needs path or raw');
  const headers = compileHeaders(req['headers']);
  const body = str(req['body'], 'body');
  for (const s of [...paths, ...raw, body, ...headers.map(([, v]) => v)]) checkMarkers(s, used);
  const redirects = req['host-redirects'] === true ? 'host' : req['redirects'] === true ? 'any' : 'none';
  const maxSize = req['max-size'] === undefined ? undefined : Number(req['max-size']);
  const repeat = req['race'] === true ? Math.min(Math.max(Number(req['race_count'] ?? 1), 1), 10) : 1;
  return {
    protocol: 'http',
    index,
    method: (str(req['method'], 'method') || 'GET').toUpperCase(),
    paths,
    raw,
    headers,
    body,
    redirects,
    maxRedirects: req['max-redirects'] === undefined ? 10 : Math.min(Number(req['max-redirects']) || 0, 20),
    maxSize: maxSize !== undefined && Number.isFinite(maxSize) && maxSize > 0 ? maxSize : undefined,
    unsafe: req['unsafe'] === true,
    cookieReuse: req['disable-cookie'] !== true,
    disablePathAutomerge: req['disable-path-automerge'] === true,
    repeat,
    stopAtFirstMatch: req['stop-at-first-match'] === true,
    payloads: compilePayloads(req, opts, used),
    operators: compileOperators(req, used),
  };
}

function compileDns(req: Raw, index: number, opts: CompileOptions, used: Set<string>): DnsBlock {
  if (req['trace'] === true)
    throw new UnsupportedError('dns trace (iterative resolution from the roots) is not supported');
  const name = str(req['name'], 'name') || '{{FQDN}}';
  checkMarkers(name, used);
  const type = (str(req['type'], 'type') || 'A').toUpperCase();
  const known = [
    'A',
    'NS',
    'CNAME',
    'SOA',
    'PTR',
    'MX',
    'TXT',
    'AAAA',
    'SRV',
    'DS',
    'TLSA',
    'CAA',
    'ANY',
    'AXFR',
  ];
  if (!known.includes(type)) throw new TemplateError(`unknown dns type ${type}`);
  if (type === 'AXFR')
    throw new UnsupportedError(
      'dns AXFR needs TCP zone transfer; the built-in zone-transfer check covers it',
    );
  return {
    protocol: 'dns',
    index,
    name,
    type,
    klass: (str(req['class'], 'class') || 'inet').toLowerCase(),
    recursion: req['recursion'] !== false,
    retries: Math.min(Math.max(Number(req['retries'] ?? 1) || 1, 1), 3),
    stopAtFirstMatch: req['stop-at-first-match'] === true,
    payloads: compilePayloads(req, opts, used),
    operators: compileOperators(req, used),
  };
}

const TLS_VERSIONS = ['sslv3', 'ssl30', 'tls10', 'tls11', 'tls12', 'tls13'];

function compileSsl(req: Raw, index: number, opts: CompileOptions, used: Set<string>): SslBlock {
  for (const k of ['tls_version_enum', 'tls_cipher_enum']) {
    if (req[k] === true) throw new UnsupportedError(`ssl ${k} (enumeration) is not supported`);
  }
  if (req['cipher_suites'] !== undefined)
    throw new UnsupportedError('ssl cipher_suites (client cipher selection) is not supported');
  const address = str(req['address'], 'address') || '{{Host}}:{{Port}}';
  checkMarkers(address, used);
  const minVersion = str(req['min_version'], 'min_version').toLowerCase() || undefined;
  const maxVersion = str(req['max_version'], 'max_version').toLowerCase() || undefined;
  for (const v of [minVersion, maxVersion])
    if (v && !TLS_VERSIONS.includes(v)) throw new TemplateError(`unknown tls version ${v}`);
  return {
    protocol: 'ssl',
    index,
    address,
    minVersion,
    maxVersion,
    stopAtFirstMatch: req['stop-at-first-match'] === true,
    payloads: compilePayloads(req, opts, used),
    operators: compileOperators(req, used),
  };
}

function compileNetwork(req: Raw, index: number, opts: CompileOptions, used: Set<string>): NetworkBlock {
  const hosts = strList(req['host'], 'host');
  if (hosts.length === 0) hosts.push('{{Hostname}}');
  const rawInputs = req['inputs'];
  if (rawInputs !== undefined && !Array.isArray(rawInputs)) throw new TemplateError('inputs must be a list');
  const inputs: NetworkInput[] = (rawInputs ?? []).map((x: unknown, i: number) => {
    const r = (x ?? {}) as Raw;
    const hex = str(r['type'], 'type').toLowerCase() === 'hex';
    const data = str(r['data'], `input ${i + 1} data`);
    if (hex && !data.includes('{{') && !/^[0-9a-fA-F\s]*$/.test(data))
      throw new TemplateError(`input ${i + 1}: bad hex data`);
    const read = r['read'] === undefined ? undefined : Number(r['read']);
    if (read !== undefined && (!Number.isFinite(read) || read < 0))
      throw new TemplateError(`input ${i + 1}: bad read`);
    return { data, hex, read, name: r['name'] === undefined ? undefined : str(r['name'], 'name') };
  });
  for (const s of [...hosts, ...inputs.map((i) => i.data)]) checkMarkers(s, used);
  const readSize = Number(req['read-size'] ?? 1024);
  return {
    protocol: 'network',
    index,
    hosts,
    port: req['port'] === undefined ? undefined : str(req['port'], 'port'),
    inputs,
    readSize: Number.isFinite(readSize) && readSize > 0 ? Math.min(readSize, 1024 * 1024) : 1024,
    readAll: req['read-all'] === true,
    stopAtFirstMatch: req['stop-at-first-match'] === true,
    payloads: compilePayloads(req, opts, used),
    operators: compileOperators(req, used),
  };
}

function infoOf(raw: unknown): TemplateInfo {
  const i = (raw && typeof raw === 'object' ? raw : {}) as Raw;
  const tags = i['tags'];
  return {
    name: typeof i['name'] === 'string' ? i['name'] : '',
    severity: typeof i['severity'] === 'string' ? i['severity'].toLowerCase() : 'unknown',
    author: Array.isArray(i['author']) ? i['author'].join(',') : String(i['author'] ?? ''),
    tags: Array.isArray(tags)
      ? tags.map(String)
      : typeof tags === 'string'
        ? tags.split(',').map((t) => t.trim())
        : [],
    description: typeof i['description'] === 'string' ? i['description'] : undefined,
    remediation: typeof i['remediation'] === 'string' ? i['remediation'] : undefined,
    reference: Array.isArray(i['reference'])
      ? i['reference'].map(String)
      : typeof i['reference'] === 'string'
        ? [i['reference']]
        : [],
    classification:
      i['classification'] && typeof i['classification'] === 'object'
        ? (i['classification'] as Record<string, unknown>)
        : undefined,
  };
}

const MAX_TEMPLATE_BYTES = 2 * 1024 * 1024;

/** Compile template text. Never throws: the result says compiled / unsupported / error and why. */
export function compileTemplate(text: string, path: string, opts: CompileOptions = {}): CompileResult {
  let id = '';
  let protocols: string[] = [];
  try {
    if (text.length > MAX_TEMPLATE_BYTES) throw new TemplateError('template larger than 2 MiB');
    let doc: unknown;
    try {
      // Big integers stay exact (hex payloads written as bare digits, e.g. 444953543030303030303031).
      doc = parseYaml(text, { maxAliasCount: 100, uniqueKeys: false, intAsBigInt: true });
    } catch (err) {
      throw new TemplateError(`YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc))
      throw new TemplateError('not a template (YAML map expected)');
    const t = doc as Raw;
    id = typeof t['id'] === 'string' ? t['id'] : '';
    if (!id) throw new TemplateError('missing id');
    protocols = [...Object.keys(UNSUPPORTED_PROTOCOLS), ...PROTOCOL_KEYS.map(([k]) => k)].filter(
      (k) => t[k] !== undefined,
    );
    for (const k of Object.keys(UNSUPPORTED_PROTOCOLS))
      if (t[k] !== undefined) throw new UnsupportedError(UNSUPPORTED_PROTOCOLS[k]!);
    const info = infoOf(t['info']);
    const used = new Set<string>();
    const blocks: Block[] = [];
    const counters: Record<Protocol, number> = { http: 0, dns: 0, ssl: 0, network: 0 };
    let any = false;
    let selfContainedReq = false;
    // Out-of-band callbacks need an interaction server (interactsh) the platform does not run.
    for (const [key] of PROTOCOL_KEYS) {
      if (
        t[key] !== undefined &&
        OOB_REF.test(JSON.stringify(t[key], (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)))
      ) {
        throw new UnsupportedError('out-of-band (interactsh) interactions are not supported');
      }
    }
    for (const [key, proto] of PROTOCOL_KEYS) {
      const list = t[key];
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw new TemplateError(`${key} must be a list`);
      any = true;
      for (const r of list) {
        const req = (r ?? {}) as Raw;
        if (req['self-contained'] === true) selfContainedReq = true;
        const index = ++counters[proto];
        if (proto === 'http') blocks.push(compileHttp(req, index, opts, used));
        else if (proto === 'dns') blocks.push(compileDns(req, index, opts, used));
        else if (proto === 'ssl') blocks.push(compileSsl(req, index, opts, used));
        else blocks.push(compileNetwork(req, index, opts, used));
      }
    }
    if (!any) throw new TemplateError('no protocol section (http, dns, ssl, network)');
    const variables: Array<[string, string]> = [];
    const vars = t['variables'];
    if (vars !== undefined && vars !== null) {
      if (typeof vars !== 'object' || Array.isArray(vars)) throw new TemplateError('variables must be a map');
      for (const [k, v] of Object.entries(vars as Raw)) {
        const s = str(v, `variable ${k}`);
        checkMarkers(s, used);
        variables.push([k, s]);
      }
    }
    let flow: FlowNode | undefined;
    if (t['flow'] !== undefined) {
      flow = parseFlow(str(t['flow'], 'flow').trim());
      const check = (n: FlowNode): void => {
        if (n.k === 'step') {
          if (n.index > counters[n.protocol])
            throw new TemplateError(`flow: ${n.protocol}(${n.index}) does not exist`);
        } else {
          check(n.a);
          check(n.b);
        }
      };
      check(flow);
    }
    const selfContained = t['self-contained'] === true || selfContainedReq;
    const template: CompiledTemplate = {
      id,
      path,
      info,
      protocols: [...new Set(blocks.map((b) => b.protocol))],
      blocks,
      flow,
      variables,
      selfContained,
      uses: [...used],
    };
    return { path, id, status: 'compiled', protocols: template.protocols, template };
  } catch (err) {
    if (err instanceof UnsupportedError)
      return { path, id, status: 'unsupported', reason: err.message, protocols };
    if (err instanceof DslUnsupportedError)
      return { path, id, status: 'unsupported', reason: err.message, protocols };
    if (err instanceof TemplateError || err instanceof TemplateRegexError) {
      return { path, id, status: 'error', reason: err.message, protocols };
    }
    return { path, id, status: 'error', reason: `internal: ${(err as Error).message}`, protocols };
  }
}
