// npm run bench:ingest — the SOC pipeline end to end on the embedded default (SQLite file, durable spool):
// append (group-committed fsync, as ingest acknowledges) → parse → quarantine → attribute → roll up → store →
// detection stage(s) registered on the platform. Input: the parsers' real fixture lines in a firewall-heavy mix,
// multiplied with varied addresses and ports, ~2% malformed lines. With the default `--mix live` the lines are
// made to look like a prefecture's live feed: the fixtures' loopback addresses (they were captured from real
// engines on 127.0.0.1) become municipal addresses, and every timestamp is rewritten to the last minutes, so
// events arrive in time order per device as they do in service. `--mix fixture` keeps the fixtures' own
// addresses and times (most events unattributed, a few dozen distinct times: the figures before 2026-11-26).
// Prints sustained events/s, the bare read-and-parse rate of the same input (one thread) and the ratio, latency
// from receipt to the end of the detection stage (p50/p99), alerts raised, peak RSS (with what the main thread's
// heap held near it) and the load average.
// Usage: npm run bench:ingest [-- --seconds 20 --batch 2000 --rate 0 --db sqlite|postgres --queue spool|nats
//   --mix live|fixture]
// (node runs with the server's heap flags, see package.json; BENCH_THREADS=1 prints each thread's CPU)
// (--db postgres: a fresh database on 127.0.0.1:5432; --queue nats: JetStream at 127.0.0.1:4222, a fresh stream)
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@mamori/core';
import { parseLine } from '@mamori/parsers';
import { createTestDatabase } from '@mamori/store/testing';
import { createPlatform, systemContext, type IngestRecord, type SocEvent } from '@mamori/platform';
import { sql } from 'kysely';
import { pino } from 'pino';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const argStr = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const DB = argStr('db', 'sqlite') as 'sqlite' | 'postgres';
const QUEUE = argStr('queue', 'spool');
const SECONDS = arg('seconds', 20);
const BATCH = arg('batch', 2000);
/** Offered load in records/s (0 = as fast as the pipeline takes them, bounded by the backlog cap). */
const RATE = arg('rate', 0);
const MIX = argStr('mix', 'live');
if (MIX !== 'live' && MIX !== 'fixture') throw new Error('--mix is live or fixture');
const APPEND = 1000; // records per append() call, as an HTTP bulk request or a syslog reader flush would
const INFLIGHT = 8;
const HIGH_WATER = 100_000;

