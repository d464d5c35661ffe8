// Stored SOC events: search by time range and fields with paging, scoped by the policy module (municipal
// staff: their own organization; prefecture roles: their prefecture, unattributed events included; state: all).
import { MamoriError, prefectureLgCode, type NormalizedEvent } from '@mamori/core';
import { DEFAULT_MAX_LINE, isParseError, parseLine } from '@mamori/parsers';
import type { Expression, SqlBool } from 'kysely';
import { sql } from 'kysely';
import type { SocEventsTable } from '@mamori/store';
import type { Deps } from '../../context.js';
import { orgIdForCode } from '../../orgs/service.js';
import type { Scope } from '../../policy/policy.js';
import type { Page, PageQuery, RequestContext } from '../../types.js';
import { decodeCursor, likeContains, pageLimit, toPage } from '../../util.js';
import type { SocEvent } from '../types.js';

export interface SocEventQuery extends PageQuery {
  /** Event time range, ISO 8601: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  organizationId?: string;
  prefectureId?: string;
  /** Only events no rule attributed. */
  unattributed?: boolean;
  sourceKind?: string;
  format?: string;
  class?: string;
  severity?: string;
  disposition?: string;
  /** Matches the source or the destination address. */
  ip?: string;
  srcIp?: string;
  dstIp?: string;
  /** Matches the source or destination host name / domain. */
  host?: string;
  user?: string;
  ruleId?: string;
  ruleCategory?: string;
  /** Substring of the raw line (bounded by the time range; slow on long ranges). */
  text?: string;
}

export interface SocEventService {
  search(ctx: RequestContext, query?: SocEventQuery): Promise<Page<SocEvent>>;
  get(ctx: RequestContext, id: string): Promise<SocEvent>;
}

export const prefectureIdOf = (prefectureCode: string): string =>
  orgIdForCode(prefectureLgCode(prefectureCode));

/** SQL restricting rows to what a policy scope may see (prefecture scope includes unattributed events). */
export function socScopeCondition(scope: Scope): Expression<SqlBool> | null {
  if (scope === 'all') return null;
  if ('prefectureCode' in scope) return sql<SqlBool>`prefecture_id = ${prefectureIdOf(scope.prefectureCode)}`;
  if (scope.orgIds.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`organization_id in (${sql.join(scope.orgIds)})`;
}

type Detail = Pick<NormalizedEvent, 'device' | 'src' | 'dst' | 'rule' | 'fields'>;

/**
 * Device, endpoints, rule and fields of a stored event. Rows since migration 0005 do not store them: the parsers
 * are pure and deterministic, so parsing the stored raw line with its format gives them back (the columns stay
 * what was stored). Older rows carry them as JSON.
 */
export function storedDetail(r: SocEventsTable): Detail {
  if (r.fields_json !== null) {
    try {
      return JSON.parse(r.fields_json) as Detail;
    } catch {
      return {};
    }
  }
  const p = parseLine(r.raw, r.format, {
    tzOffsetMinutes: 0,
    nowMs: Number(r.received_at),
    maxLineLength: DEFAULT_MAX_LINE,
  });
  if (isParseError(p)) return {};
  const d: Detail = {};
  if (p.device) d.device = p.device;
  if (p.src) d.src = p.src;
  if (p.dst) d.dst = p.dst;
  if (p.rule) d.rule = p.rule;
  if (p.fields) d.fields = p.fields;
  return d;
}

export function rowToEvent(r: SocEventsTable): SocEvent {
  const d = storedDetail(r);
  const ev: SocEvent = {
    id: r.id,
    organizationId: r.organization_id,
    prefectureId: r.prefecture_id,
    unattributedReason: r.unattributed_reason,
    receivedAt: Number(r.received_at),
    time: r.time,
    class: r.class as NormalizedEvent['class'],
    activity: r.activity,
    severity: r.severity as NormalizedEvent['severity'],
    disposition: r.disposition as NormalizedEvent['disposition'],
    sourceKind: r.source_kind,
    format: r.format,
    raw: r.raw,
  };
  if (d.device) ev.device = d.device;
  if (d.src) ev.src = d.src;
  if (d.dst) ev.dst = d.dst;
  if (d.rule) ev.rule = d.rule;
  if (d.fields) ev.fields = d.fields;
  return ev;
}

const isoOrFail = (v: string | undefined, name: string): string | undefined => {
  if (v === undefined || v === '') return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t))
    throw new MamoriError('MAMORI_VALIDATION', { reason: `${name} is not a date/time` });
  return new Date(t).toISOString();
};

