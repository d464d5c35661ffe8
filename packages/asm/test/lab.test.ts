// The lab: real servers in a network namespace; the scanner must find, identify and report each of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab, type Lab } from './lab/lab.js';
import {
  scanTargets,
  renderTextReport,
  compileTemplate,
  reverseDns,
  DnsClient,
  ScopeGuard,
  StopSwitch,
  adhocScope,
  type ScanReport,
} from '../src/index.js';

const labTemplate = `id: lab-git-config
info:
  name: Git config exposed (lab template)
  author: mamori
  severity: medium
http:
  - method: GET
    path:
      - "{{BaseURL}}/.git/config"
    matchers:
      - type: word
        words:
          - "repositoryformatversion"
`;

let lab: Lab;
let report: ScanReport;
const root = fileURLToPath(new URL('../../..', import.meta.url));

before(async () => {
  lab = await startLab();
  report = await scanTargets([lab.address, 'www.lab.test', 'lab.test', 'ns1.lab.test', 'outside.lab.test'], {
    ports: 'top1000',
    resolver: { host: lab.address, port: lab.ports.dns },
    templates: [compileTemplate(labTemplate, 'lab-git-config.yaml').template!],
    passiveNames: ['legacy.lab.test', 'www.unrelated.example'],
  });
});

after(async () => {
  await lab?.stop();
  assert.ok(
    !execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).includes(lab.ns),
    'namespace removed',
  );
});

const svc = (port: number, transport = 'tcp') =>
  report.services.find((s) => s.port === port && s.transport === transport);
const has = (check: string, pred: (f: ScanReport['findings'][number]) => boolean = () => true) =>
  report.findings.some((f) => f.check === check && pred(f));

test('finds exactly the open TCP ports', () => {
  const open = report.services
    .filter((s) => s.transport === 'tcp')
    .map((s) => s.port)
    .sort((a, b) => a - b);
  assert.deepEqual(open, [21, 22, 53, 80, 443, 5432, 6379, 8080, 8443]);
  assert.equal(report.closedOrFiltered, 991);
});

test('identifies each service, product, version and CPE', () => {
  assert.deepEqual([svc(21)!.service, svc(21)!.product, svc(21)!.version], ['ftp', 'vsftpd', '3.0.3']);
  assert.equal(svc(21)!.cpe, 'cpe:2.3:a:beasts:vsftpd:3.0.3:*:*:*:*:*:*:*');
  assert.equal(svc(22)!.service, 'ssh');
  assert.equal(svc(22)!.product, 'OpenSSH');
  assert.match(svc(22)!.version, /^\d+\.\d+p\d+$/);
  assert.equal(svc(53)!.service, 'domain');
  assert.equal(svc(53)!.product, 'ISC BIND');
  assert.match(svc(53)!.cpe, /^cpe:2\.3:a:isc:bind:9\./);
  assert.equal(svc(80)!.service, 'http');
  assert.equal(svc(80)!.product, 'nginx');
  assert.equal(svc(443)!.service, 'https');
  assert.equal(svc(6379)!.product, 'Redis key-value store');
  assert.match(svc(6379)!.version, /^\d+\.\d+\.\d+$/);
  assert.equal(svc(8443)!.service, 'https');
  assert.equal(svc(53, 'udp')!.service, 'domain');
  assert.equal(svc(8080)!.product, 'Apache httpd');
  assert.match(svc(8080)!.version, /^2\.4\.\d+$/);
  assert.equal(svc(8080)!.cpe, `cpe:2.3:a:apache:http_server:${svc(8080)!.version}:*:*:*:*:*:*:*`);
  assert.equal(svc(5432)!.service, 'postgresql');
  assert.equal(svc(5432)!.product, 'PostgreSQL DB');
});

