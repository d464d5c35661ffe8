// Shapes of the Mamori HTTP API (docs: foundation contract, /api/v1/openapi.json).
export type Locale = 'ja' | 'en';

export type OrgKind =
  | 'state'
  | 'prefecture'
  | 'designated_city'
  | 'city'
  | 'town'
  | 'village'
  | 'special_ward'
  | 'ward'
  | 'association'
  | 'soc_operator'
  | 'other';

export interface Me {
  id: string;
  username: string;
  displayName: string;
  email: string;
  role: string;
  organization: { id: string; code: string | null; name: string; kind: OrgKind };
  mfaEnrolled: boolean;
  locale: Locale;
}

export type SessionState = 'authenticated' | 'mfa_required' | 'mfa_enrolment_required';

export interface LoginResult {
  state: SessionState;
  user?: Me;
  csrfToken: string;
}

export interface Organization {
  id: string;
  code: string | null;
  name: string;
  nameKana: string;
  kind: OrgKind;
  parentId: string | null;
  prefectureCode: string | null;
  childCount: number;
}

export interface OrganizationDetail extends Organization {
  parent: Organization | null;
  path: Organization[];
  userCount: number;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string;
  role: string;
  organizationId: string;
  organizationName: string;
  disabled: boolean;
  mfaEnrolled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  organizationId: string;
  permissions: string[];
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actorId: string | null;
  actorName: string | null;
  organizationId: string | null;
  action: string;
  target: string | null;
  sourceIp: string | null;
  result: 'success' | 'failure' | 'denied';
  details: unknown;
}

export interface AuditVerify {
  ok: boolean;
  checked: number;
  problems: { seq: number; kind: 'changed' | 'missing' | 'reordered'; message: string }[];
  /** The last record's number and hash: kept elsewhere, it lets a later check detect a recomputed chain. */
  head?: { seq: number; hash: string } | null;
}

export interface Labelled {
  id: string;
  ja: string;
  en: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
