// Isolation cases for the SOC monthly report (JSON, PDF, Excel): a municipality gets its own report only, a
// prefecture its own prefecture's, and a token needs events:read.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { json } from '../../helpers.js';
import type { Fixture } from '../../fixture.js';
import { unauthenticated, type Case, type RouteSpec } from '../kit.js';

const MONTH = '2026-10';

function reportCases(path: string, ok: (res: LightMyRequestResponse, fx: Fixture) => void): Case[] {
  const url = (org: string, extra = '') =>
    `/api/v1/soc/reports/${path}?organizationId=${org}&month=${MONTH}${extra}`;
  return [
    unauthenticated((fx) => ({ url: url(fx.org.a1) })),
    {
      kind: 'allowed',
      label: 'A1 staff read the report of A1',
      who: (fx) => fx.users.a1Staff.client,
      req: (fx) => ({ url: url(fx.org.a1) }),
      expect: ok,
    },
    {
      kind: 'allowed',
      label: 'prefecture A operator reads the report of prefecture A',
      who: (fx) => fx.users.prefAOp.client,
      req: (fx) => ({ url: url(fx.org.prefA, '&lang=en') }),
      expect: ok,
    },
    {
      kind: 'allowed',
      label: 'a malformed month is a 400 with the reason, not a 500',
      who: (fx) => fx.users.a1Staff.client,
      req: (fx) => ({ url: `/api/v1/soc/reports/${path}?organizationId=${fx.org.a1}&month=2026-13` }),
      expect: 400,
    },
    {
      kind: 'cross-municipality',
      label: 'A1 staff ask for the report of A2',
      who: (fx) => fx.users.a1Staff.client,
      req: (fx) => ({ url: url(fx.org.a2) }),
      expect: 'denied',
    },
    {
      kind: 'cross-municipality',
      label: 'A1 admin asks for the report of its prefecture',
      who: (fx) => fx.users.a1Admin.client,
      req: (fx) => ({ url: url(fx.org.prefA) }),
      expect: 'denied',
    },
    {
      kind: 'cross-prefecture',
      label: 'prefecture A operator asks for B1 and for prefecture B',
      who: (fx) => fx.users.prefAOp.client,
      req: (fx) => ({ url: url(fx.org.b1) }),
      expect: 'denied',
    },
    {
      kind: 'cross-prefecture',
      label: 'prefecture A admin asks for prefecture B',
      who: (fx) => fx.users.prefAAdmin.client,
      req: (fx) => ({ url: url(fx.org.prefB) }),
      expect: 'denied',
    },
    {
      kind: 'token-permission',
      label: 'token without events:read',
      who: (fx) => fx.tokens.a1OrgRead,
      req: (fx) => ({ url: url(fx.org.a1) }),
      expect: 403,
    },
  ];
}

export const table: Record<string, RouteSpec> = {
  'GET /api/v1/soc/reports/monthly': {
    cases: reportCases('monthly', (res, fx) => {
      assert.equal(res.statusCode, 200, res.body);
      const body = json<{ month: string; scope: { organizationId: string }; rows: unknown[] }>(res);
      assert.equal(body.month, MONTH);
      assert.ok([fx.org.a1, fx.org.prefA].includes(body.scope.organizationId));
      assert.ok(body.rows.length > 10);
    }),
  },
  'GET /api/v1/soc/reports/monthly/pdf': {
    cases: reportCases('monthly/pdf', (res) => {
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.equal(res.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');
    }),
  },
  'GET /api/v1/soc/reports/monthly/xlsx': {
    cases: reportCases('monthly/xlsx', (res) => {
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /spreadsheetml/);
      // An .xlsx is a zip archive.
      assert.equal(res.rawPayload.subarray(0, 2).toString('latin1'), 'PK');
    }),
  },
};
