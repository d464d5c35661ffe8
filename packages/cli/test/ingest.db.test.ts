// `mamori ingest` end to end: a real CLI process on a fresh database (SQLite or PostgreSQL) and data directory
// streams a plain and a gzip file into the embedded queue, runs the pipeline, and prints what became of each line;
// the stored events and quarantined lines are then read back from the database.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '@mamori/core';
import { createPlatform, systemContext } from '@mamori/platform';
import { createTestDatabase, testDialect, type TestDatabase } from '@mamori/store/testing';
import { pino } from 'pino';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const fixtures = fileURLToPath(new URL('../../parsers/test/fixtures/', import.meta.url));
const db = testDialect();
let t: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;

/** A real `mamori` process (stdout flushed, exit code as scripts see it). */
function mamori(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--conditions=development', main, ...args], {
      env,
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 180_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

before(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'mamori-cli-ingest-'));
  env = {
    ...process.env,
    MAMORI_DATA_DIR: join(dir, 'var'),
    MAMORI_DATABASE_DRIVER: db,
    MAMORI_LOG_LEVEL: 'warn',
    MAMORI_SOC_INGEST_MAX_MESSAGE_BYTES: '8192',
    ...(db === 'sqlite'
      ? { MAMORI_DATABASE_SQLITE_PATH: t.options.sqlitePath }
      : { MAMORI_DATABASE_POSTGRES_URL: t.options.postgresUrl! }),
  };
  // The organizations, as `mamori serve` would have them.
  const p = await createPlatform(loadConfig({ env }), { logger: pino({ level: 'silent' }) });
  try {
    await p.orgs.loadOfficial(systemContext('test'));
  } finally {
    await p.close();
  }
});
after(async () => {
  await t.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test(`mamori ingest: plain and gzip files → read, accepted, quarantined once processed (${db})`, async () => {
  const fw = readFileSync(join(fixtures, 'fortigate/fortigate.log'), 'utf8').trim().split('\n');
  const squid = readFileSync(join(fixtures, 'squid/access.log'), 'utf8').trim().split('\n');
  // 300 FortiGate lines, 2 lines that are not FortiGate, 1 line over the 8 KiB limit.
  const plain: string[] = [];
  for (let i = 0; i < 300; i++) plain.push(fw[i % fw.length]!.replace(/srcport=\d+/, `srcport=${10000 + i}`));
  plain.splice(100, 0, 'this is not a fortigate line');
  plain.splice(200, 0, '{"json": "neither"}');
  plain.splice(250, 0, `date=2026-11-25 ${'x'.repeat(10_000)}`);
  writeFileSync(join(dir, 'fw.log'), plain.join('\n') + '\n');
  const proxy = Array.from({ length: 200 }, (_, i) => squid[i % squid.length]!);
  writeFileSync(join(dir, 'proxy.log.gz'), gzipSync(proxy.join('\n') + '\n'));

  const r = await mamori(
    'ingest',
    join(dir, 'fw.log'),
    '--format',
    'fortigate',
    '--org',
    '222038',
    '--tz',
    '+09:00',
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    files: { read: number; accepted: number; quarantined: number; gzip: boolean }[];
  };
  assert.deepEqual(
    out.files.map((f) => [f.read, f.accepted, f.quarantined, f.gzip]),
    [[303, 300, 3, false]],
  );

  const r2 = await mamori('ingest', join(dir, 'proxy.log.gz'), '--format', 'auto');
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /proxy\.log\.gz: read 200, accepted \d+, quarantined \d+/);
  const m = /accepted (\d+), quarantined (\d+)/.exec(r2.stdout)!;
  assert.equal(Number(m[1]) + Number(m[2]), 200);
  assert.ok(Number(m[1]) >= 190, r2.stdout);

  // What the database holds now agrees with what the command printed.
  const p = await createPlatform(loadConfig({ env: { ...env, MAMORI_SOC_PIPELINE: 'false' } }), {
    logger: pino({ level: 'silent' }),
  });
  try {
    const ctx = systemContext('test');
    const q = await p.soc.quarantine.list(ctx, { transport: 'cli', limit: 50 });
    const fwQ = q.items.filter((x) => x.peer.endsWith('fw.log'));
    assert.equal(fwQ.length, 3);
    assert.ok(fwQ.some((x) => /too large/.test(x.reason)));
    assert.ok(fwQ.every((x) => x.organizationId === 'lg222038'));
    const k = p.db.kysely;
    const events = await k
      .selectFrom('soc_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', 'lg222038')
      .executeTakeFirstOrThrow();
    assert.equal(Number(events.n), 300);
    // Every line the second run called accepted is stored too (a second process on the same queue).
    const all = await k
      .selectFrom('soc_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(all.n), 300 + Number(m[1]));
  } finally {
    await p.close();
  }
});

test(`mamori ingest refuses bad input with exit code 3 (${db})`, async () => {
  const missing = await mamori('ingest', join(dir, 'no-such.log'));
  assert.equal(missing.code, 3, missing.stderr);
  assert.match(missing.stderr, /cannot read/);
  writeFileSync(join(dir, 'x.log'), 'x\n');
  const fmt = await mamori('ingest', join(dir, 'x.log'), '--format', 'nope');
  assert.equal(fmt.code, 3);
  assert.match(fmt.stderr, /unknown format "nope"/);
  const tz = await mamori('ingest', join(dir, 'x.log'), '--tz', 'JST');
  assert.equal(tz.code, 3);
});

test(`mamori ingest while another process owns the queue: a clear message, nothing taken (${db})`, async () => {
  const lock = join(dir, 'var', 'spool', 'LOCK');
  mkdirSync(join(dir, 'var', 'spool'), { recursive: true });
  // This test process stands in for a running `mamori serve`.
  writeFileSync(lock, String(process.pid));
  try {
    writeFileSync(join(dir, 'y.log'), 'y\n');
    const r = await mamori('ingest', join(dir, 'y.log'));
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /mamori serve/);
    assert.match(r.stderr, /ingest\/bulk/);
  } finally {
    rmSync(lock, { force: true });
  }
});
