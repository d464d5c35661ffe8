// Scope registry: roots with their ownership verification, exclusions, scan windows and rate limits per
// organization, the global stop switch, and the refusals the guard logged. The scanner's guard is built from
// VERIFIED roots only (orgScopeFor).
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import { MamoriError } from '@mamori/core';
import { CHALLENGE_LABEL, normalizeTarget, type OrgScope, type ScopeRoot } from '@mamori/asm';
import type { Db, Trx } from '@mamori/store';
import type { Deps } from '../../context.js';
import { STATE_ORG_ID } from '../../orgs/service.js';
import type { Page, PageQuery, RequestContext } from '../../types.js';
import { decodeCursor, iso, newId, pageLimit, toPage } from '../../util.js';
import { actorName, checkPortSpec, invalid, json, notFound, orgIdsIn } from '../common.js';
import type {
  AddRootInput,
  AsmExclusion,
  AsmOrgSettings,
  AsmRefusal,
  AsmRootKind,
  AsmScanWindow,
  AsmScope,
  AsmScopeRoot,
  AsmScopeService,
  AsmStopState,
} from '../types.js';

/** Looks TXT records up (the injectable resolver: a DNS client towards the configured server in production). */
export type TxtLookup = (name: string) => Promise<string[]>;

export const DEFAULT_SETTINGS: Omit<AsmOrgSettings, 'organizationId'> = {
  windows: [],
  ratePerSecond: 50,
  concurrency: 32,
  ports: 'top1000',
};

type RootRow = {
  id: string;
  organization_id: string;
  kind: string;
  value: string;
  verification_method: string;
  verification_state: string;
  verification_token: string | null;
  attested_by: string | null;
  verified_at: string | null;
  last_checked_at: string | null;
  last_error: string | null;
  note: string | null;
  created_at: string;
};

export function rootFromRow(r: RootRow): AsmScopeRoot {
  const dnsTxt = r.verification_method === 'dns-txt' && r.kind !== 'cidr';
  return {
    id: r.id,
    organizationId: r.organization_id,
    kind: r.kind as AsmRootKind,
    value: r.value,
    verificationMethod: r.verification_method as AsmScopeRoot['verificationMethod'],
    verificationState: r.verification_state as AsmScopeRoot['verificationState'],
    verificationToken: dnsTxt ? r.verification_token : null,
    challengeName: dnsTxt ? `${CHALLENGE_LABEL}.${r.value}` : null,
    attestedBy: r.attested_by,
    verifiedAt: r.verified_at,
    lastCheckedAt: r.last_checked_at,
    lastError: r.last_error,
    note: r.note,
    createdAt: r.created_at,
  };
}

function normalizeRoot(kind: AsmRootKind, value: string): string {
  const v = value.trim().toLowerCase();
  if (kind === 'cidr') {
    const [net, p] = v.split('/');
    const fam = isIP(net ?? '');
    const max = fam === 4 ? 32 : 128;
    const prefix = Number(p);
    if (
      !fam ||
      p === undefined ||
      !Number.isInteger(prefix) ||
      prefix < (fam === 4 ? 16 : 48) ||
      prefix > max
    )
      throw invalid(`a CIDR root is an IPv4 range of /16 or smaller (IPv6 /48 or smaller): "${value}"`);
    return `${net}/${prefix}`;
  }
  const n = normalizeTarget(v);
  if (n === null || n.includes('/')) throw invalid(`not a host name or address: "${value}"`);
  if (kind === 'domain' && (isIP(n) || !n.includes('.')))
    throw invalid(`a domain root is a DNS name with at least two labels: "${value}"`);
  return n;
}

