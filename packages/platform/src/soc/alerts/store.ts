// Writes detection hits as grouped alerts: one alert per rule × organization × entity × window (group_key,
// unique). One transaction per batch of hits, a handful of statements whatever the number of events: the
// existing alerts are read with one IN query, new ones inserted, evidence rows inserted with ON CONFLICT DO
// NOTHING (so redelivered events are not counted twice), and one audit record names what changed.
import { createHash } from 'node:crypto';
import type { SocAlertEventsTable, SocAlertsTable, Trx } from '@mamori/store';
import { sql } from 'kysely';
import type { Deps } from '../../context.js';
import type { RequestContext } from '../../types.js';
import { newId } from '../../util.js';
import { byLockOrder } from '../lock-order.js';
import type { Hit, HitEvent } from '../detect/hit.js';
import { ackMinutesOf } from '../notify/notifier.js';
import { severityRank, toAlert, type AlertChange } from './model.js';

export function groupKey(
  h: Pick<Hit, 'ruleId' | 'organizationId' | 'prefectureId' | 'entity' | 'windowStart'>,
): string {
  return createHash('sha256')
    .update(
      [h.ruleId, h.organizationId ?? '', h.prefectureId, h.entity, String(h.windowStart)].join('\u0000'),
    )
    .digest('base64url');
}

interface Merged {
  key: string;
  hit: Hit;
  events: Map<string, HitEvent>;
  first: number;
  last: number;
}

const CHUNK = 400;

function chunks<T>(arr: T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < arr.length; i += n) out.push(arr.slice(i, i + n));
  return out;
}

export class AlertWriter {
  constructor(
    private readonly d: Deps,
    private readonly ctx: RequestContext,
  ) {}

  /** Records hits; returns the alerts created and updated (for notification and the live stream). */
  async record(hits: Hit[]): Promise<AlertChange[]> {
    if (hits.length === 0) return [];
    const merged = new Map<string, Merged>();
    for (const h of hits) {
      const key = groupKey(h);
      let m = merged.get(key);
      if (!m) {
        m = { key, hit: h, events: new Map(), first: Infinity, last: -Infinity };
        merged.set(key, m);
      }
      for (const e of h.events) {
        m.events.set(e.id, e);
        if (e.time < m.first) m.first = e.time;
        if (e.time > m.last) m.last = e.time;
      }
    }
    const cap = this.d.config.detect.evidenceCap;
    const groups = [...merged.values()].sort((a, b) => byLockOrder(a.key, b.key));
    return this.d.mutate(this.ctx, 'soc.alert.record', async (trx, note) => {
      const now = this.d.now();
      const nowIso = now.toISOString();
      const existing = new Map<string, SocAlertsTable>();
      for (const part of chunks(groups.map((g) => g.key))) {
        const rows = await trx.selectFrom('soc_alerts').selectAll().where('group_key', 'in', part).execute();
        for (const r of rows) existing.set(r.group_key, r);
      }
      const fresh: SocAlertsTable[] = [];
      for (const g of groups) {
        if (existing.has(g.key)) continue;
        const h = g.hit;
        const ackMin = ackMinutesOf(this.d, h.severity);
        fresh.push({
          id: newId('al'),
          rule_id: h.ruleId,
          rule_title: h.ruleTitle,
          rule_author: h.ruleAuthor,
          source: h.source,
          severity: h.severity,
          severity_rank: severityRank(h.severity),
          organization_id: h.organizationId,
          prefecture_id: h.prefectureId,
          entity: h.entity.slice(0, 500),
          window_start: new Date(h.windowStart).toISOString(),
          first_seen: new Date(g.first).toISOString(),
          last_seen: new Date(g.last).toISOString(),
          last_received_at: 0,
          event_count: 0,
          evidence_count: 0,
          status: 'new',
          assignee_id: null,
          ack_deadline: ackMin > 0 ? new Date(now.getTime() + ackMin * 60_000).toISOString() : null,
          acknowledged_at: null,
          acknowledged_by: null,
          resolved_at: null,
          escalation_level: 0,
          escalated_at: null,
          false_positive_reason: null,
          incident_ref: null,
          details: JSON.stringify(h.details),
          group_key: g.key,
          created_at: nowIso,
          updated_at: nowIso,
        });
      }
      const createdKeys = new Set<string>();
      for (const part of chunks(fresh, 50)) {
        // Another worker may have created the same group meanwhile: its row wins, ours is dropped.
        await trx
          .insertInto('soc_alerts')
          .values(part)
          .onConflict((oc) => oc.column('group_key').doNothing())
          .execute();
      }
      if (fresh.length > 0) {
        const ours = new Set(fresh.map((f) => f.id));
        for (const part of chunks(fresh.map((f) => f.group_key))) {
          const rows = await trx
            .selectFrom('soc_alerts')
            .selectAll()
            .where('group_key', 'in', part)
            .execute();
          for (const r of rows) {
            if (!existing.has(r.group_key)) {
              existing.set(r.group_key, r);
              if (ours.has(r.id)) createdKeys.add(r.group_key);
            }
          }
        }
      }
      // Evidence of every group in shared multi-row inserts; what each alert gained, in one UPDATE … FROM per
      // chunk of alerts (one statement per alert made an attack wave touching hundreds of groups per batch cost
      // hundreds of statements, all inside the write lock the pipeline's commits wait for).
      const present = groups.flatMap((g) => {
        const row = existing.get(g.key);
        return row ? [{ g, row }] : [];
      });
      const counted = await this.addEvents(trx, present, cap);
      const deltas: AlertDelta[] = [];
      present.forEach(({ g, row }, i) => {
        const c = counted[i]!;
        const created = createdKeys.has(g.key);
        if (c.count === 0 && !created) return;
        deltas.push({
          id: row.id,
          created,
          count: c.count,
          evidence: c.evidence,
          maxReceived: c.maxReceived,
          lastSeen: new Date(g.last).toISOString(),
          firstSeen: new Date(g.first).toISOString(),
        });
      });
      const changes: AlertChange[] = [];
      for (const part of chunks(deltas, 100)) {
        const updated = new Map((await this.applyDeltas(trx, part, nowIso)).map((r) => [r.id, r]));
        for (const d of part) {
          const u = updated.get(d.id);
          if (u) changes.push({ kind: d.created ? 'created' : 'updated', alert: toAlert(u) });
        }
      }
      const created = changes.filter((c) => c.kind === 'created');
      note.target = created.length === 1 ? created[0]!.alert.id : null;
      note.organizationId = created.length === 1 ? created[0]!.alert.organizationId : null;
      note.details = {
        created: created.slice(0, 50).map((c) => c.alert.id),
        createdCount: created.length,
        updatedCount: changes.length - created.length,
      };
      return changes;
    });
  }

