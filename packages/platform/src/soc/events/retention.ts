// Retention per kind (raw events, quarantine, rollups; JetStream dedupe rows after their horizon). Expired raw
// events are first archived: gzip NDJSON per day (event time, UTC) and organization under soc.archiveDir, one
// gzip member appended per run (gzip readers read concatenated members as one file), fsynced, then deleted with
// a row in soc_archives in one transaction. A crash between the fsync and the delete archives those events again
// on the next run (duplicates in the archive, never a loss).
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { MamoriConfig } from '@mamori/core';
import type { MamoriDb } from '@mamori/store';
import type { Logger } from 'pino';
import { newId } from '../../util.js';
import { rowToEvent } from './service.js';

export interface RetentionResult {
  eventsArchived: number;
  eventsDeleted: number;
  archiveFiles: string[];
  quarantineDeleted: number;
  rollupsDeleted: number;
  dedupeDeleted: number;
}

/** JetStream redelivers within the stream's max age; dedupe rows older than this are no longer needed. */
export const DEDUPE_HORIZON_MS = 8 * 24 * 3600_000;

const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_');

export class Retention {
  constructor(
    private readonly db: MamoriDb,
    private readonly config: MamoriConfig,
    private readonly logger: Logger,
  ) {}

  async run(nowMs = Date.now(), chunk = 5000): Promise<RetentionResult> {
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
            const body = gzipSync(g.map((r) => JSON.stringify(rowToEvent(r))).join('\n') + '\n');
            const fd = openSync(path, 'a');
            try {
              writeSync(fd, body);
              fsyncSync(fd);
            } finally {
              closeSync(fd);
            }
            files.add(path);
            archived.push({ pref, org: org === '' ? null : org, day, path, n: g.length, bytes: body.length });
          }
        }
        const ids = rows.map((r) => r.id);
        await this.db.transaction(async (trx) => {
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
