// bench:detect — the SOC detection stage alone, on a realistic mix (firewall-heavy, with web, proxy, DNS,
// IPS, mail and sign-in events and a sprinkling of attacks), in pipeline-sized batches on the embedded
// default (SQLite file). Prints events/s of evaluation alone and with the alert writes, alerts made, and the
// alert latency from receipt (batch hand-over) to commit, p50/p99/max.
// Usage: npm run bench:detect [-- --events 200000 --batch 2000]
import { orgIdForCode, type SocEvent } from '@mamori/platform';
import { createTestPlatform } from '@mamori/platform/testing';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const TOTAL = arg('events', 200_000);
const BATCH = arg('batch', 2000);
const PREF = orgIdForCode('220001');
const ORGS = ['222038', '222054', '222062', '222071', '222089', '222097', '222101'].map(orgIdForCode);

let seq = 0;
function ev(
  o: Partial<SocEvent> & Pick<SocEvent, 'class' | 'activity' | 'sourceKind' | 'format'>,
  t: number,
): SocEvent {
  return {
    severity: 'informational',
    disposition: 'allowed',
    raw: '',
    ...o,
    id: `b-${++seq}`,
    time: new Date(t).toISOString(),
    receivedAt: 0,
    organizationId: o.organizationId === undefined ? ORGS[seq % ORGS.length]! : o.organizationId,
    unattributedReason: null,
    prefectureId: PREF,
  };
}

function makeEvent(i: number, t: number): SocEvent {
  const r = i % 100;
  const host = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  if (r < 50)
    return ev(
      {
        class: 'network_activity',
        activity: 'traffic',
        sourceKind: 'firewall',
        format: 'netfilter',
        disposition: r < 10 ? 'blocked' : 'allowed',
        src: { ip: host, port: 40000 + (i % 20000) },
        dst: { ip: `203.0.113.${i % 250}`, port: [443, 80, 53, 25, 8080][i % 5]! },
        fields: { protocol: 'TCP', prefix: r < 10 ? 'DROP' : 'ACCEPT' },
      },
      t,
    );
  if (r < 65) {
    const url =
      i % 5000 === 0
        ? 'http://pastebin.pl/view/raw/x'
        : `https://www.example${i % 900}.jp/news/${i % 77}.html`;
    return ev(
      {
        class: 'http_activity',
        activity: 'proxy',
        sourceKind: 'proxy',
        format: 'squid',
        disposition: r < 52 ? 'blocked' : 'allowed',
        src: { ip: host },
        dst: { hostname: new URL(url).hostname },
        fields: { url, method: 'GET', status: 200 },
      },
      t,
    );
  }
  if (r < 75) {
    const path = i % 1000 === 0 ? `/item.php?id=@@version&n=${i}` : `/index.php?page=${i % 300}`;
    return ev(
      {
        class: 'http_activity',
        activity: 'access',
        sourceKind: 'web',
        format: 'access-combined',
        src: { ip: `198.51.100.${i % 200}` },
        fields: {
          url: path,
          method: 'GET',
          status: 200,
          userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
        },
      },
      t,
    );
  }
  if (r < 85)
    return ev(
      {
        class: 'dns_activity',
        activity: 'query',
        sourceKind: 'dns',
        format: 'unbound',
        src: { ip: host },
        dst: { domain: `host${i % 3000}.example.jp` },
        fields: { qtype: 'A' },
      },
      t,
    );
  if (r < 90)
    return ev(
      {
        class: 'detection_finding',
        activity: 'alert',
        sourceKind: 'ips',
        format: 'suricata-eve',
        severity: 'medium',
        disposition: 'detected',
        src: { ip: `203.0.113.${i % 50}` },
        dst: { ip: host },
        rule: { id: String(2024000 + (i % 40)), name: `ET SCAN sample ${i % 40}` },
      },
      t,
    );
  if (r < 95)
    return ev(
      {
        class: 'email_activity',
        activity: i % 50 === 0 ? 'malware' : 'scan',
        sourceKind: 'mail',
        format: 'rspamd',
        disposition: i % 50 === 0 ? 'blocked' : 'allowed',
        src: { ip: '198.51.100.43', email: 'sender@example.org' },
        dst: { email: `user${i % 400}@city.example.lg.jp`, domain: 'city.example.lg.jp' },
        fields: i % 50 === 0 ? { virus: `Win.Trojan.Sample-${i % 3}` } : {},
      },
      t,
    );
  return ev(
    {
      class: 'authentication',
      activity: 'logon',
      sourceKind: 'endpoint',
      format: 'linux-auth',
      disposition: i % 3 === 0 ? 'blocked' : 'allowed',
      src: { ip: `192.0.2.${i % 30}` },
      dst: { hostname: `srv${i % 12}`, user: `user${i % 40}` },
      fields: { program: 'sshd', method: 'password' },
      raw: `sshd[1]: ${i % 3 === 0 ? 'Failed' : 'Accepted'} password for user${i % 40}`,
    },
    t,
  );
}

