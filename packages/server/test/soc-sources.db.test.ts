// Registered syslog sources over HTTP on a real platform and database: malformed input is a 4xx with the
// reason (schema and platform checks), never a 500; conflicts are 409 with the reason; the configuration file's
// entries are listed read-only. (Who may do what: isolation/tables/soc-sources.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialect, expectError, json, startTestApp, type TestApp } from './helpers.js';
import { createFixture, type Fixture } from './fixture.js';

const URL_SOURCES = '/api/v1/soc/syslog-sources';

describe(`registered syslog sources over HTTP (${dialect})`, () => {
  let t: TestApp;
  let fx: Fixture;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mamori-http-sources-'));
    writeFileSync(join(dir, 'sources.yaml'), '- source: 192.0.2.10\n  format: squid\n');
    t = await startTestApp({
      config: { soc: { prefectureCode: '22', syslog: { sourcesFile: join(dir, 'sources.yaml') } } },
    });
    fx = await createFixture(t);
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reasonOf = (body: string) => (JSON.parse(body) as { error: { message: string } }).error.message;

  test('malformed input: 400 with the reason, nothing stored', async () => {
    const op = fx.users.prefAOp.client;
    const base = { kind: 'address', value: '10.22.0.0/16', organizationId: fx.org.a1 };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...base, value: '10.22.0.0/33' }, /not an IPv4\/IPv6 address or CIDR range/],
      [{ ...base, value: '999.1.1.1' }, /not an IPv4\/IPv6 address or CIDR range/],
      [{ ...base, kind: 'cert', value: 'fw 01' }, /not a certificate name/],
      [{ ...base, format: 'fortigate-9000' }, /not a known parser id/],
      [{ ...base, kind: 'hostname' }, /kind/],
      [{ ...base, value: '' }, /value/],
      [{ ...base, extra: 1 }, /extra|additional/i],
      [{ kind: 'address', value: '10.22.0.0/16' }, /organizationId/],
    ];
    for (const [payload, reason] of cases) {
      const res = await op.post(URL_SOURCES, payload);
      expectError(res, 400);
      assert.match(reasonOf(res.body), reason, JSON.stringify(payload));
    }
    expectError(await op.patch(`${URL_SOURCES}/src_nothing`, {}), 400);
    const n = await t.platform.db.kysely.selectFrom('soc_syslog_sources').select('id').execute();
    assert.equal(n.length, 0);
  });

  test('register, list, change, conflict and remove', async () => {
    const op = fx.users.prefAOp.client;
    const res = await op.post(URL_SOURCES, {
      kind: 'address',
      value: '10.22.9.9/16',
      format: 'fortigate',
      organizationId: fx.org.a1,
      note: '沼津市 FortiGate',
    });
    assert.equal(res.statusCode, 201, res.body);
    const created = json<{ id: string; value: string; origin: string }>(res);
    assert.deepEqual([created.value, created.origin], ['10.22.0.0/16', 'registered']);
    const dup = await op.post(URL_SOURCES, {
      kind: 'address',
      value: '10.22.0.0/16',
      organizationId: fx.org.a2,
    });
    expectError(dup, 409, 'MAMORI_CONFLICT');
    assert.match(reasonOf(dup.body), /already registered/);
    const cfg = await op.post(URL_SOURCES, {
      kind: 'address',
      value: '192.0.2.10',
      organizationId: fx.org.a1,
    });
    expectError(cfg, 409, 'MAMORI_CONFLICT');
    assert.match(reasonOf(cfg.body), /configuration file/);
    // out of reach for the operator (403), unknown for the state (404)
    expectError(
      await op.post(URL_SOURCES, { kind: 'address', value: '10.1.0.0/16', organizationId: 'lg999999' }),
      403,
    );
    expectError(
      await fx.users.stateAdmin.client.post(URL_SOURCES, {
        kind: 'address',
        value: '10.1.0.0/16',
        organizationId: 'lg999999',
      }),
      404,
    );

    const list = json<{ items: { id: string; origin: string; value: string }[] }>(await op.get(URL_SOURCES));
    assert.deepEqual(
      list.items.map((i) => [i.id, i.origin, i.value]),
      [
        ['cfg-1', 'configuration', '192.0.2.10/32'],
        [created.id, 'registered', '10.22.0.0/16'],
      ],
    );
    expectError(await op.patch(`${URL_SOURCES}/cfg-1`, { note: 'x' }), 409, 'MAMORI_CONFLICT');
    const patched = await op.patch(`${URL_SOURCES}/${created.id}`, { value: '10.22.0.0/17', format: null });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(
      [json<{ value: string }>(patched).value, json<{ format: unknown }>(patched).format],
      ['10.22.0.0/17', null],
    );
    expectError(await op.patch(`${URL_SOURCES}/${created.id}`, { value: 'nope' }), 400, 'MAMORI_VALIDATION');
    const del = await op.delete(`${URL_SOURCES}/${created.id}`);
    assert.equal(del.statusCode, 204, del.body);
    expectError(await op.delete(`${URL_SOURCES}/${created.id}`), 404);
  });
});
