// SOC administration screens in a real browser (Debian chromium + playwright-core) against the real server on
// a fresh database (MAMORI_TEST_DB): a prefecture administrator (MFA enrolled at first sign-in) adds a
// notification contact after the form refused bad input, edits it without ever seeing its webhook secret,
// deletes another, turns a Sigma rule set off after a confirmation, reads the notification log and filters
// it; a municipality administrator sees only its own organization's contacts and notifications.
// Screenshots to test-results/screenshots/<db>/soc-admin-*.png; axe-core on each screen (serious/critical fail).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { orgIdForCode } from '@mamori/platform';
import { createTestPlatform } from '@mamori/platform/testing';
import type { TestPlatform } from '@mamori/platform/testing';
import { startServer } from '@mamori/server';
import type { StartedServer } from '@mamori/server';

const consoleDir = resolve(import.meta.dirname, '..');
const repoRoot = resolve(consoleDir, '../..');
const CHROMIUM = '/usr/bin/chromium';
const PREF = orgIdForCode('220001');
const NUMAZU = orgIdForCode('222038');
const ATAMI = orgIdForCode('222054');
const SECRET = 'numazu-webhook-signing-secret-0001';
const ATAMI_SECRET = 'atami-webhook-signing-secret-0002';

// ---------- helpers (as in console.db.test.ts / soc.db.test.ts) ----------

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/** Builds the console when dist is missing or older than its sources. */
function ensureBuilt(): void {
  const index = join(consoleDir, 'dist/index.html');
  const sourcesAt = Math.max(
    newestMtime(join(consoleDir, 'src')),
    statSync(join(consoleDir, 'index.html')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sourcesAt) return;
  const vite = join(repoRoot, 'node_modules/vite/bin/vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: consoleDir,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `vite build failed:\n${r.stdout}\n${r.stderr}`);
}

function base32Decode(s: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of s.replace(/[=\s]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP computed independently of the platform's implementation. */
function totp(secret: string, at = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const axeSource = readFileSync(join(repoRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

// ---------- fixture ----------

let platform: TestPlatform;
let server: StartedServer;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const adminPassword = 'prefecture admin password 2026';
const numazuPassword = 'numazu admin password 2026';
const shotDir = join(
  repoRoot,
  'test-results/screenshots',
  (process.env.MAMORI_TEST_DB ?? 'sqlite').toLowerCase(),
);

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
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk`);
  ensureBuilt();
  platform = await createTestPlatform({ config: { soc: { prefectureCode: '220001' } } });
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
  mkdirSync(shotDir, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'mamori-chromium-socadmin-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--lang=ja-JP',
    ],
    env: { ...process.env, LANG: 'ja_JP.UTF-8', LANGUAGE: 'ja' },
    viewport: { width: 1366, height: 900 },
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    // axe is injected as a script tag; the server's CSP rightly forbids inline scripts for real users.
    bypassCSP: true,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
});

after(async () => {
  await context?.close().catch(() => undefined);
  await server?.close().catch(() => undefined);
  await platform?.close().catch(() => undefined);
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

async function capture(name: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(shotDir, `soc-admin-${name}.png`), fullPage: true });
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const result = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<unknown> } })
      .axe;
    return axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
  })) as { violations: AxeViolation[] };
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(' | ')}`,
    ),
    [],
    `axe found serious/critical violations on soc-admin-${name}`,
  );
}

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
const menu = () => page.getByRole('navigation', { name: 'メインメニュー' });
const contactRows = (org: string) =>
  platform.db.kysely.selectFrom('soc_contacts').selectAll().where('organization_id', '=', org).execute();

async function signIn(username: string, password: string): Promise<void> {
  await page.goto(server.url);
  await heading('ログイン').waitFor();
  await page.getByLabel('ユーザーID').fill(username);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログインする' }).click();
  // Both administrators must enrol MFA at their first sign-in.
  await heading('多要素認証の設定').waitFor();
  const secret = (await page.getByTestId('mfa-secret').innerText()).trim();
  await page.getByLabel('確認コード（6桁）').fill(totp(secret));
  await page.getByRole('button', { name: '登録を完了する' }).click();
  await page.getByRole('button', { name: /コンソールへ進む/ }).click();
  await heading('組織').waitFor();
}

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
  await page.getByRole('table', { name: '重大度ごとの確認期限' }).getByText('15分').waitFor();
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
  assert.equal(
    await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name),
    'contactName',
  );
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
  await page.getByRole('button', { name: 'ログアウト' }).click();
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
