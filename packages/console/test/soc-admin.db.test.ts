// SOC administration screens in a real browser (Debian chromium + playwright-core) against the real server on
// a fresh database (MAMORI_TEST_DB): a prefecture administrator (MFA enrolled at first sign-in) adds a
// notification contact after the form refused bad input, edits it without ever seeing its webhook secret,
// deletes another, turns a Sigma rule set off after a confirmation, reads the notification log and filters
// it; a municipality administrator sees only its own organization's contacts and notifications.
// Screenshots to test-results/screenshots/<db>/soc-admin-*.png; axe-core on each screen (serious/critical fail).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import {
  capture as captureScreen,
  focusedField,
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
const SECRET = 'numazu-webhook-signing-secret-0001';
const ATAMI_SECRET = 'atami-webhook-signing-secret-0002';

// ---------- helpers (as in console.db.test.ts / soc.db.test.ts) ----------

// ---------- fixture ----------

let platform: TestPlatform;
let server: StartedServer;
let browser: BrowserSession | undefined;
let page: Page;
const adminPassword = 'prefecture admin password 2026';
const numazuPassword = 'numazu admin password 2026';

/** Two notification attempts as the notifier records them: Numazu's mail sent, Atami's webhook failed. */
async function seedNotifications(): Promise<void> {
  const now = Date.now();
  const at = (minAgo: number) => new Date(now - minAgo * 60_000).toISOString();
  // The alerts they are about, as the detection stage writes them.
  const alert = (id: string, org: string, severity: string, title: string) => ({
    id,
    rule_id: `mamori-console-${id}`,
    rule_title: title,
    rule_author: 'Mamori',
    source: 'builtin',
    severity,
    severity_rank: severity === 'critical' ? 4 : 3,
    organization_id: org,
    prefecture_id: PREF,
    entity: '203.0.113.10',
    window_start: at(30),
    first_seen: at(30),
    last_seen: at(5),
    event_count: 4,
    evidence_count: 0,
    last_received_at: now,
    escalation_level: org === ATAMI ? 1 : 0,
    status: 'new',
    ack_deadline: at(-30),
    group_key: `console-${id}`,
    created_at: at(30),
    updated_at: at(5),
  });
  await platform.db.kysely
    .insertInto('soc_alerts')
    .values([
      alert('al-numazu-1', NUMAZU, 'high', 'Web攻撃の集中（SQLインジェクション）'),
      alert('al-atami-1', ATAMI, 'critical', 'パストラバーサルの試行'),
      alert('al-atami-2', ATAMI, 'high', 'メールマルウェアの連続受信'),
    ])
    .execute();
  await platform.db.kysely
    .insertInto('soc_notifications')
    .values([
      {
        id: 'sn-numazu-1',
        alert_id: 'al-numazu-1',
        contact_id: null,
        organization_id: NUMAZU,
        prefecture_id: PREF,
        channel: 'email',
        target: 'soc@city.numazu.example.lg.jp',
        level: 0,
        attempt: 1,
        status: 'sent',
        error: null,
        sent_at: at(20),
      },
      {
        id: 'sn-atami-1',
        alert_id: 'al-atami-1',
        contact_id: null,
        organization_id: ATAMI,
        prefecture_id: PREF,
        channel: 'webhook',
        target: 'https://hooks.atami.example.jp/mamori',
        level: 1,
        attempt: 3,
        status: 'failed',
        error: 'HTTP 503',
        sent_at: at(10),
      },
      // Older mail of another alert: more than one page (50), so the log pages by cursor.
      ...Array.from({ length: 55 }, (_, i) => ({
        id: `sn-atami-2-${String(i).padStart(2, '0')}`,
        alert_id: 'al-atami-2',
        contact_id: null,
        organization_id: ATAMI,
        prefecture_id: PREF,
        channel: 'email',
        target: `joho${i}@city.atami.example.lg.jp`,
        level: 0,
        attempt: 1,
        status: 'sent',
        error: null,
        sent_at: at(60 + i),
      })),
    ])
    .execute();
}

