// SOC detection output: alerts (grouped; group_key unique so redelivered events never make a second alert),
// their evidence events, comments, incident requests, contacts, notification attempts and the rule sets each
// prefecture enabled. Schema builder only, so the same migration runs on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('soc_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('rule_title', 'text', (c) => c.notNull())
    .addColumn('rule_author', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('severity_rank', 'integer', (c) => c.notNull())
    .addColumn('organization_id', 'text')
    .addColumn('prefecture_id', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('last_received_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('event_count', 'integer', (c) => c.notNull())
    .addColumn('evidence_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('assignee_id', 'text')
    .addColumn('ack_deadline', 'text')
    .addColumn('acknowledged_at', 'text')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('escalation_level', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('escalated_at', 'text')
    .addColumn('false_positive_reason', 'text')
    .addColumn('incident_ref', 'text')
    .addColumn('details', 'text')
    .addColumn('group_key', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('soc_alerts_org_idx')
    .on('soc_alerts')
    .columns(['organization_id', 'last_seen'])
    .execute();
  await db.schema
    .createIndex('soc_alerts_pref_idx')
    .on('soc_alerts')
    .columns(['prefecture_id', 'last_seen'])
    .execute();
  await db.schema
    .createIndex('soc_alerts_status_idx')
    .on('soc_alerts')
    .columns(['status', 'ack_deadline'])
    .execute();

  await db.schema
    .createTable('soc_alert_events')
    .addColumn('alert_id', 'text', (c) => c.notNull().references('soc_alerts.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('soc_alert_events_pk', ['alert_id', 'event_id'])
    .execute();

  await db.schema
    .createTable('soc_alert_comments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alert_id', 'text', (c) => c.notNull().references('soc_alerts.id').onDelete('cascade'))
    .addColumn('author_id', 'text')
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('soc_alert_comments_alert_idx')
    .on('soc_alert_comments')
    .column('alert_id')
    .execute();

  // Incident requests: the incidents domain does not exist yet; it picks these up (status 'pending').
  await db.schema
    .createTable('soc_incident_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alert_id', 'text', (c) => c.notNull().references('soc_alerts.id').onDelete('cascade'))
    .addColumn('organization_id', 'text')
    .addColumn('prefecture_id', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('soc_contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_secret', 'text')
    .addColumn('min_severity', 'text', (c) => c.notNull())
    .addColumn('hours', 'text', (c) => c.notNull())
    .addColumn('days', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('soc_contacts_org_idx')
    .on('soc_contacts')
    .columns(['organization_id', 'role'])
    .execute();

  await db.schema
    .createTable('soc_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alert_id', 'text', (c) => c.notNull().references('soc_alerts.id').onDelete('cascade'))
    .addColumn('contact_id', 'text')
    .addColumn('organization_id', 'text')
    .addColumn('prefecture_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('soc_notifications_alert_idx')
    .on('soc_notifications')
    .columns(['alert_id', 'sent_at'])
    .execute();
  await db.schema
    .createIndex('soc_notifications_pref_idx')
    .on('soc_notifications')
    .columns(['prefecture_id', 'sent_at'])
    .execute();

  // A prefecture with no row for a logsource runs the default rule sets of that logsource.
  await db.schema
    .createTable('soc_rule_sets')
    .addColumn('prefecture_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('logsource', 'text', (c) => c.notNull())
    .addColumn('rule_set', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('soc_rule_sets_pk', ['prefecture_id', 'logsource', 'rule_set'])
    .execute();
  // Marks a logsource the prefecture configured (possibly to nothing), so "no rule_set rows" is not "default".
  await db.schema
    .createTable('soc_rule_set_choices')
    .addColumn('prefecture_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('logsource', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('soc_rule_set_choices_pk', ['prefecture_id', 'logsource'])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const t of [
    'soc_rule_set_choices',
    'soc_rule_sets',
    'soc_notifications',
    'soc_contacts',
    'soc_incident_requests',
    'soc_alert_comments',
    'soc_alert_events',
    'soc_alerts',
  ]) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
