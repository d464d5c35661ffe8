// Tenant isolation over HTTP, for EVERY route the app registers: a municipality cannot read or change another
// municipality's data, a prefecture cannot reach another prefecture's, an auditor changes nothing, an
// unauthenticated request gets 401 and a token without the permission 403. The route list comes from the app
// itself (onRoute), so a new route without cases in the table fails the suite.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { RouteInfo } from '../src/index.js';
import type { Client } from './helpers.js';
import { dialect, expectError, json, startTestApp, type TestApp } from './helpers.js';
import { createFixture, createToken, type Fixture } from './fixture.js';

type Kind =
  | 'allowed'
  | 'unauthenticated'
  | 'cross-municipality'
  | 'cross-prefecture'
  | 'auditor-write'
  | 'token-permission';

interface Req {
  url: string;
  payload?: unknown;
}

interface Case {
  kind: Kind;
  label: string;
  who: (fx: Fixture) => Client;
  req: (fx: Fixture, t: TestApp) => Req | Promise<Req>;
  /** A status, 'denied' (403 or 404 with an error body: another tenant's data is not disclosed), or a check. */
  expect:
    number | 'denied' | ((res: LightMyRequestResponse, fx: Fixture, t: TestApp) => void | Promise<void>);
}

interface RouteSpec {
  /** Why the route needs no credential. */
  public?: string;
  /** Why the route has no other tenant to reach (it acts on the caller's own session or account, or on no tenant data). */
  notTenantScoped?: string;
  /** Why an auditor may call this state-changing route (it changes only the caller's own session or account). */
  ownSession?: string;
  /** Why no permission is needed (so no token can lack it). */
  noPermission?: string;
  cases: Case[];
}

const anon = (fx: Fixture) => fx.anonymous;
const RESET_PASSWORD = 'a fresh initial password 2026';
const expiresSoon = () => new Date(Date.now() + 86400_000).toISOString();
let seq = 0;
const unique = (p: string) => `${p}-${process.pid}-${++seq}`;

/** Denied, or answered without a single item of the other tenant. */
function noneOf(orgIds: (fx: Fixture) => string[], field = 'organizationId') {
  return (res: LightMyRequestResponse, fx: Fixture) => {
    if (res.statusCode === 403 || res.statusCode === 404) return expectError(res, res.statusCode);
    assert.equal(res.statusCode, 200, res.body);
    const items = json<{ items: Record<string, unknown>[] }>(res).items;
    const forbidden = new Set(orgIds(fx));
    const leaked = items.filter((i) => forbidden.has(String(i[field])) || forbidden.has(String(i.id)));
    assert.deepEqual(leaked, [], 'items of another tenant leaked');
  };
}

/** 200 with at least one item, all inside the allowed organizations. */
function onlyWithin(orgIds: (fx: Fixture) => string[], field = 'organizationId') {
  return (res: LightMyRequestResponse, fx: Fixture) => {
    assert.equal(res.statusCode, 200, res.body);
    const items = json<{ items: Record<string, unknown>[] }>(res).items;
    assert.ok(items.length > 0, 'expected some items');
    const allowed = new Set(orgIds(fx));
    for (const i of items) {
      const org = i[field] === null || i[field] === undefined ? null : String(i[field]);
      assert.ok(org !== null && allowed.has(org), `item outside the caller's reach: ${JSON.stringify(i)}`);
    }
  };
}

const unauthenticated = (req: Case['req']): Case => ({
  kind: 'unauthenticated',
  label: 'no credential → 401',
  who: anon,
  req,
  expect: 401,
});