before(async () => {
  // A deadline other than the default: the page must show the server's configuration, not a fixed text.
  platform = await createTestPlatform({
    config: { soc: { prefectureCode: '220001' }, notify: { ackMinutesCritical: 20 } },
  });
  await platform.addUser({
    username: 'pref-admin',
    role: 'prefecture_admin',
    organizationId: PREF,
    password: adminPassword,
  });
  await platform.addUser({
    username: 'numazu-admin',
    role: 'municipality_admin',
    organizationId: NUMAZU,
    password: numazuPassword,
  });
  // Atami's own contacts: the prefecture sees them, Numazu never does.
  for (const name of ['熱海市 情報政策課', '熱海市 夜間当番'])
    await platform.soc.notify.contacts.create(platform.system, {
      organizationId: ATAMI,
      name,
      email: name.includes('夜間') ? null : 'joho@city.atami.example.lg.jp',
      webhookUrl: name.includes('夜間') ? 'https://hooks.atami.example.jp/mamori' : null,
      webhookSecret: name.includes('夜間') ? ATAMI_SECRET : null,
      minSeverity: 'high',
    });
  await seedNotifications();
  server = await startServer(platform, { host: '127.0.0.1', port: 0 });
  browser = await openBrowser({ defaultTimeoutMs: 20_000 });
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await server?.close().catch(() => undefined);
  await platform?.close().catch(() => undefined);
});

const capture = (name: string) => captureScreen(page, `soc-admin-${name}`);

const heading = (name: string | RegExp) => headingOf(page, name);
const menu = () => page.getByRole('navigation', { name: 'メインメニュー' });
const contactRows = (org: string) =>
  platform.db.kysely.selectFrom('soc_contacts').selectAll().where('organization_id', '=', org).execute();

// Both administrators enrol MFA at their first sign-in.
const signIn = (username: string, password: string) => signInAs(page, server.url, username, password, true);

// ---------- the journey ----------

