// 地方版ASM: an organization's scan scope — roots with their ownership verification (DNS TXT token or an
// administrator's attestation), exclusions, the scan settings (windows, rate, ports), the guard's refusals and
// the state's global stop switch.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { IdParams, errorResponses, page } from '../schemas.js';
import {
  AddRootBody,
  AttestBody,
  Exclusion,
  ExclusionBody,
  Refusal,
  RefusalQuery,
  StopBody,
  StopState,
  OrgSettings,
  Scope,
  ScopeQuery,
  ScopeRoot,
  SettingsBody,
  tags,
} from './asm-schemas.js';

type Params = Static<typeof IdParams>;
const OrgParams = Type.Object({ organizationId: IdParams.properties.id }, { additionalProperties: false });

const asmScopeRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const scope = () => platform.asm.scope;

  app.get<{ Querystring: Static<typeof ScopeQuery> }>(
    '/scope',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: ScopeQuery, response: { 200: Scope, ...errorResponses } },
    },
    async (request) => scope().get(request.ctx, request.query.organizationId),
  );

  app.post<{ Body: Static<typeof AddRootBody> }>(
    '/scope/roots',
    {
      config: { auth: 'actor' },
      schema: { tags, body: AddRootBody, response: { 201: ScopeRoot, ...errorResponses } },
    },
    async (request, reply) => reply.code(201).send(await scope().addRoot(request.ctx, request.body)),
  );

  app.post<{ Params: Params }>(
    '/scope/roots/:id/verify',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 200: ScopeRoot, ...errorResponses } },
    },
    async (request) => scope().verifyRoot(request.ctx, request.params.id),
  );

  app.delete<{ Params: Params }>(
    '/scope/roots/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await scope().removeRoot(request.ctx, request.params.id);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: Params; Body: Static<typeof AttestBody> }>(
    '/scope/roots/:id/attest',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, body: AttestBody, response: { 200: ScopeRoot, ...errorResponses } },
    },
    async (request) => scope().attestRoot(request.ctx, request.params.id, request.body),
  );

  app.patch<{ Params: Static<typeof OrgParams>; Body: Static<typeof SettingsBody> }>(
    '/scope/settings/:organizationId',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        params: OrgParams,
        body: SettingsBody,
        response: { 200: OrgSettings, ...errorResponses },
      },
    },
    async (request) => scope().updateSettings(request.ctx, request.params.organizationId, request.body),
  );

  app.post<{ Body: Static<typeof ExclusionBody> }>(
    '/scope/exclusions',
    {
      config: { auth: 'actor' },
      schema: { tags, body: ExclusionBody, response: { 201: Exclusion, ...errorResponses } },
    },
    async (request, reply) => reply.code(201).send(await scope().addExclusion(request.ctx, request.body)),
  );

  app.delete<{ Params: Params }>(
    '/scope/exclusions/:id',
    {
      config: { auth: 'actor' },
      schema: { tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await scope().removeExclusion(request.ctx, request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof RefusalQuery> }>(
    '/refusals',
    {
      config: { auth: 'actor' },
      schema: { tags, querystring: RefusalQuery, response: { 200: page(Refusal), ...errorResponses } },
    },
    async (request) => scope().refusals(request.ctx, request.query),
  );

  app.get(
    '/stop',
    {
      config: { auth: 'actor' },
      schema: { tags, response: { 200: StopState, ...errorResponses } },
    },
    async (request) => scope().stopState(request.ctx),
  );

  app.put<{ Body: Static<typeof StopBody> }>(
    '/stop',
    {
      config: { auth: 'actor' },
      schema: { tags, body: StopBody, response: { 200: StopState, ...errorResponses } },
    },
    async (request) => scope().setStop(request.ctx, request.body),
  );
};

export default asmScopeRoutes;
