// Writing one pipeline batch: events, quarantined lines, rollup increments and the queue position, in ONE
// transaction. Records already committed (position below the checkpoint, or a JetStream sequence already seen)
// are dropped inside that transaction, so redelivery never counts twice.
// Two implementations: better-sqlite3 directly (prepared multi-row statements, the embedded hot path) and Kysely
// (PostgreSQL, and SQLite when the database is in memory).
import { createRequire } from 'node:module';
import type SqliteDatabaseType from 'better-sqlite3';
import { sql } from 'kysely';
import type { MamoriDb, Trx } from '@mamori/store';
import type { SocEvent } from '../types.js';

export const eventColumns = [
  'id',
  'organization_id',
  'prefecture_id',
  'time',
  'received_at',
  'class',
  'activity',
  'severity',
  'disposition',
  'source_kind',
  'format',
  'src_ip',
  'dst_ip',
  'src_host',
  'dst_host',
  'user_name',
  'rule_id',
  'rule_name',
  'rule_category',
  'unattributed_reason',
  'fields_json',
  'raw',
] as const;
export const quarantineColumns = [
  'id',
  'received_at',
  'transport',
  'peer',
  'format',
  'reason',
  'line',
  'prefecture_id',
  'organization_id',
] as const;
const rollupColumns = [
  'organization_id',
  'prefecture_id',
  'hour',
  'source_kind',
  'action',
  'category',
  'count',
];

export type Value = string | number | null;

/** One record, processed and ready to write. */
export interface Prepared {
  /** Spool position, or JetStream stream sequence (shared by the records of one message). */
  pos: number;
  event: SocEvent | null;
  eventRow: Value[] | null;
  quarantineRow: Value[] | null;
  /** org \x01 prefecture \x01 hour \x01 source kind \x01 action \x01 category */
  rollupKey: string | null;
}

export interface CommitRequest {
  consumer: string;
  items: Prepared[];
  /** Embedded queue: the position after the batch (stored as the checkpoint). */
  checkpoint: number | null;
  /** JetStream: positions are message sequences, deduplicated through soc_queue_seen. */
  dedupe: boolean;
  nowMs: number;
}

export interface CommitResult {
  committed: Prepared[];
  duplicates: number;
}

export interface PipelineStore {
  readCheckpoint(consumer: string): Promise<number | null>;
  commit(req: CommitRequest): Promise<CommitResult>;
  close(): Promise<void>;
}

