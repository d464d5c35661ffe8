// SOC event search, quarantine and monthly report routes: malformed requests are 4xx with a reason, never 500;
// the report's files are attachments with a stable name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { orgIdForCode } from '@mamori/platform';
import {
  dialect,
  expectError,
  json,
  signInNew,
  startTestApp,
  type Principal,
  type TestApp,
} from './helpers.js';

const PREF = orgIdForCode('220001');
const NUMAZU = orgIdForCode('222038');

let t: TestApp;
let op: Principal;

before(async () => {
  t = await startTestApp({ config: { soc: { prefectureCode: '220001' } } });
  op = await signInNew(t, 'soc-routes-op', 'prefecture_operator', PREF);
});
after(async () => {
  await t?.close();
});

describe(`SOC event, quarantine and report routes (${dialect})`, () => {
  const bad: [string, number][] = [
    ['/api/v1/soc/events?from=yesterday', 400],
    ['/api/v1/soc/events?to=2026-13-40T00:00:00Z', 400],
    ['/api/v1/soc/events?limit=0', 400],
    ['/api/v1/soc/events?limit=100000', 400],
    ['/api/v1/soc/events?cursor=%21%21%21', 400],
    ['/api/v1/soc/events?cursor=bm90LWEtY3Vyc29y', 400],
    ['/api/v1/soc/events?severity=urgent', 400],
    ['/api/v1/soc/events?unattributed=maybe', 400],
    ['/api/v1/soc/events?sourceKind=waf%27%20or%201%3D1', 400],
    [`/api/v1/soc/events?q=${'x'.repeat(500)}`, 400],
    ['/api/v1/soc/events?organizationId=..%2F..', 400],
    ['/api/v1/soc/events?nope=1', 400],
    ['/api/v1/soc/events/not%20an%20id', 400],
    ['/api/v1/soc/events/e-does-not-exist', 404],
    ['/api/v1/soc/quarantine?from=never', 400],
    ['/api/v1/soc/quarantine?cursor=bm90LWEtY3Vyc29y', 400],
    ['/api/v1/soc/reports/monthly', 400],
    [`/api/v1/soc/reports/monthly?organizationId=${PREF}&month=2026-1`, 400],
    [`/api/v1/soc/reports/monthly?organizationId=${PREF}&month=1999-12`, 400],
    [`/api/v1/soc/reports/monthly?organizationId=${PREF}&lang=fr`, 400],
    ['/api/v1/soc/reports/monthly?organizationId=lg999999', 403],
    [`/api/v1/soc/reports/monthly/pdf?organizationId=${PREF}&month=2026-00`, 400],
    [`/api/v1/soc/reports/monthly/xlsx?organizationId=${PREF}&month=x`, 400],
  ];
  for (const [url, status] of bad) {
    test(`${url.slice(0, 90)} → ${status}`, async () => {
      const res = await op.client.request({ method: 'GET', url });
      assert.ok(res.statusCode < 500, `${res.statusCode}: ${res.body}`);
      expectError(res, status);
    });
  }

  test('the report defaults to last month (Japan time) and names its files after the organization and month', async () => {
    const res = await op.client.request({
      method: 'GET',
      url: `/api/v1/soc/reports/monthly?organizationId=${NUMAZU}`,
    });
    assert.equal(res.statusCode, 200, res.body);
    const jst = new Date(Date.now() + 9 * 3600_000);
    const last = new Date(Date.UTC(jst.getUTCFullYear(), jst.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
    assert.equal(json<{ month: string }>(res).month, last);
    const pdf = await op.client.request({
      method: 'GET',
      url: `/api/v1/soc/reports/monthly/pdf?organizationId=${NUMAZU}&month=2026-11&lang=en`,
    });
    assert.equal(pdf.statusCode, 200);
    assert.equal(
      pdf.headers['content-disposition'],
      'attachment; filename="mamori-soc-report-222038-2026-11.pdf"',
    );
    assert.equal(pdf.headers['cache-control'], 'no-store');
  });
});
