// The embedded hot path's batch write, synchronous on a better-sqlite3 connection: events, quarantined lines,
// rollup increments and the queue position in one transaction. It runs on the store thread (store-thread.ts), so
// the SQLite work (b-tree inserts, page writes) leaves the event loop; it imports nothing heavier than the driver.
import type SqliteDatabaseType from 'better-sqlite3';
import type { SocEvent } from '../types.js';
import { byLockOrder } from '../lock-order.js';
import { eventColumns, rowsToColumns, writeEventColumns, type Value } from './row.js';

export { eventColumns, type Value };

/** What the writer needs of a prepared record (Prepared carries more). */
export interface WireItem {
  pos: number;
  /** Its row is written into the batch's columns (row.ts). */
  event: SocEvent | null;
  quarantineRow: Value[] | null;
  /** org \x01 prefecture \x01 hour \x01 source kind \x01 action \x01 category */
  rollupKey: string | null;
}

/** The detection watermark a commit stores: checkpoint row `key` set to receipt time `at` (ms). */
export interface DetectFrom {
  key: string;
  at: number;
}

/**
 * One batch as the store thread receives it: event rows as columns (one array per column). Posted as is, the
 * structured clone of ~21 flat arrays costs ~1 µs per row on the sending thread; row arrays cost ~2.3 µs, JSON
 * text ~6 µs (measured on the pipeline's rows).
 */
export interface WireBatch {
  consumer: string;
  checkpoint: number | null;
  dedupe: boolean;
  nowMs: number;
  /** Written as is to checkpoint row `key` (CommitRequest.detectFrom). */
  detectFrom: DetectFrom | null;
  /** Per item: queue position. */
  pos: number[];
  /**
   * The batch's distinct rollup keys, and per item the index of its key (-1: none). A batch holds a few dozen
   * distinct keys: sending each item's key string cost ~0.2 µs per item to clone, flattened from its pieces.
   */
  rollupKeys: string[];
  rollupOf: number[];
  /** Per event row: its item; ev[c][j] is column c of event row j. */
  evItem: number[];
  ev: Value[][];
  qItem: number[];
  q: Value[][];
}

/** What a batch is committed with besides its items (CommitRequest's other fields). */
export type WireRequest = Pick<WireBatch, 'consumer' | 'checkpoint' | 'dedupe' | 'nowMs'> & {
  detectFrom?: WireBatch['detectFrom'];
};

/**
 * Builds WireBatches in arrays reused from one batch to the next: a batch is cloned (postMessage) or written
 * synchronously right after it is built, so its arrays are free again by the next build. (New arrays per batch,
 * grown by push, were ~7% of the pipeline's allocations; arrays made with new Array(n) are "holey", and V8 clones
 * holey arrays element by element with their indexes.) The batch returned is valid until the next build.
 */
export class WireBuilder {
  private readonly pos: number[] = [];
  private readonly rollupOf: number[] = [];
  private readonly evItem: number[] = [];
  private readonly ev: Value[][] = eventColumns.map(() => []);
  private readonly keyIndex = new Map<string, number>();

  build(req: WireRequest, items: readonly WireItem[]): WireBatch {
    const n = items.length;
    const { pos, rollupOf, evItem, ev, keyIndex } = this;
    keyIndex.clear();
    const rollupKeys: string[] = [];
    const qItem: number[] = [];
    const q: Value[][] = [];
    const width = ev.length;
    let j = 0;
    for (let i = 0; i < n; i++) {
      const it = items[i]!;
      pos[i] = it.pos;
      const key = it.rollupKey;
      if (key === null) rollupOf[i] = -1;
      else {
        let k = keyIndex.get(key);
        if (k === undefined) {
          k = rollupKeys.length;
          keyIndex.set(key, k);
          rollupKeys.push(key);
        }
        rollupOf[i] = k;
      }
      if (it.event) {
        evItem[j] = i;
        writeEventColumns(it.event, ev, j);
        j++;
      }
      if (it.quarantineRow) {
        qItem.push(i);
        q.push(it.quarantineRow);
      }
    }
    // Written in order from index 0, the arrays stay packed; cut to this batch's length.
    pos.length = n;
    rollupOf.length = n;
    evItem.length = j;
    for (let c = 0; c < width; c++) ev[c]!.length = j;
    return {
      consumer: req.consumer,
      checkpoint: req.checkpoint,
      dedupe: req.dedupe,
      nowMs: req.nowMs,
      detectFrom: req.detectFrom ?? null,
      pos,
      rollupKeys,
      rollupOf,
      evItem,
      ev,
      qItem,
      q,
    };
  }
}

/** One batch in new arrays (tests, one-off writes). */
export function toWire(req: WireRequest, items: readonly WireItem[]): WireBatch {
  return new WireBuilder().build(req, items);
}

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
export const rollupColumns = [
  'organization_id',
  'prefecture_id',
  'hour',
  'source_kind',
  'action',
  'category',
  'count',
];

export function aggregate(items: readonly WireItem[]): [string, number][] {
  return aggregateKeys(items.map((it) => it.rollupKey));
}

export function aggregateKeys(keys: readonly (string | null)[]): [string, number][] {
  const m = new Map<string, number>();
  for (const k of keys) if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => byLockOrder(a[0], b[0]));
}

export function openPipelineConnection(
  Sqlite: typeof SqliteDatabaseType,
  path: string,
  busyMs: number,
): SqliteDatabaseType.Database {
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  // Checkpoint the WAL every ~64 MiB instead of every 4 MiB (a fallback: the checkpointer thread runs after
  // every commit).
  db.pragma('wal_autocheckpoint = 16384');
  db.pragma(`busy_timeout = ${busyMs}`);
  return db;
}

