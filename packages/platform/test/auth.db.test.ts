import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { orgIdForCode, STATE_ORG_ID, totpCode, stepAt, type Permission } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';

const db = testDialect();
let p: TestPlatform;
let now = new Date('2026-11-25T12:00:00.000Z');
const ctx = (ip = '192.0.2.10') => ({ actor: null, sourceIp: ip, userAgent: 'test' });

before(async () => {
  p = await createTestPlatform({
    clock: () => now,
    config: {
      auth: { lockoutThreshold: 3, lockoutMinutes: 15 },
      session: { idleMinutes: 30, absoluteHours: 12 },
    },
  });
});
after(() => p.close());

const advance = (ms: number) => {
  now = new Date(now.getTime() + ms);
};

test(`privileged user: password → MFA enrolment → TOTP sign-in; replay refused; recovery code single use (${db})`, async () => {
  await p.addUser({
    username: 'pref-op',
    role: 'prefecture_operator',
    organizationId: orgIdForCode('220001'),
    password: 'correct horse battery',
  });
  const first = await p.auth.login(ctx(), { username: 'pref-op', password: 'correct horse battery' });
  assert.equal(first.state, 'mfa_enrolment_required');
  assert.equal(first.user, undefined);
  // Not a usable session until enrolled.
  const pending = await p.auth.resolveSession(first.sessionToken);
  assert.equal(pending.actor, null);

  const { secret, otpauthUri } = await p.auth.beginEnrolment(ctx(), first.sessionToken);
  assert.match(otpauthUri, /^otpauth:\/\/totp\/Mamori%3Apref-op\?secret=[A-Z2-7]+&issuer=Mamori/);
  await assert.rejects(p.auth.confirmEnrolment(ctx(), first.sessionToken, '000000'), {
    code: 'MAMORI_MFA_INVALID',
  });
  const enrolled = await p.auth.confirmEnrolment(ctx(), first.sessionToken, totpCode(secret, stepAt(now)));
  assert.equal(enrolled.state, 'authenticated');
  assert.equal(enrolled.recoveryCodes.length, 10);
  const sealedRow = await p.db.kysely
    .selectFrom('users')
    .select('mfa_secret')
    .where('username', '=', 'pref-op')
    .executeTakeFirstOrThrow();
  assert.ok(
    sealedRow.mfa_secret?.startsWith('v1:') && !sealedRow.mfa_secret.includes(secret),
    'TOTP seed sealed at rest',
  );
  assert.equal(enrolled.user?.username, 'pref-op');
  assert.equal(enrolled.user?.mfaEnrolled, true);
  assert.notEqual(enrolled.sessionToken, first.sessionToken, 'session token rotates on elevation');
  await assert.rejects(p.auth.resolveSession(first.sessionToken), { code: 'MAMORI_UNAUTHENTICATED' });
  const s = await p.auth.resolveSession(enrolled.sessionToken);
  assert.equal(s.actor?.kind, 'user');
  assert.equal(s.csrfToken, enrolled.csrfToken);

  // Next sign-in asks for the code; the code of the step used at enrolment is refused (replay).
  const second = await p.auth.login(ctx(), { username: 'pref-op', password: 'correct horse battery' });
  assert.equal(second.state, 'mfa_required');
  await assert.rejects(p.auth.verifyMfa(ctx(), second.sessionToken, totpCode(secret, stepAt(now))), {
    code: 'MAMORI_MFA_INVALID',
  });
  advance(30_000);
  const ok = await p.auth.verifyMfa(ctx(), second.sessionToken, totpCode(secret, stepAt(now)));
  assert.equal(ok.state, 'authenticated');

  const third = await p.auth.login(ctx(), { username: 'pref-op', password: 'correct horse battery' });
  const code = enrolled.recoveryCodes[0]!;
  const viaRecovery = await p.auth.verifyMfa(ctx(), third.sessionToken, code.toUpperCase());
  assert.equal(viaRecovery.state, 'authenticated');
  const fourth = await p.auth.login(ctx(), { username: 'pref-op', password: 'correct horse battery' });
  await assert.rejects(p.auth.verifyMfa(ctx(), fourth.sessionToken, code), { code: 'MAMORI_MFA_INVALID' });
  const stored = await p.db.kysely.selectFrom('recovery_codes').select('code_hash').execute();
  assert.ok(
    stored.every((r) => !enrolled.recoveryCodes.some((c) => r.code_hash.includes(c))),
    'stored hashed',
  );
});

