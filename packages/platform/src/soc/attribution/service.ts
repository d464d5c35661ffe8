// Attribution rules per organization (IP ranges, host names, domains, mail domains, devices). Managed by those
// who may change the organization (org:write: state admins, prefecture admins for their prefecture's
// municipalities), every change audited; the matchers are rebuilt on change and, for rules changed by another
// process, when a cheap fingerprint query shows a difference (refresh(), the shared TableWatch).
import { MamoriError, prefectureLgCode } from '@mamori/core';
import type { Trx } from '@mamori/store';
import type { Deps } from '../../context.js';
import { OrganizationServiceImpl, orgIdForCode } from '../../orgs/service.js';
import type { RequestContext } from '../../types.js';
import { newId } from '../../util.js';
import { TableWatch } from '../table-watch.js';
import {
  AttributionMatcher,
  attributionKinds,
  normalizeName,
  parseCidr,
  type AttributionKind,
} from './matcher.js';

export interface AttributionRule {
  id: string;
  organizationId: string;
  prefectureId: string;
  kind: AttributionKind;
  value: string;
  note: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AttributionRuleInput {
  organizationId: string;
  kind: AttributionKind;
  value: string;
  note?: string | null;
}

export interface AttributionService {
  list(
    ctx: RequestContext,
    query?: { organizationId?: string; kind?: AttributionKind },
  ): Promise<{ items: AttributionRule[] }>;
  create(ctx: RequestContext, input: AttributionRuleInput): Promise<AttributionRule>;
  /** Many rules in one transaction and one audit record (a prefecture's address plan); all or nothing. */
  createMany(ctx: RequestContext, inputs: AttributionRuleInput[]): Promise<{ created: number }>;
  update(
    ctx: RequestContext,
    id: string,
    input: { value?: string; note?: string | null },
  ): Promise<AttributionRule>;
  remove(ctx: RequestContext, id: string): Promise<void>;
  /** The matcher over one prefecture's rules (empty when it has none). */
  matcherFor(prefectureId: string): AttributionMatcher;
  /** Reloads the rules when another process changed them. */
  refresh(): Promise<void>;
}

/** Checks and normalizes a rule value for its kind (4xx with a reason when invalid). */
export function normalizeRuleValue(kind: AttributionKind, value: string): string {
  const bad = (why: string): never => {
    throw new MamoriError('MAMORI_VALIDATION', { reason: `${kind} value ${JSON.stringify(value)}: ${why}` });
  };
  if (typeof value !== 'string' || value.trim() === '' || value.length > 300)
    return bad('required, ≤ 300 chars');
  switch (kind) {
    case 'cidr': {
      const c = parseCidr(value);
      return c ? c.text : bad('not an IPv4/IPv6 address or CIDR range');
    }
    case 'host':
    case 'domain': {
      const n = normalizeName(value);
      return n ?? bad('not a DNS name');
    }
    case 'mail_domain': {
      const n = normalizeName(value.replace(/^.*@/, ''));
      return n ?? bad('not a mail domain');
    }
    case 'device': {
      const v = value.trim().toLowerCase();
      return /^[\x21-\x7e]{1,200}$/.test(v) ? v : bad('printable ASCII without spaces, ≤ 200 chars');
    }
    default:
      return bad('unknown kind');
  }
}

type Row = {
  id: string;
  organization_id: string;
  prefecture_id: string;
  kind: string;
  value: string;
  note: string | null;
  created_at: string;
  updated_at: string;
};
const toRule = (r: Row): AttributionRule => ({
  id: r.id,
  organizationId: r.organization_id,
  prefectureId: r.prefecture_id,
  kind: r.kind as AttributionKind,
  value: r.value,
  note: r.note,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class AttributionServiceImpl implements AttributionService {
  private matchers = new Map<string, AttributionMatcher>();
  private readonly empty = new AttributionMatcher([]);
  private readonly watch: TableWatch;

  constructor(private readonly d: Deps) {
    this.watch = new TableWatch(d.db, 'soc_attribution_rules', () => this.reload());
  }

  async load(): Promise<void> {
    await this.watch.load();
  }

  async refresh(): Promise<void> {
    await this.watch.refresh();
  }

  private async reload(): Promise<void> {
    const rows = await this.d.db.kysely.selectFrom('soc_attribution_rules').selectAll().execute();
    const byPref = new Map<string, AttributionRule[]>();
    for (const r of rows) {
      const rule = toRule(r);
      const list = byPref.get(rule.prefectureId) ?? [];
      list.push(rule);
      byPref.set(rule.prefectureId, list);
    }
    this.matchers = new Map([...byPref].map(([p, rules]) => [p, new AttributionMatcher(rules)]));
  }

  matcherFor(prefectureId: string): AttributionMatcher {
    return this.matchers.get(prefectureId) ?? this.empty;
  }

  private async prefectureOf(orgId: string): Promise<string> {
    const org = await this.d.directory.get(orgId);
    if (!org) throw new MamoriError('MAMORI_ORG_NOT_FOUND');
    if (!org.prefectureCode) {
      throw new MamoriError('MAMORI_VALIDATION', {
        reason: 'attribution rules belong to organizations inside a prefecture',
      });
    }
    return orgIdForCode(prefectureLgCode(org.prefectureCode));
  }

  async list(
    ctx: RequestContext,
    query: { organizationId?: string; kind?: AttributionKind } = {},
  ): Promise<{ items: AttributionRule[] }> {
    await this.d.policy.assert(ctx.actor, 'org:read');
    if (query.kind !== undefined && !attributionKinds.includes(query.kind)) {
      throw new MamoriError('MAMORI_VALIDATION', {
        reason: `kind must be one of ${attributionKinds.join(', ')}`,
      });
    }
    const scope = await this.d.policy.scope(ctx.actor!, 'org:read');
    let q = this.d.db.kysely.selectFrom('soc_attribution_rules').selectAll();
    const cond = OrganizationServiceImpl.scopeCondition(scope, 'organization_id');
    if (cond) q = q.where(cond);
    if (query.organizationId) q = q.where('organization_id', '=', query.organizationId);
    if (query.kind) q = q.where('kind', '=', query.kind);
    const rows = await q.orderBy('organization_id').orderBy('kind').orderBy('value').limit(10000).execute();
    return { items: rows.map(toRule) };
  }

  private async assertRuleNotTaken(
    trx: Trx,
    prefectureId: string,
    kind: string,
    value: string,
    except?: string,
  ) {
    let q = trx
      .selectFrom('soc_attribution_rules')
      .select(['id', 'organization_id'])
      .where('prefecture_id', '=', prefectureId)
      .where('kind', '=', kind)
      .where('value', '=', value);
    if (except) q = q.where('id', '!=', except);
    const hit = await q.executeTakeFirst();
    if (hit) {
      throw new MamoriError('MAMORI_CONFLICT', {
        reason: `${kind} ${value} is already attributed to ${hit.organization_id}`,
      });
    }
  }

  async create(ctx: RequestContext, input: AttributionRuleInput): Promise<AttributionRule> {
    const rule = await this.d.mutate(ctx, 'soc.attribution.create', async (trx, note) => {
      note.target = input?.organizationId ?? null;
      note.organizationId = input?.organizationId ?? null;
      if (!input || typeof input.organizationId !== 'string') {
        throw new MamoriError('MAMORI_VALIDATION', { reason: 'organizationId is required' });
      }
      if (!attributionKinds.includes(input.kind)) {
        throw new MamoriError('MAMORI_VALIDATION', {
          reason: `kind must be one of ${attributionKinds.join(', ')}`,
        });
      }
      await this.d.policy.assert(ctx.actor, 'org:write', { organizationId: input.organizationId });
      const value = normalizeRuleValue(input.kind, input.value);
      const prefectureId = await this.prefectureOf(input.organizationId);
      await this.assertRuleNotTaken(trx, prefectureId, input.kind, value);
      const now = this.d.now().toISOString();
      const row: Row = {
        id: newId('ar'),
        organization_id: input.organizationId,
        prefecture_id: prefectureId,
        kind: input.kind,
        value,
        note: input.note ? String(input.note).slice(0, 500) : null,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('soc_attribution_rules').values(row).execute();
      note.target = row.id;
      note.details = { kind: row.kind, value: row.value };
      return toRule(row);
    });
    await this.load();
    return rule;
  }

  async createMany(ctx: RequestContext, inputs: AttributionRuleInput[]): Promise<{ created: number }> {
    const result = await this.d.mutate(ctx, 'soc.attribution.import', async (trx, note) => {
      if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > 100_000) {
        throw new MamoriError('MAMORI_VALIDATION', { reason: 'between 1 and 100,000 rules' });
      }
      const prefOf = new Map<string, string>();
      for (const orgId of new Set(inputs.map((i) => i?.organizationId))) {
        if (typeof orgId !== 'string') {
          throw new MamoriError('MAMORI_VALIDATION', { reason: 'organizationId is required' });
        }
        await this.d.policy.assert(ctx.actor, 'org:write', { organizationId: orgId });
        prefOf.set(orgId, await this.prefectureOf(orgId));
      }
      const now = this.d.now().toISOString();
      const seen = new Set<string>();
      const rows: Row[] = inputs.map((input, i) => {
        if (!attributionKinds.includes(input.kind)) {
          throw new MamoriError('MAMORI_VALIDATION', { reason: `rule ${i + 1}: unknown kind` });
        }
        const value = normalizeRuleValue(input.kind, input.value);
        const prefectureId = prefOf.get(input.organizationId)!;
        const key = `${prefectureId}\x01${input.kind}\x01${value}`;
        if (seen.has(key)) {
          throw new MamoriError('MAMORI_CONFLICT', { reason: `rule ${i + 1}: ${input.kind} ${value} twice` });
        }
        seen.add(key);
        return {
          id: newId('ar'),
          organization_id: input.organizationId,
          prefecture_id: prefectureId,
          kind: input.kind,
          value,
          note: input.note ? String(input.note).slice(0, 500) : null,
          created_at: now,
          updated_at: now,
        };
      });
      const existing = await trx
        .selectFrom('soc_attribution_rules')
        .select(['prefecture_id', 'kind', 'value'])
        .where('prefecture_id', 'in', [...new Set(prefOf.values())])
        .execute();
      for (const e of existing) {
        if (seen.has(`${e.prefecture_id}\x01${e.kind}\x01${e.value}`)) {
          throw new MamoriError('MAMORI_CONFLICT', { reason: `${e.kind} ${e.value} is already attributed` });
        }
      }
      for (let i = 0; i < rows.length; i += 500) {
        await trx
          .insertInto('soc_attribution_rules')
          .values(rows.slice(i, i + 500))
          .execute();
      }
      note.details = { rules: rows.length, organizations: prefOf.size };
      return { created: rows.length };
    });
    await this.load();
    return result;
  }

  private async get(trx: Trx, id: string): Promise<Row> {
    const r = await trx
      .selectFrom('soc_attribution_rules')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r) throw new MamoriError('MAMORI_NOT_FOUND');
    return r;
  }

  async update(
    ctx: RequestContext,
    id: string,
    input: { value?: string; note?: string | null },
  ): Promise<AttributionRule> {
    const rule = await this.d.mutate(ctx, 'soc.attribution.update', async (trx, note) => {
      note.target = id;
      const cur = await this.get(trx, id);
      note.organizationId = cur.organization_id;
      await this.d.policy.assert(ctx.actor, 'org:write', { organizationId: cur.organization_id });
      const value =
        input.value !== undefined ? normalizeRuleValue(cur.kind as AttributionKind, input.value) : cur.value;
      if (value !== cur.value) await this.assertRuleNotTaken(trx, cur.prefecture_id, cur.kind, value, id);
      const next: Row = {
        ...cur,
        value,
        note: input.note === undefined ? cur.note : input.note ? String(input.note).slice(0, 500) : null,
        updated_at: this.d.now().toISOString(),
      };
      await trx
        .updateTable('soc_attribution_rules')
        .set({ value: next.value, note: next.note, updated_at: next.updated_at })
        .where('id', '=', id)
        .execute();
      note.details = { kind: cur.kind, from: cur.value, to: value };
      return toRule(next);
    });
    await this.load();
    return rule;
  }

  async remove(ctx: RequestContext, id: string): Promise<void> {
    await this.d.mutate(ctx, 'soc.attribution.delete', async (trx, note) => {
      note.target = id;
      const cur = await this.get(trx, id);
      note.organizationId = cur.organization_id;
      await this.d.policy.assert(ctx.actor, 'org:write', { organizationId: cur.organization_id });
      await trx.deleteFrom('soc_attribution_rules').where('id', '=', id).execute();
      note.details = { kind: cur.kind, value: cur.value };
    });
    await this.load();
  }
}
