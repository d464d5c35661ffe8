// 地方版ASM: prefecture and state dashboards, and the per-organization report as PDF (Japanese font
// embedded) and Excel, for download.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { asmOrgReportDocument, renderPdf, renderXlsx } from '@mamori/platform/reports';
import { errorResponses } from '../schemas.js';
import { Binary, Dashboard, DashboardQuery, ReportQuery, tags } from './asm-schemas.js';

type RQ = { Querystring: Static<typeof ReportQuery> };

function fileName(code: string | null, organizationId: string, generatedAt: string, ext: string): string {
  const day = generatedAt.slice(0, 10).replace(/-/g, '');
  return `mamori-asm-${(code ?? organizationId).replace(/[^A-Za-z0-9_-]/g, '')}-${day}.${ext}`;
}

function send(reply: FastifyReply, body: Buffer, contentType: string, name: string) {
  return reply
    .header('content-type', contentType)
    .header('content-disposition', `attachment; filename="${name}"`)
    .send(body);
}

const asmReportRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get<{ Querystring: Static<typeof DashboardQuery> }>(
    '/dashboard',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: DashboardQuery, response: { 200: Dashboard, ...errorResponses } },
    },
    async (request) => platform.asm.dashboard(request.ctx, request.query),
  );

  const load = async (request: {
    ctx: Parameters<Platform['asm']['orgReport']>[0];
    query: Static<typeof ReportQuery>;
  }) => {
    const q = request.query;
    const data = await platform.asm.orgReport(request.ctx, q.organizationId, {
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
    });
    const locale = q.lang ?? 'ja';
    return { data, doc: asmOrgReportDocument(data, { locale }) };
  };
  const fonts = () => ({
    fontPath: platform.config.reports.fontPath,
    boldFontPath: platform.config.reports.boldFontPath,
  });

  app.get<RQ>(
    '/reports/organization.pdf',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: ReportQuery, response: { 200: Binary, ...errorResponses } },
    },
    async (request, reply) => {
      const { data, doc } = await load(request);
      const name = fileName(data.organization.code, data.organization.id, data.generatedAt, 'pdf');
      return send(reply, await renderPdf(doc, fonts()), 'application/pdf', name);
    },
  );

  app.get<RQ>(
    '/reports/organization.xlsx',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: ReportQuery, response: { 200: Binary, ...errorResponses } },
    },
    async (request, reply) => {
      const { data, doc } = await load(request);
      const name = fileName(data.organization.code, data.organization.id, data.generatedAt, 'xlsx');
      return send(
        reply,
        await renderXlsx(doc),
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        name,
      );
    },
  );
};

export default asmReportRoutes;
