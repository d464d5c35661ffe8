// Accounts: users belong to one organization and hold one role. Only administrators manage users, within
// their scope, never granting a role above their own (policy.assertCanGrant).
import { MamoriError, type OrgKind } from '@mamori/core';
import { sql, type SqlBool } from 'kysely';
import type { UsersTable } from '@mamori/store';
import type { Deps } from '../context.js';
import { OrganizationServiceImpl } from '../orgs/service.js';
import { isRole, permissionIds, permissionSpecs, roleIds, roleSpecs } from '../policy/roles.js';
import type {
  AccountService,
  CreateUserInput,
  Locale,
  Me,
  Page,
  Permission,
  RequestContext,
  Role,
  UpdateUserInput,
  User,
  UserQuery,
} from '../types.js';
import { decodeCursor, iso, likeContains, newId, pageLimit, requireString, toPage } from '../util.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password.js';

type UserRow = UsersTable & { organization_name: string };

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    email: r.email,
    role: r.role as Role,
    organizationId: r.organization_id,
    organizationName: r.organization_name,
    disabled: Number(r.disabled) === 1,
    mfaEnrolled: r.mfa_enrolled_at !== null,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
  };
}

const USERNAME = /^[a-z0-9][a-z0-9._@-]{1,63}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export function normalizeUsername(value: unknown): string {
  const u = requireString(value, 'username', 64).toLowerCase();
  if (!USERNAME.test(u)) {
    throw new MamoriError('MAMORI_VALIDATION', {
      reason: 'username: 2–64 characters, lower-case letters, digits and . _ @ -',
    });
  }
  return u;
}

export class AccountServiceImpl implements AccountService {
  constructor(private readonly d: Deps) {}

  private base() {
    return this.d.db.kysely
      .selectFrom('users as u')
      .innerJoin('organizations as o', 'o.id', 'u.organization_id')
      .selectAll('u')
      .select('o.name as organization_name');
  }

  async meRow(userId: string): Promise<Me> {
    const r = await this.d.db.kysely
      .selectFrom('users as u')
      .innerJoin('organizations as o', 'o.id', 'u.organization_id')
      .select([
        'u.id',
        'u.username',
        'u.display_name',
        'u.email',
        'u.role',
        'u.mfa_enrolled_at',
        'u.locale',
        'o.id as org_id',
        'o.code as org_code',
        'o.name as org_name',
        'o.kind as org_kind',
      ])
      .where('u.id', '=', userId)
      .executeTakeFirst();
    if (!r) throw new MamoriError('MAMORI_USER_NOT_FOUND');
    return {
      id: r.id,
      username: r.username,
      displayName: r.display_name,
      email: r.email,
      role: r.role as Role,
      organization: { id: r.org_id, code: r.org_code, name: r.org_name, kind: r.org_kind as OrgKind },
      mfaEnrolled: r.mfa_enrolled_at !== null,
      locale: r.locale === 'en' ? 'en' : 'ja',
    };
  }