function validateWindows(ws: unknown): AsmScanWindow[] {
  if (!Array.isArray(ws)) throw invalid('windows must be a list');
  return ws.map((w: AsmScanWindow) => {
    const ok =
      Array.isArray(w?.days) &&
      w.days.every((d) => Number.isInteger(d) && d >= 0 && d <= 6) &&
      Number.isInteger(w.startHour) &&
      w.startHour >= 0 &&
      w.startHour <= 23 &&
      Number.isInteger(w.endHour) &&
      w.endHour >= 0 &&
      w.endHour <= 24 &&
      (w.utcOffsetMinutes === undefined ||
        (Number.isInteger(w.utcOffsetMinutes) && Math.abs(w.utcOffsetMinutes) <= 14 * 60));
    if (!ok) throw invalid('a window has days 0–6, startHour 0–23, endHour 0–24, utcOffsetMinutes ±840');
    return {
      days: [...new Set(w.days)].sort(),
      startHour: w.startHour,
      endHour: w.endHour,
      ...(w.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: w.utcOffsetMinutes } : {}),
    };
  });
}

export async function loadSettings(db: Db | Trx, orgId: string): Promise<AsmOrgSettings> {
  const r = await db
    .selectFrom('asm_settings')
    .selectAll()
    .where('organization_id', '=', orgId)
    .executeTakeFirst();
  if (!r) return { organizationId: orgId, ...DEFAULT_SETTINGS };
  return {
    organizationId: orgId,
    windows: json<AsmScanWindow[]>(r.windows, []),
    ratePerSecond: r.rate_per_second,
    concurrency: r.concurrency,
    ports: r.ports,
  };
}

/** The guard's view of an organization: verified roots only, its exclusions, windows and rate. */
export async function orgScopeFor(db: Db | Trx, orgId: string): Promise<OrgScope> {
  const roots = await db
    .selectFrom('asm_roots')
    .selectAll()
    .where('organization_id', '=', orgId)
    .where('verification_state', '=', 'verified')
    .execute();
  const exclusions = await db
    .selectFrom('asm_exclusions')
    .select('value')
    .where('organization_id', '=', orgId)
    .execute();
  const s = await loadSettings(db, orgId);
  return {
    org: orgId,
    roots: roots.map((r): ScopeRoot => ({
      kind: r.kind as ScopeRoot['kind'],
      value: r.value,
      verification: {
        method: r.verification_method as 'dns-txt' | 'attestation',
        state: 'verified',
        ...(r.attested_by ? { attestedBy: r.attested_by } : {}),
        ...(r.verified_at ? { at: r.verified_at } : {}),
      },
    })),
    exclusions: exclusions.map((e) => e.value),
    ...(s.windows.length > 0 ? { windows: s.windows } : {}),
    rate: { perSecond: s.ratePerSecond, concurrency: s.concurrency },
  };
}

export async function readStop(db: Db | Trx): Promise<AsmStopState> {
  const r = await db.selectFrom('asm_control').selectAll().where('id', '=', 'global').executeTakeFirst();
  return {
    stopped: (r?.stopped ?? 0) === 1,
    reason: r?.reason ?? null,
    by: r?.stopped_by ?? null,
    at: r?.at ?? null,
  };
}

export class AsmScopeServiceImpl implements AsmScopeService {
  constructor(
    private readonly deps: Deps,
    private readonly txt: TxtLookup,
  ) {}

  private async org(orgId: string): Promise<void> {
    if (!(await this.deps.directory.get(orgId))) throw new MamoriError('MAMORI_ORG_NOT_FOUND');
  }

  /** Inside a transaction pass `trx`: SQLite has one connection, a read beside the transaction would wait. */
  private async rootRow(id: string, db: Db | Trx = this.deps.db.kysely): Promise<RootRow> {
    const r = await db.selectFrom('asm_roots').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('asm root');
    return r;
  }

  async get(ctx: RequestContext, organizationId: string): Promise<AsmScope> {
    await this.deps.policy.assert(ctx.actor, 'asm:read', { organizationId });
    await this.org(organizationId);
    const db = this.deps.db.kysely;
    const roots = await db
      .selectFrom('asm_roots')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const ex = await db
      .selectFrom('asm_exclusions')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('created_at')
      .execute();
    return {
      organizationId,
      roots: roots.map(rootFromRow),
      exclusions: ex.map((e) => ({
        id: e.id,
        organizationId: e.organization_id,
        value: e.value,
        reason: e.reason,
        createdAt: e.created_at,
      })),
      settings: await loadSettings(db, organizationId),
    };
  }

