// SOC pipeline on the real database (SQLite and PostgreSQL): queue → parse → quarantine → attribution →
// rollups → stored events → detection stage; policy-scoped search; redelivery idempotence; retention/archive.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createTestPlatform, type TestPlatform } from '../src/testing.js';
import type { DetectionStage, IngestRecord, SocEvent } from '../src/soc/types.js';
import type { SourceBatch, WorkItem } from '../src/soc/queue/source.js';

const PREF = 'lg220001'; // 静岡県
const SHIZUOKA = 'lg221007';
const NUMAZU = 'lg222038';

let p: TestPlatform;
const seen: SocEvent[] = [];
const stage: DetectionStage = {
  async onEvents(events) {
    seen.push(...events);
  },
  async tick() {},
  async close() {},
};

const fgt = (src: string, dst: string, dev = 'FGT-Pref-01', action = 'close') =>
  `date=2026-11-25 time=10:15:30 devname="${dev}" devid="FG100F0000000001" eventtime=1795569330123456789 tz="+0900" ` +
  `logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=${src} srcport=51000 ` +
  `srcintf="port1" dstip=${dst} dstport=443 dstintf="wan1" sessionid=123456 proto=6 action="${action}" policyid=12 ` +
  `service="HTTPS" duration=15 sentbyte=2345 rcvdbyte=45678`;
const spam =
  'Nov 25 11:01:01 mx01 postfix/cleanup[2103]: 4Nx8Qk1c2Vz9sWr: milter-reject: END-OF-MESSAGE from mail.example.org[198.51.100.41]: 5.7.1 Spam message rejected; from=<news@example.org> to=<kikaku@city.example.lg.jp> proto=ESMTP helo=<mail.example.org>';

const rec = (line: string, extra: Partial<IngestRecord> = {}): IngestRecord => ({
  line,
  transport: 'http',
  peer: '192.0.2.250',
  receivedAt: Date.parse('2026-11-25T02:00:00Z'),
  ...extra,
});

async function drain(): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (p.soc.queue.backlog() === 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`queue not drained: backlog ${p.soc.queue.backlog()}`);
}

before(async () => {
  p = await createTestPlatform({ config: { soc: { prefectureCode: '22', retentionEventsDays: 30 } } });
  p.soc.pipeline.addStage(stage);
  const a = p.soc.attribution;
  await a.create(p.system, { organizationId: SHIZUOKA, kind: 'cidr', value: '203.0.113.0/24' });
  await a.create(p.system, { organizationId: NUMAZU, kind: 'cidr', value: '203.0.113.128/25' });
  await a.create(p.system, { organizationId: SHIZUOKA, kind: 'mail_domain', value: 'City.Example.lg.jp' });
  await a.create(p.system, { organizationId: NUMAZU, kind: 'device', value: 'FGT-Numazu-01' });
  await a.create(p.system, { organizationId: NUMAZU, kind: 'domain', value: 'numazu.example.lg.jp' });
});
after(async () => {
  await p?.close();
});

