// bench:asm-orchestration — scans through the platform (platform.asm: scope, guard, engine, persistence,
// findings lifecycle, diff, audit) for many organizations against a loopback lab, on the embedded SQLite
// default or PostgreSQL (`--db postgres`). Each organization's verified scope is its own loopback address
// (127.0.1.N/32, attested by the prefecture administrator) running an HTTP server with two exposures and a
// fingerprintable banner. Round 1 scans every organization (all findings new); the lab then fixes one exposure;
// round 2 rescans (persisting, fixed); round 3 brings it back (reopened). Prints per-scan wall p50/p95/max,
// CPU per scan (the result transaction included), scans per hour of one worker, the rows written and the state
// dashboard's time. Traffic to 127.0.1.0/24 only.
// Usage: npm run bench:asm-orchestration [-- --orgs 40 --db postgres]
import { createServer, type Server } from 'node:http';
import { loadavg, cpus } from 'node:os';
import { orgIdForCode, STATE_ORG_ID } from '@mamori/platform';
import { asmLabSite, createTestPlatform } from '@mamori/platform/testing';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};
const ORGS = Number(arg('orgs', '40'));
if (arg('db', 'sqlite') === 'postgres') process.env.MAMORI_TEST_DB = 'postgres';

// The lab: one HTTP server per organization address; `exposeEnv` off is the fix of one exposure.
const lab = { exposeEnv: true };
const handler = asmLabSite(lab);

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};
const ms = (x: number): string => `${x.toFixed(0)} ms`;

async function main(): Promise<void> {
  const servers: Server[] = [];
  const port = await new Promise<number>((resolve) => {
    const s = createServer(handler);
    s.listen(0, '127.0.1.1', () => resolve((s.address() as { port: number }).port));
    servers.push(s);
  });
  for (let i = 2; i <= ORGS; i++) {
    const s = createServer(handler);
    await new Promise<void>((r) => s.listen(port, `127.0.1.${i}`, r));
    servers.push(s);
  }
  const p = await createTestPlatform({
    config: { asm: { runner: true, udp: false } } as never,
    asm: { engine: { udp: false, timeoutMs: 1000, dns: false } },
  });
  try {
    // The municipalities of 静岡県 (a real prefecture's list), each with its own lab address.
    const munis = (
      await p.orgs.list(p.system, { parentId: orgIdForCode('220001'), limit: 200 })
    ).items.filter((o) => o.kind !== 'ward');
    if (munis.length < ORGS) throw new Error(`only ${munis.length} municipalities; --orgs ≤ ${munis.length}`);
    const pref = await p.addUser({
      username: 'bench-pref-admin',
      role: 'prefecture_admin',
      organizationId: orgIdForCode('220001'),
    });
    const state = await p.addUser({
      username: 'bench-state',
      role: 'state_admin',
      organizationId: STATE_ORG_ID,
    });
    const orgs = munis.slice(0, ORGS);
    for (let i = 0; i < orgs.length; i++) {
      const o = orgs[i]!;
      const root = await p.asm.scope.addRoot(pref.ctx, {
        organizationId: o.id,
        kind: 'cidr',
        value: `127.0.1.${i + 1}/32`,
      });
      await p.asm.scope.attestRoot(pref.ctx, root.id, { statement: 'bench: loopback lab address' });
      await p.asm.scope.updateSettings(pref.ctx, o.id, { ports: String(port), ratePerSecond: 500 });
    }

    const round = async (label: string) => {
      const walls: number[] = [];
      const cpuPer: number[] = [];
      const counts = { findingsNew: 0, findingsFixed: 0, findingsPersisting: 0, assets: 0 };
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (const o of orgs) {
        const s = performance.now();
        const c = process.cpuUsage();
        const run = await p.asm.runScanNow(pref.ctx, { organizationId: o.id });
        const cu = process.cpuUsage(c);
        walls.push(performance.now() - s);
        cpuPer.push((cu.user + cu.system) / 1000);
        if (run.status !== 'done') throw new Error(`scan of ${o.name}: ${run.status} ${run.error ?? ''}`);
        for (const d of run.diff) {
          if (d.change === 'new' || d.change === 'reopened') counts.findingsNew++;
          else if (d.change === 'resolved') counts.findingsFixed++;
        }
        counts.assets += run.counts.hosts;
      }
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      console.log(
        `${label}: ${orgs.length} scans in ${(wall / 1000).toFixed(1)} s wall, ${(cpuMs / 1000).toFixed(1)} CPU-s` +
          ` | per scan wall p50 ${ms(pct(walls, 0.5))}, p95 ${ms(pct(walls, 0.95))}, max ${ms(Math.max(...walls))};` +
          ` CPU p50 ${ms(pct(cpuPer, 0.5))}` +
          ` | one worker: ${Math.round((3600_000 * orgs.length) / wall)} scans/h wall, ${Math.round((3600_000 * orgs.length) / cpuMs)} per CPU-hour` +
          ` | diff: ${counts.findingsNew} new/reopened, ${counts.findingsFixed} resolved; hosts ${counts.assets}`,
      );
    };

    console.log(
      `bench:asm-orchestration — ${cpus().length} cores, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}, Node ${process.version}, database ${process.env.MAMORI_TEST_DB ?? 'sqlite'}`,
    );
    console.log(
      `lab: ${orgs.length} organizations of 静岡県, each its own verified /32 on 127.0.1.0/24 with an HTTP service on port ${port}; engine: built-in checks, KEV/CVE lookup, no templates directory`,
    );
    await round('round 1 (first scans: every finding new)');
    lab.exposeEnv = false;
    await round('round 2 (rescans after one exposure was fixed)');
    lab.exposeEnv = true;
    await round('round 3 (regression: the exposure is back, reopened)');

    const k = p.db.kysely;
    const n = async (
      t: 'asm_findings' | 'asm_finding_events' | 'asm_assets' | 'asm_scan_diffs' | 'audit_log',
    ) =>
      Number(
        (
          await k
            .selectFrom(t)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    console.log(
      `rows: findings ${await n('asm_findings')}, finding events ${await n('asm_finding_events')}, assets ${await n('asm_assets')}, diffs ${await n('asm_scan_diffs')}, audit records ${await n('audit_log')}`,
    );
    const dash0 = performance.now();
    const dash = await p.asm.dashboard(state.ctx, {});
    console.log(
      `state dashboard over all 1,788 governments: ${ms(performance.now() - dash0)} (coverage ${dash.total.covered}/${dash.total.organizations})`,
    );
  } finally {
    await p.close();
    for (const s of servers) s.close();
  }
}

await main();
