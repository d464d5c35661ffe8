// Retention as a singleton per deployment (SQLite and PostgreSQL): two platform instances on one database (the
// second in a process of its own, ./soc-retention-worker.ts, as another worker would be) race for the
// "soc-retention" lease — exactly one archives and deletes, the other skips; the holder keeps the lease
// until its next pass is due, and once a holder stops (crashed) the other takes over after the expiry. A stale
// holder's delete is fenced off; the archive append is idempotent (a member already written is not written
// again, a torn tail is cut).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createTestPlatform, type TestPlatform } from '../src/testing.js';
import { Lease, LeaseLostError } from '../src/soc/lease.js';
import { appendArchiveMember, gzipMember, memberKey } from '../src/soc/events/archive.js';
import { RETENTION_LEASE, type RetentionResult } from '../src/soc/events/retention.js';
import type { IngestRecord } from '../src/soc/types.js';

const INTERVAL_MIN = 60;
// Each instance has its own clock (as separate machines do); the tests move them forward.
let skewA = 0;
let a: TestPlatform;
let bData: string;
let child: ChildProcessWithoutNullStreams;
let answers: AsyncIterator<string>;
let bHolder: string;

/** One command to the worker process, its JSON answer. */
async function ask<T>(cmd: string): Promise<T> {
  child.stdin.write(cmd + '\n');
  const next = await answers.next();
  if (next.done) throw new Error('the worker process ended');
  const v = JSON.parse(next.value) as T & { error?: string };
  if (v.error) throw new Error(`worker: ${v.error}`);
  return v;
}
const runB = async (nowMs: number) => (await ask<{ result: RetentionResult }>(`run ${nowMs}`)).result;
const holderA = () => (a.soc.retention as unknown as { lease: Lease }).lease.holder;

const fgt = (i: number) =>
  `date=2026-11-25 time=10:15:${String(i % 60).padStart(2, '0')} devname="FGT-Pref-01" devid="FG100F0000000001" ` +
  `logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=198.51.100.${i % 250} ` +
  `srcport=51000 srcintf="port1" dstip=203.0.113.10 dstport=443 dstintf="wan1" sessionid=${i} proto=6 ` +
  `action="close" policyid=12 service="HTTPS" duration=15 sentbyte=2345 rcvdbyte=45678`;
let seq = 0;
const recs = (n: number): IngestRecord[] =>
  Array.from({ length: n }, () => ({
    line: fgt(++seq),
    transport: 'http',
    peer: '192.0.2.250',
    receivedAt: Date.parse('2026-11-25T02:00:00Z') + seq,
  }));

async function stored(): Promise<number> {
  return (await a.db.kysely.selectFrom('soc_events').select('id').execute()).length;
}
async function ingest(n: number): Promise<void> {
  const before = await stored();
  await a.soc.queue.append(recs(n));
  for (let i = 0; i < 400 && (await stored()) < before + n; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(await stored(), before + n);
}
/** Lines in every archive file named. */
function archivedLines(files: string[]): string[] {
  return files.flatMap((f) => gunzipSync(readFileSync(f)).toString('utf8').trim().split('\n'));
}
// Far past the 30-day retention of every event here.
const LATER = Date.parse('2027-01-30T00:00:00Z');

before(async () => {
  a = await createTestPlatform({
    clock: () => new Date(Date.now() + skewA),
    config: {
      soc: { prefectureCode: '22', retentionEventsDays: 30, retentionIntervalMinutes: INTERVAL_MIN },
    },
  });
  // The second instance: same database and archive directory, its own spool, no pipeline (a second worker).
  bData = mkdtempSync(join(tmpdir(), 'mamori-ret-b-'));
  const config = {
    ...a.config,
    dataDir: bData,
    soc: { ...a.config.soc, pipeline: false, spoolDir: join(bData, 'spool') },
  };
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=development',
      fileURLToPath(new URL('./soc-retention-worker.ts', import.meta.url)),
    ],
    {
      env: { ...process.env, MAMORI_WORKER_CONFIG: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await answers.next();
  bHolder = (JSON.parse(first.value as string) as { holder: string }).holder;
});
after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end('exit\n');
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
  }
  await a?.close();
  rmSync(bData, { recursive: true, force: true });
});

async function leaseRow() {
  return a.db.kysely
    .selectFrom('soc_leases')
    .selectAll()
    .where('name', '=', RETENTION_LEASE)
    .executeTakeFirstOrThrow();
}

