// platform.asm on a real database (SQLite and PostgreSQL) against a real loopback lab (BIND, an HTTP server):
// scope registration and ownership verification, the guard fed only from verified roots and its refusals, scans
// run in-process, the findings lifecycle (fixed only on a rescan, reopen), idempotent findings under a repeated
// job, templates of every protocol, stop switch, schedules, policy and dashboards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScopeGuard, StopSwitch, compileTemplate, type CompiledTemplate } from '@mamori/asm';
import { orgIdForCode, STATE_ORG_ID, type RequestContext } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';
import { orgScopeFor } from '../src/asm/scope/service.js';
import { executeScan } from '../src/asm/scans/execute.js';
import { PolitenessLimiter } from '../src/asm/scans/politeness.js';
import { startDns, startWeb, type LabWeb, type LoopbackDns } from './asm-support.js';

const db = testDialect();
const CITY = orgIdForCode('221007'); // 静岡市
const NUMAZU = orgIdForCode('222038'); // 沼津市
const SHIZUOKA = orgIdForCode('220001');
let p: TestPlatform;
let dns: LoopbackDns;
let web: LabWeb;
const u: Record<string, RequestContext> = {};
// The platform clock runs with real time plus an offset the tests move forward (days between rescans).
const realStart = Date.now();
let nowMs = realStart;
const clockNow = (): number => nowMs + (Date.now() - realStart);

const dnsTemplate = (): CompiledTemplate => {
  const c = compileTemplate(
    `id: lab-spf-txt\ninfo:\n  name: Lab SPF record present\n  author: mamori\n  severity: info\ndns:\n  - name: "{{FQDN}}"\n    type: TXT\n    matchers:\n      - type: word\n        words: ["v=spf1"]\n`,
    'lab-spf-txt.yaml',
  );
  assert.equal(c.status, 'compiled', JSON.stringify(c));
  return c.template!;
};
const networkTemplate = (): CompiledTemplate => {
  const c = compileTemplate(
    `id: lab-http-banner\ninfo:\n  name: Lab HTTP over raw TCP\n  author: mamori\n  severity: low\ntcp:\n  - inputs:\n      - data: "GET / HTTP/1.0\\r\\n\\r\\n"\n    host:\n      - "{{Hostname}}"\n    matchers:\n      - type: word\n        words: ["HTTP/1.1 200"]\n`,
    'lab-http-banner.yaml',
  );
  assert.equal(c.status, 'compiled', JSON.stringify(c));
  return c.template!;
};

const baseRecords = [
  '@ IN A 127.0.0.1',
  '@ IN TXT "v=spf1 -all"',
  'www IN A 127.0.0.1',
  'outside IN A 192.0.2.10',
  'secret IN A 127.0.0.1',
];

before(async () => {
  dns = await startDns('city.test', baseRecords);
  web = await startWeb();
  p = await createTestPlatform({
    clock: () => new Date(clockNow()),
    config: { asm: { runner: true, udp: false, resolver: `127.0.0.1:${dns.port}` } } as never,
    asm: {
      engine: {
        resolver: { host: '127.0.0.1', port: dns.port },
        udp: false,
        timeoutMs: 1000,
        wordlist: ['www', 'mail'],
        templates: [dnsTemplate(), networkTemplate()],
      },
    },
  });
  const add = async (username: string, role: Parameters<TestPlatform['addUser']>[0]['role'], org: string) => {
    u[username] = (await p.addUser({ username, role, organizationId: org })).ctx;
  };
  await add('state-admin', 'state_admin', STATE_ORG_ID);
  await add('pref-admin', 'prefecture_admin', SHIZUOKA);
  await add('city-admin', 'municipality_admin', CITY);
  await add('city-staff', 'municipality_staff', CITY);
  await add('numazu-admin', 'municipality_admin', NUMAZU);
  await add('numazu-auditor', 'auditor', NUMAZU);
});
after(async () => {
  await p?.close();
  await web?.stop();
  await dns?.stop();
});

const roots: Record<string, string> = {};

