// Syslog listeners on 127.0.0.1 with real sockets: UDP datagrams, TCP (octet counting and newline framing, split
// at awkward places), TLS (a self-signed certificate made by openssl here), the message size limit, per-source
// rates (UDP drops counted; TCP paused, nothing lost) and backpressure against a slow queue.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { SourceBindings, startSyslogListeners } from '../../src/soc/ingest/index.js';
import type { IngestRecord } from '../../src/soc/types.js';
import { MemoryQueue, until } from './memory-queue.js';

let dir: string;
let cert: Buffer;
let key: Buffer;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mamori-syslog-'));
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
  cert = readFileSync(join(dir, 'cert.pem'));
  key = readFileSync(join(dir, 'key.pem'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const m5424 = (i: number) => `<165>1 2026-11-25T22:14:15.003Z fw01 app - ID${i} - 日本語 message number ${i}`;
const m3164 = (i: number) => `<34>Nov 25 22:14:15 host su: attempt ${i} failed`;

async function tcp(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  s.setNoDelay(true);
  await new Promise<void>((r, j) => s.once('connect', r).once('error', j));
  return s;
}

/** Writes the pieces as separate TCP segments (a pause between writes; Nagle off). */
async function writeInPieces(s: { write(b: Buffer): boolean }, buf: Buffer, cuts: number[]) {
  let prev = 0;
  for (const c of [...cuts, buf.length]) {
    s.write(buf.subarray(prev, c));
    prev = c;
    await sleep(15);
  }
}

async function endSocket(s: Socket) {
  await new Promise<void>((r) => s.end(r));
}

test('UDP: RFC 3164 and 5424 datagrams arrive as whole lines with the peer address', async () => {
  const q = new MemoryQueue();
  const l = await startSyslogListeners({ queue: q, udpPort: 0, limits: { batchDelayMs: 5 } });
  try {
    const c = createSocket('udp4');
    const sent = [m3164(1), m5424(2), `${m3164(3)}\n`, '<13>nul\u0000inside\u0000'];
    for (const m of sent) await new Promise<void>((r) => c.send(m, l.udp!.port, '127.0.0.1', () => r()));
    c.close();
    await until(() => q.records.length === 4, 5000, 'four datagrams');
    // Trailing LF/NUL dropped; a NUL inside (not storable in PostgreSQL) shown as U+FFFD.
    assert.deepEqual(q.lines(), [m3164(1), m5424(2), m3164(3), '<13>nul\uFFFDinside']);
    for (const r of q.records) {
      assert.equal(r.transport, 'syslog-udp');
      assert.equal(r.peer, '127.0.0.1');
      assert.ok(Math.abs(r.receivedAt - Date.now()) < 10_000);
    }
    const s = l.stats();
    assert.equal(s.accepted, 4);
    assert.equal(s.sources[0]!.source, '127.0.0.1');
  } finally {
    await l.close();
  }
});

test('TCP: octet-counted and newline-framed connections, split across packets at awkward boundaries', async () => {
  const q = new MemoryQueue();
  const l = await startSyslogListeners({ queue: q, tcpPort: 0, limits: { batchDelayMs: 5 } });
  try {
    const a = [m5424(1), m5424(2), m5424(3)];
    const framed = Buffer.from(a.map((m) => `${Buffer.byteLength(m)} ${m}`).join(''));
    const s1 = await tcp(l.tcp!.port);
    // Cuts: inside the first length ("7|4 "), right after the space, inside a multi-byte character, at a frame end.
    const firstLen = String(Buffer.byteLength(a[0]!)).length;
    const jpAt = framed.indexOf(Buffer.from('日本語')) + 1;
    const frameEnd = firstLen + 1 + Buffer.byteLength(a[0]!);
    await writeInPieces(s1, framed, [1, firstLen + 1, jpAt, frameEnd, frameEnd + 1]);
    await endSocket(s1);

    const b = [m3164(4), m3164(5), m3164(6)];
    const lines = Buffer.from(b.join('\r\n') + '\r\n');
    const s2 = await tcp(l.tcp!.port);
    const firstNl = lines.indexOf('\r\n');
    await writeInPieces(s2, lines, [3, firstNl + 1, firstNl + 2, lines.length - 1]);
    await endSocket(s2);

    await until(() => q.records.length === 6, 5000, 'six messages');
    const got = q.records.map((r) => r.line);
    assert.deepEqual(
      got.filter((x) => x.startsWith('<165>')),
      a,
    );
    assert.deepEqual(
      got.filter((x) => x.startsWith('<34>')),
      b,
    );
    assert.ok(q.records.every((r) => r.transport === 'syslog-tcp' && r.peer === '127.0.0.1'));
  } finally {
    await l.close();
  }
});

test('TLS (RFC 5425): octet-counted messages over TLS with the configured certificate', async () => {
  const q = new MemoryQueue();
  const l = await startSyslogListeners({
    queue: q,
    tlsPort: 0,
    tls: { cert, key },
    limits: { batchDelayMs: 5 },
  });
  try {
    const s = tlsConnect({ host: '127.0.0.1', port: l.tls!.port, ca: cert, servername: undefined });
    await new Promise<void>((r, j) => s.once('secureConnect', r).once('error', j));
    assert.ok(s.authorized, 'the client verified the server certificate');
    const msgs = [m5424(1), m5424(2)];
    const buf = Buffer.from(msgs.map((m) => `${Buffer.byteLength(m)} ${m}`).join(''));
    await writeInPieces(s, buf, [2, 40]);
    await new Promise<void>((r) => s.end(r));
    await until(() => q.records.length === 2, 5000, 'two TLS messages');
    assert.deepEqual(q.lines(), msgs);
    assert.ok(q.records.every((r) => r.transport === 'syslog-tls'));
    // A plain-text client cannot talk to the TLS port.
    const plain = await tcp(l.tls!.port);
    plain.write(`${m3164(9)}\n`);
    await sleep(200);
    plain.destroy();
    assert.equal(q.records.length, 2);
  } finally {
    await l.close();
  }
});

test('message size limit: oversized messages are counted, reported to the quarantine and never block the rest', async () => {
  const q = new MemoryQueue();
  const quarantined: { record: IngestRecord; reason: string }[] = [];
  const l = await startSyslogListeners({
    queue: q,
    tcpPort: 0,
    udpPort: 0,
    limits: { maxMessageBytes: 2000, batchDelayMs: 5 },
    quarantine: async (record, reason) => {
      quarantined.push({ record, reason });
    },
  });
  try {
    const big = `<13>1 - host app - - - ${'A'.repeat(10_000)}`;
    const s = await tcp(l.tcp!.port);
    const buf = Buffer.from([m5424(1), big, m5424(2)].map((m) => `${Buffer.byteLength(m)} ${m}`).join(''));
    await writeInPieces(s, buf, [50, 3000, 9000]);
    await endSocket(s);
    const c = createSocket('udp4');
    await new Promise<void>((r) => c.send(`<13>${'B'.repeat(5000)}`, l.udp!.port, '127.0.0.1', () => r()));
    await new Promise<void>((r) => c.send(m3164(3), l.udp!.port, '127.0.0.1', () => r()));
    c.close();
    await until(() => q.records.length === 3 && quarantined.length === 2, 5000, 'records and quarantine');
    assert.deepEqual(q.lines().sort(), [m5424(1), m5424(2), m3164(3)].sort());
    const tcpQ = quarantined.find((x) => x.record.transport === 'syslog-tcp')!;
    assert.match(tcpQ.reason, /too large: \d+ bytes \(limit 2000\)/);
    assert.ok(big.startsWith(tcpQ.record.line) && tcpQ.record.line.length >= 1000);
    assert.ok(
      quarantined.some((x) => x.record.transport === 'syslog-udp' && x.record.line.startsWith('<13>BBB')),
    );
    const st = l.stats();
    assert.equal(st.tooLarge, 2);
    assert.equal(st.accepted, 3);
  } finally {
    await l.close();
  }
});

test('per-source rate: UDP excess is dropped and counted per source; TCP is slowed (paused), nothing lost', async () => {
  const q = new MemoryQueue();
  const l = await startSyslogListeners({
    queue: q,
    tcpPort: 0,
    udpPort: 0,
    limits: { ratePerSource: 1000, burstPerSource: 100, batchDelayMs: 5 },
  });
  try {
    const c = createSocket('udp4');
    // 2,000 datagrams as fast as possible: far over 1,000/s + a burst of 100, even on a loaded machine.
    for (let i = 0; i < 2000; i++) c.send(m3164(i), l.udp!.port, '127.0.0.1');
    await sleep(300);
    c.close();
    const udpStats = () => l.stats().sources.find((s) => s.transport === 'syslog-udp')!;
    // Every datagram that arrived is either accepted or counted as dropped (the kernel may drop some itself).
    await until(
      () => udpStats().accepted + udpStats().droppedByRate === udpStats().received,
      5000,
      'UDP accounting',
    );
    const udp = udpStats();
    assert.ok(udp.droppedByRate > 0, `no UDP datagram was dropped by rate: ${JSON.stringify(udp)}`);
    assert.ok(udp.accepted >= 100, JSON.stringify(udp));

    // 3,000 lines at 1,000/s with a burst of 100. Lines already read are never dropped, so one read chunk
    // (at most 64 KiB, ~870 of these lines) may pass at once: at least (3000 - 100 - 870) / 1000 s ≈ 2 s.
    const s = await tcp(l.tcp!.port);
    const t0 = Date.now();
    const lines = Array.from({ length: 3000 }, (_, i) => m5424(i));
    s.write(lines.join('\n') + '\n');
    await endSocket(s);
    await until(
      () => q.records.filter((r) => r.transport === 'syslog-tcp').length === 3000,
      20_000,
      'all TCP lines',
    );
    const took = Date.now() - t0;
    assert.ok(took >= 1500, `TCP source was not slowed down (${took} ms)`);
    const tcpStats = l.stats().sources.find((x) => x.transport === 'syslog-tcp')!;
    assert.ok(tcpStats.ratePauses > 0);
    assert.deepEqual(
      q.records.filter((r) => r.transport === 'syslog-tcp').map((r) => r.line),
      lines,
      'every line, in order',
    );
  } finally {
    await l.close();
  }
});

test('backpressure: a fast sender against a slow queue is paused, memory stays bounded, nothing is lost', async () => {
  // The pipeline drains 20,000 records/s; the sender could write far faster.
  const q = new MemoryQueue({ consumePerSecond: 20_000, appendDelayMs: 5 });
  const l = await startSyslogListeners({
    queue: q,
    tcpPort: 0,
    limits: {
      highWater: 5000,
      lowWater: 2000,
      maxPending: 4000,
      batchSize: 500,
      ratePerSource: 1e9,
      burstPerSource: 1e9,
    },
  });
  try {
    const s = await tcp(l.tcp!.port);
    const total = 100_000;
    const line = (i: number) =>
      `<13>1 2026-11-25T00:00:00Z h app - - - ${String(i).padStart(8, '0')} ${'z'.repeat(150)}\n`;
    let maxPending = 0;
    let maxBacklog = 0;
    let blocked = 0;
    const sample = setInterval(() => {
      maxPending = Math.max(maxPending, l.stats().pending);
      maxBacklog = Math.max(maxBacklog, q.backlog());
    }, 5);
    const rss0 = process.memoryUsage().rss;
    let i = 0;
    // Write as fast as the socket takes it; when write() returns false the kernel buffers are full (the
    // receiver stopped reading): that is the backpressure reaching the sender.
    while (i < total) {
      let chunk = '';
      for (let k = 0; k < 200 && i < total; k++) chunk += line(i++);
      if (!s.write(chunk)) {
        blocked++;
        await new Promise((r) => s.once('drain', r));
      }
    }
    await endSocket(s);
    await until(() => q.records.length === total, 60_000, 'every line in the queue');
    clearInterval(sample);
    const rss1 = process.memoryUsage().rss;
    const st = l.stats();
    assert.ok(st.backpressurePauses > 0, 'readers were paused');
    assert.ok(blocked > 0, 'the sender was blocked (write() returned false)');
    assert.ok(maxPending <= 4000 + 2000, `pending records grew to ${maxPending}`);
    assert.ok(maxBacklog <= 5000 + 4000 + 2000, `queue backlog grew to ${maxBacklog}`);
    assert.ok(rss1 - rss0 < 200 * 1024 * 1024, `RSS grew by ${Math.round((rss1 - rss0) / 1e6)} MB`);
    // Nothing lost, nothing duplicated, in order.
    for (let k = 0; k < total; k += 997) assert.equal(q.records[k]!.line, line(k).trimEnd());
    assert.equal(new Set(q.records.map((r) => r.line)).size, total);
  } finally {
    await l.close();
    await q.close();
  }
});

test('registered sources: a peer range binds format and organization; UDP drops while the queue is full are counted', async () => {
  const q = new MemoryQueue();
  const bindings = new SourceBindings([
    { source: '127.0.0.0/8', format: 'fortigate', organizationId: 'org-a' },
    { source: '127.0.0.1', organizationId: 'org-b' },
  ]);
  const l = await startSyslogListeners({ queue: q, udpPort: 0, bindings, limits: { batchDelayMs: 5 } });
  try {
    const c = createSocket('udp4');
    await new Promise<void>((r) => c.send(m3164(1), l.udp!.port, '127.0.0.1', () => r()));
    c.close();
    await until(() => q.records.length === 1, 5000, 'one datagram');
    // The most specific binding (the /32) wins; it names no format.
    assert.equal(q.records[0]!.organizationId, 'org-b');
    assert.equal(q.records[0]!.format, undefined);
    assert.deepEqual(bindings.lookup('127.9.9.9'), { format: 'fortigate', organizationId: 'org-a' });
    assert.equal(bindings.lookup('192.0.2.1'), undefined);
  } finally {
    await l.close();
  }
  const slow = new MemoryQueue({ consumePerSecond: 1 });
  const l2 = await startSyslogListeners({
    queue: slow,
    udpPort: 0,
    limits: { highWater: 50, lowWater: 10, maxPending: 40, batchSize: 10, batchDelayMs: 1 },
  });
  try {
    const c = createSocket('udp4');
    for (let i = 0; i < 300; i++) {
      c.send(m3164(i), l2.udp!.port, '127.0.0.1');
      if (i % 20 === 0) await sleep(5);
    }
    await sleep(300);
    c.close();
    const st = l2.stats();
    assert.ok(st.droppedByBackpressure > 0, JSON.stringify(st));
    assert.equal(st.accepted + st.pending + st.droppedByBackpressure, st.received);
  } finally {
    await l2.close();
    await slow.close();
  }
});

test('TLS client certificates: with a CA configured, senders must show one, and its name binds the source', async () => {
  const ossl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
  // A CA, and a client certificate it signs for the firewall "fw01.numazu.example.jp".
  ossl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=Mamori test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  ossl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=fw01.numazu.example.jp',
    '-keyout',
    'client.key',
    '-out',
    'client.csr',
  );
  ossl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    'client.pem',
  );
  const ca = readFileSync(join(dir, 'ca.pem'));
  const q = new MemoryQueue();
  const bindings = new SourceBindings([
    { cert: 'fw01.numazu.example.jp', format: 'fortigate', organizationId: 'lg222038' },
  ]);
  const l = await startSyslogListeners({
    queue: q,
    tlsPort: 0,
    tls: { cert, key, ca },
    bindings,
    limits: { batchDelayMs: 5 },
  });
  try {
    const withCert = tlsConnect({
      host: '127.0.0.1',
      port: l.tls!.port,
      ca: cert,
      cert: readFileSync(join(dir, 'client.pem')),
      key: readFileSync(join(dir, 'client.key')),
    });
    await new Promise<void>((r, j) => withCert.once('secureConnect', r).once('error', j));
    await new Promise<void>((r) => withCert.end(`${m3164(1)}\n`, r));
    await until(() => q.records.length === 1, 5000, 'the line of the certified sender');
    assert.equal(q.records[0]!.organizationId, 'lg222038');
    assert.equal(q.records[0]!.format, 'fortigate');
    // Without a client certificate the handshake is refused and nothing is taken.
    const without = tlsConnect({ host: '127.0.0.1', port: l.tls!.port, ca: cert });
    const outcome = await new Promise<string>((r) => {
      without.once('error', () => r('refused'));
      without.once('secureConnect', () => {
        without.write(`${m3164(2)}\n`);
        without.once('close', () => r('closed'));
        without.once('end', () => r('closed'));
      });
    });
    assert.ok(['refused', 'closed'].includes(outcome));
    await sleep(200);
    assert.equal(q.records.length, 1);
  } finally {
    await l.close();
  }
});

test('connections per source are capped: extra ones are refused and counted, the others keep working', async () => {
  const q = new MemoryQueue();
  const l = await startSyslogListeners({
    queue: q,
    tcpPort: 0,
    limits: { maxConnectionsPerSource: 2, batchDelayMs: 5 },
  });
  try {
    const a = await tcp(l.tcp!.port);
    const b = await tcp(l.tcp!.port);
    await sleep(50);
    const c = await tcp(l.tcp!.port);
    const closed = await new Promise<boolean>((r) => {
      c.once('close', () => r(true));
      setTimeout(() => r(false), 3000);
    });
    assert.ok(closed, 'the third connection was closed by the listener');
    a.write(`${m3164(1)}\n`);
    b.write(`${m3164(2)}\n`);
    await until(() => q.records.length === 2, 5000, 'lines of the two admitted connections');
    const st = l.stats().sources.find((s) => s.transport === 'syslog-tcp')!;
    assert.equal(st.refusedConnections, 1);
    assert.equal(st.connections, 2);
    await endSocket(a);
    await endSocket(b);
  } finally {
    await l.close();
  }
});
