// platform.asm: assets, findings and their lifecycle, scan runs, schedules, dashboards and report data.
// Reads filter by the policy scope (asm:read); writes go through Deps.mutate (one transaction with the audit record).
import { LOCAL_GOVERNMENT_KINDS, MamoriError, severityRank, type Severity } from '@mamori/core';
import { FindingStatusError, riskScore as engineRisk, setStatus, type Finding } from '@mamori/asm';
import type { Deps } from '../context.js';
import type { Page, RequestContext } from '../types.js';
import { decodeCursor, encodeCursor, iso, likeContains, newId, pageLimit } from '../util.js';
import { actorName, checkPortSpec, invalid, json, notFound, orgIdsIn } from './common.js';
import type { ScanDispatcher } from './queue/runner.js';
import { event, executeScan, type AsmEngineOptions } from './scans/execute.js';
import type { PolitenessLimiter } from './scans/politeness.js';
import { loadSettings, readStop, type AsmScopeServiceImpl } from './scope/service.js';
import { nextRun, parseCron } from './schedules/cron.js';
import type {
  AsmAggregate,
  AsmAsset,
  AsmAssetQuery,
  AsmCertificate,
  AsmDashboard,
  AsmDashboardQuery,
  AsmFinding,
  AsmFindingDetail,
  AsmFindingQuery,
  AsmFindingStatus,
  AsmOrgReport,
  AsmRuntime,
  AsmScanCounts,
  AsmScanQuery,
  AsmScanRun,
  AsmScanRunDetail,
  AsmSchedule,
  AsmServices,
  AsmStatusChange,
  RequestScanInput,
  ScheduleInput,
} from './types.js';

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'informational'];
const STATUSES: AsmFindingStatus[] = ['open', 'acknowledged', 'fixed', 'accepted_risk', 'false_positive'];
const zeroSev = (): Record<Severity, number> => ({
  critical: 0,
  high: 0,
  medium: 0,
  low: 0,
  informational: 0,
});
const ZERO_COUNTS: AsmScanCounts = {
  hosts: 0,
  services: 0,
  findings: 0,
  new: 0,
  resolved: 0,
  reopened: 0,
  refused: 0,
  assetsNew: 0,
  assetsChanged: 0,
  assetsVanished: 0,
  discoveredScanned: 0,
};

/** Longer than any organization scan (the national estimate is minutes per organization). */
const STALE_RUN_MS = 12 * 3600_000;

type OrgRow = { id: string; code: string | null; name: string; kind: string; prefecture_code: string | null };

export interface AsmServiceWiring {
  dispatcher: () => ScanDispatcher;
  engine: () => AsmEngineOptions;
  limiter: PolitenessLimiter;
}

export class AsmServicesImpl implements AsmServices {
  constructor(
    private readonly deps: Deps,
    readonly scope: AsmScopeServiceImpl,
    private readonly wiring: AsmServiceWiring,
    readonly runtime: AsmRuntime,
  ) {}

  private get k() {
    return this.deps.db.kysely;
  }

  /** Organization ids the caller may read (or 'all'), narrowed by organizationId / prefectureCode filters. */
  private async readable(
    ctx: RequestContext,
    filter: { organizationId?: string | undefined; prefectureCode?: string | undefined },
  ): Promise<'all' | string[]> {
    if (!ctx.actor) throw new MamoriError('MAMORI_UNAUTHENTICATED');
    await this.deps.policy.assert(ctx.actor, 'asm:read');
    if (filter.organizationId) {
      await this.deps.policy.assert(ctx.actor, 'asm:read', { organizationId: filter.organizationId });
      return [filter.organizationId];
    }
    const ids = await orgIdsIn(this.k, await this.deps.policy.scope(ctx.actor, 'asm:read'));
    if (!filter.prefectureCode) return ids;
    const pref = (
      await this.k
        .selectFrom('organizations')
        .select('id')
        .where('prefecture_code', '=', filter.prefectureCode)
        .execute()
    ).map((r) => r.id);
    return ids === 'all' ? pref : ids.filter((i) => pref.includes(i));
  }

  private async orgNames(ids: string[]): Promise<Map<string, OrgRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.k
      .selectFrom('organizations')
      .select(['id', 'code', 'name', 'kind', 'prefecture_code'])
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  // ---- assets ----------------------------------------------------------------------------------------------

