// Folding rollup counters and alert rows into the report's figures. Pure: the service reads the rows.
import { alertSeverities, type AlertSeverity, type MonthlyFigures } from './types.js';

/** soc_rollups summed over the month: one row per organization × source kind × action × category. */
export interface RollupSum {
  organizationId: string;
  sourceKind: string;
  action: string;
  category: string;
  count: number;
}

export interface AlertRow {
  organizationId: string | null;
  severity: string;
  status: string;
  firstSeen: string;
  acknowledgedAt: string | null;
}

export function emptyFigures(): MonthlyFigures {
  return {
    firewall: { allowed: 0, blocked: 0 },
    ips: { detected: 0, blocked: 0 },
    waf: { attacks: 0, blocked: 0, byType: [] },
    mail: { malwareRemoved: 0, malwareDetected: 0, spam: 0, spamBlocked: 0 },
    sandbox: { suspicious: 0 },
    proxy: { blocked: 0, byCategory: [] },
    dns: { blocked: 0 },
    alerts: {
      total: 0,
      bySeverity: Object.fromEntries(alertSeverities.map((s) => [s, 0])) as Record<AlertSeverity, number>,
      falsePositive: 0,
      acknowledged: 0,
      mttaSeconds: null,
    },
    unattributed: 0,
  };
}

function bump(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

const sortedCounts = <K extends string>(map: Map<string, number>, name: K) =>
  [...map]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, count]) => ({ [name]: k, count }) as { [P in K]: string } & { count: number });

/** Adds rollup sums to `f` (the caller keeps one figures object per scope or organization). */
export function foldRollups(f: MonthlyFigures, rows: Iterable<RollupSum>): MonthlyFigures {
  const waf = new Map(f.waf.byType.map((x) => [x.type, x.count]));
  const proxy = new Map(f.proxy.byCategory.map((x) => [x.category, x.count]));
  for (const r of rows) {
    const n = r.count;
    if (r.organizationId === '') f.unattributed += n;
    // Quarantined / deleted arrive as 'blocked' (contract); 'detected' = seen and reported, not stopped.
    const blocked = r.action === 'blocked';
    const detected = r.action === 'detected';
    switch (r.sourceKind) {
      case 'firewall':
        if (blocked) f.firewall.blocked += n;
        else if (r.action === 'allowed') f.firewall.allowed += n;
        break;
      case 'ips':
        if (blocked) f.ips.blocked += n;
        else if (detected) f.ips.detected += n;
        break;
      case 'waf':
        // A WAF transaction that was neither blocked nor reported is ordinary traffic; one that only tripped a
        // protocol rule without being blocked (e.g. 920350, a numeric Host header) is not counted as an attack.
        if (blocked || (detected && r.category !== 'protocol')) {
          f.waf.attacks += n;
          if (blocked) f.waf.blocked += n;
          bump(waf, r.category || 'other', n);
        }
        break;
      case 'mail':
        if (r.category === 'malware') {
          if (blocked) f.mail.malwareRemoved += n;
          else if (detected) f.mail.malwareDetected += n;
        } else if (r.category === 'spam') {
          f.mail.spam += n;
          if (blocked) f.mail.spamBlocked += n;
        }
        break;
      case 'sandbox':
        if (blocked || detected) f.sandbox.suspicious += n;
        break;
      case 'proxy':
        if (blocked) {
          f.proxy.blocked += n;
          bump(proxy, r.category, n);
        }
        break;
      case 'dns':
        if (blocked) f.dns.blocked += n;
        break;
      default:
        break;
    }
  }
  f.waf.byType = sortedCounts(waf, 'type');
  f.proxy.byCategory = sortedCounts(proxy, 'category');
  return f;
}

/** Adds the month's alerts (those first seen in it) to `f`. */
export function foldAlerts(f: MonthlyFigures, alerts: Iterable<AlertRow>): MonthlyFigures {
  let ackSum = 0;
  let ackCount = 0;
  for (const a of alerts) {
    f.alerts.total += 1;
    if ((alertSeverities as readonly string[]).includes(a.severity)) {
      f.alerts.bySeverity[a.severity as AlertSeverity] += 1;
    }
    if (a.status === 'false_positive') f.alerts.falsePositive += 1;
    if (a.acknowledgedAt) {
      const ms = Date.parse(a.acknowledgedAt) - Date.parse(a.firstSeen);
      f.alerts.acknowledged += 1;
      if (Number.isFinite(ms)) {
        ackSum += Math.max(0, ms);
        ackCount += 1;
      }
    }
  }
  if (ackCount > 0) {
    // Combine with what was folded before (same scope, other batch) by weighting with the counts.
    const before = f.alerts.mttaSeconds;
    const prevCount = f.alerts.acknowledged - ackCount;
    const total = (before ?? 0) * prevCount + ackSum / 1000;
    f.alerts.mttaSeconds = Math.round(total / f.alerts.acknowledged);
  }
  return f;
}

/** The value of one row key ('waf.attacks', 'alerts.high', …) in a figures object. */
export function figureValue(f: MonthlyFigures, key: string): number | null {
  switch (key) {
    case 'firewall.allowed':
      return f.firewall.allowed;
    case 'firewall.blocked':
      return f.firewall.blocked;
    case 'ips.detected':
      return f.ips.detected;
    case 'ips.blocked':
      return f.ips.blocked;
    case 'waf.attacks':
      return f.waf.attacks;
    case 'waf.blocked':
      return f.waf.blocked;
    case 'mail.malwareRemoved':
      return f.mail.malwareRemoved;
    case 'mail.malwareDetected':
      return f.mail.malwareDetected;
    case 'mail.spam':
      return f.mail.spam;
    case 'mail.spamBlocked':
      return f.mail.spamBlocked;
    case 'sandbox.suspicious':
      return f.sandbox.suspicious;
    case 'proxy.blocked':
      return f.proxy.blocked;
    case 'dns.blocked':
      return f.dns.blocked;
    case 'alerts.total':
      return f.alerts.total;
    case 'alerts.falsePositive':
      return f.alerts.falsePositive;
    case 'alerts.acknowledged':
      return f.alerts.acknowledged;
    case 'alerts.mttaMinutes':
      return f.alerts.mttaSeconds === null ? null : Math.round(f.alerts.mttaSeconds / 6) / 10;
    default:
      if (key.startsWith('alerts.')) {
        const s = key.slice(7);
        if ((alertSeverities as readonly string[]).includes(s))
          return f.alerts.bySeverity[s as AlertSeverity];
      }
      return null;
  }
}
