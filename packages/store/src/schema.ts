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

// ---- SOC alerts, contacts, notifications (migration 0004) -------------------------------------------------

export interface SocAlertsTable {
  id: string;
  rule_id: string;
  rule_title: string;
  /** Shown with every alert (Detection Rule License for Sigma rules). */
  rule_author: string;
  /** 'sigma' | 'builtin' */
  source: string;
  severity: string;
  /** 0 informational … 4 critical, for sorting and filtering by "at least". */
  severity_rank: number;
  organization_id: string | null;
  prefecture_id: string;
  entity: string;
  window_start: string;
  first_seen: string;
  last_seen: string;
  /** Highest receivedAt counted (ms): events beyond the evidence cap count once even when redelivered. */
  last_received_at: number;
  event_count: number;
  evidence_count: number;
  /** 'new' | 'acknowledged' | 'in_progress' | 'resolved' | 'false_positive' */
  status: string;
  assignee_id: string | null;
  ack_deadline: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  /** 0 = the organization's contacts, 1 = the prefecture SOC lead, 2 = the state. */
  escalation_level: number;
  escalated_at: string | null;
  false_positive_reason: string | null;
  incident_ref: string | null;
  /** JSON: matched fields, correlation values. */
  details: string | null;
  group_key: string;
  created_at: string;
  updated_at: string;
}

export interface SocAlertEventsTable {
  alert_id: string;
  event_id: string;
  time: string;
}

export interface SocAlertCommentsTable {
  id: string;
  alert_id: string;
  author_id: string | null;
  author_name: string;
  body: string;
  created_at: string;
}

export interface SocIncidentRequestsTable {
  id: string;
  alert_id: string;
  organization_id: string | null;
  prefecture_id: string;
  summary: string;
  requested_by: string;
  /** 'pending' until the incidents domain takes it. */
  status: string;
  incident_id: string | null;
  created_at: string;
}

