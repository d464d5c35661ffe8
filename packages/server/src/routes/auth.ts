import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { MamoriError } from '@mamori/core';
import type { Platform } from '@mamori/platform';
import { Me, OtpCode, Password, SessionState, Username, errorResponses } from '../schemas.js';
import { clearSessionCookie, setSessionCookie } from '../auth.js';
import type { RateLimitRule } from '../app.js';

const strict = { additionalProperties: false } as const;
const LoginBody = Type.Object({ username: Username, password: Password }, strict);
const CodeBody = Type.Object({ code: OtpCode }, strict);
const AuthState = Type.Object(
  { state: SessionState, user: Type.Optional(Me), csrfToken: Type.String() },
  strict,
);
const Authenticated = Type.Object(
  { state: Type.Literal('authenticated'), user: Me, csrfToken: Type.String() },
  strict,
);
const Enrolment = Type.Object({ secret: Type.String(), otpauthUri: Type.String() }, strict);
const Confirmed = Type.Object(
  {
    state: Type.Literal('authenticated'),
    user: Me,
    csrfToken: Type.String(),
    recoveryCodes: Type.Array(Type.String()),
  },
  strict,
);
const SessionBody = Type.Object({ user: Me, csrfToken: Type.String() }, strict);
const tags = ['auth'];

/** Sign-in, MFA, session and sign-out. The session cookie is set from every step's latest result. */
const authRoutes: FastifyPluginAsync<{
  platform: Platform;
  rateLimits: { login: RateLimitRule; mfa: RateLimitRule };
}> = async (app, { platform, rateLimits }) => {
  const limit = (r: RateLimitRule) => ({ max: r.max, timeWindow: r.timeWindow });

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/login',
    {
      config: { auth: 'public', rateLimit: limit(rateLimits.login) },
      schema: { tags, body: LoginBody, response: { 200: AuthState, ...errorResponses } },
    },
    async (request, reply) => {
      const r = await platform.auth.login(request.ctx, request.body);
      setSessionCookie(platform, reply, r.sessionToken, r.expiresAt);
      return { state: r.state, ...(r.user ? { user: r.user } : {}), csrfToken: r.csrfToken };
    },
  );

  app.post<{ Body: Static<typeof CodeBody> }>(
    '/mfa/verify',
    {
      config: { auth: 'session', rateLimit: limit(rateLimits.mfa) },
      schema: { tags, body: CodeBody, response: { 200: Authenticated, ...errorResponses } },
    },
    async (request, reply) => {
      const r = await platform.auth.verifyMfa(request.ctx, request.sessionToken!, request.body.code);
      setSessionCookie(platform, reply, r.sessionToken, r.expiresAt);
      if (r.state !== 'authenticated' || !r.user) throw new MamoriError('MAMORI_MFA_INVALID');
      return { state: r.state, user: r.user, csrfToken: r.csrfToken };
    },
  );

  app.post(
    '/mfa/enrolment',
    {
      config: { auth: 'session', rateLimit: limit(rateLimits.mfa) },
      schema: { tags, response: { 200: Enrolment, ...errorResponses } },
    },
    async (request) => platform.auth.beginEnrolment(request.ctx, request.sessionToken!),
  );

  app.post<{ Body: Static<typeof CodeBody> }>(
    '/mfa/enrolment/confirm',
    {
      config: { auth: 'session', rateLimit: limit(rateLimits.mfa) },
      schema: { tags, body: CodeBody, response: { 200: Confirmed, ...errorResponses } },
    },
    async (request, reply) => {
      const r = await platform.auth.confirmEnrolment(request.ctx, request.sessionToken!, request.body.code);
      setSessionCookie(platform, reply, r.sessionToken, r.expiresAt);
      if (r.state !== 'authenticated' || !r.user) throw new MamoriError('MAMORI_MFA_INVALID');
      return { state: r.state, user: r.user, csrfToken: r.csrfToken, recoveryCodes: r.recoveryCodes };
    },
  );

  app.post(
    '/logout',
    {
      config: { auth: 'session' },
      schema: { tags, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await platform.auth.logout(request.ctx, request.sessionToken!);
      clearSessionCookie(platform, reply);
      return reply.code(204).send();
    },
  );

  app.get(
    '/session',
    {
      config: { auth: 'session' },
      schema: { tags, response: { 200: SessionBody, ...errorResponses } },
    },
    async (request) => {
      const s = request.session!;
      if (s.state !== 'authenticated' || !s.actor) {
        throw new MamoriError('MAMORI_MFA_REQUIRED', undefined, { state: s.state });
      }
      const user = await platform.accounts.me(request.ctx);
      return { user, csrfToken: s.csrfToken };
    },
  );
};

export default authRoutes;
