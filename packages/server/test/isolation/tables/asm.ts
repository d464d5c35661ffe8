// Isolation cases for the 地方版ASM routes (assets, findings and their status, scans, schedules, scope,
// dashboards, per-organization reports). A1, A2 (prefecture A) and B1 (prefecture B) each get a real scan of a
// lab web server on their own loopback address (../../asm-seed.ts); every state-changing case acts on its own
// object, so the order of cases does not matter.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { AsmDashboard, AsmFinding } from '@mamori/platform';
import { json, type TestApp } from '../../helpers.js';
import type { Fixture } from '../../fixture.js';
import { seedTenant, stopLabWebs, type TenantSeed } from '../../asm-seed.js';
import { noneOf, onlyWithin, unauthenticated, unique, type Case, type RouteSpec } from '../kit.js';

interface Seeds {
  a1: TenantSeed;
  a2: TenantSeed;
  b1: TenantSeed;
}
let seeded: Promise<Seeds> | null = null;
// The lab web servers stop when the suite ends (a root-level hook: this module is loaded at the top level).
after(stopLabWebs);

function seed(fx: Fixture, t: TestApp): Promise<Seeds> {
  seeded ??= (async () => ({
    a1: await seedTenant(t, fx.org.a1, '127.0.0.1'),
    a2: await seedTenant(t, fx.org.a2, '127.0.0.2'),
    b1: await seedTenant(t, fx.org.b1, '127.0.0.3'),
  }))();
  return seeded;
}

type Who = Case['who'];
type Pick = (s: Seeds, fx: Fixture) => { url: string; payload?: unknown };
const a1Admin: Who = (fx) => fx.users.a1Admin.client;
const a1Staff: Who = (fx) => fx.users.a1Staff.client;
const prefAAdmin: Who = (fx) => fx.users.prefAAdmin.client;
const prefAOp: Who = (fx) => fx.users.prefAOp.client;
const auditor: Who = (fx) => fx.users.auditorA.client;
const orgReadToken: Who = (fx) => fx.tokens.a1OrgRead;

const r =
  (pick: Pick): Case['req'] =>
  async (fx, t) =>
    pick(await seed(fx, t), fx);
const allowed = (label: string, who: Who, pick: Pick, expect: Case['expect']): Case => ({
  kind: 'allowed',
  label,
  who,
  req: r(pick),
  expect,
});
const crossMuni = (label: string, who: Who, pick: Pick, expect: Case['expect'] = 'denied'): Case => ({
  kind: 'cross-municipality',
  label,
  who,
  req: r(pick),
  expect,
});
const crossPref = (label: string, who: Who, pick: Pick, expect: Case['expect'] = 'denied'): Case => ({
  kind: 'cross-prefecture',
  label,
  who,
  req: r(pick),
  expect,
});
const auditorWrite = (pick: Pick): Case => ({
  kind: 'auditor-write',
  label: 'the prefecture A auditor tries to change A1',
  who: auditor,
  req: r(pick),
  expect: 403,
});
const tokenLacks = (pick: Pick, who: Who = orgReadToken): Case => ({
  kind: 'token-permission',
  label: 'a token without the ASM permission',
  who,
  req: r(pick),
  expect: 403,
});
const unauth = (pick: Pick): Case => unauthenticated(r(pick));
const status = (code: number) => (res: LightMyRequestResponse) =>
  assert.equal(res.statusCode, code, res.body);
const ownItem = (org: (fx: Fixture) => string) => (res: LightMyRequestResponse, fx: Fixture) => {
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(json<{ organizationId: string }>(res).organizationId, org(fx));
};

/** Cases of a list route filtered by organization. */
function listCases(path: string, bad: string, field = 'organizationId'): Case[] {
  const base = `/api/v1/asm/${path}`;
  return [
    unauth(() => ({ url: base })),
    allowed(
      'A1 staff list their own',
      a1Staff,
      () => ({ url: base }),
      onlyWithin((fx) => [fx.org.a1], field),
    ),
    allowed(
      'the prefecture A operator lists prefecture 22',
      prefAOp,
      () => ({ url: `${base}?prefectureCode=22` }),
      onlyWithin((fx) => [fx.org.a1, fx.org.a2], field),
    ),
    allowed('a malformed filter is a 400 with the reason', a1Staff, () => ({ url: `${base}?${bad}` }), 400),
    crossMuni('A1 admin names A2', a1Admin, (s) => ({
      url: `${base}?organizationId=${s.a2.organizationId}`,
    })),
    crossMuni(
      'A1 admin lists without a filter',
      a1Admin,
      () => ({ url: base }),
      noneOf((fx) => [fx.org.a2, fx.org.b1], field),
    ),
    crossPref('prefecture A admin names B1', prefAAdmin, (s) => ({
      url: `${base}?organizationId=${s.b1.organizationId}`,
    })),
    crossPref(
      'prefecture A admin asks for prefecture 23',
      prefAAdmin,
      () => ({ url: `${base}?prefectureCode=23` }),
      noneOf((fx) => [fx.org.b1], field),
    ),
    tokenLacks(() => ({ url: base })),
  ];
}

