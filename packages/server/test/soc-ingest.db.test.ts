// HTTP bulk ingest (POST /api/v1/ingest/bulk) on a real platform and database: credentials and the soc:ingest
// permission, the three body forms, gzip, size limits, malformed bodies and lines, and 202 only once durable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SocIngestService, type EventQueue, type IngestRecord } from '@mamori/platform';
import { dialect, expectError, json, startTestApp, type Client, type TestApp } from './helpers.js';
import { createFixture, createToken, type Fixture } from './fixture.js';
import { Client as HttpClient } from './helpers.js';

const LIMIT = 64 * 1024;
const URL_BULK = '/api/v1/ingest/bulk';

/** The platform's queue and quarantine, observed: every record appended and every line quarantined. */
interface Observed {
  records: IngestRecord[];
  quarantined: { record: IngestRecord; reason: string }[];
}

describe(`HTTP bulk ingest (${dialect})`, () => {
  let t: TestApp;
  let fx: Fixture;
  let ingestToken: Client;
  let prefToken: Client;
  const seen: Observed = { records: [], quarantined: [] };
  let appendDelayMs = 0;
  let forcedBacklog: number | null = null;

  let dir: string;
  let realIngest: SocIngestService;
  let observedIngest: SocIngestService;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mamori-ingest-http-'));
    // 127.0.0.2 is 沼津市 (A1)'s firewall; 127.0.0.1 is bound to nobody (the prefecture's own).
    writeFileSync(join(dir, 'sources.yaml'), '- source: 127.0.0.2\n  organization: "222038"\n');
    t = await startTestApp({
      config: {
        soc: {
          prefectureCode: '22',
          syslog: { udpPort: 0, sourcesFile: join(dir, 'sources.yaml') },
          ingest: { bulkMaxBytes: LIMIT },
        },
      },
    });
    const real = t.platform.soc.queue;
    realIngest = t.platform.soc.ingest;
    // Observe the hand-off: the platform's own queue, wrapped to record (and optionally delay) each append.
    const queue: EventQueue = {
      async append(records) {
        if (appendDelayMs) await new Promise((r) => setTimeout(r, appendDelayMs));
        await real.append(records);
        seen.records.push(...records);
      },
      backlog: () => forcedBacklog ?? real.backlog(),
      close: async () => undefined,
    };
    observedIngest = new SocIngestService({
      policy: t.platform.policy,
      orgs: t.platform.orgs,
      queue: () => queue,
      quarantine: () => async (items) => {
        seen.quarantined.push(...items);
      },
      maxLineBytes: 4096,
      config: t.platform.config,
      defaultPrefectureId: () => t.platform.soc.defaultPrefectureId,
    });
    t.platform.soc.ingest = observedIngest;
    fx = await createFixture(t);
    const tok = await createToken(fx.users.a1Admin, fx.org.a1, ['soc:ingest'], 'a1 ingest');
    ingestToken = new HttpClient(t.app);
    ingestToken.bearer = tok.token;
    const ptok = await createToken(fx.users.prefAAdmin, fx.org.prefA, ['soc:ingest'], 'pref ingest');
    prefToken = new HttpClient(t.app);
    prefToken.bearer = ptok.token;
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (c: Client, payload: string | Buffer, headers: Record<string, string>, query = '') =>
    c.request({ method: 'POST', url: `${URL_BULK}${query}`, payload, headers });
  const ndjson = { 'content-type': 'application/x-ndjson' };

  test('401 without a credential, 403 for a token without soc:ingest', async () => {
    const body = '{"line":"x"}\n';
    expectError(await post(fx.anonymous, body, ndjson), 401);
    expectError(await post(fx.tokens.a1All, body, ndjson), 403, 'MAMORI_FORBIDDEN');
    expectError(await post(fx.tokens.a1OrgRead, body, ndjson), 403, 'MAMORI_FORBIDDEN');
  });

  test('NDJSON: good lines accepted, malformed ones quarantined with their reason (202 with counts)', async () => {
    const before = seen.records.length;
    const qBefore = seen.quarantined.length;
    const lines = [
      JSON.stringify({ line: '<13>1 2026-11-25T00:00:00Z fw app - - - first' }),
      JSON.stringify({ line: 'date=2026-11-25 time=00:00:00 type="traffic"', format: 'fortigate' }),
      'this is not json',
      JSON.stringify({ line: 'x', format: 'no-such-format' }),
      JSON.stringify({ text: 'no line field' }),
      '',
      JSON.stringify({ line: 'y'.repeat(5000) }),
    ];
    const res = await post(ingestToken, lines.join('\n') + '\n', ndjson);
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(json(res), { accepted: 2, quarantined: 4 });
    const got = seen.records.slice(before);
    assert.deepEqual(
      got.map((r) => [r.line, r.format, r.transport, r.organizationId]),
      [
        ['<13>1 2026-11-25T00:00:00Z fw app - - - first', undefined, 'http', fx.org.a1],
        ['date=2026-11-25 time=00:00:00 type="traffic"', 'fortigate', 'http', fx.org.a1],
      ],
    );
    const reasons = seen.quarantined.slice(qBefore).map((q) => q.reason);
    assert.deepEqual(reasons.length, 4);
    assert.match(reasons[0]!, /line 3: not valid JSON/);
    assert.match(reasons[1]!, /line 4: unknown format "no-such-format"/);
    assert.match(reasons[2]!, /line 5: expected an object with a string "line"/);
    assert.match(reasons[3]!, /too large: 5000 bytes \(limit 4096\)/);
    assert.equal(seen.quarantined[qBefore]!.record.line, 'this is not json');
  });

  test('text/plain with ?format and ?tz; a prefecture token leaves attribution to the pipeline', async () => {
    const before = seen.records.length;
    const text =
      '1732572855.123 45 10.0.0.1 TCP_MISS/200 1024 GET http://example.jp/ - DIRECT/1.2.3.4 text/html\r\nsecond\n';
    const res = await post(
      prefToken,
      text,
      { 'content-type': 'text/plain; charset=utf-8' },
      '?format=squid&tz=%2B09:00',
    );
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(json(res), { accepted: 2, quarantined: 0 });
    const got = seen.records.slice(before);
    assert.equal(got.length, 2);
    assert.ok(got.every((r) => r.format === 'squid' && r.tzOffsetMinutes === 540));
    assert.ok(
      got.every((r) => r.organizationId === undefined),
      'prefecture lines are attributed per event',
    );
    assert.equal(got[0]!.line.endsWith('text/html'), true);
  });

  test('application/json {records} and gzip bodies', async () => {
    const before = seen.records.length;
    const res = await ingestToken.post(URL_BULK, {
      records: [{ line: 'a' }, { line: 'b', format: 'cef' }, { nope: 1 }],
    });
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(json(res), { accepted: 2, quarantined: 1 });
    const many = Array.from({ length: 500 }, (_, i) => JSON.stringify({ line: `<13>gz line ${i}` })).join(
      '\n',
    );
    const gz = gzipSync(Buffer.from(many));
    const res2 = await post(ingestToken, gz, { ...ndjson, 'content-encoding': 'gzip' });
    assert.equal(res2.statusCode, 202, res2.body);
    assert.deepEqual(json(res2), { accepted: 500, quarantined: 0 });
    const got = seen.records.slice(before);
    assert.equal(got.length, 502);
    assert.equal(got.at(-1)!.line, '<13>gz line 499');
  });

  test('413 with the reason: body too large as sent, and a gzip body too large once decompressed', async () => {
    const big = Buffer.alloc(LIMIT + 10, 'a');
    const r1 = await post(ingestToken, big, { 'content-type': 'text/plain' });
    expectError(r1, 413, 'MAMORI_PAYLOAD_TOO_LARGE');
    assert.match(JSON.stringify(json(r1)), /larger than 65536 bytes/);
    const bomb = gzipSync(Buffer.alloc(LIMIT * 20, 'a'));
    assert.ok(bomb.length < LIMIT);
    const r2 = await post(ingestToken, bomb, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    expectError(r2, 413, 'MAMORI_PAYLOAD_TOO_LARGE');
    assert.match(JSON.stringify(json(r2)), /decompressed body is larger than 65536/);
  });

  test('400 with a reason for an unusable body; 415 for another media type; never 500', async () => {
    const cases: [string | Buffer, Record<string, string>, string, RegExp][] = [
      ['not gzip at all', { ...ndjson, 'content-encoding': 'gzip' }, '', /not valid gzip/],
      ['{"records": [', { 'content-type': 'application/json' }, '', /not valid JSON/],
      ['{"lines": []}', { 'content-type': 'application/json' }, '', /expected \{"records"/],
      [Buffer.from([0x41, 0xff, 0xfe, 0x0a]), { 'content-type': 'text/plain' }, '', /not UTF-8/],
      ['x\n', { 'content-type': 'text/plain' }, '?format=nope', /unknown format "nope"/],
    ];
    for (const [payload, headers, q, reason] of cases) {
      const res = await post(ingestToken, payload, headers, q);
      expectError(res, 400);
      assert.match(json<{ error: { message: string } }>(res).error.message, reason);
    }
    expectError(await post(ingestToken, '', ndjson), 400);
    expectError(await post(ingestToken, '<a/>', { 'content-type': 'application/xml' }), 415);
    expectError(await post(ingestToken, 'x', { ...ndjson, 'content-encoding': 'br' }), 415);
    expectError(await post(ingestToken, 'x\n', ndjson, '?tz=Tokyo'), 400);
  });

  test('202 is sent only after the queue made the lines durable', async () => {
    appendDelayMs = 300;
    try {
      const before = seen.records.length;
      const t0 = Date.now();
      const res = await post(ingestToken, '{"line":"durable"}\n', ndjson);
      assert.equal(res.statusCode, 202);
      assert.ok(Date.now() - t0 >= 290, 'answered before append resolved');
      assert.equal(seen.records.length, before + 1, 'the record was appended before the answer');
    } finally {
      appendDelayMs = 0;
    }
  });

  test('a municipal token cannot bind lines to another municipality; a prefecture token can bind its own', async () => {
    const r = await post(ingestToken, '{"line":"x"}\n', ndjson, `?organizationId=${fx.org.a2}`);
    assert.ok([403, 404].includes(r.statusCode), r.body);
    const before = seen.records.length;
    const ok = await post(prefToken, '{"line":"x"}\n', ndjson, `?organizationId=${fx.org.a2}`);
    assert.equal(ok.statusCode, 202, ok.body);
    assert.equal(seen.records[before]!.organizationId, fx.org.a2);
    expectError(await post(prefToken, '{"line":"x"}\n', ndjson, `?organizationId=${fx.org.b1}`), 403);
  });

  test('a queue far behind answers 429 with Retry-After (backpressure), nothing appended', async () => {
    forcedBacklog = 300_000;
    try {
      const before = seen.records.length;
      const res = await post(ingestToken, '{"line":"later"}\n', ndjson);
      expectError(res, 429, 'MAMORI_RATE_LIMITED');
      assert.ok(Number(res.headers['retry-after']) >= 1, JSON.stringify(res.headers));
      assert.equal(seen.records.length, before);
    } finally {
      forcedBacklog = null;
    }
    assert.equal((await post(ingestToken, '{"line":"now"}\n', ndjson)).statusCode, 202);
  });

  test('through the platform as wired: lines become events, a malformed one lands in the quarantine', async () => {
    t.platform.soc.ingest = realIngest;
    try {
      const fw =
        'date=2026-11-25 time=10:16:00 devname="FGT-Pref-01" devid="FG100F0000000001" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=192.0.2.77 srcport=40000 dstip=10.1.2.10 dstport=3389 proto=6 action="deny" policyid=0 service="RDP"';
      const k = t.platform.db.kysely;
      const count = async (table: 'soc_events' | 'soc_quarantine') =>
        Number(
          (
            await k
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('organization_id', '=', fx.org.a1)
              .executeTakeFirstOrThrow()
          ).n,
        );
      // Lines of the earlier tests first reach the database (the pipeline runs concurrently).
      while (t.platform.soc.queue.backlog() > 0) await new Promise((r) => setTimeout(r, 20));
      const events0 = await count('soc_events');
      const q0 = await count('soc_quarantine');
      const body = [
        JSON.stringify({ line: fw, format: 'fortigate' }),
        JSON.stringify({ line: fw.replace('srcport=40000', 'srcport=40001'), format: 'fortigate' }),
        '{"broken": ',
        JSON.stringify({ line: 'not a fortigate line at all', format: 'fortigate' }),
      ].join('\n');
      const res = await post(ingestToken, body, ndjson);
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual(json(res), { accepted: 3, quarantined: 1 });
      const audited = (await t.platform.audit.list(t.system, { action: 'soc.ingest.bulk', limit: 5 })).items;
      assert.deepEqual(audited[0]?.details, {
        accepted: 3,
        quarantined: 1,
        mediaType: 'ndjson',
        bytes: Buffer.byteLength(body),
        format: 'auto',
      });
      assert.equal(audited[0]?.organizationId, fx.org.a1);
      expectError(await post(ingestToken, '{"line":"x"}\n', ndjson, `?organizationId=${fx.org.b1}`), 403);
      const denied = (
        await t.platform.audit.list(t.system, { action: 'soc.ingest', result: 'denied', limit: 5 })
      ).items;
      assert.equal(denied[0]?.organizationId, fx.org.b1);
      // The pipeline (running in this platform) commits the queued lines.
      const deadline = Date.now() + 30_000;
      while ((await count('soc_events')) < events0 + 2 || (await count('soc_quarantine')) < q0 + 2) {
        assert.ok(Date.now() < deadline, 'the pipeline did not process the lines');
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(await count('soc_events'), events0 + 2);
      const reasons = (
        await k
          .selectFrom('soc_quarantine')
          .select(['reason', 'transport'])
          .where('organization_id', '=', fx.org.a1)
          .execute()
      ).map((r) => `${r.transport}: ${r.reason}`);
      assert.ok(
        reasons.some((r) => /^http: line 3: not valid JSON/.test(r)),
        reasons.join('\n'),
      );
      assert.equal(reasons.length, q0 + 2);
    } finally {
      t.platform.soc.ingest = observedIngest;
    }
  });

  test("GET /api/v1/ingest/sources: per-sender syslog counters, only within the caller's reach", async () => {
    const none = json<{ listening: unknown; items: unknown[] }>(
      await fx.users.prefAOp.client.get('/api/v1/ingest/sources'),
    );
    assert.deepEqual(none, { listening: null, items: [] });
    const l = (await observedIngest.startSyslog())!;
    try {
      const send = async (from: string, n: number) => {
        const u = createSocket('udp4');
        await new Promise<void>((r) => u.bind({ address: from, port: 0 }, () => r()));
        for (let i = 0; i < n; i++)
          await new Promise<void>((r) =>
            u.send(`<13>Nov 25 12:00:00 host app: ${from} ${i}`, l.udp!.port, '127.0.0.1', () => r()),
          );
        u.close();
      };
      await send('127.0.0.1', 3);
      await send('127.0.0.2', 2);
      const deadline = Date.now() + 10_000;
      while (l.stats().accepted < 5) {
        assert.ok(Date.now() < deadline, JSON.stringify(l.stats()));
        await new Promise((r) => setTimeout(r, 20));
      }
      type View = {
        listening: { udp: number };
        items: {
          source: string;
          organizationId: string | null;
          received: number;
          accepted: number;
          droppedByRate: number;
        }[];
      };
      const view = async (c: Client) => {
        const res = await c.get('/api/v1/ingest/sources');
        assert.equal(res.statusCode, 200, res.body);
        return json<View>(res);
      };
      const pref = await view(fx.users.prefAOp.client);
      assert.equal(pref.listening.udp, l.udp!.port);
      assert.deepEqual(
        pref.items.map((i) => [i.source, i.organizationId, i.received, i.accepted, i.droppedByRate]).sort(),
        [
          ['127.0.0.1', null, 3, 3, 0],
          ['127.0.0.2', fx.org.a1, 2, 2, 0],
        ],
      );
      assert.deepEqual(
        (await view(fx.users.a1Staff.client)).items.map((i) => i.source),
        ['127.0.0.2'],
      );
      assert.deepEqual((await view(fx.users.a2Admin.client)).items, []);
      assert.deepEqual((await view(fx.users.prefBAdmin.client)).items, []);
      expectError(await fx.tokens.a1OrgRead.get('/api/v1/ingest/sources'), 403);
      expectError(await fx.anonymous.get('/api/v1/ingest/sources'), 401);
    } finally {
      await l.close();
    }
    assert.equal(
      json<{ listening: unknown }>(await fx.users.prefAOp.client.get('/api/v1/ingest/sources')).listening,
      null,
    );
  });
});
