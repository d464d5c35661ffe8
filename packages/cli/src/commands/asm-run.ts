// `mamori asm run | worker | scope …`: organization scans through the platform (verified scope only, results
// persisted with the findings lifecycle), the NATS scan worker, and scope registration from the shell.
import type { Command } from 'commander';
import { loadConfig } from '@mamori/core';
import { createLogger, createPlatform, type AsmRootKind, type AsmScanRunDetail } from '@mamori/platform';
import { exitCodes } from '../exit-codes.js';
import { action, cliContext, common, emit, out, withPlatform, type Common } from './shared.js';

const ctx = cliContext;

function diffText(run: AsmScanRunDetail): string {
  const lines = [
    `scan ${run.id} ${run.status} (${run.organizationName}) hosts=${run.counts.hosts} services=${run.counts.services} ` +
      `findings=${run.counts.findings} new=${run.counts.new} resolved=${run.counts.resolved} reopened=${run.counts.reopened} refused=${run.counts.refused}`,
  ];
  if (run.error) lines.push(`error: ${run.error}`);
  const label = { new: '新規', resolved: '解消', reopened: '再発' } as const;
  for (const d of run.diff)
    lines.push(
      `${label[d.change]}\t${d.severity}\t${d.host}${d.port ? `:${d.port}` : ''}\t${d.check}\t${d.title}`,
    );
  return lines.join('\n');
}

export function register(program: Command): void {
  const asm = program.commands.find((c) => c.name() === 'asm') ?? program.command('asm');

  common(asm.command('run'))
    .description(
      "scan an organization's verified scope now, in this process; results are stored (findings lifecycle) and the diff with the previous scan is printed. " +
        'Without --wait the scan is queued (in-process runner, or the NATS work queue in distributed mode). Exit 1 when the scan has new or reopened findings.',
    )
    .requiredOption('--org <code>', 'organization: six-digit code or id')
    .option(
      '--ports <spec>',
      "top100 | top1000 | all | a list like 22,80,443 (default: the organization's setting)",
    )
    .option('--wait', 'run here and wait for the result (default when queue.driver is memory)')
    .action(
      action(async (opts: Common & { org: string; ports?: string; wait?: boolean }) =>
        withPlatform(opts, async (p, cfg) => {
          const org = await p.orgs.find(ctx, opts.org);
          const input = { organizationId: org.id, ...(opts.ports ? { ports: opts.ports } : {}) };
          if (!opts.wait && cfg.queue.driver === 'nats') {
            const run = await p.asm.requestScan(ctx, input);
            out(opts.json ? JSON.stringify(run) : `queued ${run.id} for ${run.organizationName}`);
            return exitCodes.ok;
          }
          const run = await p.asm.runScanNow(ctx, input);
          out(opts.json ? JSON.stringify(run, null, 2) : diffText(run));
          if (run.status !== 'done') return exitCodes.failure;
          return run.counts.new + run.counts.reopened > 0 ? exitCodes.found : exitCodes.ok;
        }),
      ),
    );

  common(asm.command('worker'))
    .description(
      'run a stateless scan worker: pull scan jobs from the NATS JetStream work queue (queue.natsUrl, asm.natsStream) until SIGINT/SIGTERM; ' +
        'a job whose worker dies is redelivered to another after asm.ackWaitSeconds',
    )
    .option('--name <name>', 'worker name (recorded on the scan run)')
    .option('--concurrency <n>', 'jobs at once (default asm.workerConcurrency)')
    .action(
      action(async (opts: Common & { name?: string; concurrency?: string }) => {
        const cfg = loadConfig({ file: opts.config });
        const logger = createLogger(cfg);
        const p = await createPlatform(cfg, { logger });
        const concurrency = opts.concurrency ? Number(opts.concurrency) : undefined;
        if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1))
          throw new Error('--concurrency must be a positive integer');
        const name = opts.name ?? `worker-${process.pid}`;
        const w = await p.asm.runtime.startWorker({
          name,
          ...(concurrency ? { concurrency } : {}),
          onJob: (e) => {
            if (opts.json) emit(JSON.stringify({ event: 'job', ...e }));
            else emit(`${e.scanId}\t${e.result}\tdelivery ${e.delivery}`);
          },
        });
        if (opts.json) emit(JSON.stringify({ event: 'ready', name }));
        else emit(`worker ${name} ready`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await w.stop();
        await p.close();
      }),
    );

  const scope = asm
    .command('scope')
    .description("an organization's scan scope: roots, verification, exclusions");
  common(scope.command('add'))
    .description('register a root (domain, cidr or host) as pending; prints the DNS TXT record to publish')
    .requiredOption('--org <code>', 'organization: six-digit code or id')
    .requiredOption('--kind <kind>', 'domain | cidr | host')
    .requiredOption('--value <value>', 'e.g. city.example.lg.jp, 203.0.113.0/24, www.example.jp')
    .option(
      '--attest <statement>',
      'verify by administrator attestation at once (who confirmed ownership, how)',
    )
    .action(
      action(async (opts: Common & { org: string; kind: string; value: string; attest?: string }) =>
        withPlatform(opts, async (p) => {
          const org = await p.orgs.find(ctx, opts.org);
          let root = await p.asm.scope.addRoot(ctx, {
            organizationId: org.id,
            kind: opts.kind as AsmRootKind,
            value: opts.value,
            ...(opts.attest ? { verificationMethod: 'attestation' as const } : {}),
          });
          if (opts.attest) root = await p.asm.scope.attestRoot(ctx, root.id, { statement: opts.attest });
          if (opts.json) out(JSON.stringify(root));
          else {
            out(`${root.id}\t${root.kind}\t${root.value}\t${root.verificationState}`);
            if (root.challengeName && root.verificationState !== 'verified')
              out(`publish: ${root.challengeName} TXT "mamori-verification=${root.verificationToken}"`);
          }
        }),
      ),
    );
  common(scope.command('list'))
    .description("list an organization's roots, exclusions and settings")
    .requiredOption('--org <code>', 'organization: six-digit code or id')
    .action(
      action(async (opts: Common & { org: string }) =>
        withPlatform(opts, async (p) => {
          const org = await p.orgs.find(ctx, opts.org);
          const s = await p.asm.scope.get(ctx, org.id);
          if (opts.json) return out(JSON.stringify(s));
          for (const r of s.roots)
            out(`${r.id}\t${r.kind}\t${r.value}\t${r.verificationMethod}\t${r.verificationState}`);
          for (const e of s.exclusions) out(`${e.id}\texclude\t${e.value}\t${e.reason ?? ''}`);
          out(
            `ports=${s.settings.ports} rate=${s.settings.ratePerSecond}/s concurrency=${s.settings.concurrency}`,
          );
        }),
      ),
    );
  common(scope.command('verify'))
    .description(
      "look the root's DNS TXT token up now (asm.resolver or the system resolver); exit 1 when not verified",
    )
    .argument('<rootId>')
    .action(
      action(async (rootId: string, opts: Common) =>
        withPlatform(opts, async (p) => {
          const r = await p.asm.scope.verifyRoot(ctx, rootId);
          out(
            opts.json
              ? JSON.stringify(r)
              : `${r.value}\t${r.verificationState}${r.lastError ? `\t${r.lastError}` : ''}`,
          );
          return r.verificationState === 'verified' ? exitCodes.ok : exitCodes.found;
        }),
      ),
    );
}
