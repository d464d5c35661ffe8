// HTTP bulk ingest: POST /api/v1/ingest/bulk. The body is read here (size limits, gzip) and handed to the
// platform's ingest service, which checks soc:ingest, appends the lines to the durable queue and quarantines
// the unusable ones; 202 is sent only once all of it is durable. Body forms (Content-Type):
//   application/x-ndjson | application/ndjson: one {"line": "…", "format"?: "…"} object a line;
//   text/plain: one raw log line a line (format from ?format=, else detected per line);
//   application/json: {"records": [{"line": "…", "format"?: "…"}, …]}.
// Content-Encoding: gzip is accepted. A browser session needs the CSRF header as for any POST, so a cross-site
// form posting text/plain cannot use it.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Type, type Static } from '@sinclair/typebox';
import { MamoriError } from '@mamori/core';
import type { Platform } from '@mamori/platform';
import { parseTzOffset, type BulkMediaType } from '@mamori/platform';
import { Id, errorResponses } from '../schemas.js';

const strict = { additionalProperties: false } as const;
const Query = Type.Object(
  {
    /** Parser id for lines that do not name one; "auto" (default) detects per line. */
    format: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' })),
    /** Organization the lines belong to (within the caller's reach); default: the caller's own municipality. */
    organizationId: Type.Optional(Id),
    /** Offset of timestamps without a zone, e.g. +09:00. */
    tz: Type.Optional(Type.String({ minLength: 1, maxLength: 6, pattern: '^(Z|UTC|[+-]\\d{2}:?\\d{2})$' })),
  },
  strict,
);
const Accepted = Type.Object(
  {
    accepted: Type.Integer({ minimum: 0 }),
    quarantined: Type.Integer({ minimum: 0 }),
  },
  strict,
);
const Port = Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()]);
const Count = Type.Integer({ minimum: 0 });
const SourceStats = Type.Object(
  {
    source: Type.String(),
    transport: Type.String(),
    organizationId: Type.Union([Type.String(), Type.Null()]),
    sourceId: Type.Union([Type.String(), Type.Null()]),
    received: Count,
    accepted: Count,
    tooLarge: Count,
    droppedByRate: Count,
    droppedByBackpressure: Count,
    ratePauses: Count,
    connections: Count,
    refusedConnections: Count,
    lastSeen: Count,
  },
  strict,
);
const Sources = Type.Object(
  {
    listening: Type.Union([Type.Object({ udp: Port, tcp: Port, tls: Port }, strict), Type.Null()]),
    items: Type.Array(SourceStats),
  },
  strict,
);
const Formats = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          id: Type.String({ description: 'parser id, e.g. fortigate' }),
          description: Type.String(),
          sourceKind: Type.String({
            description: 'firewall, ips, waf, proxy, mail, dns, sandbox, endpoint, web',
          }),
        },
        strict,
      ),
    ),
  },
  strict,
);
const tags = ['soc'];

/** The decoded body; its bytes are kept out of reach of generic body walkers (preValidation's text check). */
class BulkBody {
  readonly #bytes: Buffer;
  constructor(
    readonly mediaType: BulkMediaType,
    bytes: Buffer,
  ) {
    this.#bytes = bytes;
  }
  get bytes(): Buffer {
    return this.#bytes;
  }
}

const mediaTypes: Record<string, BulkMediaType> = {
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'text/plain': 'text',
  'application/json': 'json',
};

function tooLarge(limit: number, what: string): MamoriError {
  return new MamoriError('MAMORI_PAYLOAD_TOO_LARGE', undefined, {
    reason: `${what} is larger than ${limit} bytes (soc.ingest.bulkMaxBytes)`,
    limit,
  });
}

