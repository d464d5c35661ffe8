// The data files load, validate and mean what they say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadChecks,
  loadTcpProbes,
  loadUdpProbes,
  loadWebMarkers,
  loadTechDb,
  matchReply,
  parsePortSpec,
  loadPortFile,
  decoders,
} from '../src/index.js';

test('port lists: 100 and 1000 distinct valid ports; specs parse; bad specs are clear errors', () => {
  const top100 = parsePortSpec('top100');
  const top1000 = parsePortSpec('top1000');
  assert.equal(top100.length, 100);
  assert.equal(top1000.length, 1000);
  assert.deepEqual(top1000.slice(0, 100), top100, 'top1000 starts with top100');
  for (const p of [80, 443, 22, 3389, 445, 6379, 8443]) assert.ok(top100.includes(p));
  assert.equal(parsePortSpec('all').length, 65535);
  assert.deepEqual(parsePortSpec('22,80,8000-8002'), [22, 80, 8000, 8001, 8002]);
  assert.throws(() => parsePortSpec('80,abc'), /bad port list item/);
  assert.throws(() => parsePortSpec('90-80'), /bad port range/);
  assert.throws(() => parsePortSpec('70000'), /bad port range/);
  const dir = mkdtempSync(join(tmpdir(), 'asm-ports-'));
  writeFileSync(join(dir, 'p.txt'), '80\n# comment\nsmtp\n');
  assert.throws(() => loadPortFile(join(dir, 'p.txt')), /p\.txt:3: not a port/);
});

const banners: Array<
  [string, string, Partial<{ service: string; product: string; version: string; cpe: string }>]
> = [
  [
    'banner',
    'SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u3\r\n',
    {
      service: 'ssh',
      product: 'OpenSSH',
      version: '8.4p1',
      cpe: 'cpe:2.3:a:openbsd:openssh:8.4p1:*:*:*:*:*:*:*',
    },
  ],
  [
    'banner',
    'SSH-2.0-dropbear_2020.81\r\n',
    { service: 'ssh', product: 'Dropbear sshd', version: '2020.81' },
  ],
  ['banner', '220 (vsFTPd 3.0.3)\r\n', { service: 'ftp', product: 'vsftpd', version: '3.0.3' }],
  [
    'banner',
    '220 ProFTPD 1.3.6 Server (Debian) [::ffff:10.0.0.1]\r\n',
    { service: 'ftp', product: 'ProFTPD', version: '1.3.6' },
  ],
  ['banner', '220 Microsoft FTP Service\r\n', { service: 'ftp', product: 'Microsoft ftpd' }],
  [
    'banner',
    '220 mail.city.example.lg.jp ESMTP Postfix (Debian/GNU)\r\n',
    { service: 'smtp', product: 'Postfix smtpd' },
  ],
  [
    'banner',
    '220 mx.example.jp ESMTP Exim 4.96 Mon, 01 Jan 2024\r\n',
    { service: 'smtp', product: 'Exim smtpd', version: '4.96' },
  ],
  [
    'banner',
    '220 EXCH01.example.local Microsoft ESMTP MAIL Service ready\r\n',
    { service: 'smtp', product: 'Microsoft Exchange smtpd' },
  ],
  ['banner', '+OK Dovecot (Debian) ready.\r\n', { service: 'pop3', product: 'Dovecot pop3d' }],
  [
    'banner',
    '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.\r\n',
    { service: 'imap', product: 'Dovecot imapd' },
  ],
  ['banner', 'RFB 003.008\n', { service: 'vnc', product: 'VNC', version: 'protocol 003.008' }],
  ['banner', '\xff\xfd\x18\xff\xfd\x20', { service: 'telnet' }],
  [
    'banner',
    '\x5b\x00\x00\x00\x0a8.0.35\x00\x08\x00\x00\x00',
    { service: 'mysql', product: 'MySQL', version: '8.0.35' },
  ],
  [
    'banner',
    '\x59\x00\x00\x00\x0a5.5.5-10.11.6-MariaDB-0+deb12u1\x00',
    {
      service: 'mysql',
      product: 'MariaDB',
      version: '10.11.6',
      cpe: 'cpe:2.3:a:mariadb:mariadb:10.11.6:*:*:*:*:*:*:*',
    },
  ],
  [
    'http-get',
    'HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 (Debian)\r\n\r\n<html>',
    { service: 'http', product: 'Apache httpd', version: '2.4.57' },
  ],
  [
    'http-get',
    'HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nServer: Microsoft-IIS/10.0\r\n\r\n',
    { service: 'http', product: 'Microsoft IIS httpd', version: '10.0' },
  ],
  [
    'http-get',
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"name":"n1","cluster_name":"es","version":{"number":"7.17.9"},"tagline":"You Know, for Search"}',
    { service: 'elasticsearch', product: 'Elasticsearch', version: '7.17.9' },
  ],
  ['http-get', 'HTTP/1.0 200 OK\r\n\r\nhello', { service: 'http', product: '' }],
  ['redis', '-NOAUTH Authentication required.\r\n', { service: 'redis', product: 'Redis key-value store' }],
  ['memcached', 'VERSION 1.6.21\r\n', { service: 'memcached', product: 'Memcached', version: '1.6.21' }],
  [
    'postgresql',
    'E\x00\x00\x00\x64SFATAL\x00VFATAL\x00C28000\x00Mno pg_hba.conf entry\x00\x00',
    { service: 'postgresql', product: 'PostgreSQL DB' },
  ],
  [
    'rdp',
    '\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x1f\x08\x00\x02\x00\x00\x00',
    { service: 'ms-wbt-server' },
  ],
  ['ldap-bind', '\x30\x0c\x02\x01\x01\x61\x07\x0a\x01\x00\x04\x00\x04\x00', { service: 'ldap' }],
];

