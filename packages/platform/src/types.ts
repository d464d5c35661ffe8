// The service interfaces of the platform: what the server and the CLI call. Kept stable; the server codes
// against this file. Every method takes a RequestContext first; the policy module decides every access and
// every state change is written to the audit trail in the same transaction.
import type { MamoriConfig, OrgKind } from '@mamori/core';
import type { Logger } from 'pino';
import type { MamoriDb } from '@mamori/store';
import type { SocServices } from './soc/types.js';
import type { AsmServices } from './asm/types.js';

export type Role =
  | 'state_admin'
  | 'state_analyst'
  | 'prefecture_admin'
  | 'prefecture_operator'
  | 'municipality_admin'
  | 'municipality_staff'
  | 'auditor';

/** Permissions a role implies and an API token may carry. */
export type Permission =
  | 'org:read'
  | 'org:write'
  | 'user:read'
  | 'user:write'
  | 'token:read'
  | 'token:write'
  | 'audit:read'
  | 'events:ingest'
  | 'events:read'
  | 'soc:read'
  | 'soc:triage'
  | 'soc:manage'
  /** Send logs to the SOC: HTTP bulk ingest and file import. */
  | 'soc:ingest'
  | 'soc:sources'
  /** 地方版ASM: read assets/findings/scans; request scans; manage scope and schedules; triage findings;
   *  attest ownership of a root (prefecture and state administrators). */
  | 'asm:read'
  | 'asm:scan'
  | 'asm:manage'
  | 'asm:triage'
  | 'asm:attest';

export type Locale = 'ja' | 'en';

export type Actor =
  | {
      kind: 'user';
      userId: string;
      username: string;
      organizationId: string;
      role: Role;
      mfaVerified: boolean;
    }
  | { kind: 'token'; tokenId: string; organizationId: string; permissions: Permission[] }
  /** The operator at the CLI (`mamori user add`, `demo`, …) or a background job: full access, audited by name. */
  | { kind: 'system'; name: string };