  async addRoot(ctx: RequestContext, input: AddRootInput): Promise<AsmScopeRoot> {
    return this.deps.mutate(ctx, 'asm.scope.root.add', async (trx, note) => {
      note.organizationId = input.organizationId;
      await this.deps.policy.assert(ctx.actor, 'asm:manage', { organizationId: input.organizationId });
      await this.org(input.organizationId);
      if (!['domain', 'cidr', 'host'].includes(input.kind)) throw invalid('kind is domain, cidr or host');
      const value = normalizeRoot(input.kind, input.value);
      const method =
        input.verificationMethod ?? (input.kind === 'cidr' || isIP(value) ? 'attestation' : 'dns-txt');
      if (method !== 'dns-txt' && method !== 'attestation')
        throw invalid('verificationMethod is dns-txt or attestation');
      if (method === 'dns-txt' && (input.kind === 'cidr' || isIP(value)))
        throw invalid('address ranges and addresses are verified by administrator attestation');
      const dup = await trx
        .selectFrom('asm_roots')
        .select('id')
        .where('organization_id', '=', input.organizationId)
        .where('kind', '=', input.kind)
        .where('value', '=', value)
        .executeTakeFirst();
      if (dup) throw new MamoriError('MAMORI_CONFLICT', { reason: `root ${value} is already registered` });
      const row: RootRow = {
        id: newId('asr'),
        organization_id: input.organizationId,
        kind: input.kind,
        value,
        verification_method: method,
        verification_state: 'pending',
        verification_token: method === 'dns-txt' ? randomBytes(18).toString('base64url') : null,
        attested_by: null,
        verified_at: null,
        last_checked_at: null,
        last_error: null,
        note: input.note?.trim().slice(0, 500) || null,
        created_at: iso(this.deps.now()),
      };
      await trx.insertInto('asm_roots').values(row).execute();
      note.target = row.id;
      note.details = { kind: row.kind, value, method };
      return rootFromRow(row);
    });
  }

  async removeRoot(ctx: RequestContext, rootId: string): Promise<void> {
    await this.deps.mutate(ctx, 'asm.scope.root.remove', async (trx, note) => {
      note.target = rootId;
      const r = await this.rootRow(rootId, trx);
      note.organizationId = r.organization_id;
      await this.deps.policy.assert(ctx.actor, 'asm:manage', { organizationId: r.organization_id });
      await trx.deleteFrom('asm_roots').where('id', '=', rootId).execute();
      note.details = { value: r.value };
    });
  }

  async verifyRoot(ctx: RequestContext, rootId: string): Promise<AsmScopeRoot> {
    const r = await this.rootRow(rootId);
    await this.deps.policy.assert(ctx.actor, 'asm:manage', { organizationId: r.organization_id });
    if (r.verification_method !== 'dns-txt' || !r.verification_token)
      throw invalid('this root is verified by administrator attestation, not DNS');
    // The lookup happens outside the transaction: a slow DNS server must not hold a database lock.
    let records: string[] = [];
    let error: string | null = null;
    try {
      records = await this.txt(`${CHALLENGE_LABEL}.${r.value}`);
    } catch (err) {
      error = `TXT lookup failed: ${err instanceof Error ? err.message : String(err)}`;
    }
    const expected = `mamori-verification=${r.verification_token}`;
    const ok = records.some((t) => t.trim() === expected);
    if (!ok && !error) error = `TXT ${CHALLENGE_LABEL}.${r.value} does not hold the token`;
    return this.deps.mutate(ctx, 'asm.scope.root.verify', async (trx, note) => {
      note.target = rootId;
      note.organizationId = r.organization_id;
      note.details = { value: r.value, method: 'dns-txt', verified: ok };
      const t = iso(this.deps.now());
      await trx
        .updateTable('asm_roots')
        .set({
          verification_state: ok ? 'verified' : 'failed',
          verified_at: ok ? t : null,
          last_checked_at: t,
          last_error: ok ? null : error,
        })
        .where('id', '=', rootId)
        .execute();
      return rootFromRow(
        await trx.selectFrom('asm_roots').selectAll().where('id', '=', rootId).executeTakeFirstOrThrow(),
      );
    });
  }

