// Findings as plain data with pure functions over them; the platform persists them later.
// Lifecycle: open → acknowledged → fixed (only when a rescan that covered the asset no longer sees it);
// accepted_risk (reason + expiry; back to open when it expires) and false_positive (reason) are set by people.
import { createHash } from 'node:crypto';
import { severityRank, type Severity } from '@mamori/core';

export type FindingStatus = 'open' | 'acknowledged' | 'fixed' | 'accepted_risk' | 'false_positive';

/** What a check saw in one scan, before lifecycle state is attached. */
export interface Observation {
  check: string;
  host: string;
  port?: number;
  transport?: 'tcp' | 'udp';
  /** Distinguishes several findings of one check on one port (a path, a record name). */
  detail?: string;
  title: string;
  evidence: string;
  cvss: number;
  kev?: boolean;
  cves?: string[];
  remediation?: { ja: string; en: string };
}

export interface Finding extends Observation {
  /** Stable across scans: check + host + port + detail. */
  key: string;
  severity: Severity;
  firstSeen: string;
  lastSeen: string;
  status: FindingStatus;
  statusReason?: string;
  /** accepted_risk: ISO time the acceptance ends. */
  statusExpiry?: string;
  /** When it was last fixed (kept when it reopens). */
  fixedAt?: string;
  reopenedCount: number;
}

export function findingKey(o: Pick<Observation, 'check' | 'host' | 'port' | 'detail'>): string {
  return createHash('sha256')
    .update(`${o.check}\u0000${o.host.toLowerCase()}\u0000${o.port ?? ''}\u0000${o.detail ?? ''}`)
    .digest('hex')
    .slice(0, 24);
}

/** CVSS v3 qualitative rating; a KEV entry is raised one level and at least to high. */
export function severityFromCvss(cvss: number, kev = false): Severity {
  const base: Severity =
    cvss >= 9 ? 'critical' : cvss >= 7 ? 'high' : cvss >= 4 ? 'medium' : cvss > 0 ? 'low' : 'informational';
  if (!kev) return base;
  const raised = ['informational', 'low', 'medium', 'high', 'critical'][
    Math.min(4, severityRank(base) + 1)
  ] as Severity;
  return severityRank(raised) < severityRank('high') ? 'high' : raised;
}

const OBSERVATION_FIELDS = [
  'check',
  'host',
  'port',
  'transport',
  'detail',
  'title',
  'evidence',
  'cvss',
  'kev',
  'cves',
  'remediation',
] as const;

/** Only what a scan observes: lifecycle fields of a Finding passed in as an observation are ignored. */
function observationOf(o: Observation): Observation {
  const out: Record<string, unknown> = {};
  for (const k of OBSERVATION_FIELDS) if (o[k] !== undefined) out[k] = o[k];
  return out as unknown as Observation;
}

export function newFinding(o: Observation, now: Date): Finding {
  const t = now.toISOString();
  return {
    ...o,
    key: findingKey(o),
    severity: severityFromCvss(o.cvss, o.kev),
    firstSeen: t,
    lastSeen: t,
    status: 'open',
    reopenedCount: 0,
  };
}

export class FindingStatusError extends Error {}

/** A person's status change. `fixed` cannot be set by hand: only a rescan confirms a fix. */
export function setStatus(
  f: Finding,
  status: Exclude<FindingStatus, 'fixed'>,
  opts: { reason?: string; expiry?: string; now?: Date } = {},
): Finding {
  const now = opts.now ?? new Date();
  if ((status as string) === 'fixed')
    throw new FindingStatusError('a finding is fixed only when a rescan confirms it');
  if (f.status === 'fixed')
    throw new FindingStatusError('a fixed finding reopens only when a scan sees it again');
  const next: Finding = { ...f, status };
  delete next.statusReason;
  delete next.statusExpiry;
  if (status === 'accepted_risk') {
    if (!opts.reason?.trim()) throw new FindingStatusError('accepting a risk needs a reason');
    const exp = opts.expiry ? new Date(opts.expiry) : null;
    if (!exp || Number.isNaN(exp.getTime()) || exp <= now)
      throw new FindingStatusError('accepting a risk needs an expiry in the future');
    next.statusReason = opts.reason.trim();
    next.statusExpiry = exp.toISOString();
  } else if (status === 'false_positive') {
    if (!opts.reason?.trim()) throw new FindingStatusError('marking a false positive needs a reason');
    next.statusReason = opts.reason.trim();
  }
  return next;
}