test(`non-privileged user signs in without MFA; wrong password fails (${db})`, async () => {
  await p.addUser({
    username: 'staff1',
    role: 'municipality_staff',
    organizationId: orgIdForCode('222038'),
    password: 'staff password 1',
  });
  const r = await p.auth.login(ctx(), { username: 'STAFF1', password: 'staff password 1' });
  assert.equal(r.state, 'authenticated');
  assert.equal(r.user?.organization.name, '沼津市');
  await assert.rejects(p.auth.login(ctx(), { username: 'staff1', password: 'wrong' }), {
    code: 'MAMORI_INVALID_CREDENTIALS',
  });
  await assert.rejects(p.auth.login(ctx(), { username: 'nobody', password: 'wrong' }), {
    code: 'MAMORI_INVALID_CREDENTIALS',
  });
  await assert.rejects(p.auth.login(ctx(), { username: '', password: '' }), { code: 'MAMORI_VALIDATION' });
  const stored = await p.db.kysely
    .selectFrom('users')
    .select('password_hash')
    .where('username', '=', 'staff1')
    .executeTakeFirstOrThrow();
  assert.match(stored.password_hash!, /^\$argon2id\$/);
});

test(`account lockout after repeated failures, lifted after the lockout time (${db})`, async () => {
  await p.addUser({
    username: 'victim',
    role: 'municipality_staff',
    organizationId: orgIdForCode('222038'),
    password: 'secret phrase 101',
  });
  for (let i = 0; i < 3; i++) {
    await assert.rejects(p.auth.login(ctx(`198.51.100.${i}`), { username: 'victim', password: 'nope' }), {
      code: 'MAMORI_INVALID_CREDENTIALS',
    });
  }
  // Even the right password is refused while locked.
  await assert.rejects(p.auth.login(ctx(), { username: 'victim', password: 'secret phrase 101' }), {
    code: 'MAMORI_ACCOUNT_LOCKED',
  });
  advance(16 * 60_000);
  const r = await p.auth.login(ctx(), { username: 'victim', password: 'secret phrase 101' });
  assert.equal(r.state, 'authenticated');
});

test(`source-IP throttling across accounts (${db})`, async () => {
  const ip = '203.0.113.7';
  // threshold 3 per account → 12 per IP within the window
  for (let i = 0; i < 12; i++) {
    await assert.rejects(p.auth.login(ctx(ip), { username: `ghost${i}`, password: 'x' }), {
      code: 'MAMORI_INVALID_CREDENTIALS',
    });
  }
  await assert.rejects(p.auth.login(ctx(ip), { username: 'staff1', password: 'staff password 1' }), {
    code: 'MAMORI_RATE_LIMITED',
  });
  // Other addresses are unaffected.
  assert.equal(
    (await p.auth.login(ctx('203.0.113.8'), { username: 'staff1', password: 'staff password 1' })).state,
    'authenticated',
  );
  advance(16 * 60_000);
  assert.equal(
    (await p.auth.login(ctx(ip), { username: 'staff1', password: 'staff password 1' })).state,
    'authenticated',
  );
});

test(`sessions end after the idle and the absolute timeout, and on logout (${db})`, async () => {
  const a = await p.auth.login(ctx(), { username: 'staff1', password: 'staff password 1' });
  advance(20 * 60_000);
  await p.auth.resolveSession(a.sessionToken);
  advance(20 * 60_000);
  await p.auth.resolveSession(a.sessionToken); // 40 min in total, but never 30 idle
  advance(31 * 60_000);
  await assert.rejects(p.auth.resolveSession(a.sessionToken), { code: 'MAMORI_SESSION_EXPIRED' });

  const b = await p.auth.login(ctx(), { username: 'staff1', password: 'staff password 1' });
  for (let i = 0; i < 26; i++) {
    advance(29 * 60_000);
    if (i < 24) await p.auth.resolveSession(b.sessionToken);
  }
  await assert.rejects(p.auth.resolveSession(b.sessionToken), { code: 'MAMORI_SESSION_EXPIRED' });

  const c = await p.auth.login(ctx(), { username: 'staff1', password: 'staff password 1' });
  await p.auth.logout(ctx(), c.sessionToken);
  await assert.rejects(p.auth.resolveSession(c.sessionToken), { code: 'MAMORI_UNAUTHENTICATED' });
  await assert.rejects(p.auth.resolveSession('x'.repeat(43)), { code: 'MAMORI_UNAUTHENTICATED' });
});

test(`disabled users cannot sign in and lose their sessions (${db})`, async () => {
  const u = await p.addUser({
    username: 'leaver',
    role: 'municipality_staff',
    organizationId: orgIdForCode('222038'),
    password: 'secret phrase 202',
  });
  const s = await p.auth.login(ctx(), { username: 'leaver', password: 'secret phrase 202' });
  await p.accounts.update(p.system, u.id, { disabled: true });
  await assert.rejects(p.auth.resolveSession(s.sessionToken), { code: 'MAMORI_UNAUTHENTICATED' });
  await assert.rejects(p.auth.login(ctx(), { username: 'leaver', password: 'secret phrase 202' }), {
    code: 'MAMORI_ACCOUNT_DISABLED',
  });
});

