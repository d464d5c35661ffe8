// Isolation cases for SOC alerts, contacts, rule sets, the notification log and the live stream. Alerts are
// made by feeding SocEvents to the real detection stage (a SQL injection in a web access log: the SigmaHQ rule
// "SQL Injection Strings In URI"), one per client address, in A1, A2, B1 and unattributed in prefecture A.
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { SocAlert, SocEvent } from '@mamori/platform';
import { expectError, json, type TestApp } from '../../helpers.js';
import type { Fixture } from '../../fixture.js';
import { noneOf, onlyWithin, unauthenticated, type Case, type RouteSpec } from '../kit.js';

interface Seed {
  /** A1 alerts by purpose (each route acts on its own alert, so the order of cases does not matter). */
  a1: Record<string, SocAlert>;
  a2: SocAlert;
  b1: SocAlert;
  /** Unattributed, prefecture A. */
  prefA: SocAlert;
  contacts: { a1: string; a1Spare: string; a2: string; b1: string };
}

const SQLI_RULE = '5513deaf-f49a-46c2-a6c8-3f111b5cb453';
const purposes = [
  'detail',
  'ack',
  'start',
  'resolve',
  'fp',
  'assign',
  'comment',
  'incident',
  'bulk',
  'stream',
];
let seeded: Promise<Seed> | null = null;
let n = 0;

function sqli(client: string, organizationId: string | null, prefectureId: string): SocEvent {
  const url = `/search.php?id=%271%27%3D%271&n=${++n}`;
  return {
    id: `iso-${process.pid}-${n}`,
    time: new Date().toISOString(),
    receivedAt: Date.now(),
    class: 'http_activity',
    activity: 'access',
    severity: 'informational',
    disposition: 'allowed',
    sourceKind: 'web',
    format: 'access-combined',
    src: { ip: client },
    dst: {},
    fields: { method: 'GET', url, status: 200, userAgent: 'sqlmap/1.7' },
    raw: `${client} - - [25/Nov/2026:10:00:00 +0900] "GET ${url} HTTP/1.1" 200 3 "-" "sqlmap/1.7"`,
    organizationId,
    unattributedReason: organizationId === null ? 'no attribution rule matched' : null,
    prefectureId,
  };
}

function seed(fx: Fixture, t: TestApp): Promise<Seed> {
  seeded ??= (async () => {
    const soc = t.platform.soc;
    const events: SocEvent[] = purposes.map((_, i) => sqli(`192.0.2.${10 + i}`, fx.org.a1, fx.org.prefA));
    events.push(sqli('198.51.100.20', fx.org.a2, fx.org.prefA));
    events.push(sqli('198.51.100.30', fx.org.b1, fx.org.prefB));
    events.push(sqli('198.51.100.40', null, fx.org.prefA));
    await soc.detection.onEvents(events);
    const all = (await soc.alerts.list(t.system, { limit: 200, ruleId: SQLI_RULE })).items;
    const by = (entity: string) => {
      const a = all.find((x) => x.entity === entity);
      assert.ok(a, `seeded alert for ${entity}`);
      return a;
    };
    const a1: Record<string, SocAlert> = {};
    purposes.forEach((p, i) => (a1[p] = by(`192.0.2.${10 + i}`)));
    const contact = async (organizationId: string, name: string) =>
      (await soc.notify.contacts.create(t.system, { organizationId, name, email: `${name}@example.jp` })).id;
    // One notification record per tenant, for the log's cases.
    const now = new Date().toISOString();
    for (const a of [a1.detail!, by('198.51.100.20'), by('198.51.100.30'), by('198.51.100.40')]) {
      await t.platform.db.kysely
        .insertInto('soc_notifications')
        .values({
          id: `sn_iso_${a.id}`,
          alert_id: a.id,
          contact_id: null,
          organization_id: a.organizationId,
          prefecture_id: a.prefectureId,
          channel: 'email',
          target: 'someone@example.jp',
          level: 0,
          attempt: 1,
          status: 'sent',
          error: null,
          sent_at: now,
        })
        .execute();
    }
    return {
      a1,
      a2: by('198.51.100.20'),
      b1: by('198.51.100.30'),
      prefA: by('198.51.100.40'),
      contacts: {
        a1: await contact(fx.org.a1, 'a1-contact'),
        a1Spare: await contact(fx.org.a1, 'a1-spare'),
        a2: await contact(fx.org.a2, 'a2-contact'),
        b1: await contact(fx.org.b1, 'b1-contact'),
      },
    };
  })();
  return seeded;
}

