// Run a compiled template against one target. Protocols collect a flat field map per response; operators judge
// it. All I/O goes through the injected transport, wrapped here by the caller's scope check.
import { readFileSync } from 'node:fs';
import { X509Certificate, randomInt } from 'node:crypto';
import type { SecureVersion } from 'node:tls';
import { CLASS, RR, decodeResponse, encodeQuery, recordLine } from '../dns/codec.js';
import type { RRName } from '../dns/codec.js';
import { bufferToByteString, byteStringToBuffer, fromByteString, toByteString } from './bytes.js';
import type {
  Block,
  CompiledTemplate,
  DnsBlock,
  FlowNode,
  HttpBlock,
  NetworkBlock,
  PayloadSpec,
  SslBlock,
} from './compile.js';
import type { Value, Vars } from './dsl.js';
import { ScopeRefusedError } from './errors.js';
import { httpExchange } from './http-client.js';
import type { HttpResult } from './http-client.js';
import { interpolate } from './interpolate.js';
import { runOperators } from './operators.js';
import type { OperatorResult } from './operators.js';
import { scopedTransport } from './transport.js';
import type { CheckTransport, ScopeCheck } from './transport.js';

export interface RunOptions {
  transport: CheckTransport;
  /** Every host:port (and DNS name) is checked here before any packet leaves. */
  scope: ScopeCheck;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** Whole template. Default 60 s. */
  templateTimeoutMs?: number;
  /** Response bodies beyond this are truncated. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Requests one template may send. Default 500. */
  maxRequests?: number;
  /** Extra variables (e.g. username/password for login templates). */
  variables?: Record<string, string>;
  userAgent?: string;
}

export interface TemplateMatch {
  templateId: string;
  name: string;
  severity: string;
  protocol: string;
  matchedAt: string;
  matcherNames: string[];
  extracted: string[];
  /** First bytes of the response that matched (readable text). */
  evidence?: string;
  /** From the template's info.classification, for linking findings to CVEs and scoring them. */
  cves: string[];
  cvssScore?: number;
  tags: string[];
}

export interface RunResult {
  templateId: string;
  matched: boolean;
  matches: TemplateMatch[];
  requests: number;
  refused: string[];
  errors: string[];
}

interface Target {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  explicitPort: boolean;
  path: string;
  baseUrl: string;
}

