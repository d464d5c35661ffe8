// Real templates from the shipped corpus, run by the engine against real servers on 127.0.0.1.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
import type { Server as TlsServer } from 'node:tls';
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer as createTcpServer } from 'node:net';
import type { Server as TcpServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  compileTemplate,
  loadCompiledTemplates,
  nodeTransport,
  runTemplate,
  templatesDataDir,
  ScopeRefusedError,
} from '../../src/templates/index.js';
import type { CompiledTemplate } from '../../src/templates/index.js';

const root = templatesDataDir();
const loopbackOnly = (host: string) => host === '127.0.0.1' || host === 'localhost';

function load(rel: string): CompiledTemplate {
  const r = compileTemplate(readFileSync(join(root, rel), 'utf8'), rel, { payloadRoot: root });
  assert.equal(r.status, 'compiled', `${rel}: ${r.reason}`);
  return r.template!;
}

function inline(yaml: string): CompiledTemplate {
  const r = compileTemplate(yaml, 'inline.yaml', { payloadRoot: root });
  assert.equal(r.status, 'compiled', r.reason);
  return r.template!;
}

let http: Server;
let base = '';
const seen: string[] = [];

function handler(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    seen.push(`${req.method} ${req.url}`);
    const url = req.url ?? '/';
    if (url === '/wp-content/plugins/astra-widgets/readme.txt') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('=== Astra Widgets ===\nStable tag: 1.2.9\nRequires at least: 5.0\n');
    } else if (url === '/login/' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<title>Sign In - Airflow</title><input name="_csrf_token" type="hidden" value="tok123">');
    } else if (url === '/login/' && req.method === 'POST') {
      const ok = body === 'username=airflow&password=airflow&_csrf_token=tok123';
      if (ok) {
        res.writeHead(302, { Location: '/', 'Set-Cookie': 'session=.abc; Path=/' });
        res.end('You should be redirected automatically to target URL: <a href="/">/</a>');
      } else {
        res.writeHead(200);
        res.end('bad login');
      }
    } else if (url === '/') {
      res.writeHead(200, { Server: 'Apache/2.4.57 (Debian)', 'Content-Type': 'text/html' });
      res.end('<html><head><meta name=generator content="Hugo 0.111.3"></head></html>');
    } else if (url === '/redir') {
      res.writeHead(302, { Location: '/final', 'Set-Cookie': 'sid=42; Path=/' });
      res.end();
    } else if (url === '/final') {
      res.writeHead(200);
      res.end('final page');
    } else if (url === '/whoami') {
      res.writeHead(200);
      res.end(`cookie: ${req.headers.cookie ?? ''}`);
    } else if (url === '/away') {
      res.writeHead(302, { Location: 'http://evil.example/steal' });
      res.end();
    } else if (url === '/big') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('a'.repeat(3 * 1024 * 1024) + 'NEEDLE');
    } else if (url === '/chunked-bomb') {
      // Announces a 4 GiB chunk and keeps sending: the client must stop at its body limit.
      res.socket!.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\n');
      const block = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 64 * 1024 * 1024 && res.socket && !res.socket.destroyed) {
          sent += block.length;
          if (!res.socket.write(block)) return void res.socket.once('drain', pump);
        }
      };
      pump();
      return;
    } else if (url === '/slow') {
      // Never answers: the engine must give up on its own.
      return;
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });
}

