// npm run bench:start — how long the platform takes to come up, on SQLite and on PostgreSQL:
//   1. loading all organizations (1,788 governments + the state + wards) into a fresh database, in-process;
//   2. `mamori serve` cold start: from spawning the process to the first 200 from GET /healthz, on a database
//      that already holds the demo data (the usual restart) and on an empty one (first start, migrations run).
// Uses the built CLI (packages/cli/dist) when present, as `npm start` does; otherwise the TypeScript sources.
// Options: --runs N (default 5), --db sqlite|postgres|all (default all).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';
import { createTestDatabase } from '@mamori/store/testing';
import { createTestPlatform } from '@mamori/platform/testing';
import type { Dialect } from '@mamori/store';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const runs = Number(arg('--runs', '5'));
const dbs: Dialect[] =
  arg('--db', 'all') === 'all' ? ['sqlite', 'postgres'] : [arg('--db', 'sqlite') as Dialect];
const built = existsSync(join(root, 'packages/cli/dist/main.js'));
const cli = built
  ? [join(root, 'packages/cli/dist/main.js')]
  : ['--import', 'tsx', '--conditions=development', join(root, 'packages/cli/src/main.ts')];

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return `median ${med.toFixed(0)} ms (min ${s[0]!.toFixed(0)}, max ${s.at(-1)!.toFixed(0)}, n=${s.length})`;
}

function run(env: NodeJS.ProcessEnv, cmd: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...cli, ...cmd], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd.join(' ')} exited ${code}`))));
  });
}

/** Milliseconds from spawn to the first 200 from /healthz, and the in-process part the server reports. */
async function coldStart(env: NodeJS.ProcessEnv): Promise<{ total: number; inProcess: number }> {
  const t0 = performance.now();
  const p = spawn(process.execPath, [...cli, 'serve', '--port', '0', '--json'], {
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    let inProcess = NaN;
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      p.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const m = /"url":"([^"]+)","startMs":(\d+)/.exec(buf);
        if (m) {
          inProcess = Number(m[2]);
          resolve(m[1]!);
        }
      });
      p.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    for (;;) {
      try {
        const r = await fetch(`${url}/healthz`);
        if (r.status === 200) return { total: performance.now() - t0, inProcess };
      } catch {
        // not accepting yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
  }
}

const bare: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  await new Promise((r) => spawn(process.execPath, ['-e', '0']).on('exit', r));
  bare.push(performance.now() - t0);
}
console.log(
  `bench:start — ${cpus().length} cores, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(
      ' ',
    )}, Node ${process.version}, CLI from ${built ? 'dist (built)' : 'TypeScript sources (not built)'}`,
);
console.log(`baseline: spawning a bare node process and waiting for its exit: ${stats(bare)}`);
for (const db of dbs) {
  const loads: number[] = [];
  for (let i = 0; i < runs; i++) {
    const p = await createTestPlatform({ orgs: false });
    const t0 = performance.now();
    const r = await p.orgs.loadOfficial(p.system);
    loads.push(performance.now() - t0);
    if (i === 0)
      console.log(
        `[${db}] organizations: ${r.total} rows (${r.governments} governments + state + ${r.wards} wards)`,
      );
    await p.close();
  }
  console.log(`[${db}] load all organizations into a fresh database: ${stats(loads)}`);

  const warm: number[] = [];
  const fresh: number[] = [];
  const warmIn: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const populated of [true, false]) {
      const t = await createTestDatabase(db);
      const dataDir = mkdtempSync(join(tmpdir(), 'mamori-bench-'));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        MAMORI_DATA_DIR: dataDir,
        MAMORI_DATABASE_DRIVER: db,
        MAMORI_LOG_LEVEL: 'warn',
        ...(db === 'sqlite'
          ? { MAMORI_DATABASE_SQLITE_PATH: t.options.sqlitePath }
          : { MAMORI_DATABASE_POSTGRES_URL: t.options.postgresUrl! }),
      };
      try {
        if (populated) await run(env, ['demo']);
        const r = await coldStart(env);
        (populated ? warm : fresh).push(r.total);
        if (populated) warmIn.push(r.inProcess);
      } finally {
        await t.cleanup();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }
  console.log(`[${db}] mamori serve cold start → first healthy response, demo database: ${stats(warm)}`);
  console.log(
    `[${db}] mamori serve cold start → first healthy response, empty database (migrates): ${stats(fresh)}`,
  );
  console.log(`[${db}]   of which inside the serve command, to listening (demo database): ${stats(warmIn)}`);
}
