// SOC alerts over HTTP: the live stream on a real socket (an alert made by the detection stage reaches the
// subscribed console within a moment, only for subscribers who may see it), and malformed requests answered
// with 400 and a reason, never 500.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SocAlert, SocEvent } from '@mamori/platform';
import {
  dialect,
  expectError,
  json,
  orgIdByCode,
  signInNew,
  startTestApp,
  type Principal,
  type TestApp,
} from './helpers.js';
import { CODES } from './fixture.js';

let t: TestApp;
let base = '';
let a1Staff: Principal;
let a2Staff: Principal;
let prefAOp: Principal;
const org = { prefA: '', a1: '', a2: '' };
let n = 0;

function sqli(client: string, organizationId: string | null): SocEvent {
  const url = `/cgi-bin/q.php?id=@@version&n=${++n}`;
  return {
    id: `sse-${process.pid}-${n}`,
    time: new Date().toISOString(),
    receivedAt: Date.now(),
    class: 'http_activity',
    activity: 'access',
    severity: 'informational',
    disposition: 'allowed',
    sourceKind: 'web',
    format: 'access-combined',
    src: { ip: client },
    fields: { method: 'GET', url, status: 200, userAgent: 'Mozilla/5.0' },
    raw: `${client} - - [25/Nov/2026:10:00:00 +0900] "GET ${url} HTTP/1.1" 200 3 "-" "Mozilla/5.0"`,
    organizationId,
    unattributedReason: organizationId === null ? 'no attribution rule matched' : null,
    prefectureId: org.prefA,
  };
}

interface Stream {
  events: Array<{ kind: string; alert: SocAlert; at: number }>;
  connected: Promise<void>;
  res: Promise<IncomingMessage>;
  close(): void;
}

/** Subscribes like the console's EventSource: GET with the session cookie, reading "event: alert" frames. */
function subscribe(who: Principal): Stream {
  const events: Stream['events'] = [];
  let onConnected!: () => void;
  const connected = new Promise<void>((r) => (onConnected = r));
  let req!: ReturnType<typeof request>;
  const res = new Promise<IncomingMessage>((resolve, reject) => {
    req = request(`${base}/api/v1/soc/alerts/stream?maxSeconds=30`, {
      headers: { cookie: `mamori_session=${who.client.cookie}`, accept: 'text/event-stream' },
    });
    req.on('response', (r) => {
      resolve(r);
      let buf = '';
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (frame.startsWith(': connected')) onConnected();
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (frame.startsWith('event: alert') && data) {
            events.push({
              ...(JSON.parse(data.slice(6)) as { kind: string; alert: SocAlert }),
              at: Date.now(),
            });
          }
        }
      });
      r.on('error', () => {});
    });
    req.on('error', reject);
    req.end();
  });
  return { events, connected, res, close: () => req.destroy() };
}

