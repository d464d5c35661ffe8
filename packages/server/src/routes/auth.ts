import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { MamoriError, isMamoriError } from '@mamori/core';
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
const OidcInfo = Type.Object({ enabled: Type.Boolean() }, strict);
// The identity provider adds its own parameters (code, state, iss, session_state, error…): text only, bounded.
const OidcCallbackQuery = Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 4096 }), {
  maxProperties: 20,
});
const tags = ['auth'];

const OIDC_COOKIE = 'mamori_oidc';
const OIDC_PATH = '/api/v1/auth/oidc';
const OIDC_TTL_MS = 10 * 60_000;
const OIDC_MAX_PENDING = 10_000;
type Kept = { state: string; nonce: string; codeVerifier: string; at: number };

/** Sign-in, MFA, session and sign-out. The session cookie is set from every step's latest result. */
const authRoutes: FastifyPluginAsync<{
  platform: Platform;
  rateLimits: { login: RateLimitRule; mfa: RateLimitRule };
}> = async (app, { platform, rateLimits }) => {
  const limit = (r: RateLimitRule) => ({ max: r.max, timeWindow: r.timeWindow });
  // OIDC round trips in flight: kept server-side (the PKCE verifier never leaves the server), found again by
  // a random id in a short-lived cookie.
  const pending = new Map<string, Kept>();
  const sweep = () => {
    const now = Date.now();
    for (const [k, v] of pending) if (now - v.at > OIDC_TTL_MS) pending.delete(k);
  };

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
        // The console resumes a half-finished sign-in after a reload (or after OIDC): it needs the state and
        // the CSRF token for the next step. Only a same-origin reader holding the cookie gets this far.
        throw new MamoriError('MAMORI_MFA_REQUIRED', undefined, { state: s.state, csrfToken: s.csrfToken });
      }
      const user = await platform.accounts.me(request.ctx);
      return { user, csrfToken: s.csrfToken };
    },
  );

  app.get(
    '/oidc',
    { config: { auth: 'public' }, schema: { tags, response: { 200: OidcInfo, ...errorResponses } } },
    async () => ({ enabled: platform.auth.oidcEnabled() }),
  );

  app.get(
    '/oidc/start',
    {
      config: { auth: 'public', rateLimit: limit(rateLimits.login) },
      schema: { tags, response: { 302: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      if (!platform.auth.oidcEnabled()) throw new MamoriError('MAMORI_NOT_FOUND');
      const { url, ...kept } = await platform.auth.oidcStart(request.ctx);
      sweep();
      if (pending.size >= OIDC_MAX_PENDING) throw new MamoriError('MAMORI_RATE_LIMITED');
      const id = randomBytes(24).toString('base64url');
      pending.set(id, { ...kept, at: Date.now() });
      // Lax, not Strict: the identity provider sends the browser back with a cross-site navigation.
      reply.setCookie(OIDC_COOKIE, id, {
        httpOnly: true,
        secure: platform.config.server.secureCookies,
        sameSite: 'lax',
        path: OIDC_PATH,
        maxAge: OIDC_TTL_MS / 1000,
      });
      return reply.redirect(url, 302);
    },
  );

  app.get<{ Querystring: Static<typeof OidcCallbackQuery> }>(
    '/oidc/callback',
    {
      config: { auth: 'public', rateLimit: limit(rateLimits.login) },
      schema: { tags, querystring: OidcCallbackQuery, response: { 302: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      if (!platform.auth.oidcEnabled()) throw new MamoriError('MAMORI_NOT_FOUND');
      const id = request.cookies[OIDC_COOKIE];
      const kept = id ? pending.get(id) : undefined;
      if (id) pending.delete(id);
      reply.clearCookie(OIDC_COOKIE, { path: OIDC_PATH });
      // A browser is navigating here: answer with the console, which reads the outcome from the query.
      if (!kept || Date.now() - kept.at > OIDC_TTL_MS) {
        return reply.redirect('/?oidc_error=MAMORI_SESSION_EXPIRED', 302);
      }
      try {
        const r = await platform.auth.oidcCallback(request.ctx, request.url, {
          state: kept.state,
          nonce: kept.nonce,
          codeVerifier: kept.codeVerifier,
        });
        setSessionCookie(platform, reply, r.sessionToken, r.expiresAt);
        return reply.redirect(r.state === 'authenticated' ? '/' : `/?signin=${r.state}`, 302);
      } catch (err) {
        const code = isMamoriError(err) && err.status < 500 ? err.code : 'MAMORI_INTERNAL';
        if (code === 'MAMORI_INTERNAL') request.log.error({ err }, 'OIDC callback failed');
        return reply.redirect(`/?oidc_error=${code}`, 302);
      }
    },
  );
};

export default authRoutes;
