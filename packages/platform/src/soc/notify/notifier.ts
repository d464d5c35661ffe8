// Delivery and escalation. New high and critical alerts go at once to their organization's contacts
// (unattributed ones: the prefecture's) by email (SMTP, nodemailer) and webhook (POST JSON, HMAC-SHA256
// signed with the contact's secret, retried with exponential backoff). An alert still 'new' at its
// acknowledgement deadline escalates: level 1 to the prefecture's SOC lead contacts, level 2 to the state's
// contacts; each level gets a fresh deadline. Every attempt is a row in soc_notifications.
import { createHmac } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { SocContactsTable } from '@mamori/store';
import type { Deps } from '../../context.js';
import { STATE_ORG_ID } from '../../orgs/service.js';
import type { RequestContext } from '../../types.js';
import { newId } from '../../util.js';
import type { AlertBus } from '../alerts/live.js';
import { severityRank, toAlert, type AlertChange, type SocAlert } from '../alerts/model.js';
import { destinationRefusal } from './destination.js';
import { alertMessage } from './message.js';
import { withinSchedule } from './schedule.js';

/** Severities notified the moment the alert is created. */
const IMMEDIATE = new Set(['high', 'critical']);
export const MAX_ESCALATION_LEVEL = 2;

export interface WebhookPayload {
  type: 'mamori.soc.alert';
  level: number;
  url: string;
  alert: SocAlert;
}

