// Shared by the ASM services: actor names, JSON columns, validation helpers and the injected engine options.
import { isIP } from 'node:net';
import { MamoriError } from '@mamori/core';
import type { DnsServer } from '@mamori/asm';
import type { Db } from '@mamori/store';
import type { Scope } from '../policy/policy.js';
import type { Actor, RequestContext } from '../types.js';

export function actorName(ctx: RequestContext): string | null {
  const a: Actor | null = ctx.actor;
  if (!a) return null;
  if (a.kind === 'user') return a.username;
  if (a.kind === 'token') return `token:${a.tokenId}`;
  return `system:${a.name}`;
}

export function json<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function invalid(reason: string): MamoriError {
  return new MamoriError('MAMORI_VALIDATION', { reason });
}

export function notFound(what: string): MamoriError {
  return new MamoriError('MAMORI_NOT_FOUND', undefined, { what });
}

/** "ADDRESS[:PORT]" → DNS server; null when unset. */
export function parseDnsServer(v: string | null | undefined): DnsServer | null {
  if (!v) return null;
  const m = /^\[?([^\]]+?)\]?(?::(\d{1,5}))?$/.exec(v.trim());
  if (!m || !isIP(m[1]!)) throw invalid(`DNS server must be ADDRESS[:PORT], got "${v}"`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 53 };
}

const PORT_SPEC = /^(top100|top1000|all|\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*)$/;

export function checkPortSpec(spec: string): string {
  const s = spec.trim();
  if (!PORT_SPEC.test(s))
    throw invalid(`ports must be top100, top1000, all or a list like 22,80,443: "${spec}"`);
  return s;
}

/** Organization ids a policy scope covers ('all' stays 'all'). */
export async function orgIdsIn(db: Db, scope: Scope): Promise<'all' | string[]> {
  if (scope === 'all') return 'all';
  if ('orgIds' in scope) return scope.orgIds;
  const rows = await db
    .selectFrom('organizations')
    .select('id')
    .where('prefecture_code', '=', scope.prefectureCode)
    .execute();
  return rows.map((r) => r.id);
}