test(`scope: roots, DNS TXT verification against a real DNS server, attestation by a prefecture admin (${db})`, async () => {
  const ctx = u['city-admin']!;
  const domain = await p.asm.scope.addRoot(ctx, {
    organizationId: CITY,
    kind: 'domain',
    value: 'City.Test.',
  });
  assert.equal(domain.value, 'city.test');
  assert.equal(domain.verificationState, 'pending');
  assert.equal(domain.verificationMethod, 'dns-txt');
  assert.equal(domain.challengeName, '_mamori-challenge.city.test');
  assert.ok(domain.verificationToken && domain.verificationToken.length >= 20);
  roots.domain = domain.id;
  const cidr = await p.asm.scope.addRoot(ctx, { organizationId: CITY, kind: 'cidr', value: '127.0.0.1/32' });
  assert.equal(cidr.verificationMethod, 'attestation');
  roots.cidr = cidr.id;
  const outside = await p.asm.scope.addRoot(ctx, {
    organizationId: CITY,
    kind: 'host',
    value: 'outside.city.test',
    verificationMethod: 'attestation',
  });
  roots.outside = outside.id;
  const other = await p.asm.scope.addRoot(ctx, {
    organizationId: CITY,
    kind: 'domain',
    value: 'unverified.test',
  });
  roots.other = other.id;

  await assert.rejects(
    p.asm.scope.addRoot(ctx, { organizationId: CITY, kind: 'cidr', value: '10.0.0.0/8' }),
    { code: 'MAMORI_VALIDATION' },
  );
  await assert.rejects(
    p.asm.scope.addRoot(ctx, { organizationId: CITY, kind: 'domain', value: 'city.test' }),
    { code: 'MAMORI_CONFLICT' },
  );
  await assert.rejects(
    p.asm.scope.addRoot(u['numazu-admin']!, { organizationId: CITY, kind: 'domain', value: 'x.test' }),
    { code: 'MAMORI_FORBIDDEN' },
  );

  // Not yet published: verification fails and says why.
  const failed = await p.asm.scope.verifyRoot(ctx, domain.id);
  assert.equal(failed.verificationState, 'failed');
  assert.match(failed.lastError ?? '', /does not hold the token/);
  // Publish the token in the real zone, verify again.
  await dns.setRecords([
    ...baseRecords,
    `_mamori-challenge IN TXT "mamori-verification=${domain.verificationToken}"`,
  ]);
  const ok = await p.asm.scope.verifyRoot(ctx, domain.id);
  assert.equal(ok.verificationState, 'verified');
  assert.ok(ok.verifiedAt);
  // A wrong token elsewhere does not verify.
  assert.equal((await p.asm.scope.verifyRoot(ctx, other.id)).verificationState, 'failed');

  // Attestation: a municipality admin may not attest its own ranges; the prefecture admin may.
  await assert.rejects(p.asm.scope.attestRoot(ctx, cidr.id, { statement: 'ours' }), {
    code: 'MAMORI_FORBIDDEN',
  });
  await assert.rejects(p.asm.scope.attestRoot(u['pref-admin']!, cidr.id, { statement: ' ' }), {
    code: 'MAMORI_VALIDATION',
  });
  const att = await p.asm.scope.attestRoot(u['pref-admin']!, cidr.id, {
    statement: '静岡市情報政策課に契約書で確認',
  });
  assert.equal(att.verificationState, 'verified');
  assert.equal(att.attestedBy, 'pref-admin');
  await p.asm.scope.attestRoot(u['pref-admin']!, outside.id, { statement: '確認済み' });

  await p.asm.scope.addExclusion(ctx, { organizationId: CITY, value: 'secret.city.test', reason: '基幹系' });
  const settings = await p.asm.scope.updateSettings(ctx, CITY, {
    ports: String(web.port),
    ratePerSecond: 200,
  });
  assert.equal(settings.ports, String(web.port));
  await assert.rejects(p.asm.scope.updateSettings(ctx, CITY, { ports: 'everything' }), {
    code: 'MAMORI_VALIDATION',
  });

  const audit = await p.audit.list(p.system, { action: 'asm.scope.root.attest' });
  assert.ok(audit.items.some((a) => a.result === 'denied'));
  assert.ok(audit.items.some((a) => a.result === 'success'));
});