/** Items of a list, every one inside prefecture B (its organizations or its unattributed alerts). */
const onlyPrefB = (res: LightMyRequestResponse, fx: Fixture) => {
  assert.equal(res.statusCode, 200, res.body);
  for (const i of json<{ items: SocAlert[] }>(res).items) {
    assert.ok(
      i.organizationId === fx.org.b1 || (i.organizationId === null && i.prefectureId === fx.org.prefB),
      JSON.stringify(i),
    );
  }
};

/** The five kinds of case for a triage action on A1's alert `purpose`. */
function triage(
  path: (id: string) => string,
  purpose: string,
  payload: (fx: Fixture) => unknown,
  allowed: Case['expect'],
): Case[] {
  const req = (fx: Fixture, t: TestApp) =>
    seed(fx, t).then((s) => ({ url: path(s.a1[purpose]!.id), payload: payload(fx) }));
  return [
    unauthenticated(async (fx, t) => req(fx, t)),
    {
      kind: 'allowed',
      label: 'A1 staff on an A1 alert',
      who: (fx) => fx.users.a1Staff.client,
      req,
      expect: allowed,
    },
    {
      kind: 'cross-municipality',
      label: 'A2 admin on an A1 alert',
      who: (fx) => fx.users.a2Admin.client,
      req,
      expect: 'denied',
    },
    {
      kind: 'cross-prefecture',
      label: 'prefecture B admin on an A1 alert',
      who: (fx) => fx.users.prefBAdmin.client,
      req,
      expect: 'denied',
    },
    {
      kind: 'auditor-write',
      label: 'auditor of prefecture A',
      who: (fx) => fx.users.auditorA.client,
      req,
      expect: 403,
    },
    {
      kind: 'token-permission',
      label: 'a token without soc:triage',
      who: (fx) => fx.tokens.a1All,
      req,
      expect: 403,
    },
  ];
}

const okAlert = (status?: string) => (res: LightMyRequestResponse) => {
  assert.equal(res.statusCode, 200, res.body);
  if (status) assert.equal(json<SocAlert>(res).status, status);
};

/** The stream for ~1 s while an alert change of `which` is published: does the body carry it? */
function streamCase(
  kind: Case['kind'],
  label: string,
  who: (fx: Fixture) => Fixture['users'][keyof Fixture['users']],
  which: (s: Seed) => SocAlert,
  visible: boolean,
): Case {
  let id = '';
  return {
    kind,
    label,
    who: (fx) => who(fx).client,
    req: async (fx, t) => {
      const s = await seed(fx, t);
      const alert = which(s);
      id = alert.id;
      setTimeout(() => t.platform.soc.alerts.bus.publish([{ kind: 'updated', alert }]), 400);
      return { url: '/api/v1/soc/alerts/stream?maxSeconds=1' };
    },
    expect: (res) => {
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/event-stream/);
      assert.ok(res.body.startsWith(': connected'), res.body);
      assert.equal(res.body.includes(id), visible, res.body);
    },
  };
}