  async list(ctx: RequestContext, query: UserQuery = {}): Promise<Page<User>> {
    await this.d.policy.assert(ctx.actor, 'user:read');
    const limit = pageLimit(query);
    const after = decodeCursor<string>(query.cursor, 'string');
    let q = this.base();
    const scope = await this.d.policy.scope(ctx.actor!, 'user:read');
    const cond = OrganizationServiceImpl.scopeCondition(scope, 'u.organization_id');
    if (cond) q = q.where(cond);
    if (query.organizationId !== undefined) {
      await this.d.policy.assert(ctx.actor, 'user:read', { organizationId: query.organizationId });
      q = q.where('u.organization_id', '=', query.organizationId);
    }
    if (query.q !== undefined && query.q.trim() !== '') {
      const pattern = likeContains(query.q.trim().toLowerCase());
      q = q.where(
        sql<SqlBool>`(u.username like ${pattern} escape '\\' or lower(u.display_name) like ${pattern} escape '\\')`,
      );
    }
    if (after !== null) q = q.where('u.id', '>', after);
    const rows = await q
      .orderBy('u.id')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, toUser, (r) => r.id);
  }

  async get(ctx: RequestContext, id: string): Promise<User> {
    if (ctx.actor === null) throw new MamoriError('MAMORI_UNAUTHENTICATED');
    const self = ctx.actor.kind === 'user' && ctx.actor.userId === id;
    // Lacking the permission at all is 403; holding it but asking outside the scope looks like absence (404).
    if (!self) await this.d.policy.assert(ctx.actor, 'user:read');
    const r = await this.base().where('u.id', '=', id).executeTakeFirst();
    if (
      !r ||
      (!self && !(await this.d.policy.can(ctx.actor, 'user:read', { organizationId: r.organization_id })))
    ) {
      throw new MamoriError('MAMORI_USER_NOT_FOUND');
    }
    return toUser(r);
  }

  async find(ctx: RequestContext, idOrUsername: string): Promise<User> {
    const r = await this.d.db.kysely
      .selectFrom('users')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', idOrUsername), eb('username', '=', idOrUsername.toLowerCase())]))
      .executeTakeFirst();
    if (!r) {
      if (ctx.actor === null) throw new MamoriError('MAMORI_UNAUTHENTICATED');
      throw new MamoriError('MAMORI_USER_NOT_FOUND');
    }
    return this.get(ctx, r.id);
  }

  async create(ctx: RequestContext, input: CreateUserInput): Promise<User> {
    return this.d.mutate(ctx, 'user.create', async (trx, note) => {
      note.organizationId = typeof input?.organizationId === 'string' ? input.organizationId : null;
      note.details = { username: input?.username, role: input?.role };
      const username = normalizeUsername(input.username);
      note.target = username;
      if (!isRole(input.role))
        throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown role ${String(input.role)}` });
      const organizationId = requireString(input.organizationId, 'organizationId');
      await this.d.policy.assertCanGrant(ctx.actor, input.role, organizationId);
      const displayName = requireString(input.displayName, 'displayName');
      const email = requireString(input.email, 'email', 320);
      if (!EMAIL.test(email))
        throw new MamoriError('MAMORI_VALIDATION', { reason: 'email is not an address' });
      const password = checkPasswordPolicy(input.password, this.d.config.auth.passwordMinLength, username);
      const taken = await trx
        .selectFrom('users')
        .select('id')
        .where('username', '=', username)
        .executeTakeFirst();
      if (taken) throw new MamoriError('MAMORI_USERNAME_TAKEN');
      const now = iso(this.d.now());
      const row: UsersTable = {
        id: newId('u'),
        username,
        display_name: displayName,
        email,
        organization_id: organizationId,
        role: input.role,
        password_hash: await hashPassword(password),
        disabled: 0,
        locale: 'ja',
        mfa_secret: null,
        mfa_enrolled_at: null,
        mfa_last_step: 0,
        failed_logins: 0,
        locked_until: null,
        last_login_at: null,
        oidc_subject: null,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('users').values(row).execute();
      note.target = row.id;
      const org = await trx
        .selectFrom('organizations')
        .select('name')
        .where('id', '=', organizationId)
        .executeTakeFirstOrThrow();
      return toUser({ ...row, organization_name: org.name });
    });
  }

  async update(ctx: RequestContext, id: string, input: UpdateUserInput): Promise<User> {
    return this.d.mutate(ctx, 'user.update', async (trx, note) => {
      note.target = id;
      note.details = { ...input };
      this.d.policy.assertHuman(ctx.actor);
      const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new MamoriError('MAMORI_USER_NOT_FOUND');
      note.organizationId = row.organization_id;
      await this.d.policy.assert(ctx.actor, 'user:write', { organizationId: row.organization_id });
      // The current role must be one the actor could grant: a prefecture admin cannot touch a state admin.
      await this.d.policy.assertCanGrant(ctx.actor, row.role as Role, row.organization_id);
      const self = ctx.actor.kind === 'user' && ctx.actor.userId === id;
      const set: Partial<UsersTable> = {};
      if (input.displayName !== undefined) set.display_name = requireString(input.displayName, 'displayName');
      if (input.role !== undefined && input.role !== row.role) {
        if (!isRole(input.role))
          throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown role ${String(input.role)}` });
        if (self)
          throw new MamoriError('MAMORI_FORBIDDEN', undefined, { reason: 'cannot change your own role' });
        await this.d.policy.assertCanGrant(ctx.actor, input.role, row.organization_id);
        set.role = input.role;
      }
      if (input.disabled !== undefined) {
        if (typeof input.disabled !== 'boolean')
          throw new MamoriError('MAMORI_VALIDATION', { reason: 'disabled must be true or false' });
        if (self && input.disabled)
          throw new MamoriError('MAMORI_FORBIDDEN', undefined, { reason: 'cannot disable yourself' });
        set.disabled = input.disabled ? 1 : 0;
      }
      if (Object.keys(set).length > 0) {
        set.updated_at = iso(this.d.now());
        await trx.updateTable('users').set(set).where('id', '=', id).execute();
      }
      // A disabled user or a changed role ends the user's sessions: their rights changed.
      if (set.disabled === 1 || set.role !== undefined) {
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      }
      const r = await trx
        .selectFrom('users as u')
        .innerJoin('organizations as o', 'o.id', 'u.organization_id')
        .selectAll('u')
        .select('o.name as organization_name')
        .where('u.id', '=', id)
        .executeTakeFirstOrThrow();
      return toUser(r);
    });
  }

  async resetCredentials(ctx: RequestContext, id: string, input: { password: string }): Promise<User> {
    return this.d.mutate(ctx, 'user.reset_credentials', async (trx, note) => {
      note.target = id;
      this.d.policy.assertHuman(ctx.actor);
      const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new MamoriError('MAMORI_USER_NOT_FOUND');
      note.organizationId = row.organization_id;
      await this.d.policy.assertCanGrant(ctx.actor, row.role as Role, row.organization_id);
      if (ctx.actor.kind === 'user' && ctx.actor.userId === id) {
        throw new MamoriError('MAMORI_FORBIDDEN', undefined, {
          reason: 'use the password change for yourself',
        });
      }
      const password = checkPasswordPolicy(
        input?.password,
        this.d.config.auth.passwordMinLength,
        row.username,
      );
      await trx
        .updateTable('users')
        .set({
          password_hash: await hashPassword(password),
          mfa_secret: null,
          mfa_enrolled_at: null,
          mfa_last_step: 0,
          failed_logins: 0,
          locked_until: null,
          updated_at: iso(this.d.now()),
        })
        .where('id', '=', id)
        .execute();
      await trx.deleteFrom('recovery_codes').where('user_id', '=', id).execute();
      await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      const r = await trx
        .selectFrom('users as u')
        .innerJoin('organizations as o', 'o.id', 'u.organization_id')
        .selectAll('u')
        .select('o.name as organization_name')
        .where('u.id', '=', id)
        .executeTakeFirstOrThrow();
      return toUser(r);
    });
  }

  private userActor(ctx: RequestContext): string {
    if (ctx.actor === null) throw new MamoriError('MAMORI_UNAUTHENTICATED');
    if (ctx.actor.kind !== 'user')
      throw new MamoriError('MAMORI_FORBIDDEN', undefined, { reason: 'not a user' });
    return ctx.actor.userId;
  }

  async me(ctx: RequestContext): Promise<Me> {
    return this.meRow(this.userActor(ctx));
  }

  async updateMe(ctx: RequestContext, input: { displayName?: string; locale?: Locale }): Promise<Me> {
    const userId = this.userActor(ctx);
    await this.d.mutate(ctx, 'user.update_self', async (trx, note) => {
      note.target = userId;
      note.details = { ...input };
      const set: Partial<UsersTable> = {};
      if (input.displayName !== undefined) set.display_name = requireString(input.displayName, 'displayName');
      if (input.locale !== undefined) {
        if (input.locale !== 'ja' && input.locale !== 'en')
          throw new MamoriError('MAMORI_VALIDATION', { reason: 'locale must be ja or en' });
        set.locale = input.locale;
      }
      if (Object.keys(set).length === 0) return;
      set.updated_at = iso(this.d.now());
      await trx.updateTable('users').set(set).where('id', '=', userId).execute();
    });
    return this.meRow(userId);
  }

  async changePassword(
    ctx: RequestContext,
    input: { currentPassword: string; newPassword: string },
  ): Promise<void> {
    const userId = this.userActor(ctx);
    await this.d.mutate(ctx, 'user.password_change', async (trx, note) => {
      note.target = userId;
      const row = await trx
        .selectFrom('users')
        .selectAll()
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      if (
        !row.password_hash ||
        !(await verifyPassword(row.password_hash, String(input?.currentPassword ?? '')))
      ) {
        throw new MamoriError('MAMORI_INVALID_CREDENTIALS');
      }
      const password = checkPasswordPolicy(
        input.newPassword,
        this.d.config.auth.passwordMinLength,
        row.username,
      );
      await trx
        .updateTable('users')
        .set({ password_hash: await hashPassword(password), updated_at: iso(this.d.now()) })
        .where('id', '=', userId)
        .execute();
      // Whoever else holds a session of this account (the reason for a change, often) is signed out.
      let others = trx.deleteFrom('sessions').where('user_id', '=', userId);
      if (ctx.sessionId) others = others.where('id', '<>', ctx.sessionId);
      await others.execute();
    });
  }

  roles(): { id: Role; ja: string; en: string }[] {
    return roleIds.map((id) => ({ id, ja: roleSpecs[id].ja, en: roleSpecs[id].en }));
  }

  permissions(): { id: Permission; ja: string; en: string }[] {
    return permissionIds.map((id) => ({ id, ...permissionSpecs[id] }));
  }
}
