// An ad-hoc or scheduled scan of targets that passed the scope gate: ports, services, web, TLS, DNS, checks.
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DnsClient, type DnsServer } from '../dns/client.js';
import type { DnsRecord } from '../dns/codec.js';
import {
  attemptZoneTransfers,
  collectRecords,
  enumerateSubdomains,
  findDanglingCnames,
  findZone,
  isOpenResolver,
  mailAuth,
} from '../discovery/dns-discovery.js';
import { namesFromSans, namesUnder } from '../discovery/passive.js';
import { getServers } from 'node:dns';
import { analyzeHttp, httpGet } from '../fingerprint/http-analysis.js';
import { loadWebMarkers, type WebMarker } from '../fingerprint/markers.js';
import { loadTcpProbes, type TcpProbe } from '../fingerprint/probes.js';
import { fingerprintPort } from '../fingerprint/service.js';
import { loadTechDb, type TechDb } from '../fingerprint/tech.js';
import { applyScan, riskScore, type Observation } from '../findings/model.js';
import { loadChecks, type CheckDef } from '../checks/catalog.js';
import {
  CheckContext,
  applianceChecks,
  dnsChecks,
  httpHeaderChecks,
  httpPathChecks,
  serviceChecks,
  tlsChecks,
  vulnChecks,
  type Lang,
  type VulnLookup,
} from '../checks/evaluate.js';
import { ftpAnonymous, memcachedStats, mongoListDatabases } from '../checks/service-probes.js';
import { tcpScan } from '../portscan/tcp-scan.js';
import { udpScan } from '../portscan/udp-scan.js';
import { parsePortSpec } from '../portscan/port-lists.js';
import { ScopeGuard, adhocScope, normalizeTarget } from '../scope/guard.js';
import type { DomainReport, ScanReport, ServiceRecord } from './types.js';
import { nodeTransport, runTemplate, scopedTransport, type CompiledTemplate } from '../templates/index.js';

export interface ScanOptions {
  ports?: string;
  /** DNS server for all lookups (e.g. 127.0.0.1:5353); the system resolver when omitted. */
  resolver?: DnsServer;
  guard?: ScopeGuard;
  udp?: boolean;
  dns?: boolean;
  lang?: Lang;
  techPath?: string;
  wordlist?: string[];
  vulnLookup?: VulnLookup;
  /** Names from certificate-transparency or passive-DNS exports: leads listed under their zone, never scanned unless named. */
  passiveNames?: string[];
  /** Compiled nuclei-format templates to run against every web service (through the same scope gate). */
  templates?: CompiledTemplate[];
  timeoutMs?: number;
  bannerWaitMs?: number;
  /** Parallel service fingerprints. */
  concurrency?: number;
  ratePerSecond?: number;
  /** Waits for a send slot towards one address before each port probe (politeness shared across workers). */
  pace?: (address: string) => Promise<void>;
  onProgress?: (msg: string) => void;
  now?: () => Date;
}

const defaultWordlist = fileURLToPath(new URL('../../data/wordlists/subdomains.txt', import.meta.url));

export function loadWordlist(path = defaultWordlist): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

function systemDnsClient(): DnsClient | null {
  const first = getServers()[0];
  if (!first) return null;
  const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(first);
  if (!m || !isIP(m[1]!)) return null;
  return new DnsClient({ server: { host: m[1]!, port: m[2] ? Number(m[2]) : 53 } });
}

async function systemResolve(name: string): Promise<string[]> {
  const { lookup } = await import('node:dns/promises');
  try {
    return (await lookup(name, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  const q = [...items];
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(n, q.length)) }, async () => {
      for (let t = q.shift(); t !== undefined; t = q.shift()) await fn(t);
    }),
  );
}

