// API tokens for machines: "mamori_" + 32 random bytes, shown once, stored as SHA-256 (the token's entropy makes
// a slow hash unnecessary), scoped to an organization and permissions, expiring, revocable.
import { MamoriError } from '@mamori/core';
import type { ApiTokensTable } from '@mamori/store';
import type { Deps } from '../context.js';
import { OrganizationServiceImpl } from '../orgs/service.js';
import { isPermission, tokenPermissions } from '../policy/roles.js';
import type { ApiToken, CreateTokenInput, Permission, RequestContext, TokenService } from '../types.js';
import { iso, newId, randomToken, requireString, sha256Hex } from '../util.js';

const MAX_DAYS = 366;

function toToken(r: ApiTokensTable): ApiToken {
  let permissions: Permission[] = [];
  try {
    const parsed: unknown = JSON.parse(r.permissions);
    if (Array.isArray(parsed)) permissions = parsed.filter(isPermission);
  } catch {
    permissions = [];
  }
  return {
    id: r.id,
    name: r.name,
    organizationId: r.organization_id,
    permissions,
    prefix: r.prefix,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export class TokenServiceImpl implements TokenService {
  constructor(private readonly d: Deps) {}

  async list(ctx: RequestContext): Promise<{ items: ApiToken[] }> {
    await this.d.policy.assert(ctx.actor, 'token:read');
    const scope = await this.d.policy.scope(ctx.actor!, 'token:read');
    let q = this.d.db.kysely.selectFrom('api_tokens').selectAll();
    const cond = OrganizationServiceImpl.scopeCondition(scope, 'organization_id');
    if (cond) q = q.where(cond);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(1000).execute();
    return { items: rows.map(toToken) };
  }

  async create(ctx: RequestContext, input: CreateTokenInput): Promise<{ token: string; item: ApiToken }> {
    return this.d.mutate(ctx, 'token.create', async (trx, note) => {
      note.organizationId = typeof input?.organizationId === 'string' ? input.organizationId : null;
      note.details = { name: input?.name, permissions: input?.permissions, expiresAt: input?.expiresAt };
      this.d.policy.assertHuman(ctx.actor);
      const organizationId = requireString(input.organizationId, 'organizationId');
      await this.d.policy.assert(ctx.actor, 'token:write', { organizationId });
      const name = requireString(input.name, 'name', 100);
      if (!Array.isArray(input.permissions) || input.permissions.length === 0) {
        throw new MamoriError('MAMORI_VALIDATION', { reason: 'permissions: at least one' });
      }
      const held = this.d.policy.permissionsOf(ctx.actor);
      const permissions = [...new Set(input.permissions)];
      for (const p of permissions) {
        if (!isPermission(p))
          throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown permission ${String(p)}` });
        if (!tokenPermissions.includes(p)) {
          throw new MamoriError('MAMORI_VALIDATION', { reason: `a token cannot carry ${p}` });
        }
        // A token never carries more than its creator holds.
        if (!held.includes(p)) throw new MamoriError('MAMORI_FORBIDDEN', undefined, { permission: p });
      }
      const expires = new Date(typeof input.expiresAt === 'string' ? input.expiresAt : NaN);
      const now = this.d.now();
      if (Number.isNaN(expires.getTime()))
        throw new MamoriError('MAMORI_VALIDATION', { reason: 'expiresAt is not a date' });
      if (expires <= now)
        throw new MamoriError('MAMORI_VALIDATION', { reason: 'expiresAt must be in the future' });
      if (expires.getTime() - now.getTime() > MAX_DAYS * 86_400_000) {
        throw new MamoriError('MAMORI_VALIDATION', { reason: `expiresAt at most ${MAX_DAYS} days ahead` });
      }
      const org = await trx
        .selectFrom('organizations')
        .select('id')
        .where('id', '=', organizationId)
        .executeTakeFirst();
      if (!org) throw new MamoriError('MAMORI_ORG_NOT_FOUND');
      const token = `mamori_${randomToken(32)}`;
      const row: ApiTokensTable = {
        id: newId('t'),
        name,
        token_hash: sha256Hex(token),
        prefix: token.slice(0, 14),
        organization_id: organizationId,
        permissions: JSON.stringify(permissions),
        created_by: ctx.actor.kind === 'user' ? ctx.actor.userId : `system:${ctx.actor.name}`,
        created_at: iso(now),
        expires_at: iso(expires),
        last_used_at: null,
        revoked_at: null,
      };
      await trx.insertInto('api_tokens').values(row).execute();
      note.target = row.id;
      return { token, item: toToken(row) };
    });
  }

  async revoke(ctx: RequestContext, id: string): Promise<void> {
    await this.d.mutate(ctx, 'token.revoke', async (trx, note) => {
      note.target = id;
      this.d.policy.assertHuman(ctx.actor);
      const row = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new MamoriError('MAMORI_TOKEN_NOT_FOUND');
      note.organizationId = row.organization_id;
      if (!(await this.d.policy.can(ctx.actor, 'token:read', { organizationId: row.organization_id }))) {
        throw new MamoriError('MAMORI_TOKEN_NOT_FOUND');
      }
      await this.d.policy.assert(ctx.actor, 'token:write', { organizationId: row.organization_id });
      if (row.revoked_at === null) {
        await trx
          .updateTable('api_tokens')
          .set({ revoked_at: iso(this.d.now()) })
          .where('id', '=', id)
          .execute();
      }
    });
  }
}
