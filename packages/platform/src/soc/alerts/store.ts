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
    const groups = [...merged.values()];
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
        for (const part of chunks(fresh.map((f) => f.group_key))) {
          const rows = await trx
            .selectFrom('soc_alerts')
            .selectAll()
            .where('group_key', 'in', part)
            .execute();
          for (const r of rows) {
            if (!existing.has(r.group_key)) {
              existing.set(r.group_key, r);
              if (fresh.some((f) => f.id === r.id)) createdKeys.add(r.group_key);
            }
          }
        }
      }
      const changes: AlertChange[] = [];
      for (const g of groups) {
        const row = existing.get(g.key);
        if (!row) continue;
        const counted = await this.addEvents(trx, row, [...g.events.values()], cap);
        if (counted.count === 0 && !createdKeys.has(g.key)) continue;
        const lastSeen = new Date(g.last).toISOString();
        const firstSeen = new Date(g.first).toISOString();
        // Increments in SQL: another worker may be updating the same alert in its own transaction.
        const updated = await trx
          .updateTable('soc_alerts')
          .set({
            event_count: sql<number>`event_count + ${counted.count}`,
            evidence_count: sql<number>`evidence_count + ${counted.evidence}`,
            last_received_at: sql<number>`case when last_received_at > ${counted.maxReceived} then last_received_at else ${counted.maxReceived} end`,
            last_seen: sql<string>`case when last_seen > ${lastSeen} then last_seen else ${lastSeen} end`,
            first_seen: sql<string>`case when first_seen < ${firstSeen} then first_seen else ${firstSeen} end`,
            updated_at: nowIso,
          })
          .where('id', '=', row.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        changes.push({ kind: createdKeys.has(g.key) ? 'created' : 'updated', alert: toAlert(updated) });
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

  /** Evidence rows up to the cap (duplicates ignored); beyond it, events newer than the last counted. */
  private async addEvents(
    trx: Trx,
    row: SocAlertsTable,
    events: HitEvent[],
    cap: number,
  ): Promise<{ count: number; evidence: number; maxReceived: number }> {
    const room = Math.max(0, cap - Number(row.evidence_count));
    const toStore = events.slice(0, room);
    const rest = events.slice(room);
    let inserted = 0;
    for (const part of chunks(toStore)) {
      const values: SocAlertEventsTable[] = part.map((e) => ({
        alert_id: row.id,
        event_id: e.id,
        time: new Date(e.time).toISOString(),
      }));
      const res = await trx
        .insertInto('soc_alert_events')
        .values(values)
        .onConflict((oc) => oc.columns(['alert_id', 'event_id']).doNothing())
        .executeTakeFirst();
      inserted += Number(res.numInsertedOrUpdatedRows ?? 0);
    }
    const lastReceived = Number(row.last_received_at);
    const beyond = rest.filter((e) => e.receivedAt > lastReceived).length;
    let maxReceived = 0;
    for (const e of events) if (e.receivedAt > maxReceived) maxReceived = e.receivedAt;
    return { count: inserted + beyond, evidence: inserted, maxReceived };
  }
}
