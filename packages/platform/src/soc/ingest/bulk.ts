// HTTP bulk ingest, transport-free: the body (already decompressed) is split into lines by its media type,
// every usable line becomes an IngestRecord, every unusable one goes to the quarantine with its reason. The
// caller acknowledges (202) only after this resolves: the records are durable then.
//   application/x-ndjson (or application/ndjson): one JSON object a line, {"line": "...", "format"?: "..."};
//   text/plain: one raw log line a line;
//   application/json: {"records": [{"line": "...", "format"?: "..."}, …]} (small batches, scripts, tests).
import { MamoriError } from '@mamori/core';
import { formatIds } from '@mamori/parsers';
import type { IngestRecord } from '../types.js';
import { OVERSIZE_PREFIX_BYTES } from './framing.js';

export type BulkMediaType = 'ndjson' | 'text' | 'json';

export interface BulkInput {
  mediaType: BulkMediaType;
  body: Buffer;
  /** Parser id for lines that do not name one; undefined/'auto' = detect. */
  format?: string;
  organizationId?: string;
  tzOffsetMinutes?: number;
  /** Caller's address. */
  peer: string;
  maxLineBytes: number;
}

export interface BulkSplit {
  records: IngestRecord[];
  /** Lines that cannot be handed on as they are: kept aside with a reason. */
  rejected: { record: IngestRecord; reason: string }[];
}

let knownFormats: Set<string> | null = null;
export function isKnownFormat(id: string): boolean {
  knownFormats ??= new Set(formatIds());
  return knownFormats.has(id);
}

/** "+09:00", "-0530", "Z" → minutes east of UTC; undefined for anything else. */
export function parseTzOffset(text: string): number | undefined {
  if (text === 'Z' || text === 'UTC') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m) return undefined;
  const h = Number(m[2]);
  const min = Number(m[3]);
  if (h > 14 || min > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

const badUtf8 = (body: Buffer) => {
  // Node decodes invalid UTF-8 as U+FFFD silently; a body whose bytes do not round-trip is not UTF-8 text.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    decoder.decode(body);
    return false;
  } catch {
    return true;
  }
};

/** Splits a bulk body into records and rejected lines. Throws MAMORI_BAD_REQUEST for a body that is unusable as a whole. */
export function splitBulk(input: BulkInput): BulkSplit {
  if (input.body.length === 0) throw new MamoriError('MAMORI_BAD_REQUEST', { reason: 'empty body' });
  if (input.format !== undefined && input.format !== 'auto' && !isKnownFormat(input.format))
    throw new MamoriError('MAMORI_BAD_REQUEST', { reason: `unknown format "${input.format}"` });
  if (badUtf8(input.body)) throw new MamoriError('MAMORI_BAD_REQUEST', { reason: 'body is not UTF-8 text' });
  const receivedAt = Date.now();
  const defaultFormat = input.format && input.format !== 'auto' ? input.format : undefined;
  const make = (line: string, format: string | undefined): IngestRecord => ({
    line,
    transport: 'http',
    peer: input.peer,
    receivedAt,
    ...(format ? { format } : {}),
    ...(input.organizationId ? { organizationId: input.organizationId } : {}),
    ...(input.tzOffsetMinutes !== undefined ? { tzOffsetMinutes: input.tzOffsetMinutes } : {}),
  });
  const out: BulkSplit = { records: [], rejected: [] };
  const reject = (line: string, reason: string) =>
    out.rejected.push({ record: make(line.slice(0, OVERSIZE_PREFIX_BYTES * 4), defaultFormat), reason });

  const take = (line: string, format: unknown, where: string) => {
    if (format !== undefined && format !== null && format !== 'auto') {
      if (typeof format !== 'string' || !isKnownFormat(format)) {
        reject(line, `${where}: unknown format ${JSON.stringify(format)}`);
        return;
      }
    }
    if (line.includes('\u0000')) line = line.replaceAll('\u0000', '\uFFFD');
    if (Buffer.byteLength(line) > input.maxLineBytes) {
      reject(line, `${where}: too large: ${Buffer.byteLength(line)} bytes (limit ${input.maxLineBytes})`);
      return;
    }
    out.records.push(
      make(line, (format as string | undefined) && format !== 'auto' ? (format as string) : defaultFormat),
    );
  };

  if (input.mediaType === 'json') {
    let doc: unknown;
    try {
      doc = JSON.parse(input.body.toString('utf8'));
    } catch (err) {
      throw new MamoriError('MAMORI_BAD_REQUEST', {
        reason: `body is not valid JSON: ${(err as Error).message}`,
      });
    }
    const recs = (doc as { records?: unknown } | null)?.records;
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray(recs))
      throw new MamoriError('MAMORI_BAD_REQUEST', { reason: 'expected {"records": [{"line": "…"}, …]}' });
    recs.forEach((r, i) => {
      const o = r as { line?: unknown; format?: unknown } | null;
      if (o === null || typeof o !== 'object' || typeof o.line !== 'string') {
        reject(JSON.stringify(r) ?? String(r), `records[${i}]: expected an object with a string "line"`);
        return;
      }
      if (o.line.trim() === '') return;
      take(o.line, o.format, `records[${i}]`);
    });
    return out;
  }

  // Lines (LF or CRLF; numbered as sent, empty ones skipped). The body is in memory already (bulkMaxBytes).
  const lines = input.body.toString('utf8').split('\n');
  for (let k = 0; k < lines.length; k++) {
    let text = lines[k]!;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') continue;
    const where = `line ${k + 1}`;
    if (input.mediaType === 'text') {
      take(text, undefined, where);
      continue;
    }
    if (text.length > input.maxLineBytes * 2 + 64) {
      reject(text, `${where}: too large: ${Buffer.byteLength(text)} bytes of JSON`);
      continue;
    }
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch {
      reject(text, `${where}: not valid JSON`);
      continue;
    }
    const rec = o as { line?: unknown; format?: unknown } | null;
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec) || typeof rec.line !== 'string') {
      reject(text, `${where}: expected an object with a string "line"`);
      continue;
    }
    if (rec.line.trim() === '') continue;
    take(rec.line, rec.format, where);
  }
  return out;
}
