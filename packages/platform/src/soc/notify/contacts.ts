// Notification contacts per organization: who gets which severities, when (days + hours, Japan time), by
// email and/or a signed webhook; role 'staff' (the organization's own), 'soc_lead' (a prefecture's SOC lead:
// escalation level 1) or 'state' (the state's contacts: level 2). Webhook secrets are sealed at rest and
// never returned.
import { MamoriError, type Severity } from '@mamori/core';
import type { SocContactsTable, Trx } from '@mamori/store';
import type { Deps } from '../../context.js';
import { OrganizationServiceImpl } from '../../orgs/service.js';
import type { RequestContext } from '../../types.js';
import { newId, requireString } from '../../util.js';
import { severities } from '../alerts/model.js';
import { literalRefusal } from './destination.js';
import { ackMinutesOf } from './notifier.js';
import { parseDays, parseHours } from './schedule.js';

export type ContactRole = 'staff' | 'soc_lead' | 'state';

export interface SocContact {
  id: string;
  organizationId: string;
  name: string;
  email: string | null;
  webhookUrl: string | null;
  hasWebhookSecret: boolean;
  minSeverity: Severity;
  days: string[];
  hours: string;
  role: ContactRole;
  locale: 'ja' | 'en';
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/**
 * Minutes to acknowledge an alert of each severity before it escalates (configuration notify.ackMinutes*;
 * 0: no deadline). Informational alerts notify nobody and never escalate.
 */
export interface AckDeadlines {
  critical: number;
  high: number;
  medium: number;
  low: number;
}

export interface ContactInput {
  organizationId: string;
  name: string;
  email?: string | null;
  webhookUrl?: string | null;
  /** Written only; at least 16 characters. */
  webhookSecret?: string | null;
  minSeverity?: Severity;
  days?: string[];
  hours?: string;
  role?: ContactRole;
  locale?: 'ja' | 'en';
  enabled?: boolean;
}

export type ContactUpdate = Partial<Omit<ContactInput, 'organizationId'>>;

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

export function toContact(r: SocContactsTable): SocContact {
  return {
    id: r.id,
    organizationId: r.organization_id,
    name: r.name,
    email: r.email,
    webhookUrl: r.webhook_url,
    hasWebhookSecret: r.webhook_secret !== null,
    minSeverity: r.min_severity as Severity,
    days: r.days.split(',').filter(Boolean),
    hours: r.hours,
    role: r.role as ContactRole,
    locale: r.locale === 'en' ? 'en' : 'ja',
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class ContactServiceImpl {
  constructor(private readonly d: Deps) {}

  /** The contacts within the caller's reach, and the deadlines the escalation of their alerts follows. */
  async list(
    ctx: RequestContext,
    query: { organizationId?: string } = {},
  ): Promise<{ items: SocContact[]; ackMinutes: AckDeadlines }> {
    await this.d.policy.assert(ctx.actor, 'soc:read');
    const scope = await this.d.policy.scope(ctx.actor!, 'soc:read');
    let q = this.d.db.kysely.selectFrom('soc_contacts').selectAll();
    const cond = OrganizationServiceImpl.scopeCondition(scope, 'organization_id');
    if (cond) q = q.where(cond);
    if (query.organizationId !== undefined) q = q.where('organization_id', '=', query.organizationId);
    const rows = await q.orderBy('organization_id').orderBy('name').orderBy('id').limit(1000).execute();
    const deadline = (s: Severity) => ackMinutesOf(this.d, s);
    return {
      items: rows.map(toContact),
      ackMinutes: {
        critical: deadline('critical'),
        high: deadline('high'),
        medium: deadline('medium'),
        low: deadline('low'),
      },
    };
  }

  private async validate(
    input: ContactUpdate,
    orgKind: string,
    base: SocContactsTable | null,
  ): Promise<Partial<SocContactsTable>> {
    const out: Partial<SocContactsTable> = {};
    if (input.name !== undefined || !base) out.name = requireString(input.name, 'name', 100);
    if (input.email !== undefined) {
      if (input.email === null || input.email === '') out.email = null;
      else {
        const e = requireString(input.email, 'email', 254);
        if (!EMAIL.test(e)) throw new MamoriError('MAMORI_VALIDATION', { reason: 'email is not an address' });
        out.email = e;
      }
    }
    if (input.webhookUrl !== undefined) {
      if (input.webhookUrl === null || input.webhookUrl === '') out.webhook_url = null;
      else {
        const u = requireString(input.webhookUrl, 'webhookUrl', 2000);
        let url: URL;
        try {
          url = new URL(u);
        } catch {
          throw new MamoriError('MAMORI_VALIDATION', { reason: 'webhookUrl is not a URL' });
        }
        if (url.protocol !== 'https:' && url.protocol !== 'http:')
          throw new MamoriError('MAMORI_VALIDATION', { reason: 'webhookUrl must be http(s)' });
        if (url.username || url.password)
          throw new MamoriError('MAMORI_VALIDATION', { reason: 'webhookUrl must not carry credentials' });
        const refused = this.d.config.notify.webhookAllowPrivate ? null : literalRefusal(url);
        if (refused) throw new MamoriError('MAMORI_VALIDATION', { reason: refused });
        out.webhook_url = url.toString();
      }
    }
    if (input.webhookSecret !== undefined) {
      if (input.webhookSecret === null || input.webhookSecret === '') out.webhook_secret = null;
      else {
        if (
          typeof input.webhookSecret !== 'string' ||
          input.webhookSecret.length < 16 ||
          input.webhookSecret.length > 256
        )
          throw new MamoriError('MAMORI_VALIDATION', { reason: 'webhookSecret: 16 to 256 characters' });
        out.webhook_secret = this.d.secrets.seal(input.webhookSecret);
      }
    }
    if (input.minSeverity !== undefined || !base) {
      const s = input.minSeverity ?? 'high';
      if (!severities.includes(s))
        throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown severity ${String(s)}` });
      out.min_severity = s;
    }
    if (input.days !== undefined || !base)
      out.days = parseDays(input.days ?? ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']).join(',');
    if (input.hours !== undefined || !base) {
      const h = input.hours ?? '00:00-24:00';
      parseHours(h);
      out.hours = h;
    }
    if (input.role !== undefined || !base) {
      const role = input.role ?? 'staff';
      if (!['staff', 'soc_lead', 'state'].includes(role))
        throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown role ${String(role)}` });
      if (role === 'soc_lead' && orgKind !== 'prefecture' && orgKind !== 'soc_operator')
        throw new MamoriError('MAMORI_VALIDATION', {
          reason: 'role soc_lead belongs to a prefecture (or its SOC operator)',
        });
      if (role === 'state' && orgKind !== 'state')
        throw new MamoriError('MAMORI_VALIDATION', {
          reason: 'role state belongs to the state organization',
        });
      out.role = role;
    }
    if (input.locale !== undefined || !base) {
      const l = input.locale ?? 'ja';
      if (l !== 'ja' && l !== 'en')
        throw new MamoriError('MAMORI_VALIDATION', { reason: 'locale is ja or en' });
      out.locale = l;
    }
    if (input.enabled !== undefined) out.enabled = input.enabled ? 1 : 0;
    const email = out.email !== undefined ? out.email : (base?.email ?? null);
    const hook = out.webhook_url !== undefined ? out.webhook_url : (base?.webhook_url ?? null);
    if (email === null && hook === null)
      throw new MamoriError('MAMORI_VALIDATION', {
        reason: 'a contact needs an email address or a webhook URL',
      });
    const secret = out.webhook_secret !== undefined ? out.webhook_secret : (base?.webhook_secret ?? null);
    if (hook !== null && secret === null)
      throw new MamoriError('MAMORI_VALIDATION', {
        reason: 'a webhook needs a webhookSecret (its requests are signed)',
      });
    return out;
  }

  async create(ctx: RequestContext, input: ContactInput): Promise<SocContact> {
    return this.d.mutate(ctx, 'soc.contact.create', async (trx, note) => {
      const organizationId = requireString(input?.organizationId, 'organizationId', 64);
      note.organizationId = organizationId;
      note.details = {
        name: input.name,
        role: input.role ?? 'staff',
        minSeverity: input.minSeverity ?? 'high',
      };
      await this.d.policy.assert(ctx.actor, 'soc:manage', { organizationId });
      const org = await this.d.directory.get(organizationId);
      if (!org) throw new MamoriError('MAMORI_ORG_NOT_FOUND');
      const v = await this.validate(
        {
          ...input,
          email: input.email ?? null,
          webhookUrl: input.webhookUrl ?? null,
          webhookSecret: input.webhookSecret ?? null,
        },
        org.kind,
        null,
      );
      const now = this.d.now().toISOString();
      const row: SocContactsTable = {
        id: newId('sc'),
        organization_id: organizationId,
        name: v.name!,
        email: v.email ?? null,
        webhook_url: v.webhook_url ?? null,
        webhook_secret: v.webhook_secret ?? null,
        min_severity: v.min_severity!,
        hours: v.hours!,
        days: v.days!,
        role: v.role!,
        locale: v.locale!,
        enabled: v.enabled ?? 1,
        created_at: now,
        updated_at: now,
      };
      await trx.insertInto('soc_contacts').values(row).execute();
      note.target = row.id;
      return toContact(row);
    });
  }

  private async owned(
    trx: Trx,
    ctx: RequestContext,
    id: string,
    permission: 'soc:read' | 'soc:manage',
  ): Promise<SocContactsTable> {
    const row = await trx.selectFrom('soc_contacts').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || !(await this.d.policy.can(ctx.actor, 'soc:read', { organizationId: row.organization_id })))
      throw new MamoriError('MAMORI_NOT_FOUND', undefined, { reason: `contact ${id}` });
    if (permission === 'soc:manage')
      await this.d.policy.assert(ctx.actor, 'soc:manage', { organizationId: row.organization_id });
    return row;
  }

