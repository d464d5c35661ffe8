// Organizations: the state, the 47 prefectures, the 1,741 municipalities (+ wards as sub-units) from core's code
// list, and bodies an administrator registers. Ids of official organizations derive from their code
// (lg<code>; the state, which has no code, is lg000000) so loading is idempotent and ids sort in code order.
import {
  MamoriError,
  REGISTERABLE_KINDS,
  STATE,
  isOrgKind,
  loadLgRecords,
  searchKey,
  type OrgKind,
} from '@mamori/core';
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db, OrganizationsTable } from '@mamori/store';
import type { Deps } from '../context.js';
import type {
  CreateOrganizationInput,
  Organization,
  OrganizationDetail,
  OrganizationQuery,
  OrganizationService,
  OrgLoadResult,
  Page,
  RequestContext,
} from '../types.js';
import {
  decodeCursor,
  iso,
  likeContains,
  likePrefix,
  newId,
  pageLimit,
  requireString,
  toPage,
} from '../util.js';
import type { Scope } from '../policy/policy.js';

export const STATE_ORG_ID = 'lg000000';
export const orgIdForCode = (code: string): string => `lg${code}`;

type OrgRow = OrganizationsTable & { child_count: number | string };

function toOrg(r: OrgRow): Organization {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    nameKana: r.name_kana,
    kind: r.kind as OrgKind,
    parentId: r.parent_id,
    prefectureCode: r.prefecture_code,
    childCount: Number(r.child_count),
  };
}

const compared = [
  'code',
  'name',
  'name_kana',
  'name_en',
  'kind',
  'parent_id',
  'prefecture_code',
  'search_key',
] as const;

/** Official rows not in the table yet, and rows whose stored values differ. */
async function diffOfficial(
  exec: Db,
  rows: OrganizationsTable[],
): Promise<{ fresh: OrganizationsTable[]; changed: OrganizationsTable[] }> {
  const existing = new Map(
    (
      await exec
        .selectFrom('organizations')
        .selectAll()
        .where((eb) => eb.or([eb('code', 'is not', null), eb('id', '=', STATE_ORG_ID)]))
        .execute()
    ).map((r) => [r.id, r]),
  );
  const fresh: OrganizationsTable[] = [];
  const changed: OrganizationsTable[] = [];
  for (const row of rows) {
    const old = existing.get(row.id);
    if (!old) fresh.push(row);
    else if (compared.some((f) => old[f] !== row[f])) changed.push(row);
  }
  return { fresh, changed };
}

export class OrganizationServiceImpl implements OrganizationService {
  constructor(private readonly d: Deps) {}

  private base() {
    return this.d.db.kysely
      .selectFrom('organizations as o')
      .selectAll('o')
      .select((eb) =>
        eb
          .selectFrom('organizations as c')
          .select((e) => e.fn.countAll().as('n'))
          .whereRef('c.parent_id', '=', 'o.id')
          .as('child_count'),
      );
  }

  /** SQL condition restricting o.id to a scope. */
  static scopeCondition(scope: Scope, column: string): Expression<SqlBool> | null {
    if (scope === 'all') return null;
    if ('prefectureCode' in scope) {
      return sql<SqlBool>`${sql.ref(column)} in (select id from organizations where prefecture_code = ${scope.prefectureCode})`;
    }
    if (scope.orgIds.length === 0) return sql<SqlBool>`1 = 0`;
    return sql<SqlBool>`${sql.ref(column)} in (${sql.join(scope.orgIds)})`;
  }

