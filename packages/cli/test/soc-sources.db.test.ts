// `mamori soc sources …` end to end: the CLI on a fresh database (SQLite or PostgreSQL) with a configuration
// file entry, adding, listing, changing and removing registered syslog sources, refusals with their reasons and
// exit codes, and the audit trail of it all (actor system:cli).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { orgIdForCode } from '@mamori/platform';
import { createTestDatabase, testDialect, type TestDatabase } from '@mamori/store/testing';
import { cliRunner } from './cli-kit.js';

const db = testDialect();
let t: TestDatabase;
let dataDir: string;
let env: NodeJS.ProcessEnv;

interface Source {
  id: string;
  origin: 'registered' | 'configuration';
  kind: 'address' | 'cert';
  value: string;
  format: string | null;
  organizationId: string | null;
  note: string | null;
}

const { mamori, mamoriProcess } = cliRunner(() => env);

async function list(...args: string[]): Promise<Source[]> {
  const r = await mamori('soc', 'sources', 'list', '--json', ...args);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Source[];
}

before(async () => {
  t = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'mamori-cli-sources-'));
  const sourcesFile = join(dataDir, 'sources.yaml');
  writeFileSync(sourcesFile, '- source: 192.0.2.10\n  format: squid\n');
  env = {
    ...process.env,
    MAMORI_DATA_DIR: dataDir,
    MAMORI_DATABASE_DRIVER: db,
    MAMORI_SOC_PIPELINE: 'false',
    MAMORI_SOC_PREFECTURE_CODE: '220001',
    MAMORI_SOC_SYSLOG_SOURCES_FILE: sourcesFile,
    ...(db === 'sqlite'
      ? { MAMORI_DATABASE_SQLITE_PATH: t.options.sqlitePath }
      : { MAMORI_DATABASE_POSTGRES_URL: t.options.postgresUrl! }),
  };
  const m = await mamori('migrate');
  assert.equal(m.code, 0, m.stderr);
});
after(async () => {
  await t.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

test(`soc sources add, list, update, remove; refusals with reasons and exit codes; audited (${db})`, async () => {
  const numazu = orgIdForCode('222038');
  const shizuokaPref = orgIdForCode('220001');

  // The configuration file entry is listed, marked read-only, before anything is registered.
  const initial = await list();
  assert.deepEqual(
    initial.map((s) => [s.id, s.origin, s.value, s.format]),
    [['cfg-1', 'configuration', '192.0.2.10/32', 'squid']],
  );
  const table = await mamori('soc', 'sources', 'list');
  assert.equal(table.code, 0, table.stderr);
  assert.match(
    table.stdout,
    /^cfg-1\tconfiguration \(設定ファイル, read-only\)\taddress\t192\.0\.2\.10\/32\tsquid\t/m,
  );

  // add: an address range (host bits dropped) for 沼津市, a certificate name for the default prefecture.
  const a = await mamori(
    'soc',
    'sources',
    'add',
    '--address',
    '10.22.1.7/16',
    '--format',
    'fortigate',
    '--org',
    '222038',
    '--note',
    '沼津市の FortiGate',
    '--json',
  );
  assert.equal(a.code, 0, a.stderr);
  const fw = JSON.parse(a.stdout) as Source;
  assert.equal(fw.origin, 'registered');
  assert.equal(fw.value, '10.22.0.0/16');
  assert.equal(fw.format, 'fortigate');
  assert.equal(fw.organizationId, numazu);
  assert.equal(fw.note, '沼津市の FortiGate');
  const c = await mamori('soc', 'sources', 'add', '--cert', 'FW01.Atami.example.lg.jp');
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /\tregistered\tcert\tfw01\.atami\.example\.lg\.jp\tauto\t220001 静岡県\t/);

  const all = await list();
  assert.equal(all.length, 3);
  const cert = all.find((s) => s.kind === 'cert')!;
  assert.equal(cert.organizationId, shizuokaPref);
  assert.equal(cert.format, null);
  assert.deepEqual(
    (await list('--org', '222038')).map((s) => s.id),
    [fw.id],
  );

  // update: format back to detection, moved to 熱海市, note cleared.
  const u = await mamori(
    'soc',
    'sources',
    'update',
    fw.id,
    '--format',
    'auto',
    '--org',
    '222054',
    '--note',
    '',
    '--json',
  );
  assert.equal(u.code, 0, u.stderr);
  const moved = JSON.parse(u.stdout) as Source;
  assert.deepEqual([moved.format, moved.organizationId, moved.note], [null, orgIdForCode('222054'), null]);
  assert.deepEqual(
    (await list('--org', '222054')).map((s) => [s.id, s.value]),
    [[fw.id, '10.22.0.0/16']],
  );

  // update the sender itself (as PATCH value does): normalized, with the same checks as the API — refused
  // when another source has the range or the configuration file binds it, or when malformed.
  const o = await mamori('soc', 'sources', 'add', '--address', '10.30.0.0/16', '--org', '222038', '--json');
  assert.equal(o.code, 0, o.stderr);
  const other = JSON.parse(o.stdout) as Source;
  const re = await mamori('soc', 'sources', 'update', fw.id, '--address', '10.23.5.9/24', '--json');
  assert.equal(re.code, 0, re.stderr);
  const readdressed = JSON.parse(re.stdout) as Source;
  assert.deepEqual(
    [readdressed.id, readdressed.kind, readdressed.value, readdressed.organizationId],
    [fw.id, 'address', '10.23.5.0/24', orgIdForCode('222054')],
  );
  const taken = await mamori('soc', 'sources', 'update', fw.id, '--address', '10.30.0.0/16');
  assert.equal(taken.code, 3, taken.stderr);
  assert.match(taken.stderr, /10\.30\.0\.0\/16 is already registered/);
  const fileBound = await mamori('soc', 'sources', 'update', fw.id, '--address', '192.0.2.10/32');
  assert.equal(fileBound.code, 3, fileBound.stderr);
  assert.match(fileBound.stderr, /192\.0\.2\.10\/32 is bound in the configuration file/);
  const badAddress = await mamori('soc', 'sources', 'update', fw.id, '--address', '10.23.300.0/24');
  assert.equal(badAddress.code, 3, badAddress.stderr);
  assert.match(badAddress.stderr, /not an IPv4\/IPv6 address or CIDR range/);
  // A source keeps its kind: an address for a certificate source is refused, a new name is taken.
  const wrongKind = await mamori('soc', 'sources', 'update', cert.id, '--address', '10.9.9.9');
  assert.equal(wrongKind.code, 3, wrongKind.stderr);
  assert.match(wrongKind.stderr, /is a certificate source: give --cert/);
  const renamed = await mamori('soc', 'sources', 'update', cert.id, '--cert', 'FW02.Atami.example.lg.jp');
  assert.equal(renamed.code, 0, renamed.stderr);
  assert.match(renamed.stdout, /\tregistered\tcert\tfw02\.atami\.example\.lg\.jp\tauto\t220001 静岡県\t/);
  assert.equal(
    (await mamori('soc', 'sources', 'update', fw.id, '--address', '10.1.0.0/16', '--cert', 'a.example')).code,
    2,
  );
  assert.deepEqual(
    (await list()).map((s) => [s.id, s.value]),
    [
      ['cfg-1', '192.0.2.10/32'],
      [cert.id, 'fw02.atami.example.lg.jp'],
      [other.id, '10.30.0.0/16'],
      [fw.id, '10.23.5.0/24'],
    ],
  );

  // Refusals: the input exit code (3) with the platform's reason; nothing changes.
  const malformed = mamoriProcess('soc', 'sources', 'add', '--address', '10.22.300.1', '--org', '222038');
  assert.equal(malformed.code, 3, malformed.stderr);
  assert.match(malformed.stderr, /not an IPv4\/IPv6 address or CIDR range/);
  const dup = await mamori('soc', 'sources', 'add', '--address', '10.23.5.77/24', '--org', '222038');
  assert.equal(dup.code, 3, dup.stderr);
  assert.match(dup.stderr, /10\.23\.5\.0\/24 is already registered/);
  const inFile = await mamori('soc', 'sources', 'add', '--address', '192.0.2.10');
  assert.equal(inFile.code, 3);
  assert.match(inFile.stderr, /configuration file/);
  const badFormat = await mamori('soc', 'sources', 'update', fw.id, '--format', 'nosuchparser');
  assert.equal(badFormat.code, 3);
  assert.match(badFormat.stderr, /not a known parser id/);
  const cfgEdit = await mamori('soc', 'sources', 'remove', 'cfg-1');
  assert.equal(cfgEdit.code, 3);
  assert.match(cfgEdit.stderr, /change it there/);
  const unknownOrg = await mamori('soc', 'sources', 'add', '--cert', 'x.example.lg.jp', '--org', '999999');
  assert.equal(unknownOrg.code, 3);
  // Usage mistakes: exit code 2.
  const neither = await mamori('soc', 'sources', 'add', '--org', '222038');
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /--address <ip\|cidr> or --cert <name>/);
  assert.equal(
    (await mamori('soc', 'sources', 'add', '--address', '10.0.0.1', '--cert', 'a.example')).code,
    2,
  );
  assert.equal((await mamori('soc', 'sources', 'update', fw.id)).code, 2);
  assert.equal((await list()).length, 4);

  // remove; removing again names the id.
  const r = await mamori('soc', 'sources', 'remove', fw.id);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `removed ${fw.id}\n`);
  const again = await mamori('soc', 'sources', 'remove', fw.id);
  assert.equal(again.code, 3);
  assert.match(again.stderr, new RegExp(`no registered source ${fw.id}`));
  assert.deepEqual(
    (await list()).map((s) => s.id),
    ['cfg-1', cert.id, other.id],
  );

  // The audit trail: each change by system:cli, and the refusals.
  const audit = await mamori('audit', 'list', '--action', 'soc.source.', '--limit', '200', '--json');
  assert.equal(audit.code, 0, audit.stderr);
  const records = (
    JSON.parse(audit.stdout) as {
      action: string;
      target: string | null;
      result: string;
      actorName: string;
      details: { from?: { value: string }; to?: { value: string } } | null;
    }[]
  ).reverse();
  const ok = records.filter((x) => x.result === 'success');
  assert.deepEqual(
    ok.map((x) => [x.action, x.target]),
    [
      ['soc.source.create', fw.id],
      ['soc.source.create', cert.id],
      ['soc.source.update', fw.id],
      ['soc.source.create', other.id],
      ['soc.source.update', fw.id],
      ['soc.source.update', cert.id],
      ['soc.source.delete', fw.id],
    ],
  );
  // The address change records the sender before and after.
  const moves = ok
    .filter((x) => x.action === 'soc.source.update' && x.target === fw.id)
    .map((x) => [x.details?.from?.value, x.details?.to?.value]);
  assert.deepEqual(moves, [
    ['10.22.0.0/16', '10.22.0.0/16'],
    ['10.22.0.0/16', '10.23.5.0/24'],
  ]);
  assert.ok(
    records.every((x) => x.actorName === 'system:cli'),
    JSON.stringify(records),
  );
  assert.ok(records.filter((x) => x.result !== 'success').length >= 4, JSON.stringify(records));
});

test(`soc sources --help (${db})`, async () => {
  for (const sub of ['list', 'add', 'update', 'remove']) {
    const h = await mamori('soc', 'sources', sub, '--help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, new RegExp(`Usage: mamori soc sources ${sub}`));
    assert.match(h.stdout, /--json/);
  }
  const g = await mamori('soc', 'sources', '--help');
  assert.match(g.stdout, /list[\s\S]*add[\s\S]*update[\s\S]*remove/);
});
