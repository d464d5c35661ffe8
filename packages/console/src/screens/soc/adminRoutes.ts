// SOC administration routes (contacts, rule sets, notification log): paths, titles, navigation entries and
// who sees them. Mirrors the server's roles (packages/platform/src/policy/roles.ts); the server decides.
import type { MessageKey } from '../../i18n/i18n.js';

export type SocAdminRouteName = 'socContacts' | 'socRuleSets' | 'socNotifications' | 'socSources';

const paths: Record<string, SocAdminRouteName> = {
  '/soc/contacts': 'socContacts',
  '/soc/rule-sets': 'socRuleSets',
  '/soc/notifications': 'socNotifications',
  '/soc/sources': 'socSources',
};

export function parseSocAdminRoute(
  path: string,
): { name: SocAdminRouteName; params: Record<string, string> } | null {
  const hit = paths[path];
  return hit ? { name: hit, params: {} } : null;
}

export const socAdminTitles: Record<SocAdminRouteName, MessageKey> = {
  socContacts: 'socAdmin.nav.contacts',
  socRuleSets: 'socAdmin.nav.ruleSets',
  socNotifications: 'socAdmin.nav.notifications',
  socSources: 'socSources.nav',
};

/** soc:manage: contacts of the organizations in reach. */
const socManagers = new Set(['state_admin', 'prefecture_admin', 'prefecture_operator', 'municipality_admin']);
/** Rule sets belong to a prefecture: read by state and prefecture roles, chosen by those with soc:manage. */
const ruleReaders = new Set(['state_admin', 'state_analyst', 'prefecture_admin', 'prefecture_operator']);
const ruleManagers = new Set(['state_admin', 'prefecture_admin', 'prefecture_operator']);

export const canManageSocContacts = (role: string): boolean => socManagers.has(role);
export const canReadRuleSets = (role: string): boolean => ruleReaders.has(role);
export const canManageRuleSets = (role: string): boolean => ruleManagers.has(role);
/** soc:sources: the security cloud's operators bind syslog senders; everyone reads the senders in reach. */
const sourceManagers = new Set(['state_admin', 'prefecture_admin', 'prefecture_operator']);
export const canManageSyslogSources = (role: string): boolean => sourceManagers.has(role);
/** Every role has soc:read; the log shows only notifications about alerts in reach. */
export const canReadNotifications = (_role: string): boolean => true;

export function canOpenSocAdmin(name: SocAdminRouteName, role: string): boolean {
  if (name === 'socContacts') return canManageSocContacts(role);
  if (name === 'socRuleSets') return canReadRuleSets(role);
  if (name === 'socSources') return true;
  return canReadNotifications(role);
}

export const socAdminNav = (
  role: string,
): { href: string; label: MessageKey; match: string[]; icon: string }[] => [
  ...(canManageSocContacts(role)
    ? [
        {
          href: '/soc/contacts',
          label: 'socAdmin.nav.contacts' as const,
          match: ['socContacts'],
          icon: 'M3 5h18v14H3zm0 0 9 7 9-7',
        },
      ]
    : []),
  ...(canReadRuleSets(role)
    ? [
        {
          href: '/soc/rule-sets',
          label: 'socAdmin.nav.ruleSets' as const,
          match: ['socRuleSets'],
          icon: 'M4 6h10M4 12h16M4 18h12M17 4v4M7 10v4M19 16v4',
        },
      ]
    : []),
  {
    href: '/soc/sources',
    label: 'socSources.nav',
    match: ['socSources'],
    icon: 'M4 5h16v5H4zm0 9h16v5H4zM7 7.5h.01M7 16.5h.01',
  },
  {
    href: '/soc/notifications',
    label: 'socAdmin.nav.notifications',
    match: ['socNotifications'],
    icon: 'M6 17V11a6 6 0 0 1 12 0v6l2 2H4zm4 3a2 2 0 0 0 4 0',
  },
];