test(`guard is fed only from verified roots; it refuses unverified, outside-resolving, excluded and stopped (${db})`, async () => {
  const scope = await orgScopeFor(p.db.kysely, CITY);
  assert.deepEqual(scope.roots.map((r) => r.value).sort(), [
    '127.0.0.1/32',
    'city.test',
    'outside.city.test',
  ]);
  const { DnsClient } = await import('@mamori/asm');
  const client = new DnsClient({ server: { host: '127.0.0.1', port: dns.port } });
  const stop = new StopSwitch();
  const guard = new ScopeGuard({
    orgs: [scope],
    resolve: (n) => client.resolveAddresses(n),
    stopSwitch: stop,
  });
  assert.equal((await guard.check('www.city.test')).allowed, true);
  const outside = await guard.check('outside.city.test');
  assert.equal(outside.allowed, false);
  assert.match(outside.reason ?? '', /resolves outside/);
  assert.match((await guard.check('secret.city.test')).reason ?? '', /excluded/);
  assert.equal((await guard.check('www.unverified.test')).allowed, false);
  assert.equal((await guard.check('192.0.2.10')).allowed, false);
  stop.stop('test');
  assert.match((await guard.check('www.city.test')).reason ?? '', /stopped/);
});

let firstScanId = '';

test(`a scan of the verified scope: assets, findings, templates of every protocol, refusals kept (${db})`, async () => {
  const run = await p.asm.runScanNow(u['city-admin']!, { organizationId: CITY });
  assert.equal(run.status, 'done', run.error ?? '');
  firstScanId = run.id;
  assert.equal(run.attempts, 1);
  assert.ok(run.counts.hosts >= 2);
  const checks = run.diff.map((d) => d.check);
  assert.ok(checks.includes('exposed-env'), checks.join(','));
  assert.ok(checks.includes('exposed-git'));
  assert.ok(checks.includes('template:lab-spf-txt'), 'dns template ran');
  assert.ok(checks.includes('template:lab-http-banner'), 'network template ran');
  assert.ok(run.diff.every((d) => d.change === 'new'));
  assert.ok((run.templates.dns ?? 0) >= 1 && (run.templates.network ?? 0) >= 1);

  const refusals = await p.asm.scope.refusals(u['city-admin']!, { scanId: run.id });
  assert.ok(
    refusals.items.some((r) => r.target === 'outside.city.test' && /outside/.test(r.reason)),
    JSON.stringify(refusals.items),
  );

  const assets = await p.asm.listAssets(u['city-admin']!, { organizationId: CITY });
  const a = assets.items.find((x) => x.host === 'city.test' || x.host === '127.0.0.1');
  assert.ok(a, JSON.stringify(assets.items.map((x) => x.host)));
  const svc = assets.items.flatMap((x) => x.services).find((s) => s.port === web.port);
  assert.ok(svc);
  assert.equal(svc.service, 'http');
  assert.ok(
    (await p.asm.listAssets(u['city-admin']!, { organizationId: CITY, port: web.port })).items.length >= 1,
  );
  assert.equal((await p.asm.listAssets(u['city-admin']!, { organizationId: CITY, port: 1 })).items.length, 0);

  // Discovery leads are scanned in the same run: www.city.test came from the wordlist, not from a root.
  const hosts = assets.items.map((x) => x.host);
  assert.ok(hosts.includes('www.city.test'), hosts.join(','));
  assert.ok(run.counts.discoveredScanned >= 1, JSON.stringify(run.counts));
  assert.equal(run.counts.assetsNew, assets.total ?? assets.items.length, JSON.stringify(run.counts));
  assert.equal(run.counts.assetsVanished, 0);
});

const countFindings = async (): Promise<number> =>
  Number(
    (
      await p.db.kysely
        .selectFrom('asm_findings')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('organization_id', '=', CITY)
        .executeTakeFirstOrThrow()
    ).n,
  );

test(`idempotent: a redelivered job is skipped, a repeated scan adds no finding (${db})`, async () => {
  const before = await countFindings();
  assert.ok(before >= 4);
  const limiter = new PolitenessLimiter(p.db);
  // The same job again (as a redelivery would): the run is done, nothing is written.
  const again = await executeScan(
    (p as unknown as { asm: { scope: { deps: never } } }).asm.scope.deps,
    { resolver: { host: '127.0.0.1', port: dns.port }, udp: false, templates: [], timeoutMs: 1000 },
    limiter,
    firstScanId,
    { worker: 'again' },
  );
  assert.equal(again, 'skipped');
  assert.equal(await countFindings(), before);
  nowMs += 60_000;
  const second = await p.asm.runScanNow(u['city-admin']!, { organizationId: CITY });
  assert.equal(second.status, 'done');
  assert.equal(second.diff.length, 0, JSON.stringify(second.diff));
  // The leads of the first run are assets now: scanned as targets, nothing new, changed or vanished.
  assert.equal(second.counts.discoveredScanned, 0, JSON.stringify(second.counts));
  assert.deepEqual(
    [second.counts.assetsNew, second.counts.assetsChanged, second.counts.assetsVanished],
    [0, 0, 0],
  );
  assert.equal(await countFindings(), before);
  const keys = await p.db.kysely.selectFrom('asm_findings').select('finding_key').execute();
  assert.equal(new Set(keys.map((k) => k.finding_key)).size, keys.length);
});

