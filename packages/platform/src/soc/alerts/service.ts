// The alert queue and triage: list (filters, sort, paging), detail with evidence, and the actions —
// acknowledge, start, resolve, false positive with reason, assign, comment, raise an incident — one alert or
// many at once. Every access is decided by the policy module (soc:read / soc:triage; unattributed alerts are
// the prefecture's), every change is one audited transaction, and changes go to the live stream.
import { MamoriError, type Severity } from '@mamori/core';
import type { SocAlertsTable, Trx } from '@mamori/store';
import { sql } from 'kysely';
import type { Deps } from '../../context.js';
import { roleSpecs } from '../../policy/roles.js';
import type { Actor, Page, PageQuery, RequestContext, Role } from '../../types.js';
import { newId, pageLimit, requireString } from '../../util.js';
import { rowToSocEvent } from '../detect/replay.js';
import type { SocEvent } from '../types.js';
import type { AlertBus } from './live.js';
import {
  alertStatuses,
  severities,
  severityRank,
  toAlert,
  type AlertChange,
  type AlertStatus,
  type SocAlert,
} from './model.js';
import { alertScopeCondition, canOnAlert } from './scope.js';

export type AlertSort = 'last_seen' | 'first_seen' | 'severity' | 'event_count' | 'created_at';

export interface AlertQuery extends PageQuery {
  status?: AlertStatus[];
  severity?: Severity[];
  /** At least this severity. */
  minSeverity?: Severity;
  organizationId?: string;
  /** Only unattributed alerts (organization null). */
  unattributed?: boolean;
  ruleId?: string;
  assigneeId?: string;
  source?: 'sigma' | 'builtin';
  /** last_seen from / to (ISO 8601). */
  from?: string;
  to?: string;
  /** Text in rule title, entity or rule author. */
  q?: string;
  sort?: AlertSort;
  order?: 'asc' | 'desc';
}

export type AlertAction =
  'acknowledge' | 'start' | 'resolve' | 'false_positive' | 'assign' | 'comment' | 'raise_incident';

export interface AlertActionInput {
  ids: string[];
  action: AlertAction;
  /** false_positive: why (required). resolve: optional note (kept as a comment). */
  reason?: string;
  /** assign: a user id, or null to unassign. */
  assigneeId?: string | null;
  /** comment: the text. */
  text?: string;
  /** raise_incident: what happened (required). */
  summary?: string;
}

export interface AlertComment {
  id: string;
  authorId: string | null;
  authorName: string;
  body: string;
  createdAt: string;
}

export interface AlertEvidence {
  eventId: string;
  time: string;
}

export interface IncidentRequest {
  id: string;
  summary: string;
  requestedBy: string;
  status: string;
  incidentId: string | null;
  createdAt: string;
}

export interface NotificationRecord {
  id: string;
  alertId: string;
  contactId: string | null;
  organizationId: string | null;
  channel: string;
  target: string;
  level: number;
  attempt: number;
  status: string;
  error: string | null;
  sentAt: string;
}

export interface AlertDetail {
  alert: SocAlert;
  /** Evidence event ids (up to detect.evidenceCap per alert). */
  evidence: AlertEvidence[];
  /** The evidence events still stored (raw events expire before alerts). */
  events: SocEvent[];
  comments: AlertComment[];
  notifications: NotificationRecord[];
  incidentRequests: IncidentRequest[];
}

export interface NotificationQuery extends PageQuery {
  alertId?: string;
  organizationId?: string;
  status?: string;
}

const SORTS: Record<AlertSort, keyof SocAlertsTable> = {
  last_seen: 'last_seen',
  first_seen: 'first_seen',
  severity: 'severity_rank',
  event_count: 'event_count',
  created_at: 'created_at',
};

function encodeKey(v: string | number, id: string): string {
  return Buffer.from(JSON.stringify([v, id])).toString('base64url');
}

function decodeKey(cursor: string | null | undefined): [string | number, string] | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      (typeof v[0] === 'string' || typeof v[0] === 'number') &&
      typeof v[1] === 'string'
    )
      return [v[0], v[1]];
  } catch {
    // fall through
  }
  throw new MamoriError('MAMORI_VALIDATION', { reason: 'cursor is not valid' });
}

function isoOrThrow(v: string, field: string): string {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new MamoriError('MAMORI_VALIDATION', { reason: `${field} is not a date` });
  return new Date(t).toISOString();
}

