import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { MamoriError } from '@mamori/core';
import { sendError } from './errors.js';

/** packages/console/dist, found through the workspace (or beside this package when run from a checkout). */
export function defaultConsoleDir(): string {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('@mamori/console/package.json')), 'dist');
  } catch {
    return resolve(dirname(fileURLToPath(import.meta.url)), '../../console/dist');
  }
}

const NOT_BUILT = `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>Mamori — console not built</title></head>
<body><main>
<h1>コンソールがビルドされていません / The console is not built</h1>
<p>リポジトリのルートで <code>npm run build</code> を実行してから、サーバーを再起動してください。</p>
<p>Run <code>npm run build</code> at the repository root, then restart the server. The API under <code>/api/v1</code> works meanwhile.</p>
</main></body></html>
`;

/**
 * Serves the console SPA for every non-API GET: an existing file as is, any other path as index.html
 * (history fallback). API paths that match no route get the JSON 404 body instead.
 */
export async function registerConsole(
  app: FastifyInstance,
  opts: { consoleDir?: string | null | undefined; apiPrefix: string },
): Promise<void> {
  const dir = opts.consoleDir === undefined ? defaultConsoleDir() : opts.consoleDir;
  const built = dir !== null && existsSync(join(dir, 'index.html'));
  if (built) {
    // serve: false — files are sent from the not-found handler, so they add no routes of their own.
    await app.register(fastifyStatic, { root: dir, serve: false, cacheControl: false });
  }
  const isApi = (url: string) =>
    url === opts.apiPrefix || url.startsWith(`${opts.apiPrefix}/`) || url.startsWith('/api/');

  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (isApi(path) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return sendError(
        new MamoriError('MAMORI_ROUTE_NOT_FOUND', { route: `${request.method} ${path}` }),
        request,
        reply,
      );
    }
    if (!built) {
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(NOT_BUILT);
    }
    let rel: string;
    try {
      rel = decodeURIComponent(path).replace(/^\/+/, '');
    } catch {
      return sendError(new MamoriError('MAMORI_BAD_REQUEST', { reason: 'malformed URL' }), request, reply);
    }
    // @fastify/send refuses traversal outside root; this check only decides file versus fallback.
    const file = resolve(dir!, rel);
    const inside = file.startsWith(resolve(dir!) + '/');
    if (inside && existsSync(file) && statSync(file).isFile()) {
      // Vite names assets by content hash: they never change, index.html always may.
      const immutable = rel.startsWith('assets/');
      return reply
        .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
        .sendFile(rel);
    }
    if (extname(rel) !== '' && !rel.endsWith('.html')) {
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
