// The syslog listeners as configured (soc.syslog.*, soc.ingest.*): started by `mamori serve` next to the HTTP
// server. Nothing listens unless a port is set.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MamoriError, type MamoriConfig } from '@mamori/core';
import type { Logger } from 'pino';
import type { OrganizationService, RequestContext } from '../../types.js';
import type { EventQueue } from '../types.js';
import type { IngestLimits } from './limits.js';
import type { QuarantineSink } from './service.js';
import { loadBindingsFile, SourceBindings } from './sources.js';
import { startSyslogListeners, type SyslogListeners } from './syslog.js';

export interface ConfiguredSyslogDeps {
  queue: EventQueue;
  quarantine?: QuarantineSink;
  orgs: OrganizationService;
  logger?: Logger;
  /** The live bindings (registered sources and the configuration file); without them the file alone, fixed. */
  bindings?: SourceBindings;
}

const systemCtx: RequestContext = { actor: { kind: 'system', name: 'soc-ingest' }, sourceIp: '127.0.0.1' };

/** The ingest limits of the configuration. */
export function limitsOf(config: MamoriConfig): Partial<IngestLimits> {
  const s = config.soc.syslog;
  const i = config.soc.ingest;
  return {
    maxMessageBytes: i.maxMessageBytes,
    highWater: i.highWater,
    lowWater: Math.min(i.lowWater, i.highWater),
    ratePerSource: s.ratePerSource,
    burstPerSource: s.burstPerSource,
    maxConnectionsPerSource: s.maxConnectionsPerSource,
  };
}

export function syslogConfigured(config: MamoriConfig): boolean {
  const s = config.soc.syslog;
  return s.udpPort !== null || s.tcpPort !== null || s.tlsPort !== null;
}

function readPem(key: string, path: string | null): Buffer {
  if (!path)
    throw new MamoriError('MAMORI_CONFIG_INVALID', {
      reason: `${key} is required when soc.syslog.tlsPort is set`,
    });
  try {
    return readFileSync(resolve(path));
  } catch (err) {
    throw new MamoriError('MAMORI_CONFIG_INVALID', {
      reason: `${key}: cannot read ${path}: ${(err as Error).message}`,
    });
  }
}

/** Starts the configured listeners, or returns null when no syslog port is set. */
export async function startConfiguredSyslog(
  config: MamoriConfig,
  deps: ConfiguredSyslogDeps,
): Promise<SyslogListeners | null> {
  if (!syslogConfigured(config)) return null;
  const s = config.soc.syslog;
  const tls =
    s.tlsPort !== null
      ? {
          cert: readPem('soc.syslog.tlsCert', s.tlsCert),
          key: readPem('soc.syslog.tlsKey', s.tlsKey),
          ca: s.tlsCa ? readPem('soc.syslog.tlsCa', s.tlsCa) : null,
        }
      : undefined;
  const bindings =
    deps.bindings ??
    new SourceBindings(
      s.sourcesFile
        ? await loadBindingsFile(resolve(s.sourcesFile), async (idOrCode) => {
            try {
              return (await deps.orgs.find(systemCtx, idOrCode)).id;
            } catch {
              throw new MamoriError('MAMORI_CONFIG_INVALID', {
                reason: `soc.syslog.sourcesFile: unknown organization ${idOrCode}`,
              });
            }
          })
        : [],
    );
  const quarantine = deps.quarantine;
  try {
    return await startSyslogListeners({
      host: s.host,
      udpPort: s.udpPort,
      tcpPort: s.tcpPort,
      tlsPort: s.tlsPort,
      ...(tls ? { tls } : {}),
      limits: limitsOf(config),
      queue: deps.queue,
      bindings,
      ...(quarantine ? { quarantine: (record, reason) => quarantine([{ record, reason }]) } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new MamoriError(
        'MAMORI_CONFIG_INVALID',
        { reason: `soc.syslog: cannot listen on ${s.host} (${code}); check soc.syslog.host and the ports` },
        undefined,
        { cause: err },
      );
    throw err;
  }
}
