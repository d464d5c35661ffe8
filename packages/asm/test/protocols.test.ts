// Fingerprints and unauthenticated-access checks against protocol servers this test starts on 127.0.0.1:
// Memcached, MongoDB (OP_MSG), Elasticsearch (HTTP JSON) and SMTP with STARTTLS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { scanTargets, type ScanReport } from '../src/index.js';

type BsonValue = string | number | BsonValue[] | { [k: string]: BsonValue };
function bson(doc: Record<string, BsonValue>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(doc)) {
    const key = Buffer.from(`${k}\0`);
    if (typeof v === 'string') {
      const s = Buffer.from(`${v}\0`);
      const len = Buffer.alloc(4);
      len.writeInt32LE(s.length);
      parts.push(Buffer.from([0x02]), key, len, s);
    } else if (typeof v === 'number') {
      const d = Buffer.alloc(8);
      d.writeDoubleLE(v);
      parts.push(Buffer.from([0x01]), key, d);
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from([0x04]), key, bson(Object.fromEntries(v.map((x, i) => [String(i), x]))));
    } else parts.push(Buffer.from([0x03]), key, bson(v));
  }
  const body = Buffer.concat(parts);
  const len = Buffer.alloc(4);
  len.writeInt32LE(body.length + 5);
  return Buffer.concat([len, body, Buffer.from([0])]);
}
function opMsgReply(requestId: number, doc: Record<string, BsonValue>): Buffer {
  const body = bson(doc);
  const h = Buffer.alloc(21);
  h.writeInt32LE(21 + body.length, 0);
  h.writeInt32LE(99, 4);
  h.writeInt32LE(requestId, 8);
  h.writeInt32LE(2013, 12);
  return Buffer.concat([h, body]);
}

const servers: Array<{ close(): void }> = [];
const ports: Record<string, number> = {};
let dir = '';
let report: ScanReport;

