// Isolation cases for registered syslog sources (/api/v1/soc/syslog-sources): listed with soc:read within
// reach (municipal staff their own), changed with soc:sources on the organization (prefecture operators and
// administrators in their prefecture, the state); another tenant's registration is not disclosed (404).
import assert from 'node:assert/strict';
import { json, type TestApp } from '../../helpers.js';
import type { Fixture } from '../../fixture.js';
import { noneOf, onlyWithin, unauthenticated, type RouteSpec } from '../kit.js';

const URL_SOURCES = '/api/v1/soc/syslog-sources';
let n = 0;
/** A fresh sender address (198.18.0.0/15 is the benchmarking range: never a real sender). */
const addr = () => `198.18.${Math.floor(++n / 250)}.${(n % 250) + 1}`;

async function seeded(t: TestApp, organizationId: string): Promise<string> {
  const s = await t.platform.soc.sources.create(t.system, {
    kind: 'address',
    value: addr(),
    format: 'fortigate',
    organizationId,
    note: 'isolation seed',
  });
  return s.id;
}

const create = (organizationId: (fx: Fixture) => string) => (fx: Fixture) => ({
  url: URL_SOURCES,
  payload: { kind: 'address', value: addr(), format: 'fortigate', organizationId: organizationId(fx) },
});

