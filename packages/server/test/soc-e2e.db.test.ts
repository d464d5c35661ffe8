// The SOC end to end (issue #5 "Done when"): real attacks through a real nginx + ModSecurity + OWASP CRS in
// front of a test site, real mail through rspamd with clamd (local EICAR signature, no download); their real
// logs go in over the HTTP bulk ingest route; then the alerts exist, the notification email reaches a real SMTP
// server on loopback, and the monthly report's figures equal what was sent (WAF attacks by type, spam,
// malware). Everything runs on 127.0.0.1 and is stopped by PID at the end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { SMTPServer } from 'smtp-server';
import { orgIdForCode } from '@mamori/platform';
import { json, signInNew, type Principal, type TestApp, startTestApp } from './helpers.js';
import {
  EICAR,
  GTUBE,
  freePort,
  message,
  startMail,
  startWaf,
  type Mail,
  type Waf,
} from './soc-e2e/engines.js';

const PREF_CODE = '220001'; // 静岡県
const NUMAZU = orgIdForCode('222038'); // 沼津市
const SITE = 'www.city.numazu.example.lg.jp';
const MAIL_DOMAIN = 'city.numazu.example.lg.jp';
const PREF_SOC = 'soc@pref.shizuoka.example.lg.jp';

/** What is sent, and so what the report must count. */
const attacks = {
  sqli: [
    '/item?id=1%27%20OR%20%271%27%3D%271',
    '/item?id=1%20UNION%20SELECT%20username,password%20FROM%20users--',
    '/search?q=%27%3B%20DROP%20TABLE%20members%3B--',
  ],
  xss: [
    '/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
    '/news?c=%3Cimg%20src%3Dx%20onerror%3Dalert(document.cookie)%3E',
  ],
  path_traversal: [
    '/download?file=../../../../etc/passwd',
    '/download?file=..%2f..%2f..%2f..%2fetc%2fshadow',
  ],
};
const scannerRequests = 2; // Nikto user agent
const benign = ['/index.html', '/news', '/search?q=%E3%82%B4%E3%83%9F%E5%87%BA%E3%81%97', '/item?id=42'];
const spamCount = 3;
const virusRecipients = ['kikaku', 'soumu', 'kaikei', 'jinji', 'kyoiku'];
const hamCount = 2;

interface Received {
  to: string[];
  data: string;
}

let dir: string;
let t: TestApp;
let waf: Waf | undefined;
let mail: Mail | undefined;
let smtp: SMTPServer;
let smtpPort: number;
const inbox: Received[] = [];
let op: Principal;
let staff: Principal;
let wafLines: string[] = [];
let mailLines: string[] = [];
let month: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mamori-soc-e2e-'));
  smtpPort = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString()));
      stream.on('end', () => {
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
  t = await startTestApp({
    config: {
      soc: { prefectureCode: PREF_CODE },
      notify: { smtpHost: '127.0.0.1', smtpPort, mailFrom: 'mamori-soc@pref.shizuoka.example.lg.jp' },
    },
  });
  op = await signInNew(t, 'e2e-soc-op', 'prefecture_operator', orgIdForCode(PREF_CODE));
  staff = await signInNew(t, 'e2e-numazu-staff', 'municipality_staff', NUMAZU);
  // Contacts for high alerts: Numazu's own (its alerts) and the prefecture SOC's (alerts that concern no single
  // municipality, like a malware wave, are the prefecture's).
  await t.platform.soc.notify.contacts.create(t.system, {
    organizationId: NUMAZU,
    name: '沼津市 情報政策課',
    email: `soc@${MAIL_DOMAIN}`,
    minSeverity: 'high',
    role: 'staff',
  });
  await t.platform.soc.notify.contacts.create(t.system, {
    organizationId: orgIdForCode(PREF_CODE),
    name: '静岡県 SOC',
    email: PREF_SOC,
    minSeverity: 'high',
    role: 'soc_lead',
  });
  // Both engines start together: rspamd's first start compiles its regular expressions (tens of seconds).
  [waf, mail] = await Promise.all([startWaf(dir, SITE), startMail(dir)]);
});