const fx = (p: string): string[] =>
  readFileSync(new URL(`../packages/parsers/test/fixtures/${p}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
let seq = 0;
function vary(line: string): string {
  seq++;
  return line
    .replace(
      /\b(10\.\d+\.\d+|192\.0\.2|198\.51\.100|203\.0\.113)\.\d+\b/g,
      (_m, p: string) => `${p}.${((seq * 7) % 250) + 1}`,
    )
    .replace(/\b([1-6]\d{4})\b(?![.:])/g, () => String(10000 + ((seq * 131) % 50000)));
}
/** Loopback (the fixtures' captures) → an address in one of the municipalities' registered ranges. */
const municipal = (): string => {
  const k = (seq * 17) % 2000;
  return `172.${16 + (k >> 8)}.${k & 255}.${((seq * 7) % 250) + 1}`;
};
const sys = (host: string, tag: string) => (l: string) => `<134>Nov 25 10:00:00 ${host} ${tag}: ${l}`;
function take(lines: string[], n: number, format: string, wrap?: (l: string) => string) {
  const out: { line: string; format: string }[] = [];
  for (let i = 0; i < n; i++) {
    let l = vary(lines[i % lines.length]!);
    if (MIX === 'live') l = l.replace(/\b127\.0\.0\.1\b/g, municipal);
    out.push({ line: wrap ? wrap(l) : l, format });
  }
  return out;
}
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DOW = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const p2 = (n: number) => String(n).padStart(2, '0');
/** Every timestamp notation the fixtures use, rewritten to `ms` (UTC epoch). */
function retime(line: string, ms: number): string {
  const d = new Date(ms + 9 * 3600_000); // JST wall clock, read with getUTC*
  const ymd = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
  const hms = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  const mon = MON[d.getUTCMonth()]!;
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const sec = Math.floor(ms / 1000);
  return line
    .replace(/\b(date=)\d{4}-\d{2}-\d{2}/g, `$1${ymd}`)
    .replace(/\b(time=)\d{2}:\d{2}:\d{2}/g, `$1${hms}`)
    .replace(/\beventtime=\d{19}\b/g, `eventtime=${sec}${String(ms % 1000).padStart(3, '0')}000000`)
    .replace(/\b\d{4}-\d{2}-\d{2}([T ])\d{2}:\d{2}:\d{2}/g, `${ymd}$1${hms}`)
    .replace(/\b\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/g, `${ymd.replace(/-/g, '/')} ${hms}`)
    .replace(
      /\b(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}\b/g,
      `${DOW[d.getUTCDay()]} ${mon} ${day} ${hms} ${d.getUTCFullYear()}`,
    )
    .replace(/^(<\d{1,3}>)?[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}(?= )/, `$1${mon} ${day} ${hms}`)
    .replace(/(^|\[|"oob\.time\.sec": )1[7-9]\d{8}(?=[.\]\s,])/g, `$1${sec}`);
}
const M = 200_000;
const mix = [
  ...take(fx('netfilter/dmesg.log'), M * 0.3, 'netfilter', sys('fw01', 'kernel')),
  ...take(fx('fortigate/fortigate.log'), M * 0.2, 'fortigate', (l) => `<189>${l}`),
  ...take(fx('panos/panos.log'), M * 0.1, 'panos', sys('pa01', 'panos')),
  ...take(fx('ulogd2-json/ulogd.json'), M * 0.1, 'ulogd2-json'),
  ...take(fx('squid/access.log'), M * 0.1, 'squid'),
  ...take(fx('modsecurity-v3/nginx-crs.jsonl'), M * 0.03, 'modsecurity-v3'),
  ...take(fx('suricata-eve/eve.jsonl'), M * 0.05, 'suricata-eve'),
  ...take(fx('cef/cef.log'), M * 0.02, 'cef'),
  ...take(fx('postfix/maillog'), M * 0.04, 'postfix'),
  ...take(fx('rspamd/rspamd.log'), M * 0.01, 'rspamd'),
  ...take(fx('clamd/clamd.log'), M * 0.01, 'clamd'),
  ...take(fx('unbound/unbound.log'), M * 0.04, 'unbound'),
];
// ~2% malformed (truncated lines), kept in the quarantine.
for (let i = 0; i < mix.length; i += 50) mix[i] = { ...mix[i]!, line: mix[i]!.line.slice(0, 25) };
let x = 42;
for (let i = mix.length - 1; i > 0; i--) {
  x = (x * 1103515245 + 12345) & 0x7fffffff;
  const j = x % (i + 1);
  [mix[i], mix[j]] = [mix[j]!, mix[i]!];
}

if (MIX === 'live') {
  // Timestamps of the last ~2 minutes in mix order, in each format's own notation (local forms in JST, the
  // fixtures' zone); a line recycled on the next pass through the mix arrives "late" by one pass.
  const span = 120_000;
  const start = Date.now() - span;
  for (let i = 0; i < mix.length; i++) {
    mix[i] = { ...mix[i]!, line: retime(mix[i]!.line, start + Math.floor((i * span) / mix.length)) };
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** CPU seconds per thread of this process since `since` (Linux /proc; empty elsewhere). */
let cpuBase = new Map<number, number>();
function threadCpu(reset?: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const st = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]);
      out.set(Number(tid), ticks / 100 - (cpuBase.get(Number(tid)) ?? 0));
      if (process.env.BENCH_THREADS && !reset && Number(tid) === process.pid)
        console.log(
          'schedstat main (run ns, runqueue wait ns, slices)',
          readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim(),
        );
      if (process.env.BENCH_THREADS && !reset)
        console.log(
          'thread',
          tid,
          readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
          (ticks / 100 - (cpuBase.get(Number(tid)) ?? 0)).toFixed(2),
        );
    }
  } catch {
    // not Linux
  }
  if (reset) {
    cpuBase = new Map([...out].map(([k, v]) => [k, v]));
    return reset;
  }
  return out;
}
const dataDir = mkdtempSync(join(tmpdir(), 'mamori-bench-ingest-'));
const nodeFlags = process.execArgv.filter((a) => /^--(max|min|heap)-/.test(a));
console.log(
  `bench:ingest — node ${process.version}${nodeFlags.length ? ` ${nodeFlags.join(' ')}` : ''}, ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores), ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
);
console.log(
  `input: ${fmt(mix.length)} distinct lines (${MIX === 'live' ? 'live' : 'fixture'} mix, varied), ${SECONDS}s of sustained ingest, ` +
    `offered ${RATE > 0 ? `${fmt(RATE)} records/s` : 'as fast as taken'}\n`,
);