before(async () => {
  http = createServer(handler);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
after(() => {
  http.closeAllConnections();
  http.close();
});

const opts = () => ({ transport: nodeTransport(), scope: loopbackOnly, timeoutMs: 3000 });

describe('http templates from the corpus', () => {
  it('detects a version with extractors, payload file and compare_versions (wordpress plugin)', async () => {
    const t = load('http/technologies/wordpress/plugins/astra-widgets.yaml');
    const r = await runTemplate(t, base, opts());
    assert.equal(r.matched, true, JSON.stringify(r));
    assert.deepEqual(r.matches[0]!.extracted, ['1.2.9']);
    assert.ok(
      r.matches[0]!.matcherNames.includes('outdated_version'),
      'outdated: 1.2.9 < ' +
        readFileSync(join(root, 'helpers/wordpress/plugins/astra-widgets.txt'), 'utf8').trim(),
    );
  });

  it('extracts a header value (kval) and matches a header regex (apache-detect)', async () => {
    const t = load('http/technologies/apache/apache-detect.yaml');
    const r = await runTemplate(t, base, opts());
    assert.equal(r.matched, true);
    assert.deepEqual(r.matches[0]!.extracted, ['Apache/2.4.57 (Debian)']);
  });

  it('regex extractor with a group (hugo-detect)', async () => {
    const r = await runTemplate(load('http/technologies/hugo-detect.yaml'), base, opts());
    assert.deepEqual(r.matches[0]?.extracted, ['0.111.3']);
  });

  it('multi-step raw login: internal extractor feeds the next request, dsl on body_1/status_code_2', async () => {
    seen.length = 0;
    const t = load('http/default-logins/apache/airflow-default-login.yaml');
    const r = await runTemplate(t, base, opts());
    assert.equal(r.matched, true, JSON.stringify(r));
    assert.deepEqual(seen, ['GET /login/', 'POST /login/']);
  });

  it('does not match when the login fails', async () => {
    const t = inline(
      readFileSync(join(root, 'http/default-logins/apache/airflow-default-login.yaml'), 'utf8').replace(
        /password:\n(\s+)- airflow/,
        'password:\n$1- wrong',
      ),
    );
    const r = await runTemplate(t, base, opts());
    assert.equal(r.matched, false);
  });

  it('negative matcher and status, or/and conditions', async () => {
    const t = inline(`
id: neg-test
info: { name: n, severity: info }
http:
  - method: GET
    path: ["{{BaseURL}}/nope", "{{BaseURL}}/"]
    matchers-condition: and
    matchers:
      - type: status
        status: [200]
      - type: word
        words: ["not found"]
        negative: true
      - type: word
        part: header
        case-insensitive: true
        words: ["APACHE/2.4", "x-missing"]
        condition: or
`);
    const r = await runTemplate(t, base, opts());
    assert.equal(r.matches.length, 1);
    assert.match(r.matches[0]!.matchedAt, /\/$/);
  });

  it('refuses targets outside scope and sends nothing', async () => {
    seen.length = 0;
    const t = load('http/technologies/apache/apache-detect.yaml');
    const r = await runTemplate(t, base, { ...opts(), scope: () => false });
    assert.equal(r.matched, false);
    assert.deepEqual(r.refused, [`127.0.0.1:${new URL(base).port}`]);
    assert.deepEqual(seen, []);
  });

  it('a scope guard decision object is honoured (pinned address)', async () => {
    const t = load('http/technologies/apache/apache-detect.yaml');
    const target = base.replace('127.0.0.1', 'app.test');
    const r = await runTemplate(t, target, {
      ...opts(),
      scope: (host) => ({ allowed: host === 'app.test', addresses: ['127.0.0.1'] }),
    });
    assert.equal(r.matched, true);
  });

  it('bounds response size and time', async () => {
    const t = inline(`
id: limits
info: { name: l, severity: info }
http:
  - method: GET
    path: ["{{BaseURL}}/big", "{{BaseURL}}/slow"]
    matchers:
      - type: word
        words: ["NEEDLE"]
`);
    const started = Date.now();
    const r = await runTemplate(t, base, { ...opts(), timeoutMs: 500, maxBodyBytes: 1024 * 1024 });
    assert.equal(r.matched, false, 'body beyond the limit is not read');
    assert.ok(Date.now() - started < 5000);
    assert.ok(
      r.errors.some((e) => /timeout/.test(e)),
      JSON.stringify(r.errors),
    );
  });

  it('a chunked body announcing 4 GiB stops at the body limit', async () => {
    const t = inline(`
id: chunk
info: { name: c, severity: info }
http:
  - method: GET
    path: ["{{BaseURL}}/chunked-bomb"]
    matchers:
      - type: dsl
        dsl: ["len(body) == 65536"]
`);
    const r = await runTemplate(t, base, { ...opts(), maxBodyBytes: 65536 });
    assert.equal(r.matched, true, JSON.stringify(r.errors));
  });

  it('a catastrophic-backtracking regex runs in linear time', async () => {
    const t = inline(`
id: redos
info: { name: r, severity: info }
http:
  - method: GET
    path: ["{{BaseURL}}/big"]
    max-size: 200000
    matchers:
      - type: regex
        regex: ["(a+)+b"]
`);
    const started = Date.now();
    const r = await runTemplate(t, base, opts());
    assert.equal(r.matched, false);
    assert.ok(Date.now() - started < 5000);
  });
});

describe('unresolved variables, randstr, payload markers, annotations', () => {
  it('a request whose {{token}} was never extracted is not sent', async () => {
    seen.length = 0;
    const t = inline(`
id: unresolved
info: { name: u, severity: high }
http:
  - raw:
      - |
        GET /final HTTP/1.1
        Host: {{Hostname}}
    extractors:
      - type: regex
        name: token
        internal: true
        group: 1
        regex: ['token=([a-z]+)']
  - raw:
      - |
        @timeout: 2s
        GET /x?t={{token}}&r={{randstr}}&p={{p}} HTTP/1.1
        Host: {{Hostname}}
    payloads:
      p: ["{{Host}}.zip"]
    matchers:
      - type: status
        status: [404]
`);
    const r = await runTemplate(t, base, opts());
    assert.equal(r.matched, false);
    assert.deepEqual(seen, ['GET /final']);
    assert.ok(r.errors.some((e) => /unresolved variable token/.test(e)));
    const t2 = inline(`
id: resolved
info: { name: r, severity: info }
http:
  - raw:
      - |
        @timeout: 2s
        GET /x?r={{randstr}}&p={{p}} HTTP/1.1
        Host: {{Hostname}}
    payloads:
      p: ["{{Host}}.zip"]
    matchers:
      - type: status
        status: [404]
`);
    seen.length = 0;
    const r2 = await runTemplate(t2, base, opts());
    assert.equal(r2.matched, true, JSON.stringify(r2));
    assert.match(seen[0]!, /^GET \/x\?r=[A-Za-z0-9]{27}&p=127\.0\.0\.1\.zip$/);
  });
});

describe('limits on hostile templates', () => {
  it('a payload explosion stops at the request limit and says so', async () => {
    seen.length = 0;
    const many = Array.from({ length: 100 }, (_, i) => `v${i}`).join(', ');
    const t = inline(`
id: explode
info: { name: e, severity: info }
http:
  - raw:
      - |
        GET /{{a}}/{{b}}/{{c}} HTTP/1.1
        Host: {{Hostname}}
    attack: clusterbomb
    payloads:
      a: [${many}]
      b: [${many}]
      c: [${many}]
    matchers:
      - type: status
        status: [999]
`);
    const r = await runTemplate(t, base, { ...opts(), maxRequests: 25 });
    assert.equal(r.requests, 25);
    assert.equal(seen.length, 25);
    assert.ok(r.errors.some((e) => /request limit of 25/.test(e)));
  });
});

describe('redirects and cookies', () => {
  it('follows redirects, reuses cookies, and a redirect out of scope is refused', async () => {
    const t = inline(`
id: redir
info: { name: r, severity: info }
http:
  - method: GET
    path: ["{{BaseURL}}/redir", "{{BaseURL}}/whoami", "{{BaseURL}}/away"]
    redirects: true
    max-redirects: 3
    matchers:
      - type: word
        words: ["final page", "sid=42"]
`);
    const r = await runTemplate(t, base, opts());
    assert.deepEqual(
      r.matches.map((m) => new URL(m.matchedAt).pathname),
      ['/final', '/whoami'],
    );
    assert.deepEqual(r.refused, ['evil.example:80']);
  });
});

describe('raw request template with payloads (clusterbomb) and stop-at-first-match', () => {
  it('sends each combination until the first match', async () => {
    seen.length = 0;
    const t = inline(`
id: raw-cb
info: { name: raw, severity: low }
http:
  - raw:
      - |
        GET /{{dir}}/{{file}} HTTP/1.1
        Host: {{Hostname}}
    attack: clusterbomb
    payloads:
      dir: [a, wp-content]
      file: [x, "plugins/astra-widgets/readme.txt"]
    stop-at-first-match: true
    matchers:
      - type: dsl
        dsl:
          - 'status_code == 200 && contains(to_lower(body), "stable tag") && len(body) > 10'
`);
    const r = await runTemplate(t, base, opts());
    assert.equal(r.matched, true);
    assert.deepEqual(seen, [
      'GET /a/x',
      'GET /a/plugins/astra-widgets/readme.txt',
      'GET /wp-content/x',
      'GET /wp-content/plugins/astra-widgets/readme.txt',
    ]);
  });
});

// ---------------------------------------------------------------- dns

interface FakeAnswer {
  type: number;
  rdata: Buffer;
}

const dnsName = (n: string) =>
  Buffer.concat([
    ...n.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);

/** A tiny authoritative responder: answers from `zone(name, type)`. */
function dnsResponder(
  zone: (name: string, type: number) => { rcode: number; answers: FakeAnswer[] },
): Promise<{ sock: UdpSocket; port: number }> {
  const sock = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    let p = 12;
    const labels: string[] = [];
    while (msg[p]! !== 0) {
      labels.push(msg.subarray(p + 1, p + 1 + msg[p]!).toString());
      p += msg[p]! + 1;
    }
    const qtype = msg.readUInt16BE(p + 1);
    const qEnd = p + 5;
    const { rcode, answers } = zone(labels.join('.'), qtype);
    const header = Buffer.from(msg.subarray(0, 12));
    header.writeUInt16BE(0x8180 | rcode, 2);
    header.writeUInt16BE(answers.length, 6);
    const rrs = answers.map((a) => {
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0);
      rr.writeUInt16BE(a.type, 2);
      rr.writeUInt16BE(1, 4);
      rr.writeUInt32BE(300, 6);
      rr.writeUInt16BE(a.rdata.length, 10);
      return Buffer.concat([rr, a.rdata]);
    });
    sock.send(Buffer.concat([header, msg.subarray(12, qEnd), ...rrs]), rinfo.port, rinfo.address);
  });
  return new Promise((resolve) =>
    sock.bind(0, '127.0.0.1', () => resolve({ sock, port: sock.address().port })),
  );
}

