// The 地方版ASM HTTP API end to end on a real platform (SQLite or PostgreSQL): a real scan of a lab web server on
// loopback seeds assets and findings; then inventory and findings with filters, sort and paging, finding
// detail, every status change, scans, scope roots with DNS TXT verification against a loopback DNS responder,
// schedules, dashboards and the per-organization report as PDF (read back with pdftotext) and Excel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { AsmDashboard, AsmFinding, AsmFindingDetail, AsmScanRun, AsmScopeRoot } from '@mamori/platform';
import { STATE_ORG_ID } from '@mamori/platform';
import {
  dialect,
  json,
  orgIdByCode,
  signInNew,
  startTestApp,
  type Principal,
  type TestApp,
} from './helpers.js';
import { CODES } from './fixture.js';
import { seedTenant, startTxtDns, stopLabWebs, type TenantSeed } from './asm-seed.js';

/** A word of the text, for a substring search. */
const word = (s: string) => /[A-Za-z0-9_]{4,}/.exec(s)?.[0] ?? s.slice(0, 8);

function pdfText(pdf: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-asm-api-'));
  try {
    writeFileSync(join(dir, 'r.pdf'), pdf);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe(`ASM API (${dialect})`, () => {
  let t: TestApp;
  let dns: { port: number; socket: Socket };
  const txt = new Map<string, string[]>();
  let a1: TenantSeed;
  let admin: Principal;
  let staff: Principal;
  let prefOp: Principal;
  let prefAdmin: Principal;

  before(async () => {
    dns = await startTxtDns(txt);
    t = await startTestApp({ config: { asm: { udp: false, resolver: `127.0.0.1:${dns.port}` } } as never });
    const org = await orgIdByCode(t, CODES.a1);
    a1 = await seedTenant(t, org, '127.0.0.1');
    admin = await signInNew(t, 'asm-a1', 'municipality_admin', org);
    staff = await signInNew(t, 'asm-a1s', 'municipality_staff', org);
    prefOp = await signInNew(t, 'asm-pref', 'prefecture_operator', await orgIdByCode(t, CODES.prefA));
    prefAdmin = await signInNew(t, 'asm-prefadm', 'prefecture_admin', await orgIdByCode(t, CODES.prefA));
  });
  after(async () => {
    await t?.close();
    await stopLabWebs();
    dns?.socket.close();
  });

  test('assets inventory: the lab host with its HTTP service; filters and paging', async () => {
    const res = await staff.client.get(`/api/v1/asm/assets?organizationId=${a1.organizationId}`);
    assert.equal(res.statusCode, 200, res.body);
    const items = json<{ items: { host: string; services: { port: number; service: string }[] }[] }>(
      res,
    ).items;
    const svc = items.flatMap((a) => a.services).find((s) => s.port === a1.port);
    assert.equal(svc?.service, 'http');
    const byPort = json<{ items: unknown[] }>(
      await staff.client.get(`/api/v1/asm/assets?port=${a1.port}`),
    ).items;
    assert.ok(byPort.length >= 1);
    assert.equal(
      json<{ items: unknown[] }>(await staff.client.get('/api/v1/asm/assets?port=1')).items.length,
      0,
    );
    assert.equal(
      json<{ items: unknown[] }>(await staff.client.get('/api/v1/asm/assets?q=no-such-host')).items.length,
      0,
    );
    const bad = await staff.client.get('/api/v1/asm/assets?port=70000');
    assert.equal(bad.statusCode, 400);
    assert.equal(json<{ error: { code: string } }>(bad).error.code, 'MAMORI_VALIDATION');
  });

  test('findings: filters by severity, status, KEV, check and text; sort; paging with a cursor', async () => {
    const all = json<{ items: AsmFinding[] }>(await staff.client.get('/api/v1/asm/findings?limit=200')).items;
    assert.ok(
      all.some((f) => f.check === 'exposed-env'),
      all.map((f) => f.check).join(','),
    );
    assert.ok(all.some((f) => f.check === 'exposed-git'));
    const env = all.find((f) => f.check === 'exposed-env')!;
    const bySev = json<{ items: AsmFinding[] }>(
      await staff.client.get(`/api/v1/asm/findings?severity=${env.severity}`),
    ).items;
    assert.ok(bySev.length >= 1 && bySev.every((f) => f.severity === env.severity));
    const two = json<{ items: AsmFinding[] }>(
      await staff.client.get('/api/v1/asm/findings?severity=critical&severity=high&severity=medium'),
    );
    assert.ok(two.items.every((f) => ['critical', 'high', 'medium'].includes(f.severity)));
    const byCheck = json<{ items: AsmFinding[] }>(
      await staff.client.get('/api/v1/asm/findings?check=exposed-git'),
    ).items;
    assert.deepEqual([...new Set(byCheck.map((f) => f.check))], ['exposed-git']);
    const kev = json<{ items: AsmFinding[] }>(await staff.client.get('/api/v1/asm/findings?kev=true')).items;
    assert.deepEqual(kev, []);
    assert.equal(
      json<{ items: AsmFinding[] }>(await staff.client.get('/api/v1/asm/findings?kev=false')).items.length,
      all.length,
    );
    const text = json<{ items: AsmFinding[] }>(
      await staff.client.get(`/api/v1/asm/findings?q=${encodeURIComponent(word(env.evidence))}`),
    ).items;
    assert.ok(
      text.some((f) => f.id === env.id),
      'evidence text search',
    );
    const sorted = json<{ items: AsmFinding[] }>(
      await staff.client.get('/api/v1/asm/findings?sort=severity&limit=200'),
    ).items;
    const rank = ['informational', 'low', 'medium', 'high', 'critical'];
    for (let i = 1; i < sorted.length; i++)
      assert.ok(
        rank.indexOf(sorted[i - 1]!.severity) <= rank.indexOf(sorted[i]!.severity),
        'ascending severity',
      );
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { items: AsmFinding[]; nextCursor: string | null } = json(
        await staff.client.get(`/api/v1/asm/findings?limit=1${cursor ? `&cursor=${cursor}` : ''}`),
      );
      assert.ok(page.items.length <= 1);
      for (const f of page.items) {
        assert.ok(!seen.has(f.id), 'no repeats across pages');
        seen.add(f.id);
      }
      cursor = page.nextCursor;
    } while (cursor);
    assert.equal(seen.size, all.length);
    for (const bad of [
      'severity=urgent',
      'status=closed',
      'kev=maybe',
      'sort=title',
      'limit=0',
      'cursor=%00',
    ])
      assert.equal((await staff.client.get(`/api/v1/asm/findings?${bad}`)).statusCode, 400, bad);
  });

  test('finding detail with evidence and remediation; every status change; fixed only by a rescan', async () => {
    const git = a1.findings.find((f) => f.check === 'exposed-git')!;
    const detail = json<AsmFindingDetail>(await staff.client.get(`/api/v1/asm/findings/${git.id}`));
    assert.match(detail.evidence, /refs\/heads\/main/);
    assert.ok(detail.remediation?.ja && detail.remediation.en);
    assert.ok(detail.history.some((h) => h.kind === 'new'));
    assert.equal((await staff.client.get('/api/v1/asm/findings/nope_404')).statusCode, 404);

    const url = `/api/v1/asm/findings/${git.id}/status`;
    const expiry = new Date(Date.now() + 90 * 86400_000).toISOString();
    assert.equal(
      (await staff.client.post(url, { status: 'acknowledged' })).statusCode,
      403,
      'staff may read, not triage',
    );
    for (const body of [
      { status: 'fixed' },
      { status: 'accepted_risk', reason: 'x' },
      { status: 'accepted_risk', expiry },
      { status: 'false_positive' },
      { status: 'false_positive', reason: '' },
      { status: 'acknowledged', extra: 1 },
      { status: 'accepted_risk', reason: 'x', expiry: 'next year' },
    ]) {
      const res = await admin.client.post(url, body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)} → ${res.body}`);
    }
    let f = json<AsmFinding>(await admin.client.post(url, { status: 'acknowledged' }));
    assert.equal(f.status, 'acknowledged');
    f = json<AsmFinding>(
      await admin.client.post(url, { status: 'accepted_risk', reason: '移行まで保守業者が利用', expiry }),
    );
    assert.equal(f.status, 'accepted_risk');
    assert.equal(f.statusReason, '移行まで保守業者が利用');
    assert.equal(f.statusExpiry?.slice(0, 10), expiry.slice(0, 10));
    f = json<AsmFinding>(await admin.client.post(url, { status: 'open' }));
    assert.equal(f.status, 'open');
    f = json<AsmFinding>(
      await admin.client.post(url, { status: 'false_positive', reason: 'テスト用の公開物' }),
    );
    assert.equal(f.status, 'false_positive');
    f = json<AsmFinding>(await admin.client.post(url, { status: 'open' }));
    assert.equal(f.status, 'open');
    const history = json<AsmFindingDetail>(await staff.client.get(`/api/v1/asm/findings/${git.id}`)).history;
    assert.ok(history.filter((h) => h.kind === 'status').length >= 5, JSON.stringify(history));
    const audit = (await t.platform.audit.list(t.system, { limit: 200 })).items.filter(
      (a) => a.target === git.id,
    );
    assert.ok(audit.length >= 5, 'every status change is audited');
  });

  test('scans: list, detail with the diff, a requested scan runs to done', async () => {
    const list = json<{ items: AsmScanRun[] }>(await staff.client.get('/api/v1/asm/scans')).items;
    assert.ok(list.some((s) => s.id === a1.scan.id));
    const detail = json<{ diff: { change: string; check: string }[]; counts: { findings: number } }>(
      await staff.client.get(`/api/v1/asm/scans/${a1.scan.id}`),
    );
    assert.ok(detail.diff.some((d) => d.check === 'exposed-env' && d.change === 'new'));
    assert.equal(
      (await staff.client.post('/api/v1/asm/scans', { organizationId: a1.organizationId })).statusCode,
      403,
    );
    const res = await admin.client.post('/api/v1/asm/scans', {
      organizationId: a1.organizationId,
      ports: String(a1.port),
    });
    assert.equal(res.statusCode, 202, res.body);
    const queued = json<AsmScanRun>(res);
    await t.platform.asm.runtime.idle();
    const done = json<AsmScanRun>(await staff.client.get(`/api/v1/asm/scans/${queued.id}`));
    assert.equal(done.status, 'done', done.error ?? '');
    const filtered = json<{ items: AsmScanRun[] }>(
      await staff.client.get('/api/v1/asm/scans?status=done'),
    ).items;
    assert.ok(filtered.every((s) => s.status === 'done') && filtered.length >= 2);
    assert.equal(
      (await admin.client.post('/api/v1/asm/scans', { organizationId: a1.organizationId, ports: '1-2-3' }))
        .statusCode,
      400,
    );
  });

  test('scope roots: add (token to publish), verify by DNS TXT on loopback, failed verification, attestation, delete; settings', async () => {
    const add = await admin.client.post('/api/v1/asm/scope/roots', {
      organizationId: a1.organizationId,
      kind: 'domain',
      value: 'numazu-lab.test',
    });
    assert.equal(add.statusCode, 201, add.body);
    const root = json<AsmScopeRoot>(add);
    assert.equal(root.verificationState, 'pending');
    assert.equal(root.challengeName, '_mamori-challenge.numazu-lab.test');
    assert.ok(root.verificationToken);
    let v = json<AsmScopeRoot>(await admin.client.post(`/api/v1/asm/scope/roots/${root.id}/verify`));
    assert.equal(v.verificationState, 'failed');
    assert.ok(v.lastError);
    txt.set('_mamori-challenge.numazu-lab.test', [`mamori-verification=${root.verificationToken}`]);
    v = json<AsmScopeRoot>(await admin.client.post(`/api/v1/asm/scope/roots/${root.id}/verify`));
    assert.equal(v.verificationState, 'verified', v.lastError ?? '');
    const scope = json<{ roots: AsmScopeRoot[] }>(
      await staff.client.get(`/api/v1/asm/scope?organizationId=${a1.organizationId}`),
    );
    assert.ok(scope.roots.some((r) => r.id === root.id && r.verificationState === 'verified'));
    for (const body of [
      { organizationId: a1.organizationId, kind: 'domain' },
      { organizationId: a1.organizationId, kind: 'cidr', value: 'not a network' },
      { organizationId: a1.organizationId, kind: 'domain', value: 'x'.repeat(300) },
    ]) {
      const res = await admin.client.post('/api/v1/asm/scope/roots', body);
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${JSON.stringify(body)} → ${res.statusCode}`);
    }
    assert.equal((await staff.client.delete(`/api/v1/asm/scope/roots/${root.id}`)).statusCode, 403);
    assert.equal((await admin.client.delete(`/api/v1/asm/scope/roots/${root.id}`)).statusCode, 204);
    assert.equal((await admin.client.delete(`/api/v1/asm/scope/roots/${root.id}`)).statusCode, 404);
    // Attestation: a prefecture administrator's word, recorded with who gave it; not the municipality's own.
    const att = json<AsmScopeRoot>(
      await admin.client.post('/api/v1/asm/scope/roots', {
        organizationId: a1.organizationId,
        kind: 'cidr',
        value: '192.0.2.0/28',
      }),
    );
    assert.equal(att.verificationMethod, 'attestation');
    assert.equal(
      (await admin.client.post(`/api/v1/asm/scope/roots/${att.id}/attest`, { statement: 'x' })).statusCode,
      403,
    );
    assert.equal(
      (await prefAdmin.client.post(`/api/v1/asm/scope/roots/${att.id}/attest`, { statement: ' ' }))
        .statusCode,
      400,
    );
    const ok = json<AsmScopeRoot>(
      await prefAdmin.client.post(`/api/v1/asm/scope/roots/${att.id}/attest`, {
        statement: '県が契約書で確認',
      }),
    );
    assert.equal(ok.verificationState, 'verified');
    assert.equal(ok.attestedBy, prefAdmin.username);
    assert.equal((await admin.client.delete(`/api/v1/asm/scope/roots/${att.id}`)).statusCode, 204);
    const s = json<{ ports: string; ratePerSecond: number }>(
      await admin.client.patch(`/api/v1/asm/scope/settings/${a1.organizationId}`, {
        ratePerSecond: 20,
        ports: 'top100',
      }),
    );
    assert.equal(s.ratePerSecond, 20);
    assert.equal(s.ports, 'top100');
  });

  test('schedules: create, list, update, delete; a bad cron is a 400', async () => {
    const c = await admin.client.post('/api/v1/asm/schedules', {
      organizationId: a1.organizationId,
      cron: '15 2 * * 6',
      utcOffsetMinutes: 540,
    });
    assert.equal(c.statusCode, 201, c.body);
    const id = json<{ id: string; nextRunAt: string }>(c).id;
    const list = json<{ items: { id: string }[] }>(
      await staff.client.get(`/api/v1/asm/schedules?organizationId=${a1.organizationId}`),
    ).items;
    assert.ok(list.some((x) => x.id === id));
    const u = json<{ enabled: boolean; cron: string }>(
      await admin.client.patch(`/api/v1/asm/schedules/${id}`, { enabled: false, cron: '0 1 * * *' }),
    );
    assert.equal(u.enabled, false);
    assert.equal(u.cron, '0 1 * * *');
    for (const cron of ['61 * * * *', '* * *', 'daily'])
      assert.equal(
        (await admin.client.post('/api/v1/asm/schedules', { organizationId: a1.organizationId, cron }))
          .statusCode,
        400,
        cron,
      );
    assert.equal((await admin.client.delete(`/api/v1/asm/schedules/${id}`)).statusCode, 204);
  });

  test('dashboards: the prefecture operator sees prefecture 22 with A1 covered and its findings', async () => {
    const d = json<AsmDashboard>(await prefOp.client.get('/api/v1/asm/dashboard'));
    assert.equal(d.scope, 'prefecture');
    const m = d.municipalities.find((x) => x.organizationId === a1.organizationId);
    assert.ok(m);
    assert.equal(m.covered, 1);
    assert.ok(d.total.covered >= 1 && d.total.coverage > 0);
    const open = Object.values(d.total.openBySeverity).reduce((a, b) => a + b, 0);
    assert.ok(open >= 2);
    assert.equal((await prefOp.client.get('/api/v1/asm/dashboard?coverageDays=0')).statusCode, 400);
  });

  test('per-organization report: PDF in Japanese (and English) and Excel', async () => {
    const res = await staff.client.get(
      `/api/v1/asm/reports/organization.pdf?organizationId=${a1.organizationId}`,
    );
    assert.equal(res.statusCode, 200, res.body.slice(0, 200));
    assert.equal(res.headers['content-type'], 'application/pdf');
    const text = pdfText(res.rawPayload).replace(/\s+/g, '');
    for (const s of [
      '地方版ASM診断報告書',
      '沼津市（222038）',
      '静岡県',
      'リスクスコア',
      '検出事項と対処方法',
      '対処方法',
      '付録：公開資産一覧',
      `127.0.0.1:${a1.port}`,
      a1.findings.find((f) => f.check === 'exposed-git')!.title.replace(/\s+/g, ''),
    ])
      assert.ok(text.includes(s), `PDF lacks ${s}`);
    const en = await staff.client.get(
      `/api/v1/asm/reports/organization.pdf?organizationId=${a1.organizationId}&lang=en`,
    );
    assert.match(pdfText(en.rawPayload), /Attack surface diagnosis report/);
    const x = await staff.client.get(
      `/api/v1/asm/reports/organization.xlsx?organizationId=${a1.organizationId}`,
    );
    assert.equal(x.statusCode, 200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('検出事項')!;
    const hosts = sheet.getColumn(5).values.slice(3);
    assert.ok(hosts.includes('127.0.0.1'), JSON.stringify(hosts));
    const ports = sheet.getColumn(6).values.slice(3);
    assert.ok(ports.includes(a1.port), 'ports stored as numbers');
    assert.equal((await staff.client.get('/api/v1/asm/reports/organization.pdf')).statusCode, 400);
  });
  test('global stop switch: only the state pulls it; scans are refused while it is on; exclusions and refusals', async () => {
    const state = await signInNew(t, 'asm-state', 'state_admin', STATE_ORG_ID);
    assert.equal(json<{ stopped: boolean }>(await staff.client.get('/api/v1/asm/stop')).stopped, false);
    const noReason = await state.client.put('/api/v1/asm/stop', { stopped: true });
    assert.equal(noReason.statusCode, 400, noReason.body);
    assert.equal(
      (await prefAdmin.client.put('/api/v1/asm/stop', { stopped: true, reason: 'x' })).statusCode,
      403,
    );
    const on = await state.client.put('/api/v1/asm/stop', { stopped: true, reason: '緊急停止の訓練' });
    assert.equal(on.statusCode, 200, on.body);
    const st = json<{ stopped: boolean; reason: string; by: string }>(
      await staff.client.get('/api/v1/asm/stop'),
    );
    assert.deepEqual([st.stopped, st.reason], [true, '緊急停止の訓練']);
    const refused = await admin.client.post('/api/v1/asm/scans', { organizationId: a1.organizationId });
    assert.ok(refused.statusCode >= 400 && refused.statusCode < 500, `${refused.statusCode} ${refused.body}`);
    assert.equal((await state.client.put('/api/v1/asm/stop', { stopped: false })).statusCode, 200);
    assert.equal(json<{ stopped: boolean }>(await staff.client.get('/api/v1/asm/stop')).stopped, false);
    const actions = (await t.platform.audit.list(t.system, { limit: 200 })).items.map((a) => a.action);
    assert.ok(actions.includes('asm.stop') && actions.includes('asm.resume'), actions.join(','));

    const x = await admin.client.post('/api/v1/asm/scope/exclusions', {
      organizationId: a1.organizationId,
      value: 'legacy.example.jp',
      reason: '廃止予定',
    });
    assert.equal(x.statusCode, 201, x.body);
    const scope = json<{ exclusions: { value: string }[] }>(
      await staff.client.get(`/api/v1/asm/scope?organizationId=${a1.organizationId}`),
    );
    assert.ok(scope.exclusions.some((e) => e.value === 'legacy.example.jp'));
    const bad = await admin.client.post('/api/v1/asm/scope/exclusions', {
      organizationId: a1.organizationId,
      value: 'not a name',
    });
    assert.equal(bad.statusCode, 400, bad.body);
    const refusals = await staff.client.get(`/api/v1/asm/refusals?scanId=${a1.scan.id}`);
    assert.equal(refusals.statusCode, 200, refusals.body);
  });

  test('every state-changing ASM route writes the audit trail (a refused change too)', async () => {
    const seq = async () =>
      Math.max(0, ...(await t.platform.audit.list(t.system, { limit: 200 })).items.map((a) => a.seq));
    const since = async (n: number) =>
      (await t.platform.audit.list(t.system, { limit: 200 })).items.filter((a) => a.seq > n);
    const sch = json<{ id: string }>(
      await admin.client.post('/api/v1/asm/schedules', {
        organizationId: a1.organizationId,
        cron: '0 6 * * 0',
      }),
    );
    const sch2 = json<{ id: string }>(
      await admin.client.post('/api/v1/asm/schedules', {
        organizationId: a1.organizationId,
        cron: '0 7 * * 0',
      }),
    );
    const root = json<{ id: string }>(
      await admin.client.post('/api/v1/asm/scope/roots', {
        organizationId: a1.organizationId,
        kind: 'domain',
        value: 'audit-lab.test',
      }),
    );
    const env = a1.findings.find((f) => f.check === 'exposed-env')!;
    const calls: [string, string, () => Promise<{ statusCode: number; body: string }>][] = [
      [
        'POST /api/v1/asm/scans',
        'asm.scan',
        () =>
          admin.client.post('/api/v1/asm/scans', {
            organizationId: a1.organizationId,
            ports: String(a1.port),
          }),
      ],
      [
        'POST /api/v1/asm/schedules',
        'asm.schedule',
        () =>
          admin.client.post('/api/v1/asm/schedules', {
            organizationId: a1.organizationId,
            cron: '0 8 * * 0',
          }),
      ],
      [
        'PATCH /api/v1/asm/schedules/:id',
        'asm.schedule',
        () => admin.client.patch(`/api/v1/asm/schedules/${sch.id}`, { enabled: false }),
      ],
      [
        'DELETE /api/v1/asm/schedules/:id',
        'asm.schedule',
        () => admin.client.delete(`/api/v1/asm/schedules/${sch2.id}`),
      ],
      [
        'POST /api/v1/asm/scope/roots',
        'asm.scope',
        () =>
          admin.client.post('/api/v1/asm/scope/roots', {
            organizationId: a1.organizationId,
            kind: 'domain',
            value: 'audit-lab2.test',
          }),
      ],
      [
        'POST /api/v1/asm/scope/roots/:id/verify',
        'asm.scope',
        () => admin.client.post(`/api/v1/asm/scope/roots/${root.id}/verify`),
      ],
      [
        'PATCH /api/v1/asm/scope/settings/:organizationId',
        'asm.scope',
        () => admin.client.patch(`/api/v1/asm/scope/settings/${a1.organizationId}`, { concurrency: 8 }),
      ],
    ];
    calls.push([
      'POST /api/v1/asm/findings/:id/status',
      'asm.finding',
      () => admin.client.post(`/api/v1/asm/findings/${env.id}/status`, { status: 'acknowledged' }),
    ]);
    calls.push([
      'DELETE /api/v1/asm/scope/roots/:id',
      'asm.scope',
      () => admin.client.delete(`/api/v1/asm/scope/roots/${root.id}`),
    ]);
    calls.push([
      'POST /api/v1/asm/scope/roots/:id/attest',
      'asm.scope',
      async () => {
        const r = json<{ id: string }>(
          await admin.client.post('/api/v1/asm/scope/roots', {
            organizationId: a1.organizationId,
            kind: 'host',
            value: 'attest-lab.test',
            verificationMethod: 'attestation',
          }),
        );
        return prefAdmin.client.post(`/api/v1/asm/scope/roots/${r.id}/attest`, { statement: '契約書で確認' });
      },
    ]);
    calls.push([
      'POST /api/v1/asm/scope/exclusions',
      'asm.scope',
      () =>
        admin.client.post('/api/v1/asm/scope/exclusions', {
          organizationId: a1.organizationId,
          value: 'old-portal.audit-lab.test',
          reason: '委託先が管理',
        }),
    ]);
    calls.push([
      'DELETE /api/v1/asm/scope/exclusions/:id',
      'asm.scope',
      async () => {
        const x = json<{ id: string }>(
          await admin.client.post('/api/v1/asm/scope/exclusions', {
            organizationId: a1.organizationId,
            value: '10.20.0.0/16',
          }),
        );
        return admin.client.delete(`/api/v1/asm/scope/exclusions/${x.id}`);
      },
    ]);
    for (const [route, prefix, run] of calls) {
      const n = await seq();
      const res = await run();
      assert.ok(res.statusCode < 300, `${route}: ${res.statusCode} ${res.body}`);
      const added = await since(n);
      assert.ok(
        added.some((a) => a.result === 'success' && a.action.startsWith(prefix)),
        `${route}: ${JSON.stringify(added.map((a) => a.action))}`,
      );
    }
    const n = await seq();
    assert.equal(
      (await staff.client.post(`/api/v1/asm/findings/${env.id}/status`, { status: 'acknowledged' }))
        .statusCode,
      403,
    );
    assert.ok((await since(n)).some((a) => a.result === 'denied' && a.action === 'asm.finding.status'));
    await t.platform.asm.runtime.idle();
  });
});
