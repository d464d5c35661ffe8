export {
  buildApp,
  defaultRateLimits,
  type BuildAppOptions,
  type RateLimitRule,
  type RouteInfo,
} from './app.js';
export { startServer, type StartedServer } from './start.js';
export { SESSION_COOKIE, CSRF_HEADER, type AuthMode } from './auth.js';
export { defaultConsoleDir } from './console.js';