export interface SocContactsTable {
  id: string;
  organization_id: string;
  name: string;
  email: string | null;
  webhook_url: string | null;
  /** Sealed with the platform's secret box. */
  webhook_secret: string | null;
  min_severity: string;
  /** 'HH:MM-HH:MM' Asia/Tokyo; may wrap midnight. */
  hours: string;
  /** Comma-separated mon,tue,…,sun. */
  days: string;
  /** 'staff' | 'soc_lead' | 'state' */
  role: string;
  locale: string;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface SocNotificationsTable {
  id: string;
  alert_id: string;
  contact_id: string | null;
  organization_id: string | null;
  prefecture_id: string;
  /** 'email' | 'webhook' */
  channel: string;
  target: string;
  level: number;
  attempt: number;
  /** 'sent' | 'failed' | 'retrying' */
  status: string;
  error: string | null;
  sent_at: string;
}

export interface SocRuleSetsTable {
  prefecture_id: string;
  logsource: string;
  rule_set: string;
  updated_at: string;
}

export interface SocRuleSetChoicesTable {
  prefecture_id: string;
  logsource: string;
  updated_at: string;
}

// ---- SOC pipeline (migration 0003) ----

export interface SocEventsTable {
  id: string;
  organization_id: string | null;
  prefecture_id: string;
  time: string;
  received_at: number;
  class: string;
  activity: string;
  severity: string;
  disposition: string;
  source_kind: string;
  format: string;
  src_ip: string | null;
  dst_ip: string | null;
  src_host: string | null;
  dst_host: string | null;
  user_name: string | null;
  rule_id: string | null;
  rule_name: string | null;
  rule_category: string | null;
  unattributed_reason: string | null;
  /** NULL since migration 0005: re-parse `raw` with `format`; older rows: JSON {device, src, dst, rule, fields}. */
  fields_json: string | null;
  raw: string;
}

export interface SocQuarantineTable {
  id: string;
  received_at: number;
  transport: string;
  peer: string;
  format: string;
  reason: string;
  line: string;
  prefecture_id: string;
  organization_id: string | null;
}

export interface SocRollupsTable {
  /** '' for unattributed events. */
  organization_id: string;
  prefecture_id: string;
  /** ISO hour in UTC: 2026-11-25T10. */
  hour: string;
  source_kind: string;
  action: string;
  category: string;
  count: number;
}

export interface SocCheckpointsTable {
  consumer: string;
  position: number;
  updated_at: string;
}

export interface SocQueueSeenTable {
  consumer: string;
  seq: number;
  at: number;
}

export interface SocAttributionRulesTable {
  id: string;
  organization_id: string;
  prefecture_id: string;
  kind: string;
  value: string;
  note: string | null;
  created_at: string;
  updated_at: string;
}

export interface SocSyslogSourcesTable {
  id: string;
  /** 'address' | 'cert' */
  kind: string;
  value: string;
  format: string | null;
  organization_id: string;
  prefecture_id: string;
  note: string | null;
  created_at: string;
  updated_at: string;
}

export interface SocLeasesTable {
  name: string;
  holder: string;
  epoch: number;
  expires_at: number;
  updated_at: string;
}

export interface SocArchivesTable {
  id: string;
  prefecture_id: string;
  organization_id: string | null;
  day: string;
  path: string;
  events: number;
  bytes: number;
  created_at: string;
}

// ---- 地方版ASM (migration 0002-asm) -------------------------------------------------------------------------

export interface AsmRootsTable {
  id: string;
  organization_id: string;
  kind: string;
  value: string;
  verification_method: string;
  verification_state: string;
  verification_token: string | null;
  attested_by: string | null;
  verified_at: string | null;
  last_checked_at: string | null;
  last_error: string | null;
  note: string | null;
  created_at: string;
}

export interface AsmExclusionsTable {
  id: string;
  organization_id: string;
  value: string;
  reason: string | null;
  created_at: string;
}

export interface AsmSettingsTable {
  organization_id: string;
  /** JSON array of scan windows. */
  windows: string;
  rate_per_second: number;
  concurrency: number;
  ports: string;
  updated_at: string;
}

export interface AsmControlTable {
  id: string;
  stopped: number;
  reason: string | null;
  stopped_by: string | null;
  at: string | null;
}

export interface AsmRefusalsTable {
  id: string;
  organization_id: string | null;
  scan_id: string | null;
  target: string;
  port: number | null;
  reason: string;
  at: string;
}

export interface AsmAssetsTable {
  id: string;
  organization_id: string;
  host: string;
  /** JSON arrays. */
  addresses: string;
  names: string;
  first_seen: string;
  last_seen: string;
  vanished: number;
}

export interface AsmServicesTable {
  asset_id: string;
  transport: string;
  port: number;
  service: string;
  product: string;
  version: string;
  cpe: string;
  tls: number;
  banner: string | null;
  first_seen: string;
  last_seen: string;
}

export interface AsmCertificatesTable {
  asset_id: string;
  port: number;
  /** JSON AsmCertificate without the port. */
  data: string;
  seen_at: string;
}

export interface AsmScansTable {
  id: string;
  organization_id: string;
  status: string;
  trigger: string;
  requested_by: string | null;
  ports: string;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  worker: string | null;
  error: string | null;
  /** JSON objects. */
  counts: string;
  templates: string;
  timings: string;
}

export interface AsmFindingsTable {
  id: string;
  finding_key: string;
  organization_id: string;
  check_id: string;
  host: string;
  port: number | null;
  transport: string | null;
  detail: string | null;
  title: string;
  severity: string;
  severity_rank: number;
  cvss: number;
  kev: number;
  /** JSON array. */
  cves: string;
  evidence: string;
  /** JSON {ja, en}. */
  remediation: string | null;
  status: string;
  status_reason: string | null;
  status_expiry: string | null;
  status_by: string | null;
  status_at: string | null;
  first_seen: string;
  last_seen: string;
  fixed_at: string | null;
  reopened_count: number;
  last_scan_id: string | null;
}

export interface AsmFindingEventsTable {
  id: string;
  finding_id: string;
  at: string;
  kind: string;
  from_status: string | null;
  to_status: string;
  by_name: string | null;
  reason: string | null;
  scan_id: string | null;
}

export interface AsmScanDiffsTable {
  scan_id: string;
  finding_id: string;
  change: string;
}

export interface AsmSchedulesTable {
  id: string;
  organization_id: string;
  cron: string;
  utc_offset_minutes: number;
  enabled: number;
  ports: string | null;
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
}

export interface AsmPolitenessTable {
  target: string;
  next_slot_ms: number;
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
  soc_alerts: SocAlertsTable;
  soc_alert_events: SocAlertEventsTable;
  soc_alert_comments: SocAlertCommentsTable;
  soc_incident_requests: SocIncidentRequestsTable;
  soc_contacts: SocContactsTable;
  soc_notifications: SocNotificationsTable;
  soc_rule_sets: SocRuleSetsTable;
  soc_rule_set_choices: SocRuleSetChoicesTable;
  soc_events: SocEventsTable;
  soc_quarantine: SocQuarantineTable;
  soc_rollups: SocRollupsTable;
  soc_checkpoints: SocCheckpointsTable;
  soc_queue_seen: SocQueueSeenTable;
  soc_attribution_rules: SocAttributionRulesTable;
  soc_archives: SocArchivesTable;
  soc_syslog_sources: SocSyslogSourcesTable;
  soc_leases: SocLeasesTable;
  asm_roots: AsmRootsTable;
  asm_exclusions: AsmExclusionsTable;
  asm_settings: AsmSettingsTable;
  asm_control: AsmControlTable;
  asm_refusals: AsmRefusalsTable;
  asm_assets: AsmAssetsTable;
  asm_services: AsmServicesTable;
  asm_certificates: AsmCertificatesTable;
  asm_scans: AsmScansTable;
  asm_findings: AsmFindingsTable;
  asm_finding_events: AsmFindingEventsTable;
  asm_scan_diffs: AsmScanDiffsTable;
  asm_schedules: AsmSchedulesTable;
  asm_politeness: AsmPolitenessTable;
}