export const table: Record<string, RouteSpec> = {
  'GET /api/v1/soc/syslog-sources': {
    cases: [
      unauthenticated(() => ({ url: URL_SOURCES })),
      {
        kind: 'allowed',
        label: 'prefecture A operator lists the sources of its prefecture',
        who: (fx) => fx.users.prefAOp.client,
        req: async (fx, t) => {
          await seeded(t, fx.org.a1);
          await seeded(t, fx.org.b1);
          return { url: URL_SOURCES };
        },
        expect: onlyWithin((fx) => [fx.org.prefA, fx.org.a1, fx.org.a2]),
      },
      {
        kind: 'allowed',
        label: 'A1 staff read their own sources',
        who: (fx) => fx.users.a1Staff.client,
        req: async (fx, t) => {
          await seeded(t, fx.org.a1);
          return { url: URL_SOURCES };
        },
        expect: onlyWithin((fx) => [fx.org.a1]),
      },
      {
        kind: 'cross-municipality',
        label: "A1 staff see no other municipality's sources",
        who: (fx) => fx.users.a1Staff.client,
        req: async (fx, t) => {
          await seeded(t, fx.org.a2);
          return { url: `${URL_SOURCES}?organizationId=${fx.org.a2}` };
        },
        expect: noneOf((fx) => [fx.org.a2, fx.org.b1, fx.org.prefA]),
      },
      {
        kind: 'cross-prefecture',
        label: "prefecture B admin sees none of prefecture A's sources",
        who: (fx) => fx.users.prefBAdmin.client,
        req: async (fx, t) => {
          await seeded(t, fx.org.a1);
          return { url: URL_SOURCES };
        },
        expect: noneOf((fx) => [fx.org.a1, fx.org.a2, fx.org.prefA]),
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: URL_SOURCES }),
        expect: 403,
      },
    ],
  },
  'POST /api/v1/soc/syslog-sources': {
    cases: [
      unauthenticated(create((fx) => fx.org.a1)),
      {
        kind: 'allowed',
        label: 'prefecture A operator registers a sender for A1',
        who: (fx) => fx.users.prefAOp.client,
        req: create((fx) => fx.org.a1),
        expect: (res, fx) => {
          assert.equal(res.statusCode, 201, res.body);
          const s = json<{ organizationId: string; prefectureId: string; origin: string }>(res);
          assert.equal(s.organizationId, fx.org.a1);
          assert.equal(s.prefectureId, fx.org.prefA);
          assert.equal(s.origin, 'registered');
        },
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin binds a sender to A2',
        who: (fx) => fx.users.a1Admin.client,
        req: create((fx) => fx.org.a2),
        expect: 'denied',
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin binds a sender to its own municipality (only the security cloud binds senders)',
        who: (fx) => fx.users.a1Admin.client,
        req: create((fx) => fx.org.a1),
        expect: 403,
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A admin binds a sender to B1',
        who: (fx) => fx.users.prefAAdmin.client,
        req: create((fx) => fx.org.b1),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor registers a sender',
        who: (fx) => fx.users.auditorA.client,
        req: create((fx) => fx.org.a1),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:sources',
        who: (fx) => fx.tokens.a1All,
        req: create((fx) => fx.org.a1),
        expect: 403,
      },
    ],
  },
  'PATCH /api/v1/soc/syslog-sources/:id': {
    cases: [
      unauthenticated(async (fx, t) => ({
        url: `${URL_SOURCES}/${await seeded(t, fx.org.a1)}`,
        payload: { note: 'x' },
      })),
      {
        kind: 'allowed',
        label: 'prefecture A operator changes the format and note of an A1 sender',
        who: (fx) => fx.users.prefAOp.client,
        req: async (fx, t) => ({
          url: `${URL_SOURCES}/${await seeded(t, fx.org.a1)}`,
          payload: { format: 'panos', note: '本庁舎 PA-3220' },
        }),
        expect: (res) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json<{ format: string }>(res).format, 'panos');
        },
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin changes an A2 sender',
        who: (fx) => fx.users.a1Admin.client,
        req: async (fx, t) => ({
          url: `${URL_SOURCES}/${await seeded(t, fx.org.a2)}`,
          payload: { note: 'x' },
        }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture B admin changes an A1 sender',
        who: (fx) => fx.users.prefBAdmin.client,
        req: async (fx, t) => ({
          url: `${URL_SOURCES}/${await seeded(t, fx.org.a1)}`,
          payload: { note: 'x' },
        }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A operator moves an A1 sender to B1',
        who: (fx) => fx.users.prefAOp.client,
        req: async (fx, t) => ({
          url: `${URL_SOURCES}/${await seeded(t, fx.org.a1)}`,
          payload: { organizationId: fx.org.b1 },
        }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor changes an A1 sender',
        who: (fx) => fx.users.auditorA.client,
        req: async (fx, t) => ({
          url: `${URL_SOURCES}/${await seeded(t, fx.org.a1)}`,
          payload: { note: 'x' },
        }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:sources',
        who: (fx) => fx.tokens.a1All,
        req: async (fx, t) => ({
          url: `${URL_SOURCES}/${await seeded(t, fx.org.a1)}`,
          payload: { note: 'x' },
        }),
        expect: 'denied',
      },
    ],
  },
  'DELETE /api/v1/soc/syslog-sources/:id': {
    cases: [
      unauthenticated(async (fx, t) => ({ url: `${URL_SOURCES}/${await seeded(t, fx.org.a1)}` })),
      {
        kind: 'allowed',
        label: 'prefecture A operator removes an A2 sender',
        who: (fx) => fx.users.prefAOp.client,
        req: async (fx, t) => ({ url: `${URL_SOURCES}/${await seeded(t, fx.org.a2)}` }),
        expect: 204,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin removes an A2 sender',
        who: (fx) => fx.users.a1Admin.client,
        req: async (fx, t) => ({ url: `${URL_SOURCES}/${await seeded(t, fx.org.a2)}` }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture B admin removes an A1 sender',
        who: (fx) => fx.users.prefBAdmin.client,
        req: async (fx, t) => ({ url: `${URL_SOURCES}/${await seeded(t, fx.org.a1)}` }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor removes an A1 sender',
        who: (fx) => fx.users.auditorA.client,
        req: async (fx, t) => ({ url: `${URL_SOURCES}/${await seeded(t, fx.org.a1)}` }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:sources',
        who: (fx) => fx.tokens.a1All,
        req: async (fx, t) => ({ url: `${URL_SOURCES}/${await seeded(t, fx.org.a1)}` }),
        expect: 'denied',
      },
    ],
  },
};