test('HTTP and TLS details', () => {
  const web = svc(80)!.http!;
  assert.equal(web.title, 'ラボ市 公式ホームページ');
  assert.equal(typeof web.faviconHash, 'number');
  const tech = new Map(web.technologies.map((t) => [t.name, t.version]));
  assert.equal(tech.get('WordPress'), '5.8.1');
  assert.equal(tech.get('jQuery'), '3.4.1');
  assert.equal(svc(443)!.http!.securityHeaders['strict-transport-security'], 'max-age=31536000');
  const modern = svc(443)!.tlsInfo!;
  assert.deepEqual(modern.versions, ['TLSv1.2', 'TLSv1.3']);
  assert.deepEqual(modern.cert!.sans, ['www.lab.test', 'portal.lab.test']);
  assert.equal(modern.cert!.selfSigned, true);
  assert.equal(modern.cert!.keyBits, 2048);
  assert.equal(modern.cert!.signatureAlgorithm, 'sha256WithRSAEncryption');
  assert.equal(modern.hostnameMatch, true);
  const old = svc(8443)!.tlsInfo!;
  assert.ok(old.deprecated.includes('TLSv1'));
  assert.equal(old.cert!.expired, true);
  assert.equal(old.cert!.notAfter, '2021-01-01T00:00:00.000Z');
  assert.equal(old.hostnameMatch, false);
});

test('reports each problem the lab carries, and not the ones it does not', () => {
  assert.ok(has('unauthenticated-redis', (f) => f.port === 6379 && f.severity === 'critical'));
  assert.ok(has('anonymous-ftp', (f) => f.port === 21 && /230/.test(f.evidence)));
  assert.ok(has('zone-transfer-allowed', (f) => f.detail === 'lab.test'));
  assert.ok(has('dangling-cname', (f) => f.host === 'old.lab.test' && f.detail === 'gone.cloudapp.test'));
  assert.ok(has('tls-deprecated-version', (f) => f.port === 8443));
  assert.ok(!has('tls-deprecated-version', (f) => f.port === 443));
  assert.ok(has('cert-expired', (f) => f.port === 8443));
  assert.ok(!has('cert-expired', (f) => f.port === 443));
  assert.ok(has('cert-hostname-mismatch', (f) => f.port === 8443));
  assert.ok(has('exposed-git', (f) => f.port === 80));
  assert.ok(has('exposed-env', (f) => f.port === 80 && /DB_PASSWORD/.test(f.evidence)));
  assert.ok(has('directory-listing', (f) => f.detail === '/files/'));
  assert.ok(has('exposed-admin-login', (f) => f.detail === '/admin/'));
  assert.ok(has('spf-weak', (f) => f.host === 'lab.test'));
  assert.ok(has('dmarc-missing'));
  assert.ok(has('missing-hsts', (f) => f.port === 8443));
  assert.ok(!has('missing-hsts', (f) => f.port === 443));
  assert.ok(!has('exposed-backup'));
  assert.ok(has('default-page', (f) => f.port === 8080 && /Apache2 Debian Default Page/.test(f.evidence)));
  assert.ok(!has('default-page', (f) => f.port === 80));
  assert.ok(has('exposed-database', (f) => f.port === 5432));
  assert.ok(
    has('template:lab-git-config', (f) => f.port === 80 && f.severity === 'medium'),
    'nuclei-format template ran through the scope gate',
  );
  assert.ok(!has('open-resolver'), 'the lab BIND has recursion off');
  const d = report.domains.find((x) => x.zone === 'lab.test')!;
  for (const t of ['A', 'MX', 'NS', 'TXT', 'SOA', 'CAA'])
    assert.ok(
      d.records.some((r) => r.type === t),
      t,
    );
  assert.ok(d.discoveredNames.includes('old.lab.test'));
  assert.ok(d.discoveredNames.includes('portal.lab.test'));
  assert.ok(d.discoveredNames.includes('legacy.lab.test'), 'passive-DNS lead listed under its zone');
  assert.ok(!d.discoveredNames.includes('www.unrelated.example'));
  assert.ok(!report.services.some((sv) => sv.host === 'legacy.lab.test'), 'leads are not scanned');
});

test('refuses the name that resolves outside the named targets, and logs it', () => {
  assert.ok(report.refused.some((r) => r.target === 'outside.lab.test' && /192\.0\.2\.10/.test(r.reason)));
  assert.ok(!report.services.some((s) => s.address === '192.0.2.10'));
});

test('the Japanese report tells an IT officer what to fix', () => {
  const text = renderTextReport(report, 'ja');
  assert.match(text, /Redisが認証なしで接続できます/);
  assert.match(text, /対処: Redisをインターネットから遮断し/);
  assert.match(text, /outside\.lab\.test — 名前の解決先（192\.0\.2\.10）が診断範囲の外です/);
  assert.match(renderTextReport(report, 'en'), /outside\.lab\.test — name resolves outside/);
  assert.match(renderTextReport(report, 'en'), /Anonymous FTP login allowed/);
});

