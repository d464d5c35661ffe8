// YARA command-line output: "Rule [tags] [meta] path" per match; with -s, "0xOFFSET:$id: data" lines follow
// and are folded into the preceding match by the line-stream API (continues()).
import type { NormalizedEvent, Severity } from '@mamori/core';
import { makeEvent } from '../event.js';
import { ParseError } from '../types.js';
import type { FormatParser } from '../types.js';
import { severityFromWord } from '../util.js';

function isIdent(s: string): boolean {
  if (s.length === 0 || s.length > 128) return false;
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122) || c0 === 95)) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return false;
  }
  return true;
}

/** Reads a "[…]" group with "…" strings (escapes \" \\) at s[i]; returns its content and the end index. */
function bracket(s: string, i: number): { content: string; end: number } | undefined {
  if (s[i] !== '[') return undefined;
  let j = i + 1;
  let inQ = false;
  while (j < s.length) {
    const c = s[j];
    if (inQ && c === '\\') {
      j += 2;
      continue;
    }
    if (c === '"') inQ = !inQ;
    else if (c === ']' && !inQ) return { content: s.slice(i + 1, j), end: j + 1 };
    j++;
  }
  return undefined;
}

/** key="value",key=3,… → map. */
function parseMeta(s: string): Map<string, string> {
  const m = new Map<string, string>();
  let i = 0;
  while (i < s.length && m.size < 64) {
    const eq = s.indexOf('=', i);
    if (eq < 0) break;
    const key = s.slice(i, eq).trim();
    let j = eq + 1;
    let val = '';
    if (s[j] === '"') {
      j++;
      while (j < s.length && s[j] !== '"') {
        if (s[j] === '\\' && j + 1 < s.length) {
          val += s[j + 1];
          j += 2;
          continue;
        }
        val += s[j];
        j++;
      }
      j++;
    } else {
      const comma = s.indexOf(',', j);
      val = s.slice(j, comma < 0 ? undefined : comma);
      j = comma < 0 ? s.length : comma;
    }
    m.set(key, val);
    if (s[j] === ',') j++;
    i = j;
  }
  return m;
}

function isStringLine(line: string): boolean {
  if (!line.startsWith('0x')) return false;
  const c = line.indexOf(':$');
  return c > 2 && c < 20;
}

export const yara: FormatParser = {
  id: 'yara',
  description: 'YARA command-line match output (optionally with -g tags, -m meta, -s strings)',
  sourceKind: 'sandbox',
  input: 'text',
  sniff(input) {
    const p = input.payload;
    const sp = p.indexOf(' ');
    if (sp <= 0 || !isIdent(p.slice(0, sp)) || input.envelope !== undefined) return false;
    const rest = p.slice(sp + 1);
    // Only lines no other parser took get here; a rule name then a path-like rest is YARA's shape.
    return rest.startsWith('[') || rest.includes('/') || rest.includes('\\');
  },
  parse(input) {
    const p = input.payload;
    if (isStringLine(p)) return new ParseError('yara', 'string-match line without a preceding rule line');
    const sp = p.indexOf(' ');
    if (sp <= 0) return new ParseError('yara', 'expected "RULE [tags] [meta] PATH"');
    const rule = p.slice(0, sp);
    if (!isIdent(rule)) return new ParseError('yara', `invalid rule identifier "${rule.slice(0, 64)}"`);
    let i = sp + 1;
    const groups: string[] = [];
    while (p[i] === '[' && groups.length < 2) {
      const b = bracket(p, i);
      if (!b) return new ParseError('yara', 'unterminated [ ] group');
      groups.push(b.content);
      i = b.end;
      if (p[i] === ' ') i++;
    }
    const path = p.slice(i);
    if (path.length === 0) return new ParseError('yara', 'missing scanned path');
    let tags: string | undefined;
    let meta: Map<string, string> | undefined;
    for (const g of groups) {
      if (g.includes('=')) meta = parseMeta(g);
      else if (g.length > 0) tags = g;
    }
    const fields: Record<string, string | number | boolean | null> = { path: path.slice(0, 2048) };
    if (tags) fields.tags = tags;
    if (meta) for (const [k, v] of meta) fields[`meta.${k}`] = v.slice(0, 512);
    const severity: Severity = severityFromWord(meta?.get('severity') ?? meta?.get('threat_level'), 'medium');
    return makeEvent(input, {
      class: 'detection_finding',
      activity: 'yara-match',
      severity,
      disposition: 'detected',
      sourceKind: 'sandbox',
      format: 'yara',
      device: { vendor: 'VirusTotal', product: 'YARA' },
      rule: { id: rule, name: meta?.get('description') ?? rule, category: tags },
      fields,
    });
  },
  continues(previous: NormalizedEvent, line: string): boolean {
    if (!isStringLine(line)) return false;
    const f = (previous.fields ??= {});
    const n = typeof f.stringMatches === 'number' ? f.stringMatches : 0;
    f.stringMatches = n + 1;
    if (n < 20) {
      const ids = typeof f.strings === 'string' ? f.strings.split(',') : [];
      const c = line.indexOf(':$');
      const id = line.slice(c + 1, line.indexOf(':', c + 1) > 0 ? line.indexOf(':', c + 1) : undefined);
      if (!ids.includes(id)) ids.push(id);
      f.strings = ids.join(',');
    }
    previous.raw += '\n' + line;
    return true;
  },
};
