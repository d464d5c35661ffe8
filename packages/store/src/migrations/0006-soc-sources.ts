// Registered syslog sources (a sender's address/CIDR or TLS certificate name bound to a format and an
// organization, managed over the API instead of only a configuration file) and named leases (one holder at a
// time per deployment, e.g. the SOC retention pass). Schema builder only: the same migration on SQLite and
// PostgreSQL.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('soc_syslog_sources')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // 'address' (an IP address or CIDR range, normalized) or 'cert' (a TLS client certificate name, lower case)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    // Parser id forced for the sender's lines; null: detected per line.
    .addColumn('format', 'text')
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('prefecture_id', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    // One deployment's listeners see every registration: a sender is bound once.
    .addUniqueConstraint('soc_syslog_sources_kind_value_uq', ['kind', 'value'])
    .execute();
  await db.schema
    .createIndex('soc_syslog_sources_org_idx')
    .on('soc_syslog_sources')
    .column('organization_id')
    .execute();

  await db.schema
    .createTable('soc_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    // Raised each time the lease changes hands: a fencing token a stale holder's writes are checked against.
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    // ms since the epoch; after it, another process may take the lease.
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('soc_leases').ifExists().execute();
  await db.schema.dropTable('soc_syslog_sources').ifExists().execute();
}