const table: Record<string, RouteSpec> = {
  'GET /healthz': {
    public: 'process probe',
    cases: [{ kind: 'allowed', label: 'anyone', who: anon, req: () => ({ url: '/healthz' }), expect: 200 }],
  },
  'GET /readyz': {
    public: 'database probe',
    cases: [{ kind: 'allowed', label: 'anyone', who: anon, req: () => ({ url: '/readyz' }), expect: 200 }],
  },
  'GET /api/v1/openapi.json': {
    public: 'API description',
    cases: [
      {
        kind: 'allowed',
        label: 'anyone',
        who: anon,
        req: () => ({ url: '/api/v1/openapi.json' }),
        expect: 200,
      },
    ],
  },
  'POST /api/v1/auth/login': {
    public: 'sign-in',
    cases: [
      {
        kind: 'allowed',
        label: 'wrong password is refused, not an error',
        who: anon,
        req: (fx) => ({
          url: '/api/v1/auth/login',
          payload: { username: fx.users.a1Staff.username, password: 'nope' },
        }),
        expect: (res) => expectError(res, 401, 'MAMORI_INVALID_CREDENTIALS'),
      },
    ],
  },
  'GET /api/v1/auth/oidc': {
    public: 'tells the sign-in page whether to offer OIDC',
    cases: [
      {
        kind: 'allowed',
        label: 'not configured in this deployment',
        who: anon,
        req: () => ({ url: '/api/v1/auth/oidc' }),
        expect: (res) => assert.deepEqual(json(res), { enabled: false }),
      },
    ],
  },
  'GET /api/v1/auth/oidc/start': {
    public: 'starts OIDC sign-in',
    cases: [
      {
        kind: 'allowed',
        label: 'OIDC not configured → 404',
        who: anon,
        req: () => ({ url: '/api/v1/auth/oidc/start' }),
        expect: (res) => expectError(res, 404, 'MAMORI_NOT_FOUND'),
      },
    ],
  },
  'GET /api/v1/auth/oidc/callback': {
    public: 'the identity provider sends the browser back here',
    cases: [
      {
        kind: 'allowed',
        label: 'OIDC not configured → 404',
        who: anon,
        req: () => ({ url: '/api/v1/auth/oidc/callback?code=x&state=y' }),
        expect: (res) => expectError(res, 404, 'MAMORI_NOT_FOUND'),
      },
    ],
  },
  'POST /api/v1/auth/mfa/verify': {
    notTenantScoped: "acts on the caller's own session",
    ownSession: "the caller's own sign-in",
    noPermission: 'needs a browser session; tokens are refused',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/auth/mfa/verify', payload: { code: '123456' } })),
      {
        kind: 'token-permission',
        label: 'a token cannot do a browser step',
        who: (fx) => fx.tokens.a1All,
        req: () => ({ url: '/api/v1/auth/mfa/verify', payload: { code: '123456' } }),
        expect: 401,
      },
      {
        kind: 'allowed',
        label: 'an authenticated session reaches the step (refused as not waiting for MFA)',
        who: (fx) => fx.users.a1Staff.client,
        req: () => ({ url: '/api/v1/auth/mfa/verify', payload: { code: '123456' } }),
        expect: (res) => assert.ok([400, 401, 409].includes(res.statusCode), res.body),
      },
    ],
  },
  'POST /api/v1/auth/mfa/enrolment': {
    notTenantScoped: "acts on the caller's own session",
    ownSession: "the caller's own MFA enrolment",
    noPermission: 'needs a browser session; tokens are refused',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/auth/mfa/enrolment' })),
      {
        kind: 'token-permission',
        label: 'a token cannot enrol',
        who: (fx) => fx.tokens.a1All,
        req: () => ({ url: '/api/v1/auth/mfa/enrolment' }),
        expect: 401,
      },
      {
        kind: 'allowed',
        label: 'a signed-in user may (re-)enrol',
        who: (fx) => fx.users.a1Staff.client,
        req: () => ({ url: '/api/v1/auth/mfa/enrolment' }),
        expect: (res) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.match(json<{ otpauthUri: string }>(res).otpauthUri, /^otpauth:\/\/totp\//);
        },
      },
    ],
  },
  'POST /api/v1/auth/mfa/enrolment/confirm': {
    notTenantScoped: "acts on the caller's own session",
    ownSession: "the caller's own MFA enrolment",
    noPermission: 'needs a browser session; tokens are refused',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/auth/mfa/enrolment/confirm', payload: { code: '123456' } })),
      {
        kind: 'token-permission',
        label: 'a token cannot enrol',
        who: (fx) => fx.tokens.a1All,
        req: () => ({ url: '/api/v1/auth/mfa/enrolment/confirm', payload: { code: '123456' } }),
        expect: 401,
      },
      {
        kind: 'allowed',
        label: 'a wrong code is refused',
        who: (fx) => fx.users.auditorA.client,
        req: () => ({ url: '/api/v1/auth/mfa/enrolment/confirm', payload: { code: '000000' } }),
        expect: (res) => assert.ok([400, 401, 409].includes(res.statusCode), res.body),
      },
    ],
  },
  'POST /api/v1/auth/logout': {
    notTenantScoped: "ends the caller's own session",
    ownSession: "the caller's own session",
    noPermission: 'needs a browser session; tokens are refused',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/auth/logout' })),
      {
        kind: 'allowed',
        label: 'a user ends their own session, which then is refused',
        who: (fx) => fx.users.spare.client,
        req: () => ({ url: '/api/v1/auth/logout' }),
        expect: async (res, fx) => {
          assert.equal(res.statusCode, 204, res.body);
          expectError(await fx.users.spare.client.get('/api/v1/me'), 401);
        },
      },
      {
        kind: 'token-permission',
        label: 'a token has no session to end',
        who: (fx) => fx.tokens.a1All,
        req: () => ({ url: '/api/v1/auth/logout' }),
        expect: 401,
      },
    ],
  },
  'GET /api/v1/auth/session': {
    notTenantScoped: "the caller's own session",
    noPermission: 'needs a browser session; tokens are refused',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/auth/session' })),
      {
        kind: 'token-permission',
        label: 'a token has no session',
        who: (fx) => fx.tokens.a1All,
        req: () => ({ url: '/api/v1/auth/session' }),
        expect: 401,
      },
      {
        kind: 'allowed',
        label: 'own session',
        who: (fx) => fx.users.a2Admin.client,
        req: () => ({ url: '/api/v1/auth/session' }),
        expect: (res, fx) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json<{ user: { id: string } }>(res).user.id, fx.users.a2Admin.userId);
        },
      },
    ],
  },
  'GET /api/v1/me': {
    notTenantScoped: "the caller's own account",
    noPermission: 'every user may read their own account',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/me' })),
      {
        kind: 'allowed',
        label: 'own account',
        who: (fx) => fx.users.b1Admin.client,
        req: () => ({ url: '/api/v1/me' }),
        expect: (res, fx) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json<{ organization: { id: string } }>(res).organization.id, fx.org.b1);
        },
      },
    ],
  },
  'PATCH /api/v1/me': {
    notTenantScoped: "the caller's own account",
    ownSession: 'an auditor may still set their own display name and language',
    noPermission: 'every user may edit their own account',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/me', payload: { locale: 'en' } })),
      {
        kind: 'allowed',
        label: 'auditor edits only their own account',
        who: (fx) => fx.users.auditorA.client,
        req: () => ({ url: '/api/v1/me', payload: { locale: 'en' } }),
        expect: (res, fx) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json<{ id: string; locale: string }>(res).id, fx.users.auditorA.userId);
        },
      },
    ],
  },
  'POST /api/v1/me/password': {
    notTenantScoped: "the caller's own account",
    ownSession: 'an auditor may change their own password',
    noPermission: 'every user may change their own password',
    cases: [
      unauthenticated(() => ({
        url: '/api/v1/me/password',
        payload: { currentPassword: 'x', newPassword: 'a much longer new password 1' },
      })),
      {
        kind: 'allowed',
        label: 'wrong current password is refused',
        who: (fx) => fx.users.a1Staff.client,
        req: () => ({
          url: '/api/v1/me/password',
          payload: { currentPassword: 'not the password', newPassword: 'a much longer new password 1' },
        }),
        expect: (res) => assert.ok([400, 401, 403].includes(res.statusCode), res.body),
      },
    ],
  },
  'GET /api/v1/roles': {
    notTenantScoped: 'labels',
    noPermission: 'labels for forms',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/roles' })),
      {
        kind: 'allowed',
        label: 'staff',
        who: (fx) => fx.users.a1Staff.client,
        req: () => ({ url: '/api/v1/roles' }),
        expect: 200,
      },
    ],
  },
  'GET /api/v1/permissions': {
    notTenantScoped: 'labels',
    noPermission: 'labels for forms',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/permissions' })),
      {
        kind: 'allowed',
        label: 'token',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/permissions' }),
        expect: 200,
      },
    ],
  },

  // ---- organizations ----
  'GET /api/v1/organizations': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/organizations' })),
      {
        kind: 'allowed',
        label: 'municipality staff sees only its own subtree',
        who: (fx) => fx.users.a1Staff.client,
        req: () => ({ url: '/api/v1/organizations?limit=200' }),
        expect: onlyWithin((fx) => [fx.org.a1], 'id'),
      },
      {
        kind: 'allowed',
        label: 'prefecture operator sees its prefecture',
        who: (fx) => fx.users.prefAOp.client,
        req: () => ({ url: '/api/v1/organizations?q=%E6%B2%BC%E6%B4%A5' }), // 沼津
        expect: (res, fx) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.ok(json<{ items: { id: string }[] }>(res).items.some((o) => o.id === fx.org.a1));
        },
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin searching for A2 finds nothing',
        who: (fx) => fx.users.a1Admin.client,
        req: () => ({ url: '/api/v1/organizations?q=%E7%86%B1%E6%B5%B7' }), // 熱海
        expect: noneOf((fx) => [fx.org.a2], 'id'),
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A operator listing prefecture B children finds nothing',
        who: (fx) => fx.users.prefAOp.client,
        req: (fx) => ({ url: `/api/v1/organizations?parentId=${fx.org.prefB}` }),
        expect: noneOf((fx) => [fx.org.b1, fx.org.prefB], 'id'),
      },
      {
        kind: 'token-permission',
        label: 'token without org:read',
        who: (fx) => fx.tokens.a1AuditOnly,
        req: () => ({ url: '/api/v1/organizations' }),
        expect: 403,
      },
    ],
  },
  'GET /api/v1/organizations/:id': {
    cases: [
      unauthenticated((fx) => ({ url: `/api/v1/organizations/${fx.org.a1}` })),
      {
        kind: 'allowed',
        label: 'auditor of prefecture A reads A1',
        who: (fx) => fx.users.auditorA.client,
        req: (fx) => ({ url: `/api/v1/organizations/${fx.org.a1}` }),
        expect: 200,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin reads A2',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: `/api/v1/organizations/${fx.org.a2}` }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A operator reads B1',
        who: (fx) => fx.users.prefAOp.client,
        req: (fx) => ({ url: `/api/v1/organizations/${fx.org.b1}` }),
        expect: 'denied',
      },
      {
        kind: 'token-permission',
        label: 'token without org:read',
        who: (fx) => fx.tokens.a1AuditOnly,
        req: (fx) => ({ url: `/api/v1/organizations/${fx.org.a1}` }),
        expect: 403,
      },
    ],
  },
  'GET /api/v1/organizations/:id/children': {
    cases: [
      unauthenticated((fx) => ({ url: `/api/v1/organizations/${fx.org.prefA}/children` })),
      {
        kind: 'allowed',
        label: 'prefecture operator lists its municipalities',
        who: (fx) => fx.users.prefAOp.client,
        req: (fx) => ({ url: `/api/v1/organizations/${fx.org.prefA}/children` }),
        expect: onlyWithin((fx) => [fx.org.prefA], 'parentId'),
      },
      {
        kind: 'cross-municipality',
        label: "A1 admin lists the prefecture's municipalities",
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: `/api/v1/organizations/${fx.org.prefA}/children` }),
        expect: noneOf((fx) => [fx.org.a2], 'id'),
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A operator lists prefecture B',
        who: (fx) => fx.users.prefAOp.client,
        req: (fx) => ({ url: `/api/v1/organizations/${fx.org.prefB}/children` }),
        expect: 'denied',
      },
      {
        kind: 'token-permission',
        label: 'token without org:read',
        who: (fx) => fx.tokens.a1AuditOnly,
        req: (fx) => ({ url: `/api/v1/organizations/${fx.org.a1}/children` }),
        expect: 403,
      },
    ],
  },
  'POST /api/v1/organizations': {
    cases: [
      unauthenticated((fx) => ({
        url: '/api/v1/organizations',
        payload: { name: '組合', nameKana: 'クミアイ', kind: 'association', parentId: fx.org.prefA },
      })),
      {
        kind: 'allowed',
        label: 'prefecture admin registers a body in its prefecture',
        who: (fx) => fx.users.prefAAdmin.client,
        req: (fx) => ({
          url: '/api/v1/organizations',
          payload: {
            name: unique('静岡県東部広域連合'),
            nameKana: 'シズオカケントウブ',
            kind: 'association',
            parentId: fx.org.prefA,
          },
        }),
        expect: 201,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin registers a body under A2',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({
          url: '/api/v1/organizations',
          payload: { name: unique('組合'), nameKana: 'クミアイ', kind: 'association', parentId: fx.org.a2 },
        }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A admin registers a body in prefecture B',
        who: (fx) => fx.users.prefAAdmin.client,
        req: (fx) => ({
          url: '/api/v1/organizations',
          payload: {
            name: unique('組合'),
            nameKana: 'クミアイ',
            kind: 'association',
            parentId: fx.org.prefB,
          },
        }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor registers a body in its own prefecture',
        who: (fx) => fx.users.auditorA.client,
        req: (fx) => ({
          url: '/api/v1/organizations',
          payload: {
            name: unique('組合'),
            nameKana: 'クミアイ',
            kind: 'association',
            parentId: fx.org.prefA,
          },
        }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'token without org:write',
        who: (fx) => fx.tokens.a1All,
        req: (fx) => ({
          url: '/api/v1/organizations',
          payload: { name: unique('組合'), nameKana: 'クミアイ', kind: 'other', parentId: fx.org.a1 },
        }),
        expect: 403,
      },
    ],
  },

  // ---- users ----
  'GET /api/v1/users': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/users' })),
      {
        kind: 'allowed',
        label: 'A1 admin lists only A1 users',
        who: (fx) => fx.users.a1Admin.client,
        req: () => ({ url: '/api/v1/users' }),
        expect: onlyWithin((fx) => [fx.org.a1]),
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin asks for A2 users',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: `/api/v1/users?organizationId=${fx.org.a2}` }),
        expect: noneOf((fx) => [fx.org.a2]),
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A operator asks for B1 users',
        who: (fx) => fx.users.prefAOp.client,
        req: (fx) => ({ url: `/api/v1/users?organizationId=${fx.org.b1}` }),
        expect: noneOf((fx) => [fx.org.b1, fx.org.prefB]),
      },
      {
        kind: 'token-permission',
        label: 'token without user:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/users' }),
        expect: 403,
      },
    ],
  },
  'GET /api/v1/users/:id': {
    cases: [
      unauthenticated((fx) => ({ url: `/api/v1/users/${fx.users.a1Staff.userId}` })),
      {
        kind: 'allowed',
        label: 'auditor of prefecture A reads an A1 user',
        who: (fx) => fx.users.auditorA.client,
        req: (fx) => ({ url: `/api/v1/users/${fx.users.a1Staff.userId}` }),
        expect: 200,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin reads the A2 admin',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: `/api/v1/users/${fx.users.a2Admin.userId}` }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A operator reads the B1 admin',
        who: (fx) => fx.users.prefAOp.client,
        req: (fx) => ({ url: `/api/v1/users/${fx.users.b1Admin.userId}` }),
        expect: 'denied',
      },
      {
        kind: 'token-permission',
        label: 'token without user:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: (fx) => ({ url: `/api/v1/users/${fx.users.a1Staff.userId}` }),
        expect: 403,
      },
    ],
  },
  'POST /api/v1/users': {
    cases: [
      unauthenticated((fx) => ({ url: '/api/v1/users', payload: newUser(fx.org.a1) })),
      {
        kind: 'allowed',
        label: 'A1 admin creates A1 staff',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: '/api/v1/users', payload: newUser(fx.org.a1) }),
        expect: 201,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin creates a user in A2',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: '/api/v1/users', payload: newUser(fx.org.a2) }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A admin creates a user in B1',
        who: (fx) => fx.users.prefAAdmin.client,
        req: (fx) => ({ url: '/api/v1/users', payload: newUser(fx.org.b1) }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor creates a user in its prefecture',
        who: (fx) => fx.users.auditorA.client,
        req: (fx) => ({ url: '/api/v1/users', payload: newUser(fx.org.a1) }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'token (never user:write)',
        who: (fx) => fx.tokens.a1All,
        req: (fx) => ({ url: '/api/v1/users', payload: newUser(fx.org.a1) }),
        expect: 403,
      },
    ],
  },
  'PATCH /api/v1/users/:id': {
    cases: [
      unauthenticated((fx) => ({
        url: `/api/v1/users/${fx.users.a1Staff.userId}`,
        payload: { displayName: 'x' },
      })),
      {
        kind: 'allowed',
        label: 'A1 admin renames A1 staff',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({
          url: `/api/v1/users/${fx.users.a1Staff.userId}`,
          payload: { displayName: '沼津 職員' },
        }),
        expect: 200,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin disables the A2 admin',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: `/api/v1/users/${fx.users.a2Admin.userId}`, payload: { disabled: true } }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A admin disables the B1 admin',
        who: (fx) => fx.users.prefAAdmin.client,
        req: (fx) => ({ url: `/api/v1/users/${fx.users.b1Admin.userId}`, payload: { disabled: true } }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor renames A1 staff',
        who: (fx) => fx.users.auditorA.client,
        req: (fx) => ({ url: `/api/v1/users/${fx.users.a1Staff.userId}`, payload: { displayName: 'x' } }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'token (never user:write)',
        who: (fx) => fx.tokens.a1All,
        req: (fx) => ({ url: `/api/v1/users/${fx.users.a1Staff.userId}`, payload: { displayName: 'x' } }),
        expect: 403,
      },
    ],
  },

  'POST /api/v1/users/:id/reset-credentials': {
    cases: [
      unauthenticated((fx) => ({
        url: `/api/v1/users/${fx.users.a1Staff.userId}/reset-credentials`,
        payload: { password: RESET_PASSWORD },
      })),
      {
        kind: 'allowed',
        label: 'A1 admin resets a new A1 user',
        who: (fx) => fx.users.a1Admin.client,
        req: async (fx, t) => {
          const u = await t.platform.accounts.create(t.system, { ...newUser(fx.org.a1) });
          return { url: `/api/v1/users/${u.id}/reset-credentials`, payload: { password: RESET_PASSWORD } };
        },
        expect: 200,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin resets the A2 admin',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({
          url: `/api/v1/users/${fx.users.a2Admin.userId}/reset-credentials`,
          payload: { password: RESET_PASSWORD },
        }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A admin resets the B1 admin',
        who: (fx) => fx.users.prefAAdmin.client,
        req: (fx) => ({
          url: `/api/v1/users/${fx.users.b1Admin.userId}/reset-credentials`,
          payload: { password: RESET_PASSWORD },
        }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor resets A1 staff',
        who: (fx) => fx.users.auditorA.client,
        req: (fx) => ({
          url: `/api/v1/users/${fx.users.a1Staff.userId}/reset-credentials`,
          payload: { password: RESET_PASSWORD },
        }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'token (never user:write)',
        who: (fx) => fx.tokens.a1All,
        req: (fx) => ({
          url: `/api/v1/users/${fx.users.a1Staff.userId}/reset-credentials`,
          payload: { password: RESET_PASSWORD },
        }),
        expect: 403,
      },
    ],
  },

  // ---- tokens ----
  'GET /api/v1/tokens': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/tokens' })),
      {
        kind: 'allowed',
        label: 'A1 admin lists A1 tokens only',
        who: (fx) => fx.users.a1Admin.client,
        req: () => ({ url: '/api/v1/tokens' }),
        expect: onlyWithin((fx) => [fx.org.a1]),
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin does not see the A2 token',
        who: (fx) => fx.users.a1Admin.client,
        req: () => ({ url: '/api/v1/tokens' }),
        expect: noneOf((fx) => [fx.org.a2]),
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A operator does not see the B1 token',
        who: (fx) => fx.users.prefAOp.client,
        req: () => ({ url: '/api/v1/tokens' }),
        expect: noneOf((fx) => [fx.org.b1, fx.org.prefB]),
      },
      {
        kind: 'token-permission',
        label: 'token without token:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/tokens' }),
        expect: 403,
      },
    ],
  },
  'POST /api/v1/tokens': {
    cases: [
      unauthenticated((fx) => ({ url: '/api/v1/tokens', payload: newToken(fx.org.a1) })),
      {
        kind: 'allowed',
        label: 'A1 admin creates an A1 token',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: '/api/v1/tokens', payload: newToken(fx.org.a1) }),
        expect: 201,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin creates an A2 token',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: '/api/v1/tokens', payload: newToken(fx.org.a2) }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A admin creates a B1 token',
        who: (fx) => fx.users.prefAAdmin.client,
        req: (fx) => ({ url: '/api/v1/tokens', payload: newToken(fx.org.b1) }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor creates a token',
        who: (fx) => fx.users.auditorA.client,
        req: (fx) => ({ url: '/api/v1/tokens', payload: newToken(fx.org.prefA) }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'a token cannot mint tokens',
        who: (fx) => fx.tokens.a1All,
        req: (fx) => ({ url: '/api/v1/tokens', payload: newToken(fx.org.a1) }),
        expect: 403,
      },
    ],
  },
  'DELETE /api/v1/tokens/:id': {
    cases: [
      unauthenticated((fx) => ({ url: `/api/v1/tokens/${fx.tokenIds.a2}` })),
      {
        kind: 'allowed',
        label: 'A1 admin revokes an A1 token',
        who: (fx) => fx.users.a1Admin.client,
        req: async (fx) => ({
          url: `/api/v1/tokens/${(await createToken(fx.users.a1Admin, fx.org.a1, ['org:read'], 'to revoke')).id}`,
        }),
        expect: 204,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin revokes the A2 token',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: `/api/v1/tokens/${fx.tokenIds.a2}` }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A admin revokes the B1 token',
        who: (fx) => fx.users.prefAAdmin.client,
        req: (fx) => ({ url: `/api/v1/tokens/${fx.tokenIds.b1}` }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor revokes an A1 token',
        who: (fx) => fx.users.auditorA.client,
        req: (fx) => ({ url: `/api/v1/tokens/${fx.tokenIds.a1}` }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'a token cannot revoke tokens',
        who: (fx) => fx.tokens.a1All,
        req: (fx) => ({ url: `/api/v1/tokens/${fx.tokenIds.a1}` }),
        expect: 403,
      },
    ],
  },

  // ---- audit ----
  'GET /api/v1/audit': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/audit' })),
      {
        kind: 'allowed',
        label: 'A1 admin reads A1 records only',
        who: (fx) => fx.users.a1Admin.client,
        req: () => ({ url: '/api/v1/audit?limit=200' }),
        expect: onlyWithin((fx) => [fx.org.a1]),
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin filters on A2',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: `/api/v1/audit?organizationId=${fx.org.a2}` }),
        expect: noneOf((fx) => [fx.org.a2]),
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A operator filters on B1',
        who: (fx) => fx.users.prefAOp.client,
        req: (fx) => ({ url: `/api/v1/audit?organizationId=${fx.org.b1}&limit=200` }),
        expect: noneOf((fx) => [fx.org.b1, fx.org.prefB]),
      },
      {
        kind: 'token-permission',
        label: 'token without audit:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/audit' }),
        expect: 403,
      },
    ],
  },
  'GET /api/v1/audit/verify': {
    notTenantScoped: 'checks the whole chain and returns no records, only sequence numbers of problems',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/audit/verify' })),
      {
        kind: 'allowed',
        label: 'state admin verifies the chain',
        who: (fx) => fx.users.stateAdmin.client,
        req: () => ({ url: '/api/v1/audit/verify' }),
        expect: (res) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json<{ ok: boolean }>(res).ok, true);
        },
      },
      {
        kind: 'token-permission',
        label: 'token without audit:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/audit/verify' }),
        expect: 403,
      },
    ],
  },
};

