// npm run bench:parsers — lines/s per parser (format given, as the SOC configures per source) and on a
// realistic firewall-heavy mix, both with the format given and auto-detected. Single core (one thread).
// Input: the real-engine and vendor fixture lines, with addresses and ports varied so no two lines are equal.
// Usage: npm run bench:parsers [-- --seconds 1.5]
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { LineParser, parseLine, isParseError, resolveOptions } from '@mamori/parsers';

const secArg = process.argv.indexOf('--seconds');
const SECONDS = secArg > 0 ? Number(process.argv[secArg + 1]) : 1.5;
const fx = (p: string): string[] =>
  readFileSync(new URL(`../test/fixtures/${p}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);

let seq = 0;
/** Varies the last octet of 10.x / 192.0.2.x / 198.51.100.x / 203.0.113.x addresses and 5-digit ports. */
function vary(line: string): string {
  seq++;
  return line
    .replace(
      /\b(10\.\d+\.\d+|192\.0\.2|198\.51\.100|203\.0\.113)\.\d+\b/g,
      (_m, p: string) => `${p}.${((seq * 7) % 250) + 1}`,
    )
    .replace(/\b([1-6]\d{4})\b(?![.:])/g, () => String(10000 + ((seq * 131) % 50000)));
}

function corpus(lines: string[], n: number, wrap?: (l: string) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = vary(lines[i % lines.length]!);
    out.push(wrap ? wrap(l) : l);
  }
  return out;
}

const sys = (host: string, tag: string) => (l: string) => `<134>Nov 25 10:00:00 ${host} ${tag}: ${l}`;
const N = 30_000;
const sources: Record<string, { format: string; lines: string[] }> = {
  'netfilter (kernel log via syslog)': {
    format: 'netfilter',
    lines: corpus(fx('netfilter/dmesg.log'), N, sys('fw01', 'kernel')),
  },
  'ulogd2-json': { format: 'ulogd2-json', lines: corpus(fx('ulogd2-json/ulogd.json'), N) },
  fortigate: { format: 'fortigate', lines: corpus(fx('fortigate/fortigate.log'), N, (l) => `<189>${l}`) },
  'panos (CSV)': { format: 'panos', lines: corpus(fx('panos/panos.log'), N, sys('pa01', 'panos')) },
  cef: { format: 'cef', lines: corpus(fx('cef/cef.log'), N) },
  leef: { format: 'leef', lines: corpus(fx('leef/leef.log'), N) },
  squid: { format: 'squid', lines: corpus(fx('squid/access.log'), N) },
  'modsecurity-v3 (JSON)': {
    format: 'modsecurity-v3',
    lines: corpus(fx('modsecurity-v3/nginx-crs.jsonl'), N),
  },
  'modsecurity-v2 (JSON)': { format: 'modsecurity-v2', lines: corpus(fx('modsecurity-v2/apache.jsonl'), N) },
  'suricata-eve': { format: 'suricata-eve', lines: corpus(fx('suricata-eve/eve.jsonl'), N) },
  postfix: { format: 'postfix', lines: corpus(fx('postfix/maillog'), N) },
  rspamd: { format: 'rspamd', lines: corpus(fx('rspamd/rspamd.log'), N) },
  'rspamd-checkv2': { format: 'rspamd-checkv2', lines: corpus(fx('rspamd/checkv2.jsonl'), N) },
  clamd: { format: 'clamd', lines: corpus(fx('clamd/clamd.log'), N) },
  unbound: { format: 'unbound', lines: corpus(fx('unbound/unbound.log'), N) },
  yara: { format: 'yara', lines: corpus(fx('yara/yara.out'), N) },
  winlogbeat: { format: 'winlogbeat', lines: corpus(fx('winlogbeat/winlogbeat.jsonl'), N) },
  'linux-auth': { format: 'linux-auth', lines: corpus(fx('linux-auth/auth.log'), N) },
  'access-combined': { format: 'access-combined', lines: corpus(fx('access-combined/nginx.log'), N) },
};

/**
 * Runs fn over the lines repeatedly for about SECONDS. Returns lines per CPU-second of this process (the
 * single-core capacity; on a shared machine the wall-clock rate only measures our share of the CPU) and the
 * wall-clock rate.
 */
function measure<T>(lines: T[], fn: (l: T) => unknown): { rate: number; wall: number; bad: number } {
  let bad = 0;
  for (let i = 0; i < Math.min(lines.length, 30000); i++) fn(lines[i]!); // warm-up (JIT)
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let n = 0;
  const deadline = t0 + BigInt(Math.round(SECONDS * 1e9));
  outer: for (;;) {
    for (let i = 0; i < lines.length; i++) {
      const r = fn(lines[i]!);
      if (isParseError(r)) bad++;
      n++;
      if ((n & 1023) === 0 && process.hrtime.bigint() > deadline) break outer;
    }
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { rate: n / ((c.user + c.system) / 1e6), wall: n / s, bad };
}

const opts = resolveOptions({ now: new Date('2026-11-25T12:00:00Z') });
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(10);
console.log(
  `bench:parsers — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} cores), single thread, ${SECONDS}s per figure\n`,
);
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}: rates are lines per CPU-second (wall-clock in brackets)\n`,
);
// A fixed yardstick so figures from differently loaded runs can be compared.
const yard =
  '{"timestamp":"2026-11-25T10:15:02.123456+0900","flow_id":1234567890123456,"event_type":"alert","src_ip":"203.0.113.45","src_port":51544,"dest_ip":"198.51.100.20","dest_port":80,"proto":"TCP"}';