const caaZone = () => ({
  rcode: 0,
  answers: [
    {
      type: 257,
      rdata: Buffer.concat([Buffer.from([0, 5]), Buffer.from('issue'), Buffer.from('letsencrypt.org')]),
    },
  ],
});

describe('dns template', () => {
  it('azure-takeover-detection: NXDOMAIN behind a CNAME to a deleted Azure app (dangling CNAME)', async () => {
    const { sock, port } = await dnsResponder((name) =>
      name === 'old.example.lg.jp'
        ? { rcode: 3, answers: [{ type: 5, rdata: dnsName('gone-app.azurewebsites.net') }] }
        : { rcode: 0, answers: [{ type: 1, rdata: Buffer.from([192, 0, 2, 1]) }] },
    );
    try {
      const t = load('dns/azure-takeover-detection.yaml');
      const run = (target: string) =>
        runTemplate(t, target, {
          transport: nodeTransport({ dnsServer: { host: '127.0.0.1', port } }),
          scope: (h) => h.endsWith('example.lg.jp'),
          timeoutMs: 2000,
        });
      const hit = await run('old.example.lg.jp');
      assert.equal(hit.matched, true, JSON.stringify(hit));
      const fine = await run('www.example.lg.jp');
      assert.equal(fine.matched, false);
    } finally {
      sock.close();
    }
  });

  it('caa-fingerprint against a DNS responder on 127.0.0.1', async () => {
    const { sock, port } = await dnsResponder(caaZone);
    try {
      const t = load('dns/caa-fingerprint.yaml');
      const r = await runTemplate(t, 'example.lg.jp', {
        transport: nodeTransport({ dnsServer: { host: '127.0.0.1', port } }),
        scope: (h) => h === 'example.lg.jp',
        timeoutMs: 2000,
      });
      assert.equal(r.matched, true, JSON.stringify(r));
      assert.deepEqual(r.matches[0]!.extracted, ['letsencrypt.org']);
      const refused = await runTemplate(t, 'other.example', {
        transport: nodeTransport({ dnsServer: { host: '127.0.0.1', port } }),
        scope: (h) => h === 'example.lg.jp',
      });
      assert.equal(refused.matched, false);
      assert.deepEqual(refused.refused, ['other.example:53']);
    } finally {
      sock.close();
    }
  });
});