after(async () => {
  await waf?.stop().catch(() => undefined);
  await mail?.stop().catch(() => undefined);
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** nginx and rspamd write local time without a zone: tell the parsers this machine's offset (±HH:MM). */
function localZone(): string {
  const off = -new Date().getTimezoneOffset();
  const a = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 120_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('SOC end to end: nginx+ModSecurity+CRS and rspamd+clamd → alerts, email, monthly report', () => {
  test('the WAF blocks every attack and lets the benign requests through', async () => {
    for (const [type, paths] of Object.entries(attacks)) {
      for (const p of paths) assert.equal(await waf!.get(p), 403, `${type} ${p} was not blocked`);
    }
    for (let i = 0; i < scannerRequests; i++) {
      assert.equal(
        await waf!.get(`/?visit=${i}`, {
          'user-agent': 'Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)',
        }),
        403,
      );
    }
    for (const p of benign)
      assert.equal(await waf!.get(p, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' }), 200, p);
    wafLines = await waitFor(
      'audit records',
      async () => {
        const lines = waf!.auditLines();
        const expected = Object.values(attacks).flat().length + scannerRequests;
        return lines.length >= expected ? lines : null;
      },
      10_000,
    );
    // One audit record per attacking transaction: benign requests leave none.
    assert.equal(wafLines.length, Object.values(attacks).flat().length + scannerRequests);
  });

  test('rspamd judges the spam, clamd finds the local EICAR signature, ham passes', async () => {
    const env = (rcpt: string, q: string) => ({
      from: 'sender@example.org',
      rcpt,
      ip: '198.51.100.41',
      queueId: q,
      hostname: 'mail.example.org',
      helo: 'mail.example.org',
    });
    for (let i = 0; i < spamCount; i++) {
      const to = `koho${i}@${MAIL_DOMAIN}`;
      const r = await mail!.check(
        message('news@example.org', to, '当選のお知らせ', `spam-${i}@example.org`, GTUBE),
        env(to, `QS${i}`),
      );
      assert.equal(r.action, 'reject');
    }
    for (const [i, user] of virusRecipients.entries()) {
      const to = `${user}@${MAIL_DOMAIN}`;
      const r = await mail!.check(
        message('billing@example.org', to, '請求書', `virus-${i}@example.org`, EICAR),
        env(to, `QV${i}`),
      );
      assert.equal(r.action, 'reject');
      assert.ok('CLAM_VIRUS' in r.symbols, JSON.stringify(r.symbols));
    }
    for (let i = 0; i < hamCount; i++) {
      const to = `soumu@${MAIL_DOMAIN}`;
      const r = await mail!.check(
        message('info@example.org', to, '会議', `ham-${i}@example.org`, '会議は10時からです。'),
        env(to, `QH${i}`),
      );
      assert.equal(r.action, 'no action');
    }
    mailLines = await waitFor(
      'rspamd task log lines',
      async () => {
        const lines = mail!.taskLines();
        return lines.length >= spamCount + virusRecipients.length + hamCount ? lines : null;
      },
      10_000,
    );
    assert.equal(mail!.clamLines().filter((l) => l.includes('FOUND')).length, virusRecipients.length);
  });

  test('the real logs go in over HTTP bulk ingest (202 once durable)', async () => {
    const records = [...wafLines, ...mailLines].map((line) => ({ line }));
    const res = await op.client.request({
      method: 'POST',
      url: `/api/v1/ingest/bulk?organizationId=${NUMAZU}&tz=${encodeURIComponent(localZone())}`,
      payload: { records },
    });
    assert.equal(res.statusCode, 202, res.body);
    assert.deepEqual(json(res), { accepted: records.length, quarantined: 0 });
    const now = new Date(Date.now() + 9 * 3600_000);
    month = now.toISOString().slice(0, 7);
  });

  test('the alerts exist: the mail-malware wave (high, the prefecture SOC) and the web attacks', async (tc) => {
    const alerts = await waitFor('the mail malware wave alert', async () => {
      const page = await t.platform.soc.alerts.list(t.system, { limit: 200 });
      return page.items.some((a) => a.ruleId === 'mamori-mail-malware-wave') ? page.items : null;
    });
    for (const a of alerts)
      tc.diagnostic(
        `${a.severity} ${a.ruleId} «${a.ruleTitle}» org=${a.organizationId} entity=${a.entity} n=${a.eventCount}`,
      );
    const wave = alerts.find((a) => a.ruleId === 'mamori-mail-malware-wave')!;
    assert.equal(wave.severity, 'high');
    // One malware to many recipients concerns the whole security cloud: the prefecture's alert.
    assert.equal(wave.organizationId, null);
    assert.equal(wave.prefectureId, orgIdForCode(PREF_CODE));
    assert.match(wave.entity, /Mamori\.Test\.Eicar/);
    assert.ok(wave.eventCount >= virusRecipients.length);
    // The web attacks on Numazu's site raised Numazu's alerts (Sigma web-server rules).
    const web = alerts.filter((a) => a.organizationId === NUMAZU);
    assert.ok(web.length > 0, 'an alert for the attacks on Numazu');
    // Over HTTP: the prefecture operator's queue has the wave; Numazu's staff see only Numazu's alerts.
    const opRes = await op.client.request({ method: 'GET', url: '/api/v1/soc/alerts?limit=200' });
    assert.equal(opRes.statusCode, 200, opRes.body);
    assert.ok(json<{ items: { id: string }[] }>(opRes).items.some((a) => a.id === wave.id));
    const res = await staff.client.request({ method: 'GET', url: '/api/v1/soc/alerts?limit=200' });
    assert.equal(res.statusCode, 200, res.body);
    const mine = json<{ items: { id: string; organizationId: string | null }[] }>(res).items;
    assert.ok(mine.length > 0);
    assert.ok(mine.every((a) => a.organizationId === NUMAZU));
    assert.ok(!mine.some((a) => a.id === wave.id));
  });

  test('the notification email reaches the SMTP server on loopback', async () => {
    const got = await waitFor('the alert email', async () =>
      inbox.find((m) => m.to.includes(PREF_SOC) && /Eicar/i.test(m.data)),
    );
    assert.match(got.data, /^Subject:/im);
    // Numazu's own contact hears of the high alerts on its site.
    await waitFor('the email to Numazu', async () => inbox.find((m) => m.to.includes(`soc@${MAIL_DOMAIN}`)));
    // The notifier records the delivery after the SMTP server has answered, so the row may trail the
    // message in the inbox by a moment.
    const sent = await waitFor('the recorded delivery', async () => {
      const rows = await t.platform.db.kysely
        .selectFrom('soc_notifications')
        .select(['channel', 'status', 'target'])
        .where('channel', '=', 'email')
        .execute();
      return rows.some((n) => n.status === 'sent' && n.target === PREF_SOC) ? rows : null;
    });
    assert.ok(!sent.some((n) => n.status === 'failed'), JSON.stringify(sent));
  });

  test('the monthly report counts exactly what was sent', async () => {
    const res = await staff.client.request({
      method: 'GET',
      url: `/api/v1/soc/reports/monthly?organizationId=${NUMAZU}&month=${month}`,
    });
    assert.equal(res.statusCode, 200, res.body);
    const r = json<{
      current: {
        waf: { attacks: number; blocked: number; byType: { type: string; count: number }[] };
        mail: { malwareRemoved: number; spam: number; spamBlocked: number };
        alerts: { total: number; bySeverity: Record<string, number> };
      };
      rows: { key: string; value: number | null }[];
    }>(res);
    const byType = Object.fromEntries(r.current.waf.byType.map((x) => [x.type, x.count]));
    assert.deepEqual(byType, {
      sqli: attacks.sqli.length,
      xss: attacks.xss.length,
      path_traversal: attacks.path_traversal.length,
      scanner: scannerRequests,
    });
    const total = Object.values(attacks).flat().length + scannerRequests;
    assert.equal(r.current.waf.attacks, total);
    assert.equal(r.current.waf.blocked, total);
    assert.equal(r.current.mail.spam, spamCount);
    assert.equal(r.current.mail.spamBlocked, spamCount);
    assert.equal(r.current.mail.malwareRemoved, virusRecipients.length);
    assert.ok(r.current.alerts.bySeverity.high! >= 1);
    // The same report as PDF (Japanese font embedded) and as Excel (the same figures, as numbers).
    const file = async (kind: string) => {
      const f = await staff.client.request({
        method: 'GET',
        url: `/api/v1/soc/reports/monthly/${kind}?organizationId=${NUMAZU}&month=${month}`,
      });
      assert.equal(f.statusCode, 200, `${kind}: ${f.body.slice(0, 200)}`);
      assert.equal(
        f.headers['content-disposition'],
        `attachment; filename="mamori-soc-report-222038-${month}.${kind}"`,
      );
      return f.rawPayload;
    };
    const pdf = (await file('pdf')).toString('latin1');
    assert.ok(pdf.startsWith('%PDF-'));
    assert.match(pdf, /\/FontFile2|\/FontFile3/, 'a font program is embedded');
    assert.match(pdf, /NotoSans/i, 'the Japanese font is the one embedded');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await file('xlsx'));
    const values = new Map<string, number>();
    for (const ws of wb.worksheets) {
      ws.eachRow((row) => {
        const cells = (row.values as unknown[]).slice(1);
        if (typeof cells[0] === 'string' && typeof cells[1] === 'number') values.set(cells[0], cells[1]);
      });
    }
    assert.equal(values.get('SQLインジェクション'), attacks.sqli.length);
    assert.equal(values.get('クロスサイトスクリプティング'), attacks.xss.length);
    assert.equal(values.get('パストラバーサル／ローカルファイル読込'), attacks.path_traversal.length);
    assert.equal(values.get('スキャナー・偵察'), scannerRequests);
  });
});
