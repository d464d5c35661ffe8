// Sign-in: password (argon2id), then TOTP or a recovery code for users who have MFA, or MFA enrolment for
// roles that require it. Failures are counted per account and per source IP; enough of them lock sign-in for a
// while. Sessions are opaque random tokens stored hashed, with idle and absolute timeouts and a CSRF token;
// the token changes when the session is elevated. Every sign-in step is in the audit trail.
import { MamoriError } from '@mamori/core';
import type { SessionsTable, Trx, UsersTable } from '@mamori/store';
import { appendAudit, type AuditEntry } from '../audit/chain.js';
import type { AccountServiceImpl } from '../accounts/service.js';
import { verifyDummy, verifyPassword } from '../accounts/password.js';
import type { Deps } from '../context.js';
import { isPermission } from '../policy/roles.js';
import type {
  Actor,
  AuthResult,
  AuthService,
  Permission,
  RequestContext,
  ResolvedSession,
  Role,
  SessionState,
} from '../types.js';
import { addMinutes, iso, newId, randomToken, sha256Hex } from '../util.js';
import { base32Encode } from './totp.js';
import { newTotpSecret, otpauthUri, verifyTotp } from './totp.js';
import { randomBytes } from 'node:crypto';
import type { OidcClient } from './oidc.js';

/** Sessions waiting for the second factor or for enrolment live at most this long. */
const PENDING_SESSION_MINUTES = 10;
/** The idle clock is written at most this often per session, to keep reads cheap. */
const TOUCH_SECONDS = 15;
const TOKEN_TOUCH_SECONDS = 60;
const RECOVERY_CODES = 10;

export function hashRecoveryCode(code: string): string {
  return sha256Hex(`recovery:${code.toLowerCase().replace(/[^a-z0-9]/g, '')}`);
}

