// SOC walk-through in a real browser (Debian chromium + playwright-core) against the real server on a fresh
// database (MAMORI_TEST_DB): alert queue with filters and a bulk action, triage (assign, comment, false
// positive with reason, incident), event search, the monthly report page with its downloads, and municipal
// staff who see only their own organization. Real edge log lines go through the real queue and pipeline first.
// Screenshots to test-results/screenshots/<db>/soc-*.png; axe-core on each screen (serious/critical fail).
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
  signOut,
} from './browser-kit.js';
import { orgIdForCode } from '@mamori/platform';
import { createTestPlatform } from '@mamori/platform/testing';
import type { TestPlatform } from '@mamori/platform/testing';
import { startServer } from '@mamori/server';
import type { StartedServer } from '@mamori/server';

const PREF = orgIdForCode('220001');
const NUMAZU = orgIdForCode('222038');
const ATAMI = orgIdForCode('222054');

// ---------- data: real edge lines through the real queue and pipeline ----------

const modsecTime = (d: Date) =>
  `${d.toUTCString().slice(0, 3)} ${d.toUTCString().slice(8, 11)} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)} ${d.getUTCFullYear()}`;

function wafLine(host: string, uri: string, ruleId: string, tag: string, msg: string, n: number): string {
  const details = (id: string, tags: string[]) => ({
    match: '',
    reference: '',
    ruleId: id,
    file: '',
    lineNumber: '1',
    data: '',
    severity: '2',
    ver: 'OWASP_CRS/3.3.4',
    rev: '',
    tags,
    maturity: '0',
    accuracy: '0',
  });
  return JSON.stringify({
    transaction: {
      client_ip: `203.0.113.${10 + n}`,
      time_stamp: modsecTime(new Date(Date.now() - n * 60_000)),
      server_id: 'e2e',
      client_port: 40000 + n,
      host_ip: '127.0.0.1',
      host_port: 80,
      unique_id: `console-${host}-${n}`,
      request: { method: 'GET', http_version: 1.1, uri, headers: { Host: host } },
      response: { http_code: 403, headers: {} },
      producer: {
        modsecurity: 'ModSecurity v3.0.9',
        connector: 'ModSecurity-nginx v1.0.3',
        secrules_engine: 'Enabled',
        components: ['OWASP_CRS/3.3.4'],
      },
      messages: [
        { message: msg, details: details(ruleId, ['application-multi', tag]) },
        {
          message: 'Inbound Anomaly Score Exceeded (Total Score: 5)',
          details: details('949110', ['anomaly-evaluation']),
        },
      ],
    },
  });
}

let platform: TestPlatform;
let server: StartedServer;
let browser: BrowserSession | undefined;
let page: Page;
let opPassword: string;
let staffPassword: string;

/** When the seeded lines were made (their times are this minus n minutes). */
let seededAt = 0;

async function seed(): Promise<void> {
  const now = Date.now();
  seededAt = now;
  const lines: { line: string; org: string }[] = [];
  for (let i = 0; i < 3; i++)
    lines.push({
      line: wafLine(
        'www.city.numazu.example.lg.jp',
        `/item?id=${i}%27%20OR%201=1--`,
        '942100',
        'attack-sqli',
        'SQL Injection Attack Detected via libinjection',
        i,
      ),
      org: NUMAZU,
    });
  lines.push({
    line: wafLine(
      'www.city.numazu.example.lg.jp',
      '/search?q=%3Cscript%3E',
      '941100',
      'attack-xss',
      'XSS Attack Detected via libinjection',
      4,
    ),
    org: NUMAZU,
  });
  lines.push({
    line: wafLine(
      'www.city.atami.example.lg.jp',
      '/download?file=../../etc/passwd',
      '930120',
      'attack-lfi',
      'OS File Access Attempt',
      5,
    ),
    org: ATAMI,
  });
  lines.push({ line: 'this is not a log line {', org: NUMAZU });
  await platform.soc.queue.append(
    lines.map((l) => ({
      line: l.line,
      transport: 'http',
      peer: '127.0.0.1',
      organizationId: l.org,
      receivedAt: now,
    })),
  );
  const until = Date.now() + 60_000;
  while ((await platform.soc.events.search(platform.system, { limit: 10 })).items.length < 5) {
    if (Date.now() > until) throw new Error('the pipeline did not store the seeded events');
    await new Promise((r) => setTimeout(r, 200));
  }
  // Two alerts (one per municipality) as the detection stage writes them.
  const at = (minAgo: number) => new Date(now - minAgo * 60_000).toISOString();
  const row = (id: string, org: string, severity: string, title: string, entity: string) => ({
    id,
    rule_id: `mamori-console-${id}`,
    rule_title: title,
    rule_author: 'Mamori',
    source: 'builtin',
    severity,
    severity_rank: severity === 'critical' ? 4 : 3,
    organization_id: org,
    prefecture_id: PREF,
    entity,
    window_start: at(30),
    first_seen: at(30),
    last_seen: at(5),
    event_count: 4,
    evidence_count: 0,
    last_received_at: now,
    escalation_level: 0,
    status: 'new',
    ack_deadline: at(-30),
    group_key: `console-${id}`,
    created_at: at(30),
    updated_at: at(5),
  });
  await platform.db.kysely
    .insertInto('soc_alerts')
    .values([
      row('alnumazu1', NUMAZU, 'high', 'Web攻撃の集中（SQLインジェクション）', '203.0.113.10'),
      row('alatami1', ATAMI, 'critical', 'パストラバーサルの試行', '203.0.113.15'),
    ])
    .execute();
}

