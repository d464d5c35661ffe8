// Durability: the platform runs in a child process under sustained ingest and is killed with SIGKILL (twice,
// at random moments); after a restart drains the queue, every acknowledged record is stored exactly once in
// soc_events and counted exactly once in the rollups (SQLite and PostgreSQL).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@mamori/store';
import { createTestDatabase, type TestDatabase } from '@mamori/store/testing';

const child = fileURLToPath(new URL('./fixtures/soc-ingest-child.ts', import.meta.url));
let tdb: TestDatabase;
let dataDir: string;
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await tdb?.cleanup();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function start(mode: 'ingest' | 'drain', run: number, env: NodeJS.ProcessEnv) {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=development', child], {
    env: { ...process.env, ...env, CHILD_MODE: mode, CHILD_RUN: String(run) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let stderr = '';
  proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const lines = createInterface({ input: proc.stdout! });
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { proc, lines, exited, stderr: () => stderr };
}

const acked = new Set<number>();

async function ingestThenKill(run: number, env: NodeJS.ProcessEnv, minAcks: number): Promise<void> {
  const c = start('ingest', run, env);
  let acks = 0;
  let processedAtKill = -1;
  const killed = new Promise<void>((resolve, reject) => {
    let armed = false;
    c.lines.on('line', (l) => {
      const m = /^ack (\d+) (\d+) (\d+)$/.exec(l);
      if (!m) return;
      for (let s = Number(m[1]); s <= Number(m[2]); s++) acked.add(s);
      acks += Number(m[2]) - Number(m[1]) + 1;
      // Kill at a random moment once ingest is sustained and the pipeline has committed batches.
      if (!armed && acks >= minAcks && Number(m[3]) > 0) {
        armed = true;
        setTimeout(
          () => {
            processedAtKill = Number(m[3]);
            c.proc.kill('SIGKILL');
            resolve();
          },
          50 + Math.floor(Math.random() * 400),
        );
      }
    });
    void c.exited.then((code) => {
      if (!armed) reject(new Error(`child exited early (${String(code)}): ${c.stderr()}`));
    });
    // A pipeline that stops making progress (e.g. a replayed record refused by the primary key) fails here.
    setTimeout(() => {
      if (armed) return;
      c.proc.kill('SIGKILL');
      reject(new Error(`run ${run}: no kill point within 120 s (acks ${acks}, pipeline stalled?)`));
    }, 120_000).unref();
  });
  await killed;
  assert.equal(await c.exited, 'SIGKILL');
  assert.ok(processedAtKill > 0, 'the pipeline was processing when killed');
}

test('SIGKILL during sustained ingest: every acknowledged record is counted exactly once after restart', async () => {
  tdb = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'mamori-durability-'));
  const env: NodeJS.ProcessEnv = {
    MAMORI_DATA_DIR: dataDir,
    MAMORI_DATABASE_DRIVER: tdb.options.driver,
    MAMORI_SOC_BATCH_SIZE: '500',
    MAMORI_SOC_SPOOL_SEGMENT_MB: '1',
    ...(tdb.driver === 'sqlite'
      ? { MAMORI_DATABASE_SQLITE_PATH: tdb.options.sqlitePath }
      : { MAMORI_DATABASE_POSTGRES_URL: tdb.options.postgresUrl! }),
  };
  await ingestThenKill(1, env, 3000);
  await ingestThenKill(2, env, 3000);
  const d = start('drain', 3, env);
  const drained = new Promise<void>((resolve, reject) => {
    d.lines.on('line', (l) => l === 'drained' && resolve());
    setTimeout(() => reject(new Error(`drain did not finish in 120 s: ${d.stderr()}`)), 120_000).unref();
  });
  await drained;
  assert.equal(await d.exited, 0, d.stderr());
  // Processed segments (1 MiB each here) were deleted: what remains is the one being written and, when the last
  // batch ended exactly at a segment's end, that segment (deleted once the reader moves into the next one).
  const segs = readdirSync(join(dataDir, 'spool'))
    .filter((f) => f.startsWith('seg-'))
    .sort();
  const nums = segs.map((f) => Number(/\d+/.exec(f)![0]));
  assert.ok(segs.length === 1 || (segs.length === 2 && nums[1] === nums[0]! + 1), segs.join(' '));

  const db = openDatabase(tdb.options);
  try {
    const rows = await db.kysely.selectFrom('soc_events').select(['id', 'raw']).execute();
    const count = new Map<number, number>();
    for (const r of rows) {
      const sid = Number(/sessionid=(\d+)/.exec(r.raw)![1]);
      count.set(sid, (count.get(sid) ?? 0) + 1);
    }
    const dupes = [...count].filter(([, n]) => n > 1);
    assert.deepEqual(dupes, [], 'no record stored twice');
    const missing = [...acked].filter((s) => !count.has(s));
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged records missing`);
    assert.ok(acked.size >= 6000);
    // Records appended but not yet acknowledged when the process died may be there (once) or not.
    assert.ok(rows.length >= acked.size);
    const rolled = await db.kysely
      .selectFrom('soc_rollups')
      .select((eb) => eb.fn.sum<number>('count').as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(rolled.n), rows.length, 'rollups count every stored event once');
    const q = await db.kysely.selectFrom('soc_quarantine').select('id').execute();
    assert.equal(q.length, 0);
  } finally {
    await db.close();
  }
});