// 1. Bare read-and-parse of the same input, one thread.
{
  const now = Date.now();
  const opts = { tzOffsetMinutes: 0, nowMs: now, maxLineLength: 256 * 1024 };
  for (let i = 0; i < 50_000; i++) parseLine(mix[i]!.line, mix[i]!.format, opts);
}
const bare = (() => {
  const opts = { tzOffsetMinutes: 0, nowMs: Date.now(), maxLineLength: 256 * 1024 };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 3000) {
    for (let i = 0; i < 10_000; i++)
      parseLine(mix[(n + i) % mix.length]!.line, mix[(n + i) % mix.length]!.format, opts);
    n += 10_000;
  }
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: n / wall, cpu: n / ((c.user + c.system) / 1e6) };
})();

// 2. The platform on the embedded default.
const tdb = DB === 'postgres' ? await createTestDatabase('postgres') : null;
const stream = `MAMORI_BENCH_${process.pid}`;
const config = loadConfig({
  env: {},
  overrides: {
    dataDir,
    log: { level: 'error' },
    ...(tdb ? { database: { driver: 'postgres', postgresUrl: tdb.options.postgresUrl! } } : {}),
    ...(QUEUE === 'nats' ? { queue: { driver: 'nats' as const } } : {}),
    soc: {
      prefectureCode: '22',
      batchSize: BATCH,
      retentionIntervalMinutes: 10080,
      natsStream: stream,
    },
  },
});
const platform = await createPlatform(config, { logger: pino({ level: 'error' }) });
const system = systemContext('bench');
await platform.orgs.loadOfficial(system);
// Attribution rules: every municipality of 静岡県 gets ranges (the fixture addresses land in a few of them,
// some stay unattributed), plus filler ranges so the matcher is the size of a real prefecture's.
const munis = (await platform.orgs.children(system, 'lg220001')).items.filter((o) => o.kind !== 'ward');
const rules: [string, 'cidr' | 'domain' | 'mail_domain', string][] = [
  [munis[0]!.id, 'cidr', '203.0.113.0/26'],
  [munis[1]!.id, 'cidr', '203.0.113.64/26'],
  [munis[2]!.id, 'cidr', '203.0.113.128/25'],
  [munis[3]!.id, 'cidr', '198.51.100.0/24'],
  [munis[4]!.id, 'cidr', '10.1.0.0/16'],
  [munis[5]!.id, 'cidr', '10.0.0.0/8'],
  [munis[6]!.id, 'cidr', '192.0.2.0/25'],
  [munis[0]!.id, 'mail_domain', 'city.example.lg.jp'],
  [munis[7]!.id, 'domain', 'example.lg.jp'],
];
for (let i = 0; i < 2000; i++) {
  rules.push([munis[i % munis.length]!.id, 'cidr', `172.${16 + (i >> 8)}.${i & 255}.0/24`]);
}
await platform.soc.attribution.createMany(
  system,
  rules.map(([organizationId, kind, value]) => ({ organizationId, kind, value })),
);
const stageNames = (platform.soc.pipeline as unknown as { stages: unknown[] }).stages.length;

// Latency from receipt to the end of the detection stage(s): a probe registered last sees each batch after them.
const lat: number[] = [];
let probeEvents = 0;
platform.soc.pipeline.addStage({
  async onEvents(events: SocEvent[]) {
    const now = Date.now();
    probeEvents += events.length;
    for (let i = 0; i < events.length; i += 16) lat.push(now - events[i]!.receivedAt);
  },
  async tick() {},
  async close() {},
});