export interface ScanCoverage {
  /** Hosts the scan reached (lower-case names or addresses). A finding on a host not covered is left as it is. */
  hosts: Set<string>;
  /** Checks that ran; findings of other checks are left as they are. Omit for "all". */
  checks?: Set<string>;
  /** Ports probed; a finding on a port not probed this time is left as it is. Omit for "all". */
  ports?: Set<number>;
}

export interface ScanDiff {
  new: Finding[];
  resolved: Finding[];
  reopened: Finding[];
  persisting: Finding[];
}

/**
 * Merges one scan's observations into the known findings. Returns every finding (updated) and the diff.
 * Pure: the same inputs give the same outputs.
 */
export function applyScan(
  known: Finding[],
  observed: Observation[],
  coverage: ScanCoverage,
  now: Date,
): { findings: Finding[]; diff: ScanDiff } {
  const t = now.toISOString();
  const byKey = new Map(known.map((f) => [f.key, f]));
  const seen = new Set<string>();
  const diff: ScanDiff = { new: [], resolved: [], reopened: [], persisting: [] };
  for (const o of observed) {
    const key = findingKey(o);
    if (seen.has(key)) continue;
    seen.add(key);
    const prev = byKey.get(key);
    if (!prev) {
      const f = newFinding(observationOf(o), now);
      byKey.set(key, f);
      diff.new.push(f);
      continue;
    }
    const f: Finding = {
      ...prev,
      ...observationOf(o),
      key,
      severity: severityFromCvss(o.cvss, o.kev),
      lastSeen: t,
    };
    if (prev.status === 'fixed') {
      f.status = 'open';
      f.reopenedCount = prev.reopenedCount + 1;
      diff.reopened.push(f);
    } else {
      if (prev.status === 'accepted_risk' && prev.statusExpiry && new Date(prev.statusExpiry) <= now) {
        f.status = 'open';
        delete f.statusReason;
        delete f.statusExpiry;
      }
      diff.persisting.push(f);
    }
    byKey.set(key, f);
  }
  for (const [key, f] of byKey) {
    if (seen.has(key) || f.status === 'fixed') continue;
    if (!coverage.hosts.has(f.host.toLowerCase())) continue;
    if (coverage.checks && !coverage.checks.has(f.check)) continue;
    if (coverage.ports && f.port !== undefined && !coverage.ports.has(f.port)) continue;
    const fixed: Finding = { ...f, status: 'fixed', fixedAt: t };
    delete fixed.statusReason;
    delete fixed.statusExpiry;
    byKey.set(key, fixed);
    diff.resolved.push(fixed);
  }
  return { findings: [...byKey.values()], diff };
}

const WEIGHT: Record<Severity, number> = { informational: 0, low: 1, medium: 4, high: 10, critical: 25 };

/**
 * Organization risk score 0–100 from findings that are still a risk (open, acknowledged, and accepted risks at
 * half weight). Saturating, so one more critical matters less at 95 than at 10; KEV findings count double.
 */
export function riskScore(
  findings: Finding[],
  now: Date = new Date(),
): { score: number; counts: Record<Severity, number> } {
  const counts: Record<Severity, number> = { informational: 0, low: 0, medium: 0, high: 0, critical: 0 };
  let sum = 0;
  for (const f of findings) {
    let factor: number;
    if (f.status === 'open' || f.status === 'acknowledged') factor = 1;
    else if (f.status === 'accepted_risk')
      factor = f.statusExpiry && new Date(f.statusExpiry) <= now ? 1 : 0.5;
    else continue;
    counts[f.severity]++;
    sum += WEIGHT[f.severity] * factor * (f.kev ? 2 : 1);
  }
  return { score: Math.round(100 * (1 - Math.exp(-sum / 50)) * 10) / 10, counts };
}
