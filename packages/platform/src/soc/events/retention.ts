// Retention per kind (raw events, quarantine, rollups; JetStream dedupe rows after their horizon). Expired raw
// events are first archived: gzip NDJSON per day (event time, UTC) and organization under soc.archiveDir, one
// gzip member appended per group (gzip readers read concatenated members as one file), fsynced, then deleted with
// a row in soc_archives in one transaction. One pass at a time per deployment: a pass runs only in the process
// holding the "soc-retention" lease (soc_leases), checked in every delete transaction (fencing), and kept until
// the next pass is due; the others skip. Members are keyed by their events' ids (./archive.ts): a pass retried
// after a crash between the fsync and the delete, or overlapping a stale holder on the same events, does not
// write them twice.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MamoriConfig } from '@mamori/core';
import type { MamoriDb } from '@mamori/store';
import type { Logger } from 'pino';
import { newId } from '../../util.js';
import { Lease, LeaseLostError } from '../lease.js';
import { appendArchiveMember, memberKey } from './archive.js';
import { rowToEvent } from './service.js';

export interface RetentionResult {
  eventsArchived: number;
  eventsDeleted: number;
  archiveFiles: string[];
  quarantineDeleted: number;
  rollupsDeleted: number;
  dedupeDeleted: number;
  /** Set when another process holds the retention lease (this process did nothing). */
  skipped?: { holder: string; until: string };
}

export interface RetentionOptions {
  /** Clock of the lease (the platform's). */
  now?: () => number;
  /** This process's name in the lease (default: host, pid, random). */
  holder?: string;
  /** Lease time while a pass runs, renewed every third of it (default: soc.retentionLeaseSeconds). */
  leaseTtlMs?: number;
}

export const RETENTION_LEASE = 'soc-retention';

/** JetStream redelivers within the stream's max age; dedupe rows older than this are no longer needed. */
export const DEDUPE_HORIZON_MS = 8 * 24 * 3600_000;

const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_');

const emptyResult = (): RetentionResult => ({
  eventsArchived: 0,
  eventsDeleted: 0,
  archiveFiles: [],
  quarantineDeleted: 0,
  rollupsDeleted: 0,
  dedupeDeleted: 0,
});

export class Retention {
  readonly lease: Lease;
  private readonly ttl: number;
  private readonly clock: () => number;

  constructor(
    private readonly db: MamoriDb,
    private readonly config: MamoriConfig,
    private readonly logger: Logger,
    opts: RetentionOptions = {},
  ) {
    this.clock = opts.now ?? Date.now;
    this.ttl = opts.leaseTtlMs ?? config.soc.retentionLeaseSeconds * 1000;
    this.lease = new Lease(db, RETENTION_LEASE, opts.holder, this.clock);
  }

  /** One pass, if this process holds (or takes) the retention lease; `nowMs` is the retention clock. */
  async run(nowMs = Date.now(), chunk = 5000): Promise<RetentionResult> {
    const started = this.clock();
    if (!(await this.lease.acquire(this.ttl))) {
      const st = await this.lease.state();
      return {
        ...emptyResult(),
        skipped: { holder: st?.holder ?? '?', until: new Date(st?.expiresAt ?? 0).toISOString() },
      };
    }
    let lost = false;
    const renew = setInterval(
      () => {
        this.lease.renew(this.ttl).then(
          (ok) => (lost ||= !ok),
          (err: unknown) => this.logger.warn({ err }, 'SOC retention: renewing the lease failed'),
        );
      },
      Math.max(50, Math.floor(this.ttl / 3)),
    );
    renew.unref();
    try {
      const out = await this.pass(nowMs, chunk, () => lost);
      // Kept until the next pass is due: the other processes' timers skip until then, and take over after
      // it when this one is gone.
      const next = started + this.config.soc.retentionIntervalMinutes * 60_000 - 30_000;
      await this.lease.holdUntil(Math.max(next, this.clock() + this.ttl));
      return out;
    } catch (err) {
      if (err instanceof LeaseLostError)
        this.logger.warn({ holder: this.lease.holder }, 'SOC retention: lease lost mid-pass; stopped');
      throw err;
    } finally {
      clearInterval(renew);
    }
  }

