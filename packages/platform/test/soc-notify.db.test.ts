// SOC notification: contacts per organization, severity and time of day; email through a REAL SMTP server on
// loopback (smtp-server, RFC 5321) with a Japanese (or English) body naming the rule's author; webhooks with an
// HMAC signature, retried with backoff; escalation to the prefecture SOC lead and then the state when an alert
// is not acknowledged by its deadline (injected clock); every attempt recorded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { orgIdForCode, STATE_ORG_ID, type RequestContext, type SocAlert } from '@mamori/platform';
import { createTestPlatform, testDialect, type TestPlatform } from '@mamori/platform/testing';
import { isInternalAddress } from '../src/soc/notify/destination.js';
import { withinSchedule } from '../src/soc/notify/schedule.js';
import { lineEvent, sshFail, startHook, startSmtp, type Hook, type Smtp } from './soc-support.js';

const PREF_A = orgIdForCode('220001'); // 静岡県
const A1 = orgIdForCode('222038'); // 沼津市
const A2 = orgIdForCode('222054'); // 熱海市

let p: TestPlatform;
let smtp: Smtp;
let hook: Hook;
let leadHook: Hook;
// Wednesday 2026-11-25 10:00 JST.
let now = Date.parse('2026-11-25T01:00:00Z');
const u: Record<string, RequestContext> = {};
const SECRET = 'a-shared-secret-for-numazu-0123';
const LEAD_SECRET = 'the-prefecture-soc-lead-secret-99';

const verify = (secret: string, req: Hook['requests'][number]) => {
  const ts = String(req.headers['x-mamori-timestamp']);
  const want = createHmac('sha256', secret).update(`${ts}.${req.body}`).digest('hex');
  return req.headers['x-mamori-signature'] === `sha256=${want}`;
};

async function spray(org: string, ip: string): Promise<SocAlert> {
  const users = ['taro', 'hanako', 'jiro', 'saburo', 'yoko', 'kenji', 'akiko', 'ichiro'];
  const t0 = now - 60_000;
  await p.soc.detection.onEvents(
    users.map((n, i) =>
      lineEvent('linux-auth', sshFail(n, ip, i), {
        time: t0 + i * 1000,
        organizationId: org,
        prefectureId: PREF_A,
      }),
    ),
  );
  const list = (await p.soc.alerts.list(p.system, { ruleId: 'mamori-password-spraying', q: ip })).items;
  assert.equal(list.length, 1);
  return list[0]!;
}

before(async () => {
  smtp = await startSmtp();
  hook = await startHook();
  leadHook = await startHook();
  p = await createTestPlatform({
    clock: () => new Date(now),
    config: {
      // Escalation is driven by explicit calls here, not by the pipeline's timer.
      soc: { pipeline: false },
      notify: {
        smtpHost: '127.0.0.1',
        smtpPort: smtp.port,
        mailFrom: 'soc@pref.shizuoka.example',
        webhookBackoffMs: 30,
        // The test's receivers listen on loopback.
        webhookAllowPrivate: true,
        webhookAttempts: 3,
        timeoutMs: 5000,
      },
      server: { publicUrl: 'https://soc.pref.shizuoka.example' },
    },
  });
  u.a1Admin = (await p.addUser({ username: 'a1-admin', role: 'municipality_admin', organizationId: A1 })).ctx;
  u.a2Admin = (await p.addUser({ username: 'a2-admin', role: 'municipality_admin', organizationId: A2 })).ctx;
  u.prefAdmin = (
    await p.addUser({ username: 'pref-admin', role: 'prefecture_admin', organizationId: PREF_A })
  ).ctx;
  u.stateAdmin = (
    await p.addUser({ username: 'state-admin', role: 'state_admin', organizationId: STATE_ORG_ID })
  ).ctx;
  const c = p.soc.notify.contacts;
  await c.create(u.a1Admin!, {
    organizationId: A1,
    name: '沼津市 情報政策課',
    email: 'joho@city.numazu.example',
    minSeverity: 'high',
  });
  await c.create(u.a1Admin!, {
    organizationId: A1,
    name: 'Numazu vendor (English)',
    email: 'vendor@numazu-it.example',
    webhookUrl: hook.url,
    webhookSecret: SECRET,
    locale: 'en',
    minSeverity: 'medium',
  });
  // Off hours at 10:00 JST on a Wednesday: not notified.
  await c.create(u.a1Admin!, {
    organizationId: A1,
    name: '夜間当番',
    email: 'night@city.numazu.example',
    hours: '18:00-08:00',
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  });
  // Critical only: not notified of a high alert.
  await c.create(u.a1Admin!, {
    organizationId: A1,
    name: '副市長',
    email: 'fukushicho@city.numazu.example',
    minSeverity: 'critical',
  });
  await c.create(u.prefAdmin!, {
    organizationId: PREF_A,
    name: '静岡県 SOC リーダー',
    email: 'soc-lead@pref.shizuoka.example',
    webhookUrl: leadHook.url,
    webhookSecret: LEAD_SECRET,
    role: 'soc_lead',
    minSeverity: 'medium',
  });
  await c.create(u.stateAdmin!, {
    organizationId: STATE_ORG_ID,
    name: '総務省 地域情報化',
    email: 'cyber@soumu.example',
    role: 'state',
    minSeverity: 'high',
  });
});
after(async () => {
  await p?.close();
  await smtp?.close();
  await hook?.close();
  await leadHook?.close();
});

