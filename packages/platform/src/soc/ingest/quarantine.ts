// Lines refused at ingest (too large, malformed NDJSON, unknown format) go straight to the pipeline's quarantine
// table, with the same columns and prefecture rule as lines the parsers refuse, so operators find them in one
// place. Written in one transaction per call: durable when the promise resolves.
import { randomBytes } from 'node:crypto';
import { prefectureLgCode } from '@mamori/core';
import type { Insertable } from 'kysely';
import type { MamoriDb, SocQuarantineTable } from '@mamori/store';
import type { OrgDirectory } from '../../orgs/directory.js';
import { orgIdForCode } from '../../orgs/service.js';
import type { QuarantineSink } from './service.js';

/** Rows per INSERT (SQLite allows 32,766 bound values; 9 columns a row). */
const CHUNK = 500;

export function dbQuarantineSink(
  db: MamoriDb,
  directory: OrgDirectory,
  defaultPrefectureId: string,
): QuarantineSink {
  const prefectureOf = async (organizationId: string | undefined): Promise<string> => {
    if (organizationId === undefined) return defaultPrefectureId;
    const org = await directory.get(organizationId);
    return org?.prefectureCode ? orgIdForCode(prefectureLgCode(org.prefectureCode)) : defaultPrefectureId;
  };
  return async (items) => {
    if (items.length === 0) return;
    const rows: Insertable<SocQuarantineTable>[] = [];
    for (const { record, reason } of items) {
      rows.push({
        // Time-ordered and unique; apart from the pipeline's queue-position ids by its prefix.
        id: `ingest-${Date.now().toString(36)}-${randomBytes(8).toString('hex')}`,
        received_at: record.receivedAt,
        transport: record.transport,
        peer: record.peer.slice(0, 500),
        format: record.format ?? 'auto',
        reason: reason.slice(0, 1000),
        // NUL cannot be stored in PostgreSQL text.
        line: record.line.includes('\u0000') ? record.line.replaceAll('\u0000', '\uFFFD') : record.line,
        prefecture_id: await prefectureOf(record.organizationId),
        organization_id: record.organizationId ?? null,
      });
    }
    await db.transaction(async (trx) => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        await trx
          .insertInto('soc_quarantine')
          .values(rows.slice(i, i + CHUNK))
          .execute();
      }
    });
  };
}
