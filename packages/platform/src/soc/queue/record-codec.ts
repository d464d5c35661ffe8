// One ingest record as queued, the same in the durable spool (one frame a record) and on NATS JetStream (an
// array of them a message): a JSON array in a fixed order, so a queued record stays readable across versions.
import type { IngestRecord } from '../types.js';

export type EncodedRecord = [
  line: string,
  transport: string,
  peer: string,
  format: string | null,
  organizationId: string | null,
  receivedAt: number,
  tzOffsetMinutes: number | null,
];

export const encodeRecord = (r: IngestRecord): string =>
  JSON.stringify([
    r.line,
    r.transport,
    r.peer,
    r.format ?? null,
    r.organizationId ?? null,
    r.receivedAt,
    r.tzOffsetMinutes ?? null,
  ]);

export function recordOf(a: EncodedRecord): IngestRecord {
  const r: IngestRecord = { line: a[0], transport: a[1], peer: a[2], receivedAt: a[5] };
  if (a[3] !== null) r.format = a[3];
  if (a[4] !== null) r.organizationId = a[4];
  if (a[6] !== null) r.tzOffsetMinutes = a[6];
  return r;
}
