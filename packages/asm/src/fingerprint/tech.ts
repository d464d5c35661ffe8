// Technology detection from a Wappalyzer-format fingerprint file (technologies as an object keyed by name with
// headers, cookies, html, scriptSrc, meta, url, implies, cpe). Patterns are compiled with RE2 (linear time);
// patterns RE2 cannot compile are counted and skipped, never run with a backtracking engine.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RE2JS } from 're2js';

interface Pattern {
  re: RE2JS;
  version?: string;
}

interface TechDef {
  name: string;
  cats: number[];
  headers: Array<[string, Pattern]>;
  cookies: Array<[string, Pattern]>;
  meta: Array<[string, Pattern]>;
  html: Pattern[];
  scriptSrc: Pattern[];
  url: Pattern[];
  implies: string[];
  cpe?: string;
}

export interface Technology {
  name: string;
  version: string;
  cpe: string;
  categories: number[];
}

export interface TechPage {
  url: string;
  headers: Record<string, string>;
  cookies: Record<string, string>;
  html: string;
}

export interface TechDb {
  techs: TechDef[];
  skippedPatterns: number;
}

const defaultPath = fileURLToPath(new URL('../../data/tech/technologies.json', import.meta.url));

function compile(raw: unknown, skipped: { n: number }): Pattern | null {
  if (typeof raw !== 'string') return null;
  // Wappalyzer appends "\;version:\1" and "\;confidence:50" tags to patterns.
  const [body, ...tags] = raw.split('\\;');
  const p: Partial<Pattern> = {};
  for (const t of tags) if (t.startsWith('version:')) p.version = t.slice(8);
  try {
    p.re = RE2JS.compile(body ?? '', RE2JS.CASE_INSENSITIVE);
  } catch {
    skipped.n++;
    return null;
  }
  return p as Pattern;
}

function list(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function loadTechDb(path = defaultPath): TechDb {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read fingerprint file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const root = (json as { technologies?: unknown }).technologies ?? json;
  if (typeof root !== 'object' || root === null)
    throw new Error(`${path}: expected an object of technologies`);
  const skipped = { n: 0 };
  const techs: TechDef[] = [];
  for (const [name, d] of Object.entries(root as Record<string, Record<string, unknown>>)) {
    if (typeof d !== 'object' || d === null) continue;
    const keyed = (v: unknown): Array<[string, Pattern]> =>
      Object.entries((v as Record<string, unknown>) ?? {}).flatMap(([k, raw]) => {
        const p = compile(raw, skipped);
        return p ? [[k.toLowerCase(), p] as [string, Pattern]] : [];
      });
    const plain = (v: unknown): Pattern[] => list(v).flatMap((raw) => compile(raw, skipped) ?? []);
    const t: TechDef = {
      name,
      cats: list(d.cats).map(Number),
      headers: keyed(d.headers),
      cookies: keyed(d.cookies),
      meta: keyed(d.meta),
      html: plain(d.html),
      scriptSrc: plain(d.scriptSrc ?? d.scripts),
      url: plain(d.url),
      implies: list(d.implies).map((x) => String(x).split('\\;')[0]!),
    };
    if (typeof d.cpe === 'string') t.cpe = d.cpe;
    techs.push(t);
  }
  return { techs, skippedPatterns: skipped.n };
}

function versionOf(p: Pattern, text: string): string | null {
  const m = p.re.matcher(text);
  if (!m.find()) return null;
  if (!p.version) return '';
  return p.version.replace(/\\(\d)/g, (_, g: string) => {
    try {
      return m.group(Number(g)) ?? '';
    } catch {
      return '';
    }
  });
}

export function detectTechnologies(db: TechDb, page: TechPage): Technology[] {
  const html = page.html.slice(0, 512 * 1024);
  const scripts = [...html.matchAll(/<script[^>]{0,500}?\bsrc=["']?([^"' >]{1,500})/gi)].map((m) => m[1]!);
  const metas = new Map<string, string>();
  for (const m of html.matchAll(/<meta\b[^>]{0,1000}>/gi)) {
    const name = /\b(?:name|property)=["']?([^"' >]+)/i.exec(m[0])?.[1];
    const content = /\bcontent=["']([^"']*)["']/i.exec(m[0])?.[1];
    if (name && content !== undefined) metas.set(name.toLowerCase(), content);
  }
  const headers = Object.fromEntries(Object.entries(page.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const cookies = Object.fromEntries(Object.entries(page.cookies).map(([k, v]) => [k.toLowerCase(), v]));
  const found = new Map<string, Technology>();
  const byName = new Map(db.techs.map((t) => [t.name, t]));
  const add = (t: TechDef, version: string): void => {
    const prev = found.get(t.name);
    if (prev && (prev.version || !version)) return;
    const cpe = t.cpe
      ? version
        ? t.cpe.replace(/^(cpe:2\.3:[aoh]:[^:]+:[^:]+):\*/, `$1:${version}`)
        : t.cpe
      : '';
    found.set(t.name, { name: t.name, version, cpe, categories: t.cats });
  };
  for (const t of db.techs) {
    const hits: string[] = [];
    const test = (p: Pattern, text: string | undefined): void => {
      if (text === undefined) return;
      const v = versionOf(p, text);
      if (v !== null) hits.push(v);
    };
    for (const [k, p] of t.headers) test(p, headers[k]);
    for (const [k, p] of t.cookies) test(p, cookies[k]);
    for (const [k, p] of t.meta) test(p, metas.get(k));
    for (const p of t.html) test(p, html);
    for (const p of t.url) test(p, page.url);
    for (const p of t.scriptSrc) for (const s of scripts) test(p, s);
    if (hits.length > 0) add(t, hits.find((h) => h) ?? '');
  }
  // Implied technologies (e.g. WordPress implies PHP), transitively, without versions.
  const queue = [...found.keys()];
  while (queue.length > 0) {
    const t = byName.get(queue.shift()!);
    for (const i of t?.implies ?? []) {
      const d = byName.get(i);
      if (d && !found.has(i)) {
        add(d, '');
        queue.push(i);
      }
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}