const base = measure([yard], (l) => JSON.parse(l));
console.log(`yardstick: JSON.parse of a ${yard.length}-byte object ${fmt(base.rate)} /CPU-s\n`);
console.log('per parser (format given)            lines/CPU-s  (wall lines/s)  malformed');
const perParser: Record<string, number> = {};
const onlyMix = process.argv.includes('--only-mix');
for (const [name, s] of Object.entries(onlyMix ? {} : sources)) {
  const r = measure(s.lines, (l) => parseLine(l, s.format, opts));
  perParser[name] = r.rate;
  console.log(`  ${name.padEnd(34)} ${fmt(r.rate)}  (${fmt(r.wall)})  ${r.bad}`);
}

// Realistic mix: 70% firewall, 10% proxy, 10% WAF/IPS, 10% mail/DNS.
function pick(name: string, k: number): { format: string; line: string }[] {
  const s = sources[name]!;
  return s.lines.slice(0, k).map((line) => ({ format: s.format, line }));
}
const M = 100_000;
const mix = [
  ...pick('netfilter (kernel log via syslog)', M * 0.3),
  ...pick('fortigate', M * 0.2),
  ...pick('panos (CSV)', M * 0.1),
  ...pick('ulogd2-json', M * 0.1),
  ...pick('squid', M * 0.1),
  ...pick('modsecurity-v3 (JSON)', M * 0.03),
  ...pick('suricata-eve', M * 0.05),
  ...pick('cef', M * 0.02),
  ...pick('postfix', M * 0.04),
  ...pick('rspamd', M * 0.01),
  ...pick('clamd', M * 0.01),
  ...pick('unbound', M * 0.04),
];
// Deterministic shuffle so sources interleave as they would on a shared collector.
let x = 42;
for (let i = mix.length - 1; i > 0; i--) {
  x = (x * 1103515245 + 12345) & 0x7fffffff;
  const j = x % (i + 1);
  [mix[i], mix[j]] = [mix[j]!, mix[i]!];
}
const mixLines = mix.map((m) => m.line);
console.log(`\nrealistic mix (${mix.length} lines: 70% firewall, 10% proxy, 10% WAF/IPS, 10% mail/DNS)`);
// Warm every parser up on the mix first so the first figure is not the JIT's.
for (const m of mix) parseLine(m.line, m.format, opts);
for (const l of mixLines) parseLine(l, 'auto', opts);
const given = measure(mix, (m) => parseLine(m.line, m.format, opts));
console.log(`  format given per source            ${fmt(given.rate)}  (${fmt(given.wall)})  ${given.bad}`);
const auto = measure(mixLines, (l) => parseLine(l, 'auto', opts));
console.log(`  auto-detected per line             ${fmt(auto.rate)}  (${fmt(auto.wall)})  ${auto.bad}`);
const lp = new LineParser({ now: new Date('2026-11-25T12:00:00Z') });
let ln = 0;
const stream = measure(mixLines, (l) => lp.push(l, ++ln));
console.log(
  `  LineParser (auto, sticky detection) ${fmt(stream.rate)}  (${fmt(stream.wall)})  ${lp.stats.malformed}`,
);
const target = 50_000;
console.log(
  `\nSOC end-to-end target ${target.toLocaleString('en-US')} events/s: one core parses the mix at ` +
    `${(given.rate / target).toFixed(1)}× that rate (format given) / ${(auto.rate / target).toFixed(1)}× (auto-detected).`,
);
