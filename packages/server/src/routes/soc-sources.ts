// Registered syslog sources: which sender (address/CIDR or TLS certificate name) sends which format for which
// organization. Listing needs soc:read (within reach; configuration-file entries are listed read-only),
// changing needs soc:sources on the organization. The platform validates (address, format, organization,
// overlaps) and the running listeners follow every change without a restart.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { Id, IdParams, Nullable, errorResponses } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const tags = ['soc'];
const Kind = Type.Union([Type.Literal('address'), Type.Literal('cert')]);

const Source = Type.Object(
  {
    id: Type.String(),
    origin: Type.Union([Type.Literal('registered'), Type.Literal('configuration')]),
    kind: Kind,
    value: Type.String(),
    format: Nullable(Type.String()),
    organizationId: Nullable(Type.String()),
    prefectureId: Nullable(Type.String()),
    note: Nullable(Type.String()),
    createdAt: Nullable(Type.String()),
    updatedAt: Nullable(Type.String()),
  },
  strict,
);

const fields = {
  // Checked by the platform (address or CIDR, certificate name); the schema only bounds the size.
  value: Type.String({ minLength: 1, maxLength: 255 }),
  format: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
  note: Nullable(Type.String({ maxLength: 500 })),
};
const CreateBody = Type.Object(
  {
    kind: Kind,
    value: fields.value,
    format: Type.Optional(fields.format),
    organizationId: Id,
    note: Type.Optional(fields.note),
  },
  strict,
);
const UpdateBody = Type.Object(
  {
    value: Type.Optional(fields.value),
    format: Type.Optional(fields.format),
    organizationId: Type.Optional(Id),
    note: Type.Optional(fields.note),
  },
  { ...strict, minProperties: 1 },
);
const ListQuery = Type.Object({ organizationId: Type.Optional(Id) }, strict);

const socSourceRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const sources = () => platform.soc.sources;

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        summary: 'Registered syslog sources (and the configuration file entries) within reach',
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(Source) }, strict), ...errorResponses },
      },
    },
    async (request) => sources().list(request.ctx, request.query),
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        summary: 'Register a syslog source',
        body: CreateBody,
        response: { 201: Source, ...errorResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await sources().create(request.ctx, request.body)),
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateBody> }>(
    '/:id',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        summary: 'Change a registered syslog source',
        params: IdParams,
        body: UpdateBody,
        response: { 200: Source, ...errorResponses },
      },
    },
    async (request) => sources().update(request.ctx, request.params.id, request.body),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/:id',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        summary: 'Remove a registered syslog source',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await sources().remove(request.ctx, request.params.id);
      return reply.code(204).send();
    },
  );
};

export default socSourceRoutes;
