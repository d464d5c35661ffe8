// One scan job, start to finish: the organization's VERIFIED scope feeds the engine's guard, the engine scans,
// and the results (assets, services, certificates, findings with their lifecycle, the diff, the refusals) are
// written in ONE transaction that first claims the run (running → done). A redelivered or repeated job finds
// the run done and stops; a job whose worker died mid-scan wrote nothing, so the next worker scans again.
// Findings are unique on their key (org + check + host + port + detail): never a duplicate.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { severityRank, type Severity } from '@mamori/core';
import {
  DnsClient,
  ScopeGuard,
  StopSwitch,
  applyScan,
  findingKey,
  parsePortSpec,
  scanTargets,
  type CompiledTemplate,
  type DnsServer,
  type Finding,
  type Observation,
  type Refusal,
  type ScanReport,
  type ScopeCheck,
  type VulnLookup,
} from '@mamori/asm';
import type { Trx } from '@mamori/store';
import type { Deps } from '../../context.js';
import type { RequestContext } from '../../types.js';
import { iso, newId } from '../../util.js';
import { json } from '../common.js';
import { orgScopeFor, readStop, storeRefusals } from '../scope/service.js';
import type { AsmFindingStatus, AsmScanCounts } from '../types.js';
import type { PolitenessLimiter } from './politeness.js';

/** What the engine runs with (from configuration; tests inject a loopback resolver and short lists). */
export interface AsmEngineOptions {
  resolver: DnsServer | null;
  udp: boolean;
  templates: CompiledTemplate[];
  timeoutMs: number;
  vulnLookup?: VulnLookup;
  /** Subdomain wordlist (default: the engine's). */
  wordlist?: string[];
  /** Run DNS discovery for domain roots (default true). */
  dns?: boolean;
}

export interface ExecuteOptions {
  worker: string;
  /** Called every few seconds while the scan runs (NATS: msg.working()). */
  heartbeat?: () => void;
  /** Poll the global stop switch this often (ms). */
  stopPollMs?: number;
}

export type ExecuteResult = 'done' | 'skipped' | 'failed';

const UDP_PORTS = [53, 123, 137, 161, 500, 1900];

/** Database key of a finding: the engine's key (check + host + port + detail) within the organization. */
export function dbFindingKey(orgId: string, modelKey: string): string {
  return createHash('sha256').update(`${orgId}\u0000${modelKey}`).digest('hex').slice(0, 32);
}

type FindingRow = Awaited<ReturnType<typeof loadFindingRows>>[number];

function loadFindingRows(trx: Trx, orgId: string) {
  return trx.selectFrom('asm_findings').selectAll().where('organization_id', '=', orgId).execute();
}

function toModel(r: FindingRow): Finding {
  const f: Finding = {
    check: r.check_id,
    host: r.host,
    title: r.title,
    evidence: r.evidence,
    cvss: Number(r.cvss),
    key: '',
    severity: r.severity as Severity,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    status: r.status as Finding['status'],
    reopenedCount: r.reopened_count,
  };
  if (r.port !== null) f.port = r.port;
  if (r.transport) f.transport = r.transport as 'tcp' | 'udp';
  if (r.detail !== null) f.detail = r.detail;
  if (r.kev) f.kev = true;
  const cves = json<string[]>(r.cves, []);
  if (cves.length) f.cves = cves;
  const rem = json<{ ja: string; en: string } | null>(r.remediation, null);
  if (rem) f.remediation = rem;
  if (r.status_reason) f.statusReason = r.status_reason;
  if (r.status_expiry) f.statusExpiry = r.status_expiry;
  if (r.fixed_at) f.fixedAt = r.fixed_at;
  f.key = findingKey(f);
  return f;
}

function observationValues(f: Finding) {
  return {
    check_id: f.check,
    host: f.host.toLowerCase(),
    port: f.port ?? null,
    transport: f.transport ?? null,
    detail: f.detail ?? null,
    title: f.title.slice(0, 500),
    severity: f.severity,
    severity_rank: severityRank(f.severity),
    cvss: f.cvss,
    kev: f.kev ? 1 : 0,
    cves: JSON.stringify(f.cves ?? []),
    evidence: f.evidence.slice(0, 4000),
    remediation: f.remediation ? JSON.stringify(f.remediation) : null,
  };
}

