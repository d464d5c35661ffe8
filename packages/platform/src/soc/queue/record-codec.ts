// One ingest record as queued, the same in the durable spool (one frame a record) and on NATS JetStream (an
// array of them a message): a JSON array in a fixed order, so a queued record stays readable across versions.
import type { IngestRecord } from '../types.js';

/** A record's metadata (everything but the line), in its queued order. */
export type RecordMeta = [
  transport: string,
  peer: string,
  format: string | null,
  organizationId: string | null,
  receivedAt: number,
  tzOffsetMinutes: number | null,
];

export type EncodedRecord = [line: string, ...meta: RecordMeta];

/** Writes the metadata of `r` into m[at … at + 5] (the inverse of recordFrom). */
export function putMeta(r: IngestRecord, m: unknown[], at: number): void {
  m[at] = r.transport;
  m[at + 1] = r.peer;
  m[at + 2] = r.format ?? null;
  m[at + 3] = r.organizationId ?? null;
  m[at + 4] = r.receivedAt;
  m[at + 5] = r.tzOffsetMinutes ?? null;
}

export function encodeRecord(r: IngestRecord): string {
  const a: unknown[] = [r.line];
  putMeta(r, a, 1);
  return JSON.stringify(a);
}

/** The record of `line` and the metadata held in m[at … at + 5]. */
export function recordFrom(line: string, m: readonly unknown[], at: number): IngestRecord {
  const r: IngestRecord = {
    line,
    transport: m[at] as string,
    peer: m[at + 1] as string,
    receivedAt: m[at + 4] as number,
  };
  if (m[at + 2] !== null) r.format = m[at + 2] as string;
  if (m[at + 3] !== null) r.organizationId = m[at + 3] as string;
  if (m[at + 5] !== null) r.tzOffsetMinutes = m[at + 5] as number;
  return r;
}

export const recordOf = (a: EncodedRecord): IngestRecord => recordFrom(a[0], a, 1);
