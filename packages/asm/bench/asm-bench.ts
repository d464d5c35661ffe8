// bench:asm — the scanner side by side with Debian's nmap on the same lab and port list, in one run:
// open ports vs `nmap -sT`, service/product agreement vs `nmap -sV`, wall time vs `nmap -sV -T4`;
// then per-host costs (live host, silent host, templates) and the national-scale estimate built from them.
import { spawnSync, execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { startLab } from '../test/lab/lab.js';
import {
  ScopeGuard,
  adhocScope,
  scanTargets,
  tcpScan,
  parsePortSpec,
  listTemplateFiles,
  compileTemplate,
  runTemplate,
  nodeTransport,
  scopedTransport,
  templatesDataDir,
  type CompiledTemplate,
} from '../src/index.js';

const PORTS = process.env.BENCH_PORTS ?? 'top1000';
const TEMPLATE_SAMPLE = Number(process.env.BENCH_TEMPLATES ?? 200);

interface NmapPort {
  port: number;
  state: string;
  name: string;
  product: string;
  version: string;
  tunnel: string;
}

function nmap(args: string[]): { ports: NmapPort[]; ms: number } {
  const t0 = performance.now();
  const r = spawnSync('nmap', [...args, '-oX', '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`nmap failed: ${r.stderr}`);
  const ports: NmapPort[] = [];
  for (const m of r.stdout.matchAll(/<port protocol="tcp" portid="(\d+)">(.*?)<\/port>/gs)) {
    const body = m[2]!;
    const attr = (tag: string, a: string): string =>
      new RegExp(`<${tag}[^>]*\\b${a}="([^"]*)"`).exec(body)?.[1] ?? '';
    ports.push({
      port: Number(m[1]),
      state: attr('state', 'state'),
      name: attr('service', 'name'),
      product: attr('service', 'product'),
      version: attr('service', 'version'),
      tunnel: attr('service', 'tunnel'),
    });
  }
  return { ports, ms };
}

const norm = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

async function main(): Promise<void> {
  const ver = execFileSync('nmap', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  console.log(
    `ASM scanner benchmark — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, ${ver}`,
  );
  const lab = await startLab();
  // A silent address: routed into the namespace, which does not forward, so SYNs vanish (a firewalled host).
  const silent = lab.hostSide.replace(/\.\d+$/, '.').replace(/^10\.231\./, '10.232.') + '7';
  execFileSync('ip', ['route', 'add', `${silent}/32`, 'via', lab.address]);
  try {
    const portList = parsePortSpec(PORTS);
    const portArg = portList.join(',');
    console.log(`lab ${lab.address}, ports ${PORTS} (${portList.length})`);

    // 1. Mamori: ports, services, TLS/HTTP analysis and all built-in checks (no UDP/DNS: nmap -sV does neither).
    let cpu0 = process.cpuUsage();
    let t0 = performance.now();
    const ours = await scanTargets([lab.address], { ports: PORTS, udp: false, dns: false });
    const oursMs = performance.now() - t0;
    const oursCpu = process.cpuUsage(cpu0);

    // 2. nmap, same lab and port list, one after the other.
    const sT = nmap(['-sT', '-n', '-Pn', '-T4', '-p', portArg, lab.address]);
    const sV = nmap(['-sT', '-sV', '-n', '-Pn', '-T4', '-p', portArg, lab.address]);

    const ourOpen = ours.services
      .filter((s) => s.transport === 'tcp')
      .map((s) => s.port)
      .sort((a, b) => a - b);
    const nmapOpen = sT.ports
      .filter((p) => p.state === 'open')
      .map((p) => p.port)
      .sort((a, b) => a - b);
    const identical = JSON.stringify(ourOpen) === JSON.stringify(nmapOpen);
    console.log(
      `\nopen ports  mamori: ${ourOpen.join(',')}\n            nmap -sT: ${nmapOpen.join(',')}\n            identical: ${identical ? 'yes' : 'NO'}`,
    );

    let agree = 0;
    const rows: string[] = [];
    const vOpen = sV.ports.filter((p) => p.state === 'open');
    for (const p of vOpen) {
      const s = ours.services.find((x) => x.port === p.port && x.transport === 'tcp');
      // nmap names TLS-wrapped HTTP "http" with tunnel=ssl; we say "https".
      const ourName = s ? (s.service === 'https' ? 'http' : s.service) : '-';
      const ourTunnel = s?.tls ? 'ssl' : '';
      const serviceOk = ourName === p.name && ourTunnel === p.tunnel;
      const a = norm(s?.product ?? '');
      const b = norm(p.product);
      const productOk = a === b || (a !== '' && b !== '' && (a.includes(b) || b.includes(a)));
      const ok = serviceOk && productOk;
      if (ok) agree++;
      rows.push(
        `  ${String(p.port).padEnd(5)} nmap: ${(p.tunnel ? `${p.tunnel}/` : '') + p.name} | ${p.product} ${p.version}`.padEnd(
          70,
        ) +
          `mamori: ${(ourTunnel ? 'ssl/' : '') + ourName} | ${s?.product ?? ''} ${s?.version ?? ''}  ${ok ? 'agree' : 'DIFFER'}`,
      );
    }
    const pct = vOpen.length ? (100 * agree) / vOpen.length : 0;
    console.log(
      `\nservice/product vs nmap -sV:\n${rows.join('\n')}\n  agreement: ${agree}/${vOpen.length} = ${pct.toFixed(1)}%`,
    );
    console.log(
      `\nwall time  mamori scan (ports + services + TLS/HTTP analysis + built-in checks): ${(oursMs / 1000).toFixed(2)} s`,
    );
    console.log(`           nmap -sT -T4: ${(sT.ms / 1000).toFixed(2)} s`);
    console.log(
      `           nmap -sT -sV -T4: ${(sV.ms / 1000).toFixed(2)} s   → mamori/nmap = ${(oursMs / sV.ms).toFixed(2)}`,
    );
    console.log(
      `           mamori phases (ms): ${JSON.stringify(ours.timings)}; CPU ${((oursCpu.user + oursCpu.system) / 1000).toFixed(0)} ms; findings ${ours.findings.length}`,
    );

    // 3. Per-host costs for the national estimate.
    const guard = new ScopeGuard({
      orgs: [adhocScope([lab.address, silent])],
      resolve: async () => [],
      ignoreWindows: true,
    });
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    const silentScan = await tcpScan([silent], {
      check: guard.check,
      ports: portList,
      timeoutMs: 1500,
      retries: 1,
      concurrency: { initial: 1000, max: 1000 },
    });
    const silentMs = performance.now() - t0;
    const silentCpu = process.cpuUsage(cpu0);
    const silentSocketSeconds = silentScan.stats.attempts * 1.5;
    console.log(
      `\nsilent (firewalled) host, ${portList.length} ports: ${(silentMs / 1000).toFixed(2)} s wall, ${silentScan.stats.attempts} SYNs, ${silentScan.results.filter((r) => r.state === 'filtered').length} filtered, CPU ${((silentCpu.user + silentCpu.system) / 1000).toFixed(0)} ms, socket-time ${silentSocketSeconds.toFixed(0)} s`,
    );

    // Templates: a sample of the http corpus against the lab web server, through the scope gate.
    const dir = templatesDataDir();
    const byProto: Record<string, number> = {};
    for (const p of ['http', 'dns', 'ssl', 'network']) {
      try {
        byProto[p] = listTemplateFiles([`${dir}/${p}`]).length;
      } catch {
        byProto[p] = 0;
      }
    }
    const totalTemplates = Object.values(byProto).reduce((a, b) => a + b, 0);
    const files = listTemplateFiles([`${dir}/http`]);
    const sample: CompiledTemplate[] = [];
    // An even spread over the corpus (every k-th file), not its alphabetical head.
    const stride = Math.max(1, Math.floor(files.length / TEMPLATE_SAMPLE));
    for (const f of files.filter((_, i) => i % stride === 0)) {
      if (sample.length >= TEMPLATE_SAMPLE) break;
      const c = compileTemplate(readFileSync(f, 'utf8'), f);
      if (c.status === 'compiled' && c.template) sample.push(c.template);
    }
    const transport = scopedTransport(nodeTransport(), guard.check);
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    const queue = [...sample];
    let requests = 0;
    let errored = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let t = queue.shift(); t; t = queue.shift()) {
          const r = await runTemplate(t, `http://${lab.address}:80`, {
            transport,
            scope: guard.check,
            timeoutMs: 3000,
            templateTimeoutMs: 10000,
          });
          requests += r.requests;
          if (r.errors.length > 0) errored++;
          refused += r.refused.length;
        }
      }),
    );
    const tplMs = performance.now() - t0;
    const tplCpu = process.cpuUsage(cpu0);
    const cpuPerTemplate = (tplCpu.user + tplCpu.system) / 1000 / Math.max(1, sample.length);
    console.log(
      `templates: corpus ${totalTemplates} (${JSON.stringify(byProto)}); ran ${sample.length} http templates (${requests} requests, ${errored} with errors, ${refused} refused by scope) in ${(tplMs / 1000).toFixed(2)} s, CPU ${cpuPerTemplate.toFixed(2)} ms/template`,
    );

    // 4. National scale: 1,788 governments × 50 roots × 20 live hosts, top 1,000 ports, all templates.
    const govs = 1788;
    const hostsTotal = govs * 20;
    const roots = govs * 50;
    const liveCpuMs = (oursCpu.user + oursCpu.system) / 1000; // one live host with 7 services, full checks
    const servicesPerHost = ours.services.length;
    const webPerHost = ours.services.filter((s) => s.http).length;
    const tplCpuPerHostMs = cpuPerTemplate * totalTemplates * Math.max(1, webPerHost);
    const socketsPerWorker = 4096;
    // Wall per worker is bounded by CPU (2 cores) and by socket-time for silent ports (C concurrent sockets).
    const cpuSecondsTotal = (hostsTotal * (liveCpuMs + tplCpuPerHostMs)) / 1000 + roots * 0.05;
    const socketSecondsTotal = hostsTotal * silentSocketSeconds;
    const coresPerWorker = 2;
    const workerSecondsCpu = cpuSecondsTotal / coresPerWorker;
    const workerSecondsSockets = socketSecondsTotal / socketsPerWorker;
    const oneWorker = Math.max(workerSecondsCpu, workerSecondsSockets);
    const n24 = Math.ceil(oneWorker / 86400);
    console.log(
      `\nnational estimate: ${govs} governments × 50 roots × 20 live hosts = ${hostsTotal} hosts, ${roots} roots`,
    );
    console.log(
      `  measured per live host: ${liveCpuMs.toFixed(0)} ms CPU for ports+${servicesPerHost} services+checks; templates ${(tplCpuPerHostMs / 1000).toFixed(1)} s CPU (${totalTemplates} templates × ${webPerHost} web services)`,
    );
    console.log(
      `  measured per silent host: ${silentSocketSeconds.toFixed(0)} socket-seconds (${portList.length} ports × 2 attempts × 1.5 s)`,
    );
    console.log(
      `  one worker (${coresPerWorker} cores, ${socketsPerWorker} sockets): CPU-bound ${(workerSecondsCpu / 3600).toFixed(1)} h, socket-bound ${(workerSecondsSockets / 3600).toFixed(1)} h → ${(oneWorker / 3600).toFixed(1)} h`,
    );
    for (const n of [1, 4, 8, 16, 32])
      console.log(`  N=${String(n).padEnd(3)} workers: ${(oneWorker / n / 3600).toFixed(2)} h`);
    console.log(`  N for a 24-hour cycle: ${n24}`);
  } finally {
    try {
      execFileSync('ip', ['route', 'del', `${silent}/32`]);
    } catch {
      /* gone with the link */
    }
    await lab.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