const queue = platform.soc.queue;
const stats = platform.soc.pipeline.stats;
let appended = 0;
let appendMs = 0;
let appendCalls = 0;
let peakBacklog = 0;
let cursor = 0;
const t0 = performance.now();
const c0 = process.cpuUsage();
const elu0 = performance.eventLoopUtilization();
threadCpu(new Map());
const deadline = t0 + SECONDS * 1000;
let samples: { t: number; n: number }[] = [];
const sampler = setInterval(() => {
  samples.push({ t: performance.now(), n: stats.records });
  peakBacklog = Math.max(peakBacklog, queue.backlog());
}, 1000);

// What the resident set is made of near its largest (sampled): the main thread's V8 heap, committed and in use,
// and memory outside it. A heap far larger than its use is garbage promoted and not yet collected.
const memAtPeak = process.memoryUsage();
const memSampler = setInterval(() => {
  const m = process.memoryUsage();
  if (m.rss > memAtPeak.rss) Object.assign(memAtPeak, m);
}, 200);

async function producer(): Promise<void> {
  while (performance.now() < deadline) {
    if (RATE > 0 && appended + APPEND > (RATE * (performance.now() - t0)) / 1000) {
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    if (queue.backlog() > HIGH_WATER) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    const now = Date.now();
    const recs: IngestRecord[] = new Array<IngestRecord>(APPEND);
    for (let i = 0; i < APPEND; i++) {
      const m = mix[cursor++ % mix.length]!;
      recs[i] = {
        line: m.line,
        format: m.format,
        transport: 'syslog-udp',
        peer: '192.0.2.250',
        receivedAt: now,
      };
    }
    const a0 = performance.now();
    await queue.append(recs);
    appendMs += performance.now() - a0;
    appendCalls++;
    appended += APPEND;
  }
}
await Promise.all(Array.from({ length: INFLIGHT }, producer));
const tIngest = performance.now();
while (queue.backlog() > 0) await new Promise((r) => setTimeout(r, 10));
const tDone = performance.now();
clearInterval(sampler);
clearInterval(memSampler);
const cpu = process.cpuUsage(c0);
const rss = process.resourceUsage().maxRSS * 1024;

// Sustained rate: the middle of the run (drop the first and last second).
samples = samples.filter((s) => s.t > t0 + 1000 && s.t < tIngest);
const sustained =
  samples.length >= 2
    ? (samples.at(-1)!.n - samples[0]!.n) / ((samples.at(-1)!.t - samples[0]!.t) / 1000)
    : stats.records / ((tDone - t0) / 1000);
const overall = stats.records / ((tDone - t0) / 1000);
if (process.env.BENCH_THREADS)
  console.log(
    'per second',
    samples
      .slice(1)
      .map((s, i) => Math.round(((s.n - samples[i]!.n) / (s.t - samples[i]!.t)) * 1000))
      .join(' '),
  );
const sorted = [...lat].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const count = async (t: 'soc_events' | 'soc_quarantine') =>
  Number(
    (
      await platform.db.kysely
        .selectFrom(t)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
const events = await count('soc_events');
const quarantined = await count('soc_quarantine');
const rolled = Number(
  (
    await platform.db.kysely
      .selectFrom('soc_rollups')
      .select((eb) => eb.fn.sum<number>('count').as('n'))
      .executeTakeFirstOrThrow()
  ).n,
);
const unattributed = Number(
  (
    await platform.db.kysely
      .selectFrom('soc_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', 'is', null)
      .executeTakeFirstOrThrow()
  ).n,
);
let alerts = NaN;
try {
  alerts = Number(
    (
      await platform.db.kysely
        .selectFrom('soc_alerts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
} catch {
  // no alerts table in this build
}

console.log(
  `pipeline (append → parse → attribute → roll up → store → detect), ${DB === 'sqlite' ? 'SQLite' : 'PostgreSQL'} + ${QUEUE === 'nats' ? 'NATS JetStream' : 'durable spool'}`,
);
if (DB === 'postgres') {
  const r = await sql<{
    n: string;
  }>`select pg_total_relation_size('soc_events') + pg_total_relation_size('soc_quarantine') as n`.execute(
    platform.db.kysely,
  );
  const bytes = Number(r.rows[0]!.n);
  console.log(
    `  database size             ${(bytes / 1024 / 1024).toFixed(0)} MiB in soc_events + soc_quarantine, ${(bytes / (events + quarantined)).toFixed(0)} bytes per stored record (with indexes)`,
  );
}
if (DB === 'sqlite') {
  const { statSync } = await import('node:fs');
  const size = (f: string) => {
    try {
      return statSync(f).size;
    } catch {
      return 0;
    }
  };
  // Everything in the database file first (the WAL is reused, not shrunk: its size says little about the data).
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(platform.db.kysely).catch(() => undefined);
  const bytes = size(config.database.sqlitePath) + size(`${config.database.sqlitePath}-wal`);
  console.log(
    `  database size             ${(bytes / 1024 / 1024).toFixed(0)} MiB, ${(bytes / (events + quarantined)).toFixed(0)} bytes per stored record (with indexes)`,
  );
}
console.log(
  `  records appended          ${fmt(appended)} (${fmt(appendCalls)} appends of ${APPEND}, mean ${(appendMs / appendCalls).toFixed(1)} ms to durable)`,
);
console.log(
  `  stored events             ${fmt(events)} (${fmt(unattributed)} unattributed), quarantined ${fmt(quarantined)}, rolled up ${fmt(rolled)}`,
);
console.log(
  `  exactly once              ${events + quarantined === appended && rolled === events ? 'yes' : 'NO'} (events + quarantine = appended, rollups = events)`,
);
console.log(
  `  sustained                 ${fmt(sustained)} events/s (whole run incl. drain: ${fmt(overall)}/s)`,
);
console.log(
  `  per CPU-second            ${fmt(stats.records / ((cpu.user + cpu.system) / 1e6))} records/CPU-s (process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s over ${((tDone - t0) / 1000).toFixed(1)} s)`,
);
console.log(
  `  batches                   ${fmt(stats.batches)} (mean ${(stats.records / stats.batches).toFixed(0)} records), peak backlog ${fmt(peakBacklog)}`,
);
console.log(
  `  detection stages          ${stageNames} registered${stageNames ? '' : ' (none: latency is to the end of the commit)'}; alerts raised ${Number.isNaN(alerts) ? 'n/a' : fmt(alerts)}`,
);
console.log(
  `  latency receipt → detected p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${sorted.at(-1)} ms (${fmt(sorted.length)} samples)`,
);
console.log(
  `  pipeline phases (wall)    parse+attribute ${(stats.prepareMs / 1000).toFixed(1)} s, commit ${(stats.commitMs / 1000).toFixed(1)} s (on the store thread for SQLite: waiting, not main-thread work), detection stages ${(stats.stageMs / 1000).toFixed(1)} s`,
);
{
  const elu = performance.eventLoopUtilization(elu0);
  const threads = threadCpu();
  const main = threads.get(process.pid) ?? 0;
  const others = [...threads.entries()]
    .filter(([tid]) => tid !== process.pid)
    .map(([, s]) => s)
    .sort((a, b) => b - a);
  const total = [...threads.values()].reduce((a, b) => a + b, 0);
  console.log(
    `  CPU by thread             main ${main.toFixed(1)} s (event loop busy ${(elu.utilization * 100).toFixed(0)}%), other threads ${(total - main).toFixed(1)} s (largest ${others
      .slice(0, 4)
      .map((x) => x.toFixed(1))
      .join(
        ', ',
      )} s: the store thread, then V8's GC and compiler helpers; BENCH_THREADS=1 lists every thread)`,
  );
}
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
console.log(
  `  peak RSS                  ${mib(rss)} (sampled at ${mib(memAtPeak.rss)}: main-thread V8 heap ` +
    `${mib(memAtPeak.heapTotal)} committed, ${mib(memAtPeak.heapUsed)} in use; outside it ${mib(memAtPeak.external)})`,
);
console.log(
  `bare read-and-parse (same input, one thread): ${fmt(bare.wall)} lines/s wall, ${fmt(bare.cpu)} lines/CPU-s`,
);
console.log(`ratio pipeline / bare parse: ${(sustained / bare.wall).toFixed(2)} (wall)`);
console.log(
  `load average after: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
await platform.close();
if (QUEUE === 'nats') {
  const { connect } = await import('nats');
  const nc = await connect({ servers: config.queue.natsUrl });
  await (await nc.jetstreamManager()).streams.delete(stream).catch(() => {});
  await nc.close();
}
await tdb?.cleanup();
rmSync(dataDir, { recursive: true, force: true });
if (probeEvents !== events) {
  console.error(`detection probe saw ${probeEvents} events, stored ${events}`);
  process.exitCode = 1;
}
