// VPN appliance portal detection and KEV matching, against an HTTP server this test starts on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { scanTargets, type VulnLookup } from '../src/index.js';

test('a FortiGate-like SSL-VPN portal is identified and its KEV version reported as critical', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(302, { Location: '/remote/login?lang=en', Server: 'xxxxxxxx-xxxxx' });
      return res.end();
    }
    if (req.url?.startsWith('/remote/login')) {
      res.writeHead(200, { 'Content-Type': 'text/html', Server: 'xxxxxxxx-xxxxx' });
      return res.end(
        '<html><head><title>SSL VPN</title><script>var fgt_lang = {};</script></head><body><!-- FortiOS v7.2.4 --><form action="/remote/logincheck"><input type="password" name="credential"></form></body></html>',
      );
    }
    res.writeHead(404);
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const asked: string[] = [];
  const lookup: VulnLookup = (q) => {
    asked.push(`${q.vendor}|${q.version}`);
    return q.vendor === 'Fortinet' && q.version === '7.2.4'
      ? [{ cve: 'CVE-2024-21762', kev: true, cvss: 9.8, certainty: 'certain' }]
      : [];
  };
  try {
    const r = await scanTargets(['127.0.0.1'], {
      ports: String(port),
      udp: false,
      dns: false,
      vulnLookup: lookup,
      bannerWaitMs: 300,
    });
    const svc = r.services.find((s) => s.port === port)!;
    assert.equal(svc.service, 'http');
    assert.deepEqual(svc.http!.redirects, [`http://127.0.0.1:${port}/remote/login?lang=en`]);
    const app = svc.http!.appliances[0]!;
    assert.equal(app.product, 'Fortinet FortiGate SSL VPN');
    assert.equal(app.version, '7.2.4');
    assert.equal(app.cpe, 'cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*');
    const kev = r.findings.find((f) => f.check === 'kev-appliance')!;
    assert.equal(kev.severity, 'critical');
    assert.equal(kev.kev, true);
    assert.deepEqual(kev.cves, ['CVE-2024-21762']);
    assert.ok(asked.includes('Fortinet|7.2.4'));
    assert.ok(r.findings.some((f) => f.check === 'exposed-admin-login' || f.check === 'kev-appliance'));
  } finally {
    server.close();
  }
});

test('a portal whose version is not in KEV is reported as an exposed appliance, not as KEV', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(
      '<html><head><title>GlobalProtect Portal</title></head><body><a href="/global-protect/login.esp">login</a></body></html>',
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const r = await scanTargets(['127.0.0.1'], {
      ports: String(port),
      udp: false,
      dns: false,
      vulnLookup: () => [],
      bannerWaitMs: 300,
    });
    assert.ok(!r.findings.some((f) => f.check === 'kev-appliance'));
    const f = r.findings.find((x) => x.check === 'vpn-appliance-exposed')!;
    assert.match(f.evidence, /Palo Alto GlobalProtect \(version not disclosed\)/);
  } finally {
    server.close();
  }
});

test('known vulnerabilities of an identified version: highest CVSS, KEV raises severity, potential matches say so', async () => {
  const { CheckContext, loadChecks, vulnChecks } = await import('../src/index.js');
  const ctx = new CheckContext(loadChecks(), 'ja');
  const svc = {
    host: 'www.a.jp',
    address: '192.0.2.1',
    port: 22,
    transport: 'tcp' as const,
    service: 'ssh',
    product: 'OpenSSH',
    version: '9.2p1',
    cpe: 'cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*',
    tls: false,
  };
  const seen: string[] = [];
  const obs = vulnChecks(ctx, svc, (q) => {
    seen.push(`${q.vendor}:${q.product}:${q.version}`);
    return [
      { cve: 'CVE-2023-38408', kev: false, cvss: 9.8, certainty: 'potential' },
      { cve: 'CVE-2024-6387', kev: true, cvss: 8.1, certainty: 'potential' },
    ];
  });
  assert.deepEqual(seen, ['openbsd:openssh:9.2p1']);
  assert.equal(obs.length, 1);
  assert.equal(obs[0]!.cvss, 9.8);
  assert.equal(obs[0]!.kev, true);
  assert.match(obs[0]!.evidence, /CVE-2024-6387 \[KEV\] 8\.1 \(potential\)/);
  assert.equal(
    vulnChecks(ctx, { ...svc, version: '' }, () => [{ cve: 'x', kev: true, certainty: 'certain' }]).length,
    0,
  );
  assert.equal(vulnChecks(ctx, svc, undefined).length, 0);
});

test('a redirect that leaves the scope is recorded, refused and logged, never followed', async () => {
  const server = createServer((_req, res) => {
    res.writeHead(301, { Location: 'https://192.0.2.55/login' });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const r = await scanTargets(['127.0.0.1'], {
      ports: String(port),
      udp: false,
      dns: false,
      bannerWaitMs: 300,
    });
    const http = r.services.find((s) => s.port === port)!.http!;
    assert.equal(http.offScopeRedirect, 'https://192.0.2.55/login');
    assert.equal(http.status, 301);
    assert.ok(r.refused.some((x) => x.target === '192.0.2.55' && x.port === 443));
  } finally {
    server.close();
  }
});