test('a prefecture administrator adds a contact after the form refused bad input, then edits it', async () => {
  await signIn('pref-admin', adminPassword);
  await menu().getByRole('link', { name: '通知先の管理' }).click();
  await heading('通知先の管理').waitFor();
  // The escalation chain and the deadlines are explained on the page.
  const chain = page.getByTestId('soc-escalation-chain');
  await chain
    .getByText(/都道府県SOC責任者/)
    .first()
    .waitFor();
  await chain.getByText(/国の連絡先/).waitFor();
  const deadlines = page.getByRole('table', { name: '重大度ごとの確認期限' });
  await deadlines.getByRole('row', { name: /緊急/ }).getByText('20分', { exact: true }).waitFor();
  await deadlines.getByRole('row', { name: /重要/ }).getByText('60分', { exact: true }).waitFor();
  await deadlines.getByText('24時間（1,440分）').waitFor();
  // The prefecture sees Atami's contacts after choosing Atami; then it chooses Numazu, which has none.
  await page.getByRole('searchbox', { name: '団体を検索' }).fill('熱海');
  const list = page.getByRole('table', { name: '登録済みの通知先' });
  await list.getByText('熱海市 情報政策課').waitFor();
  await list.getByText('（署名鍵：設定済み）').waitFor();
  assert.equal(await page.getByText(ATAMI_SECRET).count(), 0);
  await page.getByRole('searchbox', { name: '団体を検索' }).fill('沼津');
  await list.getByText('この組織には通知先が登録されていません。').waitFor();

  // Bad input: every problem is named next to its field, and nothing is stored.
  await page.getByLabel('通知先の名前').fill('');
  await page.getByLabel('メールアドレス').fill('joho at numazu');
  await page.getByLabel('Webhook の URL').fill('ftp://hooks.example.jp/x');
  await page.getByLabel('Webhook の署名鍵').fill('short');
  await page.getByLabel('通知する時間帯（日本時間）').fill('25:00-26:00');
  for (const d of ['月', '火', '水', '木', '金', '土', '日'])
    await page.getByLabel(d, { exact: true }).uncheck();
  await page.getByRole('button', { name: '追加する' }).click();
  for (const text of [
    '通知先の名前を入力してください。',
    'メールアドレスの形式が正しくありません（例：soc@city.example.lg.jp）。',
    /Webhook の URL は http:\/\/ または https:\/\//,
    '署名鍵は16文字以上256文字以内で入力してください。',
    '時間帯は HH:MM-HH:MM の形式で入力してください（例：08:30-17:15）。',
    '通知する曜日を1つ以上選んでください。',
  ])
    await page.getByText(text).waitFor();
  // Focus lands on the first invalid field.
  await focusedField(page, 'contactName');
  // Neither channel: its own message.
  await page.getByLabel('メールアドレス').fill('');
  await page.getByLabel('Webhook の URL').fill('');
  await page.getByRole('button', { name: '追加する' }).click();
  await page.getByText('メールアドレスか Webhook の URL のどちらかを入力してください。').waitFor();
  // A webhook without its secret.
  await page.getByLabel('Webhook の URL').fill('https://hooks.numazu.example.jp/mamori');
  await page.getByLabel('Webhook の署名鍵').fill('');
  await page.getByRole('button', { name: '追加する' }).click();
  await page.getByText('Webhook には署名鍵が必要です。').waitFor();
  await capture('contact-errors');
  assert.equal((await contactRows(NUMAZU)).length, 0, 'nothing stored while the form is invalid');

  // Good input.
  await page.getByLabel('通知先の名前').fill('沼津市 情報政策課');
  await page.getByLabel('メールアドレス').fill('joho@city.numazu.example.lg.jp');
  await page.getByLabel('Webhook の署名鍵').fill(SECRET);
  await page.getByLabel('通知する時間帯（日本時間）').fill('08:30-17:15');
  for (const d of ['月', '火', '水', '木', '金']) await page.getByLabel(d, { exact: true }).check();
  await page.getByLabel('通知する重大度（この重大度以上）').selectOption('high');
  await page.getByRole('button', { name: '追加する' }).click();
  await page.getByText('「沼津市 情報政策課」を追加しました。').waitFor();
  const row = list.getByRole('row', { name: /沼津市 情報政策課/ });
  await row.getByText('joho@city.numazu.example.lg.jp').waitFor();
  await row.getByText('月・火・水・木・金').waitFor();
  await row.getByText('08:30-17:15').waitFor();
  await row.getByText('（署名鍵：設定済み）').waitFor();
  let stored = await contactRows(NUMAZU);
  assert.equal(stored.length, 1);
  const c = stored[0]!;
  assert.equal(c.email, 'joho@city.numazu.example.lg.jp');
  assert.equal(c.webhook_url, 'https://hooks.numazu.example.jp/mamori');
  assert.equal(c.days, 'mon,tue,wed,thu,fri');
  assert.equal(c.hours, '08:30-17:15');
  assert.equal(c.min_severity, 'high');
  assert.ok(c.webhook_secret && !c.webhook_secret.includes(SECRET), 'the secret is sealed at rest');
  const sealed = c.webhook_secret;

  // Edit: the stored secret is never shown; leaving the box empty keeps it.
  await page.getByRole('button', { name: '沼津市 情報政策課 を編集する' }).click();
  await page.getByRole('heading', { name: '「沼津市 情報政策課」を編集する' }).waitFor();
  const secretBox = page.getByLabel('Webhook の署名鍵（置き換える場合のみ）');
  assert.equal(await secretBox.inputValue(), '');
  await page.getByText(/署名鍵は設定済みです（表示しません）/).waitFor();
  assert.equal(await page.getByLabel('メールアドレス').inputValue(), 'joho@city.numazu.example.lg.jp');
  await page.getByLabel('通知する重大度（この重大度以上）').selectOption('medium');
  await page.getByLabel('通知する時間帯（日本時間）').fill('22:00-0600');
  await page.getByRole('button', { name: '変更を保存する' }).click();
  await page.getByText('時間帯は HH:MM-HH:MM の形式で入力してください（例：08:30-17:15）。').waitFor();
  await page.getByLabel('通知する時間帯（日本時間）').fill('22:00-06:00');
  await page.getByLabel('通知の言語').selectOption('en');
  await page.getByRole('button', { name: '変更を保存する' }).click();
  await page.getByText('「沼津市 情報政策課」を更新しました。').waitFor();
  await row.getByText('22:00-06:00').waitFor();
  await row.getByText('英語').waitFor();
  stored = await contactRows(NUMAZU);
  assert.equal(stored[0]!.min_severity, 'medium');
  assert.equal(stored[0]!.hours, '22:00-06:00');
  assert.equal(stored[0]!.locale, 'en');
  assert.equal(stored[0]!.webhook_secret, sealed, 'an empty secret box keeps the stored secret');
  assert.equal((await page.content()).includes(SECRET), false, 'the secret never reaches the page');
  await capture('contacts');

  // A municipality's contact can only be organization staff: the other roles are not offered.
  assert.deepEqual(await page.getByLabel('役割').locator('option').allInnerTexts(), ['団体の担当者']);
  // A refusal only the server can make (the webhook aims at an internal address) lands on its field.
  await page.getByLabel('通知先の名前').fill('沼津市 内部宛');
  await page.getByLabel('Webhook の URL').fill('https://10.1.2.3/hook');
  await page.getByLabel('Webhook の署名鍵').fill(SECRET);
  await page.getByRole('button', { name: '追加する' }).click();
  await page.getByText('内部ネットワークやこの機器を指す Webhook の URL は登録できません。').waitFor();
  assert.equal((await contactRows(NUMAZU)).length, 1);

  // The prefecture itself may hold its SOC lead.
  await page.getByRole('searchbox', { name: '団体を検索' }).fill('静岡県');
  await list.getByText('この組織には通知先が登録されていません。').waitFor();
  await page.getByRole('combobox', { name: /^団体/ }).selectOption(PREF);
  await page
    .getByLabel('役割')
    .locator('option', { hasText: '都道府県SOC責任者' })
    .waitFor({ state: 'attached' });
  await page.getByLabel('通知先の名前').fill('静岡県 SOC責任者');
  await page.getByLabel('メールアドレス').fill('soc-lead@pref.shizuoka.example.lg.jp');
  await page.getByLabel('役割').selectOption('soc_lead');
  await page.getByRole('button', { name: '追加する' }).click();
  await page.getByText('「静岡県 SOC責任者」を追加しました。').waitFor();
  await list
    .getByRole('row', { name: /静岡県 SOC責任者/ })
    .getByText('都道府県SOC責任者')
    .waitFor();
  assert.deepEqual(
    (await contactRows(PREF)).map((r) => r.role),
    ['soc_lead'],
  );
  // English is available.
  await page.getByRole('button', { name: 'English' }).click();
  await heading('Notification contacts').waitFor();
  await page.getByRole('heading', { name: 'Escalation chain and acknowledgement deadlines' }).waitFor();
  await page.getByRole('button', { name: '日本語' }).click();
  await heading('通知先の管理').waitFor();

  // Delete one of Atami's, after the confirmation.
  await page.getByRole('searchbox', { name: '団体を検索' }).fill('熱海');
  await list.getByText('熱海市 夜間当番').waitFor();
  await page.getByRole('button', { name: '熱海市 夜間当番 を削除する' }).click();
  const dialog = page.getByRole('dialog', { name: '通知先を削除しますか？' });
  await dialog.getByRole('button', { name: 'キャンセル' }).click();
  assert.equal((await contactRows(ATAMI)).length, 2, 'cancel deletes nothing');
  await page.getByRole('button', { name: '熱海市 夜間当番 を削除する' }).click();
  await dialog.getByRole('button', { name: '削除する' }).click();
  await page.getByText('「熱海市 夜間当番」を削除しました。').waitFor();
  await list.getByText('熱海市 夜間当番').waitFor({ state: 'detached' });
  assert.deepEqual(
    (await contactRows(ATAMI)).map((r) => r.name),
    ['熱海市 情報政策課'],
  );
});

