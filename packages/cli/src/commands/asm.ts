// `mamori asm …`: the attack-surface engine from the command line.
import type { Command } from 'commander';
import { Option } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isIP } from 'node:net';
import {
  ScopeGuard,
  adhocScope,
  parsePortSpec,
  DnsClient,
  loadVulnDb,
  renderTextReport,
  scanTargets,
  vulndbDataDir,
  compileTemplate,
  importPassiveFile,
  compareWithPrevious,
  type ScanReport,
  listTemplateFiles,
  type CompiledTemplate,
  type VulnLookup,
} from '@mamori/asm';
import { exitCodes } from '../exit-codes.js';
import { registerTemplates } from './asm-templates.js';
import { registerVulndb } from './asm-vulndb.js';

function parseResolver(v: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d{1,5}))?$/.exec(v.trim());
  if (!m || !isIP(m[1]!)) throw new Error(`--resolver needs ADDRESS[:PORT], got "${v}"`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 53 };
}

function vulnLookupFrom(dir: string | undefined): VulnLookup | undefined {
  const d = dir ?? vulndbDataDir();
  if (!existsSync(d)) return undefined;
  const db = loadVulnDb(d);
  if (db.size === 0) return undefined;
  return (q) =>
    db.lookup({ cpe: q.cpe, vendor: q.vendor, product: q.product, version: q.version }).map((m) => {
      const hit: ReturnType<VulnLookup>[number] = { cve: m.id, kev: Boolean(m.kev), certainty: m.confidence };
      if (m.cvss) hit.cvss = m.cvss.score;
      return hit;
    });
}

function compileAll(paths: string[], verbose: boolean): CompiledTemplate[] {
  const out: CompiledTemplate[] = [];
  let unsupported = 0;
  for (const root of paths) {
    if (!existsSync(root))
      throw Object.assign(new Error(`no such file or folder: ${root}`), { exitCode: exitCodes.input });
    const payloadRoot = statSync(root).isDirectory() ? root : dirname(root);
    for (const f of listTemplateFiles([root])) {
      const c = compileTemplate(readFileSync(f, 'utf8'), f, { payloadRoot });
      if (c.status === 'compiled' && c.template) out.push(c.template);
      else unsupported++;
    }
  }
  if (verbose)
    process.stderr.write(
      `mamori: templates: ${out.length} compiled, ${unsupported} not run (unsupported or invalid)\n`,
    );
  return out;
}

