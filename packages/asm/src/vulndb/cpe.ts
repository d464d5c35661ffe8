// CPE 2.3 formatted strings: split on unescaped colons, unescape, normalize names the way NVD spells them.

export interface Cpe {
  part: string;
  vendor: string;
  product: string;
  version: string;
  update: string;
}

export function normalizeName(s: string): string {
  return s.trim().toLowerCase().replace(/\s+/g, '_').replace(/\\(.)/g, '$1');
}

export function parseCpe(cpe: string): Cpe {
  const s = cpe.trim();
  if (!s.toLowerCase().startsWith('cpe:2.3:'))
    throw new Error(`not a CPE 2.3 string: ${JSON.stringify(s.slice(0, 80))}`);
  const fields: string[] = [];
  let cur = '';
  for (let i = 'cpe:2.3:'.length; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += s[i + 1];
      i++;
    } else if (c === ':') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  if (fields.length < 4) throw new Error(`CPE has too few fields: ${JSON.stringify(s.slice(0, 80))}`);
  return {
    part: fields[0]!,
    vendor: normalizeName(fields[1]!),
    product: normalizeName(fields[2]!),
    version: fields[3] ?? '*',
    update: fields[4] ?? '*',
  };
}

/** True for CPE "any" (*) and "not applicable" (-) values. */
export function isWildcard(v: string | undefined): boolean {
  return v === undefined || v === '*' || v === '-' || v === '';
}
