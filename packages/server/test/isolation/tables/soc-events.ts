// Isolation cases for SOC event search and the quarantine: events of A1, A2 and B1 (and a malformed line bound
// to each) go through the real queue and pipeline first; each caller then sees only its own.
import assert from 'node:assert/strict';
import type { TestApp } from '../../helpers.js';
import { json } from '../../helpers.js';
import type { Fixture } from '../../fixture.js';
import { noneOf, onlyWithin, unauthenticated, type RouteSpec } from '../kit.js';

const WAF_LINE = (host: string) =>
  JSON.stringify({
    transaction: {
      client_ip: '203.0.113.9',
      time_stamp: 'Wed Nov 25 10:00:00 2026',
      server_id: 'x',
      client_port: 40000,
      host_ip: '127.0.0.1',
      host_port: 80,
      unique_id: `iso-${host}`,
      request: {
        method: 'GET',
        http_version: 1.1,
        uri: '/item?id=1%27%20OR%20%271%27%3D%271',
        headers: { Host: host },
      },
      response: { http_code: 403, headers: {} },
      producer: {
        modsecurity: 'ModSecurity v3.0.9',
        connector: 'x',
        secrules_engine: 'Enabled',
        components: [],
      },
      messages: [
        {
          message: 'SQL Injection Attack Detected via libinjection',
          details: {
            ruleId: '942100',
            severity: '2',
            tags: ['attack-sqli'],
            match: '',
            reference: '',
            file: '',
            lineNumber: '1',
            data: '',
            ver: '',
            rev: '',
            maturity: '0',
            accuracy: '0',
          },
        },
        {
          message: 'Inbound Anomaly Score Exceeded (Total Score: 5)',
          details: {
            ruleId: '949110',
            severity: '2',
            tags: [],
            match: '',
            reference: '',
            file: '',
            lineNumber: '1',
            data: '',
            ver: '',
            rev: '',
            maturity: '0',
            accuracy: '0',
          },
        },
      ],
    },
  });