function aggregate(items: Prepared[]): [string, number][] {
  const m = new Map<string, number>();
  for (const it of items) if (it.rollupKey !== null) m.set(it.rollupKey, (m.get(it.rollupKey) ?? 0) + 1);
  // Sorted: concurrent workers lock rollup rows in the same order (no deadlocks on PostgreSQL).
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const require = createRequire(import.meta.url);

/** Embedded hot path: its own better-sqlite3 connection, statements prepared once, the batch written synchronously. */
export class SqlitePipelineStore implements PipelineStore {
  private readonly db: SqliteDatabaseType.Database;
  private readonly stmts = new Map<string, SqliteDatabaseType.Statement>();
  private static readonly CHUNK = 64;

  constructor(path: string) {
    const Sqlite = require('better-sqlite3') as typeof SqliteDatabaseType;
    this.db = new Sqlite(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('cache_size = -65536');
    // Checkpoint the WAL every ~64 MiB instead of every 4 MiB: far fewer fsyncs at tens of MB/s of events.
    this.db.pragma('wal_autocheckpoint = 16384');
    // No busy wait inside the synchronous driver (it would block the event loop while the platform's own
    // connection, in this very process, holds the write lock across an await): retry asynchronously instead.
    this.db.pragma('busy_timeout = 0');
  }

  private stmt(key: string, build: () => string): SqliteDatabaseType.Statement {
    let s = this.stmts.get(key);
    if (!s) this.stmts.set(key, (s = this.db.prepare(build())));
    return s;
  }

  private insertMany(table: string, columns: readonly string[], rows: Value[][], suffix = ''): void {
    const C = SqlitePipelineStore.CHUNK;
    const one = `(${columns.map(() => '?').join(',')})`;
    let i = 0;
    if (rows.length >= C) {
      const s = this.stmt(
        `${table}:${C}`,
        () => `insert into ${table} (${columns.join(',')}) values ${Array(C).fill(one).join(',')} ${suffix}`,
      );
      const args: Value[] = new Array<Value>(C * columns.length);
      for (; i + C <= rows.length; i += C) {
        let k = 0;
        for (let j = i; j < i + C; j++) for (const v of rows[j]!) args[k++] = v;
        s.run(args);
      }
    }
    if (i < rows.length) {
      const s = this.stmt(
        `${table}:1`,
        () => `insert into ${table} (${columns.join(',')}) values ${one} ${suffix}`,
      );
      for (; i < rows.length; i++) s.run(rows[i]!);
    }
  }

  async readCheckpoint(consumer: string): Promise<number | null> {
    const r = this.db.prepare('select position from soc_checkpoints where consumer = ?').get(consumer) as
      { position: number } | undefined;
    return r ? Number(r.position) : null;
  }

  async commit(req: CommitRequest): Promise<CommitResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.db.prepare('begin immediate').run();
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt > 2000) throw err;
        await sleep(Math.min(2 + attempt, 20));
      }
    }
    try {
      const result = this.commitInTx(req);
      this.db.prepare('commit').run();
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.prepare('rollback').run();
      throw err;
    }
  }

  private commitInTx(req: CommitRequest): CommitResult {
    let items = req.items;
    if (req.dedupe) {
      const seen = this.stmt(
        'seen',
        () => 'insert or ignore into soc_queue_seen (consumer, seq, at) values (?, ?, ?)',
      );
      const fresh = new Set<number>();
      const dup = new Set<number>();
      for (const it of items) {
        if (fresh.has(it.pos) || dup.has(it.pos)) continue;
        if (seen.run(req.consumer, it.pos, req.nowMs).changes === 1) fresh.add(it.pos);
        else dup.add(it.pos);
      }
      if (dup.size > 0) items = items.filter((it) => fresh.has(it.pos));
    } else {
      const r = this.stmt('cp:get', () => 'select position from soc_checkpoints where consumer = ?').get(
        req.consumer,
      ) as { position: number } | undefined;
      const done = r ? Number(r.position) : -1;
      if (done >= 0 && items.length > 0 && items[0]!.pos < done) items = items.filter((it) => it.pos >= done);
    }
    const events: Value[][] = [];
    const quarantine: Value[][] = [];
    for (const it of items) {
      if (it.eventRow) events.push(it.eventRow);
      if (it.quarantineRow) quarantine.push(it.quarantineRow);
    }
    this.insertMany('soc_events', eventColumns, events);
    this.insertMany('soc_quarantine', quarantineColumns, quarantine);
    const up = this.stmt(
      'rollup',
      () =>
        `insert into soc_rollups (${rollupColumns.join(',')}) values (?,?,?,?,?,?,?) ` +
        'on conflict (organization_id, prefecture_id, hour, source_kind, action, category) do update set count = count + excluded.count',
    );
    for (const [key, n] of aggregate(items)) {
      const k = key.split('\x01');
      up.run(k[0], k[1], k[2], k[3], k[4], k[5], n);
    }
    if (req.checkpoint !== null) {
      this.stmt(
        'cp:set',
        () =>
          'insert into soc_checkpoints (consumer, position, updated_at) values (?, ?, ?) ' +
          'on conflict (consumer) do update set position = excluded.position, updated_at = excluded.updated_at ' +
          'where excluded.position > soc_checkpoints.position',
      ).run(req.consumer, req.checkpoint, new Date(req.nowMs).toISOString());
    }
    return { committed: items, duplicates: req.items.length - items.length };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** PostgreSQL (and in-memory SQLite): multi-row statements through Kysely in one transaction. */
export class KyselyPipelineStore implements PipelineStore {
  constructor(private readonly db: MamoriDb) {}

  async readCheckpoint(consumer: string): Promise<number | null> {
    const r = await this.db.kysely
      .selectFrom('soc_checkpoints')
      .select('position')
      .where('consumer', '=', consumer)
      .executeTakeFirst();
    return r ? Number(r.position) : null;
  }

  commit(req: CommitRequest): Promise<CommitResult> {
    return this.db.transaction((trx) => this.commitInTx(trx, req));
  }

  private async insertRows(
    trx: Trx,
    table: string,
    columns: readonly string[],
    rows: Value[][],
  ): Promise<void> {
    if (rows.length === 0) return;
    if (this.db.dialect === 'postgres') {
      // One array parameter per column (unnest): a few parameters instead of one per value, far less to build
      // and parse than a multi-row VALUES list.
      const cols = columns.map((_, k) => rows.map((r) => r[k] ?? null));
      const arrays = columns.map((c, k) =>
        c === 'received_at' ? sql`${cols[k]}::bigint[]` : sql`${cols[k]}::text[]`,
      );
      await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) select * from unnest(${sql.join(arrays)})`.execute(
        trx,
      );
      return;
    }
    // SQLite (in memory) takes at most 32,766 parameters per statement.
    const per = Math.max(1, Math.floor(30000 / columns.length));
    for (let i = 0; i < rows.length; i += per) {
      const chunk = rows.slice(i, i + per);
      await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values ${sql.join(
        chunk.map((r) => sql`(${sql.join(r)})`),
      )}`.execute(trx);
    }
  }

  private async commitInTx(trx: Trx, req: CommitRequest): Promise<CommitResult> {
    let items = req.items;
    if (req.dedupe) {
      const seqs = [...new Set(items.map((it) => it.pos))];
      const fresh = new Set<number>();
      for (let i = 0; i < seqs.length; i += 5000) {
        const rows = await trx
          .insertInto('soc_queue_seen')
          .values(seqs.slice(i, i + 5000).map((seq) => ({ consumer: req.consumer, seq, at: req.nowMs })))
          .onConflict((oc) => oc.columns(['consumer', 'seq']).doNothing())
          .returning('seq')
          .execute();
        for (const r of rows) fresh.add(Number(r.seq));
      }
      if (fresh.size < seqs.length) items = items.filter((it) => fresh.has(it.pos));
    } else {
      let q = trx.selectFrom('soc_checkpoints').select('position').where('consumer', '=', req.consumer);
      if (this.db.dialect === 'postgres') q = q.forUpdate();
      const r = await q.executeTakeFirst();
      const done = r ? Number(r.position) : -1;
      if (done >= 0 && items.length > 0 && items[0]!.pos < done) items = items.filter((it) => it.pos >= done);
    }
    const events: Value[][] = [];
    const quarantine: Value[][] = [];
    for (const it of items) {
      if (it.eventRow) events.push(it.eventRow);
      if (it.quarantineRow) quarantine.push(it.quarantineRow);
    }
    await this.insertRows(trx, 'soc_events', eventColumns, events);
    await this.insertRows(trx, 'soc_quarantine', quarantineColumns, quarantine);
    const agg = aggregate(items);
    for (let i = 0; i < agg.length; i += 2000) {
      const rows = agg.slice(i, i + 2000).map(([key, n]) => {
        const k = key.split('\x01');
        return {
          organization_id: k[0]!,
          prefecture_id: k[1]!,
          hour: k[2]!,
          source_kind: k[3]!,
          action: k[4]!,
          category: k[5]!,
          count: n,
        };
      });
      await trx
        .insertInto('soc_rollups')
        .values(rows)
        .onConflict((oc) =>
          oc
            .columns(['organization_id', 'prefecture_id', 'hour', 'source_kind', 'action', 'category'])
            .doUpdateSet({ count: sql<number>`soc_rollups.count + excluded.count` }),
        )
        .execute();
    }
    const cp = req.checkpoint;
    if (cp !== null) {
      const at = new Date(req.nowMs).toISOString();
      await trx
        .insertInto('soc_checkpoints')
        .values({ consumer: req.consumer, position: cp, updated_at: at })
        .onConflict((oc) =>
          oc
            .column('consumer')
            .doUpdateSet({ position: cp, updated_at: at })
            .where('soc_checkpoints.position', '<', cp),
        )
        .execute();
    }
    return { committed: items, duplicates: req.items.length - items.length };
  }

  async close(): Promise<void> {}
}