function listen(name: string, onConn: (s: Socket) => void): Promise<void> {
  return new Promise((resolve) => {
    const srv: Server = createServer((s) => {
      s.on('error', () => {});
      onConn(s);
    });
    srv.listen(0, '127.0.0.1', () => {
      ports[name] = (srv.address() as { port: number }).port;
      servers.push(srv);
      resolve();
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asm-proto-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
      '-days',
      '30',
      '-subj',
      '/CN=mail.city.test',
    ],
    { stdio: 'ignore' },
  );
  await listen('memcached', (s) =>
    s.on('data', (d) => {
      const cmd = d.toString().trim();
      if (cmd === 'version') s.write('VERSION 1.6.21\r\n');
      else if (cmd === 'stats') s.write('STAT pid 1\r\nSTAT version 1.6.21\r\nEND\r\n');
      else s.write('ERROR\r\n');
    }),
  );
  await listen('mongodb', (s) =>
    s.on('data', (d) => {
      if (d.length < 21 || d.readInt32LE(12) !== 2013) return void s.destroy();
      const text = d.toString('latin1');
      const id = d.readInt32LE(4);
      if (text.includes('buildinfo')) s.write(opMsgReply(id, { version: '6.0.5', ok: 1 }));
      else if (text.includes('listDatabases'))
        s.write(opMsgReply(id, { databases: [{ name: 'citydb' }, { name: 'admin' }], ok: 1 }));
      else s.write(opMsgReply(id, { ok: 0, errmsg: 'no such command' }));
    }),
  );
  await listen('smtp', (s) => {
    s.write('220 mail.city.test ESMTP Postfix (Debian/GNU)\r\n');
    const onData = (d: Buffer): void => {
      const line = d.toString().trim().toUpperCase();
      if (line.startsWith('EHLO')) s.write('250-mail.city.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n');
      else if (line === 'STARTTLS') {
        s.off('data', onData);
        s.write('220 2.0.0 Ready to start TLS\r\n', () => {
          const t = new TLSSocket(s, {
            isServer: true,
            key: readFileSync(join(dir, 'k.pem')),
            cert: readFileSync(join(dir, 'c.pem')),
            minVersion: 'TLSv1.2',
          });
          t.on('error', () => {});
        });
      } else s.write('502 5.5.2 Error\r\n');
    };
    s.on('data', onData);
  });
  const upgrade = (s: Socket): void => {
    const t = new TLSSocket(s, {
      isServer: true,
      key: readFileSync(join(dir, 'k.pem')),
      cert: readFileSync(join(dir, 'c.pem')),
      minVersion: 'TLSv1.2',
    });
    t.on('error', () => {});
  };
  await listen('imap', (s) => {
    s.write('* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] Dovecot (Debian) ready.\r\n');
    const onData = (d: Buffer): void => {
      const line = d.toString().trim();
      if (/^a1 STARTTLS$/i.test(line)) {
        s.off('data', onData);
        s.write('a1 OK Begin TLS negotiation now.\r\n', () => upgrade(s));
      } else s.write(`${line.split(' ')[0]} BAD Error\r\n`);
    };
    s.on('data', onData);
  });
  await listen('pop3', (s) => {
    s.write('+OK Dovecot (Debian) ready.\r\n');
    const onData = (d: Buffer): void => {
      if (d.toString().trim().toUpperCase() === 'STLS') {
        s.off('data', onData);
        s.write('+OK Begin TLS negotiation now.\r\n', () => upgrade(s));
      } else s.write('-ERR Unknown command.\r\n');
    };
    s.on('data', onData);
  });
  await new Promise<void>((resolve) => {
    const es = createHttpServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/')
        res.end(
          JSON.stringify({
            name: 'node-1',
            cluster_name: 'city',
            version: { number: '7.17.9' },
            tagline: 'You Know, for Search',
          }),
        );
      else if (req.url?.startsWith('/_cat/indices')) res.end('[{"index":"residents"}]');
      else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    es.listen(0, '127.0.0.1', () => {
      ports.elasticsearch = (es.address() as { port: number }).port;
      servers.push(es);
      resolve();
    });
  });
  report = await scanTargets(['127.0.0.1'], {
    ports: Object.values(ports).join(','),
    udp: false,
    dns: false,
    bannerWaitMs: 300,
    timeoutMs: 1000,
  });
});

after(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

const svc = (name: string) => report.services.find((s) => s.port === ports[name])!;
const finding = (check: string, name: string) =>
  report.findings.find((f) => f.check === check && f.port === ports[name]);

test('Memcached: identified and reported as reachable without authentication', () => {
  assert.equal(svc('memcached').service, 'memcached');
  assert.equal(svc('memcached').version, '1.6.21');
  assert.match(finding('unauthenticated-memcached', 'memcached')!.evidence, /STAT version 1\.6\.21/);
});

test('MongoDB: version from buildinfo, databases listed without credentials', () => {
  assert.equal(svc('mongodb').product, 'MongoDB');
  assert.equal(svc('mongodb').version, '6.0.5');
  assert.match(finding('unauthenticated-mongodb', 'mongodb')!.evidence, /citydb/);
});

test('Elasticsearch: version from the root document, indices readable without credentials', () => {
  assert.equal(svc('elasticsearch').service, 'elasticsearch');
  assert.equal(svc('elasticsearch').version, '7.17.9');
  assert.match(finding('unauthenticated-elasticsearch', 'elasticsearch')!.evidence, /residents/);
});

test('SMTP with STARTTLS: product from the banner, TLS and certificate read after the upgrade', () => {
  const s = svc('smtp');
  assert.equal(s.service, 'smtp');
  assert.equal(s.product, 'Postfix smtpd');
  assert.equal(s.starttls, true);
  assert.ok(s.tlsInfo!.versions.includes('TLSv1.2'));
  assert.ok(!s.tlsInfo!.versions.includes('TLSv1'));
  assert.equal(s.tlsInfo!.cert!.subject, 'CN=mail.city.test');
  assert.ok(finding('cert-self-signed', 'smtp'));
});

test('IMAP and POP3 with STARTTLS/STLS: Dovecot identified, TLS read after the upgrade', () => {
  for (const name of ['imap', 'pop3']) {
    const s = svc(name);
    assert.equal(s.service, name);
    assert.equal(s.product, name === 'imap' ? 'Dovecot imapd' : 'Dovecot pop3d');
    assert.equal(s.starttls, true, name);
    assert.equal(s.tlsInfo!.cert!.subject, 'CN=mail.city.test');
  }
});
