// 地方版ASM: scope registry (roots with ownership verification, exclusions, per-organization settings), the global
// stop switch, scope refusals, assets (hosts, services, certificates), scan runs with their diffs, findings with
// their lifecycle history, schedules, and the politeness slots shared by all scan workers. Findings are unique
// on `finding_key` (org + check + host + port + detail), so a redelivered or repeated job never duplicates one.
import type { Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on the current schema type
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('asm_roots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('verification_method', 'text', (c) => c.notNull())
    .addColumn('verification_state', 'text', (c) => c.notNull())
    .addColumn('verification_token', 'text')
    .addColumn('attested_by', 'text')
    .addColumn('verified_at', 'text')
    .addColumn('last_checked_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('asm_roots_org_value_uq', ['organization_id', 'kind', 'value'])
    .execute();

  await db.schema
    .createTable('asm_exclusions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('asm_exclusions_org_idx')
    .on('asm_exclusions')
    .column('organization_id')
    .execute();

  await db.schema
    .createTable('asm_settings')
    .addColumn('organization_id', 'text', (c) => c.primaryKey().references('organizations.id'))
    .addColumn('windows', 'text', (c) => c.notNull())
    .addColumn('rate_per_second', 'integer', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    .addColumn('ports', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('asm_control')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('stopped', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('stopped_by', 'text')
    .addColumn('at', 'text')
    .execute();

  await db.schema
    .createTable('asm_refusals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text')
    .addColumn('scan_id', 'text')
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('port', 'integer')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('asm_refusals_org_idx')
    .on('asm_refusals')
    .columns(['organization_id', 'at'])
    .execute();

  await db.schema
    .createTable('asm_assets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('addresses', 'text', (c) => c.notNull())
    .addColumn('names', 'text', (c) => c.notNull())
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('vanished', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('asm_assets_org_host_uq', ['organization_id', 'host'])
    .execute();

  await db.schema
    .createTable('asm_services')
    .addColumn('asset_id', 'text', (c) => c.notNull().references('asm_assets.id').onDelete('cascade'))
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('product', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('cpe', 'text', (c) => c.notNull())
    .addColumn('tls', 'integer', (c) => c.notNull())
    .addColumn('banner', 'text')
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('asm_services_pk', ['asset_id', 'transport', 'port'])
    .execute();

  await db.schema
    .createTable('asm_certificates')
    .addColumn('asset_id', 'text', (c) => c.notNull().references('asm_assets.id').onDelete('cascade'))
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('asm_certificates_pk', ['asset_id', 'port'])
    .execute();

  await db.schema
    .createTable('asm_scans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text')
    .addColumn('ports', 'text', (c) => c.notNull())
    .addColumn('queued_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('worker', 'text')
    .addColumn('error', 'text')
    .addColumn('counts', 'text', (c) => c.notNull())
    .addColumn('templates', 'text', (c) => c.notNull())
    .addColumn('timings', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('asm_scans_org_idx')
    .on('asm_scans')
    .columns(['organization_id', 'queued_at'])
    .execute();

  await db.schema
    .createTable('asm_findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('finding_key', 'text', (c) => c.notNull().unique())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('check_id', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('port', 'integer')
    .addColumn('transport', 'text')
    .addColumn('detail', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('severity_rank', 'integer', (c) => c.notNull())
    .addColumn('cvss', 'real', (c) => c.notNull())
    .addColumn('kev', 'integer', (c) => c.notNull())
    .addColumn('cves', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('remediation', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('status_expiry', 'text')
    .addColumn('status_by', 'text')
    .addColumn('status_at', 'text')
    .addColumn('first_seen', 'text', (c) => c.notNull())
    .addColumn('last_seen', 'text', (c) => c.notNull())
    .addColumn('fixed_at', 'text')
    .addColumn('reopened_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_scan_id', 'text')
    .execute();
  await db.schema
    .createIndex('asm_findings_org_idx')
    .on('asm_findings')
    .columns(['organization_id', 'status', 'severity_rank'])
    .execute();

  await db.schema
    .createTable('asm_finding_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('finding_id', 'text', (c) => c.notNull().references('asm_findings.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('by_name', 'text')
    .addColumn('reason', 'text')
    .addColumn('scan_id', 'text')
    .execute();
  await db.schema
    .createIndex('asm_finding_events_f_idx')
    .on('asm_finding_events')
    .column('finding_id')
    .execute();

  await db.schema
    .createTable('asm_scan_diffs')
    .addColumn('scan_id', 'text', (c) => c.notNull().references('asm_scans.id').onDelete('cascade'))
    .addColumn('finding_id', 'text', (c) => c.notNull().references('asm_findings.id').onDelete('cascade'))
    .addColumn('change', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('asm_scan_diffs_pk', ['scan_id', 'finding_id'])
    .execute();

  await db.schema
    .createTable('asm_schedules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('utc_offset_minutes', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('ports', 'text')
    .addColumn('next_run_at', 'text')
    .addColumn('last_run_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // Politeness across workers: the next free send slot per target address (ms since epoch). A worker reserves
  // a batch of slots in one atomic UPDATE, so all workers together keep each target's rate.
  await db.schema
    .createTable('asm_politeness')
    .addColumn('target', 'text', (c) => c.primaryKey())
    .addColumn('next_slot_ms', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const t of [
    'asm_politeness',
    'asm_schedules',
    'asm_scan_diffs',
    'asm_finding_events',
    'asm_findings',
    'asm_scans',
    'asm_certificates',
    'asm_services',
    'asm_assets',
    'asm_refusals',
    'asm_control',
    'asm_settings',
    'asm_exclusions',
    'asm_roots',
  ])
    await db.schema.dropTable(t).ifExists().execute();
}