describe(`notification and escalation (${testDialect()})`, () => {
  test('contacts: validation, write-only secrets, scope', async () => {
    const c = p.soc.notify.contacts;
    await assert.rejects(
      c.create(u.a1Admin!, { organizationId: A1, name: 'x', webhookUrl: hook.url }),
      /webhookSecret/,
    );
    await assert.rejects(
      c.create(u.a1Admin!, { organizationId: A1, name: 'x' }),
      /email address or a webhook/,
    );
    await assert.rejects(
      c.create(u.a1Admin!, { organizationId: A1, name: 'x', email: 'a@b.example', hours: '25:00-01:00' }),
      /hours/,
    );
    await assert.rejects(
      c.create(u.a1Admin!, { organizationId: A1, name: 'x', email: 'a@b.example', role: 'soc_lead' }),
      /prefecture/,
    );
    await assert.rejects(
      c.create(u.a2Admin!, { organizationId: A1, name: 'x', email: 'a@b.example' }),
      /FORBIDDEN|not permitted/i,
    );
    const mine = (await c.list(u.a1Admin!)).items;
    assert.equal(mine.length, 4);
    assert.ok(mine.every((m) => m.organizationId === A1));
    const vendor = mine.find((m) => m.locale === 'en')!;
    assert.equal(vendor.hasWebhookSecret, true);
    assert.ok(!JSON.stringify(mine).includes(SECRET), 'the webhook secret is never returned');
    assert.deepEqual((await c.list(u.a2Admin!)).items, []);
    await assert.rejects(c.update(u.a2Admin!, vendor.id, { name: 'taken over' }), /NOT_FOUND|Not found/);
  });

  test('a new high alert is mailed (Japanese, rule author) and posted (signed) at once; retries are recorded', async () => {
    hook.script = [500];
    const alert = await spray(A1, '198.51.100.7');
    assert.equal(alert.severity, 'high');
    assert.equal(alert.ackDeadline, new Date(now + 60 * 60_000).toISOString());
    await p.soc.notify.idle();
    await smtp.waitFor(2);
    assert.deepEqual(smtp.rcpts.flat().sort(), ['joho@city.numazu.example', 'vendor@numazu-it.example']);
    const ja = smtp.messages[smtp.rcpts.findIndex((r) => r[0] === 'joho@city.numazu.example')]!;
    assert.equal(ja.subject, '[Mamori SOC][高] Password spraying from one source — 沼津市');
    assert.equal(ja.from?.value[0]?.address, 'soc@pref.shizuoka.example');
    assert.equal(ja.headers.get('x-mamori-severity'), 'high');
    assert.equal(ja.headers.get('x-mamori-alert-id'), alert.id);
    assert.equal(ja.headers.get('content-language'), 'ja');
    assert.match(ja.text ?? '', /重要度: 高/);
    assert.match(ja.text ?? '', /ルール作成者: Mamori/);
    assert.match(ja.text ?? '', /団体: 沼津市/);
    assert.match(ja.text ?? '', /対象: 198\.51\.100\.7/);
    assert.match(ja.text ?? '', /確認期限: 2026-11-25 11:00 JST/);
    assert.ok((ja.text ?? '').includes(`https://soc.pref.shizuoka.example/soc/alerts/${alert.id}`));
    const en = smtp.messages[smtp.rcpts.findIndex((r) => r[0] === 'vendor@numazu-it.example')]!;
    assert.equal(en.subject, '[Mamori SOC][High] Password spraying from one source — 沼津市');
    assert.match(en.text ?? '', /Rule author: Mamori/);
    // Webhook: 500 first, then accepted; both signed with the contact's secret.
    assert.equal(hook.requests.length, 2);
    for (const r of hook.requests) assert.ok(verify(SECRET, r), 'HMAC signature verifies');
    assert.ok(!verify('another-secret-entirely-000', hook.requests[1]!));
    const body = JSON.parse(hook.requests[1]!.body) as { type: string; level: number; alert: SocAlert };
    assert.equal(body.type, 'mamori.soc.alert');
    assert.equal(body.level, 0);
    assert.equal(body.alert.id, alert.id);
    assert.equal(body.alert.ruleAuthor, 'Mamori');
    const log = (await p.soc.alerts.notifications(u.a1Admin!, { alertId: alert.id })).items;
    const hooks = log.filter((l) => l.channel === 'webhook').sort((a, b) => a.attempt - b.attempt);
    assert.deepEqual(
      hooks.map((h) => [h.attempt, h.status, h.error]),
      [
        [1, 'retrying', 'HTTP 500'],
        [2, 'sent', null],
      ],
    );
    assert.equal(log.filter((l) => l.channel === 'email' && l.status === 'sent').length, 2);
    // Another municipality sees none of it.
    assert.deepEqual((await p.soc.alerts.notifications(u.a2Admin!, { alertId: alert.id })).items, []);
  });

  test('unacknowledged: escalates to the prefecture SOC lead, then to the state; acknowledged alerts do not', async () => {
    const alert = (await p.soc.alerts.list(p.system, { ruleId: 'mamori-password-spraying' })).items[0]!;
    const quiet = await spray(A1, '198.51.100.8');
    await p.soc.notify.idle();
    await p.soc.alerts.acknowledge(u.a1Admin!, quiet.id);
    const mails = smtp.messages.length;
    // Not yet due.
    now += 59 * 60_000;
    assert.equal(await p.soc.notify.escalate(), 0);
    now += 2 * 60_000;
    assert.equal(await p.soc.notify.escalate(), 1, 'only the unacknowledged alert escalates');
    await p.soc.notify.idle();
    let a = (await p.soc.alerts.get(p.system, alert.id)).alert;
    assert.equal(a.escalationLevel, 1);
    assert.equal(a.ackDeadline, new Date(now + 60 * 60_000).toISOString());
    await smtp.waitFor(mails + 1);
    assert.deepEqual(smtp.rcpts.at(-1), ['soc-lead@pref.shizuoka.example']);
    const leadMail = smtp.messages.at(-1)!;
    assert.match(
      leadMail.text ?? '',
      /【エスカレーション レベル 1】期限 2026-11-25 11:00 JST までに確認されていません。/,
    );
    assert.equal(leadMail.headers.get('x-mamori-escalation-level'), '1');
    assert.equal(leadHook.requests.length, 1);
    assert.ok(verify(LEAD_SECRET, leadHook.requests[0]!));
    assert.equal((JSON.parse(leadHook.requests[0]!.body) as { level: number }).level, 1);
    // Level 2: the state.
    now += 61 * 60_000;
    assert.equal(await p.soc.notify.escalate(), 1);
    await p.soc.notify.idle();
    await smtp.waitFor(mails + 2);
    assert.deepEqual(smtp.rcpts.at(-1), ['cyber@soumu.example']);
    a = (await p.soc.alerts.get(p.system, alert.id)).alert;
    assert.equal(a.escalationLevel, 2);
    assert.equal(a.ackDeadline, null, 'the state is the last level');
    now += 24 * 60 * 60_000;
    assert.equal(await p.soc.notify.escalate(), 0);
    assert.equal((await p.soc.alerts.get(p.system, quiet.id)).alert.escalationLevel, 0);
    const levels = (await p.soc.alerts.notifications(p.system, { alertId: alert.id, limit: 200 })).items.map(
      (n) => n.level,
    );
    assert.ok(levels.includes(1) && levels.includes(2));
    const audit = (await p.audit.list(p.system, { action: 'soc.alert.escalate' })).items;
    assert.equal(audit.length, 2);
  });

  test('a webhook delivery cut during its backoff (process stopped) continues after a restart', async () => {
    const alert = (await p.soc.alerts.list(p.system, { ruleId: 'mamori-password-spraying' })).items[0]!;
    const vendor = (await p.soc.notify.contacts.list(p.system, { organizationId: A1 })).items.find(
      (c) => c.locale === 'en',
    )!;
    // What a stopped process leaves behind: attempt 1 failed, attempt 2 never made.
    await p.db.kysely
      .insertInto('soc_notifications')
      .values({
        id: 'sn_cut',
        alert_id: alert.id,
        contact_id: vendor.id,
        organization_id: A1,
        prefecture_id: PREF_A,
        channel: 'webhook',
        target: hook.url,
        level: 7,
        attempt: 1,
        status: 'retrying',
        error: 'HTTP 503',
        sent_at: new Date(now).toISOString(),
      })
      .execute();
    const before = hook.requests.length;
    assert.equal(await p.soc.notify.resume(), 1);
    await p.soc.notify.idle();
    assert.equal(hook.requests.length, before + 1);
    assert.equal((JSON.parse(hook.requests.at(-1)!.body) as { level: number }).level, 7);
    const rows = (await p.soc.alerts.notifications(p.system, { alertId: alert.id, limit: 200 })).items.filter(
      (r) => r.level === 7,
    );
    assert.deepEqual(rows.map((r) => [r.attempt, r.status]).sort(), [
      [1, 'retrying'],
      [2, 'sent'],
    ]);
    // Nothing left to resume.
    assert.equal(await p.soc.notify.resume(), 0);
  });

  test('a medium alert is not notified at once', async () => {
    const mails = smtp.messages.length;
    const t0 = now;
    await p.soc.detection.onEvents(
      Array.from({ length: 10 }, (_, i) =>
        lineEvent('linux-auth', sshFail('kanri', '192.0.2.99', i), {
          time: t0 + i * 1000,
          organizationId: A1,
          prefectureId: PREF_A,
        }),
      ),
    );
    await p.soc.notify.idle();
    const burst = (await p.soc.alerts.list(p.system, { ruleId: 'mamori-failed-logon-burst' })).items;
    assert.equal(burst.length, 1);
    assert.equal(burst[0]!.severity, 'medium');
    assert.equal(smtp.messages.length, mails);
  });
});

