import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { Id, Locale, Nullable, Timestamp, errorResponses } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const Count = Type.Integer({ minimum: 0 });
const Month = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM (Japan time)' });

const Query = Type.Object(
  {
    organizationId: Id,
    month: Type.Optional(Month),
    lang: Type.Optional(Locale),
  },
  strict,
);

const severityCounts = Type.Object(
  { critical: Count, high: Count, medium: Count, low: Count, informational: Count },
  strict,
);
const Figures = Type.Object(
  {
    firewall: Type.Object({ allowed: Count, blocked: Count }, strict),
    ips: Type.Object({ detected: Count, blocked: Count }, strict),
    waf: Type.Object(
      {
        attacks: Count,
        blocked: Count,
        byType: Type.Array(Type.Object({ type: Type.String(), count: Count }, strict)),
      },
      strict,
    ),
    mail: Type.Object(
      { malwareRemoved: Count, malwareDetected: Count, spam: Count, spamBlocked: Count },
      strict,
    ),
    sandbox: Type.Object({ suspicious: Count }, strict),
    proxy: Type.Object(
      {
        blocked: Count,
        byCategory: Type.Array(Type.Object({ category: Type.String(), count: Count }, strict)),
      },
      strict,
    ),
    dns: Type.Object({ blocked: Count }, strict),
    alerts: Type.Object(
      {
        total: Count,
        bySeverity: severityCounts,
        falsePositive: Count,
        acknowledged: Count,
        mttaSeconds: Nullable(Type.Number({ minimum: 0 })),
      },
      strict,
    ),
    unattributed: Count,
  },
  strict,
);
const Row = Type.Object(
  {
    key: Type.String(),
    section: Type.String(),
    sectionLabel: Type.String(),
    label: Type.String(),
    value: Nullable(Type.Number()),
    previous: Nullable(Type.Number()),
    change: Nullable(Type.Number()),
  },
  strict,
);
const Report = Type.Object(
  {
    month: Month,
    previousMonth: Month,
    locale: Locale,
    title: Type.String(),
    scope: Type.Object(
      {
        kind: Type.Union([Type.Literal('municipality'), Type.Literal('prefecture'), Type.Literal('state')]),
        organizationId: Type.String(),
        name: Type.String(),
        code: Nullable(Type.String()),
      },
      strict,
    ),
    period: Type.Object({ from: Timestamp, to: Timestamp }, strict),
    current: Figures,
    previous: Figures,
    rows: Type.Array(Row),
    wafByType: Type.Array(
      Type.Object({ type: Type.String(), label: Type.String(), count: Count, previous: Count }, strict),
    ),
    proxyByCategory: Type.Array(
      Type.Object({ category: Type.String(), label: Type.String(), count: Count, previous: Count }, strict),
    ),
    byOrganization: Type.Array(
      Type.Object(
        {
          organizationId: Type.String(),
          name: Type.String(),
          code: Nullable(Type.String()),
          values: Type.Record(Type.String(), Type.Number()),
        },
        strict,
      ),
    ),
    byOrganizationColumns: Type.Array(Type.Object({ key: Type.String(), label: Type.String() }, strict)),
    generatedAt: Timestamp,
  },
  strict,
);
const Binary = Type.String({ description: 'file body', contentEncoding: 'binary' });
const tags = ['soc'];
type Q = { Querystring: Static<typeof Query> };

const asQuery = (q: Static<typeof Query>) => ({
  organizationId: q.organizationId,
  ...(q.month ? { month: q.month } : {}),
  ...(q.lang ? { locale: q.lang } : {}),
});

function sendFile(reply: FastifyReply, file: { body: Buffer; contentType: string; fileName: string }) {
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', `attachment; filename="${file.fileName}"`)
    .send(file.body);
}

/** Monthly SOC statistics for a municipality, a prefecture or the state: JSON for the console, PDF, Excel. */
const socReportRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get<Q>(
    '/monthly',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: Query, response: { 200: Report, ...errorResponses } },
    },
    async (request) => platform.soc.reports.monthly(request.ctx, asQuery(request.query)),
  );
};

export default socReportRoutes;

/** The same report as PDF (Japanese font embedded) and Excel, for download. */
export const socReportFileRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get<Q>(
    '/monthly/pdf',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: Query, response: { 200: Binary, ...errorResponses } },
    },
    async (request, reply) =>
      sendFile(reply, await platform.soc.reports.monthlyPdf(request.ctx, asQuery(request.query))),
  );

  app.get<Q>(
    '/monthly/xlsx',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: Query, response: { 200: Binary, ...errorResponses } },
    },
    async (request, reply) =>
      sendFile(reply, await platform.soc.reports.monthlyXlsx(request.ctx, asQuery(request.query))),
  );
};
