// Monthly figures from the hourly rollups (kept after raw events expire): per organization or per prefecture,
// with the previous month beside each figure. Months are local months (default Japan time, UTC+9): the rollups
// are hourly in UTC, so any whole-hour offset is exact.
import { MamoriError } from '@mamori/core';
import { sql } from 'kysely';
import type { Deps } from '../../context.js';
import type { RequestContext } from '../../types.js';
import { prefectureIdOf } from '../events/service.js';
import type { RollupAction } from '../types.js';

export interface RollupFigure {
  sourceKind: string;
  action: RollupAction;
  category: string;
  count: number;
  previous: number;
}

export interface MonthlyRollup {
  month: string;
  previousMonth: string;
  organizationId: string | null;
  prefectureId: string | null;
  figures: RollupFigure[];
  total: number;
  previousTotal: number;
}

export interface RollupQuery {
  /** YYYY-MM */
  month: string;
  /** One organization; '' = the prefecture's unattributed events (with prefectureId). */
  organizationId?: string;
  /** A whole prefecture (all its organizations and the unattributed). */
  prefectureId?: string;
  /** Offset of the local month from UTC in minutes; default 540 (JST). */
  tzOffsetMinutes?: number;
}

export interface RollupService {
  month(ctx: RequestContext, query: RollupQuery): Promise<MonthlyRollup>;
}

/** The UTC hour range [start, end) of a local month, as rollup hour keys. */
export function monthHours(month: string, tzOffsetMinutes = 540): { start: string; end: string } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) {
    throw new MamoriError('MAMORI_VALIDATION', { reason: 'month must be YYYY-MM' });
  }
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  const key = (t: number) => new Date(t - tzOffsetMinutes * 60_000).toISOString().slice(0, 13);
  return { start: key(Date.UTC(y, mo, 1)), end: key(Date.UTC(y, mo + 1, 1)) };
}

export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

export class RollupServiceImpl implements RollupService {
  constructor(private readonly d: Deps) {}

  private async sums(
    where: { organizationId?: string; prefectureId?: string },
    range: { start: string; end: string },
  ): Promise<Map<string, number>> {
    let q = this.d.db.kysely
      .selectFrom('soc_rollups')
      .select(['source_kind', 'action', 'category', sql<number>`sum(count)`.as('n')])
      .where('hour', '>=', range.start)
      .where('hour', '<', range.end);
    if (where.organizationId !== undefined) q = q.where('organization_id', '=', where.organizationId);
    if (where.prefectureId !== undefined) q = q.where('prefecture_id', '=', where.prefectureId);
    const rows = await q.groupBy(['source_kind', 'action', 'category']).execute();
    return new Map(rows.map((r) => [`${r.source_kind}\x01${r.action}\x01${r.category}`, Number(r.n)]));
  }

  async month(ctx: RequestContext, query: RollupQuery): Promise<MonthlyRollup> {
    await this.d.policy.assert(ctx.actor, 'events:read');
    const tz = query.tzOffsetMinutes ?? 540;
    const cur = monthHours(query.month, tz);
    const prevMonth = previousMonth(query.month);
    const prev = monthHours(prevMonth, tz);
    const where: { organizationId?: string; prefectureId?: string } = {};
    if (query.organizationId !== undefined && query.organizationId !== '') {
      await this.d.policy.assert(ctx.actor, 'events:read', { organizationId: query.organizationId });
      where.organizationId = query.organizationId;
      if (query.prefectureId) where.prefectureId = query.prefectureId;
    } else if (query.prefectureId) {
      const scope = await this.d.policy.scope(ctx.actor!, 'events:read');
      const ok =
        scope === 'all' ||
        ('prefectureCode' in scope && prefectureIdOf(scope.prefectureCode) === query.prefectureId);
      if (!ok) throw new MamoriError('MAMORI_FORBIDDEN', undefined, { permission: 'events:read' });
      where.prefectureId = query.prefectureId;
      if (query.organizationId === '') where.organizationId = '';
    } else {
      throw new MamoriError('MAMORI_VALIDATION', { reason: 'organizationId or prefectureId is required' });
    }
    const [a, b] = await Promise.all([this.sums(where, cur), this.sums(where, prev)]);
    const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
    const figures = keys.map((k) => {
      const [sourceKind, action, category] = k.split('\x01') as [string, RollupAction, string];
      return { sourceKind, action, category, count: a.get(k) ?? 0, previous: b.get(k) ?? 0 };
    });
    return {
      month: query.month,
      previousMonth: prevMonth,
      organizationId: where.organizationId ?? null,
      prefectureId: where.prefectureId ?? null,
      figures,
      total: figures.reduce((s, f) => s + f.count, 0),
      previousTotal: figures.reduce((s, f) => s + f.previous, 0),
    };
  }
}
