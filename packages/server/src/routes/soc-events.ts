import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { Cursor, Id, IdParams, Limit, Nullable, Timestamp, errorResponses, page } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const Word = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });
const Text = Type.String({ minLength: 1, maxLength: 200 });

const EventQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    organizationId: Type.Optional(Id),
    unattributed: Type.Optional(Type.Boolean()),
    sourceKind: Type.Optional(Word),
    format: Type.Optional(Word),
    class: Type.Optional(Word),
    severity: Type.Optional(
      Type.Union(['informational', 'low', 'medium', 'high', 'critical'].map((s) => Type.Literal(s))),
    ),
    disposition: Type.Optional(
      Type.Union(
        ['allowed', 'blocked', 'detected', 'quarantined', 'deleted', 'unknown'].map((s) => Type.Literal(s)),
      ),
    ),
    ip: Type.Optional(Text),
    srcIp: Type.Optional(Text),
    dstIp: Type.Optional(Text),
    host: Type.Optional(Text),
    user: Type.Optional(Text),
    ruleId: Type.Optional(Text),
    ruleCategory: Type.Optional(Text),
    /** Text in the raw line. */
    q: Type.Optional(Text),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  strict,
);

const Endpoint = Type.Object(
  {
    ip: Type.Optional(Type.String()),
    port: Type.Optional(Type.Number()),
    hostname: Type.Optional(Type.String()),
    domain: Type.Optional(Type.String()),
    user: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
  },
  strict,
);
const SocEvent = Type.Object(
  {
    id: Type.String(),
    organizationId: Nullable(Type.String()),
    prefectureId: Type.String(),
    unattributedReason: Nullable(Type.String()),
    receivedAt: Type.Number(),
    time: Type.String(),
    class: Type.String(),
    activity: Type.String(),
    severity: Type.String(),
    disposition: Type.String(),
    sourceKind: Type.String(),
    format: Type.String(),
    device: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String()),
          vendor: Type.Optional(Type.String()),
          product: Type.Optional(Type.String()),
          site: Type.Optional(Type.String()),
        },
        strict,
      ),
    ),
    src: Type.Optional(Endpoint),
    dst: Type.Optional(Endpoint),
    rule: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Type.String()),
          name: Type.Optional(Type.String()),
          category: Type.Optional(Type.String()),
        },
        strict,
      ),
    ),
    fields: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
    ),
    raw: Type.String(),
  },
  strict,
);

const QuarantineQuery = Type.Object(
  {
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    transport: Type.Optional(Word),
    peer: Type.Optional(Text),
    format: Type.Optional(Word),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  strict,
);
const QuarantinedLine = Type.Object(
  {
    id: Type.String(),
    receivedAt: Timestamp,
    transport: Type.String(),
    peer: Type.String(),
    format: Type.String(),
    reason: Type.String(),
    line: Type.String(),
    prefectureId: Type.String(),
    organizationId: Nullable(Type.String()),
  },
  strict,
);
const tags = ['soc'];

/** Event search over the stored SOC events and the quarantine of unparsable lines (read-only). */
const socEventRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get<{ Querystring: Static<typeof EventQuery> }>(
    '/events',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: EventQuery, response: { 200: page(SocEvent), ...errorResponses } },
    },
    async (request) => {
      const { q, ...rest } = request.query;
      return platform.soc.events.search(request.ctx, { ...rest, ...(q !== undefined ? { text: q } : {}) });
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/events/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 200: SocEvent, ...errorResponses } },
    },
    async (request) => platform.soc.events.get(request.ctx, request.params.id),
  );

  app.get<{ Querystring: Static<typeof QuarantineQuery> }>(
    '/quarantine',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        querystring: QuarantineQuery,
        response: { 200: page(QuarantinedLine), ...errorResponses },
      },
    },
    async (request) => platform.soc.quarantine.list(request.ctx, request.query),
  );
};

export default socEventRoutes;
