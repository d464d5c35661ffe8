import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { orgIdForCode, STATE_ORG_ID } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';
import type { RequestContext } from '@mamori/platform';

const db = testDialect();
let p: TestPlatform;
const SHIZUOKA = orgIdForCode('220001');
const SHIZUOKA_CITY = orgIdForCode('221007');
const AOI_WARD = orgIdForCode('221015'); // 静岡市葵区
const NUMAZU = orgIdForCode('222038');
const AICHI = orgIdForCode('230006');
const NAGOYA = orgIdForCode('231002');
const u: Record<string, RequestContext> = {};

before(async () => {
  p = await createTestPlatform();
  const add = async (
    username: string,
    role: Parameters<TestPlatform['addUser']>[0]['role'],
    organizationId: string,
  ) => {
    u[username] = (await p.addUser({ username, role, organizationId })).ctx;
  };
  await add('state-admin', 'state_admin', STATE_ORG_ID);
  await add('analyst', 'state_analyst', STATE_ORG_ID);
  await add('pref-admin', 'prefecture_admin', SHIZUOKA);
  await add('pref-op', 'prefecture_operator', SHIZUOKA);
  await add('city-admin', 'municipality_admin', SHIZUOKA_CITY);
  await add('numazu-staff', 'municipality_staff', NUMAZU);
  await add('numazu-auditor', 'auditor', NUMAZU);
  await add('pref-auditor', 'auditor', SHIZUOKA);
  await add('aichi-op', 'prefecture_operator', AICHI);
});
after(() => p.close());

const canRead = async (who: string, org: string) =>
  p.policy.can(u[who]!.actor, 'org:read', { organizationId: org });

test(`scope: state sees all; prefecture its prefecture; municipality its own subtree (${db})`, async () => {
  assert.equal(await canRead('analyst', NAGOYA), true);
  assert.equal(await canRead('pref-op', NUMAZU), true);
  assert.equal(await canRead('pref-op', AOI_WARD), true);
  assert.equal(await canRead('pref-op', NAGOYA), false);
  assert.equal(await canRead('aichi-op', NUMAZU), false);
  assert.equal(await canRead('city-admin', SHIZUOKA_CITY), true);
  assert.equal(await canRead('city-admin', AOI_WARD), true);
  assert.equal(await canRead('city-admin', NUMAZU), false);
  assert.equal(await canRead('city-admin', SHIZUOKA), false);
  assert.equal(await canRead('numazu-auditor', NUMAZU), true);
  assert.equal(await canRead('numazu-auditor', SHIZUOKA_CITY), false);
  assert.equal(await canRead('pref-auditor', NUMAZU), true);
  assert.equal(await p.policy.can(null, 'org:read'), false);
  await assert.rejects(p.policy.assert(null, 'org:read'), { code: 'MAMORI_UNAUTHENTICATED' });
});

test(`lists are filtered by scope (${db})`, async () => {
  const op = await p.orgs.list(u['pref-op']!, { limit: 200 });
  assert.ok(op.items.length > 30 && op.items.every((o) => o.prefectureCode === '22'));
  const city = await p.orgs.list(u['city-admin']!, { limit: 200 });
  assert.deepEqual(
    city.items.map((o) => o.id),
    [SHIZUOKA_CITY],
  );
  const users = await p.accounts.list(u['city-admin']!);
  assert.deepEqual(
    users.items.map((x) => x.username),
    ['city-admin'],
  );
  await assert.rejects(p.accounts.list(u['city-admin']!, { organizationId: NUMAZU }), {
    code: 'MAMORI_FORBIDDEN',
  });
  await assert.rejects(p.accounts.list(u['numazu-staff']!), { code: 'MAMORI_FORBIDDEN' });
  await assert.rejects(p.orgs.get(u['aichi-op']!, NUMAZU), { code: 'MAMORI_ORG_NOT_FOUND' });
  const prefUsers = await p.accounts.list(u['pref-op']!, { limit: 200 });
  assert.ok(prefUsers.items.every((x) => x.username !== 'aichi-op' && x.username !== 'state-admin'));
});