before(async () => {
  platform = await createTestPlatform({ config: { soc: { prefectureCode: '220001' } } });
  opPassword = 'soc operator password 2026';
  staffPassword = 'numazu staff password 2026';
  await platform.addUser({
    username: 'soc-op',
    role: 'prefecture_operator',
    organizationId: PREF,
    password: opPassword,
  });
  await platform.addUser({
    username: 'numazu-staff',
    role: 'municipality_staff',
    organizationId: NUMAZU,
    password: staffPassword,
  });
  await seed();
  server = await startServer(platform, { host: '127.0.0.1', port: 0 });
  browser = await openBrowser({ defaultTimeoutMs: 20_000 });
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await server?.close().catch(() => undefined);
  await platform?.close().catch(() => undefined);
});

const capture = (name: string) => captureScreen(page, `soc-${name}`);

const heading = (name: string | RegExp) => headingOf(page, name);
const menu = () => page.getByRole('navigation', { name: 'メインメニュー' });

const signIn = (username: string, password: string, enrolMfa: boolean) =>
  signInAs(page, server.url, username, password, enrolMfa);

test('the SOC operator sees the alert queue of the prefecture, filters it and acknowledges in bulk', async () => {
  await signIn('soc-op', opPassword, true);
  await menu().getByRole('link', { name: 'アラート' }).click();
  await heading('アラート').waitFor();
  const table = page.getByRole('table', { name: 'アラート一覧' });
  await table.getByRole('link', { name: 'Web攻撃の集中（SQLインジェクション）' }).waitFor();
  await table.getByRole('link', { name: 'パストラバーサルの試行' }).waitFor();
  // Sorted by severity, highest first: the critical one leads.
  const first = await table.locator('tbody tr').first().innerText();
  assert.match(first, /緊急/);
  await capture('alert-queue');
  // Filter to high only.
  await page.getByLabel('重大度').selectOption('high');
  await page.getByRole('button', { name: '検索' }).click();
  await table.getByRole('link', { name: 'パストラバーサルの試行' }).waitFor({ state: 'detached' });
  // Only high alerts remain (the seeded one, and what the Sigma rules raised on the seeded attacks).
  const severities = await table.locator('tbody tr td:nth-child(2)').allInnerTexts();
  assert.ok(severities.length >= 1);
  assert.deepEqual([...new Set(severities.map((x) => x.trim()))], ['重要']);
  // Bulk: select the one shown and acknowledge it.
  await page.getByRole('checkbox', { name: /Web攻撃の集中/ }).check();
  await page.getByRole('button', { name: '確認済みにする' }).click();
  await page.getByText('1件のアラートを更新しました。').waitFor();
  await table
    .getByRole('row', { name: /Web攻撃の集中/ })
    .getByText('確認済み')
    .waitFor();
});

