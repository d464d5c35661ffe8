import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MamoriError, isMamoriError } from '@mamori/core';

/**
 * Turns anything thrown inside a request into a MamoriError, so every error body has the one shape
 * `{ error: { code, message, messageJa, details? } }`. Fastify's own errors (validation, parsing,
 * size, content type, rate limit) are client errors and map to 4xx with the reason; only the
 * unexpected becomes MAMORI_INTERNAL, and its cause is logged, never sent.
 */
export function toMamoriError(err: unknown): MamoriError {
  if (isMamoriError(err)) return err;
  const e = err as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  if (e && Array.isArray(e.validation)) {
    return new MamoriError(
      'MAMORI_VALIDATION',
      { reason: String(e.message ?? 'invalid input') },
      {
        part: e.validationContext,
        issues: (
          e.validation as { instancePath?: string; message?: string; keyword?: string; params?: unknown }[]
        )
          .slice(0, 20)
          .map((v) => ({
            path: v.instancePath ?? '',
            keyword: v.keyword,
            message: v.message,
            params: v.params,
          })),
      },
    );
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new MamoriError('MAMORI_PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new MamoriError('MAMORI_UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new MamoriError('MAMORI_BAD_REQUEST', { reason: 'body is not valid JSON' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MamoriError('MAMORI_BAD_REQUEST', {
        reason: 'empty body with Content-Type application/json',
      });
    case 'FST_ERR_BAD_URL':
      return new MamoriError('MAMORI_BAD_REQUEST', { reason: 'malformed URL' });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new MamoriError('MAMORI_BAD_REQUEST', { reason: 'path parameter too long' });
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 429) return new MamoriError('MAMORI_RATE_LIMITED');
  if (status === 404) return new MamoriError('MAMORI_NOT_FOUND');
  if (status >= 400 && status < 500) {
    // e.g. the JSON parser's SyntaxError (statusCode 400) or a prototype-poisoning refusal
    return new MamoriError('MAMORI_BAD_REQUEST', { reason: String(e?.message ?? 'bad request') });
  }
  return new MamoriError('MAMORI_INTERNAL', undefined, undefined, { cause: err });
}

/** Seconds to wait, for throttling and lockout answers: the rate limiter's ttl or the platform's `until`. */
function retryAfterSeconds(err: unknown, m: MamoriError): number | undefined {
  if (m.code !== 'MAMORI_RATE_LIMITED' && m.code !== 'MAMORI_ACCOUNT_LOCKED') return undefined;
  const ttl = (err as { ttl?: unknown }).ttl;
  if (typeof ttl === 'number') return Math.max(1, Math.ceil(ttl / 1000));
  const until = (m.details as { until?: unknown } | undefined)?.until ?? m.params?.until;
  const at = typeof until === 'string' ? Date.parse(until) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(1, Math.ceil((at - Date.now()) / 1000));
}

export function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const m = toMamoriError(err);
  if (m.status >= 500) {
    request.log.error({ err: m.code === 'MAMORI_INTERNAL' ? err : m }, 'request failed');
  } else {
    request.log.info({ code: m.code }, 'request refused');
  }
  const retry = retryAfterSeconds(err, m);
  if (retry !== undefined) reply.header('retry-after', retry);
  return reply.code(m.status).type('application/json; charset=utf-8').send(m.toBody());
}
