// `npm run bench:hunt`: `mamori hunt` with every bundled SigmaHQ rule on two inputs of realistic size,
// printing events/s (wall) and events per CPU-second (all threads of the sweep, robust to other load on a
// shared machine), peak RSS and the load average. Inputs:
//  - EVTX: the `bench:evtx` mixed input (1 event in 100 a SigmaHQ regression sample, the others the same
//    event types with neutral payloads), HUNT_BENCH_EVENTS records (default 200,000);
//  - NDJSON: the `bench:sigma` everyday Windows event mix (Sysmon, Security, PowerShell, System; 2%
//    regression samples), HUNT_BENCH_EVENTS events, one JSON object per line.
// HUNT_BENCH_WORKERS (default 2) workers; HUNT_BENCH_ROUNDS (default 1) runs of each. The compiled-rule
// cache lives in the benchmark's temporary folder: the first run compiles (cache miss), later ones
// restore the compilation (hit). Printed: the sweep (from the moment every worker is ready) and the whole
// command (start-up, rule compilation or restore in every worker, sweep, output), both in CPU time.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mixedInput } from '../../evtx/bench/inputs.js';
import { buildEventMix } from '../../sigma/bench/events.js';

const events = Number(process.env.HUNT_BENCH_EVENTS ?? 200000);
const workers = process.env.HUNT_BENCH_WORKERS ?? '2';
const rounds = Number(process.env.HUNT_BENCH_ROUNDS ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'mamori-bench-hunt-'));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

async function writeNdjson(path: string, n: number): Promise<void> {
  const ws = createWriteStream(path);
  let s = '';
  for (const e of buildEventMix(n)) {
    s += JSON.stringify(e) + '\n';
    if (s.length >= 1 << 20) {
      if (!ws.write(s)) await new Promise((r) => ws.once('drain', r));
      s = '';
    }
  }
  await new Promise<void>((r) => ws.end(s, () => r()));
}

function hunt(label: string, path: string): void {
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const args = ['hunt', path, '--workers', workers, '--json', '-o', '/dev/null', '--quiet', '--timing'];
  const before = load();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=development', main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, MAMORI_CACHE_DIR: join(dir, 'rule-cache') },
  });
  const line = r.stderr.trim().split('\n').pop() ?? '';
  try {
    const f = JSON.parse(line) as Record<string, number> & { ruleCache: string };
    console.log(
      `${label}: ${f.events!.toLocaleString('en-US')} events, ${f.hits!.toLocaleString('en-US')} hits, ` +
        `${f.workers} workers; rules (${f.rules}) ${f.ruleCache === 'hit' ? 'restored from the cache' : 'compiled'} ` +
        `in ${(f.compileMs! / 1000).toFixed(1)} s; sweep ` +
        `${(f.sweepMs! / 1000).toFixed(2)} s = ${f.eventsPerSecond?.toLocaleString('en-US')} events/s, ` +
        `${f.sweepCpuSeconds!.toFixed(2)} CPU-s = ${Math.round(f.events! / f.sweepCpuSeconds!).toLocaleString('en-US')} ` +
        `events per CPU-second; whole command ${f.totalCpuSeconds!.toFixed(2)} CPU-s = ` +
        `${Math.round(f.events! / f.totalCpuSeconds!).toLocaleString('en-US')} events per CPU-second; ` +
        `peak RSS ${f.maxRssMiB} MiB; load ${before} → ${load()}`,
    );
  } catch {
    console.log(`${label}: mamori hunt failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  }
}

console.log(
  `mamori hunt benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; ` +
    `every bundled SigmaHQ rule; JSONL to /dev/null`,
);
const evtx = join(dir, 'mixed.evtx');
writeFileSync(evtx, mixedInput(events));
const ndjson = join(dir, 'mix.ndjson');
await writeNdjson(ndjson, events);
for (let i = 0; i < rounds; i++) {
  hunt(`  EVTX, mixed (${events.toLocaleString('en-US')} records, 1% attack samples)`, evtx);
  hunt(
    `  NDJSON, everyday Windows mix (${events.toLocaleString('en-US')} events, 2% attack samples)`,
    ndjson,
  );
}
rmSync(dir, { recursive: true, force: true });