/** Marks a run failed (its own audited transaction). */
export async function failScan(
  deps: Deps,
  ctx: RequestContext,
  scanId: string,
  error: string,
): Promise<void> {
  await deps.mutate(ctx, 'asm.scan.fail', async (trx, note) => {
    note.target = scanId;
    const r = await trx
      .selectFrom('asm_scans')
      .select(['organization_id', 'status'])
      .where('id', '=', scanId)
      .executeTakeFirst();
    if (!r) return;
    note.organizationId = r.organization_id;
    note.details = { error: error.slice(0, 500) };
    await trx
      .updateTable('asm_scans')
      .set({ status: 'failed', error: error.slice(0, 1000), finished_at: iso(deps.now()) })
      .where('id', '=', scanId)
      .where('status', 'in', ['queued', 'running'])
      .execute();
  });
}

export async function executeScan(
  deps: Deps,
  engine: AsmEngineOptions,
  limiter: PolitenessLimiter,
  scanId: string,
  opts: ExecuteOptions,
): Promise<ExecuteResult> {
  const ctx: RequestContext = {
    actor: { kind: 'system', name: `asm-worker:${opts.worker}` },
    sourceIp: '127.0.0.1',
  };
  const k = deps.db.kysely;
  const run = await k.selectFrom('asm_scans').selectAll().where('id', '=', scanId).executeTakeFirst();
  if (!run || run.status === 'done' || run.status === 'failed' || run.status === 'cancelled')
    return 'skipped';
  const orgId = run.organization_id;

  await deps.mutate(ctx, 'asm.scan.start', async (trx, note) => {
    note.target = scanId;
    note.organizationId = orgId;
    note.details = { attempt: run.attempts + 1, worker: opts.worker };
    await trx
      .updateTable('asm_scans')
      .set({
        status: 'running',
        started_at: iso(deps.now()),
        attempts: run.attempts + 1,
        worker: opts.worker,
      })
      .where('id', '=', scanId)
      .execute();
  });

  const stop = await readStop(k);
  if (stop.stopped) {
    await failScan(deps, ctx, scanId, `stopped: ${stop.reason ?? ''}`);
    return 'failed';
  }
  const scope = await orgScopeFor(k, orgId);
  if (scope.roots.length === 0) {
    await failScan(deps, ctx, scanId, 'no verified scope root');
    return 'failed';
  }

  const refusals: Refusal[] = [];
  const client = engine.resolver ? new DnsClient({ server: engine.resolver }) : null;
  const resolve = client
    ? (n: string) => client.resolveAddresses(n)
    : async (n: string) => {
        const { lookup } = await import('node:dns/promises');
        try {
          return (await lookup(n, { all: true })).map((a) => a.address);
        } catch {
          return [];
        }
      };
  const stopSwitch = new StopSwitch();
  const guard = new ScopeGuard({
    orgs: [scope],
    resolve,
    stopSwitch,
    onRefusal: (r) => refusals.push(r),
    now: () => deps.now(),
  });
  // Politeness shared with every other worker: each probe that names a port waits for its slot.
  const rate = scope.rate?.perSecond ?? 50;
  const pace = (address: string): Promise<void> => limiter.take(address, rate);
  const baseCheck = guard.check;
  const pacedCheck: ScopeCheck = async (target, port) => {
    const d = await baseCheck(target, port);
    if (d.allowed && port !== undefined && d.addresses[0]) await pace(d.addresses[0]);
    return d;
  };
  Object.defineProperty(guard, 'check', { value: pacedCheck });

  // Roots, plus the names earlier runs found under them (discovery leads become assets and are rescanned).
  const known = await k
    .selectFrom('asm_assets')
    .select('host')
    .where('organization_id', '=', orgId)
    .where('vanished', '=', 0)
    .execute();
  const targets = [
    ...new Set([
      ...scope.roots.map((r) => r.value),
      ...known.map((a) => a.host).filter((h) => isIP(h) === 0),
    ]),
  ];
  const timer = setInterval(
    () => {
      opts.heartbeat?.();
      void readStop(k)
        .then((s) => {
          if (s.stopped) stopSwitch.stop(s.reason ?? 'stopped');
        })
        .catch(() => {});
    },
    Math.max(200, opts.stopPollMs ?? 2000),
  );
  let report: ScanReport;
  let discoveredScanned = 0;
  const scanOpts = (dns: boolean) => ({
    ports: run.ports,
    guard,
    pace,
    udp: engine.udp,
    dns,
    templates: engine.templates,
    timeoutMs: engine.timeoutMs,
    ...(engine.resolver ? { resolver: engine.resolver } : {}),
    ...(engine.vulnLookup ? { vulnLookup: engine.vulnLookup } : {}),
    ...(engine.wordlist ? { wordlist: engine.wordlist } : {}),
    now: () => deps.now(),
  });
  try {
    report = await scanTargets(targets, scanOpts(engine.dns ?? true));
    // Names discovery found in this run are scanned in the same run (the guard still decides each one).
    const asked = new Set(targets.map((x) => x.toLowerCase()));
    const leads = [
      ...new Set(report.domains.flatMap((d) => d.discoveredNames.map((n) => n.toLowerCase()))),
    ].filter((n) => !asked.has(n));
    if (leads.length > 0 && !stopSwitch.stopped) {
      const more = await scanTargets(leads, scanOpts(false));
      discoveredScanned = more.hosts.length;
      report = mergeReports(report, more);
    }
  } catch (err) {
    clearInterval(timer);
    await failScan(deps, ctx, scanId, err instanceof Error ? err.message : String(err));
    return 'failed';
  }
  clearInterval(timer);
  if (stopSwitch.stopped) {
    await storeOnlyRefusals(deps, ctx, scanId, orgId, refusals);
    await failScan(deps, ctx, scanId, `stopped: ${stopSwitch.stopReason ?? ''}`);
    return 'failed';
  }

  if (report.hosts.length === 0) {
    // Nothing passed the gate (outside the scan window, names resolving elsewhere…): not a scan that saw
    // everything vanish, so no asset or finding changes; the refusals say why.
    await storeOnlyRefusals(deps, ctx, scanId, orgId, refusals);
    const why = [...new Set(refusals.map((r) => r.reason))].slice(0, 3).join('; ');
    await failScan(deps, ctx, scanId, `no target passed the scope guard${why ? `: ${why}` : ''}`);
    return 'failed';
  }
  const ports = new Set(parsePortSpec(run.ports));
  if (engine.udp) for (const p of UDP_PORTS) ports.add(p);
  try {
    return await deps.mutate(ctx, 'asm.scan.finish', async (trx, note) => {
      note.target = scanId;
      note.organizationId = orgId;
      const now = deps.now();
      const t = iso(now);
      // Claim: only one delivery of this job may write its results.
      const claimed = await trx
        .updateTable('asm_scans')
        .set({ status: 'done', finished_at: t })
        .where('id', '=', scanId)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new AlreadyDone();
      const counts = await persist(trx, orgId, scanId, report, ports, t, now);
      await storeRefusals(trx, scanId, orgId, refusals);
      counts.refused = refusals.length;
      counts.discoveredScanned = discoveredScanned;
      await trx
        .updateTable('asm_scans')
        .set({
          counts: JSON.stringify(counts),
          templates: JSON.stringify({
            http: report.timings.templateRunsHttp ?? 0,
            ssl: report.timings.templateRunsSsl ?? 0,
            network: report.timings.templateRunsNetwork ?? 0,
            dns: report.timings.templateRunsDns ?? 0,
          }),
          timings: JSON.stringify(report.timings),
          error: null,
        })
        .where('id', '=', scanId)
        .execute();
      note.details = { ...counts };
      return 'done' as const;
    });
  } catch (err) {
    if (err instanceof AlreadyDone) return 'skipped';
    throw err;
  }
}

