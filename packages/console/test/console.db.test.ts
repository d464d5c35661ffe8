// End-to-end test of the web console in a real browser (Debian chromium driven by playwright-core) against the
// real server on a fresh database (SQLite or PostgreSQL, MAMORI_TEST_DB). Saves a screenshot of every screen to
// test-results/screenshots/<db>/ and runs axe-core on each, failing on serious or critical violations.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { capture as captureScreen, openBrowser, totp, type BrowserSession } from './browser-kit.js';
import { seedDemo, systemContext } from '@mamori/platform';
import { createTestPlatform } from '@mamori/platform/testing';
import type { TestPlatform } from '@mamori/platform/testing';
import { startServer } from '@mamori/server';
import type { StartedServer } from '@mamori/server';

// ---------- fixture ----------

let platform: TestPlatform;
let server: StartedServer;
let context: BrowserContext;
let page: Page;
let browser: BrowserSession | undefined;
let adminPassword: string;
let recoveryCodes: string[] = [];
let numazuPassword: string;
const screens: string[] = [];

before(async () => {
  // A fresh database (MAMORI_TEST_DB) with the demo prefecture's accounts, as `npm start` seeds them.
  platform = await createTestPlatform({ orgs: false });
  const demo = await seedDemo(platform, systemContext('console-test'));
  const admin = demo.users.find((u) => u.username === 'admin');
  assert.ok(admin?.password, 'demo seeding creates the admin with an initial password');
  adminPassword = admin.password;
  const numazu = demo.users.find((u) => u.username === 'numazu-city');
  assert.ok(numazu?.password);
  numazuPassword = numazu.password;
  server = await startServer(platform, { host: '127.0.0.1', port: 0 });
  browser = await openBrowser({ defaultTimeoutMs: 15_000 });
  ({ context, page } = browser);
});

after(async () => {
  await browser?.close();
  await server?.close().catch(() => undefined);
  await platform?.close().catch(() => undefined);
});

/** Screenshot plus axe audit; the list of screens reached is checked at the end of the journey. */
async function capture(name: string): Promise<void> {
  screens.push(name);
  await captureScreen(page, name);
}

const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });

// ---------- the journey ----------

test('sign-in screen is Japanese, keyboard-reachable, and shows API errors in Japanese', async (t) => {
  await page.goto(server.url);
  await heading('ログイン').waitFor();
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    return { dcl: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) };
  });
  t.diagnostic(`first load (cold browser): DOMContentLoaded ${nav.dcl} ms, load ${nav.load} ms`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'ja');
  // The first Tab lands on the skip link.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), '本文へ移動');
  await page.getByRole('button', { name: 'ログインする' }).click();
  await page.getByText('ユーザーIDを入力してください。').waitFor();
  await page.getByLabel('ユーザーID').fill('admin');
  await page.getByLabel('パスワード').fill('wrong-password-123');
  await page.getByRole('button', { name: 'ログインする' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = (await alert.innerText()).trim();
  assert.match(text, /[\u3040-\u30ff\u4e00-\u9fff]/, `the error is shown in Japanese: ${text}`);
  await capture('sign-in');
});

test('first sign-in enrols MFA with a locally rendered QR code and shows recovery codes once', async () => {
  await page.getByLabel('パスワード').fill(adminPassword);
  await page.getByRole('button', { name: 'ログインする' }).click();
  await heading('多要素認証の設定').waitFor();
  const qr = page.getByRole('img', { name: '認証アプリ登録用のQRコード' });
  await qr.waitFor();
  assert.ok(Number(await qr.evaluate((el) => el.querySelectorAll('path').length)) > 0);
  const secret = (await page.getByTestId('mfa-secret').innerText()).trim();
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  await page.getByText(/^otpauth:\/\/totp\//).waitFor();
  await capture('mfa-enrolment');
  await page.getByLabel('確認コード（6桁）').fill(totp(secret));
  await page.getByRole('button', { name: '登録を完了する' }).click();
  await heading('リカバリーコード').waitFor();
  const codes = await page
    .getByRole('list', { name: 'リカバリーコード' })
    .getByRole('listitem')
    .allInnerTexts();
  assert.ok(codes.length >= 5, `recovery codes shown: ${codes.length}`);
  assert.equal(new Set(codes).size, codes.length);
  recoveryCodes = codes.map((c) => c.trim());
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'ダウンロード' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^mamori-recovery-codes-admin\.txt$/);
  const saved = readFileSync((await download.path())!, 'utf8');
  for (const c of codes) assert.ok(saved.includes(c.trim()), `downloaded file holds ${c}`);
  await capture('recovery-codes');
  await page.getByRole('button', { name: /コンソールへ進む/ }).click();
});