test('every line is stored once: attributed, unattributed with the reason, malformed in the quarantine', async () => {
  await p.soc.queue.append([
    rec(fgt('198.51.100.7', '203.0.113.10')), // inbound → destination: 静岡市 (/24)
    rec(fgt('203.0.113.200', '198.51.100.9')), // outbound → source: 沼津市 (longest prefix /25)
    rec(fgt('10.9.9.9', '8.8.8.8', 'FGT-Numazu-01')), // the municipality's own device
    rec(spam), // mail → recipient domain: 静岡市
    rec(fgt('192.0.2.1', '192.0.2.2', 'FGT-Pref-01', 'deny')), // nothing registered
    rec(fgt('198.51.100.7', '203.0.113.10'), { organizationId: NUMAZU }), // bound sender wins
    rec('this is not a log line'),
    rec('{"broken json', { format: 'suricata-eve', transport: 'syslog-udp', peer: '192.0.2.9:514' }),
  ]);
  // A NUL byte (not storable in PostgreSQL text) is replaced, never blocks the batch.
  await p.soc.queue.append([rec('bad\0line')]);
  await drain();
  const rows = await p.db.kysely.selectFrom('soc_events').selectAll().orderBy('id').execute();
  assert.equal(rows.length, 6);
  const org = rows.map((r) => r.organization_id);
  assert.deepEqual(org, [SHIZUOKA, NUMAZU, NUMAZU, SHIZUOKA, null, NUMAZU]);
  assert.ok(rows.every((r) => r.prefecture_id === PREF));
  assert.match(
    rows[4]!.unattributed_reason!,
    /no attribution rule matches dst\.ip 192\.0\.2\.2, src\.ip 192\.0\.2\.1/,
  );
  assert.equal(rows[3]!.format, 'postfix');
  // ids are the queue positions: unique and ordered
  assert.equal(new Set(rows.map((r) => r.id)).size, 6);

  const q = await p.db.kysely.selectFrom('soc_quarantine').selectAll().orderBy('id').execute();
  assert.equal(q.length, 3);
  assert.equal(q[2]!.line, 'bad\uFFFDline');
  assert.equal(q[0]!.format, 'auto');
  assert.ok(q[0]!.reason.length > 0);
  assert.equal(q[0]!.line, 'this is not a log line');
  assert.equal(q[1]!.format, 'suricata-eve');
  assert.equal(q[1]!.peer, '192.0.2.9:514');
  assert.equal(p.soc.pipeline.stats.quarantined, 3);

  // The detection stage saw the committed events, with their attribution.
  assert.equal(seen.length, 6);
  assert.equal(seen[1]!.organizationId, NUMAZU);
  assert.equal(seen[4]!.unattributedReason, rows[4]!.unattributed_reason);

  const roll = await p.db.kysely.selectFrom('soc_rollups').selectAll().execute();
  const count = (orgId: string, kind: string, action: string, category = '') =>
    roll
      .filter(
        (r) =>
          r.organization_id === orgId &&
          r.source_kind === kind &&
          r.action === action &&
          r.category === category,
      )
      .reduce((s, r) => s + Number(r.count), 0);
  assert.equal(count(SHIZUOKA, 'firewall', 'allowed'), 1);
  assert.equal(count(NUMAZU, 'firewall', 'allowed'), 3);
  assert.equal(count('', 'firewall', 'blocked'), 1);
  assert.equal(count(SHIZUOKA, 'mail', 'blocked', 'spam'), 1);
  assert.equal(
    roll.reduce((s, r) => s + Number(r.count), 0),
    6,
  );
  assert.ok(roll.every((r) => r.hour === '2026-11-25T01' || r.hour === '2026-11-25T11'));

  // Monthly query (JST month) per organization and per prefecture.
  const m = await p.soc.rollups.month(p.system, { month: '2026-11', organizationId: NUMAZU });
  assert.equal(m.total, 3);
  assert.equal(m.previousTotal, 0);
  const pm = await p.soc.rollups.month(p.system, { month: '2026-11', prefectureId: PREF });
  assert.equal(pm.total, 6);
});

