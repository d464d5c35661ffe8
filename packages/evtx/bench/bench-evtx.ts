// `npm run bench:evtx`: records per second of @mamori/evtx and of libevtx's evtxexport (Debian
// libevtx-utils) on the same files, side by side in one run. Inputs are built from the SigmaHQ regression
// samples (see inputs.ts): their chunks repeated ("samples", sparse) and their records re-packed into full
// chunks ("dense", like a live log). Each measurement runs `rounds` times interleaved; the best is kept
// because the machine is shared. Environment: EVTX_BENCH_RECORDS (dense records, default 50000),
// EVTX_BENCH_REPEAT (sample repetitions, default 10), EVTX_BENCH_ROUNDS (default 2).
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEvtxSync } from '../src/index.js';
import { denseInput, samplesInput } from './inputs.js';

const denseRecords = Number(process.env.EVTX_BENCH_RECORDS ?? 50000);
const repeat = Number(process.env.EVTX_BENCH_REPEAT ?? 10);
const rounds = Number(process.env.EVTX_BENCH_ROUNDS ?? 2);

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

function mamori(path: string, stringify: boolean): { records: number; seconds: number } {
  const t0 = process.hrtime.bigint();
  let records = 0;
  let bytes = 0;
  for (const r of readEvtxSync(path)) {
    if (stringify) bytes += JSON.stringify(r.event).length;
    else void r.event;
    records++;
  }
  void bytes;
  return { records, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function evtxexport(path: string, format: 'text' | 'xml'): number {
  const out = openSync('/dev/null', 'w');
  const t0 = process.hrtime.bigint();
  const r = spawnSync('evtxexport', ['-f', format, path], { stdio: ['ignore', out, 'ignore'] });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(out);
  if (r.status !== 0) throw new Error(`evtxexport failed on ${path} (exit ${r.status})`);
  return seconds;
}

console.log(
  `EVTX reader benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}`,
);
console.log(`best of ${rounds} rounds; evtxexport output to /dev/null; mamori in one thread\n`);
const rows: string[][] = [['input', 'MB', 'records', 'reader', 'seconds', 'records/s', 'vs evtxexport text']];
for (const input of inputs) {
  const best: Record<string, number> = {};
  let records = 0;
  const keep = (k: string, s: number) => (best[k] = Math.min(best[k] ?? Infinity, s));
  mamori(input.path, true); // warm-up: JIT and page cache
  for (let r = 0; r < rounds; r++) {
    keep('evtxexport -f text', evtxexport(input.path, 'text'));
    const a = mamori(input.path, true);
    records = a.records;
    keep('mamori → JSON text', a.seconds);
    keep('evtxexport -f xml', evtxexport(input.path, 'xml'));
    keep('mamori → event objects', mamori(input.path, false).seconds);
  }
  const base = best['evtxexport -f text']!;
  for (const [k, s] of Object.entries(best)) {
    rows.push([
      input.name,
      (input.data.length / 1048576).toFixed(0),
      String(records),
      k,
      s.toFixed(2),
      Math.round(records / s).toLocaleString('en-US'),
      (base / s).toFixed(2) + '×',
    ]);
  }
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
for (const r of rows) console.log(r.map((v, c) => v.padEnd(widths[c]!)).join('  '));
rmSync(dir, { recursive: true, force: true });