test('the organization tree loads children lazily down to a municipality', async (t) => {
  await heading('組織').waitFor();
  const tree = page.getByRole('tree');
  const state = tree.getByRole('treeitem', { name: /総務省/ }).first();
  await state.waitFor();
  assert.equal(await tree.getByRole('treeitem').count(), 1, 'only the root before expanding');
  await state.locator('.tree-row').first().click();
  const shizuoka = tree.getByRole('treeitem', { name: /静岡県/ });
  await shizuoka.waitFor();
  assert.equal(await tree.getByRole('treeitem', { level: 2 } as never).count(), 47, '47 prefectures');
  const t0 = Date.now();
  await shizuoka.locator('.tree-row').first().click();
  const numazu = tree.getByRole('treeitem', { name: /沼津市/ });
  await numazu.waitFor();
  t.diagnostic(`expanding 静岡県 (35 children) until 沼津市 is visible: ${Date.now() - t0} ms`);
  // A designated city opens onto its 行政区 (wards), one level further down.
  const shizuokaCity = tree.getByRole('treeitem', { name: /^静岡市/ });
  await shizuokaCity.locator('.tree-row').first().click();
  const aoi = tree.getByRole('treeitem', { name: /葵区/ });
  await aoi.waitFor();
  assert.equal(await aoi.getAttribute('aria-level'), '4');
  await aoi.getByText('行政区').waitFor();
  assert.equal(await numazu.getAttribute('aria-level'), '3');
  // Keyboard: the tree is a single tab stop with arrow-key movement.
  await numazu.locator('.tree-row').first().click();
  await page.keyboard.press('ArrowUp');
  const focusedName = await page.evaluate(
    () => document.activeElement?.querySelector('.tree-name')?.textContent,
  );
  assert.ok(focusedName && focusedName !== '沼津市', 'ArrowUp moves focus to the previous node');
  await page.keyboard.press('ArrowDown');
  await page.getByRole('heading', { name: '選択中の組織' }).waitFor();
  const summary = page.getByRole('complementary');
  await summary.getByText('222038').waitFor();
  await capture('org-tree');

  // Search by kana (hiragana), which the API normalises.
  await page.getByLabel('名称・よみがな・団体コード').fill('ぬまづ');
  await page.getByRole('button', { name: '検索', exact: true }).click();
  await page.getByText(/「ぬまづ」の検索結果：[1-9]\d*件/).waitFor();
  await page.getByRole('table').getByRole('link', { name: '沼津市' }).waitFor();
  await capture('org-search');
});

test('organization detail shows code, kind, parent path and users', async () => {
  await page.getByRole('link', { name: '沼津市の詳細を見る' }).click();
  await heading('沼津市').waitFor();
  // Focus moves to the new page heading (set after the render; fails by timing out if it never does).
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1', undefined, { timeout: 5000 });
  assert.equal((await page.getByTestId('org-code').innerText()).trim(), '222038');
  const crumbs = page.getByRole('navigation', { name: 'パンくずリスト' });
  await crumbs.getByRole('link', { name: '静岡県' }).waitFor();
  await crumbs.getByRole('link', { name: '総務省' }).waitFor();
  await page.getByRole('table', { name: '所属ユーザー' }).getByText('numazu-city').waitFor();
  await capture('org-detail');

  // Up the breadcrumb to the prefecture: its municipalities are listed, and an administrator adds a body.
  await crumbs.getByRole('link', { name: '静岡県' }).click();
  await heading('静岡県').waitFor();
  const kids = page.getByRole('table', { name: /下位組織/ });
  await kids.getByRole('link', { name: '沼津市' }).waitFor();
  await kids.getByRole('link', { name: '静岡市' }).waitFor();
  const add = page.getByRole('region', { name: '静岡県の下に団体を追加' });
  await add.getByLabel('名称').fill('静岡県自治体情報セキュリティクラウド運営事業者');
  await add.getByLabel('よみがな').fill('しずおかけんせきゅりてぃくらうど');
  await add.getByLabel('区分').selectOption('soc_operator');
  await add.getByRole('button', { name: '団体を追加する' }).click();
  await add.getByText('「静岡県自治体情報セキュリティクラウド運営事業者」を追加しました。').waitFor();
  await kids.getByRole('link', { name: '静岡県自治体情報セキュリティクラウド運営事業者' }).waitFor();
  await capture('org-detail-prefecture');
});

