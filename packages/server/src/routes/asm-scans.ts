// 地方版ASM: scan runs (list, detail with the diff), on-demand scan requests, and schedules.
import type { FastifyPluginAsync } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { IdParams, errorResponses, page } from '../schemas.js';
import { Type } from '@sinclair/typebox';
import {
  ScanBody,
  ScanQuery,
  ScanRun,
  ScanRunDetail,
  Schedule,
  ScheduleBody,
  SchedulePatch,
  ScheduleQuery,
  tags,
} from './asm-schemas.js';

type Params = Static<typeof IdParams>;
const Empty = Type.Null({ description: 'no content' });

const asmScanRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  app.get<{ Querystring: Static<typeof ScanQuery> }>(
    '/scans',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: ScanQuery, response: { 200: page(ScanRun), ...errorResponses } },
    },
    async (request) => platform.asm.listScans(request.ctx, request.query),
  );

  app.get<{ Params: Params }>(
    '/scans/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 200: ScanRunDetail, ...errorResponses } },
    },
    async (request) => platform.asm.getScan(request.ctx, request.params.id),
  );

  app.post<{ Body: Static<typeof ScanBody> }>(
    '/scans',
    {
      config: { auth: 'actor' },
      schema: { tags, body: ScanBody, response: { 202: ScanRun, ...errorResponses } },
    },
    async (request, reply) => reply.code(202).send(await platform.asm.requestScan(request.ctx, request.body)),
  );

  app.get<{ Querystring: Static<typeof ScheduleQuery> }>(
    '/schedules',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        querystring: ScheduleQuery,
        response: {
          200: Type.Object({ items: Type.Array(Schedule) }, { additionalProperties: false }),
          ...errorResponses,
        },
      },
    },
    async (request) => platform.asm.listSchedules(request.ctx, request.query),
  );

  app.post<{ Body: Static<typeof ScheduleBody> }>(
    '/schedules',
    {
      config: { auth: 'actor' },
      schema: { tags, body: ScheduleBody, response: { 201: Schedule, ...errorResponses } },
    },
    async (request, reply) =>
      reply.code(201).send(await platform.asm.createSchedule(request.ctx, request.body)),
  );

  app.patch<{ Params: Params; Body: Static<typeof SchedulePatch> }>(
    '/schedules/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, body: SchedulePatch, response: { 200: Schedule, ...errorResponses } },
    },
    async (request) => platform.asm.updateSchedule(request.ctx, request.params.id, request.body),
  );

  app.delete<{ Params: Params }>(
    '/schedules/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 204: Empty, ...errorResponses } },
    },
    async (request, reply) => {
      await platform.asm.deleteSchedule(request.ctx, request.params.id);
      return reply.code(204).send();
    },
  );
};

export default asmScanRoutes;