export async function scanTargets(targets: string[], opts: ScanOptions = {}): Promise<ScanReport> {
  const now = opts.now ?? (() => new Date());
  const startedAt = now();
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string): void => {
    const t = performance.now();
    timings[name] = Math.round(t - t0);
    t0 = t;
  };
  const progress = opts.onProgress ?? (() => {});
  // Name resolution for the scope gate: the given resolver, else the system's. DNS discovery needs a server it
  // can query directly, so without --resolver it uses the first system name server.
  const client = opts.resolver ? new DnsClient({ server: opts.resolver }) : null;
  const resolve = client ? (n: string) => client.resolveAddresses(n) : systemResolve;
  const discoveryClient = client ?? systemDnsClient();
  const guard = opts.guard ?? new ScopeGuard({ orgs: [adhocScope(targets)], resolve, ignoreWindows: true });
  const ports = parsePortSpec(opts.ports ?? 'top1000');
  const catalog: Map<string, CheckDef> = loadChecks();
  const ctx = new CheckContext(catalog, opts.lang ?? 'ja');
  const probes: TcpProbe[] = loadTcpProbes();
  const techDb: TechDb = loadTechDb(opts.techPath);
  const markers: WebMarker[] = loadWebMarkers();
  lap('load');

  // 1. Scope: every target goes through the gate; names are pinned to the addresses it returned.
  const hosts: Array<{ host: string; addresses: string[] }> = [];
  const names: string[] = [];
  const orgs = new Set<string>();
  for (const raw of targets) {
    if (raw.includes('/') && !raw.includes('://')) {
      const [net, p] = raw.split('/');
      const prefix = Number(p);
      if (isIP(net ?? '') !== 4 || !(prefix >= 16 && prefix <= 32))
        throw new Error(`only IPv4 ranges of /16 or smaller: ${raw}`);
      const size = 2 ** (32 - prefix);
      const base = net!.split('.').reduce((a, o) => a * 256 + Number(o), 0) & ~(size - 1);
      for (let i = 0; i < size; i++) {
        const n = (base + i) >>> 0;
        const a = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
        const d = await guard.check(a);
        if (d.allowed) hosts.push({ host: a, addresses: d.addresses });
        if (d.org) orgs.add(d.org);
      }
      continue;
    }
    const t = normalizeTarget(raw);
    const d = await guard.check(raw);
    if (!d.allowed || t === null) continue;
    if (d.org) orgs.add(d.org);
    hosts.push({ host: t, addresses: d.addresses });
    if (!isIP(t)) names.push(t);
  }
  lap('scope');
  const addressHost = new Map<string, string>();
  for (const h of hosts)
    for (const a of h.addresses) if (!addressHost.has(a) || !isIP(h.host)) addressHost.set(a, h.host);
  const addresses = [...addressHost.keys()];
  progress(
    `scope: ${hosts.length} host(s), ${addresses.length} address(es), ${guard.refusals.length} refused`,
  );

  // 2. Ports.
  // Per-organization politeness: the strictest limit among the organizations whose scope admitted the targets.
  const limits = [...orgs]
    .map((o) => guard.rateOf(o))
    .filter((r): r is NonNullable<typeof r> => r !== undefined);
  const orgRate = limits.length ? Math.min(...limits.map((r) => r.perSecond)) : undefined;
  const orgConc = limits.length ? Math.min(...limits.map((r) => r.concurrency)) : undefined;
  const tcp = await tcpScan(addresses, {
    ...(orgConc ? { concurrency: { initial: Math.min(128, orgConc), max: orgConc, min: 1 } } : {}),
    check: guard.check,
    stop: guard.stopSwitch,
    ports,
    ...(opts.pace ? { pace: opts.pace } : {}),
    timeoutMs: opts.timeoutMs ?? 1500,
    ...(opts.ratePerSecond || orgRate
      ? { ratePerSecond: Math.min(opts.ratePerSecond ?? Infinity, orgRate ?? Infinity) }
      : {}),
  });
  const open = tcp.results.filter((r) => r.state === 'open');
  lap('tcp');
  progress(`tcp: ${open.length} open of ${tcp.results.length} probed`);
  const udp =
    opts.udp === false
      ? []
      : await udpScan(addresses, { check: guard.check, stop: guard.stopSwitch, timeoutMs: 800, retries: 1 });
  lap('udp');

  // 3. Services.
  const services: ServiceRecord[] = [];
  const observations: Observation[] = [];
  // One fingerprint per address and port, reached by its preferred name (first named host name, for SNI and
  // virtual hosts); other names of the same address are listed on the service, not scanned again.
  const namesOf = (a: string): string[] => [
    ...new Set(hosts.filter((h) => h.addresses.includes(a) && !isIP(h.host)).map((h) => h.host)),
  ];
  const jobs = open.map((r) => ({
    host: namesOf(r.address)[0] ?? r.address,
    address: r.address,
    port: r.port,
  }));
  await pool(jobs, opts.concurrency ?? 16, async (j) => {
    if (guard.stopSwitch.stopped) return;
    const id = await fingerprintPort(j, {
      probes,
      check: guard.check,
      bannerWaitMs: opts.bannerWaitMs ?? 1500,
      probeTimeoutMs: opts.timeoutMs ?? 3000,
    });
    const svc: ServiceRecord = {
      host: j.host,
      address: j.address,
      port: j.port,
      transport: 'tcp',
      service: id.service,
      product: id.product,
      version: id.version,
      cpe: id.cpe,
      tls: id.tls,
    };
    const others = namesOf(j.address).filter((n) => n !== j.host);
    if (others.length > 0) svc.otherNames = others;
    if (id.starttls) svc.starttls = true;
    if (id.banner) svc.banner = id.banner;
    if (id.tlsInfo) svc.tlsInfo = id.tlsInfo;
    const confirmed: Record<string, string> = {};
    if (svc.service === 'http' || svc.service === 'https') {
      const target = { host: j.host, address: j.address, port: j.port, tls: id.tls };
      const { info } = await analyzeHttp(target, { check: guard.check, techDb, markers });
      svc.http = info;
      if (!svc.product && info.server) svc.product = info.server;
      observations.push(...(await httpPathChecks(ctx, svc, (p) => httpGet(target, p))));
      observations.push(...httpHeaderChecks(ctx, svc));
      observations.push(...applianceChecks(ctx, svc, opts.vulnLookup));
    }
    if (svc.service === 'redis' && /redis_version:/.test(id.reply?.toString('latin1') ?? ''))
      confirmed['unauthenticated-redis'] = `INFO without AUTH → redis_version:${svc.version}`;
    if (svc.service === 'elasticsearch' && svc.version) {
      const r = await httpGet(
        { host: j.host, address: j.address, port: j.port, tls: id.tls },
        '/_cat/indices?format=json',
      );
      if (r.status === 200)
        confirmed['unauthenticated-elasticsearch'] =
          `GET /_cat/indices → 200 ${r.body.toString('utf8', 0, 200)}`;
    }
    if (svc.service === 'mongodb') {
      const m = await mongoListDatabases(j.address, j.port);
      if (m.open) confirmed['unauthenticated-mongodb'] = m.evidence;
    }
    if (svc.service === 'memcached') {
      const m = await memcachedStats(j.address, j.port);
      if (m.open) confirmed['unauthenticated-memcached'] = m.evidence;
    }
    if (svc.service === 'ftp') {
      const f = await ftpAnonymous(j.address, j.port);
      if (f.open) confirmed['anonymous-ftp'] = f.evidence;
    }
    observations.push(...serviceChecks(ctx, svc, confirmed));
    observations.push(...tlsChecks(ctx, svc));
    observations.push(...vulnChecks(ctx, svc, opts.vulnLookup));
    services.push(svc);
  });
  for (const u of udp.filter((x) => x.state === 'open')) {
    services.push({
      host: namesOf(u.address)[0] ?? u.address,
      address: u.address,
      port: u.port,
      transport: 'udp',
      service: u.service ?? 'unknown',
      product: u.product ?? '',
      version: u.version ?? '',
      cpe: '',
      tls: false,
      ...(u.banner ? { banner: u.banner } : {}),
    });
  }
  lap('services');

  // 3b. Templates (nuclei format) against each web service; the engine asks the same gate for every connection.
  if (opts.templates && opts.templates.length > 0) {
    const transport = scopedTransport(
      nodeTransport(opts.resolver ? { dnsServer: opts.resolver } : {}),
      guard.check,
    );
    // Each template runs against what its protocol needs: http → every web service (URL), ssl → every TLS
    // service (host:port), network → every open TCP service whose port the template names (or all, when it
    // names none), dns → every named target. A template with several protocols goes by its first one.
    const hostPort = (svc: ServiceRecord): string =>
      `${isIP(svc.host) === 6 ? `[${svc.host}]` : svc.host}:${svc.port}`;
    const runs: Array<{ t: CompiledTemplate; svc: ServiceRecord | null; target: string }> = [];
    const tcpServices = services.filter((s) => s.transport === 'tcp');
    for (const t of opts.templates) {
      const protocol = t.protocols[0];
      if (protocol === 'http') {
        for (const svc of services.filter((s) => s.http))
          runs.push({ t, svc, target: `${svc.tls ? 'https' : 'http'}://${hostPort(svc)}` });
      } else if (protocol === 'ssl') {
        for (const svc of tcpServices.filter((s) => s.tls)) runs.push({ t, svc, target: hostPort(svc) });
      } else if (protocol === 'network') {
        const named = templatePorts(t);
        for (const svc of tcpServices.filter((s) => named === null || named.has(s.port)))
          runs.push({ t, svc, target: hostPort(svc) });
      } else if (protocol === 'dns') {
        for (const n of names) runs.push({ t, svc: null, target: n });
      }
    }
    const templateRuns: Record<string, number> = {};
    await pool(runs, opts.concurrency ?? 16, async ({ t, svc, target }) => {
      if (guard.stopSwitch.stopped) return;
      const protocol = t.protocols[0] ?? 'http';
      templateRuns[protocol] = (templateRuns[protocol] ?? 0) + 1;
      const url = target;
      const r = await runTemplate(t, url, {
        transport,
        scope: guard.check,
        timeoutMs: opts.timeoutMs ?? 3000,
        templateTimeoutMs: 30_000,
      });
      for (const m of r.matches.slice(0, 1)) observations.push(templateObservation(t, m, svc, target));
    });
    timings.templateRunsHttp = templateRuns.http ?? 0;
    timings.templateRunsSsl = templateRuns.ssl ?? 0;
    timings.templateRunsNetwork = templateRuns.network ?? 0;
    timings.templateRunsDns = templateRuns.dns ?? 0;
    lap('templates');
  }

  // 4. DNS for named targets (and open resolvers on any address answering DNS over UDP).
  const domains: DomainReport[] = [];
  if (opts.dns !== false && discoveryClient) {
    const client = discoveryClient;
    const words = opts.wordlist ?? loadWordlist();
    const sanNames = namesFromSans(services.flatMap((s) => s.tlsInfo?.cert?.sans ?? []));
    const zones = new Map<string, string>();
    for (const n of names) {
      const z = await findZone(client, n);
      if (z && !zones.has(z)) zones.set(z, n);
    }
    for (const [zone, name] of zones) {
      const records = await collectRecords(client, name);
      const apexRecords = name === zone ? records : await collectRecords(client, zone);
      const axfr = await attemptZoneTransfers(client, zone, guard.check, { port: opts.resolver?.port ?? 53 });
      const transferred: DnsRecord[] = axfr.find((a) => a.allowed)?.records ?? [];
      const en = await enumerateSubdomains(client, zone, words);
      const cnames: DnsRecord[] = [...records, ...apexRecords, ...transferred].filter(
        (r) => r.type === 'CNAME',
      );
      for (const f of en.found)
        if (f.cname) cnames.push({ name: f.name, type: 'CNAME', ttl: 0, data: f.cname });
      const uniq = [...new Map(cnames.map((c) => [`${c.name}|${c.data}`, c])).values()];
      const dangling = await findDanglingCnames(client, uniq);
      const discovered = new Set<string>([
        ...transferred.map((r) => r.name.toLowerCase()),
        ...en.found.map((f) => f.name),
        ...sanNames.filter((s) => s.endsWith(zone)),
        ...namesUnder(opts.passiveNames ?? [], zone),
      ]);
      const mail = await mailAuth(client, zone);
      domains.push({
        name,
        zone,
        records: [
          ...new Map([...apexRecords, ...records].map((r) => [`${r.name}|${r.type}|${r.data}`, r])).values(),
        ],
        axfr,
        dangling,
        openResolvers: [],
        mail,
        discoveredNames: [...discovered].sort(),
        wildcard: en.wildcard,
      });
    }
  }
  const resolvers: Array<{ address: string; evidence: string }> = [];
  for (const u of udp.filter((x) => x.state === 'open' && x.port === 53)) {
    if (!(await guard.check(u.address, 53)).allowed) continue;
    const r = await isOpenResolver(u.address, 53);
    if (r.open) resolvers.push({ address: u.address, evidence: r.evidence });
  }
  if (resolvers.length > 0) {
    if (domains.length === 0)
      domains.push({
        name: '',
        zone: '',
        records: [],
        axfr: [],
        dangling: [],
        openResolvers: [],
        discoveredNames: [],
        wildcard: null,
      });
    domains[0]!.openResolvers.push(...resolvers);
  }
  for (const d of domains) observations.push(...dnsChecks(ctx, d));
  lap('dns');

  const { findings } = applyScan([], observations, { hosts: new Set() }, startedAt);
  findings.sort((a, b) => b.cvss - a.cvss || a.host.localeCompare(b.host) || (a.port ?? 0) - (b.port ?? 0));
  services.sort(
    (a, b) => a.host.localeCompare(b.host) || a.transport.localeCompare(b.transport) || a.port - b.port,
  );
  return {
    tool: 'mamori-asm',
    version: '0.1.0',
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    targets,
    ports: { spec: opts.ports ?? 'top1000', count: ports.length },
    refused: [...guard.refusals],
    hosts,
    services,
    closedOrFiltered: tcp.results.length - open.length,
    domains,
    findings,
    risk: riskScore(findings, startedAt),
    timings,
  };
}