  /**
   * Per group: evidence rows up to the cap (duplicates ignored, counted from what the insert returns); beyond
   * it, events newer than the last counted.
   */
  private async addEvents(
    trx: Trx,
    present: { g: Merged; row: SocAlertsTable }[],
    cap: number,
  ): Promise<{ count: number; evidence: number; maxReceived: number }[]> {
    const values: SocAlertEventsTable[] = [];
    const beyondCap = present.map(({ g, row }) => {
      const events = [...g.events.values()];
      let maxReceived = 0;
      for (const e of events) if (e.receivedAt > maxReceived) maxReceived = e.receivedAt;
      const room = Math.max(0, cap - Number(row.evidence_count));
      for (const e of events.slice(0, room))
        values.push({ alert_id: row.id, event_id: e.id, time: new Date(e.time).toISOString() });
      const lastReceived = Number(row.last_received_at);
      return { count: events.slice(room).filter((e) => e.receivedAt > lastReceived).length, maxReceived };
    });
    const inserted = new Map<string, number>();
    for (const part of chunks(values)) {
      const res = await trx
        .insertInto('soc_alert_events')
        .values(part)
        .onConflict((oc) => oc.columns(['alert_id', 'event_id']).doNothing())
        .returning('alert_id')
        .execute();
      for (const r of res) inserted.set(r.alert_id, (inserted.get(r.alert_id) ?? 0) + 1);
    }
    return present.map(({ row }, i) => {
      const n = inserted.get(row.id) ?? 0;
      return { count: beyondCap[i]!.count + n, evidence: n, maxReceived: beyondCap[i]!.maxReceived };
    });
  }

  /**
   * Adds what each alert gained, in one statement: increments in SQL, since another worker may be updating the
   * same alert in its own transaction. Every value is cast, so PostgreSQL types the VALUES list as SQLite does.
   */
  private async applyDeltas(trx: Trx, part: AlertDelta[], nowIso: string): Promise<SocAlertsTable[]> {
    const rows = part.map(
      (d) =>
        sql`(cast(${d.id} as text), cast(${d.count} as bigint), cast(${d.evidence} as bigint), cast(${d.maxReceived} as bigint), cast(${d.lastSeen} as text), cast(${d.firstSeen} as text))`,
    );
    // SQLite's RETURNING names the updated table's columns only and takes no "table.*"; PostgreSQL's "*" would
    // add the VALUES list's.
    const returning = sql.raw(this.d.db.dialect === 'postgres' ? 'soc_alerts.*' : '*');
    const res = await sql<SocAlertsTable>`with v (aid, c, e, mr, ls, fs) as (values ${sql.join(rows)})
      update soc_alerts set
        event_count = event_count + v.c,
        evidence_count = evidence_count + v.e,
        last_received_at = case when last_received_at > v.mr then last_received_at else v.mr end,
        last_seen = case when last_seen > v.ls then last_seen else v.ls end,
        first_seen = case when first_seen < v.fs then first_seen else v.fs end,
        updated_at = ${nowIso}
      from v where soc_alerts.id = v.aid
      returning ${returning}`.execute(trx);
    return res.rows;
  }
}

interface AlertDelta {
  id: string;
  created: boolean;
  count: number;
  evidence: number;
  maxReceived: number;
  lastSeen: string;
  firstSeen: string;
}
