import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { MamoriError } from '@mamori/core';
import type { Platform } from '@mamori/platform';
import { sendError } from './errors.js';
import { ResponseValidators, findBadText, validatorCompiler } from './validation.js';
import { registerAuthentication, type AuthMode } from './auth.js';
import { registerConsole } from './console.js';
import authRoutes from './routes/auth.js';
import meRoutes from './routes/me.js';
import organizationRoutes from './routes/organizations.js';
import userRoutes from './routes/users.js';
import tokenRoutes from './routes/tokens.js';
import auditRoutes from './routes/audit.js';
import socIngestRoutes from './routes/soc-ingest.js';
import socAlertRoutes from './routes/soc-alerts.js';
import socContactRoutes from './routes/soc-contacts.js';
import socSourceRoutes from './routes/soc-sources.js';
import socRuleRoutes from './routes/soc-rules.js';
import socEventRoutes from './routes/soc-events.js';
import socReportRoutes, { socReportFileRoutes } from './routes/soc-reports.js';
import asmInventoryRoutes from './routes/asm-inventory.js';
import asmScanRoutes from './routes/asm-scans.js';
import asmScopeRoutes from './routes/asm-scope.js';
import asmReportRoutes from './routes/asm-reports.js';
import metaRoutes, { healthRoutes } from './routes/meta.js';

export interface RateLimitRule {
  max: number;
  /** milliseconds */
  timeWindow: number;
}

export interface BuildAppOptions {
  /** Where the console's built files are; default: packages/console/dist resolved from the workspace. null: no console. */
  consoleDir?: string | null;
  /** Per-client (IP) limits on the authentication endpoints. */
  rateLimits?: { login?: RateLimitRule; mfa?: RateLimitRule };
  /** Check every response body against its route's schema (default true; a mismatch is a 500 and is logged). */
  validateResponses?: boolean;
  /** Log requests through the platform's pino logger (default true). */
  logRequests?: boolean;
  /** A pino logger to use instead of the platform's. */
  logger?: Platform['logger'];
}

export interface RouteInfo {
  method: string;
  url: string;
  auth: AuthMode;
  stateChanging: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: see AuthMode. Every route must say. */
    auth?: AuthMode;
  }
  interface FastifyInstance {
    /** Every route the app registered (HEAD twins apart), for the isolation suite and the docs. */
    mamoriRoutes: RouteInfo[];
    platform: Platform;
  }
}

const API_PREFIX = '/api/v1';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const defaultRateLimits = {
  login: { max: 20, timeWindow: 60_000 },
  mfa: { max: 20, timeWindow: 60_000 },
} satisfies Record<string, RateLimitRule>;

/**
 * The HTTP application: API under /api/v1, health probes, the OpenAPI document and the console.
 * Nothing here decides access: handlers pass the request's actor to the platform's services, which
 * ask the platform's policy.
 */