  async attestRoot(ctx: RequestContext, rootId: string, input: { statement: string }): Promise<AsmScopeRoot> {
    return this.deps.mutate(ctx, 'asm.scope.root.attest', async (trx, note) => {
      note.target = rootId;
      const r = await this.rootRow(rootId, trx);
      note.organizationId = r.organization_id;
      await this.deps.policy.assert(ctx.actor, 'asm:attest', { organizationId: r.organization_id });
      const statement = input.statement?.trim();
      if (!statement) throw invalid('an attestation needs a statement (who confirmed ownership, how)');
      const by = actorName(ctx) ?? 'unknown';
      const t = iso(this.deps.now());
      await trx
        .updateTable('asm_roots')
        .set({
          verification_method: 'attestation',
          verification_state: 'verified',
          attested_by: by,
          verified_at: t,
          last_checked_at: t,
          last_error: null,
          note: statement.slice(0, 500),
        })
        .where('id', '=', rootId)
        .execute();
      note.details = { value: r.value, method: 'attestation', statement: statement.slice(0, 500) };
      return rootFromRow(
        await trx.selectFrom('asm_roots').selectAll().where('id', '=', rootId).executeTakeFirstOrThrow(),
      );
    });
  }

  async addExclusion(
    ctx: RequestContext,
    input: { organizationId: string; value: string; reason?: string },
  ): Promise<AsmExclusion> {
    return this.deps.mutate(ctx, 'asm.scope.exclusion.add', async (trx, note) => {
      note.organizationId = input.organizationId;
      await this.deps.policy.assert(ctx.actor, 'asm:manage', { organizationId: input.organizationId });
      await this.org(input.organizationId);
      const raw = String(input.value ?? '')
        .trim()
        .toLowerCase();
      const value = raw.includes('/') ? normalizeRoot('cidr', raw) : normalizeRoot('host', raw);
      const row = {
        id: newId('asx'),
        organization_id: input.organizationId,
        value,
        reason: input.reason?.trim().slice(0, 500) || null,
        created_at: iso(this.deps.now()),
      };
      await trx.insertInto('asm_exclusions').values(row).execute();
      note.target = row.id;
      note.details = { value };
      return {
        id: row.id,
        organizationId: row.organization_id,
        value,
        reason: row.reason,
        createdAt: row.created_at,
      };
    });
  }

  async removeExclusion(ctx: RequestContext, exclusionId: string): Promise<void> {
    await this.deps.mutate(ctx, 'asm.scope.exclusion.remove', async (trx, note) => {
      note.target = exclusionId;
      const r = await trx
        .selectFrom('asm_exclusions')
        .selectAll()
        .where('id', '=', exclusionId)
        .executeTakeFirst();
      if (!r) throw notFound('asm exclusion');
      note.organizationId = r.organization_id;
      await this.deps.policy.assert(ctx.actor, 'asm:manage', { organizationId: r.organization_id });
      await trx.deleteFrom('asm_exclusions').where('id', '=', exclusionId).execute();
    });
  }

  async updateSettings(
    ctx: RequestContext,
    organizationId: string,
    input: Partial<Omit<AsmOrgSettings, 'organizationId'>>,
  ): Promise<AsmOrgSettings> {
    return this.deps.mutate(ctx, 'asm.scope.settings', async (trx, note) => {
      note.organizationId = organizationId;
      note.target = organizationId;
      await this.deps.policy.assert(ctx.actor, 'asm:manage', { organizationId });
      await this.org(organizationId);
      const cur = await loadSettings(trx, organizationId);
      const next: AsmOrgSettings = { ...cur };
      if (input.windows !== undefined) next.windows = validateWindows(input.windows);
      if (input.ratePerSecond !== undefined) {
        if (!Number.isInteger(input.ratePerSecond) || input.ratePerSecond < 1 || input.ratePerSecond > 10000)
          throw invalid('ratePerSecond is an integer from 1 to 10000');
        next.ratePerSecond = input.ratePerSecond;
      }
      if (input.concurrency !== undefined) {
        if (!Number.isInteger(input.concurrency) || input.concurrency < 1 || input.concurrency > 1024)
          throw invalid('concurrency is an integer from 1 to 1024');
        next.concurrency = input.concurrency;
      }
      if (input.ports !== undefined) next.ports = checkPortSpec(input.ports);
      const row = {
        organization_id: organizationId,
        windows: JSON.stringify(next.windows),
        rate_per_second: next.ratePerSecond,
        concurrency: next.concurrency,
        ports: next.ports,
        updated_at: iso(this.deps.now()),
      };
      await trx.deleteFrom('asm_settings').where('organization_id', '=', organizationId).execute();
      await trx.insertInto('asm_settings').values(row).execute();
      note.details = { ...input };
      return next;
    });
  }