export class SocEventServiceImpl implements SocEventService {
  constructor(private readonly d: Deps) {}

  async search(ctx: RequestContext, query: SocEventQuery = {}): Promise<Page<SocEvent>> {
    await this.d.policy.assert(ctx.actor, 'events:read');
    const limit = pageLimit(query);
    const scope = await this.d.policy.scope(ctx.actor!, 'events:read');
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = this.d.db.kysely.selectFrom('soc_events').selectAll();
    const cond = socScopeCondition(scope);
    if (cond) q = q.where(cond);
    const from = isoOrFail(query.from, 'from');
    const to = isoOrFail(query.to, 'to');
    if (from) q = q.where('time', '>=', from);
    if (to) q = q.where('time', '<', to);
    if (query.organizationId) q = q.where('organization_id', '=', query.organizationId);
    if (query.prefectureId) q = q.where('prefecture_id', '=', query.prefectureId);
    if (query.unattributed) q = q.where('organization_id', 'is', null);
    if (query.sourceKind) q = q.where('source_kind', '=', query.sourceKind);
    if (query.format) q = q.where('format', '=', query.format);
    if (query.class) q = q.where('class', '=', query.class);
    if (query.severity) q = q.where('severity', '=', query.severity);
    if (query.disposition) q = q.where('disposition', '=', query.disposition);
    if (query.srcIp) q = q.where('src_ip', '=', query.srcIp);
    if (query.dstIp) q = q.where('dst_ip', '=', query.dstIp);
    if (query.ip) {
      const ip = query.ip;
      q = q.where((eb) => eb.or([eb('src_ip', '=', ip), eb('dst_ip', '=', ip)]));
    }
    if (query.host) {
      const h = query.host.toLowerCase();
      q = q.where((eb) => eb.or([eb('src_host', '=', h), eb('dst_host', '=', h)]));
    }
    if (query.user) q = q.where('user_name', '=', query.user);
    if (query.ruleId) q = q.where('rule_id', '=', query.ruleId);
    if (query.ruleCategory) q = q.where('rule_category', '=', query.ruleCategory);
    if (query.text) {
      if (query.text.length > 200) throw new MamoriError('MAMORI_VALIDATION', { reason: 'text is too long' });
      q = q.where(sql<SqlBool>`raw like ${likeContains(query.text)} escape '\\'`);
    }
    if (after !== null) {
      const sep = after.indexOf('|');
      if (sep < 0) throw new MamoriError('MAMORI_VALIDATION', { reason: 'cursor is not valid' });
      const t = after.slice(0, sep);
      const id = after.slice(sep + 1);
      q = q.where((eb) => eb.or([eb('time', '<', t), eb.and([eb('time', '=', t), eb('id', '<', id)])]));
    }
    const rows = await q
      .orderBy('time', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, rowToEvent, (r) => `${r.time}|${r.id}`);
  }

  async get(ctx: RequestContext, id: string): Promise<SocEvent> {
    await this.d.policy.assert(ctx.actor, 'events:read');
    const r = await this.d.db.kysely
      .selectFrom('soc_events')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r) throw new MamoriError('MAMORI_NOT_FOUND');
    const scope = await this.d.policy.scope(ctx.actor!, 'events:read');
    const visible =
      scope === 'all' ||
      ('prefectureCode' in scope
        ? r.prefecture_id === prefectureIdOf(scope.prefectureCode)
        : r.organization_id !== null && scope.orgIds.includes(r.organization_id));
    // Not found rather than forbidden: the id of another organization's event must not be confirmable.
    if (!visible) throw new MamoriError('MAMORI_NOT_FOUND');
    return rowToEvent(r);
  }
}
