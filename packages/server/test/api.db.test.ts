// Behaviour of the HTTP API through inject(): sign-in with MFA, lockout, CSRF, sign-out, API tokens, the audit
// trail of every state-changing call, refusal of malformed input (never a 500), pagination, rate limits,
// headers, probes and the console host.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@mamori/platform';
import { buildApp, startServer } from '../src/index.js';
import {
  Client,
  PASSWORD,
  currentStep,
  dialect,
  expectError,
  json,
  orgIdByCode,
  signIn,
  signInNew,
  startTestApp,
  totpAt,
  type Principal,
  type TestApp,
} from './helpers.js';
import { CODES, createToken } from './fixture.js';

interface AuditItem {
  seq: number;
  action: string;
  result: string;
  actorId: string | null;
  organizationId: string | null;
}

async function lastAudit(t: TestApp): Promise<AuditItem[]> {
  const page = await t.platform.audit.list(t.system, { limit: 200 });
  return page.items as AuditItem[];
}

async function maxSeq(t: TestApp): Promise<number> {
  const items = await lastAudit(t);
  return items.reduce((m, i) => Math.max(m, i.seq), 0);
}

describe(`HTTP API behaviour (${dialect})`, () => {
  let t: TestApp;
  let orgA1: string;
  let orgA: string;
  let admin: Principal; // municipality admin of A1 (MFA required)

  before(async () => {
    t = await startTestApp();
    orgA1 = await orgIdByCode(t, CODES.a1);
    orgA = await orgIdByCode(t, CODES.prefA);
    admin = await signInNew(t, 'behaviour-admin', 'municipality_admin', orgA1);
  });
  after(async () => {
    await t?.close();
  });

  test('sign-in → MFA enrolment → TOTP → session; then sign-in with TOTP and with a recovery code', async () => {
    const user = await t.platform.accounts.create(t.system, {
      username: 'mfa-flow',
      displayName: 'MFA flow',
      email: 'mfa-flow@example.jp',
      organizationId: orgA1,
      role: 'municipality_admin',
      password: PASSWORD,
    });
    const c = new Client(t.app);
    c.ip = '127.0.0.11';
    const login = await c.post('/api/v1/auth/login', { username: 'mfa-flow', password: PASSWORD });
    assert.equal(login.statusCode, 200, login.body);
    const lb = json<{ state: string; csrfToken: string; user?: unknown }>(login);
    assert.equal(lb.state, 'mfa_enrolment_required');
    assert.equal(lb.user, undefined);
    const cookie = login.cookies.find((k) => k.name === 'mamori_session')!;
    assert.ok(cookie.httpOnly, 'HttpOnly');
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.secure, t.platform.config.server.secureCookies);
    c.csrf = lb.csrfToken;

    // Half signed in: the API is closed.
    expectError(await c.get('/api/v1/me'), 401, 'MAMORI_MFA_REQUIRED');
    const partial = await c.get('/api/v1/auth/session');
    expectError(partial, 401, 'MAMORI_MFA_REQUIRED');
    // …but the console can resume the sign-in after a reload.
    assert.deepEqual(json<{ error: { details: unknown } }>(partial).error.details, {
      state: 'mfa_enrolment_required',
      csrfToken: lb.csrfToken,
    });

    const e = await c.post('/api/v1/auth/mfa/enrolment');
    assert.equal(e.statusCode, 200, e.body);
    const { secret, otpauthUri } = json<{ secret: string; otpauthUri: string }>(e);
    assert.match(otpauthUri, /^otpauth:\/\/totp\/.*secret=/);
    expectError(
      await c.post('/api/v1/auth/mfa/enrolment/confirm', { code: '000000' }),
      401,
      'MAMORI_MFA_INVALID',
    );
    const step = currentStep();
    const conf = await c.post('/api/v1/auth/mfa/enrolment/confirm', { code: totpAt(secret, step) });
    assert.equal(conf.statusCode, 200, conf.body);
    const cb = json<{
      state: string;
      csrfToken: string;
      recoveryCodes: string[];
      user: { id: string; mfaEnrolled: boolean };
    }>(conf);
    assert.equal(cb.state, 'authenticated');
    assert.equal(cb.user.id, user.id);
    assert.equal(cb.user.mfaEnrolled, true);
    assert.ok(cb.recoveryCodes.length >= 8);
    // The session token changes on elevation.
    const elevated = conf.cookies.find((k) => k.name === 'mamori_session')!;
    assert.notEqual(elevated.value, cookie.value);
    c.csrf = cb.csrfToken;
    const s = await c.get('/api/v1/auth/session');
    assert.equal(s.statusCode, 200, s.body);
    assert.equal(json<{ user: { id: string } }>(s).user.id, user.id);
    assert.equal((await c.get('/api/v1/me')).statusCode, 200);

    // Again: now MFA is required, not enrolment. A replayed code is refused; the next step's code is accepted.
    assert.equal((await c.post('/api/v1/auth/logout')).statusCode, 204);
    const l2 = await c.post('/api/v1/auth/login', { username: 'mfa-flow', password: PASSWORD });
    const l2b = json<{ state: string; csrfToken: string }>(l2);
    assert.equal(l2b.state, 'mfa_required');
    c.csrf = l2b.csrfToken;
    expectError(
      await c.post('/api/v1/auth/mfa/verify', { code: totpAt(secret, step) }),
      401,
      'MAMORI_MFA_INVALID',
    );
    const v = await c.post('/api/v1/auth/mfa/verify', { code: totpAt(secret, step + 1) });
    assert.equal(v.statusCode, 200, v.body);
    c.csrf = json<{ csrfToken: string }>(v).csrfToken;
    assert.equal((await c.get('/api/v1/me')).statusCode, 200);

    // A recovery code works once.
    assert.equal((await c.post('/api/v1/auth/logout')).statusCode, 204);
    for (const expectOk of [true, false]) {
      const l = await c.post('/api/v1/auth/login', { username: 'mfa-flow', password: PASSWORD });
      c.csrf = json<{ csrfToken: string }>(l).csrfToken;
      const r = await c.post('/api/v1/auth/mfa/verify', { code: cb.recoveryCodes[0]! });
      if (expectOk) assert.equal(r.statusCode, 200, r.body);
      else expectError(r, 401, 'MAMORI_MFA_INVALID');
    }
  });

  test('repeated failures lock the account for a while, even with the right password', async () => {
    await t.platform.accounts.create(t.system, {
      username: 'lockme',
      displayName: 'Lock me',
      email: 'lockme@example.jp',
      organizationId: orgA1,
      role: 'municipality_staff',
      password: PASSWORD,
    });
    const c = new Client(t.app);
    c.ip = '127.0.0.12';
    const threshold = t.platform.config.auth.lockoutThreshold;
    for (let i = 0; i < threshold; i++) {
      expectError(
        await c.post('/api/v1/auth/login', { username: 'lockme', password: `wrong ${i}` }),
        401,
        'MAMORI_INVALID_CREDENTIALS',
      );
    }
    const locked = await c.post('/api/v1/auth/login', { username: 'lockme', password: PASSWORD });
    expectError(locked, 423, 'MAMORI_ACCOUNT_LOCKED');
    const wait = Number(locked.headers['retry-after']);
    assert.ok(wait > 0 && wait <= t.platform.config.auth.lockoutMinutes * 60, `Retry-After ${wait}`);
    const audit = await lastAudit(t);
    const fails = audit.filter((a) => a.action === 'auth.login' && a.result === 'failure');
    assert.ok(fails.length >= threshold, 'every failed sign-in is in the audit trail');
    assert.ok(audit.some((a) => a.action === 'auth.login' && a.result === 'denied'));
  });

  test('CSRF: a state-changing cookie request needs the session token in x-csrf-token', async () => {
    const c = admin.client;
    expectError(
      await c.request({ method: 'PATCH', url: '/api/v1/me', payload: { displayName: 'x' }, csrf: false }),
      403,
      'MAMORI_CSRF',
    );
    expectError(
      await c.request({
        method: 'PATCH',
        url: '/api/v1/me',
        payload: { displayName: 'x' },
        csrf: false,
        headers: { 'x-csrf-token': 'not-the-token' },
      }),
      403,
      'MAMORI_CSRF',
    );
    const ok = await c.patch('/api/v1/me', { displayName: '沼津 管理者' });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(json<{ displayName: string }>(ok).displayName, '沼津 管理者');
    // Reads need no CSRF token.
    assert.equal((await c.request({ method: 'GET', url: '/api/v1/me', csrf: false })).statusCode, 200);
  });

  test('logout ends the session: the old cookie is refused', async () => {
    const p = await signInNew(t, 'logout-user', 'municipality_staff', orgA1);
    const old = p.client.cookie!;
    const res = await p.client.post('/api/v1/auth/logout');
    assert.equal(res.statusCode, 204);
    const cleared = res.cookies.find((k) => k.name === 'mamori_session');
    assert.ok(cleared && cleared.value === '', 'cookie cleared');
    const again = new Client(t.app);
    again.cookie = old;
    expectError(await again.get('/api/v1/me'), 401);
  });

  test("a password change signs out the account's other sessions and keeps this one", async () => {
    const here = await signInNew(t, 'pw-change', 'municipality_staff', orgA1);
    const elsewhere: Principal = { ...here, client: new Client(t.app) };
    await signIn(elsewhere);
    const res = await here.client.post('/api/v1/me/password', {
      currentPassword: PASSWORD,
      newPassword: 'a brand new passphrase 2026',
    });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal((await here.client.get('/api/v1/me')).statusCode, 200);
    expectError(await elsewhere.client.get('/api/v1/me'), 401);
  });

  test('API token: create (shown once) → use → revoke → refused', async () => {
    const res = await admin.client.post('/api/v1/tokens', {
      name: 'SIEM 連携',
      organizationId: orgA1,
      permissions: ['org:read', 'audit:read'],
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    const { token, item } = json<{ token: string; item: { id: string; prefix: string } }>(res);
    assert.match(token, /^mamori_/);
    assert.ok(token.startsWith(item.prefix));
    const list = await admin.client.get('/api/v1/tokens');
    assert.ok(!list.body.includes(token), 'the secret is never listed');

    const m = new Client(t.app);
    m.bearer = token;
    const orgs = await m.get(`/api/v1/organizations/${orgA1}`);
    assert.equal(orgs.statusCode, 200, orgs.body);
    // Bearer requests are not subject to CSRF, but are to the permission set.
    expectError(await m.get('/api/v1/users'), 403, 'MAMORI_FORBIDDEN');

    assert.equal((await admin.client.delete(`/api/v1/tokens/${item.id}`)).statusCode, 204);
    expectError(await m.get(`/api/v1/organizations/${orgA1}`), 401, 'MAMORI_TOKEN_INVALID');
    const bad = new Client(t.app);
    bad.bearer = 'mamori_thisisnotarealtokenatallxxxxxxxx';
    expectError(await bad.get('/api/v1/organizations'), 401, 'MAMORI_TOKEN_INVALID');
    expectError(
      await t.app.inject({ url: '/api/v1/organizations', headers: { authorization: 'Basic abc' } }),
      401,
    );
  });

  test('every state-changing route writes the audit trail', async () => {
    const stateAdmin = await signInNew(
      t,
      'audit-state-admin',
      'state_admin',
      (await t.platform.orgs.list(t.system, { kind: 'state' })).items[0]!.id,
    );
    const staff = await signInNew(t, 'audit-staff', 'municipality_staff', orgA1);
    const exercised = new Set<string>();
    const calls: { route: string; run: () => Promise<{ statusCode: number; body: string }> }[] = [
      { route: 'PATCH /api/v1/me', run: () => staff.client.patch('/api/v1/me', { locale: 'en' }) },
      {
        route: 'POST /api/v1/me/password',
        run: () =>
          staff.client.post('/api/v1/me/password', {
            currentPassword: PASSWORD,
            newPassword: `${PASSWORD} new`,
          }),
      },
      {
        route: 'POST /api/v1/organizations',
        run: () =>
          stateAdmin.client.post('/api/v1/organizations', {
            name: '静岡県情報セキュリティクラウド運用',
            nameKana: 'シズオカケンジョウホウセキュリティクラウドウンヨウ',
            kind: 'soc_operator',
            parentId: orgA,
          }),
      },
      {
        route: 'POST /api/v1/users',
        run: () =>
          admin.client.post('/api/v1/users', {
            username: 'audited-user',
            displayName: '監査される',
            email: 'audited@example.jp',
            organizationId: orgA1,
            role: 'municipality_staff',
            password: PASSWORD,
          }),
      },
      {
        route: 'PATCH /api/v1/users/:id',
        run: () => admin.client.patch(`/api/v1/users/${staff.userId}`, { displayName: '改名' }),
      },
      {
        route: 'POST /api/v1/users/:id/reset-credentials',
        run: async () => {
          const u = await t.platform.accounts.create(t.system, {
            username: 'to-reset',
            displayName: 'リセット対象',
            email: 'to-reset@example.jp',
            organizationId: orgA1,
            role: 'municipality_staff',
            password: PASSWORD,
          });
          return admin.client.post(`/api/v1/users/${u.id}/reset-credentials`, {
            password: `${PASSWORD} reset`,
          });
        },
      },
      {
        route: 'POST /api/v1/tokens',
        run: () =>
          admin.client.post('/api/v1/tokens', {
            name: 'audited',
            organizationId: orgA1,
            permissions: ['org:read'],
            expiresAt: new Date(Date.now() + 3600_000).toISOString(),
          }),
      },
      {
        route: 'DELETE /api/v1/tokens/:id',
        run: async () =>
          admin.client.delete(`/api/v1/tokens/${(await createToken(admin, orgA1, ['org:read'])).id}`),
      },
      {
        route: 'POST /api/v1/auth/login',
        run: () =>
          staff.client.post('/api/v1/auth/login', { username: staff.username, password: `${PASSWORD} new` }),
      },
      { route: 'POST /api/v1/auth/logout', run: () => staff.client.post('/api/v1/auth/logout') },
      {
        route: 'POST /api/v1/ingest/bulk',
        run: () => admin.client.post('/api/v1/ingest/bulk', { records: [{ line: 'audited ingest' }] }),
      },
      // SOC alerts: each action on its own alert of A1, made by the detection stage.
      ...(
        [
          ['POST /api/v1/soc/alerts/:id/acknowledge', 'acknowledge', undefined],
          ['POST /api/v1/soc/alerts/:id/start', 'start', undefined],
          ['POST /api/v1/soc/alerts/:id/resolve', 'resolve', { note: '対応済み' }],
          ['POST /api/v1/soc/alerts/:id/false-positive', 'false-positive', { reason: '診断業者の通信' }],
          ['POST /api/v1/soc/alerts/:id/assign', 'assign', { assigneeId: null }],
          ['POST /api/v1/soc/alerts/:id/comments', 'comments', { body: '確認中' }],
          ['POST /api/v1/soc/alerts/:id/incident', 'incident', { summary: '不正アクセスの疑い' }],
          ['POST /api/v1/soc/alerts/bulk', null, undefined],
        ] as const
      ).map(([route, action, payload], i) => ({
        route,
        run: async () => {
          const ip = `192.0.2.${200 + i}`;
          await t.platform.soc.detection.onEvents([
            {
              id: `audit-${process.pid}-${i}`,
              time: new Date().toISOString(),
              receivedAt: Date.now(),
              class: 'http_activity' as const,
              activity: 'access',
              severity: 'informational' as const,
              disposition: 'allowed' as const,
              sourceKind: 'web',
              format: 'access-combined',
              src: { ip },
              fields: { method: 'GET', url: '/q.php?id=@@version', status: 200 },
              raw: `${ip} - - "GET /q.php?id=@@version HTTP/1.1" 200 3`,
              organizationId: orgA1,
              unattributedReason: null,
              prefectureId: orgA,
            },
          ]);
          const id = (await t.platform.soc.alerts.list(t.system, { q: ip })).items[0]!.id;
          return action === null
            ? admin.client.post('/api/v1/soc/alerts/bulk', { ids: [id], action: 'acknowledge' })
            : admin.client.post(`/api/v1/soc/alerts/${id}/${action}`, payload);
        },
      })),
      {
        route: 'POST /api/v1/soc/contacts',
        run: () =>
          admin.client.post('/api/v1/soc/contacts', {
            organizationId: orgA1,
            name: '情報政策課',
            email: 'joho@example.jp',
          }),
      },
      {
        route: 'PATCH /api/v1/soc/contacts/:id',
        run: async () => {
          const c = await t.platform.soc.notify.contacts.create(t.system, {
            organizationId: orgA1,
            name: 'x',
            email: 'x@example.jp',
          });
          return admin.client.patch(`/api/v1/soc/contacts/${c.id}`, { minSeverity: 'critical' });
        },
      },
      {
        route: 'DELETE /api/v1/soc/contacts/:id',
        run: async () => {
          const c = await t.platform.soc.notify.contacts.create(t.system, {
            organizationId: orgA1,
            name: 'y',
            email: 'y@example.jp',
          });
          return admin.client.delete(`/api/v1/soc/contacts/${c.id}`);
        },
      },
      // Registered syslog sources (a prefecture-wide act: the state administrator here).
      {
        route: 'POST /api/v1/soc/syslog-sources',
        run: () =>
          stateAdmin.client.post('/api/v1/soc/syslog-sources', {
            kind: 'address',
            value: '10.91.0.0/16',
            format: 'fortigate',
            organizationId: orgA1,
          }),
      },
      {
        route: 'PATCH /api/v1/soc/syslog-sources/:id',
        run: async () => {
          const r = await stateAdmin.client.post('/api/v1/soc/syslog-sources', {
            kind: 'address',
            value: '10.92.0.0/16',
            organizationId: orgA1,
          });
          const id = JSON.parse(r.body).id as string;
          return stateAdmin.client.patch(`/api/v1/soc/syslog-sources/${id}`, { note: '本庁舎の FortiGate' });
        },
      },
      {
        route: 'DELETE /api/v1/soc/syslog-sources/:id',
        run: async () => {
          const r = await stateAdmin.client.post('/api/v1/soc/syslog-sources', {
            kind: 'address',
            value: '10.93.0.0/16',
            organizationId: orgA1,
          });
          return stateAdmin.client.delete(`/api/v1/soc/syslog-sources/${JSON.parse(r.body).id as string}`);
        },
      },
      {
        route: 'PUT /api/v1/soc/rule-sets/:prefectureId/:logsource',
        run: () =>
          stateAdmin.client.request({
            method: 'PUT',
            url: `/api/v1/soc/rule-sets/${orgA}/dns`,
            payload: { ruleSets: ['sigma-dns'] },
          }),
      },
    ];
    for (const call of calls) {
      const before = await maxSeq(t);
      const res = await call.run();
      assert.ok(res.statusCode < 300, `${call.route}: ${res.statusCode} ${res.body}`);
      const added = (await lastAudit(t)).filter((a) => a.seq > before);
      assert.ok(added.length > 0, `${call.route} left no audit record`);
      assert.ok(
        added.some((a) => a.result === 'success'),
        `${call.route}: no success record`,
      );
      exercised.add(call.route);
    }
    // A refused change is recorded too.
    const before = await maxSeq(t);
    expectError(
      await staff.client.post('/api/v1/auth/login', { username: staff.username, password: 'wrong' }),
      401,
    );
    assert.ok((await lastAudit(t)).some((a) => a.seq > before && a.result === 'failure'));
    // The MFA steps are covered by the sign-in test above; everything else must be in this list.
    const mfa = [
      'POST /api/v1/auth/mfa/verify',
      'POST /api/v1/auth/mfa/enrolment',
      'POST /api/v1/auth/mfa/enrolment/confirm',
    ];
    const missing = t.app.mamoriRoutes
      .filter((r) => r.stateChanging)
      .map((r) => `${r.method} ${r.url}`)
      .filter((k) => !exercised.has(k) && !mfa.includes(k))
      // The ASM routes need a scanned lab: asm-api.db.test.ts checks their audit records.
      .filter((k) => !k.includes(' /api/v1/asm/'));
    assert.deepEqual(missing, [], 'state-changing routes without an audit check');
    const enrol = (await lastAudit(t)).filter((a) => a.action.startsWith('auth.mfa'));
    assert.ok(enrol.length > 0, 'MFA steps are audited');
  });

  test('malformed input is a 400 (or 413/415) with a reason, never a 500', async () => {
    const c = admin.client;
    const cases: { name: string; opts: Parameters<Client['request']>[0]; status: number; code?: string }[] = [
      {
        name: 'malformed JSON',
        opts: {
          method: 'POST',
          url: '/api/v1/users',
          payload: '{"username": ',
          headers: { 'content-type': 'application/json' },
        },
        status: 400,
        code: 'MAMORI_BAD_REQUEST',
      },
      {
        name: 'empty JSON body',
        opts: {
          method: 'POST',
          url: '/api/v1/users',
          payload: '',
          headers: { 'content-type': 'application/json' },
        },
        status: 400,
      },
      {
        name: 'JSON that is not an object',
        opts: {
          method: 'POST',
          url: '/api/v1/users',
          payload: '[1,2]',
          headers: { 'content-type': 'application/json' },
        },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'prototype poisoning',
        opts: {
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: '{"username":"a","password":"b","__proto__":{"admin":true}}',
          headers: { 'content-type': 'application/json' },
        },
        status: 400,
      },
      {
        name: 'deeply nested JSON',
        opts: {
          method: 'PATCH',
          url: '/api/v1/me',
          payload: `{"displayName":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
          headers: { 'content-type': 'application/json' },
        },
        status: 400,
      },
      {
        name: 'NUL in a text field',
        opts: { method: 'PATCH', url: '/api/v1/me', payload: { displayName: 'a\u0000b' } },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'unpaired surrogate in a text field',
        opts: {
          method: 'PATCH',
          url: '/api/v1/me',
          payload: '{"displayName":"a\\ud800b"}',
          headers: { 'content-type': 'application/json' },
        },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'cross-site form posting JSON-looking text/plain to sign-in',
        opts: {
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: '{"username":"a","password":"b"}',
          headers: { 'content-type': 'text/plain' },
        },
        status: 415,
        code: 'MAMORI_UNSUPPORTED_MEDIA_TYPE',
      },
      {
        name: 'NUL in the search',
        opts: { url: '/api/v1/organizations?q=%00' },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'wrong type',
        opts: { method: 'PATCH', url: '/api/v1/me', payload: { displayName: 42 } },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'wrong type (boolean as string is not coerced in bodies)',
        opts: { method: 'PATCH', url: `/api/v1/users/${admin.userId}`, payload: { disabled: 'true' } },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'unknown field',
        opts: { method: 'PATCH', url: '/api/v1/me', payload: { displayName: 'x', role: 'state_admin' } },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'empty patch',
        opts: { method: 'PATCH', url: '/api/v1/me', payload: {} },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'unknown enum value',
        opts: {
          method: 'POST',
          url: '/api/v1/organizations',
          payload: { name: 'x', nameKana: 'x', kind: 'prefecture', parentId: orgA },
        },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'oversize body',
        opts: {
          method: 'PATCH',
          url: '/api/v1/me',
          payload: JSON.stringify({ displayName: 'x'.repeat(t.platform.config.server.bodyLimitBytes + 10) }),
          headers: { 'content-type': 'application/json' },
        },
        status: 413,
        code: 'MAMORI_PAYLOAD_TOO_LARGE',
      },
      {
        name: 'unsupported content type',
        opts: {
          method: 'PATCH',
          url: '/api/v1/me',
          payload: 'displayName=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        },
        status: 415,
        code: 'MAMORI_UNSUPPORTED_MEDIA_TYPE',
      },
      {
        name: 'bad id',
        opts: { url: "/api/v1/organizations/x'%20or%201=1" },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      { name: 'over-long id', opts: { url: `/api/v1/users/${'a'.repeat(300)}` }, status: 400 },
      { name: 'malformed URL encoding', opts: { url: '/api/v1/organizations/%E0%A4%A' }, status: 400 },
      {
        name: 'bad cursor (shape)',
        opts: { url: '/api/v1/organizations?cursor=%25%25%25' },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'bad cursor (content)',
        opts: { url: '/api/v1/organizations?cursor=bm90LWpzb24' },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'bad audit cursor',
        opts: { url: '/api/v1/audit?cursor=AAAA' },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'limit 0',
        opts: { url: '/api/v1/organizations?limit=0' },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'limit 1000',
        opts: { url: '/api/v1/organizations?limit=1000' },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'limit not a number',
        opts: { url: '/api/v1/users?limit=ten' },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'unknown query parameter',
        opts: { url: '/api/v1/organizations?sort=name' },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'bad kind',
        opts: { url: '/api/v1/organizations?kind=castle' },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'bad date',
        opts: { url: '/api/v1/audit?from=yesterday' },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'unknown route',
        opts: { url: '/api/v1/nothing-here' },
        status: 404,
        code: 'MAMORI_ROUTE_NOT_FOUND',
      },
      {
        name: 'wrong method',
        opts: { method: 'PUT', url: '/api/v1/me', payload: {} },
        status: 404,
        code: 'MAMORI_ROUTE_NOT_FOUND',
      },
      {
        name: 'token expiry not a date',
        opts: {
          method: 'POST',
          url: '/api/v1/tokens',
          payload: { name: 'x', organizationId: orgA1, permissions: ['org:read'], expiresAt: 'soon' },
        },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'unknown permission',
        opts: {
          method: 'POST',
          url: '/api/v1/tokens',
          payload: {
            name: 'x',
            organizationId: orgA1,
            permissions: ['root'],
            expiresAt: new Date().toISOString(),
          },
        },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
      {
        name: 'huge password',
        opts: {
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { username: 'a', password: 'p'.repeat(10_000) },
        },
        status: 400,
        code: 'MAMORI_VALIDATION',
      },
    ];
    for (const k of cases) {
      const res = await c.request(k.opts);
      assert.notEqual(res.statusCode, 500, `${k.name}: ${res.body}`);
      expectError(res, k.status, k.code);
      const body = json<{ error: { message: string } }>(res);
      assert.ok(body.error.message.length > 3, `${k.name}: a reason is given`);
    }
  });

  test('every route answers hostile input with 4xx, never 5xx', async () => {
    const c = admin.client;
    const ids = [
      '%00',
      '..',
      'a'.repeat(65),
      encodeURIComponent('💥'),
      "1'--",
      'lg999999',
      'u_00000000000000000000000000000000',
    ];
    const bodies: unknown[] = [
      null,
      [],
      'text',
      42,
      { a: { b: { c: [1, 2, { d: null }] } } },
      { username: null },
      { password: 'x'.repeat(300) },
      { displayName: '\u0000\ud800' },
      { permissions: 'org:read' },
      { expiresAt: '9999-99-99' },
    ];
    const queries = [
      'q=%00',
      'q=%ED%A0%80',
      'actor=a%00b',
      'limit=-1',
      'limit=1e3',
      'cursor=%F0%9F%92%A5',
      'q=' + 'x'.repeat(500),
      'from=2026-13-45T00:00:00Z',
      'organizationId=..',
      'kind[]=city',
      'result=maybe',
    ];
    const problems: string[] = [];
    const check = async (method: string, url: string, payload?: unknown) => {
      const res = await c.request({
        method: method as 'GET',
        url,
        ...(payload === undefined
          ? {}
          : { payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }),
      });
      if (res.statusCode >= 500)
        problems.push(`${method} ${url} ${JSON.stringify(payload)} → ${res.statusCode} ${res.body}`);
      else if (res.statusCode >= 400) expectError(res, res.statusCode);
    };
    for (const r of t.app.mamoriRoutes) {
      if (!r.url.startsWith('/api/v1/') || r.url.includes('logout') || r.url.includes('/oidc/')) continue;
      const urls = r.url.includes(':id') ? ids.map((id) => r.url.replace(':id', id)) : [r.url];
      for (const url of urls) {
        if (r.method === 'GET') {
          for (const q of queries) await check('GET', `${url}?${q}`);
        } else {
          for (const b of bodies) await check(r.method, url, b);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('pagination walks the whole organization list without duplicates', async () => {
    const sa = await signInNew(
      t,
      'paging-analyst',
      'state_analyst',
      (await t.platform.orgs.list(t.system, { kind: 'state' })).items[0]!.id,
    );
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await sa.client.get(`/api/v1/organizations?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.statusCode, 200, res.body);
      const body = json<{ items: { id: string; kind: string }[]; nextCursor: string | null }>(res);
      assert.ok(body.items.length <= 200);
      for (const o of body.items) {
        assert.ok(!seen.has(o.id), `duplicate ${o.id}`);
        assert.notEqual(o.kind, 'ward');
        seen.add(o.id);
      }
      cursor = body.nextCursor;
      pages++;
    } while (cursor !== null && pages < 50);
    // the state + 1,788 local governments (+ bodies other tests registered)
    assert.ok(seen.size >= 1789, `saw ${seen.size}`);
    assert.ok(pages >= 9);
    const kana = json<{ items: { code: string }[] }>(
      await sa.client.get('/api/v1/organizations?q=%EF%BE%88%EF%BE%9E%EF%BD%B1%EF%BE%82'),
    ); // ﾇﾏﾂﾞ? half-width
    assert.ok(Array.isArray(kana.items));
    const hira = json<{ items: { code: string }[] }>(
      await sa.client.get(`/api/v1/organizations?q=${encodeURIComponent('ぬまづ')}`),
    );
    assert.ok(
      hira.items.some((o) => o.code === CODES.a1),
      'hiragana finds 沼津市',
    );
    const half = json<{ items: { code: string }[] }>(
      await sa.client.get(`/api/v1/organizations?q=${encodeURIComponent('ﾇﾏﾂﾞ')}`),
    );
    assert.ok(
      half.items.some((o) => o.code === CODES.a1),
      'half-width katakana finds 沼津市',
    );
    const code = json<{ items: { code: string }[] }>(await sa.client.get('/api/v1/organizations?q=2220'));
    assert.ok(code.items.length > 0 && code.items.every((o) => o.code.startsWith('2220')));
  });

  test('security headers are set on API and console responses', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    const me = await admin.client.get('/api/v1/me');
    assert.equal(me.headers['cache-control'], 'no-store');
    assert.equal((await t.app.inject({ url: '/api/v1/nowhere' })).headers['cache-control'], 'no-store');
  });

  test('OpenAPI document lists every API route', async () => {
    const res = await t.app.inject({ url: '/api/v1/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(res);
    assert.match(doc.openapi, /^3\./);
    for (const r of t.app.mamoriRoutes) {
      if (!r.url.startsWith('/api/v1/') || r.url === '/api/v1/openapi.json') continue;
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[r.method.toLowerCase()] as
        { security?: Record<string, unknown>[] } | undefined;
      assert.ok(op, `${r.method} ${path} missing from the OpenAPI document`);
      const schemes = (op.security ?? []).flatMap((x) => Object.keys(x)).sort();
      const expected = r.auth === 'public' ? [] : r.auth === 'session' ? ['session'] : ['bearer', 'session'];
      assert.deepEqual(schemes, expected, `${r.method} ${path} security`);
    }
  });

  test('docs/api.md lists every route', async () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/api.md', import.meta.url)), 'utf8');
    const missing = t.app.mamoriRoutes
      .filter((r) => !doc.includes(`| ${r.method} | \`${r.url}\``))
      .map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing, [], 'routes missing from the table in docs/api.md');
  });

  test('health and readiness probes', async () => {
    assert.deepEqual(json(await t.app.inject({ url: '/healthz' })), { status: 'ok' });
    assert.deepEqual(json(await t.app.inject({ url: '/readyz' })), { status: 'ok' });
  });

  test('sign-in is rate limited per client', async () => {
    const app = await buildApp(t.platform, {
      consoleDir: null,
      logRequests: false,
      rateLimits: { login: { max: 3, timeWindow: 60_000 } },
    });
    try {
      const send = () =>
        app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { username: 'nobody-here', password: 'x' },
          remoteAddress: '127.0.0.99',
        });
      for (let i = 0; i < 3; i++) expectError(await send(), 401);
      const limited = await send();
      expectError(limited, 429, 'MAMORI_RATE_LIMITED');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      // another client is not affected
      const other = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'nobody', password: 'x' },
        remoteAddress: '127.0.0.98',
      });
      expectError(other, 401);
    } finally {
      await app.close();
    }
  });

  test('console: files, history fallback, JSON 404 under /api, 503 page when not built', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mamori-console-'));
    try {
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Mamori</title><div id="root"></div>');
      writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
      const app = await buildApp(t.platform, { consoleDir: dir, logRequests: false });
      try {
        const root = await app.inject({ url: '/' });
        assert.equal(root.statusCode, 200);
        assert.match(String(root.headers['content-type']), /text\/html/);
        assert.match(root.body, /<title>Mamori<\/title>/);
        const deep = await app.inject({ url: '/organizations/lg222038?tab=users' });
        assert.equal(deep.statusCode, 200);
        assert.match(deep.body, /<title>Mamori<\/title>/);
        const js = await app.inject({ url: '/assets/app-abc123.js' });
        assert.equal(js.statusCode, 200);
        assert.match(String(js.headers['content-type']), /javascript/);
        assert.match(String(js.headers['cache-control']), /immutable/);
        assert.equal((await app.inject({ url: '/assets/missing.js' })).statusCode, 404);
        for (const url of [
          '/../../etc/passwd',
          '/%2e%2e/%2e%2e/etc/passwd',
          '/assets/..%2f..%2f..%2f..%2fetc%2fpasswd',
        ]) {
          const r = await app.inject({ url });
          assert.doesNotMatch(r.body, /root:/, `${url} must not leave the console directory`);
          if (r.statusCode === 200) assert.match(r.body, /<title>Mamori<\/title>/);
        }
        const api404 = await app.inject({ url: '/api/v1/unknown' });
        expectError(api404, 404, 'MAMORI_ROUTE_NOT_FOUND');
        expectError(await app.inject({ method: 'POST', url: '/somewhere' }), 404);
      } finally {
        await app.close();
      }
      const bare = await buildApp(t.platform, { consoleDir: join(dir, 'nope'), logRequests: false });
      try {
        const res = await bare.inject({ url: '/' });
        assert.equal(res.statusCode, 503);
        assert.match(res.body, /npm run build/);
      } finally {
        await bare.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('request logs carry route patterns, never query strings, passwords, tokens or cookies', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ log: { level: 'info' } }, sink);
    const app = await buildApp(t.platform, { consoleDir: null, logger });
    try {
      const tok = await createToken(admin, orgA1, ['org:read']);
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { username: 'nobody-at-all', password: 'hunter2-the-password' },
      });
      expectError(login, 401);
      await app.inject({
        url: '/api/v1/organizations?q=secret-search-term',
        headers: { authorization: `Bearer ${tok.token}` },
      });
      await app.inject({ url: '/api/v1/me', headers: { cookie: `mamori_session=${admin.client.cookie}` } });
      await new Promise((r) => setImmediate(r));
      const all = lines.join('');
      assert.match(all, /"route":"\/api\/v1\/organizations"/);
      assert.match(all, /"status":401/);
      for (const secret of ['secret-search-term', 'hunter2-the-password', tok.token, admin.client.cookie!]) {
        assert.ok(!all.includes(secret), `log contains ${secret.slice(0, 12)}…`);
      }
    } finally {
      await app.close();
    }
  });

  test('startServer listens on loopback and explains a port already in use', async () => {
    const a = await startServer(t.platform, {
      host: '127.0.0.1',
      port: 0,
      consoleDir: null,
      logRequests: false,
    });
    try {
      assert.match(a.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${a.url}/healthz`);
      assert.equal(res.status, 200);
      const port = Number(new URL(a.url).port);
      await assert.rejects(
        startServer(t.platform, { host: '127.0.0.1', port, consoleDir: null, logRequests: false }),
        (err: Error & { code?: string }) =>
          err.code === 'MAMORI_CONFIG_INVALID' && /already in use/.test(err.message),
      );
    } finally {
      await a.close();
    }
  });

  test('re-sign-in works on an existing MFA principal', async () => {
    assert.equal(await signIn(admin), 'authenticated');
  });
});

describe(`readiness without a database (${dialect})`, () => {
  test('/readyz answers 503 when the database is gone, /healthz still 200', async () => {
    const t = await startTestApp({ loadOrgs: false });
    try {
      assert.equal((await t.app.inject({ url: '/readyz' })).statusCode, 200);
      // Closes the database connection and drops the test database.
      await t.platform.close();
      const r = await t.app.inject({ url: '/readyz' });
      expectError(r, 503, 'MAMORI_NOT_READY');
      assert.equal((await t.app.inject({ url: '/healthz' })).statusCode, 200);
    } finally {
      await t.app.close();
    }
  });
});

describe(`session timeouts at the HTTP edge (${dialect})`, () => {
  let offset = 0;
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ clock: () => new Date(Date.now() + offset) });
  });
  after(async () => {
    await t?.close();
  });

  test('idle timeout: a quiet session is refused and its cookie cleared', async () => {
    offset = 0;
    const p = await signInNew(t, 'idle-user', 'municipality_staff', await orgIdByCode(t, CODES.a1));
    assert.equal((await p.client.get('/api/v1/me')).statusCode, 200);
    offset += (t.platform.config.session.idleMinutes - 1) * 60_000;
    assert.equal((await p.client.get('/api/v1/me')).statusCode, 200, 'still inside the idle window');
    offset += (t.platform.config.session.idleMinutes + 1) * 60_000;
    const res = await p.client.get('/api/v1/me');
    expectError(res, 401, 'MAMORI_SESSION_EXPIRED');
    const cleared = res.cookies.find((k) => k.name === 'mamori_session');
    assert.ok(cleared && cleared.value === '', 'the stale cookie is cleared');
  });

  test('absolute timeout: even an active session ends', async () => {
    offset = 0;
    const p = await signInNew(t, 'busy-user', 'municipality_staff', await orgIdByCode(t, CODES.a1));
    const step = Math.max(1, t.platform.config.session.idleMinutes - 5) * 60_000;
    const end = t.platform.config.session.absoluteHours * 3_600_000;
    let last = 200;
    for (let elapsed = 0; elapsed <= end + step && last === 200; elapsed += step) {
      offset = elapsed;
      last = (await p.client.get('/api/v1/me')).statusCode;
    }
    assert.equal(last, 401, 'the session outlived its absolute lifetime');
    assert.ok(offset >= end, `ended after ${offset / 60_000} minutes, before the absolute limit`);
  });
});