export function register(program: Command): void {
  const asm = program
    .command('asm')
    .description('Attack-surface management: scan, fingerprint and diagnose internet-facing assets');
  registerTemplates(asm);
  registerVulndb(asm);

  asm
    .command('scan')
    .description(
      'Scan exactly the named targets (names, addresses, IPv4 ranges). A name is scanned only if every address it resolves to was named too; ' +
        'everything else is refused and listed. Prints a Japanese report (--lang en for English) or JSON (--json). ' +
        'Exit code 1 when there are findings, 0 when none.',
    )
    .argument('<targets...>', 'host names, addresses or CIDR ranges to scan')
    .option('--ports <spec>', 'top100 | top1000 | all | a list such as 22,80,8000-8010', 'top1000')
    .option('--json', 'print the result as JSON (services, findings, refused, domains, risk)')
    .addOption(new Option('--lang <lang>', 'report language').choices(['ja', 'en']).default('ja'))
    .option(
      '--resolver <address[:port]>',
      'DNS server for every lookup (default: the system resolver; DNS checks need this)',
    )
    .option('--no-udp', 'skip the UDP probes (DNS, NTP, SNMP, SSDP, NetBIOS, IKE)')
    .option('--no-dns', 'skip DNS discovery and checks')
    .option('--tech <file>', 'a Wappalyzer-format technologies.json to use instead of the built-in one')
    .option(
      '--templates <paths...>',
      'also run these nuclei-format templates (files or folders) against every web service',
    )
    .option(
      '--previous <report.json>',
      'a previous --json report: carry findings over (fixed only when confirmed), show new/resolved/reopened and asset changes',
    )
    .option('--vulndb <dir>', 'vulnerability database directory (default: the bundled one)')
    .option('--timeout <ms>', 'connection timeout', (v) => Number(v), 1500)
    .option('--rate <n>', 'new connections per second (default: adaptive, unlimited)', (v) => Number(v))
    .action(
      async (
        targets: string[],
        o: {
          ports: string;
          json?: boolean;
          lang: 'ja' | 'en';
          resolver?: string;
          udp: boolean;
          dns: boolean;
          tech?: string;
          templates?: string[];
          previous?: string;
          passive?: string[];
          vulndb?: string;
          timeout: number;
          rate?: number;
        },
      ) => {
        // Bad arguments are usage errors, reported before any packet is sent.
        const usage = (err: unknown): never => {
          throw Object.assign(new Error((err as Error).message), { exitCode: exitCodes.usage });
        };
        let resolver: { host: string; port: number } | undefined;
        try {
          resolver = o.resolver ? parseResolver(o.resolver) : undefined;
          parsePortSpec(o.ports);
          adhocScope(targets);
          if (!Number.isFinite(o.timeout) || o.timeout <= 0)
            throw new Error('--timeout must be a positive number of milliseconds');
          if (o.rate !== undefined && !(o.rate > 0)) throw new Error('--rate must be a positive number');
        } catch (err) {
          usage(err);
        }
        let guard: ScopeGuard | undefined;
        if (resolver) {
          const client = new DnsClient({ server: resolver });
          guard = new ScopeGuard({
            orgs: [adhocScope(targets)],
            resolve: (n) => client.resolveAddresses(n),
            ignoreWindows: true,
          });
        }
        const opts: Parameters<typeof scanTargets>[1] = {
          ports: o.ports,
          lang: o.lang,
          udp: o.udp,
          dns: o.dns,
          timeoutMs: o.timeout,
        };
        if (resolver) opts.resolver = resolver;
        if (guard) opts.guard = guard;
        if (o.tech) opts.techPath = o.tech;
        if (o.passive) {
          try {
            opts.passiveNames = o.passive.flatMap((f) => importPassiveFile(f).names);
          } catch (err) {
            throw Object.assign(new Error(`--passive: ${(err as Error).message}`), {
              exitCode: exitCodes.input,
            });
          }
        }
        if (o.templates) opts.templates = compileAll(o.templates, !o.json);
        if (o.rate) opts.ratePerSecond = o.rate;
        const lookup = vulnLookupFrom(o.vulndb);
        if (lookup) opts.vulnLookup = lookup;
        if (!o.json) opts.onProgress = (m) => process.stderr.write(`mamori: ${m}\n`);
        let previous: ScanReport | undefined;
        if (o.previous) {
          try {
            previous = JSON.parse(readFileSync(o.previous, 'utf8')) as ScanReport;
            if (!Array.isArray(previous.findings) || !Array.isArray(previous.services))
              throw new Error('not a mamori asm scan --json report');
          } catch (err) {
            throw Object.assign(new Error(`--previous ${o.previous}: ${(err as Error).message}`), {
              exitCode: exitCodes.input,
            });
          }
        }
        const fresh = await scanTargets(targets, opts);
        const report = previous ? compareWithPrevious(previous, fresh).report : fresh;
        for (const r of report.refused)
          process.stderr.write(`mamori: refused ${r.target}${r.port ? `:${r.port}` : ''}: ${r.reason}\n`);
        if (report.hosts.length === 0) {
          const err = new Error('no target is in scope; nothing was scanned');
          (err as Error & { exitCode: number }).exitCode = exitCodes.input;
          throw err;
        }
        process.stdout.write(
          o.json
            ? `${JSON.stringify({ ...report, findings: report.findings.map((f) => ({ ...f, port: f.port ?? null })) }, null, 2)}\n`
            : renderTextReport(report, o.lang),
        );
        process.exitCode = report.findings.some((f) => f.status !== 'fixed' && f.status !== 'false_positive')
          ? exitCodes.found
          : exitCodes.ok;
      },
    );
}