/** The signature a webhook receiver checks: hex HMAC-SHA256 of "<timestamp>.<body>" with the shared secret. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export class Notifier {
  private transport: Transporter | null = null;
  private readonly inflight = new Set<Promise<void>>();
  /** Pending retry delays: close() ends them at once (the attempt then records 'failed'). */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private closed = false;
  private readonly ctx: RequestContext = {
    actor: { kind: 'system', name: 'soc-escalation' },
    sourceIp: '127.0.0.1',
  };

  constructor(
    private readonly d: Deps,
    private readonly bus: AlertBus,
  ) {}

  private mailer(): Transporter | null {
    const n = this.d.config.notify;
    if (!n.smtpHost) return null;
    this.transport ??= nodemailer.createTransport({
      host: n.smtpHost,
      port: n.smtpPort,
      secure: n.smtpSecure,
      ...(n.smtpUser ? { auth: { user: n.smtpUser, pass: n.smtpPassword ?? '' } } : {}),
      connectionTimeout: n.timeoutMs,
      greetingTimeout: n.timeoutMs,
      socketTimeout: n.timeoutMs,
    });
    return this.transport;
  }

  /** Hands new high/critical alerts to delivery; returns at once (delivery runs in the background). */
  onChanges(changes: AlertChange[]): void {
    for (const c of changes) {
      if (c.kind === 'created' && IMMEDIATE.has(c.alert.severity)) this.track(this.deliver(c.alert, 0));
    }
  }

  private track(p: Promise<void>): void {
    const q = p.catch((err: unknown) => this.d.logger.error({ err }, 'SOC notification failed'));
    this.inflight.add(q);
    void q.finally(() => this.inflight.delete(q));
  }

  /** Resolves when every delivery started so far (retries included) has finished. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  private async contactsFor(alert: SocAlert, level: number): Promise<SocContactsTable[]> {
    const db = this.d.db.kysely;
    let q = db.selectFrom('soc_contacts').selectAll().where('enabled', '=', 1);
    if (level === 0) {
      q = q.where('organization_id', '=', alert.organizationId ?? alert.prefectureId);
    } else if (level === 1) {
      const pref = await this.d.directory.get(alert.prefectureId);
      const code = pref?.prefectureCode ?? '';
      q = q
        .where('role', '=', 'soc_lead')
        .where((eb) =>
          eb.or([
            eb('organization_id', '=', alert.prefectureId),
            eb(
              'organization_id',
              'in',
              eb
                .selectFrom('organizations')
                .select('id')
                .where('prefecture_code', '=', code)
                .where('kind', 'in', ['prefecture', 'soc_operator']),
            ),
          ]),
        );
    } else {
      q = q.where('role', '=', 'state').where('organization_id', '=', STATE_ORG_ID);
    }
    const rows = await q.orderBy('id').execute();
    const now = this.d.now();
    const rank = severityRank(alert.severity);
    return rows.filter(
      (c) => rank >= severityRank(c.min_severity) && withinSchedule(now, c.days.split(','), c.hours),
    );
  }

  /** Sends the alert to the contacts of `level`; one row per attempt. */
  async deliver(alert: SocAlert, level: number): Promise<void> {
    const contacts = await this.contactsFor(alert, level);
    if (contacts.length === 0) return;
    let orgName: string | null = null;
    if (alert.organizationId !== null) {
      const o = await this.d.db.kysely
        .selectFrom('organizations')
        .select('name')
        .where('id', '=', alert.organizationId)
        .executeTakeFirst();
      orgName = o?.name ?? alert.organizationId;
    }
    const url = `${this.d.config.server.publicUrl.replace(/\/$/, '')}/soc/alerts/${alert.id}`;
    const jobs: Promise<void>[] = [];
    for (const c of contacts) {
      if (c.email)
        jobs.push(
          this.withRetries(alert, c, level, 'email', c.email, () =>
            this.sendMail(alert, c, level, orgName, url),
          ),
        );
      if (c.webhook_url && c.webhook_secret)
        jobs.push(
          this.withRetries(alert, c, level, 'webhook', c.webhook_url, () =>
            this.postWebhook(alert, c, level, url),
          ),
        );
    }
    await Promise.all(jobs);
  }

  private async sendMail(
    alert: SocAlert,
    c: SocContactsTable,
    level: number,
    orgName: string | null,
    url: string,
  ): Promise<void> {
    const t = this.mailer();
    if (!t) throw new Error('notify.smtpHost is not set');
    const locale = c.locale === 'en' ? 'en' : 'ja';
    const m = alertMessage(alert, { locale, organizationName: orgName, level, url });
    await t.sendMail({
      from: this.d.config.notify.mailFrom,
      to: c.email!,
      subject: m.subject,
      text: m.text,
      headers: {
        'X-Mamori-Alert-Id': alert.id,
        'X-Mamori-Severity': alert.severity,
        'X-Mamori-Escalation-Level': String(level),
        'Content-Language': locale,
      },
    });
  }

  private async postWebhook(alert: SocAlert, c: SocContactsTable, level: number, url: string): Promise<void> {
    if (!this.d.config.notify.webhookAllowPrivate) {
      const refused = await destinationRefusal(new URL(c.webhook_url!));
      if (refused) throw new Error(`refused: ${refused}`);
    }
    const secret = this.d.secrets.open(c.webhook_secret!);
    const payload: WebhookPayload = { type: 'mamori.soc.alert', level, url, alert };
    const body = JSON.stringify(payload);
    const ts = String(Math.floor(this.d.now().getTime() / 1000));
    const res = await fetch(c.webhook_url!, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Mamori-SOC',
        'x-mamori-timestamp': ts,
        'x-mamori-signature': `sha256=${webhookSignature(secret, ts, body)}`,
        'x-mamori-alert-id': alert.id,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(this.d.config.notify.timeoutMs),
    });
    // Drain so the connection is released.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
  }

  private async withRetries(
    alert: SocAlert,
    c: SocContactsTable,
    level: number,
    channel: 'email' | 'webhook',
    target: string,
    send: () => Promise<void>,
    firstAttempt = 1,
  ): Promise<void> {
    const n = this.d.config.notify;
    const attempts = channel === 'webhook' ? n.webhookAttempts : Math.min(2, n.webhookAttempts);
    let delay = n.webhookBackoffMs * 2 ** (firstAttempt - 1);
    for (let attempt = firstAttempt; attempt <= attempts; attempt++) {
      let error: string | null = null;
      try {
        await send();
      } catch (err) {
        // Messages only: never the request (it could carry the signature) or credentials.
        error = (err instanceof Error ? err.message : String(err)).slice(0, 500);
      }
      const last = error === null || attempt === attempts || this.closed;
      if (this.closed && error !== null) error = `${error} (shutting down)`;
      await this.record(
        alert,
        c,
        level,
        channel,
        target,
        attempt,
        error === null ? 'sent' : last ? 'failed' : 'retrying',
        error,
      );
      if (last) return;
      await this.sleep(delay);
      delay *= 2;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.set(t, resolve);
    });
  }

  private async record(
    alert: SocAlert,
    c: SocContactsTable,
    level: number,
    channel: string,
    target: string,
    attempt: number,
    status: string,
    error: string | null,
  ): Promise<void> {
    await this.d.db.kysely
      .insertInto('soc_notifications')
      .values({
        id: newId('sn'),
        alert_id: alert.id,
        contact_id: c.id,
        organization_id: alert.organizationId,
        prefecture_id: alert.prefectureId,
        channel,
        target,
        level,
        attempt,
        status,
        error,
        sent_at: this.d.now().toISOString(),
      })
      .execute();
  }

  /**
   * After a restart: deliveries whose last recorded attempt was 'retrying' (the process stopped during the
   * backoff) continue with their next attempt. Started in the background; returns how many resumed.
   */
  async resumePending(): Promise<number> {
    const db = this.d.db.kysely;
    const pending = await db
      .selectFrom('soc_notifications as n')
      .selectAll('n')
      .where('n.status', '=', 'retrying')
      .where('n.contact_id', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('soc_notifications as m')
              .select('m.id')
              .whereRef('m.alert_id', '=', 'n.alert_id')
              .whereRef('m.contact_id', '=', 'n.contact_id')
              .whereRef('m.channel', '=', 'n.channel')
              .whereRef('m.level', '=', 'n.level')
              .whereRef('m.attempt', '>', 'n.attempt'),
          ),
        ),
      )
      .limit(1000)
      .execute();
    let n = 0;
    for (const p of pending) {
      const row = await db
        .selectFrom('soc_alerts')
        .selectAll()
        .where('id', '=', p.alert_id)
        .executeTakeFirst();
      const c = await db
        .selectFrom('soc_contacts')
        .selectAll()
        .where('id', '=', p.contact_id!)
        .executeTakeFirst();
      if (!row || !c) continue;
      const alert = toAlert(row);
      const url = `${this.d.config.server.publicUrl.replace(/\/$/, '')}/soc/alerts/${alert.id}`;
      const level = Number(p.level);
      const next = Number(p.attempt) + 1;
      if (p.channel === 'webhook' && c.webhook_url && c.webhook_secret) {
        this.track(
          this.withRetries(
            alert,
            c,
            level,
            'webhook',
            c.webhook_url,
            () => this.postWebhook(alert, c, level, url),
            next,
          ),
        );
        n++;
      } else if (p.channel === 'email' && c.email) {
        const org = alert.organizationId
          ? ((
              await db
                .selectFrom('organizations')
                .select('name')
                .where('id', '=', alert.organizationId)
                .executeTakeFirst()
            )?.name ?? alert.organizationId)
          : null;
        this.track(
          this.withRetries(
            alert,
            c,
            level,
            'email',
            c.email,
            () => this.sendMail(alert, c, level, org, url),
            next,
          ),
        );
        n++;
      }
    }
    return n;
  }

  /** Escalates alerts still 'new' past their deadline; returns how many escalated. Driven by the pipeline tick. */
  async escalate(): Promise<number> {
    const now = this.d.now();
    const nowIso = now.toISOString();
    const due = await this.d.db.kysely
      .selectFrom('soc_alerts')
      .selectAll()
      .where('status', '=', 'new')
      .where('ack_deadline', 'is not', null)
      .where('ack_deadline', '<=', nowIso)
      .where('escalation_level', '<', MAX_ESCALATION_LEVEL)
      .orderBy('ack_deadline')
      .limit(200)
      .execute();
    let n = 0;
    for (const row of due) {
      const level = Number(row.escalation_level) + 1;
      const minutes = ackMinutesOf(this.d, row.severity);
      const deadline =
        level < MAX_ESCALATION_LEVEL && minutes > 0
          ? new Date(now.getTime() + minutes * 60_000).toISOString()
          : null;
      const changed = await this.d.mutate(this.ctx, 'soc.alert.escalate', async (trx, note) => {
        note.target = row.id;
        note.organizationId = row.organization_id;
        note.details = { level, missedDeadline: row.ack_deadline };
        // Only if nobody acknowledged or escalated it meanwhile (another worker, a user).
        const res = await trx
          .updateTable('soc_alerts')
          .set({ escalation_level: level, escalated_at: nowIso, ack_deadline: deadline, updated_at: nowIso })
          .where('id', '=', row.id)
          .where('status', '=', 'new')
          .where('escalation_level', '=', row.escalation_level)
          .executeTakeFirst();
        return Number(res.numUpdatedRows) > 0;
      });
      if (!changed) continue;
      n++;
      const updated = toAlert({
        ...row,
        escalation_level: level,
        escalated_at: nowIso,
        ack_deadline: deadline,
        updated_at: nowIso,
      });
      this.bus.publish([{ kind: 'updated', alert: updated }]);
      // The message names the deadline that was missed.
      this.track(this.deliver({ ...updated, ackDeadline: row.ack_deadline }, level));
    }
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [t, resolve] of this.timers) {
      clearTimeout(t);
      resolve();
    }
    this.timers.clear();
    await this.idle();
    this.transport?.close();
    this.transport = null;
  }
}

export function ackMinutesOf(d: Deps, severity: string): number {
  const n = d.config.notify;
  return severity === 'critical'
    ? n.ackMinutesCritical
    : severity === 'high'
      ? n.ackMinutesHigh
      : severity === 'medium'
        ? n.ackMinutesMedium
        : severity === 'low'
          ? n.ackMinutesLow
          : 0;
}
