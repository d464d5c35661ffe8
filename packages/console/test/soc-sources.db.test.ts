// The syslog sources screen in a real browser (Debian chromium + playwright-core) against the real server and
// its real UDP syslog listener on a fresh database (MAMORI_TEST_DB): a prefecture SOC operator (MFA enrolled at
// first sign-in) sees an unregistered sender's live counters, registers it from there after the form refused a
// bad range and the server refused a sender already in the configuration file, sees the listener bind the
// sender's next datagrams at once, edits the note and deletes the registration; the configuration file's entry
// stays read-only; municipal staff see only their own organization's sources, without the form.
// Screenshots to test-results/screenshots/<db>/soc-sources-*.png; axe-core on each screen (serious/critical fail).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const SENDER = '127.0.0.5';

let platform: TestPlatform;
let server: StartedServer;
let browser: BrowserSession | undefined;
let page: Page;
let dir: string;
const opPassword = 'prefecture operator password 2026';
const staffPassword = 'numazu staff password 2026';

/** Datagrams from a loopback address of our choosing to the server's listener. */
async function sendFrom(address: string, n: number): Promise<void> {
  const u = createSocket('udp4');
  await new Promise<void>((r) => u.bind({ address, port: 0 }, () => r()));
  for (let i = 0; i < n; i++)
    await new Promise<void>((r) =>
      u.send(
        `<134>Nov 25 10:15:30 fgt01 date=2026-11-25 time=10:15:30 devname="FGT-${i}" type="traffic"`,
        server.syslog!.udp!.port,
        '127.0.0.1',
        () => r(),
      ),
    );
  u.close();
}
/** Waits until the listener has taken `n` datagrams from the sender. */
async function received(address: string, n: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const s = server.syslog!.stats().sources.find((x) => x.source === address);
    if (s && s.accepted >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the listener did not take ${n} datagrams from ${address}`);
}
const registered = () => platform.db.kysely.selectFrom('soc_syslog_sources').selectAll().execute();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mamori-console-sources-'));
  writeFileSync(join(dir, 'sources.yaml'), '- source: 192.0.2.10\n  format: squid\n');
  platform = await createTestPlatform({
    config: {
      soc: { prefectureCode: '220001', syslog: { udpPort: 0, sourcesFile: join(dir, 'sources.yaml') } },
    },
  });
  await platform.addUser({
    username: 'pref-op',
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
  // Atami's own sender, registered earlier: the prefecture sees it, Numazu's staff never do.
  await platform.soc.sources.create(platform.system, {
    kind: 'cert',
    value: 'fw01.atami.example.lg.jp',
    format: 'fortigate',
    organizationId: ATAMI,
    note: '熱海市 本庁舎',
  });
  server = await startServer(platform, { host: '127.0.0.1', port: 0 });
  assert.ok(server.syslog?.udp, 'the UDP listener runs');
  await sendFrom(SENDER, 3);
  await received(SENDER, 3);
  browser = await openBrowser({ defaultTimeoutMs: 20_000 });
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await server?.close().catch(() => undefined);
  await platform?.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const capture = (name: string) => captureScreen(page, `soc-sources-${name}`);
const heading = (name: string | RegExp) => headingOf(page, name);
const menu = () => page.getByRole('navigation', { name: 'メインメニュー' });

test('a prefecture SOC operator registers a sender it saw, the listener binds it at once; edit and delete', async () => {
  await signInAs(page, server.url, 'pref-op', opPassword, true);
  await menu().getByRole('link', { name: 'ログ送信元' }).click();
  await heading('ログ送信元（syslog）').waitFor();
  await page.getByTestId('soc-sources-ports').getByText(`UDP ${server.syslog!.udp!.port}`).waitFor();
  // The configuration file's entry: listed, read-only.
  const list = page.getByRole('table', { name: '登録済みの送信元' });
  const cfgRow = list.getByRole('row', { name: /192\.0\.2\.10\/32/ });
  await cfgRow.getByText('設定ファイル', { exact: true }).waitFor();
  await cfgRow.getByText('設定ファイルで変更').waitFor();
  await list
    .getByRole('row', { name: /fw01\.atami\.example\.lg\.jp/ })
    .getByText('熱海市 本庁舎')
    .waitFor();
  // The unregistered sender with its live counter.
  const unreg = page.getByRole('table', { name: '未登録の送信元' });
  await unreg
    .getByRole('row', { name: new RegExp(SENDER.replace(/\./g, '\\.')) })
    .getByText('3')
    .waitFor();
  await capture('list');

  // Registered from there: the form is prefilled.
  await unreg.getByRole('button', { name: `${SENDER} を登録する` }).click();
  const value = page.getByLabel('送信元アドレス（IP または CIDR）');
  assert.equal(await value.inputValue(), SENDER);
  // Bad input is refused next to the field, nothing stored.
  await value.fill('10.22.0.0/33');
  await page.getByRole('button', { name: '登録する', exact: true }).click();
  await page.getByText('IPアドレスまたは CIDR の形式で入力してください（例：10.22.0.0/16）。').waitFor();
  await focusedField(page, 'sourceValue');
  // The server's own refusal, with its reason: the sender is bound in the configuration file.
  await value.fill('192.0.2.10');
  await page.getByRole('button', { name: '登録する', exact: true }).click();
  await page.getByText(/configuration file/).waitFor();
  await capture('refused');
  assert.equal((await registered()).length, 1, 'nothing stored while refused');

  await value.fill(SENDER);
  await page.getByLabel('ログの形式').selectOption('fortigate');
  await page.getByRole('searchbox', { name: '所属する組織を検索' }).fill('沼津');
  // The picker selects the first match (沼津市).
  const orgSelect = page.getByRole('combobox', { name: /^所属する組織/ });
  await page.waitForFunction(
    ([id]) => [...document.querySelectorAll('select')].some((el) => el.value === id),
    [NUMAZU],
  );
  assert.equal(await orgSelect.inputValue(), NUMAZU);
  await page.getByLabel('メモ').fill('沼津市 FortiGate 60F');
  await page.getByRole('button', { name: '登録する', exact: true }).click();
  await page.getByText(`「${SENDER}」を登録しました。`).waitFor();
  const rows = (await registered()).filter((r) => r.value === `${SENDER}/32`);
  assert.equal(rows.length, 1);
  assert.deepEqual(
    [rows[0]!.organization_id, rows[0]!.format, rows[0]!.note],
    [NUMAZU, 'fortigate', '沼津市 FortiGate 60F'],
  );
  // The running listener binds the sender's next datagrams without a restart.
  await sendFrom(SENDER, 2);
  await received(SENDER, 5);
  const st = server.syslog!.stats().sources.find((s) => s.source === SENDER)!;
  assert.deepEqual([st.organizationId, st.sourceId], [NUMAZU, rows[0]!.id]);
  // Its counters now show on its registration (after the page reloads them).
  await page.reload();
  await heading('ログ送信元（syslog）').waitFor();
  const row = page
    .getByRole('table', { name: '登録済みの送信元' })
    .getByRole('row', { name: /127\.0\.0\.5\/32/ });
  await row.getByRole('cell', { name: '沼津市', exact: true }).waitFor();
  await row.getByRole('cell', { name: 'Fortinet FortiGate key=value log', exact: true }).waitFor();
  await row.getByRole('cell', { name: '5', exact: true }).first().waitFor();
  await page
    .getByRole('table', { name: '未登録の送信元' })
    .getByText('未登録の送信元からの受信はありません。')
    .waitFor();
  await capture('registered');

  // Edit the note.
  await row.getByRole('button', { name: '127.0.0.5/32 を編集する' }).click();
  await page.getByRole('heading', { name: '「127.0.0.5/32」を編集する' }).waitFor();
  await page.getByLabel('メモ').fill('沼津市 FortiGate 60F（本庁舎）');
  await page.getByRole('button', { name: '保存する' }).click();
  await page.getByText('「127.0.0.5/32」を更新しました。').waitFor();
  assert.equal(
    (await registered()).find((r) => r.id === rows[0]!.id)!.note,
    '沼津市 FortiGate 60F（本庁舎）',
  );

  // Delete after the confirmation.
  await page
    .getByRole('table', { name: '登録済みの送信元' })
    .getByRole('button', { name: '127.0.0.5/32 を削除する' })
    .click();
  const dialog = page.getByRole('dialog', { name: '送信元の登録を削除しますか' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: '削除' }).click();
  await page.getByText('「127.0.0.5/32」の登録を削除しました。').waitFor();
  assert.equal((await registered()).filter((r) => r.id === rows[0]!.id).length, 0);
  const audit = await platform.db.kysely
    .selectFrom('audit_log')
    .select(['action', 'result'])
    .where('action', 'like', 'soc.source.%')
    .execute();
  for (const a of ['soc.source.create', 'soc.source.update', 'soc.source.delete'])
    assert.ok(
      audit.some((x) => x.action === a && x.result === 'success'),
      a,
    );
});

test("municipal staff see only their own organization's sources, without the form", async () => {
  await platform.soc.sources.create(platform.system, {
    kind: 'address',
    value: '10.22.0.0/16',
    organizationId: NUMAZU,
    note: '沼津市 本庁舎',
  });
  await signOut(page);
  await signInAs(page, server.url, 'numazu-staff', staffPassword, false);
  await menu().getByRole('link', { name: 'ログ送信元' }).click();
  await heading('ログ送信元（syslog）').waitFor();
  const list = page.getByRole('table', { name: '登録済みの送信元' });
  await list.getByText('10.22.0.0/16').waitFor();
  assert.equal(await list.getByText('fw01.atami.example.lg.jp').count(), 0);
  assert.equal(await list.getByText('192.0.2.10/32').count(), 0);
  assert.equal(await page.getByRole('heading', { name: '送信元を登録する' }).count(), 0);
  assert.equal(await list.getByRole('button').filter({ hasText: '編集' }).count(), 0);
  await capture('municipal');
});