async function until(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

before(async () => {
  t = await startTestApp();
  org.prefA = await orgIdByCode(t, CODES.prefA);
  org.a1 = await orgIdByCode(t, CODES.a1);
  org.a2 = await orgIdByCode(t, CODES.a2);
  a1Staff = await signInNew(t, 'sse-a1-staff', 'municipality_staff', org.a1);
  a2Staff = await signInNew(t, 'sse-a2-staff', 'municipality_staff', org.a2);
  prefAOp = await signInNew(t, 'sse-pref-op', 'prefecture_operator', org.prefA);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await t?.close();
});

describe(`SOC alerts over HTTP (${dialect})`, () => {
  test('the contacts list carries the acknowledgement deadlines the server is configured with', async () => {
    const r = await a1Staff.client.get('/api/v1/soc/contacts');
    assert.equal(r.statusCode, 200);
    // The documented defaults (docs/configuration.md notify.ackMinutes*): 0 = low alerts never escalate.
    assert.deepEqual(r.json().ackMinutes, { critical: 15, high: 60, medium: 1440, low: 0 });
  });
  test('the live stream receives a new alert at once, scoped to each subscriber', async () => {
    const s1 = subscribe(a1Staff);
    const s2 = subscribe(a2Staff);
    const sp = subscribe(prefAOp);
    try {
      const r = await s1.res;
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^text\/event-stream/);
      await Promise.all([s1.connected, s2.connected, sp.connected]);
      const sent = Date.now();
      await t.platform.soc.detection.onEvents([sqli('203.0.113.61', org.a1), sqli('203.0.113.62', null)]);
      await until(() => s1.events.some((e) => e.alert.entity === '203.0.113.61'));
      await until(() => sp.events.length >= 2);
      const mine = s1.events.find((e) => e.alert.entity === '203.0.113.61')!;
      assert.equal(mine.kind, 'created');
      assert.equal(mine.alert.organizationName, '沼津市');
      assert.equal(mine.alert.ruleTitle, 'SQL Injection Strings In URI');
      assert.equal(
        mine.alert.ruleAuthor,
        'Saw Win Naung, Nasreddine Bencherchali (Nextron Systems), Thurein Oo (Yoma Bank)',
      );
      assert.ok(mine.at - sent < 2000, `live within 2 s (took ${mine.at - sent} ms)`);
      // The prefecture operator sees both, A1 staff not the unattributed one, A2 staff nothing.
      assert.deepEqual(sp.events.map((e) => e.alert.entity).sort(), ['203.0.113.61', '203.0.113.62']);
      assert.ok(s1.events.every((e) => e.alert.organizationId === org.a1));
      // Acknowledging is a change the stream carries too.
      await a1Staff.client.post(`/api/v1/soc/alerts/${mine.alert.id}/acknowledge`);
      await until(() => s1.events.some((e) => e.kind === 'updated' && e.alert.status === 'acknowledged'));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(s2.events, []);
    } finally {
      s1.close();
      s2.close();
      sp.close();
    }
  });

  test('malformed requests are 400 with a reason, never 500', async () => {
    const c = prefAOp.client;
    for (const url of [
      '/api/v1/soc/alerts?severity=bogus',
      '/api/v1/soc/alerts?cursor=bm90LWEta2V5',
      '/api/v1/soc/alerts?from=yesterday',
      '/api/v1/soc/alerts?limit=0',
      '/api/v1/soc/alerts?sort=entity',
      '/api/v1/soc/alerts/not%20an%20id',
      '/api/v1/soc/alerts/stream?maxSeconds=0',
      '/api/v1/soc/notifications?status=lost',
    ])
      expectError(await c.get(url), 400);
    expectError(await c.post('/api/v1/soc/alerts/bulk', { ids: [], action: 'resolve' }), 400);
    expectError(await c.post('/api/v1/soc/alerts/bulk', { ids: ['al_x'], action: 'delete' }), 400);
    expectError(await c.post('/api/v1/soc/alerts/al_x/false-positive', {}), 400);
    expectError(
      await c.post('/api/v1/soc/contacts', { organizationId: org.a1, name: 'x' }),
      400,
      'MAMORI_VALIDATION',
    );
    expectError(
      await c.post('/api/v1/soc/contacts', { organizationId: org.a1, name: 'x', email: 'not-an-address' }),
      400,
      'MAMORI_VALIDATION',
    );
    expectError(
      await c.post('/api/v1/soc/contacts', {
        organizationId: org.a1,
        name: 'x',
        webhookUrl: 'ftp://x.example/',
        webhookSecret: '0123456789abcdef',
      }),
      400,
      'MAMORI_VALIDATION',
    );
    expectError(
      await c.request({
        method: 'PUT',
        url: `/api/v1/soc/rule-sets/${org.prefA}/nosuch`,
        payload: { ruleSets: [] },
      }),
      400,
    );
    // An alert that does not exist is a 404, not a 500.
    expectError(await c.post('/api/v1/soc/alerts/al_doesnotexist/acknowledge'), 404);
    const list = json<{ items: SocAlert[] }>(
      await c.get('/api/v1/soc/alerts?minSeverity=high&sort=severity&order=asc'),
    );
    assert.ok(Array.isArray(list.items));
  });
});
