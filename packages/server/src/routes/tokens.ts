import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { ApiToken, Id, IdParams, Permission, Timestamp, errorResponses } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    organizationId: Id,
    permissions: Type.Array(Permission, { minItems: 1, maxItems: 20, uniqueItems: true }),
    expiresAt: Timestamp,
  },
  strict,
);
const Created = Type.Object({ token: Type.String(), item: ApiToken }, strict);
const List = Type.Object({ items: Type.Array(ApiToken) }, strict);
const tags = ['tokens'];

/** API tokens for machines: the secret is in the create response only. */
const tokenRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get(
    '/',
    { config: { auth: 'actor' }, schema: { tags, response: { 200: List, ...errorResponses } } },
    async (request) => platform.tokens.list(request.ctx),
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/',
    {
      config: { auth: 'actor' },
      schema: { tags, body: CreateBody, response: { 201: Created, ...errorResponses } },
    },
    async (request, reply) => {
      const created = await platform.tokens.create(request.ctx, request.body);
      // The secret must not linger in caches or proxies.
      reply.header('cache-control', 'no-store');
      return reply.code(201).send(created);
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await platform.tokens.revoke(request.ctx, request.params.id);
      return reply.code(204).send();
    },
  );
};

export default tokenRoutes;
