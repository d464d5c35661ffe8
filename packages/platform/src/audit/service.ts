// Reading and verifying the audit trail. Records are read within the actor's audit:read scope; verifying the
// whole chain needs a reach over everything (state roles, state auditors, the system).
import { MamoriError } from '@mamori/core';
import { sql, type SqlBool } from 'kysely';
import type { AuditLogTable } from '@mamori/store';
import type { Deps } from '../context.js';
import { OrganizationServiceImpl } from '../orgs/service.js';
import type {
  AuditQuery,
  AuditRecord,
  AuditResult,
  AuditService,
  AuditVerification,
  Page,
  RequestContext,
} from '../types.js';
import { decodeCursor, pageLimit, toPage } from '../util.js';
import { verifyChain } from './chain.js';

function toRecord(r: AuditLogTable): AuditRecord {
  let details: Record<string, unknown> | null = null;
  if (r.details) {
    try {
      details = JSON.parse(r.details) as Record<string, unknown>;
    } catch {
      details = { raw: r.details };
    }
  }
  return {
    seq: Number(r.seq),
    at: r.at,
    actorId: r.actor_id,
    actorName: r.actor_name,
    organizationId: r.organization_id,
    action: r.action,
    target: r.target,
    sourceIp: r.source_ip,
    result: r.result as AuditResult,
    details,
  };
}

function isoOrThrow(value: string, field: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime()))
    throw new MamoriError('MAMORI_VALIDATION', { reason: `${field} is not a date` });
  return d.toISOString();
}

export class AuditServiceImpl implements AuditService {
  constructor(private readonly d: Deps) {}

  async list(ctx: RequestContext, query: AuditQuery = {}): Promise<Page<AuditRecord>> {
    await this.d.policy.assert(ctx.actor, 'audit:read');
    const limit = pageLimit(query);
    // Newest first; the cursor is the last sequence number seen.
    const before = decodeCursor<number>(query.cursor, 'number');
    let q = this.d.db.kysely.selectFrom('audit_log').selectAll();
    const scope = await this.d.policy.scope(ctx.actor!, 'audit:read');
    const cond = OrganizationServiceImpl.scopeCondition(scope, 'organization_id');
    if (cond) q = q.where(cond);
    if (query.organizationId !== undefined) {
      await this.d.policy.assert(ctx.actor, 'audit:read', { organizationId: query.organizationId });
      q = q.where('organization_id', '=', query.organizationId);
    }
    if (query.actor)
      q = q.where((eb) => eb.or([eb('actor_id', '=', query.actor!), eb('actor_name', '=', query.actor!)]));
    if (query.action) {
      q = query.action.endsWith('.')
        ? q.where(
            sql<SqlBool>`action like ${query.action.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'} escape '\\'`,
          )
        : q.where('action', '=', query.action);
    }
    if (query.result) {
      if (!['success', 'failure', 'denied'].includes(query.result)) {
        throw new MamoriError('MAMORI_VALIDATION', { reason: 'result must be success, failure or denied' });
      }
      q = q.where('result', '=', query.result);
    }
    if (query.from) q = q.where('at', '>=', isoOrThrow(query.from, 'from'));
    if (query.to) q = q.where('at', '<', isoOrThrow(query.to, 'to'));
    if (before !== null) q = q.where('seq', '<', before);
    const rows = await q
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, toRecord, (r) => Number(r.seq));
  }

  async verify(
    ctx: RequestContext,
    options: { anchor?: { seq: number; hash: string }; includeHead?: boolean } = {},
  ): Promise<AuditVerification> {
    await this.d.policy.assert(ctx.actor, 'audit:read');
    if ((await this.d.policy.scope(ctx.actor!, 'audit:read')) !== 'all') {
      throw new MamoriError('MAMORI_FORBIDDEN', undefined, {
        reason: 'verifying the whole trail needs a national scope',
      });
    }
    const rows: AuditLogTable[] = [];
    // Read in batches so a long trail does not need one huge result set.
    let after = -Infinity;
    for (;;) {
      let q = this.d.db.kysely.selectFrom('audit_log').selectAll().orderBy('seq').limit(5000);
      if (after !== -Infinity) q = q.where('seq', '>', after);
      const batch = await q.execute();
      rows.push(...batch);
      if (batch.length < 5000) break;
      after = Number(batch.at(-1)!.seq);
    }
    const head = await this.d.db.kysely
      .selectFrom('audit_head')
      .select(['seq', 'hash'])
      .where('id', '=', 1)
      .executeTakeFirst();
    const problems = verifyChain(rows, head ? { seq: Number(head.seq), hash: head.hash } : null);
    const anchor = options.anchor;
    if (anchor) {
      const at = rows.find((r) => Number(r.seq) === anchor.seq);
      if (!at) {
        problems.push({
          seq: anchor.seq,
          kind: 'missing',
          message: `anchored record ${anchor.seq} is missing`,
        });
      } else if (at.hash !== anchor.hash) {
        problems.push({
          seq: anchor.seq,
          kind: 'changed',
          message: `record ${anchor.seq} no longer has the anchored hash: the chain was recomputed from there or earlier`,
        });
      }
      problems.sort((a, b) => a.seq - b.seq);
    }
    const last = rows.at(-1);
    const result: AuditVerification = { ok: problems.length === 0, checked: rows.length, problems };
    if (options.includeHead) result.head = last ? { seq: Number(last.seq), hash: last.hash } : null;
    return result;
  }
}
