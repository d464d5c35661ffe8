// What every real-browser console test shares: the console built from its sources, Debian chromium driven by
// playwright-core in Japanese on Asia/Tokyo, an independent TOTP for MFA enrolment, and a screenshot with an
// axe-core audit (serious/critical violations fail) of each screen a test reaches.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';

export const consoleDir = resolve(import.meta.dirname, '..');
export const repoRoot = resolve(consoleDir, '../..');
const CHROMIUM = '/usr/bin/chromium';
/** test-results/screenshots/<db>: the run's screenshots, per database. */
export const shotDir = join(
  repoRoot,
  'test-results/screenshots',
  (process.env.MAMORI_TEST_DB ?? 'sqlite').toLowerCase(),
);

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
export function ensureBuilt(): void {
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
export function totp(secret: string, at = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Debian chromium (never a downloaded browser), Japanese UI, Asia/Tokyo; builds the console first if needed. */
export async function openBrowser(o: { defaultTimeoutMs: number }): Promise<BrowserSession> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk`);
  ensureBuilt();
  mkdirSync(shotDir, { recursive: true });
  const userDataDir = mkdtempSync(join(tmpdir(), 'mamori-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Chromium formats date inputs by its UI language (from --lang and LANG), not by the page.
      '--lang=ja-JP',
    ],
    env: { ...process.env, LANG: 'ja_JP.UTF-8', LANGUAGE: 'ja' },
    viewport: { width: 1366, height: 900 },
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    acceptDownloads: true,
    // axe is injected as a script tag; the server's CSP rightly forbids inline scripts for real users.
    bypassCSP: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(o.defaultTimeoutMs);
  watchForTrouble(page);
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Prints what a timed-out wait cannot tell: server errors, requests that failed or took long, and the page's own
 * errors (the expected 4xx refusals the tests provoke are left out).
 */
function watchForTrouble(page: Page): void {
  const say = (what: string) => console.error(`[browser ${new Date().toISOString()}] ${what}`);
  page.on('pageerror', (e) => say(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // Navigation and closing the page cut requests (the live stream) short: that is no trouble.
    const why = r.failure()?.errorText ?? '';
    if (!why.includes('ERR_ABORTED')) say(`request failed: ${r.method()} ${r.url()} — ${why}`);
  });
  page.on('requestfinished', (r) => {
    const ms = r.timing().responseEnd;
    if (ms > 3000) say(`slow request: ${r.method()} ${r.url()} took ${Math.round(ms)} ms`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) say(`server error: ${r.request().method()} ${r.url()} → ${r.status()}`);
  });
}

const axeSource = readFileSync(join(repoRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Screenshot to shotDir/<file>.png plus an axe-core audit of the current screen (WCAG 2.1 A/AA, best practices). */
export async function capture(page: Page, file: string): Promise<void> {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(shotDir, `${file}.png`), fullPage: true });
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
    `axe found serious/critical violations on ${file}`,
  );
}

export const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name });

/**
 * Waits until the form field named `name` has the focus. Forms move the focus to the first invalid field in the
 * next animation frame (Field.tsx), after the messages are on screen; fails (times out) if it never gets there.
 */
export async function focusedField(page: Page, name: string): Promise<void> {
  await page.waitForFunction((n) => (document.activeElement as HTMLInputElement | null)?.name === n, name, {
    timeout: 5000,
  });
}

/**
 * Signs out and waits for the sign-in page: navigating or reloading before then can cut the sign-out request
 * short and leave the session open.
 */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'ログアウト' }).click();
  await heading(page, 'ログイン').waitFor();
}

/** Signs in through the form; at a first sign-in (enrolMfa) enrols TOTP, as every administrator must. */
export async function signIn(
  page: Page,
  url: string,
  username: string,
  password: string,
  enrolMfa: boolean,
): Promise<void> {
  await page.goto(url);
  await heading(page, 'ログイン').waitFor();
  await page.getByLabel('ユーザーID').fill(username);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログインする' }).click();
  if (enrolMfa) {
    await heading(page, '多要素認証の設定').waitFor();
    const secret = (await page.getByTestId('mfa-secret').innerText()).trim();
    await page.getByLabel('確認コード（6桁）').fill(totp(secret));
    await page.getByRole('button', { name: '登録を完了する' }).click();
    await page.getByRole('button', { name: /コンソールへ進む/ }).click();
  }
  await heading(page, '組織').waitFor();
}
