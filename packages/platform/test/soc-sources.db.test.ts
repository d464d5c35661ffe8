// Registered syslog sources on the real database (SQLite and PostgreSQL): validation with reasons, access by the
// policy module, the audit trail, configuration-file entries kept read-only, and running listeners following
// every change without a restart — at once in the process that made it, by the fingerprint refresh in another
// platform instance on the same database.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createPlatform } from '../src/platform.js';
import { createTestPlatform, type TestPlatform } from '../src/testing.js';
import { SocIngestService } from '../src/soc/ingest/service.js';
import type { SyslogListeners } from '../src/soc/ingest/syslog.js';
import type { EventQueue, IngestRecord } from '../src/soc/types.js';
import type { Platform, RequestContext } from '../src/types.js';

const PREF = 'lg220001'; // 静岡県
const NUMAZU = 'lg222038';
const ATAMI = 'lg222054';
const PREF_B = 'lg230006'; // 愛知県
const TOYOHASHI = 'lg232017';

let p: TestPlatform;
let other: Platform;
let dir: string;
let op: RequestContext; // prefecture 22 SOC operator
let opB: RequestContext; // prefecture 23 administrator
let staff: RequestContext; // 沼津市 staff
let auditor: RequestContext; // auditor of prefecture 22
let muniAdmin: RequestContext; // 沼津市 administrator

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mamori-sources-'));
  writeFileSync(
    join(dir, 'sources.yaml'),
    '- source: 192.0.2.10\n  format: squid\n- cert: fw01.atami.example.lg.jp\n  organization: "222054"\n',
  );
  p = await createTestPlatform({
    config: {
      soc: { prefectureCode: '22', pipeline: false, syslog: { sourcesFile: join(dir, 'sources.yaml') } },
    },
  });
  op = (await p.addUser({ username: 'src-op', role: 'prefecture_operator', organizationId: PREF })).ctx;
  opB = (await p.addUser({ username: 'src-op-b', role: 'prefecture_admin', organizationId: PREF_B })).ctx;
  staff = (await p.addUser({ username: 'src-staff', role: 'municipality_staff', organizationId: NUMAZU }))
    .ctx;
  auditor = (await p.addUser({ username: 'src-aud', role: 'auditor', organizationId: PREF })).ctx;
  muniAdmin = (await p.addUser({ username: 'src-madm', role: 'municipality_admin', organizationId: NUMAZU }))
    .ctx;
  // A second platform on the same database (as another node of a distributed deployment): its own services and
  // source bindings. On SQLite it shares the first one's connection (one instance per file and process opens it).
  const dataDir = mkdtempSync(join(tmpdir(), 'mamori-sources-b-'));
  other = await createPlatform(
    { ...p.config, dataDir, soc: { ...p.config.soc, spoolDir: join(dataDir, 'spool') } },
    { logger: pino({ level: 'silent' }), migrate: false, ...(p.db.dialect === 'sqlite' ? { db: p.db } : {}) },
  );
});
after(async () => {
  await other?.close();
  await p?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('bad input is refused with the reason (4xx), nothing stored', async () => {
  const s = p.soc.sources;
  const base = { kind: 'address' as const, value: '10.22.0.0/16', organizationId: NUMAZU };
  await assert.rejects(s.create(op, { ...base, value: '10.22.0.0/33' }), /not an IPv4\/IPv6 address or CIDR/);
  await assert.rejects(s.create(op, { ...base, value: 'numazu' }), /not an IPv4\/IPv6 address or CIDR/);
  await assert.rejects(
    s.create(op, { ...base, kind: 'cert', value: 'not a name!' }),
    /not a certificate name/,
  );
  await assert.rejects(
    s.create(op, { ...base, kind: 'nope' as 'cert' }),
    (e: Error & { code?: string }) => e.code === 'MAMORI_VALIDATION' && /kind must be one of/.test(e.message),
  );
  await assert.rejects(s.create(op, { ...base, format: 'fortigate-9000' }), /not a known parser id/);
  // outside the operator's reach: refused by the policy; for the state (everything in reach): not found
  await assert.rejects(s.create(op, { ...base, organizationId: 'lg999999' }), { code: 'MAMORI_FORBIDDEN' });
  await assert.rejects(s.create(p.system, { ...base, organizationId: 'lg999999' }), {
    code: 'MAMORI_ORG_NOT_FOUND',
  });
  await assert.rejects(s.create(op, { ...base, note: 'x'.repeat(501) }), /note is longer than 500/);
  // The configuration file's entries cannot be registered again, nor changed here.
  await assert.rejects(
    s.create(op, { ...base, value: '192.0.2.10' }),
    (e: Error & { code?: string }) => e.code === 'MAMORI_CONFLICT' && /configuration file/.test(e.message),
  );
  await assert.rejects(s.update(op, 'cfg-1', { note: 'x' }), { code: 'MAMORI_CONFLICT' });
  await assert.rejects(s.remove(op, 'cfg-2'), { code: 'MAMORI_CONFLICT' });
  const n = await p.db.kysely.selectFrom('soc_syslog_sources').select('id').execute();
  assert.equal(n.length, 0);
});

test('who may register, change and read: decided by the policy module, every change audited', async () => {
  const s = p.soc.sources;
  const mine = await s.create(op, {
    kind: 'address',
    value: '10.22.1.77/16', // host bits dropped
    format: 'fortigate',
    organizationId: NUMAZU,
    note: '沼津市 FortiGate',
  });
  assert.equal(mine.value, '10.22.0.0/16');
  assert.equal(mine.prefectureId, PREF);
  assert.equal(mine.origin, 'registered');
  // the same range twice; a narrower range inside it from the same prefecture is fine (longest prefix wins)
  await assert.rejects(s.create(op, { kind: 'address', value: '10.22.0.0/16', organizationId: ATAMI }), {
    code: 'MAMORI_CONFLICT',
  });
  const narrow = await s.create(op, { kind: 'address', value: '10.22.5.0/24', organizationId: ATAMI });
  // another prefecture may not bind a range overlapping prefecture 22's, nor bind 22's municipalities
  await assert.rejects(
    s.create(opB, { kind: 'address', value: '10.22.5.9', organizationId: TOYOHASHI }),
    (e: Error) => /overlaps a range registered for an organization outside your reach/.test(e.message),
  );
  await assert.rejects(s.create(opB, { kind: 'address', value: '10.23.0.0/16', organizationId: NUMAZU }), {
    code: 'MAMORI_FORBIDDEN',
  });
  const theirs = await s.create(opB, { kind: 'address', value: '10.23.0.0/16', organizationId: TOYOHASHI });
  // a municipality does not bind senders (only the security cloud), the auditor reads only
  await assert.rejects(s.create(muniAdmin, { kind: 'address', value: '10.24.0.1', organizationId: NUMAZU }), {
    code: 'MAMORI_FORBIDDEN',
  });
  await assert.rejects(s.update(auditor, mine.id, { note: 'x' }), { code: 'MAMORI_FORBIDDEN' });
  await assert.rejects(s.remove(auditor, mine.id), { code: 'MAMORI_FORBIDDEN' });
  // another tenant's registration is not disclosed
  await assert.rejects(s.update(opB, mine.id, { note: 'x' }), { code: 'MAMORI_NOT_FOUND' });
  await assert.rejects(s.update(op, theirs.id, { note: 'x' }), { code: 'MAMORI_NOT_FOUND' });
  await assert.rejects(s.update(op, mine.id, { organizationId: TOYOHASHI }), { code: 'MAMORI_FORBIDDEN' });
  const changed = await s.update(op, mine.id, { format: 'auto', note: null });
  assert.equal(changed.format, null);
  assert.equal(changed.note, null);

  const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();
  // prefecture operator: its registrations and both configuration entries (one bound to no organization
  // belongs to the security cloud's prefecture, 22)
  assert.deepEqual(ids((await s.list(op)).items), ids([mine, narrow, { id: 'cfg-1' }, { id: 'cfg-2' }]));
  // municipal staff: their own only; auditor: the prefecture's; the other prefecture: its own
  assert.deepEqual(ids((await s.list(staff)).items), [mine.id]);
  assert.deepEqual(ids((await s.list(auditor)).items), ids([mine, narrow, { id: 'cfg-1' }, { id: 'cfg-2' }]));
  assert.deepEqual(ids((await s.list(opB)).items), [theirs.id]);
  const cfg = (await s.list(op)).items.find((i) => i.id === 'cfg-2')!;
  assert.deepEqual(
    [cfg.origin, cfg.kind, cfg.value, cfg.organizationId],
    ['configuration', 'cert', 'fw01.atami.example.lg.jp', ATAMI],
  );

  await s.remove(op, narrow.id);
  const audit = await p.db.kysely
    .selectFrom('audit_log')
    .select(['action', 'result', 'target'])
    .where('action', 'like', 'soc.source.%')
    .execute();
  const has = (action: string, result: string, target?: string) =>
    audit.some(
      (a) => a.action === action && a.result === result && (target === undefined || a.target === target),
    );
  assert.ok(has('soc.source.create', 'success', mine.id));
  assert.ok(has('soc.source.update', 'success', mine.id));
  assert.ok(has('soc.source.delete', 'success', narrow.id));
  assert.ok(has('soc.source.create', 'denied'));
  assert.ok(has('soc.source.update', 'denied', mine.id));
  assert.ok(has('soc.source.create', 'failure'));
  await s.remove(op, mine.id);
  await s.remove(opB, theirs.id);
});

/** A listener set on the given platform, its records observed. */
async function listen(platform: Platform, records: IngestRecord[]): Promise<SyslogListeners> {
  const queue: EventQueue = {
    append: async (r) => {
      records.push(...r);
    },
    backlog: () => 0,
    close: async () => undefined,
  };
  const svc = new SocIngestService({
    policy: platform.policy,
    orgs: platform.orgs,
    queue: () => queue,
    quarantine: () => undefined,
    config: {
      ...platform.config,
      soc: { ...platform.config.soc, syslog: { ...platform.config.soc.syslog, udpPort: 0, tcpPort: 0 } },
    },
    sources: platform.soc.sources,
    sourcesRefreshMs: 100,
  });
  return (await svc.startSyslog())!;
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('running listeners follow registrations: at once where changed, by the refresh in another instance', async () => {
  const here: IngestRecord[] = [];
  const there: IngestRecord[] = [];
  const l1 = await listen(p, here);
  const l2 = await listen(other, there);
  const udp = createSocket('udp4');
  await new Promise<void>((r) => udp.bind({ address: '127.0.0.3', port: 0 }, () => r()));
  const send = (l: SyslogListeners, text: string) =>
    new Promise<void>((r) =>
      udp.send(`<13>Nov 25 12:00:00 fw app: ${text}`, l.udp!.port, '127.0.0.1', () => r()),
    );
  // A long-lived TCP connection from 127.0.0.4 to the first instance, open before any registration.
  const tcp = connect({ host: '127.0.0.1', port: l1.tcp!.port, localAddress: '127.0.0.4' });
  await new Promise<void>((r) => tcp.once('connect', () => r()));
  try {
    await send(l1, 'before');
    await send(l2, 'before');
    tcp.write('<13>Nov 25 12:00:00 fw app: tcp before\n');
    await until('unbound lines', () => here.length === 2 && there.length === 1);
    assert.ok([...here, ...there].every((r) => r.organizationId === undefined && r.format === undefined));

    // Registered through the first instance: its listeners use it for the very next datagram.
    const reg = await p.soc.sources.create(op, {
      kind: 'address',
      value: '127.0.0.3',
      format: 'fortigate',
      organizationId: NUMAZU,
    });
    await p.soc.sources.create(op, { kind: 'address', value: '127.0.0.4/32', organizationId: ATAMI });
    await send(l1, 'after');
    tcp.write('<13>Nov 25 12:00:00 fw app: tcp after\n');
    await until('bound lines here', () => here.length === 4);
    const after1 = here.slice(2).sort((a, b) => a.transport.localeCompare(b.transport));
    assert.deepEqual(
      after1.map((r) => [r.transport, r.organizationId, r.format]),
      [
        ['syslog-tcp', ATAMI, undefined],
        ['syslog-udp', NUMAZU, 'fortigate'],
      ],
    );
    assert.equal(l1.stats().sources.find((s) => s.source === '127.0.0.3')!.sourceId, reg.id);
    // The other instance learns it from the fingerprint refresh (every 100 ms here), without a restart.
    await until('the other instance to reload', () => {
      void send(l2, 'probe');
      return there.some((r) => r.organizationId === NUMAZU);
    });
    const bound = there.find((r) => r.organizationId === NUMAZU)!;
    assert.equal(bound.format, 'fortigate');
    // Moved and then removed elsewhere: followed here too.
    await other.soc.sources.update(op, reg.id, { organizationId: ATAMI });
    await until('the move', () => {
      void send(l1, 'moved');
      return here.some((r) => r.line.endsWith('moved') && r.organizationId === ATAMI);
    });
    await other.soc.sources.remove(op, reg.id);
    await until('the removal', () => {
      void send(l1, 'removed');
      return here.some((r) => r.line.endsWith('removed') && r.organizationId === undefined);
    });
  } finally {
    tcp.destroy();
    udp.close();
    await l1.close();
    await l2.close();
  }
});
