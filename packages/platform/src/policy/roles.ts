// Roles and permissions: what each role may do, which roles it may grant, where it may sit, whether it needs MFA.
import type { OrgKind } from '@mamori/core';
import type { Permission, Role } from '../types.js';

export type ScopeLevel = 'state' | 'prefecture' | 'municipality' | 'organization';

export interface RoleSpec {
  ja: string;
  en: string;
  permissions: readonly Permission[];
  /** Roles a holder may give to users in its scope: never one above its own. */
  grants: readonly Role[];
  /** Where the role reaches: everything, its prefecture, its own organization subtree, or by its organization's kind. */
  level: ScopeLevel;
  /** Organization kinds a user with this role may belong to. */
  orgKinds: readonly OrgKind[];
  mfaRequired: boolean;
}

const municipalOrgKinds: readonly OrgKind[] = [
  'designated_city',
  'city',
  'town',
  'village',
  'special_ward',
  'ward',
  'association',
  'other',
];

const allKinds: readonly OrgKind[] = ['state', 'prefecture', 'soc_operator', ...municipalOrgKinds];

const readAll: readonly Permission[] = ['org:read', 'user:read', 'token:read', 'audit:read', 'events:read'];
// SOC alerts: read (the queue), triage (acknowledge, assign, resolve…), manage (contacts, rule sets).
const socAll: readonly Permission[] = ['soc:read', 'soc:triage', 'soc:manage'];
// Registered syslog sources bind a sender to an organization for the whole security cloud: only its operators
// (prefecture roles, within their prefecture) and the state — a municipality binding a range would take
// another tenant's sender.
// ASM: read (assets, findings, scans), scan (request one), manage (scope, schedules), triage (finding status);
// attest (ownership of a root by administrator attestation) only for state and prefecture administrators.
const asmAll: readonly Permission[] = ['asm:read', 'asm:scan', 'asm:manage', 'asm:triage'];

export const roleSpecs: Record<Role, RoleSpec> = {
  state_admin: {
    ja: '国の管理者',
    en: 'State administrator',
    permissions: [
      ...readAll,
      'org:write',
      'user:write',
      'token:write',
      'events:ingest',
      ...socAll,
      'soc:ingest',
      'soc:sources',
      ...asmAll,
      'asm:attest',
    ],
    grants: [
      'state_admin',
      'state_analyst',
      'prefecture_admin',
      'prefecture_operator',
      'municipality_admin',
      'municipality_staff',
      'auditor',
    ],
    level: 'state',
    orgKinds: ['state'],
    mfaRequired: true,
  },
  state_analyst: {
    ja: '国の分析担当',
    en: 'State analyst',
    permissions: ['org:read', 'user:read', 'audit:read', 'events:read', 'soc:read', 'asm:read'],
    grants: [],
    level: 'state',
    orgKinds: ['state'],
    mfaRequired: false,
  },
  prefecture_admin: {
    ja: '都道府県の管理者',
    en: 'Prefecture administrator',
    permissions: [
      ...readAll,
      'org:write',
      'user:write',
      'token:write',
      'events:ingest',
      ...socAll,
      'soc:ingest',
      'soc:sources',
      ...asmAll,
      'asm:attest',
    ],
    grants: [
      'prefecture_admin',
      'prefecture_operator',
      'municipality_admin',
      'municipality_staff',
      'auditor',
    ],
    level: 'prefecture',
    orgKinds: ['prefecture', 'soc_operator'],
    mfaRequired: true,
  },
  prefecture_operator: {
    ja: '都道府県 SOC オペレーター',
    en: 'Prefecture SOC operator',
    permissions: [
      'org:read',
      'user:read',
      'token:read',
      'audit:read',
      'events:read',
      'events:ingest',
      ...socAll,
      'soc:ingest',
      'soc:sources',
      ...asmAll,
    ],
    grants: [],
    level: 'prefecture',
    orgKinds: ['prefecture', 'soc_operator'],
    mfaRequired: true,
  },
  municipality_admin: {
    ja: '市区町村の管理者',
    en: 'Municipality administrator',
    permissions: [
      ...readAll,
      'user:write',
      'token:write',
      'events:ingest',
      ...socAll,
      'soc:ingest',
      ...asmAll,
    ],
    grants: ['municipality_admin', 'municipality_staff', 'auditor'],
    level: 'municipality',
    orgKinds: municipalOrgKinds,
    mfaRequired: true,
  },
  municipality_staff: {
    ja: '市区町村の職員',
    en: 'Municipality staff',
    permissions: ['org:read', 'events:read', 'soc:read', 'soc:triage', 'asm:read'],
    grants: [],
    level: 'municipality',
    orgKinds: municipalOrgKinds,
    mfaRequired: false,
  },
  auditor: {
    ja: '監査担当（閲覧のみ）',
    en: 'Auditor (read-only)',
    permissions: ['org:read', 'user:read', 'token:read', 'audit:read', 'events:read', 'soc:read', 'asm:read'],
    grants: [],
    level: 'organization',
    orgKinds: allKinds,
    mfaRequired: false,
  },
};

export const roleIds = Object.keys(roleSpecs) as Role[];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(roleSpecs, value);
}

export const permissionSpecs: Record<Permission, { ja: string; en: string }> = {
  'org:read': { ja: '組織の閲覧', en: 'Read organizations' },
  'org:write': { ja: '組織の登録', en: 'Register organizations' },
  'user:read': { ja: 'ユーザーの閲覧', en: 'Read users' },
  'user:write': { ja: 'ユーザーの管理', en: 'Manage users' },
  'token:read': { ja: 'API トークンの閲覧', en: 'Read API tokens' },
  'token:write': { ja: 'API トークンの管理', en: 'Manage API tokens' },
  'audit:read': { ja: '監査証跡の閲覧', en: 'Read the audit trail' },
  'events:ingest': { ja: 'イベントの送信', en: 'Send events' },
  'events:read': { ja: 'イベント・アラートの閲覧', en: 'Read events and alerts' },
  'soc:read': { ja: 'SOC アラートの閲覧', en: 'Read SOC alerts' },
  'soc:triage': { ja: 'SOC アラートの対応', en: 'Triage SOC alerts' },
  'soc:manage': { ja: 'SOC 連絡先・ルールの管理', en: 'Manage SOC contacts and rules' },
  'soc:ingest': { ja: 'SOC へのログ送信', en: 'Send logs to the SOC' },
  'soc:sources': { ja: 'SOC ログ送信元の登録', en: 'Register SOC log sources' },
  'asm:read': { ja: 'ASM 資産・検出事項の閲覧', en: 'Read ASM assets and findings' },
  'asm:scan': { ja: 'ASM 診断の実行依頼', en: 'Request ASM scans' },
  'asm:manage': { ja: 'ASM 診断範囲・スケジュールの管理', en: 'Manage ASM scope and schedules' },
  'asm:triage': { ja: 'ASM 検出事項の対応', en: 'Triage ASM findings' },
  'asm:attest': { ja: 'ASM 診断範囲の所有確認（管理者証明）', en: 'Attest ownership of ASM scope' },
};

export const permissionIds = Object.keys(permissionSpecs) as Permission[];

/** An API token may never manage users or tokens: a leaked machine credential must not mint more access. */
export const tokenPermissions: readonly Permission[] = permissionIds.filter(
  // Ownership attestation is a person's word: never by a machine credential.
  (p) => p !== 'user:write' && p !== 'token:write' && p !== 'asm:attest',
);

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(permissionSpecs, value);
}
