// The one module that decides every access. Services ask it before reading or changing anything; the scope
// it returns is what list queries filter by.
//   state roles: everything; prefecture roles: their prefecture, its municipalities, wards and bodies;
//   municipality roles: their own organization and what is below it; auditor and API tokens: by the kind of
//   their organization (state → everything, prefecture or its SOC operator → the prefecture, else own subtree).
import { MamoriError } from '@mamori/core';
import type { OrgDirectory, OrgInfo } from '../orgs/directory.js';
import type { Actor, Permission, PolicyResource, PolicyService, Role } from '../types.js';
import { roleSpecs, tokenPermissions } from './roles.js';

export type Scope = 'all' | { prefectureCode: string } | { orgIds: string[] };

export class Policy implements PolicyService {
  constructor(private readonly orgs: OrgDirectory) {}

  permissionsOf(actor: Actor): readonly Permission[] {
    switch (actor.kind) {
      case 'system':
        return Object.values(roleSpecs).flatMap((r) => r.permissions);
      case 'user':
        return roleSpecs[actor.role]?.permissions ?? [];
      case 'token':
        return actor.permissions.filter((p) => tokenPermissions.includes(p));
    }
  }

  private async byKind(org: OrgInfo): Promise<Scope> {
    if (org.kind === 'state') return 'all';
    if ((org.kind === 'prefecture' || org.kind === 'soc_operator') && org.prefectureCode) {
      return { prefectureCode: org.prefectureCode };
    }
    return { orgIds: await this.orgs.subtree(org.id) };
  }

  /** Where the actor reaches, whatever the permission. */
  async reach(actor: Actor): Promise<Scope> {
    if (actor.kind === 'system') return 'all';
    const org = await this.orgs.get(actor.organizationId);
    if (!org) return { orgIds: [] };
    if (actor.kind === 'token') return this.byKind(org);
    const level = roleSpecs[actor.role]?.level;
    switch (level) {
      case 'state':
        return org.kind === 'state' ? 'all' : { orgIds: [] };
      case 'prefecture':
        return org.prefectureCode ? { prefectureCode: org.prefectureCode } : { orgIds: [] };
      case 'municipality':
        return { orgIds: await this.orgs.subtree(org.id) };
      case 'organization':
        return this.byKind(org);
      default:
        return { orgIds: [] };
    }
  }

  async scope(actor: Actor, permission: Permission): Promise<Scope> {
    if (!this.permissionsOf(actor).includes(permission)) return { orgIds: [] };
    return this.reach(actor);
  }

  async inScope(scope: Scope, organizationId: string | null): Promise<boolean> {
    if (scope === 'all') return true;
    if (organizationId === null) return false;
    if ('orgIds' in scope) return scope.orgIds.includes(organizationId);
    const org = await this.orgs.get(organizationId);
    return org !== null && org.prefectureCode === scope.prefectureCode;
  }

  async can(actor: Actor | null, permission: Permission, resource?: PolicyResource): Promise<boolean> {
    if (actor === null) return false;
    if (actor.kind === 'system') return true;
    if (!this.permissionsOf(actor).includes(permission)) return false;
    if (resource === undefined || resource.organizationId === undefined) return true;
    return this.inScope(await this.reach(actor), resource.organizationId);
  }

  async assert(actor: Actor | null, permission: Permission, resource?: PolicyResource): Promise<void> {
    if (actor === null) throw new MamoriError('MAMORI_UNAUTHENTICATED');
    if (!(await this.can(actor, permission, resource))) {
      throw new MamoriError('MAMORI_FORBIDDEN', undefined, { permission });
    }
  }

  /** Only a signed-in user or the system (never an API token) may act on accounts and tokens. */
  assertHuman(actor: Actor | null): asserts actor is Exclude<Actor, { kind: 'token' }> {
    if (actor === null) throw new MamoriError('MAMORI_UNAUTHENTICATED');
    if (actor.kind === 'token')
      throw new MamoriError('MAMORI_FORBIDDEN', undefined, { reason: 'not with an API token' });
  }

  /**
   * May the actor give `role` to a user of organization `orgId`? Checks user:write scope, the role ladder
   * (never above the actor's own) and that the role fits the organization's kind.
   */
  async assertCanGrant(actor: Actor | null, role: Role, orgId: string): Promise<void> {
    this.assertHuman(actor);
    await this.assert(actor, 'user:write', { organizationId: orgId });
    const org = await this.orgs.get(orgId);
    if (!org) throw new MamoriError('MAMORI_ORG_NOT_FOUND');
    const spec = roleSpecs[role];
    if (!spec) throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown role ${String(role)}` });
    if (actor.kind === 'user' && !roleSpecs[actor.role].grants.includes(role)) {
      throw new MamoriError('MAMORI_FORBIDDEN', undefined, {
        reason: `role ${actor.role} may not grant ${role}`,
      });
    }
    if (!spec.orgKinds.includes(org.kind)) {
      throw new MamoriError('MAMORI_VALIDATION', {
        reason: `role ${role} does not fit an organization of kind ${org.kind}`,
      });
    }
  }

  /**
   * For acts on the whole country's reference data (the official list of local governments): a signed-in user
   * or the system, holding `permission`, whose reach is everything (the state).
   */
  async assertNationwide(actor: Actor | null, permission: Permission): Promise<void> {
    this.assertHuman(actor);
    // scope() is 'all' only with the permission and a state-wide reach: one look-up for both.
    if ((await this.scope(actor, permission)) !== 'all') {
      throw new MamoriError('MAMORI_FORBIDDEN', undefined, { permission, reason: 'state-wide act' });
    }
  }

  mfaRequired(role: Role): boolean {
    return roleSpecs[role]?.mfaRequired ?? true;
  }
}
