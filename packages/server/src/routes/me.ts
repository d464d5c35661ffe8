import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Platform } from '@mamori/platform';
import { Locale, Me, Password, errorResponses } from '../schemas.js';
import type { RateLimitRule } from '../app.js';

const strict = { additionalProperties: false } as const;
const PatchMe = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    locale: Type.Optional(Locale),
  },
  { ...strict, minProperties: 1 },
);
const PasswordBody = Type.Object({ currentPassword: Password, newPassword: Password }, strict);
const tags = ['me'];

/** The signed-in user's own account. */
const meRoutes: FastifyPluginAsync<{ platform: Platform; rateLimits: { login: RateLimitRule } }> = async (
  app,
  { platform, rateLimits },
) => {
  app.get(
    '/',
    { config: { auth: 'actor' }, schema: { tags, response: { 200: Me, ...errorResponses } } },
    async (request) => platform.accounts.me(request.ctx),
  );

  app.patch<{ Body: Static<typeof PatchMe> }>(
    '/',
    { config: { auth: 'actor' }, schema: { tags, body: PatchMe, response: { 200: Me, ...errorResponses } } },
    async (request) => platform.accounts.updateMe(request.ctx, request.body),
  );

  app.post<{ Body: Static<typeof PasswordBody> }>(
    '/password',
    {
      // Checking the current password is an argon2 verification: limited like sign-in.
      config: {
        auth: 'actor',
        rateLimit: { max: rateLimits.login.max, timeWindow: rateLimits.login.timeWindow },
      },
      schema: { tags, body: PasswordBody, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await platform.accounts.changePassword(request.ctx, request.body);
      return reply.code(204).send();
    },
  );
};

export default meRoutes;