test('triage: assign to me, comment, false positive needs a reason, raise an incident', async () => {
  await page.getByRole('link', { name: 'Web攻撃の集中（SQLインジェクション）' }).click();
  await heading(/アラートの対応/).waitFor();
  await page.getByRole('main').getByText('Mamori', { exact: true }).waitFor(); // the rule's author is shown
  await page.getByRole('button', { name: '自分が担当する' }).click();
  await page.getByText('担当者を設定しました。').waitFor();
  await page.getByRole('textbox', { name: 'コメントの内容' }).fill('送信元IPをFWで遮断済み。');
  await page.getByRole('button', { name: 'コメントを追加する' }).click();
  await page.getByText('送信元IPをFWで遮断済み。').waitFor();
  await page.getByRole('button', { name: 'インシデントを起票する' }).click();
  await page.getByText('インシデントを起票しました。').waitFor();
  await capture('triage');
  // False positive without a reason is refused in the form; with one it closes the alert.
  await page.getByRole('button', { name: '誤検知として閉じる' }).click();
  await page.getByText('誤検知の理由を入力してください。').waitFor();
  await page.getByLabel(/誤検知の理由/).fill('脆弱性診断業者による許可済みの検査');
  await page.getByRole('button', { name: '誤検知として閉じる' }).click();
  await page.getByText('誤検知として閉じました。').waitFor();
  await page.getByTestId('alert-status').getByText('誤検知').waitFor();
  const stored = await platform.db.kysely
    .selectFrom('soc_alerts')
    .select(['status', 'false_positive_reason', 'assignee_id'])
    .where('id', '=', 'alnumazu1')
    .executeTakeFirstOrThrow();
  assert.equal(stored.status, 'false_positive');
  assert.equal(stored.false_positive_reason, '脆弱性診断業者による許可済みの検査');
  assert.ok(stored.assignee_id);
});

test('event search by time range and fields, with the raw line', async () => {
  await menu().getByRole('link', { name: 'イベント検索' }).click();
  await heading('イベント検索').waitFor();
  await page.getByLabel('機器の種類').selectOption('waf');
  await page.getByRole('button', { name: '検索' }).click();
  const table = page.getByRole('table', { name: '検索結果' });
  await page.getByText('5件を表示しています').waitFor();
  // A time range (Japan time, end exclusive) ending three minutes before the newest: the two older attacks.
  const to = new Date(Math.floor((seededAt - 180_000) / 60_000) * 60_000 + 9 * 3600_000).toISOString();
  const toDay = page.getByRole('group', { name: '終了日（日本時間）' });
  await toDay.getByLabel('年').fill(to.slice(0, 4));
  await toDay.getByLabel('月').fill(to.slice(5, 7));
  await toDay.getByLabel('日').fill(to.slice(8, 10));
  // A malformed time is refused in the form, with the reason next to the field.
  await page.getByLabel('終了時刻').fill('25:99');
  await page.getByRole('button', { name: '検索' }).click();
  await page.getByText('時刻は 時:分（例：09:30）で入力してください。').waitFor();
  await page.getByLabel('終了時刻').fill(to.slice(11, 16));
  await page.getByRole('button', { name: '検索' }).click();
  await page.getByText('2件を表示しています').waitFor();
  await capture('event-search-range');
  for (const box of ['年', '月', '日']) await toDay.getByLabel(box).fill('');
  await page.getByLabel('終了時刻').fill('');
  await page.getByLabel('送信元IP').fill('203.0.113.15');
  await page.getByRole('button', { name: '検索' }).click();
  await page.getByText('1件を表示しています').waitFor();
  await table
    .getByRole('button', { name: /のイベントの詳細/ })
    .first()
    .click();
  await page.getByRole('heading', { name: 'イベントの詳細' }).waitFor();
  await page.getByText('熱海市（222054）').waitFor();
  await page
    .locator('pre.soc-raw')
    .getByText(/etc\/passwd/)
    .waitFor();
  await capture('event-search');
  await menu().getByRole('link', { name: '解析できなかったログ' }).click();
  await heading('解析できなかったログ').waitFor();
  await page.getByText('this is not a log line {').waitFor();
  await capture('quarantine');
});