test(`only admins manage users, within scope, never above their own role (${db})`, async () => {
  const input = (role: string, organizationId: string, username: string) => ({
    username,
    displayName: username,
    email: `${username}@example.invalid`,
    organizationId,
    role: role as never,
    password: 'a long enough password',
  });
  const created = await p.accounts.create(
    u['city-admin']!,
    input('municipality_staff', SHIZUOKA_CITY, 'new-staff'),
  );
  assert.equal(created.organizationName, '静岡市');
  await assert.rejects(p.accounts.create(u['city-admin']!, input('municipality_staff', NUMAZU, 'x1')), {
    code: 'MAMORI_FORBIDDEN',
  });
  await assert.rejects(p.accounts.create(u['city-admin']!, input('prefecture_admin', SHIZUOKA_CITY, 'x2')), {
    code: 'MAMORI_FORBIDDEN',
  });
  await assert.rejects(p.accounts.create(u['pref-admin']!, input('state_admin', STATE_ORG_ID, 'x3')), {
    code: 'MAMORI_FORBIDDEN',
  });
  await assert.rejects(p.accounts.create(u['pref-op']!, input('municipality_staff', NUMAZU, 'x4')), {
    code: 'MAMORI_FORBIDDEN',
  });
  await assert.rejects(p.accounts.create(u['numazu-auditor']!, input('municipality_staff', NUMAZU, 'x5')), {
    code: 'MAMORI_FORBIDDEN',
  });
  // role must fit the organization
  await assert.rejects(p.accounts.create(u['pref-admin']!, input('municipality_admin', SHIZUOKA, 'x6')), {
    code: 'MAMORI_VALIDATION',
  });
  const m = await p.accounts.create(u['pref-admin']!, input('municipality_admin', NUMAZU, 'numazu-admin2'));
  await assert.rejects(
    p.accounts.create(u['pref-admin']!, input('municipality_admin', NUMAZU, 'NUMAZU-ADMIN2')),
    { code: 'MAMORI_USERNAME_TAKEN' },
  );
  await assert.rejects(p.accounts.create(u['pref-admin']!, input('municipality_admin', NUMAZU, 'bad name')), {
    code: 'MAMORI_VALIDATION',
  });
  await assert.rejects(
    p.accounts.create(u['pref-admin']!, {
      ...input('municipality_admin', NUMAZU, 'shortpw'),
      password: 'short',
    }),
    { code: 'MAMORI_PASSWORD_POLICY' },
  );
  // updates follow the same rules
  await assert.rejects(p.accounts.update(u['city-admin']!, m.id, { disabled: true }), {
    code: 'MAMORI_FORBIDDEN',
  });
  const disabled = await p.accounts.update(u['pref-admin']!, m.id, { disabled: true });
  assert.equal(disabled.disabled, true);
  const stateAdminId = (await p.accounts.find(p.system, 'state-admin')).id;
  await assert.rejects(p.accounts.update(u['pref-admin']!, stateAdminId, { disabled: true }), {
    code: 'MAMORI_FORBIDDEN',
  });
  const cityAdminId = (await p.accounts.find(p.system, 'city-admin')).id;
  await assert.rejects(p.accounts.update(u['city-admin']!, cityAdminId, { role: 'municipality_staff' }), {
    code: 'MAMORI_FORBIDDEN',
  });
  await assert.rejects(p.accounts.update(u['city-admin']!, cityAdminId, { disabled: true }), {
    code: 'MAMORI_FORBIDDEN',
  });
});

