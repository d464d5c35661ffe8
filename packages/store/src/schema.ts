// Table types for Kysely. One schema for SQLite and PostgreSQL: ids and timestamps are text (ISO 8601, UTC,
// millisecond precision, so they sort as strings), booleans are integers 0/1, JSON is text.
export interface OrganizationsTable {
  id: string;
  code: string | null;
  name: string;
  name_kana: string;
  name_en: string | null;
  kind: string;
  parent_id: string | null;
  prefecture_code: string | null;
  /** searchKey(name) + ' ' + searchKey(nameKana): one column to search with LIKE. */
  search_key: string;
  created_at: string;
  updated_at: string;
}

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  email: string;
  organization_id: string;
  role: string;
  password_hash: string | null;
  disabled: number;
  locale: string;
  mfa_secret: string | null;
  mfa_enrolled_at: string | null;
  /** Last TOTP time step accepted: a code for this step or an earlier one is refused (replay). */
  mfa_last_step: number;
  failed_logins: number;
  locked_until: string | null;
  last_login_at: string | null;
  oidc_subject: string | null;
  created_at: string;
  updated_at: string;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: string | null;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  state: string;
  csrf_token: string;
  /** TOTP secret offered during enrolment, confirmed into users.mfa_secret. */
  pending_mfa_secret: string | null;
  source_ip: string;
  user_agent: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

export interface LoginThrottleTable {
  /** 'ip:<address>' */
  key: string;
  failures: number;
  window_start: string;
  locked_until: string | null;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  token_hash: string;
  prefix: string;
  organization_id: string;
  /** JSON array of permission names. */
  permissions: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  organization_id: string | null;
  action: string;
  target: string | null;
  source_ip: string;
  result: string;
  /** JSON object or null. */
  details: string | null;
  prev_hash: string;
  hash: string;
}

/** One row (id = 1): the last sequence number and hash. Locked while appending so appends serialize. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  recovery_codes: RecoveryCodesTable;
  sessions: SessionsTable;
  login_throttle: LoginThrottleTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
}