class AlreadyDone extends Error {}

/**
 * One report of a run scanned in two passes (roots, then the names discovery found). The engine reports a
 * service once per address and port, under the first name that reached it (others in `otherNames`): the second
 * pass keeps that rule, so a run with leads reports what one pass over the same names would.
 */
function mergeReports(a: ScanReport, b: ScanReport): ScanReport {
  const seen = new Set(a.hosts.map((h) => h.host.toLowerCase()));
  const byEndpoint = new Map(a.services.map((s) => [`${s.address}|${s.transport}|${s.port}`, s]));
  const services = [...a.services];
  for (const s of b.services) {
    const first = byEndpoint.get(`${s.address}|${s.transport}|${s.port}`);
    if (!first) {
      services.push(s);
      continue;
    }
    if (first.host !== s.host) first.otherNames = [...new Set([...(first.otherNames ?? []), s.host])];
  }
  const addresses = new Map(b.hosts.map((h) => [h.host.toLowerCase(), h.addresses]));
  const covered = (host: string, port: number | undefined) =>
    port !== undefined &&
    (addresses.get(host.toLowerCase()) ?? []).some(
      (ad) => byEndpoint.has(`${ad}|tcp|${port}`) || byEndpoint.has(`${ad}|udp|${port}`),
    );
  return {
    ...a,
    targets: [...a.targets, ...b.targets],
    hosts: [...a.hosts, ...b.hosts.filter((h) => !seen.has(h.host.toLowerCase()))],
    services,
    closedOrFiltered: a.closedOrFiltered + b.closedOrFiltered,
    findings: [...a.findings, ...b.findings.filter((f) => !covered(f.host, f.port))],
  };
}

