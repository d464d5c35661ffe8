// npm run bench:syslog — the syslog TCP receive rate: lines per second from a sender on 127.0.0.1 until the
// records are in the queue (append resolved). Runs against (1) a queue that only counts (the listener's own
// cost: framing, limits, batching) and (2) the embedded durable spool (fsync group commit), with newline and
// octet-counting framing and 1 or 4 connections. The sender runs in a worker thread (the other core).
// Options: --lines N (default 400000), --only memory|spool.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startSyslogListeners } from '../src/soc/ingest/index.js';
import type { EventQueue, IngestRecord } from '../src/soc/types.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const TOTAL = Number(arg('--lines', '400000'));
const only = arg('--only', 'all');

class CountingQueue implements EventQueue {
  count = 0;
  async append(records: IngestRecord[]): Promise<void> {
    this.count += records.length;
  }
  backlog(): number {
    return 0;
  }
  async close(): Promise<void> {}
}

/** Durable queue: the pipeline's spool when present (P's soc/queue/spool.ts). */
async function openSpool(dir: string): Promise<(EventQueue & { count: number; drain(): void }) | null> {
  let mod: { FileSpool?: { open(o: { dir: string }): Promise<EventQueue> } };
  try {
    mod = (await import('../src/soc/queue/spool.js')) as typeof mod;
  } catch {
    return null;
  }
  if (!mod.FileSpool) return null;
  const spool = await mod.FileSpool.open({ dir });
  let count = 0;
  return {
    get count() {
      return count;
    },
    async append(records) {
      await spool.append(records);
      count += records.length;
    },
    // Nothing consumes the spool here: report no backlog so the receive rate alone is measured.
    backlog: () => 0,
    drain() {},
    close: () => spool.close(),
  };
}

// A realistic mix of edge lines in RFC 5424 / 3164 envelopes (~300 bytes each).
const senderCode = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const { port, lines, conns, octet } = workerData;
const samples = [
  '<189>1 2026-11-25T12:00:00+09:00 fw01 - - - - date=2026-11-25 time=12:00:00 devname="FGT60F" devid="FGT60FTK1234" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.1.2.3 srcport=51234 srcintf="lan" dstip=203.0.113.10 dstport=443 dstintf="wan1" proto=6 action="accept" policyid=12 service="HTTPS" sentbyte=1234 rcvdbyte=5678',
  '<134>Nov 25 12:00:00 proxy01 squid[123]: 1732503600.123    45 10.1.2.4 TCP_MISS/200 10240 GET http://www.example.jp/index.html - HIER_DIRECT/198.51.100.7 text/html',
  '<38>Nov 25 12:00:01 srv01 sshd[4321]: Failed password for invalid user admin from 192.0.2.55 port 50022 ssh2',
  '<14>1 2026-11-25T03:00:02.123Z ids01 suricata - - - {"timestamp":"2026-11-25T03:00:02.123+0000","event_type":"alert","src_ip":"192.0.2.9","src_port":4444,"dest_ip":"10.1.2.3","dest_port":80,"proto":"TCP","alert":{"action":"allowed","signature_id":2010935,"signature":"ET SCAN Suspicious inbound","category":"Attempted Information Leak","severity":2}}',
];
let done = 0;
let sent = 0;
const per = Math.ceil(lines / conns);
for (let c = 0; c < conns; c++) {
  const s = net.connect({ host: '127.0.0.1', port }, async () => {
    let i = 0;
    const n = Math.min(per, lines - c * per);
    const write = () => {
      while (i < n) {
        let chunk = '';
        for (let k = 0; k < 256 && i < n; k++, i++) {
          const m = samples[i % samples.length];
          chunk += octet ? Buffer.byteLength(m) + ' ' + m : m + '\\n';
        }
        sent += Buffer.byteLength(chunk);
        if (!s.write(chunk)) { s.once('drain', write); return; }
      }
      s.end();
    };
    write();
  });
  s.on('close', () => { if (++done === conns) parentPort.postMessage(sent); });
}
`;

interface Result {
  queue: string;
  framing: string;
  conns: number;
  lines: number;
  seconds: number;
  linesPerSecond: number;
  mbPerSecond: number;
  peakRssMiB: number;
  backpressurePauses: number;
}

async function run(queueName: string, octet: boolean, conns: number): Promise<Result | null> {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-bench-syslog-'));
  const q = queueName === 'memory' ? new CountingQueue() : await openSpool(dir);
  if (!q) {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  const l = await startSyslogListeners({
    queue: q,
    tcpPort: 0,
    limits: { ratePerSource: 1e9, burstPerSource: 1e9, batchSize: 2000, maxPending: 20000 },
  });
  let peakRss = process.memoryUsage().rss;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  const w = new Worker(senderCode, {
    eval: true,
    workerData: { port: l.tcp!.port, lines: TOTAL, conns, octet },
  });
  const bytes = await new Promise<number>((r, j) => w.once('message', (n: number) => r(n)).once('error', j));
  while (q.count < TOTAL) await new Promise((r) => setTimeout(r, 2));
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(rssTimer);
  const st = l.stats();
  await l.close();
  await q.close();
  await w.terminate();
  rmSync(dir, { recursive: true, force: true });
  return {
    queue: queueName === 'memory' ? 'counting (no I/O)' : 'embedded spool (fsync)',
    framing: octet ? 'octet-counting' : 'newline',
    conns,
    lines: TOTAL,
    seconds: Math.round(seconds * 100) / 100,
    linesPerSecond: Math.round(TOTAL / seconds),
    mbPerSecond: Math.round((bytes / seconds / 1e6) * 10) / 10,
    peakRssMiB: Math.round(peakRss / 1048576),
    backpressurePauses: st.backpressurePauses,
  };
}

const results: Result[] = [];
for (const queue of ['memory', 'spool']) {
  if (only !== 'all' && only !== queue) continue;
  for (const [octet, conns] of [
    [false, 1],
    [true, 1],
    [false, 4],
  ] as const) {
    const r = await run(queue, octet, conns);
    if (r) {
      results.push(r);
      console.log(
        `${r.queue.padEnd(24)} ${r.framing.padEnd(15)} ${r.conns} conn  ${r.lines} lines in ${r.seconds}s  ` +
          `${r.linesPerSecond.toLocaleString('en-US')} lines/s  ${r.mbPerSecond} MB/s  peak RSS ${r.peakRssMiB} MiB`,
      );
    } else console.log(`${queue}: not available (the spool module is missing)`);
  }
}
console.log(JSON.stringify({ bench: 'syslog-tcp', node: process.version, results }, null, 2));
