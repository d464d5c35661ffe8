// Two processes writing the same database at once (a server and the CLI): every read-then-write transaction
// must succeed and none may be lost. On SQLite this needs BEGIN IMMEDIATE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrateToLatest, openDatabase } from '@mamori/store';
import { createTestDatabase, testDialect } from '@mamori/store/testing';

const worker = fileURLToPath(new URL('./fixtures/counter-worker.ts', import.meta.url));

function runWorker(options: object, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=development', worker, JSON.stringify(options), String(n)],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    p.on('exit', (code) => (code === null ? reject(new Error('worker killed')) : resolve(code)));
  });
}

test(`two processes incrementing through read-then-write transactions lose nothing (${testDialect()})`, async () => {
  const t = await createTestDatabase();
  const db = openDatabase(t.options);
  try {
    await migrateToLatest(db);
    const codes = await Promise.all([runWorker(t.options, 250), runWorker(t.options, 250)]);
    assert.deepEqual(codes, [0, 0]);
    const head = await db.kysely.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow();
    assert.equal(head.seq, 500);
  } finally {
    await db.close();
    await t.cleanup();
  }
});
