// `mamori asm templates check` and `mamori asm vulndb import|lookup` as a user runs them (child process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const corpus = join(root, 'packages/asm/data/nuclei-templates');
const vulndata = join(root, 'packages/asm/data/vulndb');

function mamori(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=development', join(root, 'packages/cli/src/main.ts'), ...args],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('asm templates check --json reports compiled / unsupported / error with reasons', () => {
  const r = mamori(
    'asm',
    'templates',
    'check',
    join(corpus, 'ssl'),
    join(corpus, 'http/cves/2019/CVE-2019-6799.yaml'),
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.total, 39);
  assert.equal(j.compiled, 38);
  assert.equal(j.unsupported, 1);
  assert.equal(j.errors, 0);
  const oob = j.templates.find((t: { id: string }) => t.id === 'CVE-2019-6799');
  assert.equal(oob.status, 'unsupported');
  assert.match(oob.reason, /interactsh/);
  for (const t of j.templates) assert.ok(t.path && t.id && t.status);
  const missing = mamori('asm', 'templates', 'check', '/nonexistent/dir');
  assert.equal(missing.code, 3);
});

test('asm vulndb import then lookup (KEV marked, distro build potential)', () => {
  const db = mkdtempSync(join(tmpdir(), 'mamori-vulndb-'));
  try {
    const imp = mamori(
      'asm',
      'vulndb',
      'import',
      join(vulndata, 'kev/known_exploited_vulnerabilities.json'),
      join(vulndata, 'samples'),
      '--db',
      db,
      '--json',
    );
    assert.equal(imp.code, 0, imp.stderr);
    const s = JSON.parse(imp.stdout);
    assert.equal(s.records, 6);
    assert.equal(s.kevEntries, 1404);
    const hit = mamori(
      'asm',
      'vulndb',
      'lookup',
      '--cpe',
      'cpe:2.3:o:paloaltonetworks:pan-os:10.1.5:*:*:*:*:*:*:*',
      '--db',
      db,
      '--json',
    );
    assert.equal(hit.code, 1, 'found → exit 1');
    const m = JSON.parse(hit.stdout);
    assert.equal(m.matches[0].id, 'CVE-2022-0028');
    assert.ok(m.matches[0].kev);
    const ssh = mamori(
      'asm',
      'vulndb',
      'lookup',
      '--vendor',
      'openbsd',
      '--product',
      'openssh',
      '--product-version',
      '8.2p1 Ubuntu-4ubuntu0.5',
      '--db',
      db,
    );
    assert.equal(ssh.code, 1);
    assert.match(ssh.stdout, /CVE-2020-15778\tpotential/);
    const none = mamori(
      'asm',
      'vulndb',
      'lookup',
      '--vendor',
      'openbsd',
      '--product',
      'openssh',
      '--product-version',
      '9.9p1',
      '--db',
      db,
    );
    assert.equal(none.code, 0);
    const usage = mamori('asm', 'vulndb', 'lookup', '--db', db);
    assert.equal(usage.code, 2);
  } finally {
    rmSync(db, { recursive: true, force: true });
  }
});

test('asm templates run contacts only the named target', async () => {
  const { createServer } = await import('node:http');
  const { execFile } = await import('node:child_process');
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { Server: 'Apache/2.4.62 (Debian)' });
    res.end('<html></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--conditions=development', join(root, 'packages/cli/src/main.ts'), ...args],
        { cwd: root, encoding: 'utf8' },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 4) : 0, stdout, stderr }),
      );
    });
  try {
    const r = await run(
      'asm',
      'templates',
      'run',
      join(corpus, 'http/technologies/apache/apache-detect.yaml'),
      '--target',
      `http://127.0.0.1:${port}`,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /\[info\] apache-detect http:\/\/127\.0\.0\.1:\d+\/ \[Apache\/2\.4\.62 \(Debian\)\]/,
    );
    assert.deepEqual(hits, ['/']);
  } finally {
    server.close();
  }
});