const TEMPLATE_CVSS: Record<string, number> = {
  critical: 9.5,
  high: 7.5,
  medium: 5.5,
  low: 3,
  info: 0,
  unknown: 0,
};

/** Ports a network template names (`port: 6379,6380`), or null when it names none. */
function templatePorts(t: CompiledTemplate): Set<number> | null {
  const out = new Set<number>();
  for (const b of t.blocks) {
    if (b.protocol !== 'network' || !b.port) continue;
    for (const p of b.port.split(',')) {
      const n = Number(p.trim());
      if (Number.isInteger(n) && n > 0 && n < 65536) out.add(n);
    }
  }
  return out.size > 0 ? out : null;
}

function templateObservation(
  t: CompiledTemplate,
  m: { matchedAt: string; evidence?: string; extracted: string[] },
  svc: ServiceRecord | null,
  target: string,
): Observation {
  const rem =
    t.info.remediation ??
    (t.info.reference.length > 0
      ? `See: ${t.info.reference.slice(0, 3).join(' ')}`
      : 'See the template references.');
  const cves = [...new Set(`${t.id} ${t.info.name}`.match(/CVE-\d{4}-\d{4,}/gi) ?? [])].map((c) =>
    c.toUpperCase(),
  );
  const o: Observation = {
    check: `template:${t.id}`,
    host: svc?.host ?? target,
    ...(svc ? { port: svc.port, transport: 'tcp' as const } : {}),
    title: t.info.name,
    evidence: `${m.matchedAt}${m.extracted.length ? ` [${m.extracted.slice(0, 5).join(', ')}]` : ''}${m.evidence ? ` ${m.evidence.slice(0, 300)}` : ''}`,
    cvss: TEMPLATE_CVSS[t.info.severity.toLowerCase()] ?? 0,
    remediation: { ja: `テンプレート「${t.info.name}」の検出です。${rem}`, en: rem },
  };
  if (cves.length > 0) o.cves = cves;
  return o;
}
