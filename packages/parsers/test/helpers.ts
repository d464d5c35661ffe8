import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { NormalizedEvent } from '@mamori/core';
import { parseLinesSync, type StreamItem } from '@mamori/parsers';

// MAMORI_PARSERS_FIXTURES points the tests at a freshly generated copy (generate.sh run in another folder).
export const fixtures = process.env.MAMORI_PARSERS_FIXTURES
  ? pathToFileURL(process.env.MAMORI_PARSERS_FIXTURES.replace(/\/?$/, '/'))
  : new URL('./fixtures/', import.meta.url);

export function fixture(path: string): string {
  return readFileSync(new URL(path, fixtures), 'utf8');
}

/** Parses a fixture file (auto-detected unless `format` is given); fails on any malformed line. */
export function events(path: string, format?: string): NormalizedEvent[] {
  const items: StreamItem[] = [
    ...parseLinesSync(fixture(path), { format, now: new Date('2026-11-25T12:00:00Z') }),
  ];
  const bad = items.filter((i) => !i.ok);
  if (bad.length) throw new Error(`malformed lines in ${path}: ${JSON.stringify(bad.slice(0, 3))}`);
  return items.map((i) => (i as Extract<StreamItem, { ok: true }>).event);
}