  async update(ctx: RequestContext, id: string, input: ContactUpdate): Promise<SocContact> {
    return this.d.mutate(ctx, 'soc.contact.update', async (trx, note) => {
      note.target = id;
      await this.d.policy.assert(ctx.actor, 'soc:manage');
      const row = await this.owned(trx, ctx, id, 'soc:manage');
      note.organizationId = row.organization_id;
      note.details = {
        fields: Object.keys(input ?? {})
          .filter((k) => k !== 'webhookSecret')
          .concat(input?.webhookSecret !== undefined ? ['webhookSecret'] : []),
      };
      const org = await this.d.directory.get(row.organization_id);
      const v = await this.validate(input ?? {}, org?.kind ?? 'other', row);
      const set = { ...v, updated_at: this.d.now().toISOString() };
      await trx.updateTable('soc_contacts').set(set).where('id', '=', id).execute();
      return toContact({ ...row, ...set });
    });
  }

  async remove(ctx: RequestContext, id: string): Promise<void> {
    await this.d.mutate(ctx, 'soc.contact.delete', async (trx, note) => {
      note.target = id;
      await this.d.policy.assert(ctx.actor, 'soc:manage');
      const row = await this.owned(trx, ctx, id, 'soc:manage');
      note.organizationId = row.organization_id;
      await trx.deleteFrom('soc_contacts').where('id', '=', id).execute();
    });
  }
}
