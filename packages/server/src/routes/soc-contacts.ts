// Notification contacts of an organization (who is told about which alerts, when, by email or webhook).
// Reading needs soc:read on the organization, changing soc:manage. Webhook secrets are write-only.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { Id, IdParams, Nullable, errorResponses } from '../schemas.js';
import { SeverityT } from './soc-alerts.js';

const strict = { additionalProperties: false } as const;
const tags = ['soc'];
const Day = Type.Union(
  (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((d) => Type.Literal(d)),
);
const Role = Type.Union([Type.Literal('staff'), Type.Literal('soc_lead'), Type.Literal('state')]);
const Locale = Type.Union([Type.Literal('ja'), Type.Literal('en')]);
const Hours = Type.String({
  pattern: '^\\d\\d:\\d\\d-\\d\\d:\\d\\d$',
  description: 'HH:MM-HH:MM, Japan time; may wrap midnight',
});

const Contact = Type.Object(
  {
    id: Type.String(),
    organizationId: Type.String(),
    name: Type.String(),
    email: Nullable(Type.String()),
    webhookUrl: Nullable(Type.String()),
    hasWebhookSecret: Type.Boolean(),
    minSeverity: SeverityT,
    days: Type.Array(Type.String()),
    hours: Type.String(),
    role: Role,
    locale: Locale,
    enabled: Type.Boolean(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  strict,
);

const fields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  email: Nullable(Type.String({ maxLength: 254 })),
  webhookUrl: Nullable(Type.String({ maxLength: 2000 })),
  webhookSecret: Nullable(Type.String({ minLength: 16, maxLength: 256 })),
  minSeverity: SeverityT,
  days: Type.Array(Day, { minItems: 1, maxItems: 7, uniqueItems: true }),
  hours: Hours,
  role: Role,
  locale: Locale,
  enabled: Type.Boolean(),
};
const CreateBody = Type.Object(
  {
    organizationId: Id,
    name: fields.name,
    email: Type.Optional(fields.email),
    webhookUrl: Type.Optional(fields.webhookUrl),
    webhookSecret: Type.Optional(fields.webhookSecret),
    minSeverity: Type.Optional(fields.minSeverity),
    days: Type.Optional(fields.days),
    hours: Type.Optional(fields.hours),
    role: Type.Optional(fields.role),
    locale: Type.Optional(fields.locale),
    enabled: Type.Optional(fields.enabled),
  },
  strict,
);
const UpdateBody = Type.Partial(Type.Omit(CreateBody, ['organizationId']), { ...strict, minProperties: 1 });
const ListQuery = Type.Object({ organizationId: Type.Optional(Id) }, strict);

const socContactRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const contacts = () => platform.soc.notify.contacts;

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        querystring: ListQuery,
        response: {
          200: Type.Object(
            {
              items: Type.Array(Contact),
              ackMinutes: Type.Object(
                {
                  critical: Type.Integer({ minimum: 0 }),
                  high: Type.Integer({ minimum: 0 }),
                  medium: Type.Integer({ minimum: 0 }),
                  low: Type.Integer({ minimum: 0 }),
                },
                { ...strict, description: 'minutes to acknowledge before escalation; 0: no deadline' },
              ),
            },
            strict,
          ),
          ...errorResponses,
        },
      },
    },
    async (request) => contacts().list(request.ctx, request.query),
  );

  app.post<{ Body: Static<typeof CreateBody> }>(
    '/',
    {
      config: { auth: 'actor' },
      schema: { tags, body: CreateBody, response: { 201: Contact, ...errorResponses } },
    },
    async (request, reply) => reply.code(201).send(await contacts().create(request.ctx, request.body)),
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof UpdateBody> }>(
    '/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, body: UpdateBody, response: { 200: Contact, ...errorResponses } },
    },
    async (request) => contacts().update(request.ctx, request.params.id, request.body),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await contacts().remove(request.ctx, request.params.id);
      return reply.code(204).send();
    },
  );
};

export default socContactRoutes;
