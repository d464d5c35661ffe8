// Isolation cases for the foundation's routes: health, auth, me, organizations, users, tokens, audit.
import assert from 'node:assert/strict';
import { expectError, json } from '../../helpers.js';
import { createToken } from '../../fixture.js';
import {
  anon,
  newToken,
  newUser,
  noneOf,
  onlyWithin,
  RESET_PASSWORD,
  unauthenticated,
  unique,
  type RouteSpec,
} from '../kit.js';

export const table: Record<string, RouteSpec> = {
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
