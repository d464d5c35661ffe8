// Wires platform.asm: the scope registry with its TXT resolver, the engine options from configuration, the
// dispatcher (in-process runner, or the NATS work queue in distributed mode), politeness, schedules, workers.
import { existsSync } from 'node:fs';
import { DnsClient, loadCompiledTemplates, loadVulnDb, vulndbDataDir, type VulnLookup } from '@mamori/asm';
import type { Deps } from '../context.js';
import { parseDnsServer } from './common.js';
import { NatsScanDispatcher, NatsScanWorker } from './queue/nats.js';
import { InProcessRunner, type ScanDispatcher } from './queue/runner.js';
import type { AsmEngineOptions } from './scans/execute.js';
import { PolitenessLimiter } from './scans/politeness.js';
import { AsmScopeServiceImpl, type TxtLookup } from './scope/service.js';
import { AsmServicesImpl } from './service.js';
import type { AsmRuntime, AsmServices, AsmWorkerHandle } from './types.js';

export interface CreateAsmOptions {
  /** TXT lookups for ownership verification (default: the configured asm.resolver, else the system's). */
  txtLookup?: TxtLookup;
  /** Engine options replacing the configured ones (tests: loopback resolver, short port lists). */
  engine?: Partial<AsmEngineOptions>;
}

export interface Asm {
  services: AsmServices;
  close(): Promise<void>;
}

function defaultTxt(resolver: ReturnType<typeof parseDnsServer>): TxtLookup {
  if (resolver) {
    const client = new DnsClient({ server: resolver });
    return async (name) => (await client.records(name, 'TXT')).map((r) => r.data.replace(/^"|"$/g, ''));
  }
  return async (name) => {
    const { resolveTxt } = await import('node:dns/promises');
    return (await resolveTxt(name)).map((chunks) => chunks.join(''));
  };
}

function vulnLookup(): VulnLookup | undefined {
  const dir = vulndbDataDir();
  if (!existsSync(dir)) return undefined;
  const db = loadVulnDb(dir);
  if (db.size === 0) return undefined;
  return (q) =>
    db.lookup({ cpe: q.cpe, vendor: q.vendor, product: q.product, version: q.version }).map((m) => {
      const hit: ReturnType<VulnLookup>[number] = { cve: m.id, kev: Boolean(m.kev), certainty: m.confidence };
      if (m.cvss) hit.cvss = m.cvss.score;
      return hit;
    });
}

export function createAsm(deps: Deps, options: CreateAsmOptions = {}): Asm {
  const cfg = deps.config.asm;
  const resolver = parseDnsServer(cfg.resolver);
  let engineCache: AsmEngineOptions | null = null;
  // Loaded on first use: templates and the vulnerability DB take time and many commands never scan.
  const engine = (): AsmEngineOptions => {
    if (!engineCache) {
      const lookup = options.engine?.vulnLookup ?? vulnLookup();
      engineCache = {
        resolver,
        udp: cfg.udp,
        templates: cfg.templatesDir ? loadCompiledTemplates([cfg.templatesDir]) : [],
        timeoutMs: cfg.timeoutMs,
        ...(lookup ? { vulnLookup: lookup } : {}),
        ...options.engine,
      };
    }
    return engineCache;
  };
  const limiter = new PolitenessLimiter(deps.db);
  const nats = {
    url: deps.config.queue.natsUrl,
    stream: cfg.natsStream,
    ackWaitMs: cfg.ackWaitSeconds * 1000,
    maxDeliver: cfg.maxDeliver,
  };
  const runner = new InProcessRunner(deps, engine, limiter, cfg.workerConcurrency, deps.logger);
  let natsDispatcher: Promise<NatsScanDispatcher> | null = null;
  let natsReady: NatsScanDispatcher | null = null;
  const distributed = deps.config.queue.driver === 'nats';
  const dispatcher = (): ScanDispatcher => {
    if (!distributed) return runner;
    return {
      async dispatch(scanId) {
        natsDispatcher ??= NatsScanDispatcher.open(nats).then((d) => (natsReady = d));
        await (await natsDispatcher).dispatch(scanId);
      },
      idle: () => Promise.resolve(),
      close: async () => {},
    };
  };
  const scope = new AsmScopeServiceImpl(deps, options.txtLookup ?? defaultTxt(resolver));
  const workers = new Set<AsmWorkerHandle>();
  let timer: NodeJS.Timeout | null = null;
  const runtime: AsmRuntime = {
    async startBackground() {
      if (timer) return;
      if (!distributed) await runner.recover();
      timer = setInterval(() => {
        void services.tickSchedules().catch((err: unknown) => deps.logger.warn({ err }, 'asm scheduler'));
      }, cfg.schedulerIntervalSeconds * 1000);
      timer.unref();
    },
    async startWorker(o = {}) {
      const w = await NatsScanWorker.start(deps, engine, limiter, {
        ...nats,
        name: o.name ?? `worker-${process.pid}`,
        concurrency: o.concurrency ?? cfg.workerConcurrency,
        logger: deps.logger,
        ...(o.onJob ? { onJob: o.onJob } : {}),
      });
      const handle: AsmWorkerHandle = {
        stop: async () => {
          workers.delete(handle);
          await w.stop();
        },
      };
      workers.add(handle);
      return handle;
    },
    tickSchedules: () => services.tickSchedules(),
    idle: () => runner.idle(),
  };
  const services = new AsmServicesImpl(deps, scope, { dispatcher, engine, limiter }, runtime);
  return {
    services,
    async close() {
      if (timer) clearInterval(timer);
      for (const w of [...workers]) await w.stop();
      await runner.close();
      if (natsReady) await natsReady.close();
      else if (natsDispatcher) await natsDispatcher.then((d) => d.close()).catch(() => {});
    },
  };
}
