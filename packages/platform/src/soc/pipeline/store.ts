// Writing one pipeline batch: events, quarantined lines, rollup increments and the queue position, in ONE
// transaction. Records already committed (position below the checkpoint, or a JetStream sequence already seen)
// are dropped inside that transaction, so redelivery never counts twice.
// Two implementations: better-sqlite3 directly (prepared multi-row statements, the embedded hot path) and Kysely
// (PostgreSQL, and SQLite when the database is in memory).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabaseType from 'better-sqlite3';
import { sql } from 'kysely';
import type { MamoriDb, Trx } from '@mamori/store';
import type { SocEvent } from '../types.js';
import {
  aggregate,
  eventColumns,
  quarantineColumns,
  openPipelineConnection,
  SqliteBatchWriter,
  type DetectFrom,
  type Value,
  toWire,
  WireBuilder,
} from './sqlite-writer.js';
import { rowsToColumns, writeEventColumns } from './row.js';
import type { StoreThreadReply, StoreThreadRequest } from './store-thread.js';

export { eventColumns, quarantineColumns, type DetectFrom, type Value } from './sqlite-writer.js';

/** One record, processed and ready to write. */
export interface Prepared {
  /** Spool position, or JetStream stream sequence (shared by the records of one message). */
  pos: number;
  event: SocEvent | null;
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
  /**
   * Stored unconditionally, in the same transaction, as checkpoint row `key`: the earliest receipt time among the
   * records committed and not yet through detection, this batch included (the pipeline's detection watermark).
   */
  detectFrom?: DetectFrom | null;
}

export interface CommitResult {
  committed: Prepared[];
  duplicates: number;
}

export interface PipelineStore {
  /**
   * Commits take the database's one write lock (SQLite, on another connection of this process): the detection
   * stages, whose alert writes need that lock too, must not overlap a commit.
   */
  readonly exclusiveWrites?: boolean;
  readCheckpoint(consumer: string): Promise<number | null>;
  commit(req: CommitRequest): Promise<CommitResult>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const require = createRequire(import.meta.url);

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type OkReply = Extract<StoreThreadReply, { ok: true }>;

interface Pending {
  resolve: (reply: OkReply) => void;
  reject: (err: Error) => void;
}

/**
 * Embedded hot path: the batch is written by a better-sqlite3 connection on the store thread (store-thread.ts),
 * handed over as one JSON string, while the main thread reads, parses and runs detection; WAL checkpoints run on
 * a third thread. `thread: false` writes on the calling thread instead (same SQL, same transaction).
 */
export class SqlitePipelineStore implements PipelineStore {
  readonly exclusiveWrites = true;
  private readonly local: SqliteBatchWriter | null = null;
  private readonly thread: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private threadError: Error | null = null;
  private checkpointer: Worker | null = null;
  private checkpointing = false;
  private checkpointAgain = false;
  private readonly wire = new WireBuilder();

  constructor(path: string, opts: { thread?: boolean } = {}) {
    if (opts.thread === false) {
      const Sqlite = require('better-sqlite3') as typeof SqliteDatabaseType;
      // No busy wait inside the synchronous driver (it would block the event loop while the platform's own
      // connection, in this very process, holds the write lock across an await): retry asynchronously instead.
      this.local = new SqliteBatchWriter(openPipelineConnection(Sqlite, path, 0));
    } else {
      const w = startThread(path);
      w.on('message', (m: StoreThreadReply) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m);
        else p.reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
      });
      const fail = (err: Error) => {
        this.threadError = err;
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      w.on('error', fail);
      w.on('exit', () => fail(new Error('SOC store thread exited')));
      this.thread = w;
    }
    this.startCheckpointer(path);
  }