/** Prepared multi-row statements, one transaction per batch. */
export class SqliteBatchWriter {
  private readonly stmts = new Map<string, SqliteDatabaseType.Statement>();
  private static readonly CHUNK = 64;

  constructor(readonly db: SqliteDatabaseType.Database) {}

  private stmt(key: string, build: () => string): SqliteDatabaseType.Statement {
    let s = this.stmts.get(key);
    if (!s) this.stmts.set(key, (s = this.db.prepare(build())));
    return s;
  }

  /** Rows j of `cols` (one array per column) for which keep(item of j) holds, in 64-row statements. */
  private insertColumns(
    table: string,
    columns: readonly string[],
    cols: Value[][],
    rowItem: number[],
    keep: Uint8Array | null,
  ): void {
    const rows: number[] = [];
    for (let j = 0; j < rowItem.length; j++) if (keep === null || keep[rowItem[j]!]) rows.push(j);
    const C = SqliteBatchWriter.CHUNK;
    const w = columns.length;
    const one = `(${columns.map(() => '?').join(',')})`;
    let i = 0;
    if (rows.length >= C) {
      const s = this.stmt(
        `${table}:${C}`,
        () => `insert into ${table} (${columns.join(',')}) values ${Array(C).fill(one).join(',')}`,
      );
      const args: Value[] = new Array<Value>(C * w);
      for (; i + C <= rows.length; i += C) {
        let k = 0;
        for (let r = i; r < i + C; r++) {
          const j = rows[r]!;
          for (let c = 0; c < w; c++) args[k++] = cols[c]![j]!;
        }
        s.run(args);
      }
    }
    if (i < rows.length) {
      const s = this.stmt(`${table}:1`, () => `insert into ${table} (${columns.join(',')}) values ${one}`);
      const args: Value[] = new Array<Value>(w);
      for (; i < rows.length; i++) {
        const j = rows[i]!;
        for (let c = 0; c < w; c++) args[c] = cols[c]![j]!;
        s.run(args);
      }
    }
  }

  readCheckpoint(consumer: string): number | null {
    const r = this.stmt('cp:get', () => 'select position from soc_checkpoints where consumer = ?').get(
      consumer,
    ) as { position: number } | undefined;
    return r ? Number(r.position) : null;
  }

  /** Begins (the caller handles SQLITE_BUSY), writes, commits; indexes of the items dropped as already done. */
  commit(req: WireBatch): number[] {
    this.stmt('begin', () => 'begin immediate').run();
    try {
      const dropped = this.commitInTx(req);
      this.stmt('commit', () => 'commit').run();
      return dropped;
    } catch (err) {
      if (this.db.inTransaction) this.stmt('rollback', () => 'rollback').run();
      throw err;
    }
  }

  private commitInTx(req: WireBatch): number[] {
    const n = req.pos.length;
    // keep[i] = 0: item i was committed before (below the checkpoint, or a JetStream sequence already seen).
    let keep: Uint8Array | null = null;
    if (req.dedupe) {
      const seen = this.stmt(
        'seen',
        () => 'insert or ignore into soc_queue_seen (consumer, seq, at) values (?, ?, ?)',
      );
      const fresh = new Set<number>();
      const dup = new Set<number>();
      for (const p of req.pos) {
        if (fresh.has(p) || dup.has(p)) continue;
        if (seen.run(req.consumer, p, req.nowMs).changes === 1) fresh.add(p);
        else dup.add(p);
      }
      if (dup.size > 0) keep = Uint8Array.from(req.pos, (p) => (fresh.has(p) ? 1 : 0));
    } else {
      const done = this.readCheckpoint(req.consumer) ?? -1;
      if (done >= 0 && n > 0 && req.pos[0]! < done)
        keep = Uint8Array.from(req.pos, (p) => (p >= done ? 1 : 0));
    }
    const dropped: number[] = [];
    if (keep) for (let i = 0; i < n; i++) if (!keep[i]) dropped.push(i);
    this.insertColumns('soc_events', eventColumns, req.ev, req.evItem, keep);
    if (req.qItem.length > 0) {
      // Quarantined lines are few: rows, turned into columns here.
      this.insertColumns(
        'soc_quarantine',
        quarantineColumns,
        rowsToColumns(req.q, quarantineColumns.length),
        req.qItem,
        keep,
      );
    }
    const up = this.stmt(
      'rollup',
      () =>
        `insert into soc_rollups (${rollupColumns.join(',')}) values (?,?,?,?,?,?,?) ` +
        'on conflict (organization_id, prefecture_id, hour, source_kind, action, category) do update set count = count + excluded.count',
    );
    const counts = new Array<number>(req.rollupKeys.length).fill(0);
    for (let i = 0; i < n; i++) {
      const k = req.rollupOf[i]!;
      if (k >= 0 && (keep === null || keep[i])) counts[k] = counts[k]! + 1;
    }
    const order = req.rollupKeys.map((_, k) => k).filter((k) => counts[k]! > 0);
    order.sort((a, b) => byLockOrder(req.rollupKeys[a]!, req.rollupKeys[b]!));
    for (const k of order) {
      const p = req.rollupKeys[k]!.split('\x01');
      up.run(p[0], p[1], p[2], p[3], p[4], p[5], counts[k]!);
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
    if (req.detectFrom) {
      this.stmt(
        'cp:put',
        () =>
          'insert into soc_checkpoints (consumer, position, updated_at) values (?, ?, ?) ' +
          'on conflict (consumer) do update set position = excluded.position, updated_at = excluded.updated_at',
      ).run(req.detectFrom.key, req.detectFrom.at, new Date(req.nowMs).toISOString());
    }
    return dropped;
  }
}
