// SOC pipeline: stored events, quarantined lines, hourly rollups, queue checkpoints (committed with each batch
// for exactly-once processing), JetStream redelivery dedupe, attribution rules and the archive log.
// Schema builder only, so the same migration runs on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('soc_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text')
    .addColumn('prefecture_id', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('class', 'text', (c) => c.notNull())
    .addColumn('activity', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('disposition', 'text', (c) => c.notNull())
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('src_ip', 'text')
    .addColumn('dst_ip', 'text')
    .addColumn('src_host', 'text')
    .addColumn('dst_host', 'text')
    .addColumn('user_name', 'text')
    .addColumn('rule_id', 'text')
    .addColumn('rule_name', 'text')
    .addColumn('rule_category', 'text')
    .addColumn('unattributed_reason', 'text')
    /** JSON: {device, src, dst, rule, fields} — what the columns above do not hold whole. */
    .addColumn('fields_json', 'text', (c) => c.notNull())
    .addColumn('raw', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('soc_events_org_time_idx')
    .on('soc_events')
    .columns(['organization_id', 'time'])
    .execute();
  await db.schema
    .createIndex('soc_events_pref_time_idx')
    .on('soc_events')
    .columns(['prefecture_id', 'time'])
    .execute();
  await db.schema.createIndex('soc_events_received_idx').on('soc_events').column('received_at').execute();

  await db.schema
    .createTable('soc_quarantine')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('peer', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .addColumn('prefecture_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text')
    .execute();
  await db.schema
    .createIndex('soc_quarantine_pref_idx')
    .on('soc_quarantine')
    .columns(['prefecture_id', 'received_at'])
    .execute();
  await db.schema
    .createIndex('soc_quarantine_org_idx')
    .on('soc_quarantine')
    .columns(['organization_id', 'received_at'])
    .execute();

  await db.schema
    .createTable('soc_rollups')
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('prefecture_id', 'text', (c) => c.notNull())
    .addColumn('hour', 'text', (c) => c.notNull())
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('soc_rollups_pk', [
      'organization_id',
      'prefecture_id',
      'hour',
      'source_kind',
      'action',
      'category',
    ])
    .execute();
  await db.schema
    .createIndex('soc_rollups_pref_idx')
    .on('soc_rollups')
    .columns(['prefecture_id', 'hour'])
    .execute();

  await db.schema
    .createTable('soc_checkpoints')
    .addColumn('consumer', 'text', (c) => c.primaryKey())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // JetStream delivers at least once and, with several workers, out of order: the stream sequences a consumer
  // has committed are kept (for the stream's redelivery horizon) so a redelivered message is skipped.
  await db.schema
    .createTable('soc_queue_seen')
    .addColumn('consumer', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('soc_queue_seen_pk', ['consumer', 'seq'])
    .execute();
  await db.schema.createIndex('soc_queue_seen_at_idx').on('soc_queue_seen').column('at').execute();

  await db.schema
    .createTable('soc_attribution_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('prefecture_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('soc_attribution_rules_kind_value_uq', ['prefecture_id', 'kind', 'value'])
    .execute();
  await db.schema
    .createIndex('soc_attribution_rules_org_idx')
    .on('soc_attribution_rules')
    .column('organization_id')
    .execute();

  // Which raw events went to which archive file (retention writes them before deleting).
  await db.schema
    .createTable('soc_archives')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('prefecture_id', 'text', (c) => c.notNull())
    .addColumn('organization_id', 'text')
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('events', 'bigint', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('soc_archives_org_idx')
    .on('soc_archives')
    .columns(['organization_id', 'day'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const t of [
    'soc_archives',
    'soc_attribution_rules',
    'soc_queue_seen',
    'soc_checkpoints',
    'soc_rollups',
    'soc_quarantine',
    'soc_events',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
