// The stored soc_events row of an event: the indexed and searched columns and the raw line. Device, endpoints,
// rule and fields are not stored (fields_json stays NULL): readers parse the raw line again with its format
// (events/service.ts). Light on purpose: the store thread loads it with the writer.
import type { SocEvent } from '../types.js';

export type Value = string | number | null;

/** Column order of the stored row (writeEventColumns). */
export const eventColumns = [
  'id',
  'organization_id',
  'prefecture_id',
  'time',
  'received_at',
  'class',
  'activity',
  'severity',
  'disposition',
  'source_kind',
  'format',
  'src_ip',
  'dst_ip',
  'src_host',
  'dst_host',
  'user_name',
  'rule_id',
  'rule_name',
  'rule_category',
  'unattributed_reason',
  'raw',
] as const;

const str = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);

/**
 * Writes the row of `ev` as row `j` of `cols` (one array per column, eventColumns order). Both stores take a
 * batch as columns (the store thread's clone, PostgreSQL's unnest): written straight from the event, no array
 * per record is built and copied (4% of the pipeline's allocations when it was).
 */
export function writeEventColumns(ev: SocEvent, cols: Value[][], j: number): void {
  const src = ev.src;
  const dst = ev.dst;
  const rule = ev.rule;
  cols[0]![j] = ev.id;
  cols[1]![j] = ev.organizationId;
  cols[2]![j] = ev.prefectureId;
  cols[3]![j] = ev.time;
  cols[4]![j] = ev.receivedAt;
  cols[5]![j] = ev.class;
  cols[6]![j] = ev.activity;
  cols[7]![j] = ev.severity;
  cols[8]![j] = ev.disposition;
  cols[9]![j] = ev.sourceKind;
  cols[10]![j] = ev.format;
  cols[11]![j] = str(src?.ip);
  cols[12]![j] = str(dst?.ip);
  cols[13]![j] = str(src?.hostname ?? src?.domain);
  cols[14]![j] = str(dst?.hostname ?? dst?.domain);
  cols[15]![j] = str(src?.user ?? dst?.user);
  cols[16]![j] = str(rule?.id);
  cols[17]![j] = str(rule?.name);
  cols[18]![j] = str(rule?.category);
  cols[19]![j] = ev.unattributedReason;
  cols[20]![j] = ev.raw;
}

/** Rows (quarantined lines: few per batch) as one array per column, for the stores' column inserts. */
export function rowsToColumns(rows: readonly Value[][], width: number): Value[][] {
  return Array.from({ length: width }, (_, c) => rows.map((r) => r[c] ?? null));
}
