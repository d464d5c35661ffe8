// SOC alerts: the queue (filters, sort, paging), detail with evidence, triage actions one by one or in bulk,
// the notification log, and a server-sent-events stream of new and changed alerts scoped to the caller.
// Access is decided by the platform (soc:read / soc:triage; unattributed alerts are the prefecture's).
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { Cursor, Id, IdParams, Limit, Nullable, Timestamp, errorResponses, page } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const tags = ['soc'];

export const SeverityT = Type.Union(
  (['informational', 'low', 'medium', 'high', 'critical'] as const).map((s) => Type.Literal(s)),
);
const StatusT = Type.Union(
  (['new', 'acknowledged', 'in_progress', 'resolved', 'false_positive'] as const).map((s) => Type.Literal(s)),
);

export const SocAlert = Type.Object(
  {
    id: Type.String(),
    ruleId: Type.String(),
    ruleTitle: Type.String(),
    ruleAuthor: Type.String(),
    source: Type.Union([Type.Literal('sigma'), Type.Literal('builtin')]),
    severity: SeverityT,
    organizationId: Nullable(Type.String()),
    organizationName: Type.Optional(Nullable(Type.String())),
    prefectureId: Type.String(),
    entity: Type.String(),
    windowStart: Type.String(),
    firstSeen: Type.String(),
    lastSeen: Type.String(),
    eventCount: Type.Integer(),
    status: StatusT,
    assigneeId: Nullable(Type.String()),
    assigneeName: Type.Optional(Nullable(Type.String())),
    ackDeadline: Nullable(Type.String()),
    acknowledgedAt: Nullable(Type.String()),
    escalationLevel: Type.Integer(),
    falsePositiveReason: Nullable(Type.String()),
    incidentRef: Nullable(Type.String()),
    details: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  strict,
);

const Comment = Type.Object(
  {
    id: Type.String(),
    authorId: Nullable(Type.String()),
    authorName: Type.String(),
    body: Type.String(),
    createdAt: Type.String(),
  },
  strict,
);

export const NotificationT = Type.Object(
  {
    id: Type.String(),
    alertId: Type.String(),
    contactId: Nullable(Type.String()),
    organizationId: Nullable(Type.String()),
    channel: Type.String(),
    target: Type.String(),
    level: Type.Integer(),
    attempt: Type.Integer(),
    status: Type.String(),
    error: Nullable(Type.String()),
    sentAt: Type.String(),
  },
  strict,
);

const Detail = Type.Object(
  {
    alert: SocAlert,
    evidence: Type.Array(Type.Object({ eventId: Type.String(), time: Type.String() }, strict)),
    // Stored SocEvents (the pipeline's shape; see docs/events.md).
    events: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    comments: Type.Array(Comment),
    notifications: Type.Array(NotificationT),
    incidentRequests: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          summary: Type.String(),
          requestedBy: Type.String(),
          status: Type.String(),
          incidentId: Nullable(Type.String()),
          createdAt: Type.String(),
        },
        strict,
      ),
    ),
  },
  strict,
);

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Array(StatusT, { maxItems: 5 })),
    severity: Type.Optional(Type.Array(SeverityT, { maxItems: 5 })),
    minSeverity: Type.Optional(SeverityT),
    organizationId: Type.Optional(Id),
    unattributed: Type.Optional(Type.Boolean()),
    ruleId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    assigneeId: Type.Optional(Id),
    source: Type.Optional(Type.Union([Type.Literal('sigma'), Type.Literal('builtin')])),
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    q: Type.Optional(Type.String({ maxLength: 200 })),
    sort: Type.Optional(
      Type.Union(
        (['last_seen', 'first_seen', 'severity', 'event_count', 'created_at'] as const).map((s) =>
          Type.Literal(s),
        ),
      ),
    ),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  strict,
);