/** Cases of a one-item read. */
function itemCases(path: string, id: (t: TenantSeed) => string): Case[] {
  const url = (x: string) => `/api/v1/asm/${path}/${x}`;
  return [
    unauth((s) => ({ url: url(id(s.a1)) })),
    allowed(
      'A1 staff read an A1 item',
      a1Staff,
      (s) => ({ url: url(id(s.a1)) }),
      ownItem((fx) => fx.org.a1),
    ),
    allowed('a malformed id is a 400', a1Staff, () => ({ url: url('not%20an%20id') }), 400),
    crossMuni('A1 admin reads an A2 item', a1Admin, (s) => ({ url: url(id(s.a2)) })),
    crossPref('prefecture A admin reads a B1 item', prefAAdmin, (s) => ({ url: url(id(s.b1)) })),
    tokenLacks((s) => ({ url: url(id(s.a1)) })),
  ];
}

/** Cases of a write on a tenant's object. */
function writeCases(o: {
  pick: (t: TenantSeed, fx: Fixture) => { url: string; payload?: unknown };
  /** The allowed case's own object, when it consumes it (a delete). */
  allowedPick?: (t: TenantSeed, fx: Fixture) => { url: string; payload?: unknown };
  who?: Who;
  expect: Case['expect'];
  bad?: (t: TenantSeed, fx: Fixture) => { url: string; payload?: unknown };
  badExpect?: number;
  otherWho?: Who;
}): Case[] {
  const cases: Case[] = [
    unauth((s, fx) => o.pick(s.a1, fx)),
    allowed('A1 admin on A1', o.who ?? a1Admin, (s, fx) => (o.allowedPick ?? o.pick)(s.a1, fx), o.expect),
    crossMuni('A1 admin on A2', o.otherWho ?? a1Admin, (s, fx) => o.pick(s.a2, fx)),
    crossPref('prefecture A admin on B1', prefAAdmin, (s, fx) => o.pick(s.b1, fx)),
    auditorWrite((s, fx) => o.pick(s.a1, fx)),
    tokenLacks((s, fx) => o.pick(s.a1, fx)),
  ];
  if (o.bad) {
    const bad = o.bad;
    cases.push(
      allowed(
        'malformed input is a 4xx with the reason, not a 500',
        o.who ?? a1Admin,
        (s, fx) => bad(s.a1, fx),
        o.badExpect ?? 400,
      ),
    );
  }
  return cases;
}

const findingOf = (t: TenantSeed, check: string): AsmFinding => {
  const f = t.findings.find((x) => x.check === check) ?? t.findings[0];
  assert.ok(f);
  return f;
};

const reportCases = (ext: string, type: RegExp): Case[] => {
  const url = (org: string, extra = '') =>
    `/api/v1/asm/reports/organization.${ext}?organizationId=${org}${extra}`;
  return [
    unauth((s) => ({ url: url(s.a1.organizationId) })),
    allowed(
      'A1 staff download the A1 report',
      a1Staff,
      (s) => ({ url: url(s.a1.organizationId) }),
      (res) => {
        assert.equal(res.statusCode, 200, res.body.slice(0, 300));
        assert.match(String(res.headers['content-type']), type);
        assert.match(
          String(res.headers['content-disposition']),
          /attachment; filename="mamori-asm-222038-\d{8}\./,
        );
        assert.ok(res.rawPayload.length > 1000);
      },
    ),
    allowed(
      'an unknown language is a 400',
      a1Staff,
      (s) => ({ url: url(s.a1.organizationId, '&lang=fr') }),
      400,
    ),
    crossMuni('A1 admin asks for the A2 report', a1Admin, (s) => ({ url: url(s.a2.organizationId) })),
    crossPref('prefecture A admin asks for the B1 report', prefAAdmin, (s) => ({
      url: url(s.b1.organizationId),
    })),
    tokenLacks((s) => ({ url: url(s.a1.organizationId) })),
  ];
};