test(`lifecycle: ack, accept risk, false positive; fixed only on a rescan; reopen on regression (${db})`, async () => {
  const list = await p.asm.listFindings(u['city-admin']!, { organizationId: CITY, check: 'exposed-env' });
  assert.equal(list.items.length, 1);
  const env = list.items[0]!;
  assert.equal(env.status, 'open');
  assert.ok(env.remediation?.ja.includes('.env'));
  const ctx = u['city-admin']!;
  await assert.rejects(p.asm.changeFindingStatus(ctx, env.id, { status: 'fixed' } as never), {
    code: 'MAMORI_VALIDATION',
  });
  await assert.rejects(p.asm.changeFindingStatus(u['city-staff']!, env.id, { status: 'acknowledged' }), {
    code: 'MAMORI_FORBIDDEN',
  });
  assert.equal(
    (await p.asm.changeFindingStatus(ctx, env.id, { status: 'acknowledged' })).status,
    'acknowledged',
  );
  await assert.rejects(
    p.asm.changeFindingStatus(ctx, env.id, {
      status: 'accepted_risk',
      reason: '',
      expiry: new Date(nowMs + 86_400_000).toISOString(),
    }),
    { code: 'MAMORI_VALIDATION' },
  );
  await assert.rejects(
    p.asm.changeFindingStatus(ctx, env.id, {
      status: 'accepted_risk',
      reason: '更改予定',
      expiry: new Date(nowMs - 1000).toISOString(),
    }),
    { code: 'MAMORI_VALIDATION' },
  );
  const acc = await p.asm.changeFindingStatus(ctx, env.id, {
    status: 'accepted_risk',
    reason: '来月のサーバ更改で撤去',
    expiry: new Date(nowMs + 30 * 86_400_000).toISOString(),
  });
  assert.equal(acc.status, 'accepted_risk');
  assert.equal(acc.statusReason, '来月のサーバ更改で撤去');
  assert.equal((await p.asm.changeFindingStatus(ctx, env.id, { status: 'open' })).status, 'open');

  const git = (await p.asm.listFindings(ctx, { organizationId: CITY, check: 'exposed-git' })).items[0]!;
  await assert.rejects(p.asm.changeFindingStatus(ctx, git.id, { status: 'false_positive', reason: '' }), {
    code: 'MAMORI_VALIDATION',
  });
  assert.equal(
    (await p.asm.changeFindingStatus(ctx, git.id, { status: 'false_positive', reason: 'ダミーのリポジトリ' }))
      .status,
    'false_positive',
  );

  // The fix: .env no longer served. Only the rescan marks it fixed.
  web.exposeEnv = false;
  assert.equal((await p.asm.getFinding(ctx, env.id)).status, 'open');
  nowMs += 3 * 86_400_000;
  const fixedRun = await p.asm.runScanNow(ctx, { organizationId: CITY });
  assert.deepEqual(
    fixedRun.diff.map((d) => [d.check, d.change]),
    [['exposed-env', 'resolved']],
  );
  const fixed = await p.asm.getFinding(ctx, env.id);
  assert.equal(fixed.status, 'fixed');
  assert.ok(fixed.fixedAt);
  await assert.rejects(p.asm.changeFindingStatus(ctx, env.id, { status: 'open' }), {
    code: 'MAMORI_VALIDATION',
  });

  // Regression: served again → reopened by the next scan.
  web.exposeEnv = true;
  nowMs += 86_400_000;
  const reRun = await p.asm.runScanNow(ctx, { organizationId: CITY });
  assert.deepEqual(
    reRun.diff.map((d) => [d.check, d.change]),
    [['exposed-env', 'reopened']],
  );
  const reopened = await p.asm.getFinding(ctx, env.id);
  assert.equal(reopened.status, 'open');
  assert.equal(reopened.reopenedCount, 1);
  assert.deepEqual(
    reopened.history.map((h) => h.kind),
    ['new', 'status', 'status', 'status', 'resolved', 'reopened'],
  );
  assert.equal(
    await countFindings(),
    (await p.db.kysely.selectFrom('asm_findings').select('id').where('organization_id', '=', CITY).execute())
      .length,
  );
  // Findings filters and paging.
  const page1 = await p.asm.listFindings(ctx, { organizationId: CITY, limit: 2 });
  assert.equal(page1.items.length, 2);
  assert.ok(page1.nextCursor);
  const page2 = await p.asm.listFindings(ctx, { organizationId: CITY, limit: 2, cursor: page1.nextCursor });
  assert.ok(page2.items.every((f) => !page1.items.some((g) => g.id === f.id)));
  assert.equal(
    (await p.asm.listFindings(ctx, { organizationId: CITY, status: ['false_positive'] })).items.length,
    1,
  );
  assert.ok((await p.asm.listFindings(ctx, { q: 'env' })).items.some((f) => f.id === env.id));
});