test('an administrator creates a user and disables it', async () => {
  await page
    .getByRole('navigation', { name: 'メインメニュー' })
    .getByRole('link', { name: 'ユーザー管理' })
    .click();
  await heading('ユーザー管理').waitFor();
  await page.getByRole('table', { name: 'ユーザー一覧' }).getByText('shizuoka-soc').waitFor();
  await page.getByRole('button', { name: 'ユーザーを追加' }).click();
  const form = page.getByRole('region', { name: 'ユーザーの新規登録' });
  // Submitting empty shows each field's error under it, tied to the input for screen readers.
  await form.getByRole('button', { name: '登録する' }).click();
  const idBox = form.getByRole('textbox', { name: /ユーザーID/ });
  assert.equal(await idBox.getAttribute('aria-invalid'), 'true');
  await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'username');
  await form.getByText('＊ユーザーIDは半角英数字と . _ - で3〜64文字にしてください。').waitFor();
  await form.getByText('＊パスワードは12文字以上にしてください。').waitFor();
  await capture('users-form-errors');
  await form.getByLabel('ユーザーID').fill('numazu-staff1');
  await form.getByLabel('表示名').fill('沼津市 情報政策課 職員');
  await form.getByLabel('メールアドレス').fill('numazu-staff1@example.jp');
  await form.getByLabel('ロール').selectOption('municipality_staff');
  await form.getByLabel('所属組織を検索').fill('沼津');
  const orgSelect = form.getByRole('combobox', { name: '所属組織' });
  const numazuOption = orgSelect.locator('option', { hasText: '沼津市' }).first();
  await numazuOption.waitFor({ state: 'attached' });
  await orgSelect.selectOption((await numazuOption.getAttribute('value'))!);
  await form.getByLabel('初期パスワード').fill('initial-Passw0rd-123');
  await form.getByRole('button', { name: '登録する' }).click();
  await page.getByText('ユーザー「numazu-staff1」を登録しました。').waitFor();
  const row = page.getByRole('row', { name: /numazu-staff1/ });
  await row.getByRole('cell', { name: '沼津市', exact: true }).waitFor();
  await row.getByRole('cell', { name: '市区町村 職員', exact: true }).waitFor();
  // Sortable headers: user ID ascending at first, descending after one click (aria-sort follows).
  const usersTable = page.getByRole('table', { name: 'ユーザー一覧' });
  const idHeader = usersTable.getByRole('columnheader', { name: /ユーザーID/ });
  assert.equal(await idHeader.getAttribute('aria-sort'), 'ascending');
  await idHeader.getByRole('button').click();
  assert.equal(await idHeader.getAttribute('aria-sort'), 'descending');
  assert.equal(
    (await usersTable.locator('tbody tr td:first-child').first().innerText()).trim(),
    'shizuoka-soc',
  );
  await idHeader.getByRole('button').click();
  assert.equal((await usersTable.locator('tbody tr td:first-child').first().innerText()).trim(), 'admin');
  await capture('users');
  await row.getByRole('button', { name: 'numazu-staff1の利用を停止' }).click();
  await page.getByText('ユーザー「numazu-staff1」の利用を停止しました。').waitFor();
  await row.getByText('停止中').waitFor();
  const stored = await platform.accounts.find(systemContext('console-test'), 'numazu-staff1');
  assert.equal(stored.disabled, true);
  assert.equal(stored.role, 'municipality_staff');
  await row.getByRole('button', { name: 'numazu-staff1の利用を再開' }).click();
  await page.getByText('ユーザー「numazu-staff1」の利用を再開しました。').waitFor();
  await row.getByText('利用中').waitFor();
  assert.equal(
    (await platform.accounts.find(systemContext('console-test'), 'numazu-staff1')).disabled,
    false,
  );
});

