// Structured logs (pino). Secrets never reach the log: known secret fields are redacted wherever they appear.
import { pino, type Logger } from 'pino';
import type { MamoriConfig } from '@mamori/core';

export const redactPaths = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'sessionToken',
  'csrfToken',
  'secret',
  'code',
  'recoveryCodes',
  'postgresUrl',
  'clientSecret',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.sessionToken',
  '*.csrfToken',
  '*.secret',
  '*.postgresUrl',
  '*.*.postgresUrl',
  '*.*.clientSecret',
  '*.clientSecret',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

export function createLogger(config: Pick<MamoriConfig, 'log'>, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { name: 'mamori', level: config.log.level, redact: { paths: redactPaths, censor: '[redacted]' } },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