export const table: Record<string, RouteSpec> = {
  'GET /api/v1/soc/alerts': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/soc/alerts' })),
      {
        kind: 'allowed',
        label: 'A1 staff: A1 alerts only',
        who: (fx) => fx.users.a1Staff.client,
        req: async (fx, t) => (await seed(fx, t), { url: '/api/v1/soc/alerts?limit=200' }),
        expect: onlyWithin((fx) => [fx.org.a1]),
      },
      {
        kind: 'allowed',
        label: 'prefecture A operator: its municipalities and its unattributed alerts',
        who: (fx) => fx.users.prefAOp.client,
        req: async (fx, t) => (await seed(fx, t), { url: '/api/v1/soc/alerts?limit=200&unattributed=true' }),
        expect: (res, fx) => {
          assert.equal(res.statusCode, 200, res.body);
          const items = json<{ items: SocAlert[] }>(res).items;
          assert.ok(items.length > 0);
          assert.ok(items.every((i) => i.organizationId === null && i.prefectureId === fx.org.prefA));
        },
      },
      {
        kind: 'cross-municipality',
        label: 'A2 admin sees no A1 or B1 alert, and no unattributed one',
        who: (fx) => fx.users.a2Admin.client,
        req: async (fx, t) => (await seed(fx, t), { url: '/api/v1/soc/alerts?limit=200' }),
        expect: onlyWithin((fx) => [fx.org.a2]),
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture B admin sees nothing of prefecture A',
        who: (fx) => fx.users.prefBAdmin.client,
        req: async (fx, t) => (await seed(fx, t), { url: '/api/v1/soc/alerts?limit=200' }),
        expect: onlyPrefB,
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/soc/alerts' }),
        expect: 403,
      },
    ],
  },
  'GET /api/v1/soc/alerts/stream': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/soc/alerts/stream?maxSeconds=1' })),
      streamCase(
        'allowed',
        'A1 staff receive an A1 alert live',
        (fx) => fx.users.a1Staff,
        (s) => s.a1.stream!,
        true,
      ),
      streamCase(
        'cross-municipality',
        'A2 admin do not receive an A1 alert',
        (fx) => fx.users.a2Admin,
        (s) => s.a1.stream!,
        false,
      ),
      streamCase(
        'cross-prefecture',
        'prefecture B admin do not receive prefecture A’s unattributed alert',
        (fx) => fx.users.prefBAdmin,
        (s) => s.prefA,
        false,
      ),
      {
        kind: 'token-permission',
        label: 'a token without soc:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/soc/alerts/stream?maxSeconds=1' }),
        expect: 403,
      },
    ],
  },
  'GET /api/v1/soc/alerts/:id': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/soc/alerts/al_x' })),
      {
        kind: 'allowed',
        label: 'A1 staff read an A1 alert with its evidence and author',
        who: (fx) => fx.users.a1Staff.client,
        req: async (fx, t) => ({ url: `/api/v1/soc/alerts/${(await seed(fx, t)).a1.detail!.id}` }),
        expect: (res) => {
          assert.equal(res.statusCode, 200, res.body);
          const d = json<{ alert: SocAlert; evidence: unknown[] }>(res);
          assert.equal(
            d.alert.ruleAuthor,
            'Saw Win Naung, Nasreddine Bencherchali (Nextron Systems), Thurein Oo (Yoma Bank)',
          );
          assert.equal(d.evidence.length, 1);
        },
      },
      {
        kind: 'cross-municipality',
        label: 'A2 admin on an A1 alert',
        who: (fx) => fx.users.a2Admin.client,
        req: async (fx, t) => ({ url: `/api/v1/soc/alerts/${(await seed(fx, t)).a1.detail!.id}` }),
        expect: 'denied',
      },
      {
        kind: 'cross-municipality',
        label: 'A1 staff on the prefecture’s unattributed alert',
        who: (fx) => fx.users.a1Staff.client,
        req: async (fx, t) => ({ url: `/api/v1/soc/alerts/${(await seed(fx, t)).prefA.id}` }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture B admin on prefecture A’s unattributed alert',
        who: (fx) => fx.users.prefBAdmin.client,
        req: async (fx, t) => ({ url: `/api/v1/soc/alerts/${(await seed(fx, t)).prefA.id}` }),
        expect: 'denied',
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: async (fx, t) => ({ url: `/api/v1/soc/alerts/${(await seed(fx, t)).a1.detail!.id}` }),
        expect: 403,
      },
    ],
  },
  'POST /api/v1/soc/alerts/bulk': {
    cases: [
      ...triage(
        () => '/api/v1/soc/alerts/bulk',
        'bulk',
        () => undefined,
        200,
      ).map((c) => ({
        ...c,
        req: async (fx: Fixture, t: TestApp) => {
          const s = await seed(fx, t);
          return { url: '/api/v1/soc/alerts/bulk', payload: { ids: [s.a1.bulk!.id], action: 'acknowledge' } };
        },
        expect:
          c.kind === 'allowed'
            ? (res: LightMyRequestResponse) => {
                assert.equal(res.statusCode, 200, res.body);
                assert.equal(json<{ updated: number }>(res).updated, 1);
              }
            : c.expect,
      })),
      {
        kind: 'cross-municipality',
        label: 'A2 admin mixing its own and an A1 alert: nothing changes',
        who: (fx) => fx.users.a2Admin.client,
        req: async (fx, t) => {
          const s = await seed(fx, t);
          return {
            url: '/api/v1/soc/alerts/bulk',
            payload: { ids: [s.a2.id, s.a1.bulk!.id], action: 'resolve' },
          };
        },
        expect: async (res, fx, t) => {
          expectError(res, 404);
          const s = await seed(fx, t);
          assert.equal((await t.platform.soc.alerts.get(t.system, s.a2.id)).alert.status, 'new');
        },
      },
    ],
  },
  'POST /api/v1/soc/alerts/:id/acknowledge': {
    cases: triage(
      (id) => `/api/v1/soc/alerts/${id}/acknowledge`,
      'ack',
      () => undefined,
      okAlert('acknowledged'),
    ),
  },
  'POST /api/v1/soc/alerts/:id/start': {
    cases: triage(
      (id) => `/api/v1/soc/alerts/${id}/start`,
      'start',
      () => undefined,
      okAlert('in_progress'),
    ),
  },
  'POST /api/v1/soc/alerts/:id/resolve': {
    cases: triage(
      (id) => `/api/v1/soc/alerts/${id}/resolve`,
      'resolve',
      () => ({ note: '対応済み' }),
      okAlert('resolved'),
    ),
  },
  'POST /api/v1/soc/alerts/:id/false-positive': {
    cases: triage(
      (id) => `/api/v1/soc/alerts/${id}/false-positive`,
      'fp',
      () => ({ reason: '委託業者による脆弱性診断' }),
      okAlert('false_positive'),
    ),
  },
  'POST /api/v1/soc/alerts/:id/assign': {
    cases: triage(
      (id) => `/api/v1/soc/alerts/${id}/assign`,
      'assign',
      (fx) => ({ assigneeId: fx.users.a1Staff.userId }),
      (res, fx) => {
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(json<SocAlert>(res).assigneeId, fx.users.a1Staff.userId);
      },
    ),
  },
  'POST /api/v1/soc/alerts/:id/comments': {
    cases: triage(
      (id) => `/api/v1/soc/alerts/${id}/comments`,
      'comment',
      () => ({ body: '確認中' }),
      (res) => {
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(json<{ body: string }>(res).body, '確認中');
      },
    ),
  },
  'POST /api/v1/soc/alerts/:id/incident': {
    cases: triage(
      (id) => `/api/v1/soc/alerts/${id}/incident`,
      'incident',
      () => ({ summary: 'Web サーバーへの SQL インジェクション試行' }),
      (res) => {
        assert.equal(res.statusCode, 200, res.body);
        assert.match(json<SocAlert>(res).incidentRef ?? '', /^request:/);
      },
    ),
  },
  'GET /api/v1/soc/notifications': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/soc/notifications' })),
      {
        kind: 'allowed',
        label: 'A1 admin: A1’s notifications only',
        who: (fx) => fx.users.a1Admin.client,
        req: async (fx, t) => (await seed(fx, t), { url: '/api/v1/soc/notifications?limit=200' }),
        expect: onlyWithin((fx) => [fx.org.a1]),
      },
      {
        kind: 'cross-municipality',
        label: 'A2 admin sees none of A1’s',
        who: (fx) => fx.users.a2Admin.client,
        req: async (fx, t) => (await seed(fx, t), { url: '/api/v1/soc/notifications?limit=200' }),
        expect: onlyWithin((fx) => [fx.org.a2]),
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture B admin sees none of prefecture A’s',
        who: (fx) => fx.users.prefBAdmin.client,
        req: async (fx, t) => (await seed(fx, t), { url: '/api/v1/soc/notifications?limit=200' }),
        expect: onlyPrefB,
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/soc/notifications' }),
        expect: 403,
      },
    ],
  },
  'GET /api/v1/soc/contacts': {
    cases: [
      unauthenticated(() => ({ url: '/api/v1/soc/contacts' })),
      {
        kind: 'allowed',
        label: 'A1 admin: A1’s contacts',
        who: (fx) => fx.users.a1Admin.client,
        req: async (fx, t) => (await seed(fx, t), { url: '/api/v1/soc/contacts' }),
        expect: onlyWithin((fx) => [fx.org.a1]),
      },
      {
        kind: 'cross-municipality',
        label: 'A2 admin asks for A1’s',
        who: (fx) => fx.users.a2Admin.client,
        req: async (fx, t) => (
          await seed(fx, t),
          { url: `/api/v1/soc/contacts?organizationId=${fx.org.a1}` }
        ),
        expect: noneOf((fx) => [fx.org.a1, fx.org.b1]),
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture B admin sees none of prefecture A’s',
        who: (fx) => fx.users.prefBAdmin.client,
        req: async (fx, t) => (await seed(fx, t), { url: '/api/v1/soc/contacts' }),
        expect: noneOf((fx) => [fx.org.a1, fx.org.a2, fx.org.prefA]),
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: () => ({ url: '/api/v1/soc/contacts' }),
        expect: 403,
      },
    ],
  },
  'POST /api/v1/soc/contacts': {
    cases: [
      unauthenticated((fx) => ({
        url: '/api/v1/soc/contacts',
        payload: { organizationId: fx.org.a1, name: 'x', email: 'x@example.jp' },
      })),
      {
        kind: 'allowed',
        label: 'A1 admin adds an A1 contact',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({
          url: '/api/v1/soc/contacts',
          payload: {
            organizationId: fx.org.a1,
            name: '情報政策課',
            email: 'joho@example.jp',
            minSeverity: 'high',
            days: ['mon', 'tue'],
            hours: '08:30-17:15',
          },
        }),
        expect: 201,
      },
      {
        kind: 'cross-municipality',
        label: 'A2 admin adds a contact to A1',
        who: (fx) => fx.users.a2Admin.client,
        req: (fx) => ({
          url: '/api/v1/soc/contacts',
          payload: { organizationId: fx.org.a1, name: 'x', email: 'x@example.jp' },
        }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture B admin adds a contact to A1',
        who: (fx) => fx.users.prefBAdmin.client,
        req: (fx) => ({
          url: '/api/v1/soc/contacts',
          payload: { organizationId: fx.org.a1, name: 'x', email: 'x@example.jp' },
        }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor',
        who: (fx) => fx.users.auditorA.client,
        req: (fx) => ({
          url: '/api/v1/soc/contacts',
          payload: { organizationId: fx.org.a1, name: 'x', email: 'x@example.jp' },
        }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:manage',
        who: (fx) => fx.tokens.a1All,
        req: (fx) => ({
          url: '/api/v1/soc/contacts',
          payload: { organizationId: fx.org.a1, name: 'x', email: 'x@example.jp' },
        }),
        expect: 403,
      },
    ],
  },
  'PATCH /api/v1/soc/contacts/:id': {
    cases: [
      unauthenticated(async (fx, t) => ({
        url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1}`,
        payload: { name: 'y' },
      })),
      {
        kind: 'allowed',
        label: 'A1 admin renames an A1 contact',
        who: (fx) => fx.users.a1Admin.client,
        req: async (fx, t) => ({
          url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1}`,
          payload: { name: '情報政策課（夜間）', hours: '17:15-08:30' },
        }),
        expect: (res) => {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json<{ hours: string }>(res).hours, '17:15-08:30');
        },
      },
      {
        kind: 'cross-municipality',
        label: 'A2 admin on an A1 contact',
        who: (fx) => fx.users.a2Admin.client,
        req: async (fx, t) => ({
          url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1}`,
          payload: { name: 'taken' },
        }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture B admin on an A1 contact',
        who: (fx) => fx.users.prefBAdmin.client,
        req: async (fx, t) => ({
          url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1}`,
          payload: { name: 'taken' },
        }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor',
        who: (fx) => fx.users.auditorA.client,
        req: async (fx, t) => ({
          url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1}`,
          payload: { name: 'taken' },
        }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:manage',
        who: (fx) => fx.tokens.a1All,
        req: async (fx, t) => ({
          url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1}`,
          payload: { name: 'taken' },
        }),
        expect: 403,
      },
    ],
  },
  'DELETE /api/v1/soc/contacts/:id': {
    cases: [
      unauthenticated(async (fx, t) => ({
        url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1Spare}`,
      })),
      {
        kind: 'cross-municipality',
        label: 'A2 admin on an A1 contact',
        who: (fx) => fx.users.a2Admin.client,
        req: async (fx, t) => ({ url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1Spare}` }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture A admin on a B1 contact',
        who: (fx) => fx.users.prefAAdmin.client,
        req: async (fx, t) => ({ url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.b1}` }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor',
        who: (fx) => fx.users.auditorA.client,
        req: async (fx, t) => ({ url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1Spare}` }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:manage',
        who: (fx) => fx.tokens.a1All,
        req: async (fx, t) => ({ url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1Spare}` }),
        expect: 403,
      },
      {
        kind: 'allowed',
        label: 'A1 admin removes an A1 contact (after the refusals: it was still there)',
        who: (fx) => fx.users.a1Admin.client,
        req: async (fx, t) => ({ url: `/api/v1/soc/contacts/${(await seed(fx, t)).contacts.a1Spare}` }),
        expect: 204,
      },
    ],
  },
  'GET /api/v1/soc/rule-sets/:prefectureId': {
    cases: [
      unauthenticated((fx) => ({ url: `/api/v1/soc/rule-sets/${fx.org.prefA}` })),
      {
        kind: 'allowed',
        label: 'prefecture A operator',
        who: (fx) => fx.users.prefAOp.client,
        req: (fx) => ({ url: `/api/v1/soc/rule-sets/${fx.org.prefA}` }),
        expect: (res) => {
          assert.equal(res.statusCode, 200, res.body);
          const web = json<{
            logsources: { logsource: string; ruleSets: { name: string; enabled: boolean }[] }[];
          }>(res).logsources.find((l) => l.logsource === 'webserver')!;
          assert.ok(web.ruleSets.some((r) => r.name === 'sigma-webserver-generic' && r.enabled));
        },
      },
      {
        kind: 'cross-municipality',
        label: 'a municipality reads its prefecture’s choices',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: `/api/v1/soc/rule-sets/${fx.org.prefA}` }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture B admin reads prefecture A’s',
        who: (fx) => fx.users.prefBAdmin.client,
        req: (fx) => ({ url: `/api/v1/soc/rule-sets/${fx.org.prefA}` }),
        expect: 'denied',
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:read',
        who: (fx) => fx.tokens.a1OrgRead,
        req: (fx) => ({ url: `/api/v1/soc/rule-sets/${fx.org.prefA}` }),
        expect: 403,
      },
    ],
  },
  'PUT /api/v1/soc/rule-sets/:prefectureId/:logsource': {
    cases: [
      unauthenticated((fx) => ({
        url: `/api/v1/soc/rule-sets/${fx.org.prefA}/webserver`,
        payload: { ruleSets: null },
      })),
      {
        kind: 'allowed',
        label: 'prefecture A admin enables the product rules too',
        who: (fx) => fx.users.prefAAdmin.client,
        req: (fx) => ({
          url: `/api/v1/soc/rule-sets/${fx.org.prefA}/webserver`,
          payload: { ruleSets: ['sigma-webserver-generic', 'sigma-webserver-products'] },
        }),
        expect: (res) => {
          assert.equal(res.statusCode, 200, res.body);
          const web = json<{
            logsources: { logsource: string; configured: boolean; ruleSets: { enabled: boolean }[] }[];
          }>(res).logsources.find((l) => l.logsource === 'webserver')!;
          assert.equal(web.configured, true);
          assert.ok(web.ruleSets.every((r) => r.enabled));
        },
      },
      {
        kind: 'allowed',
        label: 'an unknown rule set is a 400 with the reason',
        who: (fx) => fx.users.prefAAdmin.client,
        req: (fx) => ({
          url: `/api/v1/soc/rule-sets/${fx.org.prefA}/webserver`,
          payload: { ruleSets: ['no-such-set'] },
        }),
        expect: (res) => expectError(res, 400, 'MAMORI_VALIDATION'),
      },
      {
        kind: 'cross-municipality',
        label: 'a municipality admin changes its prefecture’s rule sets',
        who: (fx) => fx.users.a1Admin.client,
        req: (fx) => ({ url: `/api/v1/soc/rule-sets/${fx.org.prefA}/webserver`, payload: { ruleSets: [] } }),
        expect: 'denied',
      },
      {
        kind: 'cross-prefecture',
        label: 'prefecture B admin changes prefecture A’s',
        who: (fx) => fx.users.prefBAdmin.client,
        req: (fx) => ({ url: `/api/v1/soc/rule-sets/${fx.org.prefA}/webserver`, payload: { ruleSets: [] } }),
        expect: 'denied',
      },
      {
        kind: 'auditor-write',
        label: 'auditor',
        who: (fx) => fx.users.auditorA.client,
        req: (fx) => ({ url: `/api/v1/soc/rule-sets/${fx.org.prefA}/webserver`, payload: { ruleSets: [] } }),
        expect: 403,
      },
      {
        kind: 'token-permission',
        label: 'a token without soc:manage',
        who: (fx) => fx.tokens.a1All,
        req: (fx) => ({ url: `/api/v1/soc/rule-sets/${fx.org.prefA}/webserver`, payload: { ruleSets: [] } }),
        expect: 403,
      },
    ],
  },
};