test(`policy: a municipality sees only its own; prefecture its prefecture; auditor reads (${db})`, async () => {
  const nz = u['numazu-admin']!;
  await assert.rejects(p.asm.listFindings(nz, { organizationId: CITY }), { code: 'MAMORI_FORBIDDEN' });
  await assert.rejects(p.asm.listAssets(nz, { organizationId: CITY }), { code: 'MAMORI_FORBIDDEN' });
  assert.equal((await p.asm.listAssets(nz)).items.length, 0);
  assert.equal((await p.asm.listFindings(nz)).items.length, 0);
  assert.equal((await p.asm.listScans(nz)).items.length, 0);
  const anyFinding = (await p.asm.listFindings(u['city-admin']!, { organizationId: CITY })).items[0]!;
  await assert.rejects(p.asm.getFinding(nz, anyFinding.id), { code: 'MAMORI_FORBIDDEN' });
  await assert.rejects(p.asm.requestScan(nz, { organizationId: CITY }), { code: 'MAMORI_FORBIDDEN' });
  await assert.rejects(p.asm.scope.get(nz, CITY), { code: 'MAMORI_FORBIDDEN' });
  await assert.rejects(p.asm.getScan(nz, firstScanId), { code: 'MAMORI_FORBIDDEN' });
  assert.equal((await p.asm.listAssets(u['numazu-auditor']!)).items.length, 0);
  assert.ok((await p.asm.listAssets(u['pref-admin']!)).items.length >= 2);
  assert.ok((await p.asm.listFindings(u['city-staff']!)).items.length >= 4);
  await assert.rejects(p.asm.listFindings({ actor: null, sourceIp: '127.0.0.1' }), {
    code: 'MAMORI_UNAUTHENTICATED',
  });
});

test(`stop switch: only the state stops everything; requests and queued runs are refused (${db})`, async () => {
  await assert.rejects(p.asm.scope.setStop(u['pref-admin']!, { stopped: true, reason: 'x' }), {
    code: 'MAMORI_FORBIDDEN',
  });
  await assert.rejects(p.asm.scope.setStop(u['state-admin']!, { stopped: true }), {
    code: 'MAMORI_VALIDATION',
  });
  const st = await p.asm.scope.setStop(u['state-admin']!, { stopped: true, reason: '障害対応のため全停止' });
  assert.equal(st.stopped, true);
  await assert.rejects(p.asm.requestScan(u['city-admin']!, { organizationId: CITY }), {
    code: 'MAMORI_CONFLICT',
  });
  // A run already queued before the stop fails when it starts.
  const runId = 'asn_stoptest';
  await p.db.kysely
    .insertInto('asm_scans')
    .values({
      id: runId,
      organization_id: CITY,
      status: 'queued',
      trigger: 'on_demand',
      requested_by: 'test',
      ports: String(web.port),
      queued_at: new Date(nowMs).toISOString(),
      started_at: null,
      finished_at: null,
      attempts: 0,
      worker: null,
      error: null,
      counts: '{}',
      templates: '{}',
      timings: '{}',
    })
    .execute();
  const r = await executeScan(
    (p as unknown as { asm: { scope: { deps: never } } }).asm.scope.deps,
    { resolver: { host: '127.0.0.1', port: dns.port }, udp: false, templates: [], timeoutMs: 1000 },
    new PolitenessLimiter(p.db),
    runId,
    { worker: 'stopped' },
  );
  assert.equal(r, 'failed');
  assert.match((await p.asm.getScan(u['city-admin']!, runId)).error ?? '', /stopped/);
  await p.asm.scope.setStop(u['state-admin']!, { stopped: false });
  assert.equal((await p.asm.scope.stopState(u['city-admin']!)).stopped, false);
});