export function parseTarget(input: string): Target {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?([^?#]*)/i.exec(input.trim());
  if (m) {
    const scheme = m[1]!.toLowerCase() as 'http' | 'https';
    const host = m[2]!.replace(/^\[|\]$/g, '');
    const port = m[3] ? Number(m[3]) : scheme === 'https' ? 443 : 80;
    return {
      scheme,
      host,
      port,
      explicitPort: !!m[3],
      path: m[4] ?? '',
      baseUrl: input.trim().replace(/\/$/, ''),
    };
  }
  const hp = /^(\[[^\]]+\]|[^:/]+)(?::(\d+))?$/.exec(input.trim());
  if (!hp) throw new Error(`bad target ${JSON.stringify(input)}`);
  const host = hp[1]!.replace(/^\[|\]$/g, '');
  const port = hp[2] ? Number(hp[2]) : 80;
  const scheme = port === 443 || port === 8443 ? 'https' : 'http';
  const auth = host.includes(':') ? `[${host}]` : host;
  const baseUrl = `${scheme}://${auth}${hp[2] ? `:${port}` : ''}`;
  return { scheme, host, port, explicitPort: !!hp[2], path: '', baseUrl };
}

function baseVariables(t: Target): Map<string, Value> {
  const auth = t.host.includes(':') ? `[${t.host}]` : t.host;
  const hostname = t.explicitPort ? `${auth}:${t.port}` : auth;
  const labels = t.host.split('.');
  const isIp = /^[\d.]+$/.test(t.host) || t.host.includes(':');
  const rdn = isIp || labels.length < 2 ? t.host : labels.slice(-2).join('.');
  const lastSlash = t.path.lastIndexOf('/');
  return new Map<string, Value>([
    ['BaseURL', t.baseUrl],
    ['RootURL', `${t.scheme}://${hostname}`],
    ['Hostname', hostname],
    ['Host', t.host],
    ['Port', String(t.port)],
    ['Path', lastSlash > 0 ? t.path.slice(0, lastSlash) : ''],
    ['File', lastSlash >= 0 ? t.path.slice(lastSlash + 1) : ''],
    ['Scheme', t.scheme],
    ['FQDN', t.host],
    ['RDN', rdn],
    ['DN', isIp ? t.host : rdn.split('.')[0]!],
    ['TLD', isIp ? '' : labels[labels.length - 1]!],
    ['SD', isIp || labels.length <= 2 ? '' : labels.slice(0, -2).join('.')],
    ['ip', isIp ? t.host : ''],
    ['interactsh-url', ''],
  ]);
}

class Budget {
  requests = 0;
  readonly deadline: number;
  constructor(
    readonly max: number,
    timeoutMs: number,
  ) {
    this.deadline = Date.now() + timeoutMs;
  }
  /** Set when a limit stopped the template early (reported in RunResult.errors). */
  stopped?: string;
  take(): boolean {
    if (this.requests >= this.max) {
      this.stopped ??= `request limit of ${this.max} reached; remaining requests not sent`;
      return false;
    }
    if (Date.now() > this.deadline) {
      this.stopped ??= 'template time limit reached; remaining requests not sent';
      return false;
    }
    this.requests++;
    return true;
  }
  /** Checked only where more requests would follow, so a stop is always a real truncation. */
  get exhausted(): boolean {
    if (this.requests >= this.max)
      this.stopped ??= `request limit of ${this.max} reached; remaining requests not sent`;
    else if (Date.now() > this.deadline)
      this.stopped ??= 'template time limit reached; remaining requests not sent';
    return this.stopped !== undefined;
  }
}

function loadPayloads(spec: PayloadSpec | undefined, limit: number): Array<Map<string, Value>> {
  if (!spec) return [new Map()];
  const sets = spec.sets.map((s) => {
    let values = s.values ?? [];
    if (s.file) {
      values = readFileSync(s.file, 'utf8')
        .split(/\r?\n/)
        .filter((l) => l !== '')
        .slice(0, 100_000);
    }
    return { name: s.name, values: values.map(toByteString) };
  });
  const out: Array<Map<string, Value>> = [];
  if (spec.attack === 'clusterbomb') {
    const rec = (i: number, acc: Map<string, Value>) => {
      if (out.length >= limit) return;
      if (i === sets.length) {
        out.push(new Map(acc));
        return;
      }
      for (const v of sets[i]!.values) {
        acc.set(sets[i]!.name, v);
        rec(i + 1, acc);
        if (out.length >= limit) return;
      }
    };
    rec(0, new Map());
  } else {
    const n =
      spec.attack === 'pitchfork'
        ? Math.min(...sets.map((s) => s.values.length))
        : Math.max(...sets.map((s) => s.values.length));
    for (let i = 0; i < n && out.length < limit; i++) {
      out.push(new Map(sets.map((s) => [s.name, s.values[i % s.values.length]!] as [string, Value])));
    }
  }
  return out;
}

function classificationOf(t: CompiledTemplate): { cves: string[]; cvssScore?: number; tags: string[] } {
  const c = t.info.classification ?? {};
  const raw = c['cve-id'];
  const cves = (Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [])
    .map((x) => String(x).trim().toUpperCase())
    .filter((x) => /^CVE-\d{4}-\d+$/.test(x));
  const score = Number(c['cvss-score']);
  return Number.isFinite(score) && score > 0
    ? { cves, cvssScore: score, tags: t.info.tags }
    : { cves, tags: t.info.tags };
}

function randomToken(len: number): string {
  const cs = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < len; i++) out += cs[randomInt(cs.length)];
  return out;
}

/** nuclei's `class:` names for the wire classes. */
const TEMPLATE_CLASSES: Record<string, number> = {
  inet: CLASS.IN,
  csnet: CLASS.CS,
  chaos: CLASS.CH,
  hesiod: CLASS.HS,
  none: CLASS.NONE,
  any: CLASS.ANY,
};

const UNRESOLVED = /\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/;

function normKey(name: string): string {
  return name.toLowerCase().replace(/-/g, '_');
}

class Run {
  readonly transport: CheckTransport;
  readonly vars: Map<string, Value>;
  readonly dynamic = new Map<string, Value>();
  readonly cookies = new Map<string, Map<string, string>>();
  readonly result: RunResult;
  readonly budget: Budget;
  readonly timeoutMs: number;
  readonly maxBody: number;
  readonly userAgent: string;

