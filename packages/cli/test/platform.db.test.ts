// The platform commands end to end: a real CLI process on a fresh database (SQLite or PostgreSQL).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrations, openDatabase, type MamoriDb } from '@mamori/store';
import { createTestDatabase, testDialect, type TestDatabase } from '@mamori/store/testing';
import { cliMainPath as main, cliRunner } from './cli-kit.js';

const db = testDialect();
let t: TestDatabase;
let dataDir: string;
let env: NodeJS.ProcessEnv;

const { mamori, mamoriProcess } = cliRunner(() => env);

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

test(`migrate, demo (idempotent), org list --json lists 1,788 governments + the state (${db})`, async () => {
  const m = await mamori('migrate', '--json');
  assert.equal(m.code, 0, m.stderr);
  const mr = JSON.parse(m.stdout) as {
    applied: string[];
    organizations: { governments: number; inserted: number };
  };
  assert.deepEqual(mr.applied, Object.keys(migrations).sort());
  // A migrated database holds the official list: 1,788 governments + the state + the wards of designated cities.
  assert.equal(mr.organizations.governments, 1788);
  assert.ok(mr.organizations.inserted > 1789);
  const d1 = await mamori('demo', '--json');
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
  const d2 = await mamori('demo', '--json');
  const r2 = JSON.parse(d2.stdout) as {
    users: { password: string | null }[];
    organizations: { inserted: number };
  };
  assert.ok(r2.users.every((u) => u.password === null));
  assert.equal(r2.organizations.inserted, 0);
  const d3 = await mamori('demo', '--reset-passwords', '--json');
  const r3 = JSON.parse(d3.stdout) as { users: { password: string | null }[] };
  assert.ok(r3.users.every((u) => typeof u.password === 'string' && u.password !== r1.users[0]!.password));
  const list = await mamori('org', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  const orgs = JSON.parse(list.stdout) as { kind: string }[];
  assert.equal(orgs.length, 1789);
  assert.equal(orgs.filter((o) => o.kind === 'ward').length, 0);
  assert.equal(orgs.filter((o) => o.kind === 'state').length, 1);
});

test(`org show, user add/list/disable, token create/revoke, exit codes (${db})`, async () => {
  const body = await mamori(
    'org',
    'add',
    '--name',
    '静岡県市町総合事務組合',
    '--kana',
    'シズオカケンシチョウソウゴウジムクミアイ',
    '--kind',
    'association',
    '--parent',
    '220001',
    '--json',
  );
  assert.equal(body.code, 0, body.stderr);
  assert.equal(JSON.parse(body.stdout).prefectureCode, '22');
  assert.equal((JSON.parse((await mamori('org', 'list', '--json')).stdout) as unknown[]).length, 1789);
  assert.equal(
    (JSON.parse((await mamori('org', 'list', '--include-bodies', '--json')).stdout) as unknown[]).length,
    1790,
  );
  const show = await mamori('org', 'show', '222038', '--json');
  assert.equal(show.code, 0, show.stderr);
  assert.equal(JSON.parse(show.stdout).name, '沼津市');
  assert.equal((await mamori('org', 'show', '999999')).code, 3);
  assert.equal((await mamori('org', 'list', '--bogus')).code, 2);
  const add = await mamori(
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
    (await mamori('user', 'add', '-u', 'numazu-staff', '-o', '222038', '-r', 'municipality_staff')).code,
    3,
  );
  assert.equal((await mamori('user', 'add', '-u', 'x', '-o', '222038', '-r', 'king')).code, 2);
  assert.equal((await mamori('user', 'disable', 'numazu-staff')).code, 0);
  const users = JSON.parse((await mamori('user', 'list', '--org', '222038', '--json')).stdout) as {
    username: string;
    disabled: boolean;
  }[];
  assert.equal(users.find((u) => u.username === 'numazu-staff')?.disabled, true);
  const tok = await mamori('token', 'create', '-n', 'fw', '-o', '222038', '-p', 'events:ingest', '--json');
  assert.equal(tok.code, 0, tok.stderr);
  const { token, item } = JSON.parse(tok.stdout) as { token: string; item: { id: string } };
  assert.match(token, /^mamori_/);
  assert.equal((await mamori('token', 'revoke', item.id)).code, 0);
  assert.equal((await mamori('token', 'revoke', 't_nope')).code, 3);
  assert.equal((await mamori('token', 'create', '-n', 'x', '-o', '222038', '-p', 'root')).code, 3);
  const help = await mamori('user', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /disable/);
});

test(`audit verify: exit 0 when intact, 1 naming the record when tampered (${db})`, async () => {
  const ok = await mamori('audit', 'verify', '--json');
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
  const bad = mamoriProcess('audit', 'verify');
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /#2\tchanged/);
});

test(`bad configuration is refused with exit code 3 (${db})`, async () => {
  const saved = env;
  env = { ...env, MAMORI_SERVER_PORT: 'eighty' };
  try {
    const r = mamoriProcess('org', 'list');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /server\.port/);
  } finally {
    env = saved;
  }
});

test(`serve answers /healthz and stops cleanly on SIGTERM (${db})`, async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', main, 'serve', '--port', '0', '--json'],
    { env: { ...env, MAMORI_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /"url":"([^"]+)"/.exec(buf);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});
