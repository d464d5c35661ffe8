// npm run bench:api — the platform API on its embedded default (SQLite, all organizations loaded):
//  1. cold start of `mamori serve`: process spawn → first 200 on /readyz (several runs, median);
//  2. GET /api/v1/organizations?q=… (names, hiragana, half-width katakana, code prefixes) under N concurrent
//     clients with an API token: p50/p95/p99 latency and requests/s over a fixed number of requests.
// Traffic goes to 127.0.0.1 only. Options: --requests N (default 5000) --concurrency N (default 50)
// --cold-runs N (default 3) --dev (spawn the tsx dev entry even when the CLI is built) --json
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@mamori/core';
import { STATE_ORG_ID, createPlatform, systemContext } from '@mamori/platform';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const REQUESTS = opt('--requests', 5000);
const CONCURRENCY = opt('--concurrency', 50);
const COLD_RUNS = opt('--cold-runs', 3);
const asJson = args.includes('--json');

const QUERIES = [
  '静岡',
  '沼津市',
  '浜松',
  '札幌',
  '中央区',
  '東京都',
  '村',
  'しずおか',
  'ぬまづ',
  'さっぽろ',
  'よこはま',
  'ｼｽﾞｵｶ',
  'ﾇﾏﾂﾞ',
  'ｵｵｻｶ',
  '22',
  '2213',
  '13',
  '011',
  '47',
  'kyoto',
];

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => ok(port));
    });
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(url, { method: 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

function serveCommand(): { cmd: string; argv: string[]; label: string } {
  const built = join(root, 'packages/cli/dist/main.js');
  if (existsSync(built) && !args.includes('--dev'))
    return { cmd: process.execPath, argv: [built, 'serve'], label: 'node packages/cli/dist/main.js serve' };
  const dev = join(root, 'packages/cli/src/main.ts');
  return {
    cmd: process.execPath,
    argv: ['--import', 'tsx', '--conditions=development', dev, 'serve'],
    label: `node --import tsx --conditions=development packages/cli/src/main.ts serve (dev entry${
      existsSync(built) ? '' : ', no build present'
    })`,
  };
}

function fallbackCommand(): { cmd: string; argv: string[]; label: string } {
  return {
    cmd: process.execPath,
    argv: ['--import', 'tsx', '--conditions=development', join(root, 'packages/server/bench/serve-entry.ts')],
    label: 'node --import tsx packages/server/bench/serve-entry.ts (fallback: the CLI has no serve command)',
  };
}

async function waitReady(base: string, child: ChildProcess, t0: bigint, timeoutMs = 60_000): Promise<number> {
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error('server exited before it was ready');
    try {
      const r = await get(`${base}/readyz`);
      if (r.status === 200) return Number(process.hrtime.bigint() - t0) / 1e6;
    } catch {
      // not listening yet
    }
    if (Number(process.hrtime.bigint() - t0) / 1e6 > timeoutMs) throw new Error('server not ready in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null) return ok();
    child.once('exit', () => ok());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th (clock ticks, 100/s).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return null;
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mamori-bench-'));
  const port = await freePort();
  const env = {
    ...process.env,
    MAMORI_DATA_DIR: dataDir,
    MAMORI_DATABASE_DRIVER: 'sqlite',
    MAMORI_SERVER_HOST: '127.0.0.1',
    MAMORI_SERVER_PORT: String(port),
    MAMORI_LOG_LEVEL: 'warn',
  };
  let child: ChildProcess | null = null;
  try {
    // Prepare the embedded database once: migrations, every organization, an API token for the load.
    const prep0 = Date.now();
    const platform = await createPlatform(loadConfig({ env }));
    const loaded = await platform.orgs.loadOfficial(systemContext('bench'));
    const { token } = await platform.tokens.create(systemContext('bench'), {
      name: 'bench:api',
      organizationId: STATE_ORG_ID,
      permissions: ['org:read'],
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await platform.close();
    const prepMs = Date.now() - prep0;

    // Baseline for the machine's state: an empty Node process, spawn → exit.
    const baseline: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const t0 = process.hrtime.bigint();
      await new Promise<void>((ok) =>
        spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).on('exit', () => ok()),
      );
      baseline.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    baseline.sort((a, b) => a - b);

    // Cold start: spawn → first 200 on /readyz.
    const base = `http://127.0.0.1:${port}`;
    let command = serveCommand();
    const cold: number[] = [];
    const inProcess: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const t0 = process.hrtime.bigint();
      child = spawn(command.cmd, command.argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let stdout = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      // `mamori serve` says how long its own start took (config, database, app, listen), after module loading.
      child.stdout!.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /started in (\d+) ms/.exec(stdout);
        if (m) inProcess[i] = Number(m[1]);
      });
      try {
        cold.push(await waitReady(base, child, t0));
      } catch (err) {
        await stop(child);
        if (i === 0 && command.label.includes('packages/cli')) {
          process.stderr.write(
            `bench:api: ${command.label} failed (${String(err)}): ${stderr.slice(0, 300)}\n`,
          );
          command = fallbackCommand();
          i--;
          continue;
        }
        throw new Error(`${String(err)}\n${stderr}`, { cause: err });
      }
      if (i < COLD_RUNS - 1) {
        await stop(child);
        agent.destroy();
      }
    }

    // Load: N concurrent clients, REQUESTS requests in total, each a query from the list in turn.
    const headers = { authorization: `Bearer ${token}` };
    for (const q of QUERIES) {
      const r = await get(`${base}/api/v1/organizations?q=${encodeURIComponent(q)}`, headers);
      if (r.status !== 200) throw new Error(`warm-up ${q}: ${r.status} ${r.body}`);
    }
    const lat: number[] = [];
    let next = 0;
    let errors = 0;
    let items = 0;
    const cpu0 = cpuMsOf(child!.pid);
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (;;) {
          const n = next++;
          if (n >= REQUESTS) return;
          const q = QUERIES[n % QUERIES.length]!;
          const s = process.hrtime.bigint();
          const r = await get(`${base}/api/v1/organizations?q=${encodeURIComponent(q)}&limit=50`, headers);
          lat.push(Number(process.hrtime.bigint() - s) / 1e6);
          if (r.status !== 200) errors++;
          else items += (JSON.parse(r.body) as { items: unknown[] }).items.length;
        }
      }),
    );
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu1 = cpuMsOf(child!.pid);
    const serverCpuMsPerRequest =
      cpu0 !== null && cpu1 !== null ? +((cpu1 - cpu0) / REQUESTS).toFixed(2) : null;
    lat.sort((a, b) => a - b);
    const coldSorted = [...cold].sort((a, b) => a - b);
    const result = {
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}`,
      // The machine is shared: the 1-minute load average at the end says how much else was running.
      loadAverage: +(loadavg()[0] ?? 0).toFixed(1),
      serveCommand: command.label,
      organizationsLoaded: loaded.total,
      prepareMs: prepMs,
      coldStartMs: {
        runs: cold.map((x) => Math.round(x)),
        median: Math.round(pct(coldSorted, 50)),
        reportedByServe: inProcess.filter((x) => x !== undefined),
        emptyNodeProcessMedian: Math.round(pct(baseline, 50)),
      },
      load: {
        requests: REQUESTS,
        concurrency: CONCURRENCY,
        queries: QUERIES.length,
        errors,
        meanItems: Math.round((items / Math.max(1, REQUESTS - errors)) * 10) / 10,
        wallMs: Math.round(wallMs),
        requestsPerSecond: Math.round((REQUESTS / wallMs) * 1000),
        serverCpuMsPerRequest,
        latencyMs: {
          p50: +pct(lat, 50).toFixed(1),
          p95: +pct(lat, 95).toFixed(1),
          p99: +pct(lat, 99).toFixed(1),
          max: +lat[lat.length - 1]!.toFixed(1),
        },
      },
    };
    if (asJson) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const l = result.load;
      process.stdout.write(
        [
          `bench:api — ${result.machine}, load average ${result.loadAverage} at the end`,
          `server: ${result.serveCommand}`,
          `database: SQLite (embedded default), ${result.organizationsLoaded} organizations loaded (prepare ${prepMs} ms)`,
          `cold start (spawn → first 200 /readyz): median ${result.coldStartMs.median} ms, runs ${result.coldStartMs.runs.join(', ')} ms` +
            (result.coldStartMs.reportedByServe.length > 0
              ? ` (serve's own "started in": ${result.coldStartMs.reportedByServe.join(', ')} ms)`
              : '') +
            `; an empty \`node -e 0\` takes ${result.coldStartMs.emptyNodeProcessMedian} ms`,
          `GET /api/v1/organizations?q=… (${QUERIES.length} queries: names, hiragana, half-width katakana, code prefixes; limit=50; API token)`,
          `  ${l.requests} requests, ${l.concurrency} concurrent clients, ${l.errors} errors, mean ${l.meanItems} items/response`,
          `  server CPU ${l.serverCpuMsPerRequest ?? '?'} ms per request (user+system, from /proc)`,
          `  ${l.requestsPerSecond} requests/s; latency p50 ${l.latencyMs.p50} ms, p95 ${l.latencyMs.p95} ms, p99 ${l.latencyMs.p99} ms, max ${l.latencyMs.max} ms`,
          '',
        ].join('\n'),
      );
    }
    if (errors > 0) process.exitCode = 1;
  } finally {
    if (child) await stop(child);
    agent.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