test('the prefecture administrator turns a Sigma rule set off after a confirmation', async () => {
  await menu().getByRole('link', { name: '検知ルールセット' }).click();
  await heading('検知ルールセット').waitFor();
  const web = page.locator('section[data-logsource="webserver"]');
  const generic = web.locator('tr[data-rule-set="sigma-webserver-generic"]');
  await generic.getByText('有効', { exact: true }).waitFor();
  await web.getByText('既定のまま').waitFor();
  // Its rule count is the number of rule files in the shipped SigmaHQ folder it reads.
  const files = readdirSync(new URL('../../sigma/data/rules/web/webserver_generic/', import.meta.url)).filter(
    (f) => f.endsWith('.yml'),
  ).length;
  assert.ok(files > 5);
  assert.equal(await generic.locator('td[data-key="rules"]').textContent(), String(files));
  await capture('rule-sets');
  // Cancelling changes nothing.
  await generic.getByRole('button', { name: /を無効にする$/ }).click();
  const dialog = page.getByRole('dialog', { name: 'ルールセットを無効にしますか？' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'キャンセル' }).click();
  await dialog.waitFor({ state: 'hidden' });
  let state = await platform.soc.detection.ruleSets.get(platform.system, PREF);
  assert.equal(state.logsources.find((l) => l.logsource === 'webserver')!.configured, false);
  // Confirmed: off, and the prefecture's choice is stored.
  await generic.getByRole('button', { name: /を無効にする$/ }).click();
  await dialog.getByRole('button', { name: '無効にする' }).click();
  await page.getByText(/を無効にしました。/).waitFor();
  await generic.getByText('無効', { exact: true }).waitFor();
  await web.getByText('選択済み').waitFor();
  state = await platform.soc.detection.ruleSets.get(platform.system, PREF);
  const ws = state.logsources.find((l) => l.logsource === 'webserver')!;
  assert.equal(ws.configured, true);
  assert.equal(ws.ruleSets.find((r) => r.name === 'sigma-webserver-generic')!.enabled, false);
  // Another logsource is untouched.
  assert.equal(state.logsources.find((l) => l.logsource === 'proxy')!.configured, false);
  // Back to the defaults.
  await web.getByRole('button', { name: /を既定に戻す$/ }).click();
  await page
    .getByRole('dialog', { name: '既定のルールセットに戻しますか？' })
    .getByRole('button', { name: '既定に戻す' })
    .click();
  await web.getByText('既定のまま').waitFor();
  await generic.getByText('有効', { exact: true }).waitFor();
});