  private async pass(nowMs: number, chunk: number, lost: () => boolean): Promise<RetentionResult> {
    const c = this.config.soc;
    const out: RetentionResult = {
      eventsArchived: 0,
      eventsDeleted: 0,
      archiveFiles: [],
      quarantineDeleted: 0,
      rollupsDeleted: 0,
      dedupeDeleted: 0,
    };
    const k = this.db.kysely;
    if (c.retentionEventsDays > 0) {
      const cutoff = nowMs - c.retentionEventsDays * 86400_000;
      const files = new Set<string>();
      for (;;) {
        if (lost()) throw new LeaseLostError(RETENTION_LEASE);
        const rows = await k
          .selectFrom('soc_events')
          .selectAll()
          .where('received_at', '<', cutoff)
          .orderBy('received_at')
          .orderBy('id')
          .limit(chunk)
          .execute();
        if (rows.length === 0) break;
        const archived: {
          pref: string;
          org: string | null;
          day: string;
          path: string;
          n: number;
          bytes: number;
        }[] = [];
        if (c.archive) {
          const groups = new Map<string, typeof rows>();
          for (const r of rows) {
            const key = `${r.prefecture_id}\x01${r.organization_id ?? ''}\x01${r.time.slice(0, 10)}`;
            const g = groups.get(key) ?? [];
            g.push(r);
            groups.set(key, g);
          }
          for (const [key, g] of groups) {
            const [pref, org, day] = key.split('\x01') as [string, string, string];
            const dir = join(c.archiveDir, safe(pref), org === '' ? 'unattributed' : safe(org));
            mkdirSync(dir, { recursive: true });
            const path = join(dir, `${safe(day)}.ndjson.gz`);
            const body = Buffer.from(g.map((r) => JSON.stringify(rowToEvent(r))).join('\n') + '\n');
            const a = appendArchiveMember(path, memberKey(g.map((r) => r.id)), body);
            if (a.repaired > 0)
              this.logger.warn({ path, bytes: a.repaired }, 'SOC retention: cut a torn archive tail');
            files.add(path);
            archived.push({ pref, org: org === '' ? null : org, day, path, n: g.length, bytes: a.bytes });
          }
        }
        const ids = rows.map((r) => r.id);
        await this.db.transaction(async (trx) => {
          // Still the holder (and extended): a stale holder's delete rolls back here.
          await this.lease.fence(trx, this.ttl);
          for (let i = 0; i < ids.length; i += 500) {
            await trx
              .deleteFrom('soc_events')
              .where('id', 'in', ids.slice(i, i + 500))
              .execute();
          }
          const at = new Date(nowMs).toISOString();
          for (const a of archived) {
            await trx
              .insertInto('soc_archives')
              .values({
                id: newId('arc'),
                prefecture_id: a.pref,
                organization_id: a.org,
                day: a.day,
                path: a.path,
                events: a.n,
                bytes: a.bytes,
                created_at: at,
              })
              .execute();
          }
        });
        out.eventsDeleted += rows.length;
        if (c.archive) out.eventsArchived += rows.length;
        if (rows.length < chunk) break;
      }
      out.archiveFiles = [...files].sort();
    }
    if (c.retentionQuarantineDays > 0) {
      const r = await k
        .deleteFrom('soc_quarantine')
        .where('received_at', '<', nowMs - c.retentionQuarantineDays * 86400_000)
        .executeTakeFirst();
      out.quarantineDeleted = Number(r.numDeletedRows);
    }
    if (c.retentionRollupsDays > 0) {
      const hour = new Date(nowMs - c.retentionRollupsDays * 86400_000).toISOString().slice(0, 13);
      const r = await k.deleteFrom('soc_rollups').where('hour', '<', hour).executeTakeFirst();
      out.rollupsDeleted = Number(r.numDeletedRows);
    }
    const r = await k
      .deleteFrom('soc_queue_seen')
      .where('at', '<', nowMs - DEDUPE_HORIZON_MS)
      .executeTakeFirst();
    out.dedupeDeleted = Number(r.numDeletedRows);
    if (out.eventsDeleted + out.quarantineDeleted + out.rollupsDeleted > 0) {
      this.logger.info({ ...out, archiveFiles: out.archiveFiles.length }, 'SOC retention ran');
    }
    return out;
  }
}
