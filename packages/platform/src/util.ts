// Small helpers shared by the services.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { MamoriError } from '@mamori/core';
import type { Page, PageQuery } from './types.js';

export type Clock = () => Date;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Random id with a readable prefix: u_…, s_…, t_…; sortable enough and never guessable. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '')}`;
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function iso(d: Date): string {
  return d.toISOString();
}

export function addMinutes(d: Date, minutes: number): Date {
  return new Date(d.getTime() + minutes * 60_000);
}

export function pageLimit(q: PageQuery | undefined): number {
  const limit = q?.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new MamoriError('MAMORI_VALIDATION', { reason: 'limit must be an integer from 1 to 200' });
  }
  return limit;
}

/** Cursors are opaque to clients: base64url of the last sort key. */
export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends string | number>(
  cursor: string | null | undefined,
  type: 'string' | 'number',
): T | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof v === type) return v as T;
  } catch {
    // fall through to the error below
  }
  throw new MamoriError('MAMORI_VALIDATION', { reason: 'cursor is not valid' });
}

/** Given limit+1 fetched rows, the page and its next cursor. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (r: R) => T,
  key: (r: R) => string | number,
): Page<T> {
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).map(map);
  const last = more ? rows[limit - 1] : undefined;
  return { items, nextCursor: last === undefined ? null : encodeCursor(key(last)) };
}

/** LIKE pattern with %, _ and \ escaped (use with ESCAPE '\'). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function requireString(value: unknown, field: string, max = 200): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new MamoriError('MAMORI_VALIDATION', { reason: `${field} is required` });
  }
  if (value.length > max) {
    throw new MamoriError('MAMORI_VALIDATION', { reason: `${field} is longer than ${max} characters` });
  }
  return value.trim();
}

/** Canonical JSON: object keys sorted, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