function newUser(organizationId: string) {
  const username = unique('u');
  return {
    username,
    displayName: username,
    email: `${username}@example.jp`,
    organizationId,
    role: 'municipality_staff' as const,
    password: 'a long enough password 12345',
  };
}

function newToken(organizationId: string) {
  return { name: unique('t'), organizationId, permissions: ['org:read'], expiresAt: expiresSoon() };
}

/** What the table lacks for the routes the app registered (empty when complete). */
function tableProblems(routes: RouteInfo[], tbl: Record<string, RouteSpec>): string[] {
  const problems: string[] = [];
  const registered = new Set<string>();
  for (const r of routes) {
    const key = `${r.method} ${r.url}`;
    registered.add(key);
    const spec = tbl[key];
    if (!spec) {
      problems.push(`${key}: no cases in the isolation table`);
      continue;
    }
    const kinds = new Set(spec.cases.map((c) => c.kind));
    const need = (k: Kind, unless: string | undefined) => {
      if (!unless && !kinds.has(k)) problems.push(`${key}: missing a "${k}" case`);
    };
    if (!kinds.has('allowed'))
      problems.push(`${key}: missing an "allowed" case (proves the route works at all)`);
    if (r.auth === 'public') {
      if (!spec.public) problems.push(`${key}: route is public but the table does not say why`);
      continue;
    }
    if (spec.public) problems.push(`${key}: table says public but the route needs ${r.auth}`);
    need('unauthenticated', undefined);
    need('cross-municipality', spec.notTenantScoped);
    need('cross-prefecture', spec.notTenantScoped);
    if (r.stateChanging) need('auditor-write', spec.ownSession);
    need('token-permission', spec.noPermission);
  }
  for (const key of Object.keys(tbl)) {
    if (!registered.has(key)) problems.push(`${key}: in the table but not registered by the app`);
  }
  return problems;
}