test('the notification log lists every attempt and filters by result', async () => {
  await menu().getByRole('link', { name: '通知履歴' }).click();
  await heading('通知履歴').waitFor();
  const table = page.getByRole('table', { name: '通知の記録' });
  await table.getByText('soc@city.numazu.example.lg.jp').waitFor();
  const failed = table.getByRole('row', { name: /hooks\.atami\.example\.jp/ });
  await failed.getByText('HTTP 503').waitFor();
  await failed.getByText('失敗').waitFor();
  await failed.getByText('都道府県SOC責任者').waitFor();
  await failed.getByText('熱海市').waitFor();
  await page.getByText('50件を表示しています').waitFor();
  await capture('notifications');
  // The next page by cursor, down to the oldest attempt.
  await page.getByRole('button', { name: 'さらに表示' }).click();
  await page.getByText('57件を表示しています').waitFor();
  await table.getByText('joho54@city.atami.example.lg.jp').waitFor();
  assert.equal(await page.getByRole('button', { name: 'さらに表示' }).count(), 0, 'no page after the last');
  await page.getByLabel('結果').selectOption('failed');
  await page.getByRole('button', { name: '検索' }).click();
  await page.getByText('1件を表示しています').waitFor();
  assert.equal(await table.getByText('soc@city.numazu.example.lg.jp').count(), 0);
  // By alert id; a malformed id is refused in the form.
  await page.getByLabel('結果').selectOption('');
  await page.getByLabel('アラートID').fill('al numazu');
  await page.getByRole('button', { name: '検索' }).click();
  await page.getByText(/アラートIDは英数字/).waitFor();
  await page.getByLabel('アラートID').fill('al-numazu-1');
  await page.getByRole('button', { name: '検索' }).click();
  await page.getByText('1件を表示しています').waitFor();
  await table.getByText('soc@city.numazu.example.lg.jp').waitFor();
});

test("a municipality administrator sees only its own organization's contacts and notifications", async () => {
  await signOut(page);
  await signIn('numazu-admin', numazuPassword);
  await menu().getByRole('link', { name: '通知先の管理' }).waitFor();
  assert.equal(await menu().getByRole('link', { name: '検知ルールセット' }).count(), 0);
  await menu().getByRole('link', { name: '通知先の管理' }).click();
  await heading('通知先の管理').waitFor();
  await page.getByTestId('soc-own-org').getByText('沼津市').waitFor();
  assert.equal(
    await page.getByRole('searchbox', { name: '団体を検索' }).count(),
    0,
    'no organization picker',
  );
  const list = page.getByRole('table', { name: '登録済みの通知先' });
  await list.getByText('沼津市 情報政策課').waitFor();
  assert.equal(await list.getByText(/熱海市/).count(), 0);
  // Asking the API for Atami's contacts from this session yields nothing.
  const other = await page.evaluate(async (org) => {
    const r = await fetch(`/api/v1/soc/contacts?organizationId=${org}`, { credentials: 'same-origin' });
    return { status: r.status, body: (await r.json()) as { items: unknown[] } };
  }, ATAMI);
  assert.equal(other.status, 200);
  assert.deepEqual(other.body.items, []);
  await capture('contacts-municipality');
  await menu().getByRole('link', { name: '通知履歴' }).click();
  await heading('通知履歴').waitFor();
  const table = page.getByRole('table', { name: '通知の記録' });
  await table.getByText('soc@city.numazu.example.lg.jp').waitFor();
  await page.getByText('1件を表示しています').waitFor();
  assert.equal(await table.getByText('HTTP 503').count(), 0);
  await capture('notifications-municipality');
  // The rule sets page is not theirs.
  await page.goto(`${server.url}/soc/rule-sets`);
  await heading('この画面を表示する権限がありません').waitFor();
});
