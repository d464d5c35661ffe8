// Migrations run in order, recorded in kysely_migration; the same list for both dialects.
import { Migrator, type Migration, type MigrationResult } from 'kysely';
import type { MamoriDb } from './db.js';
import * as m0001 from './migrations/0001-foundation.js';
import * as m0002 from './migrations/0002-asm.js';
import * as m0003 from './migrations/0003-soc-pipeline.js';
import * as m0004 from './migrations/0004-soc-alerts.js';
import * as m0005 from './migrations/0005-soc-events-lean.js';
import * as m0006 from './migrations/0006-soc-sources.js';

export const migrations: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-asm': m0002,
  '0003-soc-pipeline': m0003,
  '0004-soc-alerts': m0004,
  '0005-soc-events-lean': m0005,
  '0006-soc-sources': m0006,
};

export interface MigrateResult {
  applied: string[];
  current: string | null;
}

export async function migrateToLatest(db: MamoriDb): Promise<MigrateResult> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    // Areas reserve numbers and land in any order (0004 may be applied before 0003 exists).
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error');
    throw new Error(
      `migration ${failed?.migrationName ?? '?'} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const all = await migrator.getMigrations();
  const done = all.filter((m) => m.executedAt !== undefined);
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    current: done.at(-1)?.name ?? null,
  };
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(db: MamoriDb): Promise<string[]> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: { getMigrations: async () => migrations },
    // Areas reserve numbers and land in any order (0004 may be applied before 0003 exists).
    allowUnorderedMigrations: true,
  });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}