  async listAssets(ctx: RequestContext, query: AsmAssetQuery = {}): Promise<Page<AsmAsset>> {
    const ids = await this.readable(ctx, query);
    const limit = pageLimit(query);
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = this.k.selectFrom('asm_assets').selectAll();
    if (ids !== 'all') q = q.where('organization_id', 'in', ids.length ? ids : ['-']);
    if (!query.includeVanished) q = q.where('vanished', '=', 0);
    if (query.q) {
      const like = likeContains(query.q.toLowerCase());
      q = q.where((eb) =>
        eb.or([
          eb('host', 'like', like),
          eb('addresses', 'like', like),
          eb('names', 'like', like),
          eb.exists(
            eb
              .selectFrom('asm_services')
              .select('asm_services.port')
              .whereRef('asm_services.asset_id', '=', 'asm_assets.id')
              .where((e2) => e2.or([e2('product', 'like', like), e2('cpe', 'like', like)])),
          ),
        ]),
      );
    }
    if (query.port !== undefined) {
      if (!Number.isInteger(query.port) || query.port < 1 || query.port > 65535)
        throw invalid('port is 1–65535');
      const port = query.port;
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('asm_services')
            .select('asm_services.port')
            .whereRef('asm_services.asset_id', '=', 'asm_assets.id')
            .where('asm_services.port', '=', port),
        ),
      );
    }
    if (query.product) {
      const like = likeContains(query.product);
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('asm_services')
            .select('asm_services.port')
            .whereRef('asm_services.asset_id', '=', 'asm_assets.id')
            .where('asm_services.product', 'like', like),
        ),
      );
    }
    if (after) {
      const [h, id] = after.split('\u0001') as [string, string];
      q = q.where((eb) => eb.or([eb('host', '>', h), eb.and([eb('host', '=', h), eb('id', '>', id ?? '')])]));
    }
    const rows = await q
      .orderBy('host')
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const items = await this.assetsFrom(page);
    const last = page.at(-1);
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeCursor(`${last.host}\u0001${last.id}`) : null,
    };
  }

  private async assetsFrom(
    rows: Array<{
      id: string;
      organization_id: string;
      host: string;
      addresses: string;
      names: string;
      first_seen: string;
      last_seen: string;
      vanished: number;
    }>,
  ): Promise<AsmAsset[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const services = await this.k
      .selectFrom('asm_services')
      .selectAll()
      .where('asset_id', 'in', ids)
      .execute();
    const certs = await this.k
      .selectFrom('asm_certificates')
      .selectAll()
      .where('asset_id', 'in', ids)
      .execute();
    const orgs = await this.orgNames(rows.map((r) => r.organization_id));
    const open = await this.k
      .selectFrom('asm_findings')
      .select(['organization_id', 'host', (eb) => eb.fn.countAll<number>().as('n')])
      .where('organization_id', 'in', [...new Set(rows.map((r) => r.organization_id))])
      .where('status', 'in', ['open', 'acknowledged'])
      .groupBy(['organization_id', 'host'])
      .execute();
    const openBy = new Map(open.map((o) => [`${o.organization_id}|${o.host}`, Number(o.n)]));
    return rows.map((r) => {
      const org = orgs.get(r.organization_id);
      return {
        id: r.id,
        organizationId: r.organization_id,
        organizationName: org?.name ?? '',
        prefectureCode: org?.prefecture_code ?? null,
        host: r.host,
        addresses: json<string[]>(r.addresses, []),
        names: json<string[]>(r.names, []),
        services: services
          .filter((s) => s.asset_id === r.id)
          .sort((a, b) => a.transport.localeCompare(b.transport) || a.port - b.port)
          .map((s) => ({
            port: s.port,
            transport: s.transport as 'tcp' | 'udp',
            service: s.service,
            product: s.product,
            version: s.version,
            cpe: s.cpe,
            tls: s.tls === 1,
            banner: s.banner,
            firstSeen: s.first_seen,
            lastSeen: s.last_seen,
          })),
        certificates: certs
          .filter((c) => c.asset_id === r.id)
          .map((c) => ({
            port: c.port,
            ...json<Omit<AsmCertificate, 'port'>>(c.data, {} as Omit<AsmCertificate, 'port'>),
          })),
        openFindings: openBy.get(`${r.organization_id}|${r.host}`) ?? 0,
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
        vanished: r.vanished === 1,
      };
    });
  }

  async getAsset(ctx: RequestContext, id: string): Promise<AsmAsset> {
    const r = await this.k.selectFrom('asm_assets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('asm asset');
    await this.deps.policy.assert(ctx.actor, 'asm:read', { organizationId: r.organization_id });
    return (await this.assetsFrom([r]))[0]!;
  }

  // ---- findings --------------------------------------------------------------------------------------------

  private findingFrom(r: FindingRowT, orgs: Map<string, OrgRow>): AsmFinding {
    const org = orgs.get(r.organization_id);
    return {
      id: r.id,
      key: r.finding_key,
      organizationId: r.organization_id,
      organizationName: org?.name ?? '',
      prefectureCode: org?.prefecture_code ?? null,
      check: r.check_id,
      host: r.host,
      port: r.port,
      transport: (r.transport as 'tcp' | 'udp' | null) ?? null,
      detail: r.detail,
      title: r.title,
      severity: r.severity as Severity,
      cvss: Number(r.cvss),
      kev: r.kev === 1,
      cves: json<string[]>(r.cves, []),
      evidence: r.evidence,
      remediation: json<{ ja: string; en: string } | null>(r.remediation, null),
      status: r.status as AsmFindingStatus,
      statusReason: r.status_reason,
      statusExpiry: r.status_expiry,
      statusBy: r.status_by,
      statusAt: r.status_at,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      fixedAt: r.fixed_at,
      reopenedCount: r.reopened_count,
      lastScanId: r.last_scan_id,
    };
  }

  async listFindings(ctx: RequestContext, query: AsmFindingQuery = {}): Promise<Page<AsmFinding>> {
    const ids = await this.readable(ctx, query);
    const limit = pageLimit(query);
    const sort = query.sort ?? '-severity';
    const col = { severity: 'severity_rank', lastSeen: 'last_seen', firstSeen: 'first_seen' } as const;
    const key = sort.replace(/^-/, '') as keyof typeof col;
    if (!(key in col)) throw invalid('sort is severity, lastSeen or firstSeen (prefix - for descending)');
    const desc = sort.startsWith('-');
    const column = col[key];
    let q = this.k.selectFrom('asm_findings').selectAll();
    if (ids !== 'all') q = q.where('organization_id', 'in', ids.length ? ids : ['-']);
    if (query.severity?.length) {
      if (!query.severity.every((s) => SEVERITIES.includes(s))) throw invalid('unknown severity');
      q = q.where('severity', 'in', query.severity);
    }
    if (query.status?.length) {
      if (!query.status.every((s) => STATUSES.includes(s))) throw invalid('unknown status');
      q = q.where('status', 'in', query.status);
    }
    if (query.kev !== undefined) q = q.where('kev', '=', query.kev ? 1 : 0);
    if (query.check) q = q.where('check_id', '=', query.check);
    if (query.host) q = q.where('host', '=', query.host.toLowerCase());
    if (query.q) {
      const like = likeContains(query.q);
      const lower = likeContains(query.q.toLowerCase());
      q = q.where((eb) =>
        eb.or([
          eb('title', 'like', like),
          eb('evidence', 'like', like),
          eb('host', 'like', lower),
          eb('cves', 'like', likeContains(query.q!.toUpperCase())),
          eb('check_id', 'like', lower),
        ]),
      );
    }
    const cursor = decodeCursor<string>(query.cursor, 'string');
    if (cursor) {
      const [v, id] = cursor.split('\u0001') as [string, string];
      const value: string | number = column === 'severity_rank' ? Number(v) : v;
      q = q.where((eb) =>
        eb.or([
          eb(column, desc ? '<' : '>', value),
          eb.and([eb(column, '=', value), eb('id', desc ? '<' : '>', id ?? '')]),
        ]),
      );
    }
    const rows = await q
      .orderBy(column, desc ? 'desc' : 'asc')
      .orderBy('id', desc ? 'desc' : 'asc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const orgs = await this.orgNames(page.map((r) => r.organization_id));
    const last = page.at(-1);
    return {
      items: page.map((r) => this.findingFrom(r, orgs)),
      nextCursor:
        rows.length > limit && last ? encodeCursor(`${String(last[column])}\u0001${last.id}`) : null,
    };
  }

  async getFinding(ctx: RequestContext, id: string): Promise<AsmFindingDetail> {
    const r = await this.k.selectFrom('asm_findings').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('asm finding');
    await this.deps.policy.assert(ctx.actor, 'asm:read', { organizationId: r.organization_id });
    const history = await this.k
      .selectFrom('asm_finding_events')
      .selectAll()
      .where('finding_id', '=', id)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return {
      ...this.findingFrom(r, await this.orgNames([r.organization_id])),
      history: history.map((h) => ({
        at: h.at,
        kind: h.kind,
        from: h.from_status as AsmFindingStatus | null,
        to: h.to_status as AsmFindingStatus,
        by: h.by_name,
        reason: h.reason,
        scanId: h.scan_id,
      })),
    };
  }

  async changeFindingStatus(ctx: RequestContext, id: string, change: AsmStatusChange): Promise<AsmFinding> {
    return this.deps
      .mutate(ctx, 'asm.finding.status', async (trx, note) => {
        note.target = id;
        const r = await trx.selectFrom('asm_findings').selectAll().where('id', '=', id).executeTakeFirst();
        if (!r) throw notFound('asm finding');
        note.organizationId = r.organization_id;
        await this.deps.policy.assert(ctx.actor, 'asm:triage', { organizationId: r.organization_id });
        const to = (change as { status?: unknown })?.status;
        if (to === 'fixed') throw invalid('a finding is fixed only when a rescan confirms it');
        if (
          typeof to !== 'string' ||
          !['open', 'acknowledged', 'accepted_risk', 'false_positive'].includes(to)
        )
          throw invalid('status is open, acknowledged, accepted_risk or false_positive');
        const now = this.deps.now();
        const model = {
          status: r.status,
          ...(r.status_reason ? { statusReason: r.status_reason } : {}),
        } as unknown as Finding;
        let next: Finding;
        try {
          next = setStatus(model, to as Exclude<AsmFindingStatus, 'fixed'>, {
            ...('reason' in change ? { reason: change.reason } : {}),
            ...('expiry' in change ? { expiry: change.expiry } : {}),
            now,
          });
        } catch (err) {
          if (err instanceof FindingStatusError) throw invalid(err.message);
          throw err;
        }
        const by = actorName(ctx);
        await trx
          .updateTable('asm_findings')
          .set({
            status: next.status,
            status_reason: next.statusReason ?? null,
            status_expiry: next.statusExpiry ?? null,
            status_by: by,
            status_at: iso(now),
          })
          .where('id', '=', id)
          .execute();
        await trx
          .insertInto('asm_finding_events')
          .values(event(id, iso(now), 'status', r.status, next.status, by, null, next.statusReason ?? null))
          .execute();
        note.details = {
          from: r.status,
          to: next.status,
          reason: next.statusReason ?? null,
          expiry: next.statusExpiry ?? null,
        };
        return trx.selectFrom('asm_findings').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      })
      .then(async (row) => this.findingFrom(row, await this.orgNames([row.organization_id])));
  }

  // ---- scans -----------------------------------------------------------------------------------------------

  private scanFrom(r: ScanRowT, orgs: Map<string, OrgRow>): AsmScanRun {
    return {
      id: r.id,
      organizationId: r.organization_id,
      organizationName: orgs.get(r.organization_id)?.name ?? '',
      status: r.status as AsmScanRun['status'],
      trigger: r.trigger as AsmScanRun['trigger'],
      requestedBy: r.requested_by,
      ports: r.ports,
      queuedAt: r.queued_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      attempts: r.attempts,
      worker: r.worker,
      error: r.error,
      counts: { ...ZERO_COUNTS, ...json<Partial<AsmScanCounts>>(r.counts, {}) },
    };
  }

  async listScans(ctx: RequestContext, query: AsmScanQuery = {}): Promise<Page<AsmScanRun>> {
    const ids = await this.readable(ctx, query);
    const limit = pageLimit(query);
    let q = this.k.selectFrom('asm_scans').selectAll();
    if (ids !== 'all') q = q.where('organization_id', 'in', ids.length ? ids : ['-']);
    if (query.status?.length) q = q.where('status', 'in', query.status);
    const cursor = decodeCursor<string>(query.cursor, 'string');
    if (cursor) {
      const [at, id] = cursor.split('\u0001') as [string, string];
      q = q.where((eb) =>
        eb.or([eb('queued_at', '<', at), eb.and([eb('queued_at', '=', at), eb('id', '<', id ?? '')])]),
      );
    }
    const rows = await q
      .orderBy('queued_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const orgs = await this.orgNames(page.map((r) => r.organization_id));
    const last = page.at(-1);
    return {
      items: page.map((r) => this.scanFrom(r, orgs)),
      nextCursor: rows.length > limit && last ? encodeCursor(`${last.queued_at}\u0001${last.id}`) : null,
    };
  }

  async getScan(ctx: RequestContext, id: string): Promise<AsmScanRunDetail> {
    const r = await this.k.selectFrom('asm_scans').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw notFound('asm scan');
    await this.deps.policy.assert(ctx.actor, 'asm:read', { organizationId: r.organization_id });
    return this.scanDetail(r);
  }

  private async scanDetail(r: ScanRowT): Promise<AsmScanRunDetail> {
    const diff = await this.k
      .selectFrom('asm_scan_diffs')
      .innerJoin('asm_findings', 'asm_findings.id', 'asm_scan_diffs.finding_id')
      .select([
        'asm_scan_diffs.change',
        'asm_findings.id',
        'asm_findings.finding_key',
        'asm_findings.check_id',
        'asm_findings.host',
        'asm_findings.port',
        'asm_findings.title',
        'asm_findings.severity',
        'asm_findings.severity_rank',
      ])
      .where('asm_scan_diffs.scan_id', '=', r.id)
      .execute();
    diff.sort(
      (a, b) =>
        a.change.localeCompare(b.change) || b.severity_rank - a.severity_rank || a.host.localeCompare(b.host),
    );
    return {
      ...this.scanFrom(r, await this.orgNames([r.organization_id])),
      diff: diff.map((d) => ({
        findingId: d.id,
        key: d.finding_key,
        check: d.check_id,
        host: d.host,
        port: d.port,
        title: d.title,
        severity: d.severity as Severity,
        change: d.change as 'new' | 'resolved' | 'reopened',
      })),
      templates: json<Record<string, number>>(r.templates, {}),
      timings: json<Record<string, number>>(r.timings, {}),
    };
  }

  /** Creates a queued run (audited); refused when stopped or without a verified root. */
  private async createRun(
    ctx: RequestContext,
    input: RequestScanInput,
    trigger: AsmScanRun['trigger'],
  ): Promise<{ run: ScanRowT; existing: boolean }> {
    return this.deps.mutate(ctx, 'asm.scan.request', async (trx, note) => {
      note.organizationId = input.organizationId;
      await this.deps.policy.assert(ctx.actor, 'asm:scan', { organizationId: input.organizationId });
      if (!(await this.deps.directory.get(input.organizationId)))
        throw new MamoriError('MAMORI_ORG_NOT_FOUND');
      const stop = await readStop(trx);
      if (stop.stopped)
        throw new MamoriError('MAMORI_CONFLICT', { reason: `all scans are stopped: ${stop.reason ?? ''}` });
      const verified = await trx
        .selectFrom('asm_roots')
        .select('id')
        .where('organization_id', '=', input.organizationId)
        .where('verification_state', '=', 'verified')
        .executeTakeFirst();
      if (!verified)
        throw new MamoriError('MAMORI_CONFLICT', { reason: 'the organization has no verified scope root' });
      // One active run per organization: asking again returns it.
      const active = await trx
        .selectFrom('asm_scans')
        .selectAll()
        .where('organization_id', '=', input.organizationId)
        .where('status', 'in', ['queued', 'running'])
        .executeTakeFirst();
      // A run active for longer than any scan takes lost its last worker (e.g. killed on its final delivery):
      // it is closed as failed so the organization can be scanned again.
      if (active && Date.parse(active.queued_at) < this.deps.now().getTime() - STALE_RUN_MS) {
        await trx
          .updateTable('asm_scans')
          .set({ status: 'failed', error: 'stale: no worker finished it', finished_at: iso(this.deps.now()) })
          .where('id', '=', active.id)
          .execute();
      } else if (active) {
        note.target = active.id;
        note.details = { existing: true };
        return { run: active, existing: true };
      }
      const settings = await loadSettings(trx, input.organizationId);
      const run: ScanRowT = {
        id: newId('asn'),
        organization_id: input.organizationId,
        status: 'queued',
        trigger,
        requested_by: actorName(ctx),
        ports: input.ports ? checkPortSpec(input.ports) : settings.ports,
        queued_at: iso(this.deps.now()),
        started_at: null,
        finished_at: null,
        attempts: 0,
        worker: null,
        error: null,
        counts: JSON.stringify(ZERO_COUNTS),
        templates: '{}',
        timings: '{}',
      };
      await trx.insertInto('asm_scans').values(run).execute();
      note.target = run.id;
      note.details = { trigger, ports: run.ports };
      return { run, existing: false };
    });
  }

  async requestScan(ctx: RequestContext, input: RequestScanInput): Promise<AsmScanRun> {
    const { run } = await this.createRun(ctx, input, ctx.actor?.kind === 'system' ? 'cli' : 'on_demand');
    await this.wiring.dispatcher().dispatch(run.id);
    return this.scanFrom(run, await this.orgNames([run.organization_id]));
  }

  async runScanNow(ctx: RequestContext, input: RequestScanInput): Promise<AsmScanRunDetail> {
    const { run } = await this.createRun(ctx, input, 'cli');
    await executeScan(this.deps, this.wiring.engine(), this.wiring.limiter, run.id, {
      worker: `cli-${process.pid}`,
    });
    const r = await this.k
      .selectFrom('asm_scans')
      .selectAll()
      .where('id', '=', run.id)
      .executeTakeFirstOrThrow();
    return this.scanDetail(r);
  }

  // ---- schedules -------------------------------------------------------------------------------------------

  private scheduleFrom(r: ScheduleRowT): AsmSchedule {
    return {
      id: r.id,
      organizationId: r.organization_id,
      cron: r.cron,
      utcOffsetMinutes: r.utc_offset_minutes,
      enabled: r.enabled === 1,
      ports: r.ports,
      nextRunAt: r.next_run_at,
      lastRunAt: r.last_run_at,
      createdAt: r.created_at,
    };
  }

  private next(cron: string, offset: number): string | null {
    let parsed;
    try {
      parsed = parseCron(cron);
    } catch (err) {
      throw invalid(err instanceof Error ? err.message : String(err));
    }
    const n = nextRun(parsed, this.deps.now(), offset);
    return n ? iso(n) : null;
  }

  async listSchedules(
    ctx: RequestContext,
    query: { organizationId?: string } = {},
  ): Promise<{ items: AsmSchedule[] }> {
    const ids = await this.readable(ctx, query);
    let q = this.k.selectFrom('asm_schedules').selectAll();
    if (ids !== 'all') q = q.where('organization_id', 'in', ids.length ? ids : ['-']);
    const rows = await q.orderBy('organization_id').orderBy('created_at').limit(1000).execute();
    return { items: rows.map((r) => this.scheduleFrom(r)) };
  }

  async createSchedule(ctx: RequestContext, input: ScheduleInput): Promise<AsmSchedule> {
    return this.deps.mutate(ctx, 'asm.schedule.create', async (trx, note) => {
      note.organizationId = input.organizationId;
      await this.deps.policy.assert(ctx.actor, 'asm:manage', { organizationId: input.organizationId });
      if (!(await this.deps.directory.get(input.organizationId)))
        throw new MamoriError('MAMORI_ORG_NOT_FOUND');
      const offset = input.utcOffsetMinutes ?? 540;
      if (!Number.isInteger(offset) || Math.abs(offset) > 840) throw invalid('utcOffsetMinutes is ±840');
      const enabled = input.enabled ?? true;
      const row: ScheduleRowT = {
        id: newId('asc'),
        organization_id: input.organizationId,
        cron: String(input.cron ?? '').trim(),
        utc_offset_minutes: offset,
        enabled: enabled ? 1 : 0,
        ports: input.ports ? checkPortSpec(input.ports) : null,
        next_run_at: null,
        last_run_at: null,
        created_at: iso(this.deps.now()),
      };
      row.next_run_at = enabled ? this.next(row.cron, offset) : (this.next(row.cron, offset), null);
      await trx.insertInto('asm_schedules').values(row).execute();
      note.target = row.id;
      note.details = { cron: row.cron, enabled };
      return this.scheduleFrom(row);
    });
  }

  async updateSchedule(
    ctx: RequestContext,
    id: string,
    input: Partial<Omit<ScheduleInput, 'organizationId'>>,
  ): Promise<AsmSchedule> {
    return this.deps.mutate(ctx, 'asm.schedule.update', async (trx, note) => {
      note.target = id;
      const r = await trx.selectFrom('asm_schedules').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw notFound('asm schedule');
      note.organizationId = r.organization_id;
      await this.deps.policy.assert(ctx.actor, 'asm:manage', { organizationId: r.organization_id });
      const next: ScheduleRowT = { ...r };
      if (input.cron !== undefined) next.cron = String(input.cron).trim();
      if (input.utcOffsetMinutes !== undefined) {
        if (!Number.isInteger(input.utcOffsetMinutes) || Math.abs(input.utcOffsetMinutes) > 840)
          throw invalid('utcOffsetMinutes is ±840');
        next.utc_offset_minutes = input.utcOffsetMinutes;
      }
      if (input.enabled !== undefined) next.enabled = input.enabled ? 1 : 0;
      if (input.ports !== undefined) next.ports = input.ports ? checkPortSpec(input.ports) : null;
      const n = this.next(next.cron, next.utc_offset_minutes);
      next.next_run_at = next.enabled ? n : null;
      await trx.updateTable('asm_schedules').set(next).where('id', '=', id).execute();
      note.details = { ...input };
      return this.scheduleFrom(next);
    });
  }

  async deleteSchedule(ctx: RequestContext, id: string): Promise<void> {
    await this.deps.mutate(ctx, 'asm.schedule.delete', async (trx, note) => {
      note.target = id;
      const r = await trx.selectFrom('asm_schedules').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw notFound('asm schedule');
      note.organizationId = r.organization_id;
      await this.deps.policy.assert(ctx.actor, 'asm:manage', { organizationId: r.organization_id });
      await trx.deleteFrom('asm_schedules').where('id', '=', id).execute();
    });
  }

  /** Turns due schedules into queued runs (the scheduler timer calls this). Returns the runs created. */
  async tickSchedules(): Promise<string[]> {
    const now = this.deps.now();
    await this.closeStaleRuns(now);
    const due = await this.k
      .selectFrom('asm_schedules')
      .selectAll()
      .where('enabled', '=', 1)
      .where('next_run_at', '<=', iso(now))
      .execute();
    const created: string[] = [];
    const ctx: RequestContext = { actor: { kind: 'system', name: 'asm-scheduler' }, sourceIp: '127.0.0.1' };
    for (const s of due) {
      // Advance first, so a failing organization (no verified scope, stopped) does not fire every tick.
      const n = nextRun(parseCron(s.cron), now, s.utc_offset_minutes);
      await this.k
        .updateTable('asm_schedules')
        .set({ next_run_at: n ? iso(n) : null, last_run_at: iso(now) })
        .where('id', '=', s.id)
        .execute();
      try {
        const { run, existing } = await this.createRun(
          ctx,
          { organizationId: s.organization_id, ...(s.ports ? { ports: s.ports } : {}) },
          'schedule',
        );
        if (!existing) {
          await this.wiring.dispatcher().dispatch(run.id);
          created.push(run.id);
        }
      } catch (err) {
        this.deps.logger.warn({ err, schedule: s.id }, 'asm schedule could not queue a scan');
      }
    }
    return created;
  }

  /**
   * Runs active for longer than any scan takes lost their last worker (killed on the final delivery, a crashed
   * process): closed as failed on every scheduler tick, so nothing waits for a scan of the organization.
   */
  private async closeStaleRuns(now: Date): Promise<void> {
    const limit = iso(new Date(now.getTime() - STALE_RUN_MS));
    const stale = await this.k
      .selectFrom('asm_scans')
      .select(['id', 'organization_id'])
      .where('status', 'in', ['queued', 'running'])
      .where('queued_at', '<', limit)
      .execute();
    const ctx: RequestContext = { actor: { kind: 'system', name: 'asm-scheduler' }, sourceIp: '127.0.0.1' };
    for (const r of stale) {
      await this.deps.mutate(ctx, 'asm.scan.fail', async (trx, note) => {
        note.target = r.id;
        note.organizationId = r.organization_id;
        note.details = { error: 'stale' };
        await trx
          .updateTable('asm_scans')
          .set({ status: 'failed', error: 'stale: no worker finished it', finished_at: iso(now) })
          .where('id', '=', r.id)
          .where('status', 'in', ['queued', 'running'])
          .execute();
      });
    }
  }

  // ---- dashboards and reports --------------------------------------------------------------------------------

  async riskScore(
    ctx: RequestContext,
    organizationId: string,
  ): Promise<{ score: number; counts: Record<Severity, number> }> {
    await this.deps.policy.assert(ctx.actor, 'asm:read', { organizationId });
    const rows = await this.k
      .selectFrom('asm_findings')
      .select(['severity', 'kev', 'status', 'status_expiry'])
      .where('organization_id', '=', organizationId)
      .where('status', 'in', ['open', 'acknowledged', 'accepted_risk'])
      .execute();
    return riskOf(rows, this.deps.now());
  }

  async dashboard(ctx: RequestContext, query: AsmDashboardQuery = {}): Promise<AsmDashboard> {
    if (!ctx.actor) throw new MamoriError('MAMORI_UNAUTHENTICATED');
    await this.deps.policy.assert(ctx.actor, 'asm:read');
    const scope = await this.deps.policy.scope(ctx.actor, 'asm:read');
    const days = query.coverageDays ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 366) throw invalid('coverageDays is 1–366');
    const now = this.deps.now();
    const to = query.to ? new Date(query.to) : now;
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 90 * 86_400_000);
    if (Number.isNaN(to.getTime()) || Number.isNaN(from.getTime()) || from > to)
      throw invalid('from/to are ISO times, from ≤ to');
    let prefectureCode = query.prefectureCode ?? null;
    if (scope !== 'all') {
      if ('prefectureCode' in scope) {
        if (prefectureCode && prefectureCode !== scope.prefectureCode)
          throw new MamoriError('MAMORI_FORBIDDEN');
        prefectureCode = scope.prefectureCode;
      }
    }
    let orgQ = this.k
      .selectFrom('organizations')
      .select(['id', 'code', 'name', 'kind', 'prefecture_code'])
      .where('kind', 'in', [...LOCAL_GOVERNMENT_KINDS]);
    if (prefectureCode) orgQ = orgQ.where('prefecture_code', '=', prefectureCode);
    let orgs = await orgQ.execute();
    if (scope !== 'all' && 'orgIds' in scope) {
      orgs = orgs.filter((o) => scope.orgIds.includes(o.id));
      prefectureCode = orgs[0]?.prefecture_code ?? prefectureCode;
    }
    const ids = orgs.map((o) => o.id);
    const facts = await this.facts(ids, days, from, to);
    const aggregate = (members: OrgRow[]): AsmAggregate => aggregateOf(members, facts, days);
    const prefectureRows = await this.k
      .selectFrom('organizations')
      .select(['prefecture_code', 'name'])
      .where('kind', '=', 'prefecture')
      .execute();
    const prefName = new Map(prefectureRows.map((p) => [p.prefecture_code ?? '', p.name]));
    const byPref = new Map<string, OrgRow[]>();
    for (const o of orgs) {
      const pc = o.prefecture_code ?? '';
      byPref.set(pc, [...(byPref.get(pc) ?? []), o]);
    }
    const state = !prefectureCode && scope === 'all';
    return {
      scope: state ? 'state' : 'prefecture',
      prefectureCode: state ? null : prefectureCode,
      generatedAt: iso(now),
      total: aggregate(orgs),
      prefectures: state
        ? [...byPref.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([pc, members]) => ({
              prefectureCode: pc,
              prefectureName: prefName.get(pc) ?? pc,
              ...aggregate(members),
            }))
        : [],
      municipalities: state
        ? []
        : orgs
            .sort((a, b) => (a.code ?? '').localeCompare(b.code ?? ''))
            .map((o) => ({
              organizationId: o.id,
              code: o.code,
              name: o.name,
              riskScore: facts.risk.get(o.id) ?? 0,
              ...aggregate([o]),
            })),
    };
  }

  /** Per-organization facts the aggregates are made of, read once. */
  private async facts(ids: string[], days: number, from: Date, to: Date): Promise<Facts> {
    const inIds = ids.length ? ids : ['-'];
    const since = iso(new Date(this.deps.now().getTime() - days * 86_400_000));
    const verified = new Set(
      (
        await this.k
          .selectFrom('asm_roots')
          .select('organization_id')
          .distinct()
          .where('verification_state', '=', 'verified')
          .where('organization_id', 'in', inIds)
          .execute()
      ).map((r) => r.organization_id),
    );
    const scanned = new Set(
      (
        await this.k
          .selectFrom('asm_scans')
          .select('organization_id')
          .distinct()
          .where('status', '=', 'done')
          .where('finished_at', '>=', since)
          .where('organization_id', 'in', inIds)
          .execute()
      ).map((r) => r.organization_id),
    );
    const open = await this.k
      .selectFrom('asm_findings')
      .select(['organization_id', 'severity', 'kev', 'status', 'status_expiry'])
      .where('organization_id', 'in', inIds)
      .where('status', 'in', ['open', 'acknowledged', 'accepted_risk'])
      .execute();
    const fixed = await this.k
      .selectFrom('asm_findings')
      .select(['organization_id', 'first_seen', 'fixed_at'])
      .where('organization_id', 'in', inIds)
      .where('status', '=', 'fixed')
      .where('fixed_at', '>=', iso(from))
      .where('fixed_at', '<=', iso(to))
      .execute();
    const now = this.deps.now();
    const openBy = new Map<string, typeof open>();
    for (const f of open) openBy.set(f.organization_id, [...(openBy.get(f.organization_id) ?? []), f]);
    const risk = new Map<string, number>();
    for (const [org, rows] of openBy) risk.set(org, riskOf(rows, now).score);
    const fixDays = new Map<string, number[]>();
    for (const f of fixed) {
      if (!f.fixed_at) continue;
      const d = (new Date(f.fixed_at).getTime() - new Date(f.first_seen).getTime()) / 86_400_000;
      fixDays.set(f.organization_id, [...(fixDays.get(f.organization_id) ?? []), d]);
    }
    return { verified, scanned, openBy, risk, fixDays, now };
  }

  async orgReport(
    ctx: RequestContext,
    organizationId: string,
    options: { from?: string; to?: string } = {},
  ): Promise<AsmOrgReport> {
    await this.deps.policy.assert(ctx.actor, 'asm:read', { organizationId });
    const org = (await this.orgNames([organizationId])).get(organizationId);
    if (!org) throw new MamoriError('MAMORI_ORG_NOT_FOUND');
    const now = this.deps.now();
    const to = options.to ? new Date(options.to) : now;
    const from = options.from ? new Date(options.from) : new Date(to.getTime() - 90 * 86_400_000);
    if (Number.isNaN(to.getTime()) || Number.isNaN(from.getTime())) throw invalid('from/to are ISO times');
    const pref = org.prefecture_code
      ? await this.k
          .selectFrom('organizations')
          .select('name')
          .where('kind', '=', 'prefecture')
          .where('prefecture_code', '=', org.prefecture_code)
          .executeTakeFirst()
      : undefined;
    const all = await this.k
      .selectFrom('asm_findings')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .execute();
    const orgs = new Map([[organizationId, org]]);
    const findings = all
      .map((r) => this.findingFrom(r, orgs))
      .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.host.localeCompare(b.host));
    const bySev = zeroSev();
    const byStatus = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<AsmFindingStatus, number>;
    const expired = (f: AsmFinding) =>
      f.status === 'accepted_risk' && f.statusExpiry !== null && new Date(f.statusExpiry) <= now;
    const open = findings.filter((f) => f.status === 'open' || f.status === 'acknowledged' || expired(f));
    for (const f of findings) byStatus[f.status]++;
    for (const f of open) bySev[f.severity]++;
    const fixed = findings.filter(
      (f) => f.status === 'fixed' && f.fixedAt && new Date(f.fixedAt) >= from && new Date(f.fixedAt) <= to,
    );
    const ttf = fixed.map(
      (f) => (new Date(f.fixedAt!).getTime() - new Date(f.firstSeen).getTime()) / 86_400_000,
    );
    const lastScan = await this.k
      .selectFrom('asm_scans')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'done')
      .orderBy('finished_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const assetRows = await this.k
      .selectFrom('asm_assets')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .where('vanished', '=', 0)
      .orderBy('host')
      .limit(1000)
      .execute();
    return {
      generatedAt: iso(now),
      organization: { id: org.id, code: org.code, name: org.name, prefectureName: pref?.name ?? null },
      scope: await this.scope.get(ctx, organizationId),
      lastScan: lastScan ? await this.scanDetail(lastScan) : null,
      riskScore: (await this.riskScore(ctx, organizationId)).score,
      findingsBySeverity: bySev,
      findingsByStatus: byStatus,
      kevFindings: open.filter((f) => f.kev),
      openFindings: open,
      fixedFindings: fixed,
      acceptedRisks: findings.filter((f) => f.status === 'accepted_risk'),
      assets: await this.assetsFrom(assetRows),
      meanDaysToFix: ttf.length ? round1(ttf.reduce((a, b) => a + b, 0) / ttf.length) : null,
    };
  }
}