export function toNotification(r: {
  id: string;
  alert_id: string;
  contact_id: string | null;
  organization_id: string | null;
  channel: string;
  target: string;
  level: number;
  attempt: number;
  status: string;
  error: string | null;
  sent_at: string;
}): NotificationRecord {
  return {
    id: r.id,
    alertId: r.alert_id,
    contactId: r.contact_id,
    organizationId: r.organization_id,
    channel: r.channel,
    target: r.target,
    level: Number(r.level),
    attempt: Number(r.attempt),
    status: r.status,
    error: r.error,
    sentAt: r.sent_at,
  };
}

export class AlertServiceImpl {
  /** Resolves true once changes of other processes reach this one's live streams (distributed mode). */
  liveReady: () => Promise<boolean> = async () => false;

  constructor(
    private readonly d: Deps,
    readonly bus: AlertBus,
  ) {}

  private async scope(ctx: RequestContext) {
    await this.d.policy.assert(ctx.actor, 'soc:read');
    return this.d.policy.scope(ctx.actor!, 'soc:read');
  }

  async list(ctx: RequestContext, query: AlertQuery = {}): Promise<Page<SocAlert>> {
    const scope = await this.scope(ctx);
    const limit = pageLimit(query);
    const sortKey = query.sort ?? 'last_seen';
    const col = SORTS[sortKey];
    if (!col) throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown sort ${String(sortKey)}` });
    const desc = (query.order ?? 'desc') === 'desc';
    let q = this.d.db.kysely.selectFrom('soc_alerts').selectAll();
    const cond = alertScopeCondition(scope, 'organization_id', 'prefecture_id');
    if (cond) q = q.where(cond);
    if (query.status?.length) {
      for (const s of query.status)
        if (!alertStatuses.includes(s))
          throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown status ${s}` });
      q = q.where('status', 'in', query.status);
    }
    if (query.severity?.length) {
      for (const s of query.severity)
        if (!severities.includes(s))
          throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown severity ${s}` });
      q = q.where('severity', 'in', query.severity);
    }
    if (query.minSeverity !== undefined) {
      if (!severities.includes(query.minSeverity))
        throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown severity ${query.minSeverity}` });
      q = q.where('severity_rank', '>=', severityRank(query.minSeverity));
    }
    if (query.unattributed) q = q.where('organization_id', 'is', null);
    else if (query.organizationId !== undefined) q = q.where('organization_id', '=', query.organizationId);
    if (query.ruleId !== undefined) q = q.where('rule_id', '=', query.ruleId);
    if (query.assigneeId !== undefined) q = q.where('assignee_id', '=', query.assigneeId);
    if (query.source !== undefined) q = q.where('source', '=', query.source);
    if (query.from !== undefined) q = q.where('last_seen', '>=', isoOrThrow(query.from, 'from'));
    if (query.to !== undefined) q = q.where('last_seen', '<', isoOrThrow(query.to, 'to'));
    if (query.q !== undefined && query.q.trim() !== '') {
      const text = query.q.trim().toLowerCase();
      if (text.length > 200) throw new MamoriError('MAMORI_VALIDATION', { reason: 'q is too long' });
      const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(
        sql<boolean>`(lower(rule_title) like ${like} escape '\\' or lower(entity) like ${like} escape '\\' or lower(rule_author) like ${like} escape '\\' or rule_id = ${query.q.trim()})`,
      );
    }
    const after = decodeKey(query.cursor);
    if (after !== null) {
      const [v, id] = after;
      const op = desc ? '<' : '>';
      q = q.where(
        sql<boolean>`(${sql.ref(col)} ${sql.raw(op)} ${v} or (${sql.ref(col)} = ${v} and id ${sql.raw(op)} ${id}))`,
      );
    }
    const rows = await q
      .orderBy(col, desc ? 'desc' : 'asc')
      .orderBy('id', desc ? 'desc' : 'asc')
      .limit(limit + 1)
      .execute();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return {
      items: await this.named(page.map(toAlert)),
      nextCursor: more && last ? encodeKey(last[col] as string | number, last.id) : null,
    };
  }

  /** Adds organization and assignee names (two IN queries per page). */
  async named(items: SocAlert[]): Promise<SocAlert[]> {
    const orgIds = [...new Set(items.map((i) => i.organizationId).filter((x): x is string => x !== null))];
    const userIds = [...new Set(items.map((i) => i.assigneeId).filter((x): x is string => x !== null))];
    const db = this.d.db.kysely;
    const orgs = new Map(
      orgIds.length
        ? (
            await db.selectFrom('organizations').select(['id', 'name']).where('id', 'in', orgIds).execute()
          ).map((o) => [o.id, o.name])
        : [],
    );
    const users = new Map(
      userIds.length
        ? (
            await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', userIds).execute()
          ).map((u) => [u.id, u.display_name])
        : [],
    );
    return items.map((i) => ({
      ...i,
      organizationName: i.organizationId === null ? null : (orgs.get(i.organizationId) ?? null),
      assigneeName: i.assigneeId === null ? null : (users.get(i.assigneeId) ?? null),
    }));
  }

  /** An alert the caller may see with `permission`; 404 when not visible at all (existence not disclosed). */
  private async visible(
    ctx: RequestContext,
    db: Trx | Deps['db']['kysely'],
    id: string,
    permission: 'soc:read' | 'soc:triage',
  ): Promise<SocAlertsTable> {
    await this.d.policy.assert(ctx.actor, permission);
    const row = await db.selectFrom('soc_alerts').selectAll().where('id', '=', id).executeTakeFirst();
    const where = row ? { organizationId: row.organization_id, prefectureId: row.prefecture_id } : null;
    if (!row || !where || !(await canOnAlert(this.d, ctx.actor, 'soc:read', where))) {
      throw new MamoriError('MAMORI_NOT_FOUND', undefined, { reason: `alert ${id}` });
    }
    if (permission !== 'soc:read' && !(await canOnAlert(this.d, ctx.actor, permission, where))) {
      throw new MamoriError('MAMORI_FORBIDDEN', undefined, { permission });
    }
    return row;
  }

  async get(ctx: RequestContext, id: string): Promise<AlertDetail> {
    const db = this.d.db.kysely;
    const row = await this.visible(ctx, db, id, 'soc:read');
    const ev = await db
      .selectFrom('soc_alert_events')
      .select(['event_id', 'time'])
      .where('alert_id', '=', id)
      .orderBy('time')
      .limit(1000)
      .execute();
    const stored = await this.storedEvents(ev.map((e) => e.event_id));
    const comments = await db
      .selectFrom('soc_alert_comments')
      .selectAll()
      .where('alert_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const notes = await db
      .selectFrom('soc_notifications')
      .selectAll()
      .where('alert_id', '=', id)
      .orderBy('sent_at')
      .orderBy('id')
      .limit(500)
      .execute();
    const incidents = await db
      .selectFrom('soc_incident_requests')
      .selectAll()
      .where('alert_id', '=', id)
      .orderBy('created_at')
      .execute();
    return {
      alert: (await this.named([toAlert(row)]))[0]!,
      evidence: ev.map((e) => ({ eventId: e.event_id, time: e.time })),
      events: ev.map((e) => stored.get(e.event_id)).filter((e): e is SocEvent => e !== undefined),
      comments: comments.map((c) => ({
        id: c.id,
        authorId: c.author_id,
        authorName: c.author_name,
        body: c.body,
        createdAt: c.created_at,
      })),
      notifications: notes.map(toNotification),
      incidentRequests: incidents.map((i) => ({
        id: i.id,
        summary: i.summary,
        requestedBy: i.requested_by,
        status: i.status,
        incidentId: i.incident_id,
        createdAt: i.created_at,
      })),
    };
  }

  /** The pipeline's stored events (soc_events), as SocEvents; raw events may have expired before the alert. */
  private async storedEvents(ids: string[]): Promise<Map<string, SocEvent>> {
    const out = new Map<string, SocEvent>();
    for (let i = 0; i < ids.length; i += 400) {
      const part = ids.slice(i, i + 400);
      const rows = await this.d.db.kysely
        .selectFrom('soc_events')
        .selectAll()
        .where('id', 'in', part)
        .execute();
      for (const r of rows) out.set(r.id, rowToSocEvent(r));
    }
    return out;
  }

  private actorName(ctx: RequestContext): { id: string | null; name: string } {
    const a = ctx.actor;
    if (!a) return { id: null, name: 'anonymous' };
    if (a.kind === 'user') return { id: a.userId, name: a.username };
    if (a.kind === 'token') return { id: a.tokenId, name: `token:${a.tokenId}` };
    return { id: null, name: `system:${a.name}` };
  }

  /** Applies one action to one or more alerts, in one transaction; all or nothing. */
  async act(ctx: RequestContext, input: AlertActionInput): Promise<{ items: SocAlert[] }> {
    const ids = Array.isArray(input?.ids) ? [...new Set(input.ids)] : [];
    if (ids.length === 0 || ids.length > 200)
      throw new MamoriError('MAMORI_VALIDATION', { reason: 'ids: 1 to 200 alert ids' });
    const action = input.action;
    const changes: AlertChange[] = [];
    const result = await this.d.mutate(ctx, `soc.alert.${action}`, async (trx, note) => {
      note.target = ids.length === 1 ? ids[0]! : null;
      note.details = { ids: ids.slice(0, 200), action };
      const now = this.d.now().toISOString();
      const who = this.actorName(ctx);
      const items: SocAlert[] = [];
      const assignee = action === 'assign' ? await this.checkAssignee(trx, input.assigneeId) : null;
      const reason =
        action === 'false_positive'
          ? requireString(input.reason, 'reason', 2000)
          : input.reason?.trim() || null;
      const text = action === 'comment' ? requireString(input.text, 'text', 10_000) : null;
      const summary = action === 'raise_incident' ? requireString(input.summary, 'summary', 10_000) : null;
      if (
        ![
          'acknowledge',
          'start',
          'resolve',
          'false_positive',
          'assign',
          'comment',
          'raise_incident',
        ].includes(action)
      )
        throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown action ${String(action)}` });
      for (const id of ids) {
        const row = await this.visible(ctx, trx, id, 'soc:triage');
        if (ids.length === 1) note.organizationId = row.organization_id;
        const set: Partial<SocAlertsTable> = {};
        const closed = row.status === 'resolved' || row.status === 'false_positive';
        switch (action) {
          case 'acknowledge':
            if (row.status === 'new') set.status = 'acknowledged';
            break;
          case 'start':
            if (closed) throw new MamoriError('MAMORI_CONFLICT', { reason: `alert ${id} is closed` });
            set.status = 'in_progress';
            break;
          case 'resolve':
            set.status = 'resolved';
            set.resolved_at = now;
            break;
          case 'false_positive':
            set.status = 'false_positive';
            set.false_positive_reason = reason;
            set.resolved_at = now;
            break;
          case 'assign':
            // The assignee must reach the alert too: never hand a municipality another's alert.
            if (
              assignee !== null &&
              !(await canOnAlert(this.d, assignee, 'soc:triage', {
                organizationId: row.organization_id,
                prefectureId: row.prefecture_id,
              }))
            )
              throw new MamoriError('MAMORI_VALIDATION', {
                reason: 'assigneeId: the user cannot see this alert',
              });
            set.assignee_id = assignee === null ? null : assignee.userId;
            break;
          case 'raise_incident': {
            const reqId = newId('ir');
            await trx
              .insertInto('soc_incident_requests')
              .values({
                id: reqId,
                alert_id: id,
                organization_id: row.organization_id,
                prefecture_id: row.prefecture_id,
                summary: summary!,
                requested_by: who.name,
                status: 'pending',
                incident_id: null,
                created_at: now,
              })
              .execute();
            set.incident_ref = `request:${reqId}`;
            if (!closed) set.status = 'in_progress';
            break;
          }
          default:
            break;
        }
        // Any triage other than a comment or an assignment acknowledges: escalation stops.
        if (
          ['acknowledge', 'start', 'resolve', 'false_positive', 'raise_incident'].includes(action) &&
          row.acknowledged_at === null
        ) {
          set.acknowledged_at = now;
          set.acknowledged_by = who.name;
        }
        const body = text ?? (action === 'resolve' && reason ? reason : null);
        if (body !== null) {
          await trx
            .insertInto('soc_alert_comments')
            .values({
              id: newId('ac'),
              alert_id: id,
              author_id: who.id,
              author_name: who.name,
              body,
              created_at: now,
            })
            .execute();
        }
        set.updated_at = now;
        await trx.updateTable('soc_alerts').set(set).where('id', '=', id).execute();
        const alert = toAlert({ ...row, ...set } as SocAlertsTable);
        items.push(alert);
        changes.push({ kind: 'updated', alert });
      }
      return { items };
    });
    this.bus.publish(changes);
    return result;
  }

  private async checkAssignee(
    trx: Trx,
    assigneeId: string | null | undefined,
  ): Promise<Extract<Actor, { kind: 'user' }> | null> {
    if (assigneeId === null) return null;
    const id = requireString(assigneeId, 'assigneeId', 64);
    const u = await trx
      .selectFrom('users')
      .select(['id', 'username', 'organization_id', 'role', 'disabled'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!u || u.disabled)
      throw new MamoriError('MAMORI_VALIDATION', { reason: 'assigneeId: no such active user' });
    if (!roleSpecs[u.role as Role]?.permissions.includes('soc:triage'))
      throw new MamoriError('MAMORI_VALIDATION', { reason: 'assigneeId: the user cannot triage alerts' });
    return {
      kind: 'user',
      userId: u.id,
      username: u.username,
      organizationId: u.organization_id,
      role: u.role as Role,
      mfaVerified: true,
    };
  }

  acknowledge(ctx: RequestContext, id: string) {
    return this.one(ctx, { ids: [id], action: 'acknowledge' });
  }
  start(ctx: RequestContext, id: string) {
    return this.one(ctx, { ids: [id], action: 'start' });
  }
  resolve(ctx: RequestContext, id: string, note?: string) {
    return this.one(ctx, { ids: [id], action: 'resolve', ...(note ? { reason: note } : {}) });
  }
  falsePositive(ctx: RequestContext, id: string, reason: string) {
    return this.one(ctx, { ids: [id], action: 'false_positive', reason });
  }
  assign(ctx: RequestContext, id: string, assigneeId: string | null) {
    return this.one(ctx, { ids: [id], action: 'assign', assigneeId });
  }
  comment(ctx: RequestContext, id: string, text: string) {
    return this.one(ctx, { ids: [id], action: 'comment', text });
  }
  /** Adds a comment; returns it. */
  async addComment(ctx: RequestContext, id: string, body: string): Promise<AlertComment> {
    await this.act(ctx, { ids: [id], action: 'comment', text: body });
    const who = this.actorName(ctx);
    const c = await this.d.db.kysely
      .selectFrom('soc_alert_comments')
      .selectAll()
      .where('alert_id', '=', id)
      .where('author_name', '=', who.name)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    return {
      id: c.id,
      authorId: c.author_id,
      authorName: c.author_name,
      body: c.body,
      createdAt: c.created_at,
    };
  }

  /** Records the request for an incident; the incidents domain (not built yet) takes requests with status 'pending'. */
  raiseIncident(ctx: RequestContext, id: string, summary: string) {
    return this.one(ctx, { ids: [id], action: 'raise_incident', summary });
  }

  private async one(ctx: RequestContext, input: AlertActionInput): Promise<SocAlert> {
    return (await this.act(ctx, input)).items[0]!;
  }

  /**
   * Live changes the caller may see (the console's stream). The scope is taken once, at subscription;
   * returns the unsubscribe function.
   */
  async subscribe(ctx: RequestContext, listener: (change: AlertChange) => void): Promise<() => void> {
    const scope = await this.scope(ctx);
    const pref = new Map<string, boolean>();
    return this.bus.subscribe((change) => {
      const a = change.alert;
      if (scope === 'all') return listener(change);
      if ('orgIds' in scope) {
        if (a.organizationId !== null && scope.orgIds.includes(a.organizationId)) listener(change);
        return;
      }
      // Prefecture scope: the alert's organization (or, unattributed, its prefecture) must be in it.
      const orgId = a.organizationId ?? a.prefectureId;
      const known = pref.get(orgId);
      if (known !== undefined) {
        if (known) listener(change);
        return;
      }
      void this.d.directory
        .get(orgId)
        .then((o) => {
          const ok = o !== null && o.prefectureCode === scope.prefectureCode;
          pref.set(orgId, ok);
          if (ok) listener(change);
        })
        // Unknown (e.g. the database is closing): not delivered, never an unhandled rejection.
        .catch(() => undefined);
    });
  }

  async notifications(ctx: RequestContext, query: NotificationQuery = {}): Promise<Page<NotificationRecord>> {
    const scope = await this.scope(ctx);
    const limit = pageLimit(query);
    let q = this.d.db.kysely.selectFrom('soc_notifications').selectAll();
    const cond = alertScopeCondition(scope, 'organization_id', 'prefecture_id');
    if (cond) q = q.where(cond);
    if (query.alertId !== undefined) q = q.where('alert_id', '=', query.alertId);
    if (query.organizationId !== undefined) q = q.where('organization_id', '=', query.organizationId);
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    const after = decodeKey(query.cursor);
    if (after !== null) {
      const [v, id] = after;
      q = q.where(sql<boolean>`(sent_at < ${v} or (sent_at = ${v} and id < ${id}))`);
    }
    const rows = await q
      .orderBy('sent_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return {
      items: page.map(toNotification),
      nextCursor: more && last ? encodeKey(last.sent_at, last.id) : null,
    };
  }
}