test('an API token is shown once, works, and stops working when revoked', async () => {
  await page
    .getByRole('navigation', { name: 'メインメニュー' })
    .getByRole('link', { name: 'APIトークン' })
    .click();
  await heading('APIトークン').waitFor();
  await page.getByLabel('名前').fill('静岡県SOC ログ転送');
  const boxes = page.getByRole('group', { name: /権限/ }).getByRole('checkbox');
  // The permissions the user may grant arrive after the heading: counted once they are on screen.
  const orgRead = page.getByRole('checkbox', { name: /org:read/ });
  await orgRead.waitFor();
  assert.ok((await boxes.count()) >= 2);
  await orgRead.check();
  await page.getByRole('button', { name: '発行する' }).click();
  const token = (await page.getByTestId('new-token').innerText()).trim();
  assert.match(token, /^mamori_/);
  await page
    .getByRole('row', { name: /静岡県SOC ログ転送/ })
    .getByText('有効')
    .waitFor();
  await capture('tokens');

  const call = () =>
    fetch(`${server.url}/api/v1/organizations?limit=1`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await call()).status, 200, 'the new token reads organizations');

  await page.getByRole('button', { name: 'トークン「静岡県SOC ログ転送」を失効させる' }).click();
  const dialog = page.getByRole('dialog', { name: 'トークンを失効させますか' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: '失効させる' }).click();
  await page.getByText('トークン「静岡県SOC ログ転送」を失効させました。').waitFor();
  await page
    .getByRole('row', { name: /静岡県SOC ログ転送/ })
    .getByText('失効')
    .waitFor();
  assert.equal((await call()).status, 401, 'a revoked token is refused');
  await capture('tokens-revoked');
});

test('the audit trail lists actions, filters them and verifies the hash chain', async () => {
  await page
    .getByRole('navigation', { name: 'メインメニュー' })
    .getByRole('link', { name: '監査ログ' })
    .click();
  await heading('監査ログ').waitFor();
  const table = page.getByRole('table', { name: '記録' });
  await table.getByRole('row').nth(1).waitFor();
  const all = await table.getByRole('row').count();
  assert.ok(all > 3, `audit rows: ${all}`);
  await page.getByLabel('結果').selectOption('failure');
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.waitForFunction(() =>
    [...document.querySelectorAll('table tbody tr')].every((r) => !r.textContent?.includes('成功')),
  );
  await table.getByText('失敗').first().waitFor();
  await table
    .getByRole('cell', { name: /ログイン\s*auth\.login/ })
    .first()
    .waitFor();
  await page.getByRole('button', { name: 'クリア' }).click();
  // Time range: from today (Japan time) keeps today's records; a range ending in 2020 has none.
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' })
    .format(new Date())
    .split('-');
  const from = page.getByRole('group', { name: '開始日（日本時間）' });
  await from.getByLabel('年').fill(y!);
  await from.getByLabel('月').fill(m!);
  await from.getByLabel('日').fill(d!);
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.getByText(`${all - 1}件を表示しています`).waitFor();
  const to = page.getByRole('group', { name: '終了日（日本時間）' });
  await from.getByLabel('年').fill('2020');
  await to.getByLabel('年').fill('2020');
  await to.getByLabel('月').fill('1');
  await to.getByLabel('日').fill('31');
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.getByText('条件に合う記録はありません。').waitFor();
  await page.getByRole('button', { name: 'クリア' }).click();
  await page.getByText(`${all - 1}件を表示しています`).waitFor();
  // Organization filter: the records about 沼津市 are the user created there and its suspension.
  const numazu = await platform.orgs.find(platform.system, '222038');
  await page.getByLabel('組織ID').fill(numazu.id);
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('table tbody tr')];
    return rows.length > 0 && rows.every((r) => /user\.(create|update)/.test(r.textContent ?? ''));
  });
  await table.getByText('numazu-staff1').or(table.getByText('user.create')).first().waitFor();
  await page.getByRole('button', { name: 'クリア' }).click();
  await page.getByText(`${all - 1}件を表示しています`).waitFor();
  await page.getByRole('button', { name: 'ハッシュチェーンを検証' }).click();
  const verdict = page.getByText(/検証しました：\d+件の記録に改ざんはありません。|件の問題が見つかりました/);
  await verdict.waitFor().catch(async () => {
    // Say what the page shows instead (for example an error banner from the API).
    assert.fail(`no verification result; the page shows: ${await page.locator('.banner').allInnerTexts()}`);
  });
  const verdictText = await page.locator('.banner').first().innerText();
  assert.match(verdictText, /検証しました：\d+件の記録に改ざんはありません。/, verdictText);
  await capture('audit');
});