  async refusals(
    ctx: RequestContext,
    query: PageQuery & { organizationId?: string; scanId?: string } = {},
  ): Promise<Page<AsmRefusal>> {
    if (!ctx.actor) throw new MamoriError('MAMORI_UNAUTHENTICATED');
    // Without the permission the answer is a refusal, not an empty page.
    await this.deps.policy.assert(ctx.actor, 'asm:read');
    const scope = await this.deps.policy.scope(ctx.actor, 'asm:read');
    const limit = pageLimit(query);
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = this.deps.db.kysely.selectFrom('asm_refusals').selectAll();
    if (query.organizationId) {
      await this.deps.policy.assert(ctx.actor, 'asm:read', { organizationId: query.organizationId });
      q = q.where('organization_id', '=', query.organizationId);
    } else if (scope !== 'all') {
      const ids = await orgIdsIn(this.deps.db.kysely, scope);
      if (ids !== 'all') q = q.where('organization_id', 'in', ids.length ? ids : ['-']);
    }
    if (query.scanId) q = q.where('scan_id', '=', query.scanId);
    if (after) q = q.where('id', '<', after);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(
      rows,
      limit,
      (r) => ({
        id: r.id,
        organizationId: r.organization_id,
        scanId: r.scan_id,
        target: r.target,
        port: r.port,
        reason: r.reason,
        at: r.at,
      }),
      (r) => r.id,
    );
  }

  async stopState(ctx: RequestContext): Promise<AsmStopState> {
    await this.deps.policy.assert(ctx.actor, 'asm:read');
    return readStop(this.deps.db.kysely);
  }

  async setStop(ctx: RequestContext, input: { stopped: boolean; reason?: string }): Promise<AsmStopState> {
    return this.deps.mutate(ctx, input.stopped ? 'asm.stop' : 'asm.resume', async (trx, note) => {
      note.organizationId = STATE_ORG_ID;
      // Stopping everything is a state decision: asm:manage over the state organization.
      await this.deps.policy.assert(ctx.actor, 'asm:manage', { organizationId: STATE_ORG_ID });
      if (typeof input.stopped !== 'boolean') throw invalid('stopped is true or false');
      const reason = input.reason?.trim().slice(0, 500) || null;
      if (input.stopped && !reason) throw invalid('stopping all scans needs a reason');
      const row = {
        id: 'global',
        stopped: input.stopped ? 1 : 0,
        reason,
        stopped_by: actorName(ctx),
        at: iso(this.deps.now()),
      };
      await trx.deleteFrom('asm_control').where('id', '=', 'global').execute();
      await trx.insertInto('asm_control').values(row).execute();
      note.details = { reason };
      return { stopped: input.stopped, reason, by: row.stopped_by, at: row.at };
    });
  }
}

/** Refusals of one scan, kept (the guard's log). */
export async function storeRefusals(
  trx: Trx,
  scanId: string,
  orgId: string,
  refusals: Array<{ at: string; org: string | null; target: string; port?: number; reason: string }>,
): Promise<void> {
  for (const r of refusals.slice(0, 1000)) {
    await trx
      .insertInto('asm_refusals')
      .values({
        id: `${newIdSortable(r.at)}`,
        organization_id: r.org ?? orgId,
        scan_id: scanId,
        target: r.target.slice(0, 300),
        port: r.port ?? null,
        reason: r.reason.slice(0, 500),
        at: r.at,
      })
      .execute();
  }
}

/** Ids that sort by time (refusals page newest first by id). */
export function newIdSortable(at: string): string {
  return `arf_${new Date(at).getTime().toString(36).padStart(9, '0')}_${randomBytes(6).toString('hex')}`;
}