test('two instances: exactly one runs a pass, the other skips; each event archived once', async () => {
  await ingest(12);
  const [ra, rb] = await Promise.all([a.soc.retention.run(LATER), runB(LATER)]);
  const ran = [ra, rb].filter((r) => !r.skipped);
  const skipped = [ra, rb].filter((r) => r.skipped);
  assert.equal(ran.length, 1, JSON.stringify([ra, rb]));
  assert.equal(skipped.length, 1);
  assert.equal(ran[0]!.eventsDeleted, 12);
  assert.equal(ran[0]!.eventsArchived, 12);
  assert.equal(await stored(), 0);
  const lines = archivedLines(ran[0]!.archiveFiles);
  assert.equal(lines.length, 12);
  assert.equal(new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id)).size, 12);
  const aWon = ra.skipped === undefined;
  const lease = await leaseRow();
  assert.equal(lease.holder, aWon ? holderA() : bHolder);
  assert.equal(skipped[0]!.skipped!.holder, lease.holder);
  // Kept until the next pass is due: the other instance skips meanwhile, though nothing else runs.
  await ingest(3);
  const again = aWon ? await runB(LATER) : await a.soc.retention.run(LATER);
  assert.ok(again.skipped, 'the holder keeps the lease until its next pass is due');
  assert.equal(await stored(), 3);
  // The holder's own next pass is not blocked.
  const next = aWon ? await a.soc.retention.run(LATER) : await runB(LATER);
  assert.equal(next.skipped, undefined);
  assert.equal(next.eventsDeleted, 3);
});

test('a holder that stops (crashed) is replaced once its lease has expired; the epoch moves on', async () => {
  const before1 = await leaseRow();
  const aHolds = before1.holder === holderA();
  // The holder stops running passes (its process is gone); the other is refused until the expiry…
  await ingest(4);
  const survivorRun = () => (aHolds ? runB(LATER) : a.soc.retention.run(LATER));
  assert.ok((await survivorRun()).skipped);
  // …which its clock then passes (the stopped holder never renewed).
  const ahead = INTERVAL_MIN * 60_000 + 1000;
  if (aHolds) await ask(`skew ${ahead}`);
  else skewA += ahead;
  const r = await survivorRun();
  assert.equal(r.skipped, undefined);
  assert.equal(r.eventsDeleted, 4);
  const after1 = await leaseRow();
  assert.equal(after1.holder, aHolds ? bHolder : holderA());
  assert.equal(Number(after1.epoch), Number(before1.epoch) + 1);
});

test('the lease: one winner, expiry, fencing of a stale holder (its transaction rolls back)', async () => {
  let tA = 1_000_000;
  let tB = 1_000_000;
  const la = new Lease(a.db, 'test-lease', 'holder-a', () => tA);
  const lb = new Lease(a.db, 'test-lease', 'holder-b', () => tB);
  const [ga, gb] = await Promise.all([la.acquire(5000), lb.acquire(5000)]);
  assert.equal(Number(ga) + Number(gb), 1, 'exactly one takes a free lease');
  const [first, second] = ga ? [la, lb] : [lb, la];
  const setSecond = (v: number) => (ga ? (tB = v) : (tA = v));
  assert.equal(await second.acquire(5000), false);
  assert.equal(await first.renew(5000), true);
  setSecond(1_000_000 + 5001); // past the expiry
  assert.equal(await second.acquire(5000), true);
  assert.equal(second.epoch, first.epoch! + 1);
  // The old holder wakes up: renewal fails, and a write fenced by the lease rolls back.
  assert.equal(await first.renew(5000), false);
  await assert.rejects(
    a.db.transaction(async (trx) => {
      await trx
        .insertInto('soc_leases')
        .values({ name: 'written-by-stale', holder: 'x', epoch: 0, expires_at: 0, updated_at: 'x' })
        .execute();
      await first.fence(trx, 5000);
    }),
    LeaseLostError,
  );
  const stale = await a.db.kysely
    .selectFrom('soc_leases')
    .select('name')
    .where('name', '=', 'written-by-stale')
    .execute();
  assert.deepEqual(stale, []);
  assert.equal(await first.acquire(5000), false);
});

test('archive append is idempotent: a member already there is not written again; a torn tail is cut', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-arch-'));
  try {
    const path = join(dir, '2026-11-25.ndjson.gz');
    const body1 = Buffer.from('{"id":"e1"}\n{"id":"e2"}\n');
    const body2 = Buffer.from('{"id":"e3"}\n');
    const k1 = memberKey(['e1', 'e2']);
    assert.equal(appendArchiveMember(path, k1, body1).appended, true);
    // The same events again (a pass retried after a crash before its delete, or an overlapping runner).
    const again = appendArchiveMember(path, k1, body1);
    assert.equal(again.appended, false);
    assert.equal(gunzipSync(readFileSync(path)).toString(), body1.toString());
    // A crash in the middle of the next member leaves a torn tail: cut before the next append.
    const member2 = gzipMember(body2, memberKey(['e3']));
    appendFileSync(path, member2.subarray(0, 17));
    const r = appendArchiveMember(path, memberKey(['e3']), body2);
    assert.equal(r.repaired, 17);
    assert.equal(gunzipSync(readFileSync(path)).toString(), body1.toString() + body2.toString());
    // Another process appended meanwhile (the file grew): walked again, still no repeat.
    const size = statSync(path).size;
    assert.equal(appendArchiveMember(path, k1, body1).appended, false);
    assert.equal(statSync(path).size, size);
    // A file of the older layout (plain gzip members) is appended to and stays readable.
    const legacy = join(dir, 'legacy.ndjson.gz');
    writeFileSync(legacy, gzipSync('{"id":"old"}\n'));
    assert.equal(appendArchiveMember(legacy, k1, body1).appended, true);
    assert.equal(gunzipSync(readFileSync(legacy)).toString(), '{"id":"old"}\n' + body1.toString());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
