// @mamori/store: the schema, migrations and database handle shared by every service.
export type { Database } from './schema.js';
export type * from './schema.js';
export { openDatabase, SQLITE_PAGE_SIZE } from './db.js';
export { cachingDatabase, STATEMENT_CACHE_SIZE } from './statement-cache.js';
export type { DatabaseOptions, Db, Dialect, MamoriDb, Trx } from './db.js';
export { migrateToLatest, pendingMigrations, migrations } from './migrate.js';
export type { MigrateResult } from './migrate.js';
