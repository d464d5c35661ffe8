import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { MamoriError } from '@mamori/core';
import type { Platform } from '@mamori/platform';
import { Label, errorResponses } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const Labels = Type.Object({ items: Type.Array(Label) }, strict);
const Health = Type.Object({ status: Type.Literal('ok') }, strict);
const OpenApi = Type.Object({ openapi: Type.String() }, { additionalProperties: true });

/** Label lists for forms, and the OpenAPI document. */
const metaRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get(
    '/roles',
    { config: { auth: 'actor' }, schema: { tags: ['meta'], response: { 200: Labels, ...errorResponses } } },
    async () => ({ items: platform.accounts.roles() }),
  );

  app.get(
    '/permissions',
    { config: { auth: 'actor' }, schema: { tags: ['meta'], response: { 200: Labels, ...errorResponses } } },
    async () => ({ items: platform.accounts.permissions() }),
  );

  app.get(
    '/openapi.json',
    { config: { auth: 'public' }, schema: { hide: true, response: { 200: OpenApi, ...errorResponses } } },
    async () => app.swagger(),
  );
};

/** Probes for orchestrators: /healthz says the process answers, /readyz that the database does too. */
export const healthRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: { tags: ['health'], response: { 200: Health, ...errorResponses } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: { tags: ['health'], response: { 200: Health, ...errorResponses } },
    },
    async () => {
      const ok = await platform.ready().catch(() => false);
      if (!ok) throw new MamoriError('MAMORI_NOT_READY', { reason: 'database unreachable' });
      return { status: 'ok' as const };
    },
  );
};

export default metaRoutes;
