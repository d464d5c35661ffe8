// Distributed ASM scans on a real NATS JetStream (127.0.0.1:4222) and a real database: `mamori asm worker`
// processes pull the job; the first worker is SIGKILLed mid-scan, the job is redelivered after the ack wait and
// another worker finishes it. The findings are written once (no duplicates), and a duplicate delivery of the
// finished job is skipped. Targets: an HTTP server on 127.0.0.1 only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'nats';
import { loadConfig } from '@mamori/core';
import { createPlatform, orgIdForCode, systemContext, type Platform } from '@mamori/platform';
import { createTestDatabase, testDialect, type TestDatabase } from '@mamori/store/testing';
import { pino } from 'pino';
import { startWeb, type LabWeb } from '../../platform/test/asm-support.js';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const db = testDialect();
const CITY = orgIdForCode('221007');
const tag = `T${process.pid}${randomBytes(3).toString('hex')}`.toUpperCase();
const ASM_STREAM = `MAMORI_ASM_${tag}`;
const SOC_STREAM = `MAMORI_SOC_${tag}`;
const ctx = systemContext('test');
let t: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;
let web: LabWeb;
let p: Platform;
const workers: ChildProcessWithoutNullStreams[] = [];

interface Worker {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  ready: Promise<void>;
}

function startWorker(name: string): Worker {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', main, 'asm', 'worker', '--name', name, '--json'],
    { env },
  );
  workers.push(proc);
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        if (line.includes('"ready"')) resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`worker ${name} exited ${code}: ${stderr}`)));
  });
  ready.catch(() => {});
  return { proc, lines, ready };
}

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  ms = 90_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  web = await startWeb();
  t = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'mamori-cli-asm-'));
  env = {
    ...process.env,
    MAMORI_DATA_DIR: join(dir, 'var'),
    MAMORI_DATABASE_DRIVER: db,
    MAMORI_LOG_LEVEL: 'warn',
    MAMORI_QUEUE_DRIVER: 'nats',
    MAMORI_QUEUE_NATS_URL: 'nats://127.0.0.1:4222',
    MAMORI_SOC_PIPELINE: 'false',
    MAMORI_SOC_NATS_STREAM: SOC_STREAM,
    MAMORI_ASM_NATS_STREAM: ASM_STREAM,
    MAMORI_ASM_ACK_WAIT_SECONDS: '5',
    MAMORI_ASM_UDP: 'false',
    MAMORI_ASM_TIMEOUT_MS: '1500',
    ...(db === 'sqlite'
      ? { MAMORI_DATABASE_SQLITE_PATH: t.options.sqlitePath }
      : { MAMORI_DATABASE_POSTGRES_URL: t.options.postgresUrl! }),
  };
  p = await createPlatform(loadConfig({ env }), { logger: pino({ level: 'silent' }) });
  await p.orgs.loadOfficial(ctx);
  const root = await p.asm.scope.addRoot(ctx, { organizationId: CITY, kind: 'cidr', value: '127.0.0.1/32' });
  await p.asm.scope.attestRoot(ctx, root.id, { statement: 'loopback lab' });
  await p.asm.scope.updateSettings(ctx, CITY, { ports: String(web.port), ratePerSecond: 100 });
});

after(async () => {
  for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  await p?.close();
  await web?.stop();
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  const jsm = await nc.jetstreamManager();
  for (const s of [ASM_STREAM, SOC_STREAM]) await jsm.streams.delete(s).catch(() => {});
  await nc.close();
  await t?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test(`a SIGKILLed worker's scan job is redelivered and finished by another; findings are not duplicated (${db})`, async () => {
  // Slow responses keep the first worker busy long enough to be killed mid-scan.
  web.delayMs = 400;
  const run = await p.asm.requestScan(ctx, { organizationId: CITY });
  assert.equal(run.status, 'queued');
  const a = startWorker('A');
  await a.ready;
  const k = p.db.kysely;
  await waitFor('worker A running the scan and reaching the target', async () => {
    const r = await k.selectFrom('asm_scans').selectAll().where('id', '=', run.id).executeTakeFirst();
    return r?.status === 'running' && r.worker === 'A' && web.requests > 2;
  });
  a.proc.kill('SIGKILL');
  await new Promise((r) => a.proc.once('exit', r));
  const midway = await k
    .selectFrom('asm_findings')
    .select('id')
    .where('organization_id', '=', CITY)
    .execute();
  assert.equal(midway.length, 0, 'a killed worker wrote nothing');

  web.delayMs = 0;
  const b = startWorker('B');
  await b.ready;
  const done = await waitFor('worker B finishing the redelivered job', async () => {
    const r = await k.selectFrom('asm_scans').selectAll().where('id', '=', run.id).executeTakeFirst();
    return r && (r.status === 'done' || r.status === 'failed') ? r : null;
  });
  assert.equal(done.status, 'done', done.error ?? '');
  assert.equal(done.worker, 'B');
  assert.equal(done.attempts, 2);
  await waitFor('B reporting the job', async () => b.lines.some((l) => l.includes(run.id)));
  const jobLine = JSON.parse(b.lines.find((l) => l.includes(run.id))!) as {
    result: string;
    delivery: number;
  };
  assert.equal(jobLine.result, 'done');
  assert.equal(jobLine.delivery, 2);

  const rows = await k
    .selectFrom('asm_findings')
    .select(['finding_key', 'check_id'])
    .where('organization_id', '=', CITY)
    .execute();
  assert.ok(rows.some((r) => r.check_id === 'exposed-env'));
  assert.ok(rows.some((r) => r.check_id === 'exposed-git'));
  assert.equal(new Set(rows.map((r) => r.finding_key)).size, rows.length);
  const detail = await p.asm.getScan(ctx, run.id);
  assert.equal(detail.diff.filter((d) => d.change === 'new').length, rows.length);

  // The same job delivered again (a duplicate publish): skipped, nothing added.
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  await nc.jetstream().publish(`${ASM_STREAM}.scan`, Buffer.from(JSON.stringify({ scanId: run.id })), {
    msgID: `${run.id}-again`,
  });
  await nc.close();
  await waitFor('B skipping the duplicate', async () =>
    b.lines.some((l) => l.includes(run.id) && l.includes('skipped')),
  );
  const again = await k.selectFrom('asm_findings').select('id').where('organization_id', '=', CITY).execute();
  assert.equal(again.length, rows.length);

  b.proc.kill('SIGTERM');
  await new Promise((r) => b.proc.once('exit', r));
});