// ---------------------------------------------------------------- ssl

describe('ssl templates against a local TLS server', () => {
  let dir = '';
  let tls: TlsServer;
  let port = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mamori-tls-'));
    // A self-signed certificate valid 2020-01-01 .. 2021-01-01 (openssl ca accepts explicit start/end dates).
    const cnf = [
      '[ca]',
      'default_ca = lab',
      '[lab]',
      `database = ${join(dir, 'index.txt')}`,
      `new_certs_dir = ${dir}`,
      `serial = ${join(dir, 'serial')}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      'organizationName = optional',
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'CN = expired.lab.test',
      'O = Mamori Lab',
    ].join('\n');
    writeFileSync(join(dir, 'ca.cnf'), cnf);
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '01\n');
    const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    run([
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'req.csr'),
      '-config',
      join(dir, 'ca.cnf'),
    ]);
    run([
      'ca',
      '-batch',
      '-config',
      join(dir, 'ca.cnf'),
      '-selfsign',
      '-keyfile',
      join(dir, 'key.pem'),
      '-in',
      join(dir, 'req.csr'),
      '-out',
      join(dir, 'cert.pem'),
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20210101000000Z',
      '-notext',
    ]);
    tls = createTlsServer(
      {
        key: readFileSync(join(dir, 'key.pem')),
        cert: readFileSync(join(dir, 'cert.pem')),
        minVersion: 'TLSv1.2',
      },
      (s) => s.end(),
    );
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    port = (tls.address() as AddressInfo).port;
  });
  after(() => {
    tls.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('expired-ssl, self-signed-ssl and detect-ssl-issuer match; not_after extracted', async () => {
    const target = `127.0.0.1:${port}`;
    const expired = await runTemplate(load('ssl/expired-ssl.yaml'), target, opts());
    assert.equal(expired.matched, true, JSON.stringify(expired));
    assert.deepEqual(expired.matches[0]!.extracted, ['2021-01-01T00:00:00.000Z']);
    const self = await runTemplate(load('ssl/self-signed-ssl.yaml'), target, opts());
    assert.equal(self.matched, true);
    const issuer = await runTemplate(load('ssl/detect-ssl-issuer.yaml'), target, opts());
    assert.ok(
      issuer.matches.some((m) =>
        m.extracted.some((e) => e.includes('Mamori Lab') || e.includes('expired.lab.test')),
      ),
      JSON.stringify(issuer),
    );
  });

  it('deprecated-tls finds TLS 1.0 and 1.1 on a server that still offers them', async () => {
    const old = createTlsServer(
      {
        key: readFileSync(join(dir, 'key.pem')),
        cert: readFileSync(join(dir, 'cert.pem')),
        minVersion: 'TLSv1',
        maxVersion: 'TLSv1.2',
        ciphers: 'ALL:@SECLEVEL=0',
      },
      (s) => s.end(),
    );
    await new Promise<void>((r) => old.listen(0, '127.0.0.1', r));
    try {
      const p = (old.address() as AddressInfo).port;
      const r = await runTemplate(load('ssl/deprecated-tls.yaml'), `127.0.0.1:${p}`, opts());
      assert.deepEqual(r.matches.flatMap((m) => m.extracted).sort(), ['tls10', 'tls11']);
      const modern = await runTemplate(load('ssl/deprecated-tls.yaml'), `127.0.0.1:${port}`, opts());
      assert.equal(modern.matched, false);
    } finally {
      old.close();
    }
  });

  it('tls-version reports only the versions the server accepts', async () => {
    const r = await runTemplate(load('ssl/tls-version.yaml'), `127.0.0.1:${port}`, opts());
    const versions = r.matches.flatMap((m) => m.extracted).sort();
    assert.deepEqual(versions, ['tls12', 'tls13']);
  });
});

// ---------------------------------------------------------------- network

describe('network template', () => {
  let srv: TcpServer;
  let port = 0;
  before(async () => {
    srv = createTcpServer((s) => {
      s.on('data', (d) => {
        if (/info/i.test(d.toString()))
          s.end('$200\r\n# Server\r\nredis_version:6.0.16\r\nredis_mode:standalone\r\n');
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as AddressInfo).port;
  });
  after(() => srv.close());

  it('a template port list is tried port by port when the target names no port', async () => {
    const closed = await new Promise<number>((resolve) => {
      const tmp = createTcpServer();
      tmp.listen(0, '127.0.0.1', () => {
        const p = (tmp.address() as AddressInfo).port;
        tmp.close(() => resolve(p));
      });
    });
    const t = inline(`
id: ports
info: { name: p, severity: info }
tcp:
  - inputs:
      - data: "INFO\\r\\n"
    host: ["{{Hostname}}"]
    port: ${closed},${port}
    matchers:
      - type: word
        words: ["redis_version"]
`);
    const r = await runTemplate(t, '127.0.0.1', { ...opts(), timeoutMs: 800 });
    assert.equal(r.matched, true, JSON.stringify(r));
    assert.equal(r.matches[0]!.matchedAt, `127.0.0.1:${port}`);
    assert.ok(r.errors.some((e) => /ECONNREFUSED/.test(e)));
  });

  it('unauthenticated redis (network/exposures) matches and extracts', async () => {
    const t = load('network/exposures/exposed-redis.yaml');
    const r = await runTemplate(t, `127.0.0.1:${port}`, { ...opts(), timeoutMs: 800 });
    assert.equal(r.matched, true, JSON.stringify(r));
  });
});

describe('selection and classification', () => {
  it('loadCompiledTemplates filters by tag/severity and leaves out self-contained ones', () => {
    const ts = loadCompiledTemplates(
      [join(root, 'http/technologies/apache')],
      { tags: ['apache'], severities: ['info'] },
      { payloadRoot: root },
    );
    assert.ok(ts.length >= 5);
    assert.ok(
      ts.every((t) => t.info.severity === 'info' && t.info.tags.includes('apache') && !t.selfContained),
    );
    assert.ok(ts.some((t) => t.id === 'apache-detect'));
  });

  it('matches carry CVE ids and CVSS from the template classification', async () => {
    const t = inline(`
id: cls
info:
  name: c
  severity: critical
  tags: cve,demo
  classification:
    cve-id: CVE-2021-41773
    cvss-score: 7.5
http:
  - path: ["{{BaseURL}}/"]
    matchers: [{ type: word, part: header, words: ["Apache/2.4"] }]
`);
    const r = await runTemplate(t, base, opts());
    assert.deepEqual(r.matches[0]!.cves, ['CVE-2021-41773']);
    assert.equal(r.matches[0]!.cvssScore, 7.5);
    assert.deepEqual(r.matches[0]!.tags, ['cve', 'demo']);
  });
});

describe('unsupported and hostile templates', () => {
  it('reports reasons instead of failing', () => {
    const oob = compileTemplate(readFileSync(join(root, 'http/cves/2019/CVE-2019-6799.yaml'), 'utf8'), 'x', {
      payloadRoot: root,
    });
    assert.equal(oob.status, 'unsupported');
    assert.match(oob.reason!, /interactsh/);
    const code = compileTemplate('id: c\ninfo: {name: c}\ncode:\n  - engine: [sh]\n    source: id\n', 'c');
    assert.equal(code.status, 'unsupported');
    const bad = compileTemplate(
      'id: b\nhttp:\n  - path: ["{{BaseURL}}"]\n    matchers:\n      - type: regex\n        regex: ["(?<=x)y"]\n',
      'b',
    );
    assert.equal(bad.status, 'error');
    const junk = compileTemplate(': : :\n\t- [', 'j');
    assert.equal(junk.status, 'error');
    const fn = compileTemplate(
      'id: f\nhttp:\n  - path: ["{{BaseURL}}"]\n    matchers:\n      - type: dsl\n        dsl: ["nosuch(body)"]\n',
      'f',
    );
    assert.equal(fn.status, 'unsupported');
    assert.match(fn.reason!, /nosuch/);
  });

  it('ScopeRefusedError is exported for callers', () => {
    assert.equal(new ScopeRefusedError('h', 1).message, 'out of scope: h:1');
  });
});
