// 地方版ASM walk-through in a real browser (Debian chromium + playwright-core) against the real server on a
// fresh database (MAMORI_TEST_DB): a real scan of a lab web server on loopback per municipality (沼津市 on
// 127.0.0.1, 熱海市 on 127.0.0.2) seeds the findings through platform.asm; the municipality administrator sees
// only its own findings, filters them, acknowledges one, opens the detail, downloads the
// report, sees the assets and the scope with its DNS TXT instructions; the prefecture operator sees the
// dashboard. Screenshots to test-results/screenshots/<db>/asm-*.png; axe-core on each screen.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import {
  capture as captureScreen,
  heading as headingOf,
  openBrowser,
  signIn as signInAs,
  type BrowserSession,
} from './browser-kit.js';
import { STATE_ORG_ID, orgIdForCode, type RequestContext } from '@mamori/platform';
import { createTestPlatform } from '@mamori/platform/testing';
import type { TestPlatform } from '@mamori/platform/testing';
import { startServer } from '@mamori/server';
import type { StartedServer } from '@mamori/server';

const PREF = orgIdForCode('220001');
const NUMAZU = orgIdForCode('222038');
const ATAMI = orgIdForCode('222054');

import { createServer, type Server } from 'node:http';

let platform: TestPlatform;
let server: StartedServer;
let browser: BrowserSession | undefined;
let page: Page;
const labs: Server[] = [];
let attester: RequestContext;
const adminPassword = 'numazu admin password 2026';
const opPassword = 'asm operator password 2026';

async function lab(address: string): Promise<number> {
  const s = createServer((req, res) => {
    if (req.url === '/.env') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('DB_PASSWORD=lab-secret\n');
    } else if (req.url === '/.git/HEAD') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ref: refs/heads/main\n');
    } else {
      res.writeHead(req.url === '/' ? 200 : 404, {
        'content-type': 'text/html; charset=utf-8',
        server: 'nginx/1.22.1',
      });
      res.end('<html><head><title>市役所</title></head><body></body></html>');
    }
  });
  await new Promise<void>((r) => s.listen(0, address, r));
  labs.push(s);
  return (s.address() as { port: number }).port;
}

async function scan(org: string, address: string): Promise<void> {
  const asm = platform.asm;
  const port = await lab(address);
  const root = await asm.scope.addRoot(platform.system, {
    organizationId: org,
    kind: 'cidr',
    value: `${address}/32`,
  });
  await asm.scope.attestRoot(attester, root.id, { statement: 'test lab on loopback' });
  await asm.scope.updateSettings(platform.system, org, { ports: String(port), ratePerSecond: 200 });
  const run = await asm.runScanNow(platform.system, { organizationId: org });
  assert.equal(run.status, 'done', run.error ?? '');
}

before(async () => {
  platform = await createTestPlatform({ config: { asm: { udp: false } } as never });
  await platform.addUser({
    username: 'numazu-admin',
    role: 'municipality_admin',
    organizationId: NUMAZU,
    password: adminPassword,
  });
  await platform.addUser({
    username: 'asm-op',
    role: 'prefecture_operator',
    organizationId: PREF,
    password: opPassword,
  });
  attester = (
    await platform.addUser({ username: 'asm-attester', role: 'state_admin', organizationId: STATE_ORG_ID })
  ).ctx;
  await scan(NUMAZU, '127.0.0.1');
  await scan(ATAMI, '127.0.0.2');
  await platform.asm.scope.addRoot(platform.system, {
    organizationId: NUMAZU,
    kind: 'domain',
    value: 'city.numazu.example.lg.jp',
  });
  server = await startServer(platform, { host: '127.0.0.1', port: 0 });
  browser = await openBrowser({ defaultTimeoutMs: 20_000 });
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await server?.close().catch(() => undefined);
  await platform?.close().catch(() => undefined);
  for (const s of labs) await new Promise<void>((r) => s.close(() => r()));
});

const capture = (name: string) => captureScreen(page, `asm-${name}`);

const heading = (name: string | RegExp) => headingOf(page, name);
const menu = () => page.getByRole('navigation', { name: 'メインメニュー' });

const signIn = (username: string, password: string, enrolMfa: boolean) =>
  signInAs(page, server.url, username, password, enrolMfa);