describe('contact schedule (Asia/Tokyo)', () => {
  const at = (iso: string) => new Date(iso);
  test('hours and days in Japan time; windows across midnight belong to the day they start', () => {
    // 2026-11-25 is a Wednesday. 00:30Z = 09:30 JST.
    assert.equal(withinSchedule(at('2026-11-25T00:30:00Z'), ['wed'], '08:30-17:15'), true);
    assert.equal(withinSchedule(at('2026-11-25T09:00:00Z'), ['wed'], '08:30-17:15'), false); // 18:00 JST
    assert.equal(withinSchedule(at('2026-11-25T00:30:00Z'), ['thu'], '08:30-17:15'), false);
    // Friday 22:00-06:00 covers Saturday 03:00 JST (Friday 18:00Z).
    assert.equal(withinSchedule(at('2026-11-27T18:00:00Z'), ['fri'], '22:00-06:00'), true);
    assert.equal(withinSchedule(at('2026-11-27T18:00:00Z'), ['sat'], '22:00-06:00'), false);
    assert.equal(withinSchedule(at('2026-11-25T14:59:00Z'), ['wed'], '00:00-24:00'), true); // 23:59 JST
    assert.throws(() => withinSchedule(at('2026-11-25T00:00:00Z'), ['wed'], '9-17'), /HH:MM/);
  });
});

