// The audit trail is append-only and hash-chained: record n's hash covers its sequence number, its canonical
// content and record n−1's hash. audit_head holds the last (seq, hash); appends lock it, so they serialize.
import type { Dialect, Trx } from '@mamori/store';
import type { AuditLogTable } from '@mamori/store';
import type { Actor, AuditProblem, AuditResult, RequestContext } from '../types.js';
import { canonicalJson, sha256Hex } from '../util.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  action: string;
  target?: string | null;
  /** The organization the action concerns (defaults to the actor's). */
  organizationId?: string | null;
  result: AuditResult;
  details?: Record<string, unknown> | null;
  /** Overrides the actor's name (a failed sign-in names the user name tried). */
  actorName?: string | null;
  actorId?: string | null;
}

export function recordHash(r: Omit<AuditLogTable, 'hash'>): string {
  return sha256Hex(
    canonicalJson([
      r.seq,
      r.at,
      r.actor_id,
      r.actor_name,
      r.organization_id,
      r.action,
      r.target,
      r.source_ip,
      r.result,
      r.details,
      r.prev_hash,
    ]),
  );
}

function actorFields(actor: Actor | null): { id: string | null; name: string | null; org: string | null } {
  if (actor === null) return { id: null, name: null, org: null };
  switch (actor.kind) {
    case 'user':
      return { id: actor.userId, name: actor.username, org: actor.organizationId };
    case 'token':
      return { id: actor.tokenId, name: `token:${actor.tokenId}`, org: actor.organizationId };
    case 'system':
      return { id: null, name: `system:${actor.name}`, org: null };
  }
}

export async function appendAudit(
  trx: Trx,
  dialect: Dialect,
  ctx: RequestContext,
  entry: AuditEntry,
  at: Date,
): Promise<number> {
  let q = trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1);
  // SQLite serializes writers itself; PostgreSQL needs the row lock.
  if (dialect === 'postgres') q = q.forUpdate();
  const head = await q.executeTakeFirstOrThrow();
  const a = actorFields(ctx.actor);
  const row: Omit<AuditLogTable, 'hash'> = {
    seq: Number(head.seq) + 1,
    at: at.toISOString(),
    actor_id: entry.actorId !== undefined ? entry.actorId : a.id,
    actor_name: entry.actorName !== undefined ? entry.actorName : a.name,
    organization_id: entry.organizationId !== undefined ? entry.organizationId : a.org,
    action: entry.action,
    target: entry.target ?? null,
    source_ip: ctx.sourceIp,
    result: entry.result,
    details: entry.details ? canonicalJson(entry.details) : null,
    prev_hash: head.hash,
  };
  const hash = recordHash(row);
  await trx
    .insertInto('audit_log')
    .values({ ...row, hash })
    .execute();
  await trx.updateTable('audit_head').set({ seq: row.seq, hash }).where('id', '=', 1).execute();
  return row.seq;
}

/**
 * Checks the chain. A record whose hash does not match its content is "changed" — unless its content and hash
 * are intact for another position in the chain, then it is "reordered". A gap in the sequence (or a head
 * beyond the last record) is "missing". A record whose content was rewritten together with its hash shows as
 * a broken link to the next record: reported as "changed" on the rewritten record.
 */
export function verifyChain(
  rows: AuditLogTable[],
  head: { seq: number; hash: string } | null,
): AuditProblem[] {
  const problems: AuditProblem[] = [];
  const seen = new Set<string>();
  const add = (p: AuditProblem): void => {
    const k = `${p.seq}:${p.kind}`;
    if (!seen.has(k)) {
      seen.add(k);
      problems.push(p);
    }
  };
  const intactAt = (r: AuditLogTable, seq: number): boolean => recordHash({ ...r, seq }) === r.hash;

  // The original position of each record, found by following prev_hash links from the genesis (and from the
  // start of each segment after a gap, where the stored seq is trusted).
  const byPrev = new Map<string, AuditLogTable>();
  for (const r of rows) byPrev.set(r.prev_hash, r);
  const chainSeq = new Map<AuditLogTable, number>();
  const hashes = new Set(rows.map((r) => r.hash));
  const starts: { row: AuditLogTable; seq: number }[] = [];
  const first = byPrev.get(GENESIS_HASH);
  if (first) starts.push({ row: first, seq: 1 });
  for (const r of rows) {
    if (r.prev_hash !== GENESIS_HASH && !hashes.has(r.prev_hash)) starts.push({ row: r, seq: Number(r.seq) });
  }
  for (const s of starts) {
    let cur: AuditLogTable | undefined = s.row;
    let seq = s.seq;
    while (cur && !chainSeq.has(cur)) {
      chainSeq.set(cur, seq++);
      cur = byPrev.get(cur.hash);
    }
  }

  let expectedSeq = 1;
  let prev: AuditLogTable | null = null;
  for (const r of rows) {
    const seq = Number(r.seq);
    for (let m = expectedSeq; m < seq; m++) {
      add({ seq: m, kind: 'missing', message: `record ${m} is missing (removed from the trail)` });
    }
    const gap = seq > expectedSeq;
    const contentOk = intactAt(r, seq);
    if (!contentOk) {
      const original = chainSeq.get(r);
      if (original !== undefined && original !== seq && intactAt(r, original)) {
        add({ seq, kind: 'reordered', message: `record at position ${seq} belongs at position ${original}` });
      } else {
        add({
          seq,
          kind: 'changed',
          message: `record ${seq} was changed: its content does not match its hash`,
        });
      }
    } else if (!gap) {
      const expectedPrev = prev ? prev.hash : GENESIS_HASH;
      if (r.prev_hash !== expectedPrev && prev !== null) {
        const prevSeq = Number(prev.seq);
        const prevReordered = problems.some((p) => p.seq === prevSeq && p.kind === 'reordered');
        if (!prevReordered && intactAt(prev, prevSeq)) {
          add({
            seq: prevSeq,
            kind: 'changed',
            message: `record ${prevSeq} was rewritten: record ${seq} chains to a different hash`,
          });
        } else if (!prevReordered) {
          add({ seq, kind: 'changed', message: `record ${seq} does not chain to record ${prevSeq}` });
        }
      }
    }
    prev = r;
    expectedSeq = seq + 1;
  }
  if (head && head.seq >= expectedSeq) {
    for (let m = expectedSeq; m <= head.seq; m++) {
      add({ seq: m, kind: 'missing', message: `record ${m} is missing (the trail was cut short)` });
    }
  }
  // The head (kept apart, updated with every append) vouches for the last record, which has no successor to
  // chain to it: a rewrite of the last record, or records added behind Mamori's back, show here.
  const last = rows.at(-1);
  if (head && last) {
    const lastSeq = Number(last.seq);
    if (lastSeq > head.seq) {
      for (let m = Math.max(head.seq + 1, 1); m <= lastSeq; m++) {
        add({
          seq: m,
          kind: 'changed',
          message: `record ${m} was added outside Mamori (beyond the trail's head)`,
        });
      }
    } else if (lastSeq === head.seq && last.hash !== head.hash && !problems.some((x) => x.seq === lastSeq)) {
      add({
        seq: lastSeq,
        kind: 'changed',
        message: `record ${lastSeq} was rewritten: its hash differs from the trail's head`,
      });
    }
  }
  return problems.sort((a, b) => a.seq - b.seq);
}