test(`stop switch: a running scan winds down when the state pulls it (${db})`, async () => {
  web.delayMs = 1500;
  try {
    const run = await p.asm.requestScan(u['city-admin']!, { organizationId: CITY });
    const k = p.db.kysely;
    for (let i = 0; i < 200; i++) {
      const r = await k.selectFrom('asm_scans').select('status').where('id', '=', run.id).executeTakeFirst();
      if (r?.status === 'running' && web.requests > 0) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const before = await countFindings();
    await p.asm.scope.setStop(u['state-admin']!, { stopped: true, reason: '緊急停止' });
    const t0 = Date.now();
    await p.asm.runtime.idle();
    const done = await p.asm.getScan(u['city-admin']!, run.id);
    assert.equal(done.status, 'failed');
    assert.match(done.error ?? '', /stopped/);
    assert.ok(Date.now() - t0 < 15_000, 'wound down');
    assert.equal(await countFindings(), before);
  } finally {
    web.delayMs = 0;
    await p.asm.scope.setStop(u['state-admin']!, { stopped: false });
  }
});

test(`a run left running by a lost worker for over 12 h is closed as failed when a scan is requested (${db})`, async () => {
  await p.db.kysely
    .insertInto('asm_scans')
    .values({
      id: 'asn_stale',
      organization_id: CITY,
      status: 'running',
      trigger: 'on_demand',
      requested_by: 'test',
      ports: String(web.port),
      queued_at: new Date(clockNow() - 13 * 3600_000).toISOString(),
      started_at: new Date(clockNow() - 13 * 3600_000).toISOString(),
      finished_at: null,
      attempts: 5,
      worker: 'lost',
      error: null,
      counts: '{}',
      templates: '{}',
      timings: '{}',
    })
    .execute();
  const run = await p.asm.requestScan(u['city-admin']!, { organizationId: CITY });
  assert.notEqual(run.id, 'asn_stale');
  await p.asm.runtime.idle();
  const stale = await p.asm.getScan(u['city-admin']!, 'asn_stale');
  assert.equal(stale.status, 'failed');
  assert.match(stale.error ?? '', /stale/);
  assert.equal((await p.asm.getScan(u['city-admin']!, run.id)).status, 'done');
});

test(`the scheduler tick closes a run no worker finished within 12 h, without waiting for a request (${db})`, async () => {
  const old = new Date(clockNow() - 13 * 3600_000).toISOString();
  await p.db.kysely
    .insertInto('asm_scans')
    .values({
      id: 'asn_stale2',
      organization_id: CITY,
      status: 'running',
      trigger: 'schedule',
      requested_by: 'test',
      ports: String(web.port),
      queued_at: old,
      started_at: old,
      finished_at: null,
      attempts: 5,
      worker: 'lost',
      error: null,
      counts: '{}',
      templates: '{}',
      timings: '{}',
    })
    .execute();
  await p.asm.tickSchedules();
  const stale = await p.asm.getScan(u['city-admin']!, 'asn_stale2');
  assert.equal(stale.status, 'failed');
  assert.match(stale.error ?? '', /stale/);
  const audit = (await p.audit.list(p.system, { action: 'asm.scan.fail', limit: 50 })).items;
  assert.ok(audit.some((a) => a.target === 'asn_stale2'));
});

test(`scan window: a scan outside the organization's window refuses every target and changes nothing (${db})`, async () => {
  const ctx = u['city-admin']!;
  const nowDay = new Date(clockNow() + 540 * 60_000).getUTCDay();
  // A window on another day only.
  await p.asm.scope.updateSettings(ctx, CITY, {
    windows: [{ days: [(nowDay + 3) % 7], startHour: 1, endHour: 2 }],
  });
  const before = await countFindings();
  const run = await p.asm.runScanNow(ctx, { organizationId: CITY });
  assert.equal(run.status, 'failed');
  assert.match(run.error ?? '', /outside the scan window/);
  assert.equal(await countFindings(), before);
  const assets = await p.asm.listAssets(ctx, { organizationId: CITY });
  assert.ok(assets.items.length >= 2, 'assets not marked vanished');
  const refusals = await p.asm.scope.refusals(ctx, { scanId: run.id });
  assert.ok(refusals.items.length >= 1 && refusals.items.every((r) => /window/.test(r.reason)));
  await p.asm.scope.updateSettings(ctx, CITY, { windows: [] });
});

test(`schedules: cron stored per organization; a due schedule queues a run the in-process runner executes (${db})`, async () => {
  const ctx = u['city-admin']!;
  await assert.rejects(p.asm.createSchedule(ctx, { organizationId: CITY, cron: '61 * * * *' }), {
    code: 'MAMORI_VALIDATION',
  });
  await assert.rejects(
    p.asm.createSchedule(u['numazu-admin']!, { organizationId: CITY, cron: '0 3 * * *' }),
    { code: 'MAMORI_FORBIDDEN' },
  );
  const s = await p.asm.createSchedule(ctx, { organizationId: CITY, cron: '0 3 * * 1' });
  assert.ok(s.nextRunAt);
  const next = new Date(s.nextRunAt);
  // 03:00 JST on a Monday = 18:00 UTC on a Sunday.
  assert.equal(next.getUTCHours(), 18);
  assert.equal(next.getUTCDay(), 0);
  assert.equal((await p.asm.runtime.tickSchedules()).length, 0);
  nowMs = next.getTime() + 1000;
  const created = await p.asm.runtime.tickSchedules();
  assert.equal(created.length, 1);
  await p.asm.runtime.idle();
  const run = await p.asm.getScan(ctx, created[0]!);
  assert.equal(run.trigger, 'schedule');
  assert.equal(run.status, 'done', run.error ?? '');
  const after = (await p.asm.listSchedules(ctx, { organizationId: CITY })).items[0]!;
  assert.ok(new Date(after.nextRunAt!).getTime() > nowMs);
  await p.asm.deleteSchedule(ctx, s.id);
  assert.equal((await p.asm.listSchedules(ctx)).items.length, 0);
});

test(`dashboards and report data: coverage, severities, KEV, time to fix, risk score (${db})`, async () => {
  const state = await p.asm.dashboard(u['state-admin']!, { coverageDays: 30 });
  assert.equal(state.scope, 'state');
  assert.equal(state.total.organizations, 1788);
  assert.equal(state.total.covered, 1);
  assert.equal(state.prefectures.length, 47);
  const shizuoka = state.prefectures.find((x) => x.prefectureCode === '22')!;
  assert.equal(shizuoka.covered, 1);
  assert.ok(
    shizuoka.openBySeverity.high + shizuoka.openBySeverity.critical + shizuoka.openBySeverity.medium >= 1,
  );
  const pref = await p.asm.dashboard(u['pref-admin']!);
  assert.equal(pref.scope, 'prefecture');
  const city = pref.municipalities.find((m) => m.organizationId === CITY)!;
  assert.equal(city.covered, 1);
  assert.ok(city.riskScore > 0);
  await assert.rejects(p.asm.dashboard(u['pref-admin']!, { prefectureCode: '23' }), {
    code: 'MAMORI_FORBIDDEN',
  });
  const report = await p.asm.orgReport(u['city-admin']!, CITY);
  assert.equal(report.organization.name, '静岡市');
  assert.equal(report.organization.prefectureName, '静岡県');
  assert.ok(report.openFindings.some((f) => f.check === 'exposed-env'));
  assert.ok(report.lastScan);
  assert.ok(report.riskScore > 0);
  assert.ok(report.assets.length >= 1);
  assert.equal(report.scope.roots.length, 4);
});

test(`politeness: two limiters (two workers) share one target's rate (${db})`, async () => {
  const a = new PolitenessLimiter(p.db);
  const b = new PolitenessLimiter(p.db);
  const t0 = Date.now();
  // 40 sends at 20/s shared by two workers: at least ~1.9 s, not ~0.95 s as two private buckets would allow.
  await Promise.all([
    ...Array.from({ length: 20 }, () => a.take('198.51.100.7', 20)),
    ...Array.from({ length: 20 }, () => b.take('198.51.100.7', 20)),
  ]);
  const ms = Date.now() - t0;
  assert.ok(ms >= 1800, `took ${ms} ms`);
});