  constructor(
    readonly t: CompiledTemplate,
    readonly target: Target,
    opts: RunOptions,
  ) {
    this.transport = scopedTransport(opts.transport, opts.scope);
    this.vars = baseVariables(target);
    for (const [k, v] of Object.entries(opts.variables ?? {})) this.vars.set(k, toByteString(v));
    // {{randstr}} and {{randstr_<anything>}}: one random value per name and template run.
    for (const name of t.uses) {
      if (/^randstr(_\w+)?$/.test(name) && !this.vars.has(name)) this.vars.set(name, randomToken(27));
    }
    // Template variables may refer to each other in order (and to helpers like rand_base).
    for (const [k, v] of t.variables) this.vars.set(k, interpolate(toByteString(v), this.vars));
    this.result = { templateId: t.id, matched: false, matches: [], requests: 0, refused: [], errors: [] };
    this.budget = new Budget(opts.maxRequests ?? 500, opts.templateTimeoutMs ?? 60_000);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxBody = opts.maxBodyBytes ?? 1024 * 1024;
    this.userAgent = opts.userAgent ?? 'Mozilla/5.0 (compatible; Mamori-ASM)';
  }

  scope(extra?: Map<string, Value>): Vars {
    const v = new Map(this.vars);
    for (const [k, x] of this.dynamic) v.set(k, x);
    // Payload values may themselves hold markers ({{Hostname}}.zip): resolve them against the variables.
    if (extra)
      for (const [k, x] of extra) v.set(k, typeof x === 'string' && x.includes('{{') ? interpolate(x, v) : x);
    return v;
  }

  note(err: unknown): void {
    if (err instanceof ScopeRefusedError) {
      const s = `${err.host}:${err.port}`;
      if (!this.result.refused.includes(s)) this.result.refused.push(s);
      return;
    }
    const msg = err instanceof Error ? err.message : String(err);
    if (this.result.errors.length < 20) this.result.errors.push(msg);
  }

  /** Apply operators; record a match. Returns whether the block counts as matched for flow. */
  judge(block: Block, ev: Vars, matchedAt: string, evidence: string): OperatorResult {
    const r = runOperators(block.operators, ev);
    for (const [k, vals] of r.dynamic) if (vals.length > 0) this.dynamic.set(k, vals[0]!);
    if (r.matched && !r.internalOnly) {
      this.result.matched = true;
      this.result.matches.push({
        templateId: this.t.id,
        name: this.t.info.name,
        severity: this.t.info.severity,
        protocol: block.protocol,
        matchedAt,
        matcherNames: r.matcherNames,
        extracted: r.extracted.map(fromByteString),
        evidence: fromByteString(evidence.slice(0, 512)),
        ...classificationOf(this.t),
      });
    }
    return r;
  }

  // ---------------------------------------------------------------- http

