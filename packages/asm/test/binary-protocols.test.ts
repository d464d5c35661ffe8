// The probe engine on ports that give no hint: servers speaking VNC, Telnet, RDP, MSSQL, SMB2 and LDAP on
// random ports must be found by the banner wait or by trying the probes in turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { scanTargets } from '../src/index.js';

function serve(onConn: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((s) => {
      s.on('error', () => {});
      onConn(s);
    });
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    );
  });
}

/** Answers `reply` to a request starting with `prefix`; closes on anything else (as real servers do). */
const answering = (prefix: number[], reply: Buffer) => (s: Socket) =>
  s.on('data', (d: Buffer) => {
    if (prefix.every((b, i) => d[i] === b)) s.write(reply);
    else s.destroy();
  });

test('VNC, Telnet, RDP, MSSQL, SMB2 and LDAP identified on unexpected ports', async () => {
  const smb = Buffer.alloc(80);
  smb.writeUInt32BE(76, 0);
  smb.write('\xfeSMB', 4, 'latin1');
  smb.writeUInt16LE(0x0311, 72);
  const servers = {
    vnc: await serve((s) => {
      s.write('RFB 003.008\n');
      s.on('data', () => s.destroy());
    }),
    telnet: await serve((s) => {
      s.write(Buffer.from([0xff, 0xfd, 0x18, 0xff, 0xfd, 0x20]));
      s.on('data', () => s.destroy());
    }),
    rdp: await serve(
      answering(
        [0x03, 0x00],
        Buffer.from('0300001302d0000012340002000800010000000000', 'hex').subarray(0, 19),
      ),
    ),
    mssql: await serve(
      answering([0x12, 0x01], Buffer.from('0401001400000100' + '0000060006' + 'ff' + '0f0010c20000', 'hex')),
    ),
    smb: await serve(answering([0x00, 0x00, 0x00, 0x68, 0xfe], smb)),
    ldap: await serve(
      answering([0x30, 0x0c, 0x02, 0x01, 0x01, 0x60], Buffer.from('300c02010161070a010004000400', 'hex')),
    ),
  };
  try {
    const ports = Object.fromEntries(Object.entries(servers).map(([k, v]) => [k, v.port]));
    const r = await scanTargets(['127.0.0.1'], {
      ports: Object.values(ports).join(','),
      udp: false,
      dns: false,
      bannerWaitMs: 300,
      timeoutMs: 1000,
    });
    const svc = (k: string) => r.services.find((s) => s.port === ports[k])!;
    assert.deepEqual([svc('vnc').service, svc('vnc').version], ['vnc', 'protocol 003.008']);
    assert.equal(svc('telnet').service, 'telnet');
    assert.equal(svc('rdp').service, 'ms-wbt-server');
    assert.deepEqual([svc('mssql').service, svc('mssql').version], ['ms-sql-s', '15.0.4290']);
    assert.deepEqual([svc('smb').service, svc('smb').version], ['microsoft-ds', 'dialect 3.1.1']);
    assert.equal(svc('ldap').service, 'ldap');
    for (const check of ['exposed-vnc', 'exposed-telnet', 'exposed-rdp', 'exposed-smb'])
      assert.ok(
        r.findings.some((f) => f.check === check),
        check,
      );
    assert.ok(r.findings.some((f) => f.check === 'exposed-database' && f.port === ports.mssql));
  } finally {
    for (const s of Object.values(servers)) s.server.close();
  }
});
