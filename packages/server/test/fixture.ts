// Two prefectures with municipalities, a user of every kind that matters for tenant isolation, and API
// tokens. Shared by the isolation suite and the behaviour tests.
import assert from 'node:assert/strict';
import { Client, json, orgIdByCode, signInNew, type Principal, type TestApp } from './helpers.js';

export const CODES = {
  prefA: '220001', // 静岡県
  a1: '222038', // 沼津市
  a2: '222054', // 熱海市
  prefB: '230006', // 愛知県
  b1: '232017', // 豊橋市
} as const;

export interface Fixture {
  org: { state: string; prefA: string; a1: string; a2: string; prefB: string; b1: string };
  users: {
    stateAdmin: Principal;
    prefAAdmin: Principal;
    prefAOp: Principal;
    prefBAdmin: Principal;
    a1Admin: Principal;
    a1Staff: Principal;
    a2Admin: Principal;
    b1Admin: Principal;
    auditorA: Principal;
    /** Signs out during the suite. */
    spare: Principal;
  };
  /** Bearer clients. */
  tokens: {
    /** A1, every permission a token may hold. */
    a1All: Client;
    /** A1, org:read only. */
    a1OrgRead: Client;
    /** A1, audit:read only (no org:read). */
    a1AuditOnly: Client;
  };
  /** Token ids (for revoke cases): one per tenant, created by that tenant's admin. */
  tokenIds: { a1: string; a2: string; b1: string };
  anonymous: Client;
}

export async function createToken(
  admin: Principal,
  organizationId: string,
  permissions: string[],
  name = 'test token',
): Promise<{ token: string; id: string }> {
  const res = await admin.client.post('/api/v1/tokens', {
    name,
    organizationId,
    permissions,
    expiresAt: new Date(Date.now() + 7 * 86400_000).toISOString(),
  });
  assert.equal(res.statusCode, 201, res.body);
  const body = json<{ token: string; item: { id: string } }>(res);
  return { token: body.token, id: body.item.id };
}

function bearer(t: TestApp, token: string): Client {
  const c = new Client(t.app);
  c.bearer = token;
  return c;
}

export async function createFixture(t: TestApp): Promise<Fixture> {
  const org = {
    state: (await t.platform.orgs.list(t.system, { kind: 'state' })).items[0]!.id,
    prefA: await orgIdByCode(t, CODES.prefA),
    a1: await orgIdByCode(t, CODES.a1),
    a2: await orgIdByCode(t, CODES.a2),
    prefB: await orgIdByCode(t, CODES.prefB),
    b1: await orgIdByCode(t, CODES.b1),
  };
  const users = {
    stateAdmin: await signInNew(t, 'state-admin', 'state_admin', org.state),
    prefAAdmin: await signInNew(t, 'pref-a-admin', 'prefecture_admin', org.prefA),
    prefAOp: await signInNew(t, 'pref-a-op', 'prefecture_operator', org.prefA),
    prefBAdmin: await signInNew(t, 'pref-b-admin', 'prefecture_admin', org.prefB),
    a1Admin: await signInNew(t, 'a1-admin', 'municipality_admin', org.a1),
    a1Staff: await signInNew(t, 'a1-staff', 'municipality_staff', org.a1),
    a2Admin: await signInNew(t, 'a2-admin', 'municipality_admin', org.a2),
    b1Admin: await signInNew(t, 'b1-admin', 'municipality_admin', org.b1),
    auditorA: await signInNew(t, 'auditor-a', 'auditor', org.prefA),
    spare: await signInNew(t, 'spare', 'municipality_staff', org.b1),
  };
  const all = ['org:read', 'user:read', 'token:read', 'audit:read', 'events:read', 'events:ingest'];
  const a1All = await createToken(users.a1Admin, org.a1, all, 'a1 all');
  const a1OrgRead = await createToken(users.a1Admin, org.a1, ['org:read'], 'a1 org read');
  const a1AuditOnly = await createToken(users.a1Admin, org.a1, ['audit:read'], 'a1 audit only');
  const a2Tok = await createToken(users.a2Admin, org.a2, ['org:read'], 'a2 token');
  const b1Tok = await createToken(users.b1Admin, org.b1, ['org:read'], 'b1 token');
  return {
    org,
    users,
    tokens: {
      a1All: bearer(t, a1All.token),
      a1OrgRead: bearer(t, a1OrgRead.token),
      a1AuditOnly: bearer(t, a1AuditOnly.token),
    },
    tokenIds: { a1: a1All.id, a2: a2Tok.id, b1: b1Tok.id },
    anonymous: new Client(t.app),
  };
}