const dashboardWithout =
  (others: (fx: Fixture) => string[]) => (res: LightMyRequestResponse, fx: Fixture) => {
    if (res.statusCode === 403) return;
    assert.equal(res.statusCode, 200, res.body);
    const d = json<AsmDashboard>(res);
    const leaked = d.municipalities.filter((m) => others(fx).includes(m.organizationId));
    assert.deepEqual(leaked, []);
  };

export const table: Record<string, RouteSpec> = {
  'GET /api/v1/asm/assets': { cases: listCases('assets', 'port=http') },
  'GET /api/v1/asm/assets/:id': { cases: itemCases('assets', (t) => t.assets[0]!.id) },
  'GET /api/v1/asm/findings': { cases: listCases('findings', 'severity=catastrophic') },
  'GET /api/v1/asm/findings/:id': { cases: itemCases('findings', (t) => t.findings[0]!.id) },
  'POST /api/v1/asm/findings/:id/status': {
    cases: writeCases({
      pick: (t) => ({
        url: `/api/v1/asm/findings/${findingOf(t, 'exposed-git').id}/status`,
        payload: { status: 'acknowledged' },
      }),
      expect: (res) => {
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(json<AsmFinding>(res).status, 'acknowledged');
      },
      bad: (t) => ({
        url: `/api/v1/asm/findings/${findingOf(t, 'exposed-env').id}/status`,
        payload: { status: 'accepted_risk' },
      }),
    }),
  },
  'GET /api/v1/asm/scans': { cases: listCases('scans', 'status=exploded') },
  'GET /api/v1/asm/scans/:id': { cases: itemCases('scans', (t) => t.scan.id) },
  'POST /api/v1/asm/scans': {
    cases: writeCases({
      pick: (t) => ({ url: '/api/v1/asm/scans', payload: { organizationId: t.organizationId } }),
      expect: status(202),
      bad: (t) => ({
        url: '/api/v1/asm/scans',
        payload: { organizationId: t.organizationId, ports: 'everything' },
      }),
    }),
  },
  'GET /api/v1/asm/schedules': {
    cases: [
      unauth((s) => ({ url: `/api/v1/asm/schedules?organizationId=${s.a1.organizationId}` })),
      allowed(
        'A1 staff list A1 schedules',
        a1Staff,
        (s) => ({ url: `/api/v1/asm/schedules?organizationId=${s.a1.organizationId}` }),
        onlyWithin((fx) => [fx.org.a1]),
      ),
      allowed(
        'A1 staff list without a filter',
        a1Staff,
        () => ({ url: '/api/v1/asm/schedules' }),
        onlyWithin((fx) => [fx.org.a1]),
      ),
      allowed(
        'a malformed organization id is a 400',
        a1Staff,
        () => ({ url: '/api/v1/asm/schedules?organizationId=a%20b' }),
        400,
      ),
      crossMuni('A1 admin lists A2 schedules', a1Admin, (s) => ({
        url: `/api/v1/asm/schedules?organizationId=${s.a2.organizationId}`,
      })),
      crossPref('prefecture A admin lists B1 schedules', prefAAdmin, (s) => ({
        url: `/api/v1/asm/schedules?organizationId=${s.b1.organizationId}`,
      })),
      crossPref(
        'prefecture A operator lists all',
        prefAOp,
        () => ({ url: '/api/v1/asm/schedules' }),
        noneOf((fx) => [fx.org.b1]),
      ),
      tokenLacks(() => ({ url: '/api/v1/asm/schedules' })),
    ],
  },
  'POST /api/v1/asm/schedules': {
    cases: writeCases({
      pick: (t) => ({
        url: '/api/v1/asm/schedules',
        payload: { organizationId: t.organizationId, cron: '30 2 * * 0' },
      }),
      expect: status(201),
      bad: (t) => ({
        url: '/api/v1/asm/schedules',
        payload: { organizationId: t.organizationId, cron: 'every day' },
      }),
    }),
  },
  'PATCH /api/v1/asm/schedules/:id': {
    cases: writeCases({
      pick: (t) => ({ url: `/api/v1/asm/schedules/${t.schedules[0]!.id}`, payload: { enabled: false } }),
      expect: status(200),
      bad: (t) => ({ url: `/api/v1/asm/schedules/${t.schedules[0]!.id}`, payload: { enabled: 'sometimes' } }),
    }),
  },
  'DELETE /api/v1/asm/schedules/:id': {
    cases: writeCases({
      pick: (t) => ({ url: `/api/v1/asm/schedules/${t.schedules[2]!.id}` }),
      allowedPick: (t) => ({ url: `/api/v1/asm/schedules/${t.schedules[1]!.id}` }),
      expect: status(204),
    }),
  },
  'GET /api/v1/asm/scope': {
    cases: [
      unauth((s) => ({ url: `/api/v1/asm/scope?organizationId=${s.a1.organizationId}` })),
      allowed(
        'A1 staff read the A1 scope',
        a1Staff,
        (s) => ({ url: `/api/v1/asm/scope?organizationId=${s.a1.organizationId}` }),
        ownItem((fx) => fx.org.a1),
      ),
      allowed('organizationId is required', a1Staff, () => ({ url: '/api/v1/asm/scope' }), 400),
      crossMuni('A1 admin reads the A2 scope', a1Admin, (s) => ({
        url: `/api/v1/asm/scope?organizationId=${s.a2.organizationId}`,
      })),
      crossPref('prefecture A admin reads the B1 scope', prefAAdmin, (s) => ({
        url: `/api/v1/asm/scope?organizationId=${s.b1.organizationId}`,
      })),
      tokenLacks((s) => ({ url: `/api/v1/asm/scope?organizationId=${s.a1.organizationId}` })),
    ],
  },
  'POST /api/v1/asm/scope/roots': {
    cases: writeCases({
      pick: (t) => ({
        url: '/api/v1/asm/scope/roots',
        payload: { organizationId: t.organizationId, kind: 'domain', value: `${unique('root')}.example.jp` },
      }),
      expect: status(201),
      bad: (t) => ({
        url: '/api/v1/asm/scope/roots',
        payload: { organizationId: t.organizationId, kind: 'url', value: 'x' },
      }),
    }),
  },
  'DELETE /api/v1/asm/scope/roots/:id': {
    cases: writeCases({
      pick: (t) => ({ url: `/api/v1/asm/scope/roots/${t.pendingDns.id}` }),
      allowedPick: (t) => ({ url: `/api/v1/asm/scope/roots/${t.spareRoot.id}` }),
      expect: status(204),
    }),
  },
  'POST /api/v1/asm/scope/roots/:id/verify': {
    // The allowed case asks DNS verification of an attestation root: the route answers with the reason and no
    // DNS query leaves the machine (a dns-txt lookup against a loopback server is in asm-api.db.test.ts). The
    // refusals are decided before any lookup.
    cases: [
      unauth((s) => ({ url: `/api/v1/asm/scope/roots/${s.a1.pendingDns.id}/verify` })),
      allowed(
        'A1 admin asks DNS verification of an attestation root: 400 with the reason',
        a1Admin,
        (s) => ({ url: `/api/v1/asm/scope/roots/${s.a1.pendingAttest.id}/verify` }),
        (res) => {
          assert.equal(res.statusCode, 400, res.body);
          assert.match(res.body, /attestation/);
        },
      ),
      crossMuni('A1 admin verifies an A2 root', a1Admin, (s) => ({
        url: `/api/v1/asm/scope/roots/${s.a2.pendingDns.id}/verify`,
      })),
      crossPref('prefecture A admin verifies a B1 root', prefAAdmin, (s) => ({
        url: `/api/v1/asm/scope/roots/${s.b1.pendingDns.id}/verify`,
      })),
      auditorWrite((s) => ({ url: `/api/v1/asm/scope/roots/${s.a1.pendingDns.id}/verify` })),
      tokenLacks((s) => ({ url: `/api/v1/asm/scope/roots/${s.a1.pendingDns.id}/verify` })),
    ],
  },
  'POST /api/v1/asm/scope/roots/:id/attest': {
    cases: [
      unauth((s) => ({
        url: `/api/v1/asm/scope/roots/${s.a1.pendingAttest.id}/attest`,
        payload: { statement: 'x' },
      })),
      allowed(
        'prefecture A admin attests an A1 root',
        prefAAdmin,
        (s) => ({
          url: `/api/v1/asm/scope/roots/${s.a1.pendingAttest.id}/attest`,
          payload: { statement: '契約書で確認' },
        }),
        (res) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json<{ verificationState: string }>(res).verificationState, 'verified');
        },
      ),
      allowed(
        'an empty statement is a 400',
        prefAAdmin,
        (s) => ({
          url: `/api/v1/asm/scope/roots/${s.a2.pendingAttest.id}/attest`,
          payload: { statement: '' },
        }),
        400,
      ),
      crossMuni('A1 admin attests an A2 root', a1Admin, (s) => ({
        url: `/api/v1/asm/scope/roots/${s.a2.pendingAttest.id}/attest`,
        payload: { statement: 'x' },
      })),
      crossMuni('A1 admin attests its own root (only a prefecture or state admin may)', a1Admin, (s) => ({
        url: `/api/v1/asm/scope/roots/${s.a1.pendingDns.id}/attest`,
        payload: { statement: 'x' },
      })),
      crossPref('prefecture A admin attests a B1 root', prefAAdmin, (s) => ({
        url: `/api/v1/asm/scope/roots/${s.b1.pendingAttest.id}/attest`,
        payload: { statement: 'x' },
      })),
      auditorWrite((s) => ({
        url: `/api/v1/asm/scope/roots/${s.a1.pendingDns.id}/attest`,
        payload: { statement: 'x' },
      })),
      tokenLacks(
        (s) => ({ url: `/api/v1/asm/scope/roots/${s.a1.pendingDns.id}/attest`, payload: { statement: 'x' } }),
        (fx) => fx.tokens.a1All,
      ),
    ],
  },
  'PATCH /api/v1/asm/scope/settings/:organizationId': {
    cases: writeCases({
      pick: (t) => ({
        url: `/api/v1/asm/scope/settings/${t.organizationId}`,
        payload: { ratePerSecond: 150 },
      }),
      expect: status(200),
      bad: (t) => ({
        url: `/api/v1/asm/scope/settings/${t.organizationId}`,
        payload: { ports: 'everything' },
      }),
    }),
  },
  'GET /api/v1/asm/dashboard': {
    cases: [
      unauth(() => ({ url: '/api/v1/asm/dashboard' })),
      allowed(
        'the prefecture A operator sees prefecture 22',
        prefAOp,
        () => ({ url: '/api/v1/asm/dashboard' }),
        (res, fx) => {
          assert.equal(res.statusCode, 200, res.body);
          const d = json<AsmDashboard>(res);
          assert.equal(d.scope, 'prefecture');
          assert.equal(d.prefectureCode, '22');
          assert.ok(d.municipalities.some((m) => m.organizationId === fx.org.a1));
          assert.ok(!d.municipalities.some((m) => m.organizationId === fx.org.b1));
        },
      ),
      allowed(
        'the state admin sees every prefecture',
        (fx) => fx.users.stateAdmin.client,
        () => ({ url: '/api/v1/asm/dashboard' }),
        (res) => {
          assert.equal(res.statusCode, 200, res.body);
          const d = json<AsmDashboard>(res);
          assert.equal(d.scope, 'state');
          assert.equal(d.prefectures.length, 47);
        },
      ),
      allowed(
        'a malformed prefecture code is a 400',
        prefAOp,
        () => ({ url: '/api/v1/asm/dashboard?prefectureCode=tokyo' }),
        400,
      ),
      crossMuni(
        'A1 admin sees its own municipality only',
        a1Admin,
        () => ({ url: '/api/v1/asm/dashboard' }),
        dashboardWithout((fx) => [fx.org.a2, fx.org.b1]),
      ),
      crossPref('prefecture A admin asks for prefecture 23', prefAAdmin, () => ({
        url: '/api/v1/asm/dashboard?prefectureCode=23',
      })),
      tokenLacks(() => ({ url: '/api/v1/asm/dashboard' })),
    ],
  },
  'POST /api/v1/asm/scope/exclusions': {
    cases: writeCases({
      pick: (t) => ({
        url: '/api/v1/asm/scope/exclusions',
        payload: { organizationId: t.organizationId, value: `${unique('x')}.example.jp`, reason: 'test' },
      }),
      expect: (res, fx) => {
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(json<{ organizationId: string }>(res).organizationId, fx.org.a1);
      },
      bad: (t) => ({
        url: '/api/v1/asm/scope/exclusions',
        payload: { organizationId: t.organizationId, value: 'not a name or range' },
      }),
    }),
  },
  'DELETE /api/v1/asm/scope/exclusions/:id': {
    cases: (() => {
      const own =
        (org: (s: Seeds) => string): Case['req'] =>
        async (fx, t) => {
          const s = await seed(fx, t);
          const x = await t.platform.asm.scope.addExclusion(t.system, {
            organizationId: org(s),
            value: `${unique('gone')}.example.jp`,
            reason: 'isolation case',
          });
          return { url: `/api/v1/asm/scope/exclusions/${x.id}` };
        };
      const c = (
        kind: Case['kind'],
        label: string,
        who: Who,
        org: (s: Seeds) => string,
        expect: Case['expect'],
      ) => ({ kind, label, who, req: own(org), expect }) as Case;
      return [
        unauthenticated(own((s) => s.a1.organizationId)),
        c('allowed', 'A1 admin removes an A1 exclusion', a1Admin, (s) => s.a1.organizationId, 204),
        c(
          'cross-municipality',
          'A1 admin removes an A2 exclusion',
          a1Admin,
          (s) => s.a2.organizationId,
          'denied',
        ),
        c(
          'cross-prefecture',
          'prefecture A admin removes a B1 exclusion',
          prefAAdmin,
          (s) => s.b1.organizationId,
          'denied',
        ),
        c(
          'auditor-write',
          'the prefecture A auditor removes an A1 exclusion',
          auditor,
          (s) => s.a1.organizationId,
          403,
        ),
        c(
          'token-permission',
          'a token without the ASM permission',
          orgReadToken,
          (s) => s.a1.organizationId,
          403,
        ),
      ];
    })(),
  },
  'GET /api/v1/asm/refusals': {
    cases: [
      unauth(() => ({ url: '/api/v1/asm/refusals' })),
      allowed(
        'A1 staff list their own',
        a1Staff,
        () => ({ url: '/api/v1/asm/refusals' }),
        (res, fx) => {
          assert.equal(res.statusCode, 200, res.body);
          const items = json<{ items: { organizationId: string | null }[] }>(res).items;
          assert.ok(
            items.every((i) => i.organizationId === fx.org.a1),
            res.body,
          );
        },
      ),
      allowed(
        'a malformed filter is a 400 with the reason',
        a1Staff,
        () => ({ url: '/api/v1/asm/refusals?organizationId=not%20an%20id' }),
        400,
      ),
      crossMuni('A1 admin names A2', a1Admin, (s) => ({
        url: `/api/v1/asm/refusals?organizationId=${s.a2.organizationId}`,
      })),
      crossPref('prefecture A admin names B1', prefAAdmin, (s) => ({
        url: `/api/v1/asm/refusals?organizationId=${s.b1.organizationId}`,
      })),
      tokenLacks(() => ({ url: '/api/v1/asm/refusals' })),
    ],
  },
  'GET /api/v1/asm/stop': {
    notTenantScoped: 'one global switch: whether scanning is stopped everywhere',
    cases: [
      unauth(() => ({ url: '/api/v1/asm/stop' })),
      allowed(
        'A1 staff read whether scanning is stopped',
        a1Staff,
        () => ({ url: '/api/v1/asm/stop' }),
        (res) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(typeof json<{ stopped: boolean }>(res).stopped, 'boolean');
        },
      ),
      tokenLacks(() => ({ url: '/api/v1/asm/stop' })),
    ],
  },
  'PUT /api/v1/asm/stop': {
    notTenantScoped: 'one global switch, pulled by the state only',
    cases: [
      unauth(() => ({ url: '/api/v1/asm/stop', payload: { stopped: false } })),
      // Resuming keeps the other cases' scans possible; stopping is covered by asm-api.db.test.ts.
      allowed(
        'the state admin sets the switch (resume)',
        (fx) => fx.users.stateAdmin.client,
        () => ({ url: '/api/v1/asm/stop', payload: { stopped: false } }),
        (res) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json<{ stopped: boolean }>(res).stopped, false);
        },
      ),
      allowed(
        'a prefecture admin cannot stop every scan',
        prefAAdmin,
        () => ({ url: '/api/v1/asm/stop', payload: { stopped: true, reason: 'not mine to pull' } }),
        403,
      ),
      allowed(
        'a malformed body is a 400 with the reason',
        (fx) => fx.users.stateAdmin.client,
        () => ({ url: '/api/v1/asm/stop', payload: { stopped: 'yes' } }),
        400,
      ),
      auditorWrite(() => ({ url: '/api/v1/asm/stop', payload: { stopped: true, reason: 'auditor' } })),
      tokenLacks(() => ({ url: '/api/v1/asm/stop', payload: { stopped: true, reason: 'token' } })),
    ],
  },
  'GET /api/v1/asm/reports/organization.pdf': { cases: reportCases('pdf', /^application\/pdf/) },
  'GET /api/v1/asm/reports/organization.xlsx': { cases: reportCases('xlsx', /spreadsheetml/) },
};
