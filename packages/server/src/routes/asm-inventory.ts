// 地方版ASM: the asset inventory and the findings with their lifecycle (acknowledge, accept risk, false
// positive, reopen). Access is the platform's (asm:read, asm:triage), decided per organization.
import type { FastifyPluginAsync } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { IdParams, errorResponses, page } from '../schemas.js';
import { Asset, AssetQuery, Finding, FindingDetail, FindingQuery, StatusBody, tags } from './asm-schemas.js';

type Params = Static<typeof IdParams>;

const asmInventoryRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get<{ Querystring: Static<typeof AssetQuery> }>(
    '/assets',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: AssetQuery, response: { 200: page(Asset), ...errorResponses } },
    },
    async (request) => platform.asm.listAssets(request.ctx, request.query),
  );

  app.get<{ Params: Params }>(
    '/assets/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 200: Asset, ...errorResponses } },
    },
    async (request) => platform.asm.getAsset(request.ctx, request.params.id),
  );

  app.get<{ Querystring: Static<typeof FindingQuery> }>(
    '/findings',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: FindingQuery, response: { 200: page(Finding), ...errorResponses } },
    },
    async (request) => platform.asm.listFindings(request.ctx, request.query),
  );

  app.get<{ Params: Params }>(
    '/findings/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 200: FindingDetail, ...errorResponses } },
    },
    async (request) => platform.asm.getFinding(request.ctx, request.params.id),
  );

  app.post<{ Params: Params; Body: Static<typeof StatusBody> }>(
    '/findings/:id/status',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, body: StatusBody, response: { 200: Finding, ...errorResponses } },
    },
    async (request) => platform.asm.changeFindingStatus(request.ctx, request.params.id, request.body),
  );
};

export default asmInventoryRoutes;
