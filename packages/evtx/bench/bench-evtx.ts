// `npm run bench:evtx`: records per second of @mamori/evtx and of libevtx's evtxexport (Debian
// libevtx-utils) on the same files, side by side in one run. Inputs are built from the SigmaHQ regression
// samples (see inputs.ts): their chunks repeated ("samples", sparse) and their records re-packed into full
// chunks ("dense", like a live log). Each measurement runs `rounds` times interleaved; the best is kept
// because the machine is shared. Environment: EVTX_BENCH_RECORDS (dense records, default 50000),
// EVTX_BENCH_REPEAT (sample repetitions, default 10), EVTX_BENCH_ROUNDS (default 2),
// EVTX_BENCH_HUNT_RECORDS (records for the `mamori hunt` run with every SigmaHQ rule on 2 workers, default
// 20000; 0 skips it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEvtxSync, type FieldFilter } from '../src/index.js';
import { denseInput, mixedInput, samplesInput } from './inputs.js';

const denseRecords = Number(process.env.EVTX_BENCH_RECORDS ?? 50000);
const repeat = Number(process.env.EVTX_BENCH_REPEAT ?? 10);
const rounds = Number(process.env.EVTX_BENCH_ROUNDS ?? 2);
const huntRecords = Number(process.env.EVTX_BENCH_HUNT_RECORDS ?? 20000);

const which = spawnSync('sh', ['-c', 'command -v evtxexport'], { encoding: 'utf8' });
if (which.status !== 0) {
  console.error(
    'evtxexport not found: apt-get install -y libevtx-utils (listed in scripts/debian-packages.txt)',
  );
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'mamori-bench-evtx-'));
const inputs = [
  {
    name: `dense (${denseRecords} sample records re-packed)`,
    path: join(dir, 'dense.evtx'),
    data: denseInput(denseRecords),
  },
  {
    name: `samples (202 sample files x${repeat})`,
    path: join(dir, 'samples.evtx'),
    data: samplesInput(repeat),
  },
];
for (const i of inputs) writeFileSync(i.path, i.data);

interface Run {
  seconds: number;
  /** User + system CPU time: robust to other load on a shared machine. */
  cpu: number;
}

// The compiled-template path (what `mamori hunt` uses, here without leaving any field out).
const everything: FieldFilter = { names: null, full: () => true };

function mamori(path: string, stringify: boolean, compiled = false): Run & { records: number } {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let records = 0;
  let bytes = 0;
  for (const r of readEvtxSync(path, compiled ? { fields: everything } : {})) {
    if (stringify) bytes += JSON.stringify(r.event).length;
    else void r.event;
    records++;
  }
  void bytes;
  const c = process.cpuUsage(c0);
  return { records, seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 };
}

function evtxexport(path: string, format: 'text' | 'xml'): Run {
  // bash's `times` prints the CPU time of the children it ran (second line).
  const script = 'evtxexport -f "$1" "$2" >/dev/null 2>&1 || exit 9; times';
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', script, 'bench', format, path], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`evtxexport failed on ${path} (exit ${r.status})`);
  const child = r.stdout.trim().split('\n').pop() ?? '';
  const cpu = [...child.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (a, m) => a + Number(m[1]) * 60 + Number(m[2]),
    0,
  );
  return { seconds, cpu };
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
console.log(
  `EVTX reader benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
);
console.log(`best of ${rounds} rounds; evtxexport output to /dev/null; mamori in one thread`);
console.log(`load average at the start: ${load()}\n`);
const rows: string[][] = [
  ['input', 'MB', 'records', 'reader', 'wall s', 'records/s', 'ratio', 'CPU s', 'records/CPU-s', 'ratio'],
];
for (const input of inputs) {
  const best: Record<string, Run> = {};
  let records = 0;
  const keep = (k: string, r: Run) => {
    const b = best[k];
    best[k] = {
      seconds: Math.min(b?.seconds ?? Infinity, r.seconds),
      cpu: Math.min(b?.cpu ?? Infinity, r.cpu),
    };
  };
  mamori(input.path, true); // warm-up: JIT and page cache
  for (let r = 0; r < rounds; r++) {
    keep('evtxexport -f text', evtxexport(input.path, 'text'));
    const a = mamori(input.path, true);
    records = a.records;
    keep('mamori → JSON text', a);
    keep('evtxexport -f xml', evtxexport(input.path, 'xml'));
    keep('mamori → event objects', mamori(input.path, false));
    keep('mamori → event objects, compiled templates', mamori(input.path, false, true));
  }
  const base = best['evtxexport -f text']!;
  for (const [k, r] of Object.entries(best)) {
    rows.push([
      input.name,
      (input.data.length / 1048576).toFixed(0),
      String(records),
      k,
      r.seconds.toFixed(2),
      Math.round(records / r.seconds).toLocaleString('en-US'),
      (base.seconds / r.seconds).toFixed(2) + '×',
      r.cpu.toFixed(2),
      Math.round(records / r.cpu).toLocaleString('en-US'),
      (base.cpu / r.cpu).toFixed(2) + '×',
    ]);
  }
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((v, c) => v.padEnd(widths[c]!)).join('  '));

function huntRun(label: string, data: Buffer): void {
  const path = join(dir, 'hunt.evtx');
  writeFileSync(path, data);
  const main = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
  const args = ['hunt', path, '--workers', '2', '--json', '-o', '/dev/null', '--quiet', '--timing'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=development', main, ...args], {
    encoding: 'utf8',
    // The compiled-rule cache in the benchmark's folder: the first hunt compiles, the next restores.
    env: { ...process.env, MAMORI_CACHE_DIR: join(dir, 'rule-cache') },
  });
  const line = r.stderr.trim().split('\n').pop() ?? '';
  try {
    const f = JSON.parse(line) as Record<string, number>;
    console.log(
      `${label}: ${f.events} events, ${f.hits} hits; rules (${f.rules}) compiled in ${(f.compileMs! / 1000).toFixed(1)} s; ` +
        `sweep ${(f.sweepMs! / 1000).toFixed(1)} s = ${f.eventsPerSecond?.toLocaleString('en-US')} events/s, ` +
        `${f.sweepCpuSeconds!.toFixed(2)} CPU-s = ${Math.round(f.events! / f.sweepCpuSeconds!).toLocaleString('en-US')} events per CPU-second; ` +
        `peak RSS ${f.maxRssMiB} MiB; load average ${load()}`,
    );
  } catch {
    console.log(`${label}: mamori hunt failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  }
}

if (huntRecords > 0) {
  // The responder's sweep: every bundled SigmaHQ rule, 2 worker threads, JSONL hits to /dev/null.
  console.log('\nmamori hunt, all SigmaHQ rules, 2 workers:');
  // Every event an attack sample (each matches 1-2 rules): the worst case.
  huntRun(`  attacks only (${huntRecords} re-packed samples)`, denseInput(huntRecords));
  // 1 event in 100 an attack sample, the rest the same event types with neutral payload text.
  huntRun(`  mixed (${huntRecords * 2.5} records, 1% attack samples)`, mixedInput(huntRecords * 2.5));
  // A larger sweep, where per-worker warm-up (automata, JIT, memos) weighs less.
  huntRun(`  mixed (${huntRecords * 10} records, 1% attack samples)`, mixedInput(huntRecords * 10));
}
console.log(`\nload average at the end: ${load()}`);
rmSync(dir, { recursive: true, force: true });