async function storeOnlyRefusals(
  deps: Deps,
  ctx: RequestContext,
  scanId: string,
  orgId: string,
  refusals: Refusal[],
): Promise<void> {
  if (refusals.length === 0) return;
  await deps.mutate(ctx, 'asm.scan.refusals', async (trx, note) => {
    note.target = scanId;
    note.organizationId = orgId;
    note.details = { refused: refusals.length };
    await storeRefusals(trx, scanId, orgId, refusals);
  });
}

async function persist(
  trx: Trx,
  orgId: string,
  scanId: string,
  report: ScanReport,
  ports: Set<number>,
  t: string,
  now: Date,
): Promise<AsmScanCounts> {
  // ---- assets: one a host the guard admitted; services and certificates under it.
  const seenHosts = new Set<string>();
  const assetIds = new Map<string, string>();
  let assetsNew = 0;
  let assetsChanged = 0;
  for (const h of report.hosts) {
    const host = h.host.toLowerCase();
    seenHosts.add(host);
    for (const a of h.addresses) seenHosts.add(a.toLowerCase());
    const names = [
      ...new Set(
        report.hosts.filter((o) => o.addresses.some((a) => h.addresses.includes(a))).map((o) => o.host),
      ),
    ].filter((n) => n !== host && !isIP(n));
    const existing = await trx
      .selectFrom('asm_assets')
      .select(['id', 'addresses', 'vanished'])
      .where('organization_id', '=', orgId)
      .where('host', '=', host)
      .executeTakeFirst();
    if (existing) {
      const before = json<string[]>(existing.addresses, []).slice().sort().join(',');
      if (Number(existing.vanished) === 1) assetsNew++;
      else if (before !== h.addresses.slice().sort().join(',')) assetsChanged++;
      await trx
        .updateTable('asm_assets')
        .set({
          addresses: JSON.stringify(h.addresses),
          names: JSON.stringify(names),
          last_seen: t,
          vanished: 0,
        })
        .where('id', '=', existing.id)
        .execute();
      assetIds.set(host, existing.id);
    } else {
      assetsNew++;
      const id = newId('asa');
      await trx
        .insertInto('asm_assets')
        .values({
          id,
          organization_id: orgId,
          host,
          addresses: JSON.stringify(h.addresses),
          names: JSON.stringify(names),
          first_seen: t,
          last_seen: t,
          vanished: 0,
        })
        .execute();
      assetIds.set(host, id);
    }
  }
  const gone = await trx
    .updateTable('asm_assets')
    .set({ vanished: 1 })
    .where('organization_id', '=', orgId)
    .where('last_seen', '<', t)
    .where('vanished', '=', 0)
    .executeTakeFirst();
  const assetsVanished = Number(gone.numUpdatedRows);
  for (const s of report.services) {
    const assetId = assetIds.get(s.host.toLowerCase());
    if (!assetId) continue;
    const prev = await trx
      .selectFrom('asm_services')
      .select('first_seen')
      .where('asset_id', '=', assetId)
      .where('transport', '=', s.transport)
      .where('port', '=', s.port)
      .executeTakeFirst();
    await trx
      .deleteFrom('asm_services')
      .where('asset_id', '=', assetId)
      .where('transport', '=', s.transport)
      .where('port', '=', s.port)
      .execute();
    await trx
      .insertInto('asm_services')
      .values({
        asset_id: assetId,
        transport: s.transport,
        port: s.port,
        service: s.service,
        product: s.product,
        version: s.version,
        cpe: s.cpe,
        tls: s.tls ? 1 : 0,
        banner: s.banner?.slice(0, 500) ?? null,
        first_seen: prev?.first_seen ?? t,
        last_seen: t,
      })
      .execute();
    const c = s.tlsInfo?.cert;
    if (c) {
      await trx
        .deleteFrom('asm_certificates')
        .where('asset_id', '=', assetId)
        .where('port', '=', s.port)
        .execute();
      await trx
        .insertInto('asm_certificates')
        .values({
          asset_id: assetId,
          port: s.port,
          data: JSON.stringify({
            subject: c.subject,
            issuer: c.issuer,
            sans: c.sans,
            notBefore: c.notBefore || null,
            notAfter: c.notAfter || null,
            selfSigned: c.selfSigned,
            expired: c.expired,
            keyBits: c.keyBits || null,
            signatureAlgorithm: c.signatureAlgorithm || null,
            versions: s.tlsInfo?.versions ?? [],
          }),
          seen_at: t,
        })
        .execute();
    }
  }

  // ---- findings: the engine's pure lifecycle merge over what the database knows of this organization.
  const rows = await loadFindingRows(trx, orgId);
  const byModelKey = new Map<string, FindingRow>();
  const known = rows.map((r) => {
    const f = toModel(r);
    byModelKey.set(f.key, r);
    return f;
  });
  const observed: Observation[] = report.findings;
  const { findings, diff } = applyScan(known, observed, { hosts: seenHosts, ports }, now);
  const changed = new Map<string, 'new' | 'resolved' | 'reopened'>();
  for (const f of diff.new) changed.set(f.key, 'new');
  for (const f of diff.resolved) changed.set(f.key, 'resolved');
  for (const f of diff.reopened) changed.set(f.key, 'reopened');
  const persisting = new Set(diff.persisting.map((f) => f.key));
  for (const f of findings) {
    const change = changed.get(f.key);
    if (!change && !persisting.has(f.key)) continue;
    const prev = byModelKey.get(f.key);
    let id: string;
    if (!prev) {
      id = newId('asf');
      await trx
        .insertInto('asm_findings')
        .values({
          id,
          finding_key: dbFindingKey(orgId, f.key),
          organization_id: orgId,
          ...observationValues(f),
          status: f.status,
          status_reason: null,
          status_expiry: null,
          status_by: null,
          status_at: null,
          first_seen: f.firstSeen,
          last_seen: f.lastSeen,
          fixed_at: null,
          reopened_count: 0,
          last_scan_id: scanId,
        })
        .onConflict((oc) => oc.column('finding_key').doNothing())
        .execute();
    } else {
      id = prev.id;
      const statusChanged = prev.status !== f.status;
      await trx
        .updateTable('asm_findings')
        .set({
          ...(change === 'resolved' ? {} : observationValues(f)),
          status: f.status,
          status_reason: f.statusReason ?? null,
          status_expiry: f.statusExpiry ?? null,
          ...(statusChanged ? { status_by: 'scan', status_at: iso(now) } : {}),
          last_seen: f.lastSeen,
          fixed_at: f.fixedAt ?? null,
          reopened_count: f.reopenedCount,
          ...(change === 'resolved' ? {} : { last_scan_id: scanId }),
        })
        .where('id', '=', id)
        .execute();
      if (statusChanged && !change) {
        // An accepted risk whose expiry passed opens again when a scan still sees it.
        await trx
          .insertInto('asm_finding_events')
          .values(event(id, t, 'expired', prev.status, f.status, null, scanId))
          .execute();
      }
    }
    if (change) {
      await trx
        .insertInto('asm_finding_events')
        .values(event(id, t, change, prev ? (prev.status as AsmFindingStatus) : null, f.status, null, scanId))
        .execute();
      await trx
        .insertInto('asm_scan_diffs')
        .values({ scan_id: scanId, finding_id: id, change })
        .onConflict((oc) => oc.columns(['scan_id', 'finding_id']).doNothing())
        .execute();
    }
  }
  return {
    hosts: report.hosts.length,
    services: report.services.length,
    findings: report.findings.length,
    new: diff.new.length,
    resolved: diff.resolved.length,
    reopened: diff.reopened.length,
    refused: 0,
    assetsNew,
    assetsChanged,
    assetsVanished,
    discoveredScanned: 0,
  };
}

export function event(
  findingId: string,
  at: string,
  kind: string,
  from: string | null,
  to: string,
  by: string | null,
  scanId: string | null,
  reason: string | null = null,
) {
  return {
    id: newId('afe'),
    finding_id: findingId,
    at,
    kind,
    from_status: from,
    to_status: to,
    by_name: by,
    reason,
    scan_id: scanId,
  };
}