  async list(ctx: RequestContext, query: OrganizationQuery = {}): Promise<Page<Organization>> {
    await this.d.policy.assert(ctx.actor, 'org:read');
    const limit = pageLimit(query);
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = this.base();
    const scope = await this.d.policy.scope(ctx.actor!, 'org:read');
    const cond = OrganizationServiceImpl.scopeCondition(scope, 'o.id');
    if (cond) q = q.where(cond);
    if (query.kind !== undefined) {
      if (!isOrgKind(query.kind))
        throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown kind ${query.kind}` });
      q = q.where('o.kind', '=', query.kind);
    }
    if (query.parentId !== undefined) q = q.where('o.parent_id', '=', query.parentId);
    if (!query.includeWards && query.kind !== 'ward' && query.parentId === undefined)
      q = q.where('o.kind', '<>', 'ward');
    if (query.q !== undefined && query.q.trim() !== '') {
      const key = searchKey(query.q);
      if (key.length > 100) throw new MamoriError('MAMORI_VALIDATION', { reason: 'q is too long' });
      if (/^\d+$/.test(key)) {
        q = q.where(sql<SqlBool>`o.code like ${likePrefix(key)} escape '\\'`);
      } else {
        q = q.where(sql<SqlBool>`o.search_key like ${likeContains(key)} escape '\\'`);
      }
    }
    if (after !== null) q = q.where('o.id', '>', after);
    const rows = (await q
      .orderBy('o.id')
      .limit(limit + 1)
      .execute()) as OrgRow[];
    return toPage(rows, limit, toOrg, (r) => r.id);
  }

  private async row(id: string): Promise<OrgRow | undefined> {
    return (await this.base().where('o.id', '=', id).executeTakeFirst()) as OrgRow | undefined;
  }

  async get(ctx: RequestContext, id: string): Promise<OrganizationDetail> {
    await this.d.policy.assert(ctx.actor, 'org:read');
    const r = await this.row(id);
    // Out of scope looks the same as absent: another tenant's existence is not disclosed by id probing.
    if (!r || !(await this.d.policy.can(ctx.actor, 'org:read', { organizationId: r.id }))) {
      throw new MamoriError('MAMORI_ORG_NOT_FOUND');
    }
    const path: Organization[] = [];
    let parentId = r.parent_id;
    while (parentId !== null && path.length < 10) {
      const p = await this.row(parentId);
      if (!p) break;
      path.unshift(toOrg(p));
      parentId = p.parent_id;
    }
    const users = await this.d.db.kysely
      .selectFrom('users')
      .select((e) => e.fn.countAll().as('n'))
      .where('organization_id', '=', r.id)
      .executeTakeFirstOrThrow();
    return { ...toOrg(r), parent: path.at(-1) ?? null, path, userCount: Number(users.n) };
  }

  async find(ctx: RequestContext, idOrCode: string): Promise<OrganizationDetail> {
    if (/^\d{6}$/.test(idOrCode)) return this.get(ctx, orgIdForCode(idOrCode));
    if (/^\d{5}$/.test(idOrCode)) {
      const r = await this.d.db.kysely
        .selectFrom('organizations')
        .select('id')
        .where('code', 'like', `${idOrCode}_`)
        .executeTakeFirst();
      if (r) return this.get(ctx, r.id);
    }
    return this.get(ctx, idOrCode);
  }

  async children(ctx: RequestContext, id: string): Promise<{ items: Organization[] }> {
    await this.get(ctx, id);
    const scope = await this.d.policy.scope(ctx.actor!, 'org:read');
    let q = this.base().where('o.parent_id', '=', id);
    const cond = OrganizationServiceImpl.scopeCondition(scope, 'o.id');
    if (cond) q = q.where(cond);
    const rows = (await q.orderBy('o.id').execute()) as OrgRow[];
    return { items: rows.map(toOrg) };
  }

  async create(ctx: RequestContext, input: CreateOrganizationInput): Promise<Organization> {
    return this.d.mutate(ctx, 'org.create', async (trx, note) => {
      note.organizationId = typeof input?.parentId === 'string' ? input.parentId : null;
      note.details = { name: input?.name, kind: input?.kind };
      this.d.policy.assertHuman(ctx.actor);
      const name = requireString(input.name, 'name');
      const nameKana = requireString(input.nameKana, 'nameKana');
      if (!REGISTERABLE_KINDS.includes(input.kind as OrgKind)) {
        throw new MamoriError('MAMORI_VALIDATION', {
          reason: `kind must be one of ${REGISTERABLE_KINDS.join(', ')}`,
        });
      }
      const parentId = requireString(input.parentId, 'parentId');
      await this.d.policy.assert(ctx.actor, 'org:write', { organizationId: parentId });
      const parent = await trx
        .selectFrom('organizations')
        .selectAll()
        .where('id', '=', parentId)
        .executeTakeFirst();
      if (!parent) throw new MamoriError('MAMORI_ORG_NOT_FOUND');
      if (parent.kind === 'ward') {
        throw new MamoriError('MAMORI_VALIDATION', { reason: 'a ward cannot have bodies under it' });
      }
      const now = iso(this.d.now());
      const row: OrganizationsTable = {
        id: newId('ob'),
        code: null,
        name,
        name_kana: nameKana,
        name_en: null,
        kind: input.kind,
        parent_id: parent.id,
        prefecture_code: parent.prefecture_code,
        search_key: `${searchKey(name)} ${searchKey(nameKana)}`,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('organizations').values(row).execute();
      note.target = row.id;
      this.d.directory.note({
        id: row.id,
        kind: row.kind as OrgKind,
        parentId: row.parent_id,
        prefectureCode: row.prefecture_code,
      });
      return toOrg({ ...row, child_count: 0 });
    });
  }

  async loadOfficial(ctx: RequestContext): Promise<OrgLoadResult> {
    const started = performance.now();
    const records = loadLgRecords();
    const now = iso(this.d.now());
    const rows: OrganizationsTable[] = [
      {
        id: STATE_ORG_ID,
        code: null,
        name: STATE.name,
        name_kana: STATE.nameKana,
        name_en: STATE.nameEn,
        kind: 'state',
        parent_id: null,
        prefecture_code: null,
        search_key: `${searchKey(STATE.name)} ${searchKey(STATE.nameKana)} ${searchKey(STATE.nameEn)}`,
        created_at: now,
        updated_at: now,
      },
    ];
    // Parents before children: prefectures, municipalities, then wards.
    const order: Record<string, number> = { prefecture: 0, ward: 2 };
    const sorted = [...records].sort((a, b) => (order[a.kind] ?? 1) - (order[b.kind] ?? 1));
    for (const r of sorted) {
      rows.push({
        id: orgIdForCode(r.code),
        code: r.code,
        name: r.name,
        name_kana: r.nameKana,
        name_en: null,
        kind: r.kind,
        parent_id: r.parentCode === null ? STATE_ORG_ID : orgIdForCode(r.parentCode),
        prefecture_code: r.prefectureCode,
        search_key: `${searchKey(r.name)} ${searchKey(r.nameKana)}`,
        created_at: now,
        updated_at: now,
      });
    }
    // Nothing to change (the usual `npm start`): no transaction and no audit record.
    await this.d.policy.assertNationwide(ctx.actor, 'org:write');
    const before = await diffOfficial(this.d.db.kysely, rows);
    if (before.fresh.length === 0 && before.changed.length === 0) {
      const wards = rows.filter((r) => r.kind === 'ward').length;
      return {
        inserted: 0,
        updated: 0,
        total: rows.length,
        governments: rows.length - wards - 1,
        wards,
        ms: Math.round(performance.now() - started),
      };
    }
    const result = await this.d.mutate(ctx, 'org.load_official', async (trx, note) => {
      await this.d.policy.assertNationwide(ctx.actor, 'org:write');
      const { fresh, changed } = await diffOfficial(trx, rows);
      for (const row of changed) {
        const { id, created_at: _c, ...rest } = row;
        await trx.updateTable('organizations').set(rest).where('id', '=', id).execute();
      }
      const updated = changed.length;
      // 11 columns a row: 200 rows stay well below SQLite's and PostgreSQL's bound-parameter limits.
      for (let i = 0; i < fresh.length; i += 200) {
        await trx
          .insertInto('organizations')
          .values(fresh.slice(i, i + 200))
          .execute();
      }
      const wards = rows.filter((r) => r.kind === 'ward').length;
      const out = {
        inserted: fresh.length,
        updated,
        total: rows.length,
        governments: rows.length - wards - 1,
        wards,
      };
      note.target = 'organizations';
      note.details = out;
      return out;
    });
    this.d.directory.invalidate();
    return { ...result, ms: Math.round(performance.now() - started) };
  }
}
