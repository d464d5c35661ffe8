// One platform instance per SQLite file in a process: a second createPlatform on the same file (by another path
// to it too) is refused at once with the reason, the first keeps working, and once it closes a new instance
// opens. PostgreSQL is not concerned: two instances of one process share the server as two processes would.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig, type DeepPartial, type MamoriConfig } from '@mamori/core';
import { createTestDatabase, testDialect, type TestDatabase } from '@mamori/store/testing';
import { pino } from 'pino';
import { createPlatform } from '../src/platform.js';
import { SqliteInUseError } from '../src/sqlite-claim.js';
import type { Platform } from '../src/types.js';

const dialect = testDialect();
let t: TestDatabase;
let dir: string;

before(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'mamori-claim-'));
});
after(async () => {
  await t.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** An instance with its own data directory (and so its own spool), on the test database or `sqlitePath`. */
let n = 0;
function open(sqlitePath = t.options.sqlitePath): Promise<Platform> {
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: join(dir, `data-${++n}`),
      database: {
        driver: t.options.driver,
        sqlitePath: sqlitePath || undefined,
        postgresUrl: t.options.postgresUrl || undefined,
      },
      log: { level: 'silent' },
    } as DeepPartial<MamoriConfig>,
  });
  return createPlatform(config, { logger: pino({ level: 'silent' }) });
}

const auditCount = async (p: Platform) =>
  (await p.db.kysely.selectFrom('audit_log').select('seq').execute()).length;

test(`a second instance on one SQLite file in one process is refused at once; after close one opens (${dialect})`, async () => {
  const first = await open();
  try {
    if (dialect === 'postgres') {
      // Two instances on one PostgreSQL database in one process work side by side.
      const second = await open();
      try {
        assert.equal(await second.ready(), true);
        assert.equal(await first.ready(), true);
      } finally {
        await second.close();
      }
      return;
    }
    const started = Date.now();
    await assert.rejects(open(), (err: unknown) => {
      assert.ok(err instanceof SqliteInUseError, String(err));
      assert.match(
        err.message,
        /^SQLite database .*mamori\.sqlite is already open by another platform instance in this process; close that one first, or run the second instance as a process of its own/,
      );
      return true;
    });
    assert.ok(Date.now() - started < 1000, `refused after ${Date.now() - started} ms`);
    // The same file by a relative path and through a symlinked directory: the same file, refused too.
    await assert.rejects(open(relative(process.cwd(), t.options.sqlitePath)), SqliteInUseError);
    const link = join(dir, 'link');
    symlinkSync(join(t.options.sqlitePath, '..'), link);
    await assert.rejects(open(join(link, 'mamori.sqlite')), SqliteInUseError);
    // Refusals leave the first instance's claim and work alone: it still writes, and a retry is still refused.
    await first.orgs.loadOfficial({ actor: { kind: 'system', name: 'test' }, sourceIp: '127.0.0.1' });
    assert.ok((await auditCount(first)) > 0);
    await assert.rejects(open(), SqliteInUseError);
    // Another file is another database: opens beside it.
    const other = await open(join(dir, 'other.sqlite'));
    await other.close();
  } finally {
    await first.close();
  }
  if (dialect === 'sqlite') {
    // Released on close: a new instance opens the file and sees what the first wrote.
    const again = await open();
    try {
      assert.ok((await auditCount(again)) > 0);
      assert.equal(
        (await again.orgs.find({ actor: { kind: 'system', name: 'test' }, sourceIp: '127.0.0.1' }, '222038'))
          .id,
        'lg222038',
      );
    } finally {
      await again.close();
    }
  }
});