interface Facts {
  verified: Set<string>;
  scanned: Set<string>;
  openBy: Map<string, Array<{ severity: string; kev: number; status: string; status_expiry: string | null }>>;
  risk: Map<string, number>;
  fixDays: Map<string, number[]>;
  now: Date;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function stillRisk(f: { status: string; status_expiry: string | null }, now: Date): boolean {
  if (f.status === 'open' || f.status === 'acknowledged') return true;
  return f.status === 'accepted_risk' && f.status_expiry !== null && new Date(f.status_expiry) <= now;
}

function aggregateOf(members: OrgRow[], facts: Facts, days: number): AsmAggregate {
  const bySev = zeroSev();
  let kev = 0;
  let kevOrgs = 0;
  let covered = 0;
  let withScope = 0;
  const fix: number[] = [];
  const risks: number[] = [];
  for (const o of members) {
    if (facts.verified.has(o.id)) withScope++;
    const isCovered = facts.verified.has(o.id) && facts.scanned.has(o.id);
    if (isCovered) {
      covered++;
      risks.push(facts.risk.get(o.id) ?? 0);
    }
    let orgKev = 0;
    for (const f of facts.openBy.get(o.id) ?? []) {
      if (!stillRisk(f, facts.now)) continue;
      bySev[f.severity as Severity]++;
      if (f.kev) orgKev++;
    }
    kev += orgKev;
    if (orgKev > 0) kevOrgs++;
    fix.push(...(facts.fixDays.get(o.id) ?? []));
  }
  return {
    organizations: members.length,
    withVerifiedScope: withScope,
    covered,
    coverageDays: days,
    coverage: members.length ? Math.round((covered / members.length) * 10000) / 10000 : 0,
    openBySeverity: bySev,
    kevExposures: kev,
    kevOrganizations: kevOrgs,
    meanDaysToFix: fix.length ? round1(fix.reduce((a, b) => a + b, 0) / fix.length) : null,
    medianDaysToFix: fix.length ? round1(median(fix)!) : null,
    fixedInPeriod: fix.length,
    meanRiskScore: risks.length ? round1(risks.reduce((a, b) => a + b, 0) / risks.length) : null,
  };
}

function riskOf(
  rows: Array<{ severity: string; kev: number; status: string; status_expiry: string | null }>,
  now: Date,
): { score: number; counts: Record<Severity, number> } {
  const findings = rows.map(
    (r) =>
      ({
        severity: r.severity as Severity,
        kev: r.kev === 1,
        status: r.status,
        ...(r.status_expiry ? { statusExpiry: r.status_expiry } : {}),
      }) as unknown as Finding,
  );
  return engineRisk(findings, now);
}

type FindingRowT = {
  id: string;
  finding_key: string;
  organization_id: string;
  check_id: string;
  host: string;
  port: number | null;
  transport: string | null;
  detail: string | null;
  title: string;
  severity: string;
  severity_rank: number;
  cvss: number;
  kev: number;
  cves: string;
  evidence: string;
  remediation: string | null;
  status: string;
  status_reason: string | null;
  status_expiry: string | null;
  status_by: string | null;
  status_at: string | null;
  first_seen: string;
  last_seen: string;
  fixed_at: string | null;
  reopened_count: number;
  last_scan_id: string | null;
};

type ScanRowT = {
  id: string;
  organization_id: string;
  status: string;
  trigger: string;
  requested_by: string | null;
  ports: string;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  worker: string | null;
  error: string | null;
  counts: string;
  templates: string;
  timings: string;
};

type ScheduleRowT = {
  id: string;
  organization_id: string;
  cron: string;
  utc_offset_minutes: number;
  enabled: number;
  ports: string | null;
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
};
