import type { FastifyInstance } from 'fastify';
import { MamoriError } from '@mamori/core';
import type { Platform, SyslogListeners } from '@mamori/platform';
import { buildApp, type BuildAppOptions } from './app.js';

export interface StartedServer {
  /** Where the server listens, e.g. http://127.0.0.1:8080 (the configured publicUrl is for links). */
  url: string;
  app: FastifyInstance;
  /** The SOC syslog listeners, when soc.syslog.*Port is configured. */
  syslog: SyslogListeners | null;
  close(): Promise<void>;
}

/** Builds the app and listens on config.server.host:port (port 0 picks a free one). */
export async function startServer(
  platform: Platform,
  opts: BuildAppOptions & { host?: string; port?: number } = {},
): Promise<StartedServer> {
  const app = await buildApp(platform, opts);
  const host = opts.host ?? platform.config.server.host;
  const port = opts.port ?? platform.config.server.port;
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const why =
        code === 'EADDRINUSE'
          ? 'is already in use'
          : code === 'EACCES'
            ? 'is not permitted'
            : 'is not an address of this machine';
      throw new MamoriError(
        'MAMORI_CONFIG_INVALID',
        { reason: `server.host:server.port ${host}:${port} ${why} (set server.port / --port)` },
        undefined,
        { cause: err },
      );
    }
    throw err;
  }
  // SOC syslog listeners (off unless a soc.syslog port is set) share the process and its queue.
  let syslog: SyslogListeners | null = null;
  try {
    syslog = await platform.soc.ingest.startSyslog();
  } catch (err) {
    await app.close();
    throw err;
  }
  const addr = app.server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}`,
    app,
    syslog,
    close: async () => {
      await syslog?.close();
      await app.close();
    },
  };
}
