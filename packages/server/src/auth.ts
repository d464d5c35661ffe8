import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MamoriError, isMamoriError } from '@mamori/core';
import type { Platform, RequestContext, ResolvedSession } from '@mamori/platform';

/**
 * Who may call a route — only the *kind* of credential is checked here; what the caller may do is the
 * platform policy's decision, asked by the services the handler calls.
 * - `public`: anyone (sign-in, probes, the OpenAPI document).
 * - `session`: a session cookie in any state, including half-way through MFA (the MFA steps, logout).
 * - `actor`: a fully authenticated session or an API token.
 */
export type AuthMode = 'public' | 'session' | 'actor';

export const SESSION_COOKIE = 'mamori_session';
export const CSRF_HEADER = 'x-csrf-token';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyRequest {
    /** Passed to every platform service call. */
    ctx: RequestContext;
    /** The session cookie's value when the request was authenticated by it. */
    sessionToken: string | null;
    session: ResolvedSession | null;
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function setSessionCookie(
  platform: Platform,
  reply: FastifyReply,
  token: string,
  expiresAt: string,
): void {
  const expires = new Date(expiresAt);
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    secure: platform.config.server.secureCookies,
    sameSite: 'strict',
    path: '/',
    ...(Number.isNaN(expires.getTime()) ? {} : { expires }),
  });
}

export function clearSessionCookie(platform: Platform, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    secure: platform.config.server.secureCookies,
    sameSite: 'strict',
    path: '/',
  });
}

function bearerOf(request: FastifyRequest): string | null | undefined {
  const h = request.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer ([A-Za-z0-9_.~+/=-]{1,512})$/.exec(h);
  return m ? m[1]! : null;
}

export async function registerAuthentication(app: FastifyInstance, platform: Platform): Promise<void> {
  app.decorateRequest('ctx', null as unknown as RequestContext);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('session', null);

  app.addHook('onRequest', async (request, reply) => {
    const userAgent = request.headers['user-agent'];
    request.ctx = {
      actor: null,
      sourceIp: request.ip,
      ...(userAgent ? { userAgent: userAgent.slice(0, 512) } : {}),
    };
    const mode = request.routeOptions.config?.auth;
    // Unknown routes (404, console files) and public routes need no credential.
    if (mode === undefined || mode === 'public') return;

    const bearer = bearerOf(request);
    if (bearer === null) throw new MamoriError('MAMORI_TOKEN_INVALID');
    if (bearer !== undefined) {
      if (mode === 'session') {
        throw new MamoriError('MAMORI_UNAUTHENTICATED', undefined, {
          reason: 'this step needs a browser session',
        });
      }
      request.ctx.actor = await platform.auth.authenticateToken(bearer);
      return;
    }

    const token = request.cookies[SESSION_COOKIE];
    if (!token) throw new MamoriError('MAMORI_UNAUTHENTICATED');
    let session: ResolvedSession;
    try {
      session = await platform.auth.resolveSession(token);
    } catch (err) {
      if (isMamoriError(err) && err.status === 401) clearSessionCookie(platform, reply);
      throw err;
    }
    // Cookies ride along on cross-site requests; the CSRF token, readable only by our own pages, does not.
    if (STATE_CHANGING.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameText(sent, session.csrfToken))
        throw new MamoriError('MAMORI_CSRF');
    }
    request.sessionToken = token;
    request.session = session;
    if (mode === 'actor') {
      if (session.state !== 'authenticated' || !session.actor) {
        throw new MamoriError('MAMORI_MFA_REQUIRED', undefined, { state: session.state });
      }
    }
    request.ctx.actor = session.actor;
    // The platform needs it to end every session but this one (password change).
    request.ctx.sessionId = session.sessionId;
  });
}