/** Reads the request body (gunzipping it when sent so), refusing it as soon as it passes the limit. */
async function readBody(request: FastifyRequest, payload: Readable, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, 'the request body');
  const enc = String(request.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (enc !== 'identity' && enc !== 'gzip' && enc !== 'x-gzip')
    throw new MamoriError('MAMORI_UNSUPPORTED_MEDIA_TYPE', undefined, {
      reason: `Content-Encoding ${enc} (gzip or none)`,
    });
  const chunks: Buffer[] = [];
  let raw = 0;
  let size = 0;
  const source: Readable = enc === 'identity' ? payload : payload.pipe(createGunzip());
  if (enc !== 'identity') {
    payload.on('data', (c: Buffer) => {
      raw += c.length;
      if (raw > limit) source.destroy(tooLarge(limit, 'the request body'));
    });
    payload.on('error', (err) => source.destroy(err));
  }
  try {
    for await (const c of source) {
      const chunk = c as Buffer;
      size += chunk.length;
      if (size > limit)
        throw tooLarge(limit, enc === 'identity' ? 'the request body' : 'the decompressed body');
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof MamoriError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR_ZLIB_BINDING_CLOSED')
      throw new MamoriError('MAMORI_BAD_REQUEST', { reason: 'the body is not valid gzip' });
    throw new MamoriError('MAMORI_BAD_REQUEST', { reason: 'the request body could not be read' });
  }
  return Buffer.concat(chunks, size);
}

const socIngestRoutes: FastifyPluginAsync<{ platform: Platform }> = async (app, { platform }) => {
  const limit = platform.config.soc.ingest.bulkMaxBytes;
  // This plugin's own body parsers (encapsulated: the rest of the API keeps JSON only).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(Object.keys(mediaTypes), (request, payload, done) => {
    const type = String(request.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    const mediaType = mediaTypes[type];
    if (!mediaType) {
      done(new MamoriError('MAMORI_UNSUPPORTED_MEDIA_TYPE'), undefined);
      return;
    }
    readBody(request, payload, limit).then(
      (bytes) => done(null, new BulkBody(mediaType, bytes)),
      (err: unknown) => done(err as Error, undefined),
    );
  });

  app.post<{ Querystring: Static<typeof Query>; Body: BulkBody }>(
    '/bulk',
    {
      config: { auth: 'actor' },
      // Fastify's own limit would refuse before gzip is considered; the parser above enforces ours.
      bodyLimit: Math.max(limit, 1024) + 1,
      schema: {
        tags,
        summary: 'Send log lines to the SOC (NDJSON, plain text or JSON; gzip accepted)',
        querystring: Query,
        response: { 202: Accepted, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!(body instanceof BulkBody))
        throw new MamoriError('MAMORI_BAD_REQUEST', {
          reason: 'a body with Content-Type application/x-ndjson, text/plain or application/json is required',
        });
      const q = request.query;
      let tzOffsetMinutes: number | undefined;
      if (q.tz !== undefined) {
        tzOffsetMinutes = parseTzOffset(q.tz);
        if (tzOffsetMinutes === undefined)
          throw new MamoriError('MAMORI_VALIDATION', { reason: `tz ${q.tz} is not an offset like +09:00` });
      }
      const result = await platform.soc.ingest.bulk(request.ctx, {
        mediaType: body.mediaType,
        body: body.bytes,
        ...(q.format !== undefined ? { format: q.format } : {}),
        ...(q.organizationId !== undefined ? { organizationId: q.organizationId } : {}),
        ...(tzOffsetMinutes !== undefined ? { tzOffsetMinutes } : {}),
      });
      return reply.code(202).send(result);
    },
  );

  app.get(
    '/formats',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        summary: 'The log formats the parsers read (ids for `format` and for registered sources)',
        response: { 200: Formats, ...errorResponses },
      },
    },
    async (request) => ({ items: await platform.soc.ingest.formats(request.ctx) }),
  );

  app.get(
    '/sources',
    {
      config: { auth: 'actor' },
      schema: {
        tags,
        summary:
          'Counters of the syslog listeners per sender (received, accepted, too large, dropped, paused)',
        response: { 200: Sources, ...errorResponses },
      },
    },
    async (request) => platform.soc.ingest.sources(request.ctx),
  );
};

export default socIngestRoutes;