test('the monthly report page shows the figures and offers PDF and Excel', async () => {
  await menu().getByRole('link', { name: '月次統計報告' }).click();
  await heading('月次統計報告').waitFor();
  const jst = new Date(Date.now() + 9 * 3600_000);
  await page.getByLabel('対象月').selectOption(jst.toISOString().slice(0, 7));
  await page.getByRole('button', { name: '表示する' }).click();
  const figures = page.getByRole('table', { name: '月次統計' });
  await figures.locator('[data-key="waf.attacks"]').getByText('5').waitFor();
  const byType = page.getByRole('table', { name: 'WAF 攻撃種別の内訳' });
  await byType.locator('[data-type="sqli"]').getByText('3').waitFor();
  await page
    .getByRole('table', { name: '団体別の内訳' })
    .getByText(/沼津市/)
    .waitFor();
  await capture('monthly-report');
  // English is available: the page and the report itself (labels from the API) switch together.
  await page.getByRole('button', { name: 'English' }).click();
  await heading('Monthly statistics report').waitFor();
  await page.getByRole('heading', { name: /Security cloud monthly statistics/ }).waitFor();
  await page.getByRole('table', { name: 'WAF attacks by type' }).getByText('SQL injection').waitFor();
  await page.getByRole('button', { name: '日本語' }).click();
  await heading('月次統計報告').waitFor();
  await page.getByRole('heading', { name: /セキュリティクラウド 月次統計報告/ }).waitFor();
  for (const [name, magic] of [
    ['PDFをダウンロード', '%PDF-'],
    ['Excelをダウンロード', 'PK'],
  ] as const) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name }).click(),
    ]);
    const body = readFileSync((await download.path())!);
    assert.equal(body.subarray(0, magic.length).toString('latin1'), magic, name);
  }
  await page.getByRole('link', { name: 'アラート' }).first().click();
  await menu().getByRole('link', { name: 'アラート' }).click();
  await page.getByRole('link', { name: 'ライブビュー' }).first().click();
  await heading('ライブビュー').waitFor();
  await page.getByTestId('live-state').getByText('接続中').waitFor();
  // A new attack from another address arrives while the page is open: its alert appears without a reload.
  await platform.soc.queue.append([
    {
      line: wafLine(
        'www.city.numazu.example.lg.jp',
        '/search?q=%3Cscript%3Ealert(9)%3C%2Fscript%3E',
        '941100',
        'attack-xss',
        'XSS Attack Detected via libinjection',
        40,
      ),
      transport: 'http',
      peer: '127.0.0.1',
      organizationId: NUMAZU,
      receivedAt: Date.now(),
    },
  ]);
  const live = page.getByRole('list').filter({ has: page.getByRole('link') });
  await live
    .getByRole('link', { name: /Cross Site Scripting/ })
    .first()
    .waitFor({ timeout: 30_000 });
  await capture('live');
});

test('municipal staff see only their own organization', async () => {
  await signOut(page);
  await signIn('numazu-staff', staffPassword, false);
  await menu().getByRole('link', { name: 'アラート' }).click();
  await heading('アラート').waitFor();
  await page.getByTestId('soc-own-org').getByText('沼津市').waitFor();
  await page.getByLabel('状態').selectOption('');
  await page.getByRole('button', { name: '検索' }).click();
  const table = page.getByRole('table', { name: 'アラート一覧' });
  await table.getByRole('link', { name: 'Web攻撃の集中（SQLインジェクション）' }).waitFor();
  assert.equal(await table.getByText('パストラバーサルの試行').count(), 0, "熱海市's alert is not shown");
  await capture('alert-queue-municipality');
  // An alert the Sigma web-server rules raised on the seeded XSS: its evidence is the stored WAF event.
  await table.getByRole('link', { name: 'Cross Site Scripting Strings' }).first().click();
  await heading(/Cross Site Scripting Strings/).waitFor();
  const evidence = page.getByRole('table', { name: '根拠となったイベント' });
  await evidence
    .getByText(/^203\.0\.113\.(14|50)$/)
    .first()
    .waitFor();
  await evidence.getByText('XSS Attack Detected via libinjection').first().waitFor();
  await page.getByRole('link', { name: 'アラート一覧に戻る' }).click();
  await heading('アラート').waitFor();
  // The quarantine shows the malformed line Numazu's sender sent, nothing else.
  await menu().getByRole('link', { name: '解析できなかったログ' }).click();
  await heading('解析できなかったログ').waitFor();
  await page.getByText('this is not a log line {').waitFor();
  await page.getByText('1件を表示しています').waitFor();
  await menu().getByRole('link', { name: 'イベント検索' }).click();
  await page.getByRole('button', { name: '検索' }).click();
  await page.getByText('5件を表示しています').waitFor();
  assert.equal(await page.getByText('203.0.113.15').count(), 0);
  await menu().getByRole('link', { name: '月次統計報告' }).click();
  const jst = new Date(Date.now() + 9 * 3600_000);
  await page.getByLabel('対象月').selectOption(jst.toISOString().slice(0, 7));
  await page.getByRole('button', { name: '表示する' }).click();
  await page
    .getByRole('table', { name: '月次統計' })
    .locator('[data-key="waf.attacks"]')
    .getByText('5')
    .waitFor();
  assert.equal(await page.getByRole('table', { name: '団体別の内訳' }).count(), 0);
  await capture('monthly-report-municipality');
  // Another municipality's alert by URL: the API does not disclose it.
  await page.evaluate(() => {
    window.history.pushState({}, '', '/soc/alerts/alatami1');
    window.dispatchEvent(new PopStateEvent('popstate'));
  });
  await page.getByRole('alert').waitFor();
  assert.equal(await page.getByText('パストラバーサルの試行').count(), 0);
});
