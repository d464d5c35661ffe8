import type { FastifyInstance } from 'fastify';
import type { Platform } from '@mamori/platform';
import { buildApp, type BuildAppOptions } from './app.js';

export interface StartedServer {
  /** Where the server listens, e.g. http://127.0.0.1:8080 (the configured publicUrl is for links). */
  url: string;
  app: FastifyInstance;
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
  await app.listen({ host, port });
  const addr = app.server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}`,
    app,
    close: () => app.close(),
  };
}