test('the municipality administrator sees only its own findings, filters them and opens one', async () => {
  await signIn('numazu-admin', adminPassword, true);
  await menu().getByRole('link', { name: 'ASM 検出事項' }).click();
  await heading('ASM 検出事項').waitFor();
  const table = page.getByRole('table', { name: '検出事項一覧' });
  await table.locator('tbody tr').first().waitFor();
  const orgs = await table.locator('tbody tr td:nth-child(5)').allInnerTexts();
  assert.ok(orgs.length >= 2, `rows: ${orgs.length}`);
  assert.deepEqual([...new Set(orgs.map((x) => x.trim()))], ['沼津市'], 'only its own findings');
  const targets = await table.locator('tbody tr td:nth-child(4)').allInnerTexts();
  assert.ok(
    targets.every((x) => x.startsWith('127.0.0.1')),
    targets.join(','),
  );
  await capture('findings');
  // Filter by a keyword: the .git exposure only.
  await page.getByLabel('キーワード').fill('exposed-git');
  await page.getByRole('button', { name: '検索' }).click();
  await page.waitForFunction(() => document.querySelectorAll('table tbody tr').length === 1);
  const title = (await table.locator('tbody tr td:nth-child(3)').first().innerText()).trim();
  {
    // Acknowledge the one shown.
    await table.getByRole('checkbox').first().check();
    await page.getByRole('button', { name: '選択した検出事項を確認済みにする' }).click();
    await page.getByText('1 件を確認済みにしました。').waitFor();
    await page.getByLabel('状態').selectOption('acknowledged');
    await page.getByRole('button', { name: '検索' }).click();
    await table.getByRole('link', { name: title }).waitFor();
  }
  await table.getByRole('link', { name: title }).click();
  await heading(title).waitFor();
  await page.getByRole('heading', { name: '対処方法' }).waitFor();
  await page.getByText('refs/heads/main').waitFor();
  await page.getByRole('main').getByText('確認済み').first().waitFor();
  // Accepting a risk needs a reason: refused in the form first.
  await page.getByLabel('新しい状態').selectOption('accepted_risk');
  await page.getByRole('button', { name: '変更する' }).click();
  await page.getByText('理由を入力してください。').first().waitFor();
  await capture('finding-detail');
});

test('assets, scope with the DNS TXT instructions, a schedule, and the report download', async () => {
  await menu().getByRole('link', { name: 'ASM 公開資産' }).click();
  await heading('ASM 公開資産').waitFor();
  await page.getByRole('table', { name: '公開資産一覧' }).getByText('127.0.0.1').first().waitFor();
  await capture('assets');
  await menu().getByRole('link', { name: 'ASM 診断範囲・診断' }).click();
  await heading('ASM 診断範囲・診断').waitFor();
  await page.getByText('_mamori-challenge.city.numazu.example.lg.jp. IN TXT', { exact: false }).waitFor();
  await page.getByRole('table', { name: '診断の実行' }).getByText('完了').first().waitFor();
  // A weekly scan: a malformed cron is refused in the form, a good one is listed.
  await page.getByLabel(/実行日時/).fill('every monday');
  await page.getByRole('button', { name: '定期診断を追加する' }).click();
  await page.getByText('cron 形式（5項目）で入力してください。').waitFor();
  await page.getByLabel(/実行日時/).fill('30 2 * * 0');
  await page.getByRole('button', { name: '定期診断を追加する' }).click();
  await page.getByRole('table', { name: '定期診断' }).getByText('30 2 * * 0').waitFor();
  await capture('scope');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'PDF をダウンロード' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^mamori-asm-222038-\d{8}\.pdf$/);
  const path = await download.path();
  assert.ok(path);
  const head = readFileSync(path).subarray(0, 5).toString();
  assert.equal(head, '%PDF-');
});

test('the prefecture operator sees the prefecture dashboard and chooses the organization of the scope screen', async () => {
  await page.context().clearCookies();
  await signIn('asm-op', opPassword, true);
  await menu().getByRole('link', { name: 'ASM ダッシュボード' }).click();
  await heading('ASM ダッシュボード').waitFor();
  const table = page.getByRole('table', { name: '団体別' });
  await table.getByRole('row', { name: /沼津市/ }).waitFor();
  await table.getByRole('row', { name: /熱海市/ }).waitFor();
  await capture('dashboard');
  // The prefecture operator chooses the organization on the scope screen.
  await menu().getByRole('link', { name: 'ASM 診断範囲・診断' }).click();
  await heading('ASM 診断範囲・診断').waitFor();
  await page.getByRole('heading', { name: '対象の団体' }).waitFor();
  await capture('scope-prefecture');
});

