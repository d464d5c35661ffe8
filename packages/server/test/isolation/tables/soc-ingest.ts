// Isolation cases for SOC ingest: POST /api/v1/ingest/bulk (lines may be bound only to an organization within
// the caller's reach; auditors and tokens without soc:ingest send nothing) and GET /api/v1/ingest/sources
// (syslog counters of senders within the caller's reach; the behaviour test has live listeners).
import assert from 'node:assert/strict';
import { json } from '../../helpers.js';
import { noneOf, unauthenticated, type RouteSpec } from '../kit.js';

const body = { records: [{ line: '<13>1 2026-11-25T00:00:00Z fw01 app - - - isolation check' }] };

export const table: Record<string, RouteSpec> = {
  'POST /api/v1/ingest/bulk': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/ingest/bulk', payload: body })),
      {
        kind: 'allowed',
        label: 'A1 admin sends lines for A1 (202 once durable)',
        who: (fx) => fx.users.a1Admin.client,
        req: () => ({ url: '/api/v1/ingest/bulk', payload: body }),
        expect: (res) => {
          assert.equal(res.statusCode, 202, res.body);
          assert.deepEqual(json(res), { accepted: 1, quarantined: 0 });
        },
      },
      {
        kind: 'allowed',
        label: 'prefecture A operator sends lines for A2 (a municipality of its prefecture)',
        who: (fx) => fx.users.prefAOp.client,
        req: (fx) => ({ url: `/api/v1/ingest/bulk?organizationId=${fx.org.a2}`, payload: body }),
        expect: 202,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin binds lines to A2',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: `/api/v1/ingest/bulk?organizationId=${fx.org.a2}`, payload: body }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A admin binds lines to B1',
        who: (fx) => fx.users.prefAAdmin.client,
        req: (fx) => ({ url: `/api/v1/ingest/bulk?organizationId=${fx.org.b1}`, payload: body }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor sends lines',
        who: (fx) => fx.users.auditorA.client,
        req: () => ({ url: '/api/v1/ingest/bulk', payload: body }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:ingest',
        who: (fx) => fx.tokens.a1All,
        req: () => ({ url: '/api/v1/ingest/bulk', payload: body }),
        expect: 403,
      },
    ],
  },
  'GET /api/v1/ingest/formats': {
    notTenantScoped: 'the parser catalogue is product data, the same for every caller',
    cases: [
      unauthenticated(() => ({ url: '/api/v1/ingest/formats' })),
      {
        kind: 'allowed',
        label: 'A1 staff reads the formats (every parser, with its device kind)',
        who: (fx) => fx.users.a1Staff.client,
        req: () => ({ url: '/api/v1/ingest/formats' }),
        expect: (res) => {
          assert.equal(res.statusCode, 200, res.body);
          const items = json<{ items: { id: string; sourceKind: string }[] }>(res).items;
          const ids = items.map((i) => i.id);
          for (const id of ['fortigate', 'panos', 'cef', 'leef', 'suricata-eve', 'modsecurity-v3', 'squid'])
            assert.ok(ids.includes(id), id);
          assert.equal(items.find((i) => i.id === 'squid')?.sourceKind, 'proxy');
        },
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/ingest/formats' }),
        expect: 403,
      },
    ],
  },
  'GET /api/v1/ingest/sources': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/ingest/sources' })),
      {
        kind: 'allowed',
        label: 'prefecture A operator reads the listener counters (none listening in this app)',
        who: (fx) => fx.users.prefAOp.client,
        req: () => ({ url: '/api/v1/ingest/sources' }),
        expect: (res) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.deepEqual(json(res), { listening: null, items: [] });
        },
      },
      {
        kind: 'cross-municipality',
        label: "A1 admin sees no other municipality's senders",
        who: (fx) => fx.users.a1Admin.client,
        req: () => ({ url: '/api/v1/ingest/sources' }),
        expect: noneOf((fx) => [fx.org.a2, fx.org.b1]),
      },
      {
        kind: 'cross-prefecture',
        label: "prefecture B admin sees none of prefecture A's senders",
        who: (fx) => fx.users.prefBAdmin.client,
        req: () => ({ url: '/api/v1/ingest/sources' }),
        expect: noneOf((fx) => [fx.org.a1, fx.org.a2, fx.org.prefA]),
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/ingest/sources' }),
        expect: 403,
      },
    ],
  },
};