describe(`webhook destinations (${testDialect()})`, () => {
  test('internal addresses are refused when the contact is saved and again at delivery', async () => {
    assert.equal(isInternalAddress('10.1.2.3'), true);
    assert.equal(isInternalAddress('::ffff:192.168.0.1'), true);
    assert.equal(isInternalAddress('fe80::1'), true);
    assert.equal(isInternalAddress('203.0.113.9'), false);
    assert.equal(isInternalAddress('2001:db8::1'), false);
    const q = await createTestPlatform({
      config: { soc: { pipeline: false }, notify: { webhookBackoffMs: 10 } },
    });
    const probe = await startHook();
    try {
      const admin = (
        await q.addUser({ username: 'dest-admin', role: 'municipality_admin', organizationId: A1 })
      ).ctx;
      for (const url of [
        probe.url,
        'http://localhost:8080/x',
        'http://[::1]/x',
        'http://169.254.169.254/latest',
      ])
        await assert.rejects(
          q.soc.notify.contacts.create(admin, {
            organizationId: A1,
            name: 'x',
            webhookUrl: url,
            webhookSecret: SECRET,
          }),
          /internal address|this machine/,
          url,
        );
      // A row that bypassed the check (e.g. saved while private destinations were allowed) is refused at delivery.
      const now = new Date().toISOString();
      await q.db.kysely
        .insertInto('soc_contacts')
        .values({
          id: 'sc_legacy',
          organization_id: A1,
          name: 'legacy',
          email: null,
          webhook_url: probe.url,
          webhook_secret: SECRET,
          min_severity: 'high',
          hours: '00:00-24:00',
          days: 'mon,tue,wed,thu,fri,sat,sun',
          role: 'staff',
          locale: 'ja',
          enabled: 1,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await q.soc.detection.onEvents(
        ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n, i) =>
          lineEvent('linux-auth', sshFail(`user-${n}`, '198.51.100.99', i), {
            time: Date.now() + i,
            organizationId: A1,
            prefectureId: PREF_A,
          }),
        ),
      );
      await q.soc.notify.idle();
      assert.equal(probe.requests.length, 0, 'nothing was sent to the internal address');
      const log = (await q.soc.alerts.notifications(q.system, {})).items.filter(
        (n) => n.channel === 'webhook',
      );
      assert.ok(log.length > 0);
      assert.ok(
        log.every(
          (n) =>
            n.status !== 'sent' && /refused: webhookUrl points at an internal address/.test(n.error ?? ''),
        ),
      );
    } finally {
      await q.close();
      await probe.close();
    }
  });
});