test(`API tokens: shown once, stored hashed, scoped, expiring, revocable, last use recorded (${db})`, async () => {
  const admin = await p.addUser({
    username: 'numazu-admin',
    role: 'municipality_admin',
    organizationId: orgIdForCode('222038'),
  });
  const { token, item } = await p.tokens.create(admin.ctx, {
    name: 'firewall shipper',
    organizationId: orgIdForCode('222038'),
    permissions: ['events:ingest', 'org:read'],
    expiresAt: new Date(now.getTime() + 86_400_000).toISOString(),
  });
  assert.match(token, /^mamori_[A-Za-z0-9_-]{43}$/);
  assert.ok(token.startsWith(item.prefix));
  const row = await p.db.kysely
    .selectFrom('api_tokens')
    .selectAll()
    .where('id', '=', item.id)
    .executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(row).includes(token.slice(14)), 'the secret part is not stored');
  const actor = await p.auth.authenticateToken(`Bearer ${token}`);
  assert.deepEqual(actor, {
    kind: 'token',
    tokenId: item.id,
    organizationId: orgIdForCode('222038'),
    permissions: ['events:ingest', 'org:read'],
  });
  const listed = await p.tokens.list(admin.ctx);
  assert.ok(listed.items.find((t) => t.id === item.id)?.lastUsedAt);
  // The token reads its own organization only.
  const tctx = { actor, sourceIp: '127.0.0.1' };
  assert.equal((await p.orgs.list(tctx)).items.length, 1);
  await assert.rejects(p.orgs.get(tctx, orgIdForCode('221007')), { code: 'MAMORI_ORG_NOT_FOUND' });
  await assert.rejects(p.accounts.list(tctx), { code: 'MAMORI_FORBIDDEN' });
  // Cannot carry a permission the creator lacks, nor user/token management; nor reach outside scope or expire in the past.
  const later = new Date(now.getTime() + 1e7).toISOString();
  const refusals: [string, Permission[], string, string][] = [
    ['222038', ['org:write'], later, 'MAMORI_FORBIDDEN'],
    ['222038', ['user:write'], later, 'MAMORI_VALIDATION'],
    ['221007', ['org:read'], later, 'MAMORI_FORBIDDEN'],
    ['222038', ['org:read'], new Date(now.getTime() - 1).toISOString(), 'MAMORI_VALIDATION'],
  ];
  for (const [code, permissions, expiresAt, error] of refusals) {
    await assert.rejects(
      p.tokens.create(admin.ctx, {
        name: 'x',
        organizationId: orgIdForCode(code),
        permissions,
        expiresAt,
      }),
      { code: error },
      `${code} ${permissions.join(',')} ${expiresAt}`,
    );
  }
  // Expiry
  advance(86_400_001);
  await assert.rejects(p.auth.authenticateToken(token), { code: 'MAMORI_TOKEN_INVALID' });
  const { token: t2, item: i2 } = await p.tokens.create(admin.ctx, {
    name: 'second',
    organizationId: orgIdForCode('222038'),
    permissions: ['org:read'],
    expiresAt: new Date(now.getTime() + 86_400_000).toISOString(),
  });
  await p.auth.authenticateToken(t2);
  await p.tokens.revoke(admin.ctx, i2.id);
  await assert.rejects(p.auth.authenticateToken(t2), { code: 'MAMORI_TOKEN_INVALID' });
  await assert.rejects(p.auth.authenticateToken('mamori_short'), { code: 'MAMORI_TOKEN_INVALID' });
  // Another municipality's admin cannot see or revoke it.
  const other = await p.addUser({
    username: 'shizuoka-admin',
    role: 'municipality_admin',
    organizationId: orgIdForCode('221007'),
  });
  assert.equal((await p.tokens.list(other.ctx)).items.length, 0);
  await assert.rejects(p.tokens.revoke(other.ctx, item.id), { code: 'MAMORI_TOKEN_NOT_FOUND' });
  void STATE_ORG_ID;
});

test(`every sign-in attempt is in the audit trail (${db})`, async () => {
  const page = await p.audit.list(p.system, { action: 'auth.', limit: 200 });
  const results = new Set(page.items.map((r) => `${r.action}:${r.result}`));
  for (const k of [
    'auth.login:success',
    'auth.login:failure',
    'auth.login:denied',
    'auth.mfa:success',
    'auth.mfa:failure',
    'auth.mfa_enrol:success',
    'auth.logout:success',
  ]) {
    assert.ok(results.has(k), `missing ${k}`);
  }
  const failed = page.items.find(
    (r) => r.action === 'auth.login' && r.result === 'failure' && r.actorName === 'nobody',
  );
  assert.equal(failed?.sourceIp, '192.0.2.10');
  const v = await p.audit.verify(p.system);
  assert.equal(v.ok, true, JSON.stringify(v.problems));
});
