// Loads the mapping tables in packages/parsers/data/ once. They are data (reviewed like code, validated by
// test/data.test.ts), read from the package folder both in development (src/) and when built (dist/).
import { readFileSync } from 'node:fs';
import type { Disposition, EventClass, Severity } from '@mamori/core';

export function loadData<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../data/${name}`, import.meta.url), 'utf8')) as T;
}

export interface ActionTable {
  /** Lower-cased action word → disposition. */
  actions: Record<string, Disposition>;
}
const actionTable = loadData<ActionTable>('actions.json');
const actionMap = new Map<string, Disposition>(Object.entries(actionTable.actions));

/** Disposition of a device action word (deny, drop, REQ_BLOCKED, pass, …); `fallback` when unknown. */
export function dispositionOf(action: string | undefined, fallback: Disposition = 'unknown'): Disposition {
  if (!action) return fallback;
  return actionMap.get(action.toLowerCase()) ?? fallback;
}

/** Disposition implied by the words of a free-text label (a netfilter log prefix such as "FW-DROP-IN: "). */
export function dispositionOfWords(text: string, fallback: Disposition = 'unknown'): Disposition {
  // Words are sliced once each (not grown a character at a time: a firewall prefix is on every packet line).
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (alnum) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      const d = actionMap.get(text.slice(start, i).toLowerCase());
      if (d !== undefined) return d;
      start = -1;
    }
  }
  return fallback;
}

export interface CrsTable {
  ranges: { from: number; to: number; type: string }[];
  tags: Record<string, string>;
  /** Rules that score or report, not detect (949110, 980130, …). */
  evaluation: string[];
  blocking: string[];
  types: Record<string, { ja: string; en: string }>;
}
export const crs = loadData<CrsTable>('crs.json');

export const ipProtocols = loadData<Record<string, string>>('ip-protocols.json');

export interface WindowsEventMap {
  events: Record<
    string,
    { class: EventClass; activity: string; severity: Severity; disposition: string; name: string }
  >;
  logonTypes: Record<string, string>;
}
export const windowsEvents = loadData<WindowsEventMap>('windows-events.json');

export interface PanosTable {
  common: string[];
  TRAFFIC: string[];
  THREAT: string[];
}
export const panosFields = loadData<PanosTable>('panos-fields.json');

export interface FortigateTable {
  typeCodes: Record<string, string>;
}
export const fortigate = loadData<FortigateTable>('fortigate.json');
