// Port lists are data (packages/asm/data/ports); a spec string picks one or lists ports explicitly.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dataDir = fileURLToPath(new URL('../../data/ports/', import.meta.url));

export function loadPortFile(path: string): number[] {
  const out: number[] = [];
  for (const [i, raw] of readFileSync(path, 'utf8').split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const p = Number(line);
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`${path}:${i + 1}: not a port: ${line}`);
    out.push(p);
  }
  return [...new Set(out)];
}

/** "top100", "top1000", "all", or a list like "22,80,8000-8010". */
export function parsePortSpec(spec: string): number[] {
  const s = spec.trim().toLowerCase();
  if (s === 'top100' || s === 'top1000') return loadPortFile(`${dataDir}${s}.txt`);
  if (s === 'all') return Array.from({ length: 65535 }, (_, i) => i + 1);
  const out = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part.trim());
    if (!m)
      throw new Error(`bad port list item: "${part}" (use top100, top1000, all, or e.g. 22,80,8000-8010)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (a < 1 || b > 65535 || a > b) throw new Error(`bad port range: "${part}"`);
    for (let p = a; p <= b; p++) out.add(p);
  }
  return [...out];
}
