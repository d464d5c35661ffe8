// How an event counts in the hourly rollups: action from the disposition, category per source kind
// (WAF → attack type, IPS → rule category, proxy → URL category, mail → spam / malware / clean).
import type { NormalizedEvent } from '@mamori/core';
import type { RollupAction } from '../types.js';

export function rollupAction(ev: NormalizedEvent): RollupAction {
  switch (ev.disposition) {
    case 'allowed':
      return 'allowed';
    case 'blocked':
    case 'quarantined':
    case 'deleted':
      return 'blocked';
    case 'detected':
      return 'detected';
    default:
      // 'unknown': a finding was still reported; any other event was let through as far as we know.
      return ev.class === 'detection_finding' ? 'detected' : 'allowed';
  }
}

export function rollupCategory(ev: NormalizedEvent): string {
  switch (ev.sourceKind) {
    case 'waf':
    case 'ips':
    case 'proxy':
      return ev.rule?.category ?? '';
    case 'mail':
      return ev.activity === 'malware' ? 'malware' : ev.activity === 'spam' ? 'spam' : 'clean';
    default:
      return '';
  }
}

/** UTC hour of an ISO time: 2026-11-25T10. Falls back to the receipt time when the event time is unreadable. */
export function hourOf(time: string, receivedAt: number): string {
  if (time.length >= 20 && time.charCodeAt(time.length - 1) === 90 /* Z */ && time.charCodeAt(13) === 58) {
    return time.slice(0, 13);
  }
  const t = Date.parse(time);
  return new Date(Number.isFinite(t) ? t : receivedAt).toISOString().slice(0, 13);
}
