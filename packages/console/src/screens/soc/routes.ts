// The SOC routes (/soc/…), their page titles and navigation entries (no screen imports: the router uses it).
import type { MessageKey } from '../../i18n/i18n.js';

export type SocRouteName = 'socAlerts' | 'socAlert' | 'socLive' | 'socEvents' | 'socQuarantine' | 'socReport';

const paths: Record<string, SocRouteName> = {
  '/soc': 'socAlerts',
  '/soc/alerts': 'socAlerts',
  '/soc/live': 'socLive',
  '/soc/events': 'socEvents',
  '/soc/quarantine': 'socQuarantine',
  '/soc/reports': 'socReport',
};

export function parseSocRoute(path: string): { name: SocRouteName; params: Record<string, string> } | null {
  const hit = paths[path];
  if (hit) return { name: hit, params: {} };
  const m = /^\/soc\/alerts\/([^/]+)$/.exec(path);
  if (m?.[1]) return { name: 'socAlert', params: { id: decodeURIComponent(m[1]) } };
  return null;
}

export const socTitles: Record<SocRouteName, MessageKey> = {
  socAlerts: 'soc.nav.alerts',
  socAlert: 'soc.triage.title',
  socLive: 'soc.nav.live',
  socEvents: 'soc.nav.events',
  socQuarantine: 'soc.nav.quarantine',
  socReport: 'soc.nav.report',
};

export const socNav = (): { href: string; label: MessageKey; match: string[]; icon: string }[] => [
  {
    href: '/soc/alerts',
    label: 'soc.nav.alerts',
    match: ['socAlerts', 'socAlert', 'socLive'],
    icon: 'M12 2 1 21h22zm0 6v6m0 3v1',
  },
  {
    href: '/soc/events',
    label: 'soc.nav.events',
    match: ['socEvents'],
    icon: 'M10 4a6 6 0 1 0 0 12 6 6 0 0 0 0-12zm5 11 6 6',
  },
  // Everyone sees the quarantine within their reach (a municipality: lines its own senders sent).
  {
    href: '/soc/quarantine',
    label: 'soc.nav.quarantine',
    match: ['socQuarantine'],
    icon: 'M4 4h16v16H4zM4 9h16',
  },
  { href: '/soc/reports', label: 'soc.nav.report', match: ['socReport'], icon: 'M5 21V10m7 11V4m7 17v-7' },
];
