// Quarantined lines (malformed input, kept with the parser's reason): list and count, scoped like events
// (prefecture roles see their prefecture's; a municipality sees the lines its own bound senders sent).
import { MamoriError } from '@mamori/core';
import { sql } from 'kysely';
import type { Deps } from '../../context.js';
import type { Page, PageQuery, RequestContext } from '../../types.js';
import { decodeCursor, pageLimit, toPage } from '../../util.js';
import { socScopeCondition } from '../events/service.js';

export interface QuarantinedLine {
  id: string;
  receivedAt: string;
  transport: string;
  peer: string;
  /** The parser that refused the line ('auto' when none recognised it). */
  format: string;
  reason: string;
  line: string;
  prefectureId: string;
  organizationId: string | null;
}

export interface QuarantineQuery extends PageQuery {
  /** Receipt time range, ISO 8601 (from inclusive, to exclusive). */
  from?: string;
  to?: string;
  transport?: string;
  peer?: string;
  format?: string;
}

export interface QuarantineService {
  list(ctx: RequestContext, query?: QuarantineQuery): Promise<Page<QuarantinedLine>>;
  /** Total in range and the most frequent reasons (first 60 characters). */
  count(
    ctx: RequestContext,
    query?: Omit<QuarantineQuery, 'limit' | 'cursor'>,
  ): Promise<{ total: number; byFormat: { format: string; count: number }[] }>;
}

const ms = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined || v === '') return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t))
    throw new MamoriError('MAMORI_VALIDATION', { reason: `${name} is not a date/time` });
  return t;
};

export class QuarantineServiceImpl implements QuarantineService {
  constructor(private readonly d: Deps) {}

  private async base(ctx: RequestContext, query: QuarantineQuery) {
    await this.d.policy.assert(ctx.actor, 'events:read');
    const scope = await this.d.policy.scope(ctx.actor!, 'events:read');
    let q = this.d.db.kysely.selectFrom('soc_quarantine');
    const cond = socScopeCondition(scope);
    if (cond) q = q.where(cond);
    const from = ms(query.from, 'from');
    const to = ms(query.to, 'to');
    if (from !== undefined) q = q.where('received_at', '>=', from);
    if (to !== undefined) q = q.where('received_at', '<', to);
    if (query.transport) q = q.where('transport', '=', query.transport);
    if (query.peer) q = q.where('peer', '=', query.peer);
    if (query.format) q = q.where('format', '=', query.format);
    return q;
  }

  async list(ctx: RequestContext, query: QuarantineQuery = {}): Promise<Page<QuarantinedLine>> {
    const limit = pageLimit(query);
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = (await this.base(ctx, query)).selectAll();
    if (after !== null) {
      const [t, id] = after.split('|') as [string, string | undefined];
      if (id === undefined || !/^\d+$/.test(t)) {
        throw new MamoriError('MAMORI_VALIDATION', { reason: 'cursor is not valid' });
      }
      const tn = Number(t);
      q = q.where((eb) =>
        eb.or([eb('received_at', '<', tn), eb.and([eb('received_at', '=', tn), eb('id', '<', id)])]),
      );
    }
    const rows = await q
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(
      rows,
      limit,
      (r) => ({
        id: r.id,
        receivedAt: new Date(Number(r.received_at)).toISOString(),
        transport: r.transport,
        peer: r.peer,
        format: r.format,
        reason: r.reason,
        line: r.line,
        prefectureId: r.prefecture_id,
        organizationId: r.organization_id,
      }),
      (r) => `${Number(r.received_at)}|${r.id}`,
    );
  }

  async count(
    ctx: RequestContext,
    query: Omit<QuarantineQuery, 'limit' | 'cursor'> = {},
  ): Promise<{ total: number; byFormat: { format: string; count: number }[] }> {
    const rows = await (
      await this.base(ctx, query)
    )
      .select(['format', sql<number>`count(*)`.as('n')])
      .groupBy('format')
      .execute();
    const byFormat = rows
      .map((r) => ({ format: r.format, count: Number(r.n) }))
      .sort((a, b) => b.count - a.count || a.format.localeCompare(b.format));
    return { total: byFormat.reduce((s, r) => s + r.count, 0), byFormat };
  }
}