function newRecoveryCode(): string {
  const s = base32Encode(randomBytes(7)).toLowerCase().slice(0, 10);
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

export class AuthServiceImpl implements AuthService {
  constructor(
    private readonly d: Deps,
    private readonly accounts: AccountServiceImpl,
    private readonly oidc: OidcClient | null,
  ) {}

  private get ipThreshold(): number {
    return this.d.config.auth.lockoutThreshold * 4;
  }

  private async ipLockedUntil(ip: string): Promise<string | null> {
    const r = await this.d.db.kysely
      .selectFrom('login_throttle')
      .selectAll()
      .where('key', '=', `ip:${ip}`)
      .executeTakeFirst();
    if (r?.locked_until && r.locked_until > iso(this.d.now())) return r.locked_until;
    return null;
  }

  /** Counts a failure against the source IP (and the account, when known), audits it, in one transaction. */
  private async fail(ctx: RequestContext, user: UsersTable | null, entry: AuditEntry): Promise<void> {
    const now = this.d.now();
    const minutes = this.d.config.auth.lockoutMinutes;
    await this.d.db.transaction(async (trx) => {
      const key = `ip:${ctx.sourceIp}`;
      const t = await trx.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst();
      const windowOpen = t !== undefined && t.window_start > iso(addMinutes(now, -minutes));
      const failures = windowOpen ? t.failures + 1 : 1;
      const lockedUntil =
        failures >= this.ipThreshold ? iso(addMinutes(now, minutes)) : (t?.locked_until ?? null);
      if (t) {
        await trx
          .updateTable('login_throttle')
          .set({ failures, window_start: windowOpen ? t.window_start : iso(now), locked_until: lockedUntil })
          .where('key', '=', key)
          .execute();
      } else {
        await trx
          .insertInto('login_throttle')
          .values({ key, failures, window_start: iso(now), locked_until: lockedUntil })
          .execute();
      }
      if (user) {
        const n = user.failed_logins + 1;
        const lock = n >= this.d.config.auth.lockoutThreshold;
        await trx
          .updateTable('users')
          .set({
            failed_logins: lock ? 0 : n,
            locked_until: lock ? iso(addMinutes(now, minutes)) : user.locked_until,
          })
          .where('id', '=', user.id)
          .execute();
        if (lock) entry = { ...entry, details: { ...(entry.details ?? {}), locked: true } };
      }
      await appendAudit(trx, this.d.db.dialect, ctx, entry, now);
    });
  }

  private userEntry(
    user: UsersTable,
    action: string,
    result: AuditEntry['result'],
    details?: Record<string, unknown>,
  ): AuditEntry {
    return {
      action,
      result,
      target: user.id,
      actorId: user.id,
      actorName: user.username,
      organizationId: user.organization_id,
      details: details ?? null,
    };
  }

  /** After the first factor: a session in the state the user's MFA enrolment and role call for, audited. */
  private async openSession(ctx: RequestContext, user: UsersTable, action: string): Promise<AuthResult> {
    const state: SessionState =
      user.mfa_enrolled_at !== null
        ? 'mfa_required'
        : this.d.policy.mfaRequired(user.role as Role)
          ? 'mfa_enrolment_required'
          : 'authenticated';
    const { token, row } = await this.d.db.transaction(async (trx) => {
      const s = await this.newSession(trx, ctx, user, state);
      await appendAudit(
        trx,
        this.d.db.dialect,
        ctx,
        this.userEntry(user, action, 'success', { next: state }),
        this.d.now(),
      );
      return s;
    });
    return this.result(token, row);
  }

  private async newSession(
    trx: Trx,
    ctx: RequestContext,
    user: UsersTable,
    state: SessionState,
    previous?: SessionsTable,
  ): Promise<{ token: string; row: SessionsTable }> {
    const now = this.d.now();
    const absolute = previous
      ? new Date(previous.expires_at)
      : addMinutes(now, this.d.config.session.absoluteHours * 60);
    const expires =
      state === 'authenticated'
        ? previous
          ? new Date(
              Math.max(
                absolute.getTime(),
                addMinutes(now, this.d.config.session.absoluteHours * 60).getTime(),
              ),
            )
          : absolute
        : new Date(Math.min(absolute.getTime(), addMinutes(now, PENDING_SESSION_MINUTES).getTime()));
    const token = randomToken(32);
    const row: SessionsTable = {
      id: newId('s'),
      token_hash: sha256Hex(token),
      user_id: user.id,
      state,
      csrf_token: randomToken(24),
      pending_mfa_secret: null,
      source_ip: ctx.sourceIp,
      user_agent: ctx.userAgent?.slice(0, 500) ?? null,
      created_at: iso(now),
      last_seen_at: iso(now),
      expires_at: iso(expires),
    };
    if (previous) await trx.deleteFrom('sessions').where('id', '=', previous.id).execute();
    await trx.insertInto('sessions').values(row).execute();
    if (state === 'authenticated') {
      await trx
        .updateTable('users')
        .set({ last_login_at: iso(now), failed_logins: 0, locked_until: null })
        .where('id', '=', user.id)
        .execute();
    }
    return { token, row };
  }

  private async result(token: string, row: SessionsTable): Promise<AuthResult> {
    const out: AuthResult = {
      state: row.state as SessionState,
      sessionToken: token,
      csrfToken: row.csrf_token,
      expiresAt: row.expires_at,
    };
    if (row.state === 'authenticated') out.user = await this.accounts.meRow(row.user_id);
    return out;
  }

  private assertNotLocked(user: UsersTable): void {
    if (user.locked_until && user.locked_until > iso(this.d.now())) {
      throw new MamoriError('MAMORI_ACCOUNT_LOCKED', { until: user.locked_until });
    }
  }

  async login(ctx: RequestContext, input: { username: string; password: string }): Promise<AuthResult> {
    const username =
      typeof input?.username === 'string' ? input.username.trim().toLowerCase().slice(0, 100) : '';
    const password = typeof input?.password === 'string' ? input.password : '';
    if (username === '' || password === '') {
      throw new MamoriError('MAMORI_VALIDATION', { reason: 'username and password are required' });
    }
    const ipLock = await this.ipLockedUntil(ctx.sourceIp);
    if (ipLock) {
      await this.d.record(ctx, {
        action: 'auth.login',
        result: 'denied',
        actorName: username,
        target: username,
        details: { reason: 'ip_locked' },
      });
      throw new MamoriError('MAMORI_RATE_LIMITED', undefined, { until: ipLock });
    }
    const user = await this.d.db.kysely
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    if (!user || user.password_hash === null) {
      await verifyDummy(password);
      await this.fail(ctx, null, {
        action: 'auth.login',
        result: 'failure',
        actorName: username,
        target: username,
        details: { reason: 'unknown_user' },
      });
      throw new MamoriError('MAMORI_INVALID_CREDENTIALS');
    }
    if (user.locked_until && user.locked_until > iso(this.d.now())) {
      await this.d.record(ctx, this.userEntry(user, 'auth.login', 'denied', { reason: 'locked' }));
      throw new MamoriError('MAMORI_ACCOUNT_LOCKED', { until: user.locked_until });
    }
    if (!(await verifyPassword(user.password_hash, password))) {
      await this.fail(ctx, user, this.userEntry(user, 'auth.login', 'failure', { reason: 'bad_password' }));
      throw new MamoriError('MAMORI_INVALID_CREDENTIALS');
    }
    // Checked after the password so a guesser does not learn which accounts are disabled.
    if (Number(user.disabled) === 1) {
      await this.d.record(ctx, this.userEntry(user, 'auth.login', 'denied', { reason: 'disabled' }));
      throw new MamoriError('MAMORI_ACCOUNT_DISABLED');
    }
    return this.openSession(ctx, user, 'auth.login');
  }

  private async pendingSession(
    sessionToken: string,
    states: SessionState[],
  ): Promise<{ session: SessionsTable; user: UsersTable }> {
    const session = await this.d.db.kysely
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', sha256Hex(String(sessionToken ?? '')))
      .executeTakeFirst();
    if (!session) throw new MamoriError('MAMORI_UNAUTHENTICATED');
    if (session.expires_at <= iso(this.d.now())) {
      await this.d.db.kysely.deleteFrom('sessions').where('id', '=', session.id).execute();
      throw new MamoriError('MAMORI_SESSION_EXPIRED');
    }
    if (!states.includes(session.state as SessionState)) {
      throw new MamoriError('MAMORI_BAD_REQUEST', { reason: `session is in state ${session.state}` });
    }
    const user = await this.d.db.kysely
      .selectFrom('users')
      .selectAll()
      .where('id', '=', session.user_id)
      .executeTakeFirstOrThrow();
    if (Number(user.disabled) === 1) throw new MamoriError('MAMORI_ACCOUNT_DISABLED');
    return { session, user };
  }

  async verifyMfa(ctx: RequestContext, sessionToken: string, code: string): Promise<AuthResult> {
    const { session, user } = await this.pendingSession(sessionToken, ['mfa_required']);
    if (user.locked_until && user.locked_until > iso(this.d.now())) {
      await this.d.record(ctx, this.userEntry(user, 'auth.mfa', 'denied', { reason: 'locked' }));
      this.assertNotLocked(user);
    }
    const clean = typeof code === 'string' ? code.replace(/\s/g, '') : '';
    let method: 'totp' | 'recovery' | null = null;
    let step: number | null = null;
    let recoveryId: string | null = null;
    if (/^\d{6}$/.test(clean) && user.mfa_secret) {
      step = verifyTotp(
        this.d.secrets.open(user.mfa_secret),
        clean,
        this.d.now(),
        Number(user.mfa_last_step),
      );
      if (step !== null) method = 'totp';
    } else if (clean.length >= 10 && clean.length <= 20) {
      const hit = await this.d.db.kysely
        .selectFrom('recovery_codes')
        .select('id')
        .where('user_id', '=', user.id)
        .where('code_hash', '=', hashRecoveryCode(clean))
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (hit) {
        method = 'recovery';
        recoveryId = hit.id;
      }
    }
    if (method === null) {
      await this.fail(ctx, user, this.userEntry(user, 'auth.mfa', 'failure', { reason: 'bad_code' }));
      throw new MamoriError('MAMORI_MFA_INVALID');
    }
    const now = this.d.now();
    const { token, row } = await this.d.db.transaction(async (trx) => {
      if (method === 'totp') {
        // Only move forward: a concurrent use of the same code loses this race and is refused.
        const upd = await trx
          .updateTable('users')
          .set({ mfa_last_step: step! })
          .where('id', '=', user.id)
          .where('mfa_last_step', '<', step!)
          .executeTakeFirst();
        if (Number(upd.numUpdatedRows) !== 1) throw new MamoriError('MAMORI_MFA_INVALID');
      } else {
        const upd = await trx
          .updateTable('recovery_codes')
          .set({ used_at: iso(now) })
          .where('id', '=', recoveryId!)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(upd.numUpdatedRows) !== 1) throw new MamoriError('MAMORI_MFA_INVALID');
      }
      const s = await this.newSession(trx, ctx, user, 'authenticated', session);
      await appendAudit(
        trx,
        this.d.db.dialect,
        ctx,
        this.userEntry(user, 'auth.mfa', 'success', { method }),
        now,
      );
      return s;
    });
    return this.result(token, row);
  }

  async beginEnrolment(
    ctx: RequestContext,
    sessionToken: string,
  ): Promise<{ secret: string; otpauthUri: string }> {
    const { session, user } = await this.pendingSession(sessionToken, [
      'mfa_enrolment_required',
      'authenticated',
    ]);
    if (session.state === 'authenticated' && user.mfa_enrolled_at !== null) {
      throw new MamoriError('MAMORI_CONFLICT', { reason: 'MFA is already enrolled' });
    }
    const secret = newTotpSecret();
    await this.d.db.kysely
      .updateTable('sessions')
      .set({ pending_mfa_secret: this.d.secrets.seal(secret) })
      .where('id', '=', session.id)
      .execute();
    return { secret, otpauthUri: otpauthUri(secret, user.username) };
  }

  async confirmEnrolment(
    ctx: RequestContext,
    sessionToken: string,
    code: string,
  ): Promise<AuthResult & { recoveryCodes: string[] }> {
    const { session, user } = await this.pendingSession(sessionToken, [
      'mfa_enrolment_required',
      'authenticated',
    ]);
    if (!session.pending_mfa_secret) {
      throw new MamoriError('MAMORI_BAD_REQUEST', { reason: 'start the enrolment first' });
    }
    this.assertNotLocked(user);
    const step = verifyTotp(
      this.d.secrets.open(session.pending_mfa_secret),
      typeof code === 'string' ? code.trim() : '',
      this.d.now(),
      0,
    );
    if (step === null) {
      await this.fail(ctx, user, this.userEntry(user, 'auth.mfa_enrol', 'failure', { reason: 'bad_code' }));
      throw new MamoriError('MAMORI_MFA_INVALID');
    }
    const now = this.d.now();
    const recoveryCodes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    const { token, row } = await this.d.db.transaction(async (trx) => {
      await trx
        .updateTable('users')
        .set({
          mfa_secret: session.pending_mfa_secret,
          mfa_enrolled_at: iso(now),
          mfa_last_step: step,
          updated_at: iso(now),
        })
        .where('id', '=', user.id)
        .execute();
      await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
      await trx
        .insertInto('recovery_codes')
        .values(
          recoveryCodes.map((c) => ({
            id: newId('rc'),
            user_id: user.id,
            code_hash: hashRecoveryCode(c),
            used_at: null,
            created_at: iso(now),
          })),
        )
        .execute();
      const s = await this.newSession(trx, ctx, user, 'authenticated', session);
      await appendAudit(trx, this.d.db.dialect, ctx, this.userEntry(user, 'auth.mfa_enrol', 'success'), now);
      return s;
    });
    return { ...(await this.result(token, row)), recoveryCodes };
  }

  async logout(ctx: RequestContext, sessionToken: string): Promise<void> {
    const session = await this.d.db.kysely
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.id', 'users.id as user_id', 'users.username', 'users.organization_id'])
      .where('token_hash', '=', sha256Hex(String(sessionToken ?? '')))
      .executeTakeFirst();
    if (!session) return;
    await this.d.db.transaction(async (trx) => {
      await trx.deleteFrom('sessions').where('id', '=', session.id).execute();
      await appendAudit(
        trx,
        this.d.db.dialect,
        ctx,
        {
          action: 'auth.logout',
          result: 'success',
          target: session.user_id,
          actorId: session.user_id,
          actorName: session.username,
          organizationId: session.organization_id,
        },
        this.d.now(),
      );
    });
  }

  async resolveSession(sessionToken: string): Promise<ResolvedSession> {
    if (typeof sessionToken !== 'string' || sessionToken.length < 20 || sessionToken.length > 200) {
      throw new MamoriError('MAMORI_UNAUTHENTICATED');
    }
    const r = await this.d.db.kysely
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.id',
        's.state',
        's.csrf_token',
        's.expires_at',
        's.last_seen_at',
        'u.id as user_id',
        'u.username',
        'u.organization_id',
        'u.role',
        'u.disabled',
        'u.mfa_enrolled_at',
      ])
      .where('s.token_hash', '=', sha256Hex(sessionToken))
      .executeTakeFirst();
    if (!r) throw new MamoriError('MAMORI_UNAUTHENTICATED');
    const now = this.d.now();
    const idleLimit = addMinutes(new Date(r.last_seen_at), this.d.config.session.idleMinutes);
    if (r.expires_at <= iso(now) || idleLimit <= now) {
      await this.d.db.kysely.deleteFrom('sessions').where('id', '=', r.id).execute();
      throw new MamoriError('MAMORI_SESSION_EXPIRED');
    }
    if (Number(r.disabled) === 1) {
      await this.d.db.kysely.deleteFrom('sessions').where('id', '=', r.id).execute();
      throw new MamoriError('MAMORI_UNAUTHENTICATED');
    }
    if (now.getTime() - new Date(r.last_seen_at).getTime() > TOUCH_SECONDS * 1000) {
      await this.d.db.kysely
        .updateTable('sessions')
        .set({ last_seen_at: iso(now) })
        .where('id', '=', r.id)
        .execute();
    }
    const state = r.state as SessionState;
    return {
      sessionId: r.id,
      state,
      csrfToken: r.csrf_token,
      expiresAt: r.expires_at,
      userId: r.user_id,
      actor:
        state === 'authenticated'
          ? {
              kind: 'user',
              userId: r.user_id,
              username: r.username,
              organizationId: r.organization_id,
              role: r.role as Role,
              mfaVerified: r.mfa_enrolled_at !== null,
            }
          : null,
    };
  }

  async authenticateToken(bearer: string): Promise<Actor> {
    const token = typeof bearer === 'string' ? bearer.replace(/^Bearer\s+/i, '').trim() : '';
    if (!/^mamori_[A-Za-z0-9_-]{20,100}$/.test(token)) throw new MamoriError('MAMORI_TOKEN_INVALID');
    const r = await this.d.db.kysely
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', sha256Hex(token))
      .executeTakeFirst();
    const now = this.d.now();
    if (!r || r.revoked_at !== null || r.expires_at <= iso(now))
      throw new MamoriError('MAMORI_TOKEN_INVALID');
    if (!r.last_used_at || now.getTime() - new Date(r.last_used_at).getTime() > TOKEN_TOUCH_SECONDS * 1000) {
      await this.d.db.kysely
        .updateTable('api_tokens')
        .set({ last_used_at: iso(now) })
        .where('id', '=', r.id)
        .execute();
    }
    let permissions: Permission[] = [];
    try {
      const parsed: unknown = JSON.parse(r.permissions);
      if (Array.isArray(parsed)) permissions = parsed.filter(isPermission);
    } catch {
      permissions = [];
    }
    return { kind: 'token', tokenId: r.id, organizationId: r.organization_id, permissions };
  }

  oidcEnabled(): boolean {
    return this.oidc !== null;
  }

  async oidcStart(
    _ctx: RequestContext,
  ): Promise<{ url: string; state: string; nonce: string; codeVerifier: string }> {
    if (!this.oidc) throw new MamoriError('MAMORI_NOT_FOUND');
    return this.oidc.start();
  }

  async oidcCallback(
    ctx: RequestContext,
    callbackUrl: string,
    kept: { state: string; nonce: string; codeVerifier: string },
  ): Promise<AuthResult> {
    if (!this.oidc) throw new MamoriError('MAMORI_NOT_FOUND');
    let username: string;
    try {
      username = (await this.oidc.finish(callbackUrl, kept)).toLowerCase();
    } catch (err) {
      await this.d.record(ctx, {
        action: 'auth.oidc',
        result: 'failure',
        details: { reason: err instanceof Error ? err.message.slice(0, 200) : 'error' },
      });
      throw new MamoriError('MAMORI_INVALID_CREDENTIALS');
    }
    const user = await this.d.db.kysely
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    if (!user || Number(user.disabled) === 1) {
      await this.d.record(ctx, {
        action: 'auth.oidc',
        result: 'failure',
        actorName: username,
        target: username,
        details: { reason: user ? 'disabled' : 'unknown_user' },
      });
      throw new MamoriError('MAMORI_INVALID_CREDENTIALS');
    }
    // The identity provider vouches for the first factor; Mamori's own MFA rules still apply on top.
    return this.openSession(ctx, user, 'auth.oidc');
  }
}
