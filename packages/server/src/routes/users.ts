import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { Cursor, Id, IdParams, Limit, Password, Role, User, errorResponses, page } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const ListQuery = Type.Object(
  {
    organizationId: Type.Optional(Id),
    q: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  strict,
);
const CreateBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$' }),
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    email: Type.String({ format: 'email', maxLength: 254 }),
    organizationId: Id,
    role: Role,
    password: Password,
  },
  strict,
);
const PatchBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    role: Type.Optional(Role),
    disabled: Type.Optional(Type.Boolean()),
  },
  { ...strict, minProperties: 1 },
);
const ResetBody = Type.Object({ password: Password }, strict);
const tags = ['users'];

/** Accounts of the organizations the caller administers. */
const userRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: ListQuery, response: { 200: page(User), ...errorResponses } },
    },
    async (request) => platform.accounts.list(request.ctx, request.query),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 200: User, ...errorResponses } },
    },
    async (request) => platform.accounts.get(request.ctx, request.params.id),
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/',
    {
      config: { auth: 'actor' },
      schema: { tags, body: CreateBody, response: { 201: User, ...errorResponses } },
    },
    async (request, reply) => {
      const user = await platform.accounts.create(request.ctx, request.body);
      return reply.code(201).send(user);
    },
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof PatchBody> }>(
    '/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, body: PatchBody, response: { 200: User, ...errorResponses } },
    },
    async (request) => platform.accounts.update(request.ctx, request.params.id, request.body),
  );

  // Help for a user who lost a password or authenticator: new initial password, MFA to enrol again,
  // lockout cleared, sessions ended.
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ResetBody> }>(
    '/:id/reset-credentials',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, body: ResetBody, response: { 200: User, ...errorResponses } },
    },
    async (request) => platform.accounts.resetCredentials(request.ctx, request.params.id, request.body),
  );
};

export default userRoutes;
