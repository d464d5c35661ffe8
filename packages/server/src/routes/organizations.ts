import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import {
  Cursor,
  Id,
  IdParams,
  Limit,
  OrgKind,
  Organization,
  OrganizationDetail,
  RegisterableKind,
  errorResponses,
  page,
} from '../schemas.js';

const strict = { additionalProperties: false } as const;
const ListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100 })),
    kind: Type.Optional(OrgKind),
    parentId: Type.Optional(Id),
    includeWards: Type.Optional(Type.Boolean()),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  strict,
);
const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    nameKana: Type.String({ minLength: 1, maxLength: 200 }),
    kind: RegisterableKind,
    parentId: Id,
  },
  strict,
);
const Children = Type.Object({ items: Type.Array(Organization) }, strict);
const tags = ['organizations'];

/** The tenant tree: the state, prefectures, municipalities, their wards and registered bodies. */
const organizationRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: ListQuery, response: { 200: page(Organization), ...errorResponses } },
    },
    async (request) => platform.orgs.list(request.ctx, request.query),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 200: OrganizationDetail, ...errorResponses } },
    },
    async (request) => platform.orgs.get(request.ctx, request.params.id),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/:id/children',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 200: Children, ...errorResponses } },
    },
    async (request) => platform.orgs.children(request.ctx, request.params.id),
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/',
    {
      config: { auth: 'actor' },
      schema: { tags, body: CreateBody, response: { 201: Organization, ...errorResponses } },
    },
    async (request, reply) => {
      const org = await platform.orgs.create(request.ctx, request.body);
      return reply.code(201).send(org);
    },
  );
};

export default organizationRoutes;