export async function buildApp(platform: Platform, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const config = platform.config;
  const fastifyOpts: FastifyServerOptions = {
    bodyLimit: config.server.bodyLimitBytes ?? 64 * 1024,
    trustProxy: config.server.trustProxy,
    return503OnClosing: true,
    requestIdHeader: false,
    // Fastify's own request log carries the full URL, query string included (search terms, the OIDC
    // authorization code). We log one line per request ourselves, with the route pattern instead.
    logController: new LogController({ disableRequestLogging: true }),
    // Parse errors in the URL come here rather than as a bare 400.
    frameworkErrors: (err, request, reply) => {
      sendError(err, request, reply);
    },
    // The router refuses an over-long parameter before any handler sees it.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  };
  const app = (opts.logRequests === false
    ? Fastify({ ...fastifyOpts, logger: false })
    : Fastify({
        ...fastifyOpts,
        loggerInstance: (opts.logger ?? platform.logger) as FastifyServerOptions['loggerInstance'],
      })) as unknown as FastifyInstance;

  app.decorate('platform', platform);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? '(no route)',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ip: request.ip,
      },
      'request',
    );
  });
  app.setValidatorCompiler(validatorCompiler);
  // JSON only: a cross-site form can post text/plain, so the API does not read it (415).
  app.removeContentTypeParser('text/plain');
  // Plain JSON.stringify instead of compiling a fast-json-stringify serializer per route and status at start
  // (most of start-up). Bodies are checked against the same schemas just before, so nothing undeclared leaves.
  if (opts.validateResponses !== false) app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // API answers carry personal and security data: no browser or proxy keeps them.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/api/') && !reply.hasHeader('cache-control'))
      reply.header('cache-control', 'no-store');
    return payload;
  });
  app.addHook('preValidation', async (request) => {
    const bad =
      findBadText(request.params, 'params') ??
      findBadText(request.query, 'querystring') ??
      findBadText(request.body, 'body');
    if (bad !== null) {
      throw new MamoriError('MAMORI_VALIDATION', {
        reason: `${bad} contains a NUL character or an unpaired surrogate`,
      });
    }
  });
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));

  // Route registry and response validation are set before any route is added.
  const routes: RouteInfo[] = [];
  app.decorate('mamoriRoutes', routes);
  const validateResponses = opts.validateResponses !== false;
  const responseValidators = new WeakMap<object, ResponseValidators>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const auth = route.config?.auth;
    if (!auth) throw new Error(`route ${String(route.method)} ${route.url} does not declare config.auth`);
    for (const m of methods) {
      if (m === 'HEAD') continue; // Fastify's automatic twin of a GET route
      routes.push({ method: m, url: route.url, auth, stateChanging: STATE_CHANGING.has(m) });
    }
    if (!route.schema?.response)
      throw new Error(`route ${String(route.method)} ${route.url} has no response schema`);
    // The OpenAPI document states which credential each route takes.
    (route.schema as { security?: unknown }).security =
      auth === 'public' ? [] : auth === 'session' ? [{ session: [] }] : [{ session: [] }, { bearer: [] }];
    if (validateResponses) {
      const validators = new ResponseValidators(route.schema.response as Record<string, unknown>);
      const key = {};
      route.config = { ...route.config, responseValidatorKey: key } as typeof route.config;
      responseValidators.set(key, validators);
    }
  });
  if (validateResponses) {
    app.addHook('preSerialization', async (request, reply, payload) => {
      const key = (request.routeOptions.config as { responseValidatorKey?: object }).responseValidatorKey;
      const v = key ? responseValidators.get(key) : undefined;
      if (!v) return payload;
      const problem = v.check(reply.statusCode, payload);
      if (problem === null) return payload;
      request.log.error(
        { route: request.routeOptions.url, status: reply.statusCode, problem },
        'response does not match its schema',
      );
      reply.code(500);
      return new MamoriError('MAMORI_INTERNAL').toBody();
    });
  }

  await app.register(cookie);
  // Upgrading requests and HSTS only when users reach us over https: on http://127.0.0.1 (the embedded
  // default) they would send the browser to an https port nobody listens on.
  const httpsOnly = /^https:/i.test(config.server.publicUrl ?? '');
  await app.register(helmet, {
    // The console is a same-origin SPA built by Vite: scripts and styles from files only, no inline code.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: httpsOnly ? [] : null,
      },
    },
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: httpsOnly ? { maxAge: 31536000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new MamoriError('MAMORI_RATE_LIMITED'), { ttl: context.ttl }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Mamori platform API',
        version: '1',
        description:
          'Tenants, accounts, API tokens and the audit trail of Mamori. Errors: { error: { code, message, messageJa, details? } }.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'mamori_session' },
          bearer: { type: 'http', scheme: 'bearer', description: 'API token mamori_…' },
        },
      },
    },
  });

  await registerAuthentication(app, platform);

  const rl = { ...defaultRateLimits, ...opts.rateLimits };
  await app.register(healthRoutes, { platform });
  await app.register(metaRoutes, { prefix: API_PREFIX, platform });
  await app.register(authRoutes, { prefix: `${API_PREFIX}/auth`, platform, rateLimits: rl });
  await app.register(meRoutes, { prefix: `${API_PREFIX}/me`, platform, rateLimits: rl });
  await app.register(organizationRoutes, { prefix: `${API_PREFIX}/organizations`, platform });
  await app.register(userRoutes, { prefix: `${API_PREFIX}/users`, platform });
  await app.register(tokenRoutes, { prefix: `${API_PREFIX}/tokens`, platform });
  await app.register(auditRoutes, { prefix: `${API_PREFIX}/audit`, platform });
  await app.register(socIngestRoutes, { prefix: `${API_PREFIX}/ingest`, platform });
  await app.register(socAlertRoutes, { prefix: `${API_PREFIX}/soc`, platform });
  await app.register(socContactRoutes, { prefix: `${API_PREFIX}/soc/contacts`, platform });
  await app.register(socSourceRoutes, { prefix: `${API_PREFIX}/soc/syslog-sources`, platform });
  await app.register(socRuleRoutes, { prefix: `${API_PREFIX}/soc/rule-sets`, platform });
  await app.register(socEventRoutes, { prefix: `${API_PREFIX}/soc`, platform });
  await app.register(socReportRoutes, { prefix: `${API_PREFIX}/soc/reports`, platform });
  await app.register(socReportFileRoutes, { prefix: `${API_PREFIX}/soc/reports`, platform });
  await app.register(asmInventoryRoutes, { prefix: `${API_PREFIX}/asm`, platform });
  await app.register(asmScanRoutes, { prefix: `${API_PREFIX}/asm`, platform });
  await app.register(asmScopeRoutes, { prefix: `${API_PREFIX}/asm`, platform });
  await app.register(asmReportRoutes, { prefix: `${API_PREFIX}/asm`, platform });

  await registerConsole(app, { consoleDir: opts.consoleDir, apiPrefix: API_PREFIX });
  await app.ready();
  return app;
}