  private call(m: DistributiveOmit<StoreThreadRequest, 'id'>, transfer?: ArrayBuffer[]): Promise<OkReply> {
    if (this.threadError) return Promise.reject(this.threadError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.thread!.postMessage({ ...m, id } as StoreThreadRequest, transfer);
    });
  }

  /**
   * WAL checkpoints (copying committed pages into the database file, with its fsync) run on a thread of their own
   * with its own connection, after each commit: on the event loop they took ~13% of the main thread's time (the
   * platform's connection, committing an alert right after a batch, paid for them). PASSIVE never blocks a
   * writer; wal_autocheckpoint stays the fallback should the thread lag.
   */
  private startCheckpointer(path: string): void {
    const w = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require(workerData.module))(workerData.path);
       db.pragma('busy_timeout = 100');
       parentPort.on('message', (m) => {
         if (m === 'close') { db.close(); parentPort.close(); return; }
         try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
         parentPort.postMessage(0);
       });`,
      { eval: true, workerData: { path, module: require.resolve('better-sqlite3') } },
    );
    w.unref();
    w.on('message', () => {
      this.checkpointing = false;
      if (this.checkpointAgain) this.requestCheckpoint();
    });
    w.on('error', () => {
      // Without the thread, wal_autocheckpoint on the connections still bounds the WAL.
      this.checkpointer = null;
    });
    this.checkpointer = w;
  }

  private requestCheckpoint(): void {
    if (!this.checkpointer) return;
    if (this.checkpointing) {
      this.checkpointAgain = true;
      return;
    }
    this.checkpointing = true;
    this.checkpointAgain = false;
    this.checkpointer.postMessage('checkpoint');
  }

  async readCheckpoint(consumer: string): Promise<number | null> {
    if (this.local) return this.local.readCheckpoint(consumer);
    return (await this.call({ op: 'checkpoint-position', consumer })).position ?? null;
  }

  async commit(req: CommitRequest): Promise<CommitResult> {
    // To the store thread the batch is cloned by postMessage before this returns to the event loop, so the
    // builder's arrays can serve the next batch; written here, it may wait (SQLITE_BUSY) across awaits: its own.
    const wire = this.local ? toWire(req, req.items) : this.wire.build(req, req.items);
    let dropped: number[];
    if (this.local) {
      for (let attempt = 0; ; attempt++) {
        try {
          dropped = this.local.commit(wire);
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt > 2000) throw err;
          await sleep(Math.min(2 + attempt, 20));
        }
      }
    } else {
      dropped = (await this.call({ op: 'commit', batch: wire })).dropped ?? [];
    }
    this.requestCheckpoint();
    if (dropped.length === 0) return { committed: req.items, duplicates: 0 };
    const skip = new Set(dropped);
    return { committed: req.items.filter((_, i) => !skip.has(i)), duplicates: dropped.length };
  }

  async close(): Promise<void> {
    const cp = this.checkpointer;
    this.checkpointer = null;
    if (cp) {
      const exited = new Promise((r) => cp.once('exit', r));
      cp.postMessage('close');
      await Promise.race([exited, sleep(2000)]);
      await cp.terminate();
    }
    if (this.local) this.local.db.close();
    if (this.thread && !this.threadError) {
      const exited = new Promise((r) => this.thread!.once('exit', r));
      await this.call({ op: 'close' }).catch(() => undefined);
      await Promise.race([exited, sleep(2000)]);
      await this.thread.terminate();
    }
  }
}

/** The store thread; under tsx (development) the worker registers tsx's hooks first (Node 20 does not pass them). */
function startThread(path: string): Worker {
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    const entry = new URL('./store-thread.ts', self).href;
    const api = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(boot, { eval: true, workerData: { path } });
  }
  return new Worker(new URL('./store-thread.js', self), { workerData: { path } });
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

  /** Rows 0..n-1 of `cols` (one array per column, `columns` order). */
  private async insertColumns(
    trx: Trx,
    table: string,
    columns: readonly string[],
    cols: Value[][],
    n: number,
  ): Promise<void> {
    if (n === 0) return;
    if (this.db.dialect === 'postgres') {
      // One array parameter per column (unnest): a few parameters instead of one per value, far less to build
      // and parse than a multi-row VALUES list.
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
    for (let i = 0; i < n; i += per) {
      const rows = [];
      for (let j = i; j < Math.min(n, i + per); j++)
        rows.push(sql`(${sql.join(cols.map((c) => c[j] ?? null))})`);
      await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values ${sql.join(
        rows,
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
    // Event rows written straight into columns, as for the store thread; quarantined lines (few) transposed.
    const events: Value[][] = eventColumns.map(() => []);
    const quarantine: Value[][] = [];
    let ne = 0;
    for (const it of items) {
      if (it.event) writeEventColumns(it.event, events, ne++);
      if (it.quarantineRow) quarantine.push(it.quarantineRow);
    }
    await this.insertColumns(trx, 'soc_events', eventColumns, events, ne);
    await this.insertColumns(
      trx,
      'soc_quarantine',
      quarantineColumns,
      rowsToColumns(quarantine, quarantineColumns.length),
      quarantine.length,
    );
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
    const df = req.detectFrom;
    if (df) {
      const at = new Date(req.nowMs).toISOString();
      await trx
        .insertInto('soc_checkpoints')
        .values({ consumer: df.key, position: df.at, updated_at: at })
        .onConflict((oc) => oc.column('consumer').doUpdateSet({ position: df.at, updated_at: at }))
        .execute();
    }
    return { committed: items, duplicates: req.items.length - items.length };
  }

  async close(): Promise<void> {}
}