const BulkBody = Type.Object(
  {
    ids: Type.Array(Id, { minItems: 1, maxItems: 200 }),
    action: Type.Union(
      (['acknowledge', 'start', 'resolve', 'false_positive', 'assign', 'assign_me', 'comment'] as const).map(
        (a) => Type.Literal(a),
      ),
    ),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    assigneeId: Type.Optional(Nullable(Id)),
    body: Type.Optional(Type.String({ minLength: 1, maxLength: 10000 })),
  },
  strict,
);
const BulkResult = Type.Object({ updated: Type.Integer(), items: Type.Array(SocAlert) }, strict);
const NoteBody = Type.Optional(
  Type.Object({ note: Type.Optional(Type.String({ maxLength: 10000 })) }, strict),
);
const ReasonBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, strict);
const AssignBody = Type.Object({ assigneeId: Nullable(Id) }, strict);
const CommentBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: 10000 }) }, strict);
const IncidentBody = Type.Object({ summary: Type.String({ minLength: 1, maxLength: 10000 }) }, strict);
const NotificationQuery = Type.Object(
  {
    alertId: Type.Optional(Id),
    organizationId: Type.Optional(Id),
    status: Type.Optional(Type.Union((['sent', 'failed', 'retrying'] as const).map((s) => Type.Literal(s)))),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  strict,
);
const StreamQuery = Type.Object(
  {
    // Seconds before the server ends the stream (the browser's EventSource reconnects by itself).
    maxSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  },
  strict,
);

type Params = Static<typeof IdParams>;

const socAlertRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const alerts = () => platform.soc.alerts;
  const one = { 200: SocAlert, ...errorResponses };

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/alerts',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: ListQuery, response: { 200: page(SocAlert), ...errorResponses } },
    },
    async (request) => alerts().list(request.ctx, request.query),
  );

  app.get<{ Querystring: Static<typeof StreamQuery> }>(
    '/alerts/stream',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        querystring: StreamQuery,
        response: {
          200: Type.String({ description: 'text/event-stream: events "alert" (data: {kind, alert})' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const queue: string[] = [];
      let wake: (() => void) | null = null;
      // Subscribing checks the caller (401/403 answer as JSON before the stream starts).
      const unsubscribe = await alerts().subscribe(request.ctx, (change) => {
        if (queue.length >= 1000) queue.shift();
        queue.push(`event: alert\ndata: ${JSON.stringify(change)}\n\n`);
        wake?.();
      });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      const until = Date.now() + (request.query.maxSeconds ?? 3600) * 1000;
      let open = true;
      const stop = () => {
        open = false;
        wake?.();
      };
      request.raw.on('close', stop);
      res.on('close', stop);
      try {
        while (open && Date.now() < until) {
          while (queue.length > 0 && open) res.write(queue.shift()!);
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, Math.min(15_000, Math.max(0, until - Date.now())));
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = null;
          if (open && queue.length === 0 && Date.now() < until) res.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
        if (!res.writableEnded) res.end();
      }
    },
  );

  app.get<{ Params: Params }>(
    '/alerts/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 200: Detail, ...errorResponses } },
    },
    async (request) => alerts().get(request.ctx, request.params.id),
  );

  app.post<{ Body: Static<typeof BulkBody> }>(
    '/alerts/bulk',
    {
      config: { auth: 'actor' },
      schema: { tags, body: BulkBody, response: { 200: BulkResult, ...errorResponses } },
    },
    async (request) => {
      const b = request.body;
      const actor = request.ctx.actor;
      const assignMe = b.action === 'assign_me';
      const { items } = await alerts().act(request.ctx, {
        ids: b.ids,
        action: assignMe ? 'assign' : b.action === 'comment' ? 'comment' : (b.action as 'acknowledge'),
        ...(b.reason !== undefined ? { reason: b.reason } : {}),
        ...(b.body !== undefined ? { text: b.body } : {}),
        ...(assignMe
          ? { assigneeId: actor?.kind === 'user' ? actor.userId : 'not-a-user' }
          : b.assigneeId !== undefined
            ? { assigneeId: b.assigneeId }
            : {}),
      });
      return { updated: items.length, items };
    },
  );

  app.post<{ Params: Params }>(
    '/alerts/:id/acknowledge',
    { config: { auth: 'actor' }, schema: { tags, params: IdParams, response: one } },
    async (request) => alerts().acknowledge(request.ctx, request.params.id),
  );

  app.post<{ Params: Params }>(
    '/alerts/:id/start',
    { config: { auth: 'actor' }, schema: { tags, params: IdParams, response: one } },
    async (request) => alerts().start(request.ctx, request.params.id),
  );

  app.post<{ Params: Params; Body: Static<typeof NoteBody> }>(
    '/alerts/:id/resolve',
    { config: { auth: 'actor' }, schema: { tags, params: IdParams, body: NoteBody, response: one } },
    async (request) => alerts().resolve(request.ctx, request.params.id, request.body?.note),
  );

  app.post<{ Params: Params; Body: Static<typeof ReasonBody> }>(
    '/alerts/:id/false-positive',
    { config: { auth: 'actor' }, schema: { tags, params: IdParams, body: ReasonBody, response: one } },
    async (request) => alerts().falsePositive(request.ctx, request.params.id, request.body.reason),
  );

  app.post<{ Params: Params; Body: Static<typeof AssignBody> }>(
    '/alerts/:id/assign',
    { config: { auth: 'actor' }, schema: { tags, params: IdParams, body: AssignBody, response: one } },
    async (request) => alerts().assign(request.ctx, request.params.id, request.body.assigneeId),
  );

  app.post<{ Params: Params; Body: Static<typeof CommentBody> }>(
    '/alerts/:id/comments',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, body: CommentBody, response: { 201: Comment, ...errorResponses } },
    },
    async (request, reply) =>
      reply.code(201).send(await alerts().addComment(request.ctx, request.params.id, request.body.body)),
  );

  app.post<{ Params: Params; Body: Static<typeof IncidentBody> }>(
    '/alerts/:id/incident',
    { config: { auth: 'actor' }, schema: { tags, params: IdParams, body: IncidentBody, response: one } },
    async (request) => alerts().raiseIncident(request.ctx, request.params.id, request.body.summary),
  );

  app.get<{ Querystring: Static<typeof NotificationQuery> }>(
    '/notifications',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        querystring: NotificationQuery,
        response: { 200: page(NotificationT), ...errorResponses },
      },
    },
    async (request) => alerts().notifications(request.ctx, request.query),
  );
};

export default socAlertRoutes;
