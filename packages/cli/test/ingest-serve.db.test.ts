// `mamori serve` with soc.syslog.* configured: a real server process starts UDP, TCP and TLS syslog listeners
// (free ports, reported in its --json line) next to the HTTP API; lines sent to each end up as events in the
// database, attributed by the registered-sources file; `mamori ingest --url` sends a file to it with an API
// token; SIGTERM stops everything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@mamori/core';
import { createPlatform, systemContext } from '@mamori/platform';
import { openDatabase } from '@mamori/store';
import { createTestDatabase, testDialect, type TestDatabase } from '@mamori/store/testing';
import { pino } from 'pino';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const db = testDialect();
let t: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess | null = null;

before(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'mamori-serve-syslog-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  // Every sender on loopback is 沼津市's FortiGate.
  writeFileSync(
    join(dir, 'sources.yaml'),
    '- source: 127.0.0.0/8\n  format: fortigate\n  organization: "222038"\n',
  );
  env = {
    ...process.env,
    MAMORI_DATA_DIR: join(dir, 'var'),
    MAMORI_DATABASE_DRIVER: db,
    MAMORI_LOG_LEVEL: 'warn',
    MAMORI_SOC_SYSLOG_UDP_PORT: '0',
    MAMORI_SOC_SYSLOG_TCP_PORT: '0',
    MAMORI_SOC_SYSLOG_TLS_PORT: '0',
    MAMORI_SOC_SYSLOG_TLS_CERT: join(dir, 'cert.pem'),
    MAMORI_SOC_SYSLOG_TLS_KEY: join(dir, 'key.pem'),
    MAMORI_SOC_SYSLOG_SOURCES_FILE: join(dir, 'sources.yaml'),
    ...(db === 'sqlite'
      ? { MAMORI_DATABASE_SQLITE_PATH: t.options.sqlitePath }
      : { MAMORI_DATABASE_POSTGRES_URL: t.options.postgresUrl! }),
  };
  const p = await createPlatform(loadConfig({ env: { ...env, MAMORI_SOC_PIPELINE: 'false' } }), {
    logger: pino({ level: 'silent' }),
  });
  try {
    await p.orgs.loadOfficial(systemContext('test'));
  } finally {
    await p.close();
  }
});
after(async () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  await t.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const fw = (i: number, transport: string) =>
  `<189>date=2026-11-25 time=10:16:00 devname="FGT-Numazu" devid="FG100F0000000009" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=192.0.2.${i % 250} srcport=${40000 + i} dstip=10.1.2.10 dstport=3389 proto=6 action="deny" policyid=0 service="RDP" devtransport="${transport}"`;

test(`mamori serve starts the configured syslog listeners; UDP, TCP and TLS lines and mamori ingest --url become events (${db})`, async () => {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', main, 'serve', '--port', '0', '--json'],
    { env },
  );
  server = proc;
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = await new Promise<{ url: string; syslog: { udp: number; tcp: number; tls: number } }>(
    (resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 120_000);
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as never);
        }
      });
      proc.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    },
  );
  const { udp, tcp, tls } = started.syslog;
  assert.ok(udp > 0 && tcp > 0 && tls > 0, JSON.stringify(started));

  const u = createSocket('udp4');
  for (let i = 0; i < 10; i++)
    await new Promise<void>((r) => u.send(fw(i, 'udp'), udp, '127.0.0.1', () => r()));
  u.close();
  const s = connect({ host: '127.0.0.1', port: tcp });
  await new Promise<void>((r) => s.once('connect', r));
  await new Promise<void>((r) =>
    s.end(Array.from({ length: 20 }, (_, i) => fw(i, 'tcp')).join('\n') + '\n', r),
  );
  const ts = tlsConnect({ host: '127.0.0.1', port: tls, ca: readFileSync(join(dir, 'cert.pem')) });
  await new Promise<void>((r, j) => ts.once('secureConnect', r).once('error', j));
  const framed = Array.from({ length: 30 }, (_, i) => fw(i, 'tls'))
    .map((m) => `${Buffer.byteLength(m)} ${m}`)
    .join('');
  await new Promise<void>((r) => ts.end(framed, r));

  // The server's pipeline stores them; read the database directly.
  const database = openDatabase(loadConfig({ env }).database);
  try {
    const count = async () =>
      (await database.kysely.selectFrom('soc_events').select(['raw', 'organization_id']).execute()).filter(
        (r) => r.organization_id === 'lg222038',
      );
    const deadline = Date.now() + 60_000;
    let rows = await count();
    while (rows.length < 60 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      rows = await count();
    }
    const by = (x: string) => rows.filter((r) => String(r.raw).includes(`devtransport="${x}"`)).length;
    assert.deepEqual([by('udp'), by('tcp'), by('tls')], [10, 20, 30], stderr);
  } finally {
    await database.close();
  }

  // `mamori ingest --url` sends a file to the running server with an API token (soc:ingest).
  const admin = await createPlatform(loadConfig({ env: { ...env, MAMORI_SOC_PIPELINE: 'false' } }), {
    logger: pino({ level: 'silent' }),
  });
  let token: string;
  try {
    token = (
      await admin.tokens.create(systemContext('test'), {
        name: 'file sender',
        organizationId: 'lg222038',
        permissions: ['soc:ingest'],
        expiresAt: new Date(Date.now() + 86400_000).toISOString(),
      })
    ).token;
  } finally {
    await admin.close();
  }
  const lines = Array.from({ length: 500 }, (_, i) => fw(i, 'http-cli').slice('<189>'.length));
  lines.splice(250, 0, `date=2026-11-25 ${'x'.repeat(70_000)}`);
  writeFileSync(join(dir, 'remote.log'), lines.join('\n') + '\n');
  const sent = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const c = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=development',
        main,
        'ingest',
        join(dir, 'remote.log'),
        '--url',
        started.url,
        '--format',
        'fortigate',
        '--json',
      ],
      { env: { ...env, MAMORI_API_TOKEN: token } },
    );
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => resolve({ code, out, err }));
  });
  assert.equal(sent.code, 0, sent.err);
  const counts = (
    JSON.parse(sent.out) as { files: { read: number; accepted: number; quarantined: number }[] }
  ).files[0]!;
  assert.deepEqual([counts.read, counts.accepted, counts.quarantined], [501, 500, 1]);
  const db2 = openDatabase(loadConfig({ env }).database);
  try {
    const deadline = Date.now() + 60_000;
    let n = 0;
    while (Date.now() < deadline) {
      const rows = await db2.kysely.selectFrom('soc_events').select(['raw', 'organization_id']).execute();
      n = rows.filter((r) => r.organization_id === 'lg222038' && String(r.raw).includes('http-cli')).length;
      if (n >= 500) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(n, 500, "the server stored the sent lines as events of the token's municipality");
  } finally {
    await db2.close();
  }

  proc.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  assert.equal(code, 0, stderr);
  // The listeners are gone with the process.
  const err = await new Promise<NodeJS.ErrnoException | null>((r) => {
    const c = connect({ host: '127.0.0.1', port: tcp });
    c.once('error', (e) => r(e));
    c.once('connect', () => {
      c.destroy();
      r(null);
    });
  });
  assert.equal(err?.code, 'ECONNREFUSED');
});
