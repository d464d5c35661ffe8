// Runs a deterministic mutation campaign over EVTX chunks and reports, per case, the time taken and
// whether anything escaped the reader. Runs in a worker so the test can stop it if it ever hangs.
import { parentPort, workerData } from 'node:worker_threads';
import { parseChunk, type EvtxIssue, type FieldFilter } from '../../src/index.js';
import { chunksOf, fixChunkCrcs } from './combine.js';

const { files, rounds, seed } = workerData as { files: string[]; rounds: number; seed: number };

let state = seed >>> 0;
function rnd(n: number): number {
  // xorshift32: deterministic, so a failure can be reproduced from the seed.
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state % n;
}

const garbage = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0xfffe, 0, 1, 512, 65535];
// The compiled-template path (what `mamori hunt` reads with): everything, or a few fields with some
// channel/EventID pairs asking for every EventData value.
const filters: FieldFilter[] = [
  { names: null, full: () => true },
  {
    names: new Set(['EventID', 'Channel', 'Image', 'CommandLine', 'Provider']),
    full: (_c, e) => e % 2 === 0,
  },
];
let cases = 0;
let issues = 0;
let records = 0;
let slowest = 0;
const failures: string[] = [];

for (const file of files) {
  for (const original of chunksOf(file)) {
    const used = Math.max(600, original.readUInt32LE(48));
    for (let r = 0; r < rounds; r++) {
      const chunk = Buffer.from(original);
      const kind = r % 4;
      let label: string;
      if (kind === 0 || kind === 1) {
        const flips = 1 + rnd(8);
        for (let i = 0; i < flips; i++) {
          const at = 512 + rnd(Math.min(used, 65536) - 512);
          chunk[at]! ^= 1 << rnd(8);
        }
        label = `bitflip x${flips}`;
      } else if (kind === 2) {
        const at = 512 + rnd(Math.min(used, 65536) - 516);
        const v = garbage[rnd(garbage.length)]!;
        if (rnd(2)) chunk.writeUInt32LE(v >>> 0, at);
        else chunk.writeUInt16LE(v & 0xffff, at);
        label = `garbage ${v} at ${at}`;
      } else {
        // Truncated chunk data: zero the tail past a random point.
        const at = 512 + rnd(Math.min(used, 65536) - 512);
        chunk.fill(0, at);
        label = `zeroed from ${at}`;
      }
      // Odd rounds keep the CRCs valid so the damage reaches the BinXML parser.
      if (r % 2 === 1 || kind === 2) fixChunkCrcs(chunk);
      const t0 = performance.now();
      try {
        const recs = parseChunk(chunk, 0, 4096, (_i: EvtxIssue) => issues++);
        for (const rec of recs) {
          JSON.stringify(rec.event);
          rec.toXml();
        }
        records += recs.length;
        const fast = parseChunk(chunk, 0, 4096, (_i: EvtxIssue) => issues++, filters[r % 2]);
        for (const rec of fast) JSON.stringify(rec.event);
      } catch (err) {
        failures.push(`${file} round ${r} (${label}): ${(err as Error).stack ?? String(err)}`);
      }
      const ms = performance.now() - t0;
      if (ms > slowest) slowest = ms;
      cases++;
    }
  }
}
parentPort!.postMessage({ cases, issues, records, slowest, failures });