test('search is policy-scoped: municipal staff see their own; prefecture operators their prefecture with the unattributed', async () => {
  const staff = await p.addUser({
    username: 'numazu-staff',
    role: 'municipality_staff',
    organizationId: NUMAZU,
  });
  const op = await p.addUser({ username: 'pref-op', role: 'prefecture_operator', organizationId: PREF });
  const other = await p.addUser({
    username: 'aichi-op',
    role: 'prefecture_operator',
    organizationId: 'lg230006',
  });
  const mine = await p.soc.events.search(staff.ctx, { limit: 200 });
  assert.equal(mine.items.length, 3);
  assert.ok(mine.items.every((e) => e.organizationId === NUMAZU));
  const pref = await p.soc.events.search(op.ctx, { limit: 200 });
  assert.equal(pref.items.length, 6);
  const un = await p.soc.events.search(op.ctx, { unattributed: true });
  assert.equal(un.items.length, 1);
  assert.equal(un.items[0]!.dst?.ip, '192.0.2.2');
  assert.equal((await p.soc.events.search(other.ctx, {})).items.length, 0);
  // paging: 2 + 2 + 2, no overlap
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await p.soc.events.search(op.ctx, { limit: 2, cursor });
    ids.push(...page.items.map((e) => e.id));
    cursor = page.nextCursor;
  } while (cursor);
  assert.equal(new Set(ids).size, 6);
  // field filters
  assert.equal((await p.soc.events.search(op.ctx, { ip: '203.0.113.200' })).items.length, 1);
  assert.equal((await p.soc.events.search(op.ctx, { sourceKind: 'mail' })).items[0]!.format, 'postfix');
  assert.equal(
    (await p.soc.events.search(op.ctx, { from: '2026-11-25T05:00:00Z', to: '2026-11-26T00:00:00Z' })).items
      .length,
    1,
  );
  // an event of another organization is not found for the staff member
  const foreign = pref.items.find((e) => e.organizationId === SHIZUOKA)!;
  await assert.rejects(p.soc.events.get(staff.ctx, foreign.id), { code: 'MAMORI_NOT_FOUND' });
  // quarantine: the prefecture sees both lines; staff see none (not sent by their bound senders)
  assert.equal((await p.soc.quarantine.count(op.ctx)).total, 3);
  assert.equal((await p.soc.quarantine.list(staff.ctx)).items.length, 0);
  await assert.rejects(p.soc.rollups.month(staff.ctx, { month: '2026-11', organizationId: SHIZUOKA }), {
    code: 'MAMORI_FORBIDDEN',
  });
});

test('attribution rules: validated, policy-checked, audited, applied to the next events', async () => {
  const admin = await p.addUser({ username: 'pref-admin', role: 'prefecture_admin', organizationId: PREF });
  const aichiAdmin = await p.addUser({
    username: 'aichi-admin',
    role: 'prefecture_admin',
    organizationId: 'lg230006',
  });
  const muni = await p.addUser({
    username: 'numazu-admin',
    role: 'municipality_admin',
    organizationId: NUMAZU,
  });
  await assert.rejects(
    p.soc.attribution.create(admin.ctx, { organizationId: NUMAZU, kind: 'cidr', value: '300.1.2.0/24' }),
    { code: 'MAMORI_VALIDATION' },
  );
  await assert.rejects(
    p.soc.attribution.create(aichiAdmin.ctx, { organizationId: NUMAZU, kind: 'cidr', value: '192.0.2.0/24' }),
    { code: 'MAMORI_FORBIDDEN' },
  );
  await assert.rejects(
    p.soc.attribution.create(muni.ctx, { organizationId: NUMAZU, kind: 'cidr', value: '192.0.2.0/24' }),
    { code: 'MAMORI_FORBIDDEN' },
  );
  await assert.rejects(
    p.soc.attribution.create(admin.ctx, { organizationId: NUMAZU, kind: 'cidr', value: '203.0.113.0/24' }),
    { code: 'MAMORI_CONFLICT' },
  );
  const r = await p.soc.attribution.create(admin.ctx, {
    organizationId: NUMAZU,
    kind: 'cidr',
    value: '192.0.2.77',
    note: 'web server',
  });
  assert.equal(r.value, '192.0.2.77/32');
  const audit = await p.db.kysely
    .selectFrom('audit_log')
    .select(['action', 'result', 'target'])
    .where('action', 'like', 'soc.attribution.%')
    .execute();
  assert.ok(
    audit.some((a) => a.action === 'soc.attribution.create' && a.result === 'success' && a.target === r.id),
  );
  assert.ok(audit.some((a) => a.result === 'denied'));
  // municipality staff list only their organization's rules
  const staff = await p.addUser({
    username: 'numazu-staff2',
    role: 'municipality_staff',
    organizationId: NUMAZU,
  });
  const list = await p.soc.attribution.list(staff.ctx);
  assert.ok(list.items.length >= 3 && list.items.every((x) => x.organizationId === NUMAZU));

  const before = seen.length;
  await p.soc.queue.append([rec(fgt('198.51.100.1', '192.0.2.77'))]);
  await drain();
  assert.equal(seen.length, before + 1);
  assert.equal(seen.at(-1)!.organizationId, NUMAZU);
  await p.soc.attribution.remove(admin.ctx, r.id);
  await p.soc.queue.append([rec(fgt('198.51.100.1', '192.0.2.77'))]);
  await drain();
  assert.equal(seen.at(-1)!.organizationId, null);
});

