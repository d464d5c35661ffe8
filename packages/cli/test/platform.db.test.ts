// The platform commands end to end: a real CLI process on a fresh database (SQLite or PostgreSQL).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type MamoriDb } from '@mamori/store';
import { createTestDatabase, testDialect, type TestDatabase } from '@mamori/store/testing';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const db = testDialect();
let t: TestDatabase;
let dataDir: string;
let env: NodeJS.ProcessEnv;

function mamori(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=development', main, ...args], {
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  t = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'mamori-cli-'));
  env = {
    ...process.env,
    MAMORI_DATA_DIR: dataDir,
    MAMORI_DATABASE_DRIVER: db,
    ...(db === 'sqlite'
      ? { MAMORI_DATABASE_SQLITE_PATH: t.options.sqlitePath }
      : { MAMORI_DATABASE_POSTGRES_URL: t.options.postgresUrl! }),
  };
});
after(async () => {
  await t.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

test(`migrate, demo (idempotent), org list --json lists 1,788 governments + the state (${db})`, () => {
  const m = mamori('migrate', '--json');
  assert.equal(m.code, 0, m.stderr);
  assert.deepEqual(JSON.parse(m.stdout).applied, ['0001-foundation']);
  const d1 = mamori('demo', '--json');
  assert.equal(d1.code, 0, d1.stderr);
  const r1 = JSON.parse(d1.stdout) as {
    users: { username: string; password: string | null }[];
    credentialsFile: string;
  };
  assert.deepEqual(
    r1.users.map((u) => u.username),
    ['admin', 'shizuoka-soc', 'shizuoka-city', 'numazu-city'],
  );
  assert.ok(r1.users.every((u) => typeof u.password === 'string' && u.password.length >= 12));
  assert.equal(statSync(r1.credentialsFile).mode & 0o777, 0o600);
  const d2 = mamori('demo', '--json');
  const r2 = JSON.parse(d2.stdout) as {
    users: { password: string | null }[];
    organizations: { inserted: number };
  };
  assert.ok(r2.users.every((u) => u.password === null));
  assert.equal(r2.organizations.inserted, 0);
  const d3 = mamori('demo', '--reset-passwords', '--json');
  const r3 = JSON.parse(d3.stdout) as { users: { password: string | null }[] };
  assert.ok(r3.users.every((u) => typeof u.password === 'string' && u.password !== r1.users[0]!.password));
  const list = mamori('org', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  const orgs = JSON.parse(list.stdout) as { kind: string }[];
  assert.equal(orgs.length, 1789);
  assert.equal(orgs.filter((o) => o.kind === 'ward').length, 0);
  assert.equal(orgs.filter((o) => o.kind === 'state').length, 1);
});

test(`org show, user add/list/disable, token create/revoke, exit codes (${db})`, () => {
  const show = mamori('org', 'show', '222038', '--json');
  assert.equal(show.code, 0, show.stderr);
  assert.equal(JSON.parse(show.stdout).name, '沼津市');
  assert.equal(mamori('org', 'show', '999999').code, 3);
  assert.equal(mamori('org', 'list', '--bogus').code, 2);
  const add = mamori(
    'user',
    'add',
    '-u',
    'numazu-staff',
    '-o',
    '222038',
    '-r',
    'municipality_staff',
    '--json',
  );
  assert.equal(add.code, 0, add.stderr);
  const added = JSON.parse(add.stdout) as { user: { id: string }; initialPassword: string };
  assert.ok(added.initialPassword.length >= 16);
  assert.equal(
    mamori('user', 'add', '-u', 'numazu-staff', '-o', '222038', '-r', 'municipality_staff').code,
    3,
  );
  assert.equal(mamori('user', 'add', '-u', 'x', '-o', '222038', '-r', 'king').code, 2);
  assert.equal(mamori('user', 'disable', 'numazu-staff').code, 0);
  const users = JSON.parse(mamori('user', 'list', '--org', '222038', '--json').stdout) as {
    username: string;
    disabled: boolean;
  }[];
  assert.equal(users.find((u) => u.username === 'numazu-staff')?.disabled, true);
  const tok = mamori('token', 'create', '-n', 'fw', '-o', '222038', '-p', 'events:ingest', '--json');
  assert.equal(tok.code, 0, tok.stderr);
  const { token, item } = JSON.parse(tok.stdout) as { token: string; item: { id: string } };
  assert.match(token, /^mamori_/);
  assert.equal(mamori('token', 'revoke', item.id).code, 0);
  assert.equal(mamori('token', 'revoke', 't_nope').code, 3);
  assert.equal(mamori('token', 'create', '-n', 'x', '-o', '222038', '-p', 'root').code, 3);
  const help = mamori('user', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /disable/);
});

test(`audit verify: exit 0 when intact, 1 naming the record when tampered (${db})`, async () => {
  const ok = mamori('audit', 'verify', '--json');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).ok, true);
  const handle: MamoriDb = openDatabase(t.options);
  try {
    await handle.kysely
      .updateTable('audit_log')
      .set({ source_ip: '10.9.9.9' })
      .where('seq', '=', 2)
      .execute();
  } finally {
    await handle.close();
  }
  const bad = mamori('audit', 'verify');
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /#2\tchanged/);
});

test(`bad configuration is refused with exit code 3 (${db})`, () => {
  const saved = env;
  env = { ...env, MAMORI_SERVER_PORT: 'eighty' };
  try {
    const r = mamori('org', 'list');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /server\.port/);
  } finally {
    env = saved;
  }
});