test(`auditor is read-only; audit reads are scoped (${db})`, async () => {
  assert.equal(
    await p.policy.can(u['numazu-auditor']!.actor, 'org:write', { organizationId: NUMAZU }),
    false,
  );
  assert.equal(
    await p.policy.can(u['numazu-auditor']!.actor, 'audit:read', { organizationId: NUMAZU }),
    true,
  );
  await assert.rejects(
    p.tokens.create(u['numazu-auditor']!, {
      name: 'x',
      organizationId: NUMAZU,
      permissions: ['org:read'],
      expiresAt: new Date(Date.now() + 1e7).toISOString(),
    }),
    { code: 'MAMORI_FORBIDDEN' },
  );
  const cityAudit = await p.audit.list(u['city-admin']!, { limit: 200 });
  assert.ok(cityAudit.items.length > 0);
  assert.ok(cityAudit.items.every((r) => r.organizationId === SHIZUOKA_CITY));
  await assert.rejects(p.audit.verify(u['city-admin']!), { code: 'MAMORI_FORBIDDEN' });
  assert.equal((await p.audit.verify(u['analyst']!)).ok, true);
});

test(`me and password change (${db})`, async () => {
  const created = await p.addUser({
    username: 'self',
    role: 'municipality_staff',
    organizationId: NUMAZU,
    password: 'first password 12',
  });
  const me = await p.accounts.updateMe(created.ctx, { displayName: '沼津 太郎', locale: 'en' });
  assert.equal(me.displayName, '沼津 太郎');
  assert.equal(me.locale, 'en');
  await assert.rejects(
    p.accounts.changePassword(created.ctx, { currentPassword: 'wrong', newPassword: 'second password 12' }),
    { code: 'MAMORI_INVALID_CREDENTIALS' },
  );
  const anon = { actor: null, sourceIp: '127.0.0.1' };
  const here = await p.auth.login(anon, { username: 'self', password: 'first password 12' });
  const elsewhere = await p.auth.login(anon, { username: 'self', password: 'first password 12' });
  const hereId = (await p.auth.resolveSession(here.sessionToken)).sessionId;
  await p.accounts.changePassword(
    { ...created.ctx, sessionId: hereId },
    { currentPassword: 'first password 12', newPassword: 'second password 12' },
  );
  await p.auth.resolveSession(here.sessionToken);
  await assert.rejects(p.auth.resolveSession(elsewhere.sessionToken), { code: 'MAMORI_UNAUTHENTICATED' });
  const r = await p.auth.login(
    { actor: null, sourceIp: '127.0.0.1' },
    { username: 'self', password: 'second password 12' },
  );
  assert.equal(r.state, 'authenticated');
  assert.equal(p.accounts.roles().length, 7);
  assert.ok(p.accounts.permissions().every((x) => x.ja && x.en));
});

test(`administrators reset a user's credentials within their scope (${db})`, async () => {
  const target = await p.addUser({
    username: 'lost-phone',
    role: 'municipality_admin',
    organizationId: SHIZUOKA_CITY,
  });
  await p.db.kysely
    .updateTable('users')
    .set({
      mfa_enrolled_at: new Date().toISOString(),
      mfa_secret: 'JBSWY3DPEHPK3PXP',
      locked_until: '2999-01-01T00:00:00.000Z',
    })
    .where('id', '=', target.id)
    .execute();
  await assert.rejects(
    p.accounts.resetCredentials(u['numazu-auditor']!, target.id, { password: 'brand new password' }),
    { code: 'MAMORI_FORBIDDEN' },
  );
  await assert.rejects(
    p.accounts.resetCredentials(u['aichi-op']!, target.id, { password: 'brand new password' }),
    { code: 'MAMORI_FORBIDDEN' },
  );
  const r = await p.accounts.resetCredentials(u['pref-admin']!, target.id, {
    password: 'brand new password',
  });
  assert.equal(r.mfaEnrolled, false);
  const login = await p.auth.login(
    { actor: null, sourceIp: '127.0.0.1' },
    { username: 'lost-phone', password: 'brand new password' },
  );
  assert.equal(login.state, 'mfa_enrolment_required');
  const rec = (await p.audit.list(p.system, { action: 'user.reset_credentials', limit: 10 })).items;
  assert.deepEqual(
    rec.map((x) => x.result),
    ['success', 'denied', 'denied'],
  );
});