test('redelivered records count once (checkpoint and JetStream-style dedupe in the same transaction)', async () => {
  const pipeline = p.soc.pipeline;
  const total = async () =>
    Number(
      (
        await p.db.kysely
          .selectFrom('soc_rollups')
          .select((eb) => eb.fn.sum<number>('count').as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const t0 = await total();
  const events0 = (await p.db.kysely.selectFrom('soc_events').select('id').execute()).length;
  // A batch the consumer already committed, delivered again (positions below the stored checkpoint).
  const cp = await p.db.kysely
    .selectFrom('soc_checkpoints')
    .select(['consumer', 'position'])
    .where('consumer', '=', pipeline.consumer)
    .executeTakeFirstOrThrow();
  const stale: WorkItem[] = [{ pos: 0, id: 'replayed-0', record: rec(fgt('198.51.100.7', '203.0.113.10')) }];
  const mk = (items: WorkItem[], checkpoint: number | null, dedupe: boolean): SourceBatch => ({
    items,
    checkpoint,
    dedupe,
    ack: async () => {},
    nak: async () => {},
  });
  await pipeline.processBatch(mk(stale, Number(cp.position), false));
  assert.equal(await total(), t0);
  // Dedupe by message sequence: the second delivery of seq 7 and 8 is dropped, seq 9 is new.
  const items = (seqs: number[]) =>
    seqs.flatMap((s) => [0, 1].map((i) => ({ pos: s, id: `js-test-${s}-${i}`, record: rec(spam) })));
  await pipeline.processBatch(mk(items([7, 8]), null, true));
  assert.equal(await total(), t0 + 4);
  await pipeline.processBatch(mk(items([8, 7, 9]), null, true));
  assert.equal(await total(), t0 + 6);
  const events1 = (await p.db.kysely.selectFrom('soc_events').select('id').execute()).length;
  assert.equal(events1, events0 + 6);
  assert.ok(pipeline.stats.duplicates >= 5);
});

test('retention archives expired raw events per day and organization (gzip NDJSON), then deletes them', async () => {
  const n = (await p.db.kysely.selectFrom('soc_events').select('id').execute()).length;
  const rollBefore = (await p.db.kysely.selectFrom('soc_rollups').selectAll().execute()).length;
  // 31 days after receipt: all past the 30-day retention.
  const r = await p.soc.retention.run(Date.parse('2026-12-27T00:00:00Z'));
  assert.equal(r.eventsDeleted, n);
  assert.equal(r.eventsArchived, n);
  assert.equal((await p.db.kysely.selectFrom('soc_events').select('id').execute()).length, 0);
  // rollups stay (kept forever by default)
  assert.equal((await p.db.kysely.selectFrom('soc_rollups').selectAll().execute()).length, rollBefore);
  const dir = p.config.soc.archiveDir;
  const numazu = join(dir, PREF, NUMAZU);
  const files = readdirSync(numazu);
  assert.deepEqual(files, ['2026-11-25.ndjson.gz']);
  const lines = gunzipSync(readFileSync(join(numazu, files[0]!)))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as SocEvent);
  assert.ok(lines.length >= 3 && lines.every((e) => e.organizationId === NUMAZU && e.raw.length > 0));
  assert.ok(readdirSync(join(dir, PREF)).includes('unattributed'));
  const total = r.archiveFiles
    .map((f) => gunzipSync(readFileSync(f)).toString('utf8').trim().split('\n').length)
    .reduce((a, b) => a + b, 0);
  assert.equal(total, n);
  const arch = await p.db.kysely.selectFrom('soc_archives').selectAll().execute();
  assert.equal(
    arch.reduce((s, a) => s + Number(a.events), 0),
    n,
  );
});

test("beside the spool's owner (a CLI one-shot next to the server) the platform starts without the pipeline", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-busy-'));
  // Another live process (the test runner) owns this spool.
  writeFileSync(join(dir, 'LOCK'), String(process.ppid));
  const cli = await createTestPlatform({ orgs: false, config: { soc: { spoolDir: dir } } });
  try {
    assert.equal(cli.soc.pipeline.stats.batches, 0);
    await assert.rejects(cli.soc.queue.append([rec(spam)]), /in use by process/);
  } finally {
    await cli.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Last in this file: it moves the consumer's checkpoint past anything the spool holds.
// Stored events have no unique key since migration 0005 (exactly-once rests on the checkpoint committed with
// them); quarantined lines keep theirs, so a quarantined twin is the schema refusal exercised here.
test('a batch the schema refuses is committed record by record: a stored twin is skipped, the rest kept, nothing stalls', async () => {
  const pipeline = p.soc.pipeline;
  const cp = await p.db.kysely
    .selectFrom('soc_checkpoints')
    .select('position')
    .where('consumer', '=', pipeline.consumer)
    .executeTakeFirstOrThrow();
  const base = Number(cp.position) + 1_000_000;
  const mk = (items: WorkItem[], checkpoint: number): SourceBatch => ({
    items,
    checkpoint,
    dedupe: false,
    ack: async () => {},
    nak: async () => {},
  });
  const line = (n: number) => rec(fgt('198.51.100.9', `203.0.113.${n}`));
  const bad = rec('date=2026-11-25 this is not a fortigate line', { format: 'fortigate' });
  const first = await pipeline.processBatch(mk([{ pos: base, id: 'twin-1', record: bad }], base + 1));
  assert.equal(first.length, 0, 'quarantined');
  const dup0 = pipeline.stats.duplicates;
  const failures0 = pipeline.stats.commitFailures;
  const stored = await pipeline.processBatch(
    mk(
      [
        { pos: base + 1, id: 'twin-1', record: bad },
        { pos: base + 2, id: 'fresh-2', record: line(2) },
        { pos: base + 3, id: 'fresh-3', record: line(3) },
      ],
      base + 4,
    ),
  );
  assert.deepEqual(
    stored.map((e) => e.id),
    ['fresh-2', 'fresh-3'],
  );
  assert.ok(pipeline.stats.commitFailures >= failures0 + 2, 'the whole batch was refused first');
  assert.equal(pipeline.stats.duplicates, dup0 + 1);
  const ids = (
    await p.db.kysely
      .selectFrom('soc_events')
      .select('id')
      .where('id', 'in', ['twin-1', 'fresh-2', 'fresh-3'])
      .execute()
  ).map((r) => r.id);
  assert.deepEqual(ids.sort(), ['fresh-2', 'fresh-3']);
  const quarantined = await p.db.kysely
    .selectFrom('soc_quarantine')
    .select('id')
    .where('id', '=', 'twin-1')
    .execute();
  assert.equal(quarantined.length, 1, 'the twin is kept once');
  const after = await p.db.kysely
    .selectFrom('soc_checkpoints')
    .select('position')
    .where('consumer', '=', pipeline.consumer)
    .executeTakeFirstOrThrow();
  assert.equal(Number(after.position), base + 4);
});