test('TCP probe set: compiles, every probe is reachable, and sample replies are identified', () => {
  const probes = loadTcpProbes();
  const byName = new Map(probes.map((p) => [p.name, p]));
  for (const [probe, reply, want] of banners) {
    const p = byName.get(probe);
    assert.ok(p, probe);
    const got = matchReply(p, Buffer.from(reply, 'latin1'));
    assert.ok(got, `no match for ${JSON.stringify(reply.slice(0, 40))}`);
    for (const [k, v] of Object.entries(want))
      assert.equal(
        (got as unknown as Record<string, string>)[k],
        v,
        `${k} of ${JSON.stringify(reply.slice(0, 40))}`,
      );
  }
  assert.equal(matchReply(byName.get('banner')!, Buffer.from('garbage')), null);
});

test('binary decoders: MSSQL, SMB2 dialect, DNS version', () => {
  const mssql = Buffer.from(
    '0401002500000100' + '000006000601' + '000c0001' + 'ff' + '0f0010c2' + '0000' + '00',
    'hex',
  );
  // VERSION option at offset 11 from byte 8 → 15.0.4290
  const m = Buffer.alloc(30);
  m.set([0x04, 0x01, 0x00, 0x1e, 0, 0, 1, 0]);
  m.set([0x00, 0x00, 0x0b, 0x00, 0x06, 0xff], 8);
  m.set([0x0f, 0x00, 0x10, 0xc2, 0, 0], 19);
  assert.deepEqual(decoders['mssql-version']!(m), { version: '15.0.4290' });
  assert.ok(mssql.length > 0);
  const smb = Buffer.alloc(80);
  smb.write('\xfeSMB', 4, 'latin1');
  smb.writeUInt16LE(0x0311, 72);
  assert.deepEqual(decoders['smb2-dialect']!(smb), { version: 'dialect 3.1.1' });
});

test('UDP probes, web markers and the fingerprint file load', () => {
  const udp = loadUdpProbes();
  assert.deepEqual(udp.map((p) => p.name).sort(), ['dns', 'ike', 'netbios-ns', 'ntp', 'snmp', 'ssdp']);
  assert.equal(udp.find((p) => p.name === 'ike')!.payload.length, 84);
  assert.equal(udp.find((p) => p.name === 'snmp')!.payload.length, 43);
  assert.equal(udp.find((p) => p.name === 'ntp')!.payload.length, 48);
  const markers = loadWebMarkers();
  assert.deepEqual(markers.map((m) => m.vendor).sort(), [
    'Citrix',
    'Fortinet',
    'Ivanti',
    'Palo Alto Networks',
  ]);
  const db = loadTechDb();
  assert.ok(db.techs.length >= 20);
  assert.equal(db.skippedPatterns, 0);
  const dir = mkdtempSync(join(tmpdir(), 'asm-tech-'));
  writeFileSync(join(dir, 'bad.json'), '{nope');
  assert.throws(() => loadTechDb(join(dir, 'bad.json')), /cannot read fingerprint file/);
  // A full Wappalyzer file may hold patterns RE2 rejects (lookahead): skipped and counted, never run.
  writeFileSync(
    join(dir, 'x.json'),
    JSON.stringify({ A: { cats: [1], html: '(?=x)y' }, B: { cats: [1], html: 'ok' } }),
  );
  const x = loadTechDb(join(dir, 'x.json'));
  assert.equal(x.skippedPatterns, 1);
  assert.equal(x.techs.length, 2);
});

test('check catalogue: every check has Japanese and English title and remediation; bad files are rejected', () => {
  const c = loadChecks();
  assert.ok(c.size >= 30);
  for (const id of [
    'exposed-admin-login',
    'directory-listing',
    'exposed-git',
    'exposed-env',
    'exposed-backup',
    'default-page',
    'unauthenticated-redis',
    'unauthenticated-elasticsearch',
    'unauthenticated-mongodb',
    'unauthenticated-memcached',
    'exposed-rdp',
    'exposed-smb',
    'exposed-telnet',
    'anonymous-ftp',
    'exposed-database',
    'tls-deprecated-version',
    'cert-expired',
    'cert-self-signed',
    'cert-hostname-mismatch',
    'missing-hsts',
    'open-resolver',
    'zone-transfer-allowed',
    'spf-missing',
    'spf-weak',
    'dmarc-missing',
    'dmarc-weak',
    'dkim-missing',
    'dangling-cname',
    'kev-appliance',
  ])
    assert.ok(c.has(id), id);
  for (const d of c.values()) {
    assert.match(d.title.ja, /[\u3040-\u30ff\u4e00-\u9fff]/, `${d.id} ja title`);
    assert.match(d.remediation.ja, /[\u3040-\u30ff\u4e00-\u9fff]/, `${d.id} ja remediation`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'asm-checks-'));
  writeFileSync(
    join(dir, 'c.yaml'),
    '- id: x\n  kind: http-path\n  cvss: 5\n  title: { ja: あ, en: a }\n  remediation: { ja: あ, en: a }\n  paths: [/]\n  any: ["(?=lookahead)"]\n',
  );
  assert.throws(() => loadChecks(join(dir, 'c.yaml')), /bad pattern/);
  writeFileSync(
    join(dir, 'd.yaml'),
    '- id: x\n  kind: service\n  cvss: 5\n  title: { en: a }\n  remediation: { ja: あ, en: a }\n',
  );
  assert.throws(() => loadChecks(join(dir, 'd.yaml')), /need ja and en/);
});