export interface RequestContext {
  /** null before sign-in (login, MFA steps); unauthenticated calls to other methods fail with 401. */
  actor: Actor | null;
  sourceIp: string;
  userAgent?: string;
  /** The session the request came with (ResolvedSession.sessionId), when it came with one. */
  sessionId?: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PageQuery {
  /** 1..200, default 50. */
  limit?: number;
  cursor?: string | null;
}

// ---- Organizations -------------------------------------------------------------------------------------

export interface Organization {
  id: string;
  /** 全国地方公共団体コード (six digits) for local governments and wards; null for the state and bodies. */
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
  /** From the root (the state) down to the parent; excludes the organization itself. */
  path: Organization[];
  userCount: number;
}

export interface OrganizationQuery extends PageQuery {
  /** Name, kana (any width, hiragana or katakana) or code prefix. */
  q?: string;
  kind?: OrgKind;
  parentId?: string;
  /** 行政区 are left out unless asked for (or unless kind='ward' or parentId names their city). */
  includeWards?: boolean;
}

export interface CreateOrganizationInput {
  name: string;
  nameKana: string;
  kind: 'association' | 'soc_operator' | 'other';
  parentId: string;
}

export interface OrgLoadResult {
  inserted: number;
  updated: number;
  total: number;
  governments: number;
  wards: number;
  ms: number;
}

export interface OrganizationService {
  list(ctx: RequestContext, query?: OrganizationQuery): Promise<Page<Organization>>;
  get(ctx: RequestContext, id: string): Promise<OrganizationDetail>;
  /** Accepts an id or a six-digit code. */
  find(ctx: RequestContext, idOrCode: string): Promise<OrganizationDetail>;
  children(ctx: RequestContext, id: string): Promise<{ items: Organization[] }>;
  create(ctx: RequestContext, input: CreateOrganizationInput): Promise<Organization>;
  /** Loads the state, prefectures, municipalities and wards from core's code list. Idempotent; one transaction. */
  loadOfficial(ctx: RequestContext): Promise<OrgLoadResult>;
}

// ---- Accounts ------------------------------------------------------------------------------------------

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string;
  role: Role;
  organizationId: string;
  organizationName: string;
  disabled: boolean;
  mfaEnrolled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface Me {
  id: string;
  username: string;
  displayName: string;
  email: string;
  role: Role;
  organization: { id: string; code: string | null; name: string; kind: OrgKind };
  mfaEnrolled: boolean;
  locale: Locale;
}

export interface UserQuery extends PageQuery {
  organizationId?: string;
  q?: string;
}

export interface CreateUserInput {
  username: string;
  displayName: string;
  email: string;
  organizationId: string;
  role: Role;
  password: string;
}

export interface UpdateUserInput {
  displayName?: string;
  role?: Role;
  disabled?: boolean;
}

export interface AccountService {
  list(ctx: RequestContext, query?: UserQuery): Promise<Page<User>>;
  get(ctx: RequestContext, id: string): Promise<User>;
  /** Accepts an id or a user name. */
  find(ctx: RequestContext, idOrUsername: string): Promise<User>;
  create(ctx: RequestContext, input: CreateUserInput): Promise<User>;
  update(ctx: RequestContext, id: string, input: UpdateUserInput): Promise<User>;
  /**
   * Administrator help for a user who lost a password or authenticator: a new initial password, MFA to enrol
   * again (recovery codes dropped), lockout cleared, sessions ended. Same scope and ladder rules as update.
   */
  resetCredentials(ctx: RequestContext, id: string, input: { password: string }): Promise<User>;
  me(ctx: RequestContext): Promise<Me>;
  updateMe(ctx: RequestContext, input: { displayName?: string; locale?: Locale }): Promise<Me>;
  /** Ends the user's other sessions (all but ctx.sessionId). */
  changePassword(ctx: RequestContext, input: { currentPassword: string; newPassword: string }): Promise<void>;
  roles(): { id: Role; ja: string; en: string }[];
  permissions(): { id: Permission; ja: string; en: string }[];
}

// ---- Authentication ------------------------------------------------------------------------------------

export type SessionState = 'mfa_required' | 'mfa_enrolment_required' | 'authenticated';

/**
 * Result of a sign-in step. `sessionToken` is the cookie value (set it as `mamori_session`); it changes when
 * the session is elevated (after MFA), so always set the cookie from the latest result.
 */
export interface AuthResult {
  state: SessionState;
  sessionToken: string;
  csrfToken: string;
  /** Present when state is 'authenticated'. */
  user?: Me;
  /** Absolute expiry of the session (ISO 8601). */
  expiresAt: string;
}

export interface ResolvedSession {
  sessionId: string;
  state: SessionState;
  csrfToken: string;
  expiresAt: string;
  /** Set only when state is 'authenticated'. */
  actor: Actor | null;
  userId: string;
}

export interface AuthService {
  /** Fails with MAMORI_INVALID_CREDENTIALS, MAMORI_ACCOUNT_LOCKED, MAMORI_ACCOUNT_DISABLED or MAMORI_RATE_LIMITED. */
  login(ctx: RequestContext, input: { username: string; password: string }): Promise<AuthResult>;
  /** TOTP code or recovery code, for a session in state 'mfa_required'. */
  verifyMfa(ctx: RequestContext, sessionToken: string, code: string): Promise<AuthResult>;
  /** For a session in 'mfa_enrolment_required' (or an authenticated user re-enrolling). */
  beginEnrolment(ctx: RequestContext, sessionToken: string): Promise<{ secret: string; otpauthUri: string }>;
  confirmEnrolment(
    ctx: RequestContext,
    sessionToken: string,
    code: string,
  ): Promise<AuthResult & { recoveryCodes: string[] }>;
  logout(ctx: RequestContext, sessionToken: string): Promise<void>;
  /**
   * Looks a cookie value up; enforces idle and absolute timeouts and touches the idle clock.
   * Throws MAMORI_UNAUTHENTICATED (unknown) or MAMORI_SESSION_EXPIRED.
   */
  resolveSession(sessionToken: string): Promise<ResolvedSession>;
  /** `Authorization: Bearer mamori_…` → token actor; records last use. Throws MAMORI_TOKEN_INVALID. */
  authenticateToken(bearer: string): Promise<Actor>;
  /** OIDC is configured for this deployment. */
  oidcEnabled(): boolean;
  /** OIDC: URL to redirect the browser to, and the state to keep (in a short-lived cookie). */
  oidcStart(
    ctx: RequestContext,
  ): Promise<{ url: string; state: string; nonce: string; codeVerifier: string }>;
  /** OIDC: callback URL received + the kept state → a session for the matching user. */
  oidcCallback(
    ctx: RequestContext,
    callbackUrl: string,
    kept: { state: string; nonce: string; codeVerifier: string },
  ): Promise<AuthResult>;
}

// ---- API tokens ----------------------------------------------------------------------------------------

export interface ApiToken {
  id: string;
  name: string;
  organizationId: string;
  permissions: Permission[];
  /** First characters of the token, to recognise it; never the secret. */
  prefix: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreateTokenInput {
  name: string;
  organizationId: string;
  permissions: Permission[];
  /** ISO 8601, in the future; at most 1 year ahead. */
  expiresAt: string;
}

export interface TokenService {
  list(ctx: RequestContext): Promise<{ items: ApiToken[] }>;
  /** The token is returned once and stored only as a hash. */
  create(ctx: RequestContext, input: CreateTokenInput): Promise<{ token: string; item: ApiToken }>;
  revoke(ctx: RequestContext, id: string): Promise<void>;
}

// ---- Audit trail ---------------------------------------------------------------------------------------

export type AuditResult = 'success' | 'failure' | 'denied';

export interface AuditRecord {
  seq: number;
  at: string;
  actorId: string | null;
  actorName: string | null;
  organizationId: string | null;
  action: string;
  target: string | null;
  sourceIp: string;
  result: AuditResult;
  details: Record<string, unknown> | null;
}

export interface AuditQuery extends PageQuery {
  actor?: string;
  action?: string;
  organizationId?: string;
  result?: AuditResult;
  from?: string;
  to?: string;
}

export interface AuditProblem {
  seq: number;
  kind: 'changed' | 'missing' | 'reordered';
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  problems: AuditProblem[];
  /**
   * With `verify(ctx, { includeHead: true })`: the last record's sequence number and hash. Someone able to rewrite
   * the database could recompute the whole chain; keeping this value elsewhere (an anchor) and checking it later
   * (`verify(ctx, { anchor })`) detects that.
   */
  head?: { seq: number; hash: string } | null;
}

export interface AuditService {
  list(ctx: RequestContext, query?: AuditQuery): Promise<Page<AuditRecord>>;
  /** `anchor`: a head recorded earlier; the record at anchor.seq must still have that hash. */
  verify(
    ctx: RequestContext,
    options?: { anchor?: { seq: number; hash: string }; includeHead?: boolean },
  ): Promise<AuditVerification>;
}

// ---- Policy --------------------------------------------------------------------------------------------

export interface PolicyResource {
  /** The organization the data belongs to. */
  organizationId?: string | null;
}

export interface PolicyService {
  /** True when the actor holds the permission on the resource's organization (scope rules). */
  can(actor: Actor | null, permission: Permission, resource?: PolicyResource): Promise<boolean>;
  /** Throws MAMORI_UNAUTHENTICATED (no actor) or MAMORI_FORBIDDEN. */
  assert(actor: Actor | null, permission: Permission, resource?: PolicyResource): Promise<void>;
  /** Organization ids the actor may see with this permission, or 'all'. */
  scope(
    actor: Actor,
    permission: Permission,
  ): Promise<'all' | { prefectureCode: string } | { orgIds: string[] }>;
}

// ---- The platform --------------------------------------------------------------------------------------

export interface Platform {
  config: MamoriConfig;
  db: MamoriDb;
  logger: Logger;
  orgs: OrganizationService;
  accounts: AccountService;
  auth: AuthService;
  tokens: TokenService;
  audit: AuditService;
  policy: PolicyService;
  /** Security-cloud SOC: queue, pipeline, events, rollups, quarantine, attribution, detection, alerts. */
  soc: SocServices;
  /** 地方版ASM: scope, assets, findings lifecycle, scans and schedules, dashboards, report data. */
  asm: AsmServices;
  /** Readiness: the database answers. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
