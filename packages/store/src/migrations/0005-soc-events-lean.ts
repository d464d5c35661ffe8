// SOC events, lean: the hot table of the ingest pipeline costs less per stored event.
// - No TEXT primary key: the table is keyed by its (implicit) rowid and `id` has a plain index. Exactly-once
//   does not rest on the key: the queue checkpoint (embedded spool) or soc_queue_seen (JetStream) commits in
//   the same transaction as the events. A TEXT primary key made every insert check a unique b-tree; measured
//   on the pipeline's rows it was half the insert cost (docs/performance.md, "SOC ingest pipeline").
// - fields_json becomes nullable: new rows leave it NULL and readers re-parse `raw` with the stored `format`
//   (parsers are pure and deterministic) for device/endpoints/rule/fields; rows written before keep their JSON
//   and stay readable as they were.
// SQLite cannot drop a primary key or a NOT NULL in place: the table is rebuilt (rows copied). PostgreSQL alters
// it in place.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

const isPostgres = (db: AnyDb): boolean => db.getExecutor().adapter instanceof PostgresAdapter;

const COLUMNS =
  'id, organization_id, prefecture_id, time, received_at, class, activity, severity, disposition, source_kind, ' +
  'format, src_ip, dst_ip, src_host, dst_host, user_name, rule_id, rule_name, rule_category, unattributed_reason, ' +
  'fields_json, raw';

export async function up(db: AnyDb): Promise<void> {
  if (isPostgres(db)) {
    await sql`alter table soc_events drop constraint if exists soc_events_pkey`.execute(db);
    await db.schema
      .alterTable('soc_events')
      .alterColumn('fields_json', (c) => c.dropNotNull())
      .execute();
    await db.schema.createIndex('soc_events_id_idx').on('soc_events').column('id').execute();
    return;
  }
  // One transaction: the copy and the swap are all or nothing.
  await db.transaction().execute(async (trx) => {
    await trx.schema
      .createTable('soc_events_lean')
      .addColumn('id', 'text', (c) => c.notNull())
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
      /** NULL: re-parse `raw` with `format`; rows from before 0005: JSON {device, src, dst, rule, fields}. */
      .addColumn('fields_json', 'text')
      .addColumn('raw', 'text', (c) => c.notNull())
      .execute();
    await sql
      .raw(`insert into soc_events_lean (${COLUMNS}) select ${COLUMNS} from soc_events order by rowid`)
      .execute(trx);
    await trx.schema.dropTable('soc_events').execute();
    await trx.schema.alterTable('soc_events_lean').renameTo('soc_events').execute();
    await trx.schema.createIndex('soc_events_id_idx').on('soc_events').column('id').execute();
    await trx.schema
      .createIndex('soc_events_org_time_idx')
      .on('soc_events')
      .columns(['organization_id', 'time'])
      .execute();
    await trx.schema
      .createIndex('soc_events_pref_time_idx')
      .on('soc_events')
      .columns(['prefecture_id', 'time'])
      .execute();
    await trx.schema.createIndex('soc_events_received_idx').on('soc_events').column('received_at').execute();
  });
}

export async function down(db: AnyDb): Promise<void> {
  // Back to 0003's shape is only possible for rows that carry their JSON; the lean table stays (no data loss).
  void db;
}
