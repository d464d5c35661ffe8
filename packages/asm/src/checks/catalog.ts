// The built-in check catalogue (data/checks/checks.yaml): texts, scores and, for http-path checks, the probes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RE2JS } from 're2js';
import { parse } from 'yaml';

export interface CheckDef {
  id: string;
  kind: 'http-path' | 'service' | 'tls' | 'http' | 'dns' | 'mail' | 'vuln';
  cvss: number;
  title: { ja: string; en: string };
  remediation: { ja: string; en: string };
  paths?: string[];
  status?: number[];
  any?: RE2JS[];
  services?: string[];
}

const defaultPath = fileURLToPath(new URL('../../data/checks/checks.yaml', import.meta.url));
const KINDS = new Set(['http-path', 'service', 'tls', 'http', 'dns', 'mail', 'vuln']);

export function loadChecks(path = defaultPath): Map<string, CheckDef> {
  const raw = parse(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
  if (!Array.isArray(raw)) throw new Error(`${path}: expected a list of checks`);
  const out = new Map<string, CheckDef>();
  for (const [i, c] of raw.entries()) {
    const where = `${path}: check ${i + 1} (${String(c.id)})`;
    const title = c.title as CheckDef['title'] | undefined;
    const rem = c.remediation as CheckDef['remediation'] | undefined;
    if (typeof c.id !== 'string' || !KINDS.has(String(c.kind)))
      throw new Error(`${where}: id and a known kind are required`);
    if (!title?.ja || !title.en || !rem?.ja || !rem.en)
      throw new Error(`${where}: title and remediation need ja and en`);
    if (typeof c.cvss !== 'number' || c.cvss < 0 || c.cvss > 10)
      throw new Error(`${where}: cvss must be 0–10`);
    if (out.has(c.id)) throw new Error(`${where}: duplicate id`);
    const def: CheckDef = {
      id: c.id,
      kind: c.kind as CheckDef['kind'],
      cvss: c.cvss,
      title,
      remediation: rem,
    };
    if (def.kind === 'http-path') {
      if (!Array.isArray(c.paths) || !Array.isArray(c.any) || c.paths.length === 0)
        throw new Error(`${where}: paths and any are required`);
      def.paths = c.paths.map(String);
      def.status = Array.isArray(c.status) ? c.status.map(Number) : [200];
      def.any = c.any.map((p) => {
        try {
          return RE2JS.compile(String(p));
        } catch (err) {
          throw new Error(`${where}: bad pattern ${String(p)}: ${(err as Error).message}`, { cause: err });
        }
      });
    }
    if (Array.isArray(c.services)) def.services = c.services.map(String);
    out.set(def.id, def);
  }
  return out;
}
