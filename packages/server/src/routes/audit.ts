import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import {
  AuditRecord,
  AuditResult,
  AuditVerify,
  Cursor,
  Id,
  Limit,
  Timestamp,
  errorResponses,
  page,
} from '../schemas.js';

const strict = { additionalProperties: false } as const;
const ListQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:-]+$' })),
    organizationId: Type.Optional(Id),
    result: Type.Optional(AuditResult),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  strict,
);
const tags = ['audit'];

/** The audit trail (read-only over HTTP) and its hash-chain verification. */
const auditRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: ListQuery, response: { 200: page(AuditRecord), ...errorResponses } },
    },
    async (request) => platform.audit.list(request.ctx, request.query),
  );

  app.get(
    '/verify',
    { config: { auth: 'actor' }, schema: { tags, response: { 200: AuditVerify, ...errorResponses } } },
    async (request) => platform.audit.verify(request.ctx),
  );
};

export default auditRoutes;