const p = await createTestPlatform({ config: { soc: { pipeline: false } } });
try {
  const stage = p.soc.detection;
  const start = Date.parse('2026-11-25T00:00:00Z');
  // Warm: compile the default rule sets once (the first event of each logsource would otherwise pay for it).
  const warm = performance.now();
  stage.evaluate(Array.from({ length: 100 }, (_, i) => makeEvent(i, start)));
  const compileMs = performance.now() - warm;
  // Evaluation alone.
  const evalEvents = Array.from({ length: Math.min(TOTAL, 100_000) }, (_, i) =>
    makeEvent(i + 1_000_000, start + i * 10),
  );
  let t0 = performance.now();
  let hits = 0;
  for (let i = 0; i < evalEvents.length; i += BATCH)
    hits += stage.evaluate(evalEvents.slice(i, i + BATCH)).length;
  const evalRate = evalEvents.length / ((performance.now() - t0) / 1000);
  stage.builtin.expire(Date.now() + 10 * 86_400_000);
  // Full stage: evaluation + alert writes, batch by batch as the pipeline hands them over.
  const lat: number[] = [];
  t0 = performance.now();
  for (let i = 0; i < TOTAL; i += BATCH) {
    const n = Math.min(BATCH, TOTAL - i);
    const batch = Array.from({ length: n }, (_, k) =>
      makeEvent(i + k, start + 3_600_000 * 48 + (i + k) * 10),
    );
    const received = Date.now();
    for (const e of batch) e.receivedAt = received;
    const before = stage.stats().alertsCreated + stage.stats().alertsUpdated;
    await stage.onEvents(batch);
    if (stage.stats().alertsCreated + stage.stats().alertsUpdated > before) lat.push(Date.now() - received);
  }
  const secs = (performance.now() - t0) / 1000;
  const s = stage.stats();
  lat.sort((a, b) => a - b);
  const q = (x: number) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))] ?? 0;
  const rss = process.memoryUsage().rss / 1024 / 1024;
  console.log(`bench:detect (${p.db.dialect}, ${TOTAL} events, batches of ${BATCH})`);
  console.log(`  rule-set compile (defaults, first use): ${compileMs.toFixed(0)} ms`);
  console.log(
    `  evaluation only: ${Math.round(evalRate)} events/s (${hits} hits on ${evalEvents.length} events)`,
  );
  console.log(`  evaluation + alert writes: ${Math.round(TOTAL / secs)} events/s`);
  console.log(
    `  alerts created ${s.alertsCreated}, alert updates ${s.alertsUpdated}, hits ${s.hits}, errors ${s.errors}`,
  );
  console.log(
    `  alert latency receipt→commit over ${lat.length} alerting batches: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${lat.at(-1) ?? 0} ms`,
  );
  console.log(`  built-in window groups held: ${s.builtinGroups}; rss ${rss.toFixed(0)} MiB`);
} finally {
  await p.close();
}
