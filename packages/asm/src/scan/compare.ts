// Comparing a scan with the previous one: findings carry their lifecycle over (first seen, status, fixed only
// when this scan covered the asset), and the asset inventory shows what appeared, changed or vanished.
import { diffAssets, type Asset, type AssetDiff } from '../discovery/assets.js';
import { applyScan, riskScore, type ScanDiff } from '../findings/model.js';
import type { ScanReport } from './types.js';
import { parsePortSpec } from '../portscan/port-lists.js';

// UDP probe ports (data/probes/udp.yaml) count as probed too.
const UDP_PORTS = [53, 123, 137, 161, 500, 1900, 4500];

export interface ScanComparison {
  previousAt: string;
  findings: { new: number; resolved: number; reopened: number; persisting: number };
  resolved: Array<{ check: string; host: string; port?: number; title: string }>;
  assets: AssetDiff;
}

export function assetsOf(r: ScanReport): Asset[] {
  const out: Asset[] = [];
  for (const h of r.hosts)
    out.push({ key: h.host, kind: 'name', fingerprint: [...h.addresses].sort().join(',') });
  for (const d of r.domains)
    for (const n of d.discoveredNames)
      if (!r.hosts.some((h) => h.host === n)) out.push({ key: n, kind: 'name', fingerprint: '' });
  for (const s of r.services)
    out.push({
      key: `${s.host}:${s.port}/${s.transport}`,
      kind: 'service',
      fingerprint: `${s.service}|${s.product}|${s.version}`,
    });
  return [...new Map(out.map((a) => [`${a.kind}:${a.key}`, a])).values()];
}

/** Returns the current report with findings merged into the previous ones, and the comparison. */
export function compareWithPrevious(
  previous: ScanReport,
  current: ScanReport,
): { report: ScanReport; comparison: ScanComparison } {
  const zones = current.domains.map((d) => d.zone).filter(Boolean);
  const covered = new Set<string>();
  for (const h of current.hosts) {
    covered.add(h.host.toLowerCase());
    for (const a of h.addresses) covered.add(a);
  }
  for (const f of previous.findings) {
    const h = f.host.toLowerCase();
    if (zones.some((z) => h === z || h.endsWith(`.${z}`))) covered.add(h);
  }
  let ports: Set<number> | undefined;
  try {
    ports = new Set([...parsePortSpec(current.ports.spec), ...UDP_PORTS]);
  } catch {
    ports = undefined; // an unreadable spec: do not restrict by port
  }
  const { findings, diff } = applyScan(
    previous.findings,
    current.findings,
    { hosts: covered, ...(ports ? { ports } : {}) },
    new Date(current.startedAt),
  );
  // Fixed findings stay in the report (status "fixed") so a later reappearance counts as reopened.
  const report: ScanReport = { ...current, findings };
  report.risk = riskScore(report.findings, new Date(current.startedAt));
  report.findings.sort(
    (a, b) => b.cvss - a.cvss || a.host.localeCompare(b.host) || (a.port ?? 0) - (b.port ?? 0),
  );
  const count = (d: ScanDiff) => ({
    new: d.new.length,
    resolved: d.resolved.length,
    reopened: d.reopened.length,
    persisting: d.persisting.length,
  });
  const comparison: ScanComparison = {
    previousAt: previous.startedAt,
    findings: count(diff),
    resolved: diff.resolved.map((f) => ({
      check: f.check,
      host: f.host,
      ...(f.port !== undefined ? { port: f.port } : {}),
      title: f.title,
    })),
    assets: diffAssets(assetsOf(previous), assetsOf(current)),
  };
  report.comparison = comparison;
  return { report, comparison };
}