test('scope controls: exclusions, scan settings and refusals; the state administrator stops and resumes all scans', async () => {
  await platform.addUser({
    username: 'numazu-admin2',
    role: 'municipality_admin',
    organizationId: NUMAZU,
    password: adminPassword,
  });
  const statePassword = 'asm state password 2026';
  const state = await platform.addUser({
    username: 'asm-state',
    role: 'state_admin',
    organizationId: STATE_ORG_ID,
    password: statePassword,
  });
  await page.context().clearCookies();
  await signIn('numazu-admin2', adminPassword, true);
  await menu().getByRole('link', { name: 'ASM 診断範囲・診断' }).click();
  await heading('ASM 診断範囲・診断').waitFor();
  const exclusions = page.getByRole('table', { name: '診断除外' });
  await exclusions.waitFor();
  // A malformed value: the server's 400 reason is shown under the field.
  await page.getByLabel(/^除外する対象/).fill('bad value!!');
  await page.getByRole('button', { name: '除外を追加する' }).click();
  await page.getByText('not a host name or address', { exact: false }).waitFor();
  assert.equal(await page.getByLabel(/^除外する対象/).getAttribute('aria-invalid'), 'true');
  await page.getByLabel(/^除外する対象/).fill('mail.city.numazu.example.lg.jp');
  await page.getByLabel('理由', { exact: true }).fill('委託先のメールサーバー');
  await page.getByRole('button', { name: '除外を追加する' }).click();
  await exclusions.getByText('mail.city.numazu.example.lg.jp').waitFor();
  await exclusions.getByText('委託先のメールサーバー').waitFor();
  const stored = await platform.asm.scope.get(platform.system, NUMAZU);
  assert.deepEqual(
    stored.exclusions.map((x) => [x.value, x.reason]),
    [['mail.city.numazu.example.lg.jp', '委託先のメールサーバー']],
  );
  // Scan settings: ports, rate, concurrency and a weekday window in Japan time.
  await page.getByLabel(/^ポート/).fill('22,80,443,8000-8100');
  await page.getByLabel(/^毎秒の接続数/).fill('50');
  await page.getByLabel(/^同時接続数/).fill('4');
  for (const d of ['月', '火', '水', '木', '金']) await page.getByLabel(d, { exact: true }).check();
  await page.getByLabel('開始時刻（時、日本時間）').fill('9');
  await page.getByLabel('終了時刻（時、日本時間）').fill('17');
  await page.getByRole('button', { name: '設定を保存する' }).click();
  await page.getByText('診断設定を保存しました。').waitFor();
  const settings = (await platform.asm.scope.get(platform.system, NUMAZU)).settings;
  assert.equal(settings.ports, '22,80,443,8000-8100');
  assert.equal(settings.ratePerSecond, 50);
  assert.equal(settings.concurrency, 4);
  assert.deepEqual(
    settings.windows.map((w) => [w.days, w.startHour, w.endHour, w.utcOffsetMinutes ?? 540]),
    [[[1, 2, 3, 4, 5], 9, 17, 540]],
  );
  await page.reload();
  await heading('ASM 診断範囲・診断').waitFor();
  const shown = page.getByTestId('asm-settings');
  await shown.getByText('22,80,443,8000-8100').waitFor();
  await shown.getByText('月・火・水・木・金 9時〜17時').waitFor();
  assert.equal(await page.getByLabel(/^同時接続数/).inputValue(), '4');
  await page.getByRole('table', { name: '診断の拒否記録' }).waitFor();
  await capture('scope-controls');
  // Remove the exclusion, after confirmation.
  await exclusions.getByRole('button', { name: 'mail.city.numazu.example.lg.jp の除外を削除' }).click();
  const dialog = page.getByRole('dialog', { name: '除外を削除しますか' });
  await dialog.getByRole('button', { name: '削除' }).click();
  await exclusions.getByText('除外はありません。').waitFor();
  assert.deepEqual((await platform.asm.scope.get(platform.system, NUMAZU)).exclusions, []);

  // The state administrator: a reason is required, then a confirmation; the platform stops; resume.
  await page.context().clearCookies();
  await signIn('asm-state', statePassword, true);
  await menu().getByRole('link', { name: 'ASM ダッシュボード' }).click();
  await heading('ASM ダッシュボード').waitFor();
  await page.getByText('診断は実行可能な状態です。').waitFor();
  await page.getByRole('button', { name: 'すべてのスキャンを停止' }).click();
  await page.getByText('停止の理由を入力してください。').waitFor();
  await page.getByLabel(/^停止の理由/).fill('県内で障害報告があったため');
  await page.getByRole('button', { name: 'すべてのスキャンを停止' }).click();
  const confirm = page.getByRole('dialog', { name: 'すべてのスキャンを停止しますか' });
  await confirm.getByText('県内で障害報告があったため', { exact: false }).waitFor();
  await confirm.getByRole('button', { name: 'すべてのスキャンを停止' }).click();
  await page.getByText('すべての ASM 診断が停止されています').waitFor();
  try {
    const stopped = await platform.asm.scope.stopState(state.ctx);
    assert.equal(stopped.stopped, true);
    assert.equal(stopped.reason, '県内で障害報告があったため');
    await capture('dashboard-stopped');
    await page.getByRole('button', { name: '再開', exact: true }).click();
    await page.getByText('診断は実行可能な状態です。').waitFor();
    assert.equal((await platform.asm.scope.stopState(state.ctx)).stopped, false);
    await capture('dashboard-stop-switch');
    // The state view narrows to one prefecture (its municipalities, as the prefecture sees them) and back.
    await page.getByRole('table', { name: '都道府県別' }).getByRole('button', { name: '静岡県' }).click();
    await page
      .getByRole('table', { name: '団体別' })
      .getByRole('row', { name: /沼津市/ })
      .waitFor();
    const prefSelect = page.getByLabel('都道府県', { exact: true });
    assert.equal(await prefSelect.inputValue(), '22');
    await page.getByLabel(/^期間/).selectOption({ label: '過去365日' });
    await page.getByText('網羅率（30日以内に診断）').first().waitFor();
    await page.getByLabel(/^網羅率の基準/).selectOption({ label: '90日以内に診断' });
    await page.getByText('網羅率（90日以内に診断）').first().waitFor();
    await capture('dashboard-state-prefecture');
    await prefSelect.selectOption({ label: '全国（都道府県別）' });
    await page.getByRole('table', { name: '都道府県別' }).waitFor();
    // Everyone else sees only a banner while scanning is stopped: no switch.
    await platform.asm.scope.setStop(state.ctx, { stopped: true, reason: '定期保守' });
    await platform.addUser({
      username: 'asm-op2',
      role: 'prefecture_operator',
      organizationId: PREF,
      password: opPassword,
    });
    await page.context().clearCookies();
    await signIn('asm-op2', opPassword, true);
    await menu().getByRole('link', { name: 'ASM ダッシュボード' }).click();
    await heading('ASM ダッシュボード').waitFor();
    await page.getByText('すべての ASM 診断が停止されています').waitFor();
    await page.getByText('理由：定期保守', { exact: false }).waitFor();
    assert.equal(await page.getByRole('button', { name: '再開' }).count(), 0);
    assert.equal(await page.getByRole('heading', { name: '診断の全体停止' }).count(), 0);
    await capture('dashboard-stopped-banner');
  } finally {
    // Never leave the switch on for other tests.
    if ((await platform.asm.scope.stopState(state.ctx)).stopped)
      await platform.asm.scope.setStop(state.ctx, { stopped: false });
  }
});