describe(`tenant isolation over HTTP (${dialect})`, () => {
  let t: TestApp;
  let fx: Fixture;

  before(async () => {
    t = await startTestApp();
    fx = await createFixture(t);
  });
  after(async () => {
    await t?.close();
  });

  test('every registered route has a complete row in the table', () => {
    assert.deepEqual(tableProblems(t.app.mamoriRoutes, table), []);
  });

  test('the completeness check fails a route without cases, or without a required kind of case', () => {
    const extra: RouteInfo[] = [
      { method: 'GET', url: '/api/v1/new-thing', auth: 'actor', stateChanging: false },
      { method: 'DELETE', url: '/api/v1/organizations/:id', auth: 'actor', stateChanging: true },
    ];
    const trimmed = {
      ...table,
      'POST /api/v1/users': {
        cases: table['POST /api/v1/users']!.cases.filter((c) => c.kind !== 'auditor-write'),
      },
    };
    const problems = tableProblems([...t.app.mamoriRoutes, ...extra], trimmed);
    assert.ok(
      problems.includes('GET /api/v1/new-thing: no cases in the isolation table'),
      problems.join('\n'),
    );
    assert.ok(problems.includes('DELETE /api/v1/organizations/:id: no cases in the isolation table'));
    assert.ok(problems.includes('POST /api/v1/users: missing a "auditor-write" case'));
  });

  // Declared after the table's cases, so it runs last: the refused writes above left no trace but the audit.
  const finalCheck = () =>
    test('refused writes changed nothing, and were recorded as denied', async () => {
      for (const p of [fx.users.a2Admin, fx.users.b1Admin]) {
        const u = await t.platform.accounts.get(t.system, p.userId);
        assert.equal(u.disabled, false, `${p.username} was disabled by another tenant`);
      }
      const tokens = (await t.platform.tokens.list(t.system)).items;
      for (const id of [fx.tokenIds.a2, fx.tokenIds.b1, fx.tokenIds.a1]) {
        assert.equal(tokens.find((k) => k.id === id)?.revokedAt, null, `token ${id} was revoked`);
      }
      for (const parent of [fx.org.a2, fx.org.prefB, fx.org.a1]) {
        const kids = (await t.platform.orgs.children(t.system, parent)).items;
        assert.ok(!kids.some((o) => o.name.startsWith('組合')), `a body was registered under ${parent}`);
      }
      const users = (await t.platform.accounts.list(t.system, { organizationId: fx.org.b1, limit: 200 }))
        .items;
      assert.deepEqual(
        users.map((u) => u.username).sort(),
        [fx.users.b1Admin.username, fx.users.spare.username].sort(),
        'no user was created in B1 by another tenant',
      );
      const denied = (await t.platform.audit.list(t.system, { result: 'denied', limit: 200 })).items;
      assert.ok(
        denied.some((a) => a.action === 'user.update' && a.target === fx.users.a2Admin.userId),
        'the refused cross-tenant user update is in the audit trail',
      );
    });

  for (const [key, spec] of Object.entries(table)) {
    const [method, route] = key.split(' ') as [string, string];
    for (const c of spec.cases) {
      test(`${key} — ${c.kind}: ${c.label}`, async () => {
        const req = await c.req(fx, t);
        const client = c.who(fx);
        const res = await client.request({
          method: method as 'GET',
          url: req.url,
          ...(req.payload !== undefined ? { payload: req.payload as object } : {}),
        });
        if (typeof c.expect === 'number') {
          if (c.expect >= 400) expectError(res, c.expect);
          else assert.equal(res.statusCode, c.expect, `${route}: ${res.body}`);
        } else if (c.expect === 'denied') {
          assert.ok(
            [403, 404].includes(res.statusCode),
            `expected 403/404, got ${res.statusCode}: ${res.body}`,
          );
          expectError(res, res.statusCode);
        } else {
          await c.expect(res, fx, t);
        }
      });
    }
  }
  finalCheck();
});
