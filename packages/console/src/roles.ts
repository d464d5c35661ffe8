// What the console shows to whom. The server's policy module decides every access; these only hide
// navigation that would lead to a refusal.
export const ROLES = [
  'state_admin',
  'state_analyst',
  'prefecture_admin',
  'prefecture_operator',
  'municipality_admin',
  'municipality_staff',
  'auditor',
] as const;

const admins = new Set(['state_admin', 'prefecture_admin', 'municipality_admin']);
const auditReaders = new Set([
  'state_admin',
  'state_analyst',
  'prefecture_admin',
  'prefecture_operator',
  'municipality_admin',
  'auditor',
]);

export const canManageUsers = (role: string): boolean => admins.has(role);
export const canReadAudit = (role: string): boolean => auditReaders.has(role);

/** Adding bodies (associations, security-cloud operators) is for state and prefecture administrators. */
export const canManageOrgs = (role: string): boolean => role === 'state_admin' || role === 'prefecture_admin';
