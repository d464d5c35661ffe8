// The store thread of the embedded pipeline: its own better-sqlite3 connection commits each batch, sent as
// columns (a structured clone of ~21 flat arrays is far cheaper than one of thousands of small row arrays). WAL
// checkpoints run on another thread (store.ts), so they never delay the next commit.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type SqliteDatabaseType from 'better-sqlite3';
import { openPipelineConnection, SqliteBatchWriter, type WireBatch } from './sqlite-writer.js';

export type StoreThreadRequest =
  | { id: number; op: 'commit'; batch: WireBatch }
  | { id: number; op: 'checkpoint-position'; consumer: string }
  | { id: number; op: 'close' };
export type StoreThreadReply =
  | { id: number; ok: true; dropped?: number[]; position?: number | null }
  | { id: number; ok: false; message: string; code: string | null };

const require = createRequire(import.meta.url);
const Sqlite = require('better-sqlite3') as typeof SqliteDatabaseType;
const port = parentPort!;
// A blocking wait is fine on this thread (never on the event loop): the platform's own connection may hold the
// write lock across an await on the main thread.
const db = openPipelineConnection(Sqlite, (workerData as { path: string }).path, 10_000);
const writer = new SqliteBatchWriter(db);

port.on('message', (m: StoreThreadRequest) => {
  try {
    if (m.op === 'commit') {
      const dropped = writer.commit(m.batch);
      port.postMessage({ id: m.id, ok: true, dropped } satisfies StoreThreadReply);
    } else if (m.op === 'checkpoint-position') {
      port.postMessage({
        id: m.id,
        ok: true,
        position: writer.readCheckpoint(m.consumer),
      } satisfies StoreThreadReply);
    } else {
      db.close();
      port.postMessage({ id: m.id, ok: true } satisfies StoreThreadReply);
      port.close();
    }
  } catch (err) {
    const e = err as { message?: string; code?: unknown };
    port.postMessage({
      id: m.id,
      ok: false,
      message: String(e?.message ?? err),
      code: typeof e?.code === 'string' ? e.code : null,
    } satisfies StoreThreadReply);
  }
});
