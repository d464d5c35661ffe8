// VPN/remote-access appliance markers (data/probes/web-markers.yaml) → product, version, CPE.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RE2JS } from 're2js';
import { parse } from 'yaml';
import type { HttpResponse } from './http-analysis.js';

export interface WebMarker {
  product: string;
  vendor: string;
  cpe: string;
  paths: string[];
  any: RE2JS[];
  version?: RE2JS;
}

export interface ApplianceMatch {
  product: string;
  vendor: string;
  version: string;
  cpe: string;
  url: string;
  evidence: string;
}

const defaultPath = fileURLToPath(new URL('../../data/probes/web-markers.yaml', import.meta.url));

export function loadWebMarkers(path = defaultPath): WebMarker[] {
  const raw = parse(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
  if (!Array.isArray(raw)) throw new Error(`${path}: expected a list`);
  return raw.map((m, i) => {
    if (typeof m.product !== 'string' || !Array.isArray(m.paths) || !Array.isArray(m.any))
      throw new Error(`${path}: marker ${i + 1}: product, paths and any are required`);
    const w: WebMarker = {
      product: m.product,
      vendor: String(m.vendor ?? ''),
      cpe: String(m.cpe ?? ''),
      paths: m.paths.map(String),
      any: m.any.map((p) => RE2JS.compile(String(p))),
    };
    if (typeof m.version === 'string') w.version = RE2JS.compile(m.version);
    return w;
  });
}

function textOf(r: HttpResponse): string {
  return `${r.head}\r\n${r.body.toString('latin1', 0, Math.min(r.body.length, 256 * 1024))}`;
}

export async function matchMarkers(
  markers: WebMarker[],
  seen: HttpResponse[],
  fetch: (path: string) => Promise<HttpResponse>,
): Promise<ApplianceMatch[]> {
  const out: ApplianceMatch[] = [];
  for (const m of markers) {
    const responses = [...seen];
    let hit: { r: HttpResponse; ev: string } | null = null;
    for (let i = 0; ; i++) {
      for (const r of responses) {
        if (r.status === 0) continue;
        const text = textOf(r);
        for (const re of m.any) {
          const mt = re.matcher(text);
          if (mt.find()) {
            hit = { r, ev: mt.group() ?? '' };
            break;
          }
        }
        if (hit) break;
      }
      if (hit || i >= m.paths.length) break;
      responses.length = 0;
      responses.push(await fetch(m.paths[i]!));
    }
    if (!hit) continue;
    let version = '';
    if (m.version) {
      const vm = m.version.matcher(textOf(hit.r));
      if (vm.find()) version = vm.group(1) ?? '';
    }
    out.push({
      product: m.product,
      vendor: m.vendor,
      version,
      cpe: m.cpe.replace('{version}', version || '*'),
      url: hit.r.url,
      evidence: hit.ev.slice(0, 200),
    });
  }
  return out;
}