  private cookieHeader(host: string): string | undefined {
    const jar = this.cookies.get(host);
    if (!jar || jar.size === 0) return undefined;
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private storeCookies(host: string, res: HttpResult): void {
    for (const [k, v] of res.headers) {
      if (k.toLowerCase() !== 'set-cookie') continue;
      const pair = v.split(';')[0]!;
      const i = pair.indexOf('=');
      if (i <= 0) continue;
      const jar = this.cookies.get(host) ?? new Map<string, string>();
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
      this.cookies.set(host, jar);
    }
  }

  private buildFromUrl(b: HttpBlock, url: string, vars: Vars, method = b.method, body = b.body) {
    const m = /^(https?):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?(.*)$/is.exec(url.trim());
    if (!m) throw new Error(`bad request url ${JSON.stringify(url.slice(0, 100))}`);
    const scheme = m[1]!.toLowerCase() as 'http' | 'https';
    const host = m[2]!.replace(/^\[|\]$/g, '');
    const port = m[3] ? Number(m[3]) : scheme === 'https' ? 443 : 80;
    let path = m[4] ?? '';
    if (path === '' || path.startsWith('?')) path = '/' + path;
    if (!path.startsWith('/')) path = '/' + path;
    path = path.replace(/ /g, '%20');
    const hostHeader = m[3] ? `${m[2]}:${m[3]}` : m[2]!;
    const headers: Array<[string, string]> = [
      ['Host', hostHeader],
      ['User-Agent', this.userAgent],
      ['Accept', '*/*'],
      ['Connection', 'close'],
    ];
    const set = (k: string, v: string) => {
      const i = headers.findIndex(([h]) => h.toLowerCase() === k.toLowerCase());
      if (i >= 0) headers[i] = [k, v];
      else headers.push([k, v]);
    };
    for (const [k, v] of b.headers) set(k, interpolate(toByteString(v), vars));
    const bodyText = interpolate(toByteString(body), vars);
    if (bodyText.length > 0 || ['POST', 'PUT', 'PATCH'].includes(method))
      set('Content-Length', String(bodyText.length));
    if (b.cookieReuse && !headers.some(([h]) => h.toLowerCase() === 'cookie')) {
      const c = this.cookieHeader(host);
      if (c) set('Cookie', c);
    }
    const head =
      `${method} ${path} HTTP/1.1\r\n` + headers.map(([k, v]) => `${k}: ${v}`).join('\r\n') + '\r\n\r\n';
    return { scheme, host, port, method, request: head + bodyText, url: `${scheme}://${hostHeader}${path}` };
  }

  private buildRaw(b: HttpBlock, rawText: string, vars: Vars) {
    let text = interpolate(toByteString(rawText), vars).replace(/^\s+/, '');
    // Request annotations (lines before the request line): @timeout is honoured (capped), others ignored.
    let timeoutMs: number | undefined;
    for (
      let m = /^@([\w-]+):?[ \t]*([^\r\n]*)\r?\n/.exec(text);
      m;
      m = /^@([\w-]+):?[ \t]*([^\r\n]*)\r?\n/.exec(text)
    ) {
      if (m[1]!.toLowerCase() === 'timeout') {
        const d = /^(\d+)(ms|s|m)?$/.exec(m[2]!.trim());
        if (d)
          timeoutMs = Math.min(Number(d[1]) * (d[2] === 'ms' ? 1 : d[2] === 'm' ? 60_000 : 1000), 30_000);
      }
      text = text.slice(m[0].length);
    }
    const sep = /\r?\n\r?\n/.exec(text);
    const headPart = sep ? text.slice(0, sep.index) : text.replace(/\r?\n$/, '');
    let body = sep ? text.slice(sep.index + sep[0].length) : '';
    const lines = headPart.split(/\r?\n/);
    const reqLine = /^(\S+)\s+(\S+)(?:\s+(\S+))?/.exec(lines[0] ?? '');
    if (!reqLine) throw new Error('raw request: bad request line');
    const method = reqLine[1]!.toUpperCase();
    let path = reqLine[2]!;
    const version = reqLine[3] ?? 'HTTP/1.1';
    let { scheme, host, port } = this.target;
    const abs = /^(https?):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?(.*)$/i.exec(path);
    if (abs) {
      scheme = abs[1]!.toLowerCase() as 'http' | 'https';
      host = abs[2]!.replace(/^\[|\]$/g, '');
      port = abs[3] ? Number(abs[3]) : scheme === 'https' ? 443 : 80;
      path = abs[4] || '/';
    } else if (path.startsWith('/') && !b.disablePathAutomerge) {
      const base = this.target.path.replace(/\/$/, '');
      if (base && !path.startsWith(base + '/') && path !== base) path = base + path;
    }
    const headers = lines.slice(1).map((l) => {
      const i = l.indexOf(':');
      return i > 0
        ? ([l.slice(0, i), l.slice(i + 1).replace(/^ /, '')] as [string, string])
        : ([l, ''] as [string, string]);
    });
    const has = (k: string) => headers.some(([h]) => h.toLowerCase() === k);
    if (!b.unsafe) {
      body = body.replace(/\r?\n$/, (m) =>
        headers.some(([h]) => h.toLowerCase() === 'content-length') ? m : '',
      );
      const cl = headers.findIndex(([h]) => h.toLowerCase() === 'content-length');
      if (cl >= 0) headers[cl] = [headers[cl]![0], String(body.length)];
      else if (body.length > 0) headers.push(['Content-Length', String(body.length)]);
      if (!has('connection')) headers.push(['Connection', 'close']);
      if (!has('user-agent')) headers.push(['User-Agent', this.userAgent]);
      if (b.cookieReuse && !has('cookie')) {
        const c = this.cookieHeader(host);
        if (c) headers.push(['Cookie', c]);
      }
    }
    const request =
      `${method} ${path} ${version}\r\n` +
      headers
        .map(([k, v]) => (v === '' && !k.includes(':') && !has(k.toLowerCase()) ? k : `${k}: ${v}`))
        .join('\r\n') +
      '\r\n\r\n' +
      body;
    const auth = host.includes(':') ? `[${host}]` : host;
    const defPort = scheme === 'https' ? 443 : 80;
    return {
      scheme,
      host,
      port,
      method,
      request,
      timeoutMs,
      url: `${scheme}://${auth}${port === defPort ? '' : `:${port}`}${path}`,
    };
  }

  private async sendHttp(
    b: HttpBlock,
    req: {
      scheme: 'http' | 'https';
      host: string;
      port: number;
      method: string;
      request: string;
      url: string;
      timeoutMs?: number;
    },
    vars: Vars,
  ): Promise<{ res: HttpResult; url: string; request: string } | undefined> {
    let cur: typeof req = req;
    for (let hop = 0; ; hop++) {
      if (!this.budget.take()) return undefined;
      this.result.requests++;
      const res = await httpExchange(this.transport, {
        scheme: cur.scheme,
        host: cur.host,
        port: cur.port,
        method: cur.method,
        request: byteStringToBuffer(cur.request),
        timeoutMs: cur.timeoutMs ?? this.timeoutMs,
        maxBodyBytes: Math.min(b.maxSize ?? this.maxBody, this.maxBody),
      });
      if (b.cookieReuse) this.storeCookies(cur.host, res);
      const loc = res.headers.find(([k]) => k.toLowerCase() === 'location')?.[1];
      if (
        b.redirects === 'none' ||
        !loc ||
        ![301, 302, 303, 307, 308].includes(res.statusCode) ||
        hop >= b.maxRedirects
      ) {
        return { res, url: cur.url, request: cur.request };
      }
      let next: string;
      try {
        next = new URL(loc, cur.url).toString();
      } catch {
        return { res, url: cur.url, request: cur.request };
      }
      const nextHost = /^https?:\/\/(\[[^\]]+\]|[^/:?#]+)/i.exec(next)?.[1]?.replace(/^\[|\]$/g, '');
      if (b.redirects === 'host' && nextHost !== cur.host) return { res, url: cur.url, request: cur.request };
      const keepBody = res.statusCode === 307 || res.statusCode === 308;
      const method = keepBody ? cur.method : cur.method === 'HEAD' ? 'HEAD' : 'GET';
      cur = this.buildFromUrl(
        { ...b, headers: keepBody ? b.headers : b.headers },
        next,
        vars,
        method,
        keepBody ? b.body : '',
      );
    }
  }

  private httpFields(res: HttpResult, url: string, request: string): Map<string, Value> {
    const body = bufferToByteString(res.body);
    const header = res.headerBlock + '\r\n';
    const ev = new Map<string, Value>();
    for (const [k, v] of res.headers) {
      const key = normKey(k);
      const prev = ev.get(key);
      ev.set(key, prev === undefined ? v : `${String(prev)} ${v}`);
    }
    const cl = res.headers.find(([k]) => k.toLowerCase() === 'content-length')?.[1];
    ev.set('status_code', res.statusCode);
    ev.set('body', body);
    ev.set('header', header);
    ev.set('all_headers', header);
    const raw = `${res.statusLine}\r\n${header}\r\n${body}`;
    ev.set('response', raw);
    ev.set('raw', raw);
    ev.set('all', raw);
    ev.set('content_length', cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : res.body.length);
    ev.set('content_type', (ev.get('content_type') as string | undefined) ?? '');
    ev.set('duration', res.durationMs / 1000);
    ev.set('request', request);
    ev.set('matched', url);
    ev.set('host', this.target.host);
    ev.set('port', String(this.target.port));
    ev.set(
      'cookies_from_response',
      res.headers
        .filter(([k]) => k.toLowerCase() === 'set-cookie')
        .map(([, v]) => v.split(';')[0])
        .join('\n'),
    );
    ev.set('headers_from_response', res.headers.map(([k, v]) => `${k}:${v}`).join('\n'));
    return ev;
  }

  async runHttp(b: HttpBlock): Promise<boolean> {
    let blockMatched = false;
    const combos = loadPayloads(b.payloads, this.budget.max + 1);
    const items = b.raw.length > 0 ? b.raw.map((r) => ({ raw: r })) : b.paths.map((p) => ({ path: p }));
    for (const combo of combos) {
      if (this.budget.exhausted) break;
      const history = new Map<string, Value>();
      let last: { ev: Map<string, Value>; url: string; evidence: string } | undefined;
      for (let i = 0; i < items.length; i++) {
        if (this.budget.exhausted) break;
        const vars = this.scope(combo);
        for (const [k, v] of history) vars.set(k, v);
        const item = items[i]!;
        for (let rep = 0; rep < b.repeat; rep++) {
          let sent;
          try {
            const req =
              'raw' in item
                ? this.buildRaw(b, item.raw!, vars)
                : this.buildFromUrl(b, interpolate(toByteString(item.path!), vars), vars);
            // Like the reference engine: a request that still holds {{name}} (e.g. a token an earlier step did
            // not extract) is not sent, so later steps cannot "match" without their prerequisites.
            const left = UNRESOLVED.exec(req.request);
            if (left) throw new Error(`skipped request: unresolved variable ${left[1]}`);
            sent = await this.sendHttp(b, req, vars);
          } catch (err) {
            this.note(err);
            continue;
          }
          if (!sent) break;
          const fields = this.httpFields(sent.res, sent.url, sent.request);
          for (const [k, v] of fields) history.set(`${k}_${i + 1}`, v);
          const ev = this.scope(combo);
          for (const [k, v] of history) ev.set(k, v);
          for (const [k, v] of fields) ev.set(k, v);
          last = {
            ev,
            url: sent.url,
            evidence: `${sent.res.statusLine}\r\n${fields.get('header') as string}\r\n${fields.get('body') as string}`,
          };
          if (!b.operators.needsHistory) {
            const r = this.judge(b, ev, sent.url, last.evidence);
            if (r.matched) blockMatched = true;
            if (r.matched && b.stopAtFirstMatch && !r.internalOnly) return true;
          } else {
            // Later requests in the sequence may need values extracted here.
            const r = runOperators({ ...b.operators, matchers: [] }, ev);
            for (const [k, vals] of r.dynamic) if (vals.length > 0) this.dynamic.set(k, vals[0]!);
          }
        }
      }
      if (b.operators.needsHistory && last) {
        const r = this.judge(b, last.ev, last.url, last.evidence);
        if (r.matched) blockMatched = true;
        if (r.matched && b.stopAtFirstMatch) return true;
      }
    }
    return blockMatched;
  }

  // ---------------------------------------------------------------- dns

  async runDns(b: DnsBlock): Promise<boolean> {
    let matched = false;
    for (const combo of loadPayloads(b.payloads, this.budget.max + 1)) {
      if (!this.budget.take()) break;
      this.result.requests++;
      const vars = this.scope(combo);
      const name = interpolate(b.name, vars).replace(/\.$/, '') + '.';
      // compile.ts only lets through type names the codec knows.
      const qtype = RR[b.type as RRName];
      const qclass = TEMPLATE_CLASSES[b.klass] ?? CLASS.IN;
      const packet = encodeQuery(name, qtype, randomInt(65536), b.recursion, qclass);
      let resp;
      for (let attempt = 0; attempt < b.retries && !resp; attempt++) {
        try {
          resp = decodeResponse(
            Buffer.from(
              await this.transport.dns({ name: name.replace(/\.$/, ''), packet, timeoutMs: this.timeoutMs }),
            ),
          );
        } catch (err) {
          this.note(err);
          if (err instanceof ScopeRefusedError) return false;
        }
      }
      if (!resp) continue;
      const ev = vars;
      const lines = (rs: typeof resp.answer) => rs.map(recordLine).join('\n');
      const raw =
        `;; ->>HEADER<<- opcode: QUERY, status: ${resp.rcodeName}\n;; QUESTION SECTION:\n;${resp.question.join('\n;')}\n\n` +
        `;; ANSWER SECTION:\n${lines(resp.answer)}\n\n;; AUTHORITY SECTION:\n${lines(resp.ns)}\n\n;; ADDITIONAL SECTION:\n${lines(resp.extra)}\n`;
      for (const k of ['raw', 'body', 'all']) ev.set(k, raw);
      ev.set('rcode', resp.rcode);
      ev.set('answer', lines(resp.answer));
      ev.set('ns', lines(resp.ns));
      ev.set('extra', lines(resp.extra));
      ev.set('question', resp.question.join('\n'));
      ev.set('request', `${name} ${b.type}`);
      ev.set('host', this.target.host);
      ev.set('matched', name.replace(/\.$/, ''));
      for (const t of ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'PTR', 'SOA', 'SRV', 'CAA']) {
        ev.set(
          t.toLowerCase(),
          resp.answer
            .filter((r) => r.type === t)
            .map((r) => r.data)
            .join('\n'),
        );
      }
      ev.set('ttl', resp.answer[0]?.ttl ?? 0);
      const r = this.judge(b, ev, name.replace(/\.$/, ''), raw);
      if (r.matched) matched = true;
      if (r.matched && b.stopAtFirstMatch) break;
    }
    return matched;
  }

  // ---------------------------------------------------------------- ssl

  async runSsl(b: SslBlock): Promise<boolean> {
    if (!this.budget.take()) return false;
    this.result.requests++;
    const vars = this.scope();
    const addr = interpolate(b.address, vars);
    const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(addr.trim());
    if (!m) {
      this.note(new Error(`ssl: bad address ${addr}`));
      return false;
    }
    const host = m[1] ?? m[2]!;
    const port = m[3] ? Number(m[3]) : this.target.explicitPort ? this.target.port : 443;
    const ver = (v?: string): SecureVersion | undefined =>
      v === 'tls10'
        ? 'TLSv1'
        : v === 'tls11'
          ? 'TLSv1.1'
          : v === 'tls12'
            ? 'TLSv1.2'
            : v === 'tls13'
              ? 'TLSv1.3'
              : undefined;
    if (b.minVersion === 'sslv3' || b.minVersion === 'ssl30') return false; // Node's TLS has no SSLv3: cannot offer it
    let conn;
    try {
      conn = await this.transport.connect({
        host,
        port,
        tls: { minVersion: ver(b.minVersion), maxVersion: ver(b.maxVersion) },
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      this.note(err);
      return false;
    }
    conn.close();
    const d = conn.tls;
    if (!d) return false;
    const ev = vars;
    const cert = d.certificate;
    const fields: Record<string, Value> = {
      host,
      port: String(port),
      ip: conn.remoteAddress ?? '',
      probe_status: true,
      tls_version: (d.protocol ?? '')
        .replace(/^TLSv1$/, 'tls10')
        .replace(/^TLSv1\.(\d)$/, 'tls1$1')
        .toLowerCase(),
      cipher: d.cipher?.standardName ?? d.cipher?.name ?? '',
      tls_connection: 'ctls',
      sni: /^[\d.]+$|:/.test(host) ? '' : host,
      untrusted: !d.authorized,
      revoked: false,
    };
    if (cert) {
      const dn = (o: Record<string, unknown> | undefined) =>
        o
          ? Object.entries(o)
              .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
              .join(', ')
          : '';
      const all = (v: unknown) => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
      const first = (v: unknown) => (Array.isArray(v) ? String(v[0]) : v === undefined ? '' : String(v));
      const subject = cert.subject as unknown as Record<string, unknown> | undefined;
      const issuer = cert.issuer as unknown as Record<string, unknown> | undefined;
      const sans = (cert.subjectaltname ?? '')
        .split(/,\s*/)
        .filter((x) => x.startsWith('DNS:'))
        .map((x) => x.slice(4));
      const cn = first(subject?.['CN']);
      const notAfter = new Date(cert.valid_to);
      const notBefore = new Date(cert.valid_from);
      let selfSigned = dn(subject) === dn(issuer);
      let mismatched = false;
      if (cert.raw) {
        try {
          const x = new X509Certificate(cert.raw);
          selfSigned = x.checkIssued(x) && x.verify(x.publicKey);
          const name = fields['sni'] as string;
          mismatched = name !== '' ? x.checkHost(name) === undefined : x.checkIP(host) === undefined;
        } catch {
          /* keep the DN-based guess */
        }
      }
      Object.assign(fields, {
        subject_cn: cn,
        subject_dn: dn(subject),
        subject_org: all(subject?.['O']),
        subject_an: sans,
        issuer_cn: first(issuer?.['CN']),
        issuer_dn: dn(issuer),
        issuer_org: all(issuer?.['O']),
        serial: cert.serialNumber ?? '',
        not_after: Number.isNaN(notAfter.getTime()) ? '' : notAfter.toISOString(),
        not_before: Number.isNaN(notBefore.getTime()) ? '' : notBefore.toISOString(),
        expired: notAfter.getTime() < Date.now(),
        self_signed: selfSigned,
        mismatched,
        wildcard_certificate: [cn, ...sans].some((n) => n.startsWith('*.')),
        domains: [...new Set([cn, ...sans].filter(Boolean))],
        fingerprint_hash: cert.fingerprint256 ?? '',
      });
    }
    const json = JSON.stringify(fields);
    for (const [k, v] of Object.entries(fields))
      ev.set(k, Array.isArray(v) ? (v as Value[]).map(String).join('\n') : v);
    for (const k of ['response', 'raw', 'all', 'body']) ev.set(k, json);
    ev.set('matched', `${host}:${port}`);
    const r = this.judge(b, ev, `${host}:${port}`, json);
    return r.matched;
  }

  // ---------------------------------------------------------------- network

  async runNetwork(b: NetworkBlock): Promise<boolean> {
    let matched = false;
    for (const combo of loadPayloads(b.payloads, this.budget.max + 1)) {
      // A template port list (port: 6379,6380) means each port, unless the target names its own port.
      const targetPort = this.target.explicitPort && ![80, 443].includes(this.target.port);
      const tplPorts =
        b.port && !targetPort
          ? b.port
              .split(',')
              .map((x) => Number(x.trim()))
              .filter((x) => Number.isInteger(x) && x > 0 && x < 65536)
              .slice(0, 16)
          : [];
      const pairs = b.hosts.flatMap((h) =>
        tplPorts.length > 0 ? tplPorts.map((p) => [h, p] as const) : [[h, NaN] as const],
      );
      for (const [hostSpec, templatePort] of pairs) {
        if (!this.budget.take()) return matched;
        this.result.requests++;
        const vars = this.scope(combo);
        let h = interpolate(hostSpec, vars).trim();
        const tls = h.startsWith('tls://');
        h = h.replace(/^tls:\/\//, '');
        const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(h);
        if (!m) {
          this.note(new Error(`network: bad host ${h}`));
          continue;
        }
        const host = m[1] ?? m[2]!;
        const port = m[3]
          ? Number(m[3])
          : targetPort
            ? this.target.port
            : Number.isFinite(templatePort)
              ? templatePort
              : this.target.port;
        let conn;
        try {
          conn = await this.transport.connect({
            host,
            port,
            tls: tls ? {} : undefined,
            timeoutMs: this.timeoutMs,
          });
        } catch (err) {
          this.note(err);
          continue;
        }
        const ev = vars;
        let all = '';
        let sentAll = '';
        const readUpTo = async (n: number, waitMs: number): Promise<string> => {
          let got = '';
          const until = Date.now() + waitMs;
          while (got.length < n) {
            const left = until - Date.now();
            if (left <= 0) break;
            const c = await conn.read(left);
            if (!c) break;
            got += bufferToByteString(c);
          }
          return got.slice(0, n);
        };
        try {
          for (const input of b.inputs) {
            const text = interpolate(toByteString(input.data), ev);
            const data = input.hex ? Buffer.from(text.replace(/\s+/g, ''), 'hex').toString('latin1') : text;
            if (data.length > 0) {
              await conn.write(byteStringToBuffer(data));
              sentAll += data;
            }
            if (input.read) {
              const got = await readUpTo(input.read, Math.min(this.timeoutMs, 5000));
              all += got;
              if (input.name) ev.set(input.name, got);
            }
          }
          const size = b.readAll ? this.maxBody : b.readSize;
          const rest = await readUpTo(size, Math.min(this.timeoutMs, b.readAll ? this.timeoutMs : 3000));
          all += rest;
        } catch (err) {
          this.note(err);
        } finally {
          conn.close();
        }
        for (const k of ['data', 'body', 'all', 'raw']) ev.set(k, all);
        ev.set('request', sentAll);
        ev.set('host', host);
        ev.set('matched', `${host}:${port}`);
        const r = this.judge(b, ev, `${host}:${port}`, all);
        if (r.matched) matched = true;
        if (r.matched && b.stopAtFirstMatch) return true;
      }
    }
    return matched;
  }

  async runBlock(b: Block): Promise<boolean> {
    switch (b.protocol) {
      case 'http':
        return this.runHttp(b);
      case 'dns':
        return this.runDns(b);
      case 'ssl':
        return this.runSsl(b);
      case 'network':
        return this.runNetwork(b);
    }
  }

  async runFlow(n: FlowNode): Promise<boolean> {
    if (n.k === 'step') {
      const b = this.t.blocks.find((x) => x.protocol === n.protocol && x.index === n.index);
      return b ? this.runBlock(b) : false;
    }
    const a = await this.runFlow(n.a);
    if (n.k === 'and') return a && (await this.runFlow(n.b));
    return a || (await this.runFlow(n.b));
  }
}

/** Run one template against one target (URL for http, host[:port] otherwise). */
export async function runTemplate(t: CompiledTemplate, target: string, opts: RunOptions): Promise<RunResult> {
  const run = new Run(t, parseTarget(target), opts);
  try {
    if (t.flow) await run.runFlow(t.flow);
    else {
      for (const b of t.blocks) {
        if (run.budget.exhausted) break;
        const matched = await run.runBlock(b);
        if (matched && b.stopAtFirstMatch) break;
      }
    }
  } catch (err) {
    run.note(err);
  }
  if (run.budget.stopped) run.result.errors.push(run.budget.stopped);
  return run.result;
}
