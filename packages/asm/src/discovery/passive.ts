// Names from certificate-transparency and passive-DNS exports, and from certificate SANs.
// Accepted files: crt.sh JSON (array of {name_value}), JSON lines with `name`/`rrname`/`query`, or one name a line.
import { readFileSync } from 'node:fs';

const NAME =
  /^(?:\*\.)?([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)+)\.?$/;

function clean(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const m = NAME.exec(raw.trim().toLowerCase());
  return m ? m[1]! : null;
}

export function parsePassiveNames(text: string): { names: string[]; rejected: number } {
  const names = new Set<string>();
  let rejected = 0;
  const add = (v: unknown): void => {
    for (const part of typeof v === 'string' ? v.split(/\n/) : [v]) {
      const n = clean(part);
      if (n) names.add(n);
      else rejected++;
    }
  };
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const arr = JSON.parse(trimmed) as Array<Record<string, unknown>>;
    for (const e of arr) add(e.name_value ?? e.common_name ?? e.name ?? e.rrname);
  } else {
    for (const line of trimmed.split('\n')) {
      const l = line.trim();
      if (!l || l.startsWith('#')) continue;
      if (l.startsWith('{')) {
        try {
          const o = JSON.parse(l) as Record<string, unknown>;
          add(o.name ?? o.rrname ?? o.query ?? o.name_value);
        } catch {
          rejected++;
        }
      } else add(l.split(/[\s,]/)[0]);
    }
  }
  return { names: [...names].sort(), rejected };
}

export function importPassiveFile(path: string): { names: string[]; rejected: number } {
  return parsePassiveNames(readFileSync(path, 'utf8'));
}

/** Names under `domain` only: imported data is a lead, scope still decides what is touched. */
export function namesUnder(names: string[], domain: string): string[] {
  const d = domain.toLowerCase();
  return names.filter((n) => n === d || n.endsWith(`.${d}`));
}

export function namesFromSans(sans: string[]): string[] {
  return [...new Set(sans.map(clean).filter((n): n is string => n !== null))].sort();
}
