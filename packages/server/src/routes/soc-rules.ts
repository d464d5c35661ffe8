// Sigma rule sets per prefecture and logsource: what runs (soc:read on the prefecture), and choosing
// (soc:manage); `ruleSets: null` returns the logsource to the shipped defaults.
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { Id, Nullable, errorResponses } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const tags = ['soc'];
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9-]+$' });

const State = Type.Object(
  {
    prefectureId: Type.String(),
    logsources: Type.Array(
      Type.Object(
        {
          logsource: Type.String(),
          ja: Type.String(),
          en: Type.String(),
          configured: Type.Boolean(),
          ruleSets: Type.Array(
            Type.Object(
              {
                name: Type.String(),
                ja: Type.String(),
                en: Type.String(),
                default: Type.Boolean(),
                enabled: Type.Boolean(),
                rules: Type.Integer({ minimum: 0, description: 'rule files in the set' }),
              },
              strict,
            ),
          ),
        },
        strict,
      ),
    ),
  },
  strict,
);
const PrefParams = Type.Object({ prefectureId: Id }, strict);
const SetParams = Type.Object({ prefectureId: Id, logsource: Name }, strict);
const SetBody = Type.Object(
  { ruleSets: Nullable(Type.Array(Name, { maxItems: 50, uniqueItems: true })) },
  strict,
);

const socRuleRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const ruleSets = () => platform.soc.detection.ruleSets;

  app.get<{ Params: Static<typeof PrefParams> }>(
    '/:prefectureId',
    {
      config: { auth: 'actor' },
      schema: { tags, params: PrefParams, response: { 200: State, ...errorResponses } },
    },
    async (request) => ruleSets().get(request.ctx, request.params.prefectureId),
  );

  app.put<{ Params: Static<typeof SetParams>; Body: Static<typeof SetBody> }>(
    '/:prefectureId/:logsource',
    {
      config: { auth: 'actor' },
      schema: { tags, params: SetParams, body: SetBody, response: { 200: State, ...errorResponses } },
    },
    async (request) =>
      ruleSets().set(
        request.ctx,
        request.params.prefectureId,
        request.params.logsource,
        request.body.ruleSets,
      ),
  );
};

export default socRuleRoutes;