test("a scan run's detail: status, counts and the findings it found, each linking to the finding; another municipality's run is not shown", async () => {
  await platform.addUser({
    username: 'numazu-admin3',
    role: 'municipality_admin',
    organizationId: NUMAZU,
    password: adminPassword,
  });
  const atamiRun = (await platform.asm.listScans(platform.system, { organizationId: ATAMI })).items[0];
  assert.ok(atamiRun);
  await page.context().clearCookies();
  await signIn('numazu-admin3', adminPassword, true);
  await menu().getByRole('link', { name: 'ASM 診断範囲・診断' }).click();
  await heading('ASM 診断範囲・診断').waitFor();
  const runs = page.getByRole('table', { name: '診断の実行' });
  await runs
    .locator('tbody tr')
    .first()
    .getByRole('link', { name: /の診断の詳細$/ })
    .click();
  await heading('診断の実行結果').waitFor();
  await page.getByTestId('asm-run-summary').getByText('完了', { exact: true }).waitFor();
  await page.getByTestId('asm-run-summary').getByText('沼津市').waitFor();
  const diff = page.getByRole('table', { name: '前回からの変化' });
  await diff.locator('tbody tr').first().waitFor();
  const kinds = (await diff.locator('tbody tr td:nth-child(1)').allInnerTexts()).map((x) => x.trim());
  assert.ok(kinds.length >= 2, `diff rows: ${kinds.length}`);
  assert.deepEqual([...new Set(kinds)], ['新規'], 'the first scan finds only new findings');
  const targets = await diff.locator('tbody tr td:nth-child(4)').allInnerTexts();
  assert.ok(
    targets.every((x) => x.startsWith('127.0.0.1')),
    targets.join(','),
  );
  await capture('scan-run');
  // Filtering by 解消 leaves nothing for a first scan; back to all.
  await page.getByLabel('変化の種類').selectOption('resolved');
  await diff.getByText('前回から変化はありません。').waitFor();
  await page.getByLabel('変化の種類').selectOption('');
  const link = diff.locator('tbody tr').first().getByRole('link');
  const title = (await link.innerText()).trim();
  await link.click();
  await heading(title).waitFor();
  await page.getByRole('heading', { name: '対処方法' }).waitFor();
  // Another municipality's run, opened by URL: no data, the not-found state.
  await page.goto(`${server.url}/asm/scans/${encodeURIComponent(atamiRun.id)}`);
  await heading('診断の実行結果').waitFor();
  await page.getByText('この診断は見つからないか、閲覧する権限がありません。').waitFor();
  assert.equal(await page.getByText('熱海市').count(), 0);
  assert.equal(await page.getByRole('table', { name: '前回からの変化' }).count(), 0);
  await capture('scan-run-forbidden');
});
