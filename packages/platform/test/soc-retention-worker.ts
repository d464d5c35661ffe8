// A second platform instance in a process of its own (another worker of the same deployment), driven over
// stdin by soc-retention-lease.db.test.ts: `run <nowMs>`, `skew <ms>` (moves its clock), `exit`. One JSON line
// answers each command.
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import type { MamoriConfig } from '@mamori/core';
import { createPlatform } from '../src/platform.js';

const config = JSON.parse(process.env.MAMORI_WORKER_CONFIG ?? '{}') as MamoriConfig;
let skew = 0;
const p = await createPlatform(config, {
  logger: pino({ level: 'silent' }),
  migrate: false,
  clock: () => new Date(Date.now() + skew),
});
const out = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
out({ ready: true, holder: (p.soc.retention as unknown as { lease: { holder: string } }).lease.holder });
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.trim().split(' ');
  if (cmd === 'exit') break;
  try {
    if (cmd === 'run') out({ result: await p.soc.retention.run(Number(arg)) });
    else if (cmd === 'skew') {
      skew += Number(arg);
      out({ ok: true });
    } else out({ error: `unknown command ${cmd}` });
  } catch (err) {
    out({ error: String(err) });
  }
}
await p.close();
// stdin (a pipe) would keep the process alive.
process.exit(0);