test('mamori asm scan --json from the command line', () => {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=development',
      'packages/cli/src/main.ts',
      'asm',
      'scan',
      lab.address,
      '--ports',
      '21,22,80,6379,8443,9999',
      '--no-dns',
      '--no-udp',
      '--json',
    ],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 1, r.stderr);
  const j = JSON.parse(r.stdout) as ScanReport;
  assert.deepEqual(
    j.services.map((s) => s.port),
    [21, 22, 80, 6379, 8443],
  );
  for (const s of j.services)
    for (const k of ['host', 'port', 'transport', 'service', 'product', 'version', 'cpe'])
      assert.ok(k in s, k);
  for (const f of j.findings)
    for (const k of ['check', 'severity', 'host', 'port', 'title', 'evidence']) assert.ok(k in f, k);
  assert.ok(j.findings.some((f) => f.check === 'unauthenticated-redis'));

  const refused = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=development',
      'packages/cli/src/main.ts',
      'asm',
      'scan',
      'outside.lab.test',
      '--resolver',
      `${lab.address}:53`,
      '--ports',
      '80',
    ],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(refused.status, 3);
  assert.match(
    refused.stderr,
    /refused outside\.lab\.test: name resolves outside the verified scope: 192\.0\.2\.10/,
  );
});

test('reverse DNS over an owned range asks only for in-scope addresses', async () => {
  const client = new DnsClient({ server: { host: lab.address, port: lab.ports.dns } });
  const guard = new ScopeGuard({
    orgs: [adhocScope([lab.address])],
    resolve: async () => [],
    ignoreWindows: true,
    stopSwitch: new StopSwitch(),
  });
  const base = lab.address.replace(/\.\d+$/, '');
  const last = Number(lab.address.split('.')[3]);
  const range = `${base}.${last & ~3}/30`;
  const ptr = await reverseDns(client, range, guard.check);
  assert.deepEqual(ptr, [{ address: lab.address, names: ['www.lab.test'] }]);
  assert.equal(guard.refusals.length, 3, 'the other three addresses of the /30 were refused, not queried');
  await assert.rejects(reverseDns(client, '10.0.0.0/8', guard.check), /limit/);
});

test('rescans with --previous: findings carry over, a fix is confirmed only by a rescan, assets diff (runs last: stops Redis)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'asm-prev-'));
  const cli = (extra: string[]) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=development',
        'packages/cli/src/main.ts',
        'asm',
        'scan',
        lab.address,
        '--ports',
        '21,80,6379',
        '--no-dns',
        '--no-udp',
        ...extra,
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
  const first = cli(['--json']);
  writeFileSync(join(dir, 'first.json'), first.stdout);
  const r1 = JSON.parse(first.stdout) as ScanReport;
  // Redis goes away (the administrator fixed it); the rescan confirms the fix.
  execFileSync(
    'ip',
    [
      'netns',
      'exec',
      lab.ns,
      'redis-cli',
      '-h',
      lab.address,
      '-p',
      String(lab.ports.redis),
      'shutdown',
      'nosave',
    ],
    { stdio: 'ignore' },
  );
  const second = cli(['--json', '--previous', join(dir, 'first.json')]);
  const r2 = JSON.parse(second.stdout) as ScanReport;
  assert.equal(r2.comparison!.findings.new, 0);
  assert.ok(r2.comparison!.findings.resolved >= 2, 'unauthenticated-redis and exposed-database resolved');
  assert.ok(r2.comparison!.resolved.some((f) => f.check === 'unauthenticated-redis'));
  assert.equal(r2.findings.find((f) => f.check === 'unauthenticated-redis')!.status, 'fixed');
  const ftp1 = r1.findings.find((f) => f.check === 'anonymous-ftp')!;
  const ftp2 = r2.findings.find((f) => f.check === 'anonymous-ftp')!;
  assert.equal(ftp2.firstSeen, ftp1.firstSeen);
  assert.equal(ftp2.status, 'open');
  assert.deepEqual(
    r2.comparison!.assets.vanished.map((a) => a.key),
    [`${lab.address}:6379/tcp`],
  );
  writeFileSync(join(dir, 'second.json'), second.stdout);
  const text = cli(['--previous', join(dir, 'second.json')]);
  assert.match(text.stdout, /前回の診断との比較/);
  assert.doesNotMatch(text.stdout, /Redisが認証なしで接続できます/);
});
