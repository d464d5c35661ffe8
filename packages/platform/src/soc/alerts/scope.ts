// Who sees which alert. An attributed alert belongs to its organization (the policy module decides); an
// unattributed one (organization null) is the prefecture's: visible to those who reach that whole prefecture
// (prefecture roles, the state), never to a municipality.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Deps } from '../../context.js';
import type { Scope } from '../../policy/policy.js';
import type { Actor, Permission } from '../../types.js';

export async function canOnAlert(
  d: Deps,
  actor: Actor | null,
  permission: Permission,
  alert: { organizationId: string | null; prefectureId: string },
): Promise<boolean> {
  if (alert.organizationId !== null)
    return d.policy.can(actor, permission, { organizationId: alert.organizationId });
  if (actor === null) return false;
  if (actor.kind === 'system') return true;
  if (!d.policy.permissionsOf(actor).includes(permission)) return false;
  return inPrefectureScope(d, await d.policy.reach(actor), alert.prefectureId);
}

export async function inPrefectureScope(d: Deps, scope: Scope, prefectureId: string): Promise<boolean> {
  if (scope === 'all') return true;
  if (!('prefectureCode' in scope)) return false;
  const pref = await d.directory.get(prefectureId);
  return pref !== null && pref.prefectureCode === scope.prefectureCode;
}

/** SQL condition for list queries (alerts, notifications): columns organization_id and prefecture_id. */
export function alertScopeCondition(
  scope: Scope,
  orgCol: string,
  prefCol: string,
): Expression<SqlBool> | null {
  if (scope === 'all') return null;
  if ('prefectureCode' in scope) {
    const inPref = sql`(select id from organizations where prefecture_code = ${scope.prefectureCode})`;
    return sql<SqlBool>`(${sql.ref(orgCol)} in ${inPref} or (${sql.ref(orgCol)} is null and ${sql.ref(prefCol)} in ${inPref}))`;
  }
  if (scope.orgIds.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`${sql.ref(orgCol)} in (${sql.join(scope.orgIds)})`;
}
