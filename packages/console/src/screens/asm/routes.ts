// The ASM routes (/asm/…), their page titles and navigation entries (no screen imports: the router uses it).
import type { MessageKey } from '../../i18n/i18n.js';

export type AsmRouteName =
  'asmFindings' | 'asmFinding' | 'asmAssets' | 'asmScope' | 'asmScanRun' | 'asmDashboard';

const paths: Record<string, AsmRouteName> = {
  '/asm': 'asmFindings',
  '/asm/findings': 'asmFindings',
  '/asm/assets': 'asmAssets',
  '/asm/scope': 'asmScope',
  '/asm/dashboard': 'asmDashboard',
};

export function parseAsmRoute(path: string): { name: AsmRouteName; params: Record<string, string> } | null {
  const hit = paths[path];
  if (hit) return { name: hit, params: {} };
  const m = /^\/asm\/findings\/([^/]+)$/.exec(path);
  if (m?.[1]) return { name: 'asmFinding', params: { id: decodeURIComponent(m[1]) } };
  const s = /^\/asm\/scans\/([^/]+)$/.exec(path);
  if (s?.[1]) return { name: 'asmScanRun', params: { id: decodeURIComponent(s[1]) } };
  return null;
}

export const asmTitles: Record<AsmRouteName, MessageKey> = {
  asmFindings: 'asm.nav.findings',
  asmFinding: 'asm.finding.title',
  asmAssets: 'asm.nav.assets',
  asmScope: 'asm.nav.scope',
  asmScanRun: 'asm.run.title',
  asmDashboard: 'asm.nav.dashboard',
};

export const asmNav = (): { href: string; label: MessageKey; match: string[]; icon: string }[] => [
  {
    href: '/asm/findings',
    label: 'asm.nav.findings',
    match: ['asmFindings', 'asmFinding'],
    icon: 'M12 2 3 6v6c0 5 4 9 9 10 5-1 9-5 9-10V6zm0 6v5m0 3v1',
  },
  { href: '/asm/assets', label: 'asm.nav.assets', match: ['asmAssets'], icon: 'M3 5h18v6H3zm0 8h18v6H3z' },
  {
    href: '/asm/scope',
    label: 'asm.nav.scope',
    match: ['asmScope', 'asmScanRun'],
    icon: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm0 4a5 5 0 1 0 0 10 5 5 0 0 0 0-10z',
  },
  {
    href: '/asm/dashboard',
    label: 'asm.nav.dashboard',
    match: ['asmDashboard'],
    icon: 'M4 20V10m6 10V4m6 16v-8m4 8H2',
  },
];