let seeded: Promise<void> | null = null;
/** Once per suite: one WAF event and one malformed line for each of A1, A2 and B1. */
function seed(fx: Fixture, t: TestApp): Promise<void> {
  seeded ??= (async () => {
    const now = Date.now();
    const records = [fx.org.a1, fx.org.a2, fx.org.b1].flatMap((org) => [
      {
        line: WAF_LINE(`www.${org}.example.jp`),
        transport: 'http',
        peer: '127.0.0.1',
        organizationId: org,
        receivedAt: now,
      },
      {
        line: `not a log line for ${org} {`,
        transport: 'http',
        peer: '127.0.0.1',
        format: 'modsecurity-v3',
        organizationId: org,
        receivedAt: now,
      },
    ]);
    await t.platform.soc.queue.append(records);
    const until = Date.now() + 30_000;
    for (;;) {
      const ev = await t.platform.soc.events.search(t.system, { limit: 200 });
      const q = await t.platform.soc.quarantine.list(t.system, { limit: 200 });
      const orgs = new Set(ev.items.map((e) => e.organizationId));
      const qorgs = new Set(q.items.map((e) => e.organizationId));
      if ([fx.org.a1, fx.org.a2, fx.org.b1].every((o) => orgs.has(o) && qorgs.has(o))) return;
      if (Date.now() > until) throw new Error('the pipeline did not store the seeded events');
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return seeded;
}

export const table: Record<string, RouteSpec> = {
  'GET /api/v1/soc/events': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/soc/events' })),
      {
        kind: 'allowed',
        label: 'A1 staff search: A1 events only',
        who: (fx) => fx.users.a1Staff.client,
        req: async (fx, t) => {
          await seed(fx, t);
          return { url: '/api/v1/soc/events?limit=200&sourceKind=waf' };
        },
        expect: onlyWithin((fx) => [fx.org.a1]),
      },
      {
        kind: 'allowed',
        label: 'prefecture A operator: A1 and A2, never B1',
        who: (fx) => fx.users.prefAOp.client,
        req: async (fx, t) => {
          await seed(fx, t);
          return { url: '/api/v1/soc/events?limit=200' };
        },
        expect: (res, fx) => {
          onlyWithin((f) => [f.org.a1, f.org.a2, f.org.prefA])(res, fx);
          const orgs = new Set(
            json<{ items: { organizationId: string }[] }>(res).items.map((i) => i.organizationId),
          );
          assert.ok(orgs.has(fx.org.a1) && orgs.has(fx.org.a2));
        },
      },
      {
        kind: 'allowed',
        label: 'a malformed time is a 400 with the reason',
        who: (fx) => fx.users.a1Staff.client,
        req: () => ({ url: '/api/v1/soc/events?from=yesterday' }),
        expect: 400,
      },
      {
        kind: 'cross-municipality',
        label: 'A1 staff filter on A2',
        who: (fx) => fx.users.a1Staff.client,
        req: async (fx, t) => {
          await seed(fx, t);
          return { url: `/api/v1/soc/events?organizationId=${fx.org.a2}&limit=200` };
        },
        expect: noneOf((fx) => [fx.org.a2]),
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A operator filters on B1',
        who: (fx) => fx.users.prefAOp.client,
        req: async (fx, t) => {
          await seed(fx, t);
          return { url: `/api/v1/soc/events?organizationId=${fx.org.b1}&limit=200` };
        },
        expect: noneOf((fx) => [fx.org.b1]),
      },
      {
        kind: 'token-permission',
        label: 'token without events:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/soc/events' }),
        expect: 403,
      },
    ],
  },
  'GET /api/v1/soc/events/:id': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/soc/events/x1' })),
      {
        kind: 'allowed',
        label: 'A1 staff open an A1 event',
        who: (fx) => fx.users.a1Staff.client,
        req: async (fx, t) => {
          await seed(fx, t);
          const ev = await t.platform.soc.events.search(t.system, { organizationId: fx.org.a1, limit: 1 });
          return { url: `/api/v1/soc/events/${ev.items[0]!.id}` };
        },
        expect: (res, fx) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json<{ organizationId: string }>(res).organizationId, fx.org.a1);
        },
      },
      {
        kind: 'cross-municipality',
        label: 'A1 staff open an A2 event',
        who: (fx) => fx.users.a1Staff.client,
        req: async (fx, t) => {
          await seed(fx, t);
          const ev = await t.platform.soc.events.search(t.system, { organizationId: fx.org.a2, limit: 1 });
          return { url: `/api/v1/soc/events/${ev.items[0]!.id}` };
        },
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A operator opens a B1 event',
        who: (fx) => fx.users.prefAOp.client,
        req: async (fx, t) => {
          await seed(fx, t);
          const ev = await t.platform.soc.events.search(t.system, { organizationId: fx.org.b1, limit: 1 });
          return { url: `/api/v1/soc/events/${ev.items[0]!.id}` };
        },
        expect: 'denied',
      },
      {
        kind: 'token-permission',
        label: 'token without events:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: async (fx, t) => {
          await seed(fx, t);
          const ev = await t.platform.soc.events.search(t.system, { organizationId: fx.org.a1, limit: 1 });
          return { url: `/api/v1/soc/events/${ev.items[0]!.id}` };
        },
        expect: 403,
      },
    ],
  },
  'GET /api/v1/soc/quarantine': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/soc/quarantine' })),
      {
        kind: 'allowed',
        label: 'prefecture A operator: lines of A1 and A2, never B1',
        who: (fx) => fx.users.prefAOp.client,
        req: async (fx, t) => {
          await seed(fx, t);
          return { url: '/api/v1/soc/quarantine?limit=200' };
        },
        expect: onlyWithin((fx) => [fx.org.a1, fx.org.a2, fx.org.prefA]),
      },
      {
        kind: 'allowed',
        label: 'A1 admin: the lines its own senders sent',
        who: (fx) => fx.users.a1Admin.client,
        req: async (fx, t) => {
          await seed(fx, t);
          return { url: '/api/v1/soc/quarantine?limit=200' };
        },
        expect: onlyWithin((fx) => [fx.org.a1]),
      },
      {
        kind: 'cross-municipality',
        label: 'A1 admin lists: nothing of A2',
        who: (fx) => fx.users.a1Admin.client,
        req: async (fx, t) => {
          await seed(fx, t);
          return { url: '/api/v1/soc/quarantine?limit=200' };
        },
        expect: noneOf((fx) => [fx.org.a2]),
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A admin lists: nothing of B1',
        who: (fx) => fx.users.prefAAdmin.client,
        req: async (fx, t) => {
          await seed(fx, t);
          return { url: '/api/v1/soc/quarantine?limit=200' };
        },
        expect: noneOf((fx) => [fx.org.b1]),
      },
      {
        kind: 'token-permission',
        label: 'token without events:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/soc/quarantine' }),
        expect: 403,
      },
    ],
  },
};