test('my account shows the profile and MFA status', async () => {
  await page
    .getByRole('navigation', { name: 'メインメニュー' })
    .getByRole('link', { name: 'アカウント設定' })
    .click();
  await heading('アカウント設定').waitFor();
  await page.getByRole('region', { name: '多要素認証' }).getByText('設定済み').waitFor();
  await page.getByText('総務省 管理者').first().waitFor();
  await capture('account');
});

test('switching to English translates the console and API errors', async () => {
  await page.getByRole('button', { name: 'English' }).click();
  await heading('My account').waitFor();
  // The page's lang attribute and the account form's language follow the switch in effects after the render
  // that translated the heading: wait for them (failing by timeout if they never follow), then check.
  await page.waitForFunction(() => document.documentElement.lang === 'en', undefined, { timeout: 5000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.getByRole('region', { name: 'Multi-factor authentication' }).getByText('Enrolled').waitFor();
  const language = page.getByRole('combobox', { name: 'Language', exact: true });
  await page.waitForFunction(
    () => document.querySelector<HTMLSelectElement>('select[name="locale"]')?.value === 'en',
    undefined,
    { timeout: 5000 },
  );
  assert.equal(await language.inputValue(), 'en');
  await capture('account-en');
  await page
    .getByRole('navigation', { name: 'Main menu' })
    .getByRole('link', { name: 'Organizations' })
    .click();
  await heading('Organizations').waitFor();
  await page.getByRole('tree').getByRole('treeitem', { name: /State/ }).first().waitFor();
  await capture('org-tree-en');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await heading('Sign in').waitFor();
  await page.getByLabel('User ID').fill('admin');
  await page.getByLabel('Password').fill('not-the-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const text = (await page.getByRole('alert').innerText()).trim();
  assert.ok(
    text.length > 0 && !/[\u3040-\u30ff\u4e00-\u9fff]/.test(text),
    `the error is in English: ${text}`,
  );
  await capture('sign-in-en');

  // Signing in again asks for the second factor; a recovery code shown at enrolment is accepted.
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await heading('Multi-factor authentication').waitFor();
  await page.getByLabel('Verification code').fill(recoveryCodes[0]!);
  await capture('mfa-verify-en');
  await page.getByRole('button', { name: 'Verify' }).click();
  await heading('Organizations').waitFor();

  // The language is kept on the account: a browser without the local choice starts in Japanese and switches
  // to the account's English once signed in.
  await page.getByRole('button', { name: 'Sign out' }).click();
  // Signed out first (a reload could cut the sign-out request short).
  await heading('Sign in').waitFor();
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await heading('ログイン').waitFor();
  await page.getByLabel('ユーザーID').fill('admin');
  await page.getByLabel('パスワード').fill(adminPassword);
  await page.getByRole('button', { name: 'ログインする' }).click();
  await heading('多要素認証').waitFor();
  await page.getByLabel('確認コード').fill(recoveryCodes[1]!);
  await page.getByRole('button', { name: '確認する' }).click();
  await heading('Organizations').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.ok(screens.length >= 14, `screens captured: ${screens.join(', ')}`);
});

test('a municipality administrator sees only its own municipality', async () => {
  await page.getByRole('button', { name: '日本語' }).click();
  await page.getByRole('button', { name: 'ログアウト' }).click();
  await heading('ログイン').waitFor();
  await page.getByLabel('ユーザーID').fill('numazu-city');
  await page.getByLabel('パスワード').fill(numazuPassword);
  await page.getByRole('button', { name: 'ログインする' }).click();
  await heading('多要素認証の設定').waitFor();
  const secret = (await page.getByTestId('mfa-secret').innerText()).trim();
  await page.getByLabel('確認コード（6桁）').fill(totp(secret));
  await page.getByRole('button', { name: '登録を完了する' }).click();
  await page.getByRole('button', { name: /コンソールへ進む/ }).click();
  await heading('組織').waitFor();
  await page.getByText('沼津市 · 市区町村 管理者').waitFor();
  // The tree starts at the user's own municipality: nothing above or beside it is offered.
  await page
    .getByRole('tree')
    .getByRole('treeitem', { name: /沼津市/ })
    .waitFor();
  assert.equal(await page.getByRole('tree').getByRole('treeitem').count(), 1);
  await capture('org-tree-municipality');

  const menu = page.getByRole('navigation', { name: 'メインメニュー' });
  await menu.getByRole('link', { name: 'ユーザー管理' }).click();
  await heading('ユーザー管理').waitFor();
  const users = page.getByRole('table', { name: 'ユーザー一覧' });
  await users.getByText('numazu-staff1').waitFor();
  const names = await users.locator('tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(names.map((n) => n.trim()).sort(), ['numazu-city', 'numazu-staff1']);
  await capture('users-municipality');

  // Another municipality's page: the API refuses its users, and the console says so.
  const shizuokaCity = await platform.orgs.find(platform.system, '221007');
  await page.evaluate((id) => {
    window.history.pushState({}, '', `/orgs/${id}`);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, shizuokaCity.id);
  await heading(/静岡市|組織の詳細/).waitFor();
  // Another tenant's organization does not exist for this user (404, message from the API in Japanese).
  const refusal = (await page.getByRole('alert').innerText()).trim();
  assert.match(refusal, /[\u3040-\u30ff\u4e00-\u9fff]/);
  assert.equal(await page.getByText('shizuoka-city').count(), 0, 'no user of 静岡市 is shown');
  await capture('org-detail-other-municipality');
});

test('changing the password keeps the session it was changed from', async () => {
  const menu = page.getByRole('navigation', { name: 'メインメニュー' });
  // A mismatch is caught in the form; a change keeps this session signed in (the platform ends only the
  // account's other sessions) and the new password works.
  await menu.getByRole('link', { name: 'アカウント設定' }).click();
  await heading('アカウント設定').waitFor();
  const pw = page.getByRole('region', { name: 'パスワードの変更' });
  const newPassword = 'Changed-by-the-console-42';
  await pw.getByLabel('現在のパスワード').fill(numazuPassword);
  await pw.getByLabel(/^新しいパスワード(?!（)/).fill(newPassword);
  await pw.getByLabel('新しいパスワード（確認）').fill('something-else-entirely');
  await pw.getByRole('button', { name: 'パスワードを変更する' }).click();
  await pw.getByText('＊確認用のパスワードが一致しません。').waitFor();
  await pw.getByLabel('新しいパスワード（確認）').fill(newPassword);
  await pw.getByRole('button', { name: 'パスワードを変更する' }).click();
  await pw.getByText('パスワードを変更しました。').waitFor();
  await capture('account-password-changed');
  const still = await page.evaluate(() => fetch('/api/v1/auth/session').then((r) => r.status));
  assert.equal(
    still,
    200,
    'changing the password keeps the session it was changed from (the server passes RequestContext.sessionId to accounts.changePassword)',
  );
  const verified = await platform.auth.login(platform.system, {
    username: 'numazu-city',
    password: newPassword,
  });
  assert.equal(verified.state, 'mfa_required', 'the new password signs in');
});

test('an ended session returns the user to sign-in with a notice', async () => {
  const menu = page.getByRole('navigation', { name: 'メインメニュー' });
  // When the session is gone (here: the cookie dropped), the next request returns the user to sign-in.
  await context.clearCookies();
  await menu.getByRole('link', { name: 'ユーザー管理' }).click();
  await heading('ログイン').waitFor();
  await page.getByText('セッションの有効期限が切れました。もう一度ログインしてください。').waitFor();
});
