// createPlatform: opens the database, migrates it, and wires the services around one policy module.
import type { MamoriConfig } from '@mamori/core';
import { migrateToLatest, openDatabase, type MamoriDb } from '@mamori/store';
import type { Logger } from 'pino';
import { AccountServiceImpl } from './accounts/service.js';
import { AuditServiceImpl } from './audit/service.js';
import { createOidcClient } from './auth/oidc.js';
import { AuthServiceImpl } from './auth/service.js';
import { Deps } from './context.js';
import { secretBoxFor } from './auth/secret-box.js';
import { createLogger } from './logger.js';
import { OrgDirectory } from './orgs/directory.js';
import { OrganizationServiceImpl } from './orgs/service.js';
import { Policy } from './policy/policy.js';
import { TokenServiceImpl } from './tokens/service.js';
import { createSocAlerting } from './soc/detect/index.js';
import { createSoc } from './soc/soc.js';
import { SocReportServiceImpl } from './soc/reports/service.js';
import { dbQuarantineSink } from './soc/ingest/quarantine.js';
import { SocIngestService } from './soc/ingest/service.js';
import { SyslogSourceRegistry } from './soc/ingest/registry.js';
import { createAsm, type CreateAsmOptions } from './asm/asm.js';
import { claimSqliteFile } from './sqlite-claim.js';
import type { Platform } from './types.js';
import type { Clock } from './util.js';

export interface CreatePlatformOptions {
  logger?: Logger;
  /** Injected clock (tests of timeouts and TOTP). */
  clock?: Clock;
  /** Run pending migrations first (default true). */
  migrate?: boolean;
  /** Use an already open database (the caller's: shared, not closed by close(), not claimed). */
  db?: MamoriDb;
  /** ASM wiring for tests (TXT resolver, engine options). */
  asm?: CreateAsmOptions;
}

export async function createPlatform(
  config: MamoriConfig,
  options: CreatePlatformOptions = {},
): Promise<Platform> {
  const logger = options.logger ?? createLogger(config);
  // A SQLite file this instance opens is its own in this process (./sqlite-claim.ts): a second instance on it
  // fails here at once rather than hanging the process later.
  const release =
    !options.db && config.database.driver === 'sqlite' && config.database.sqlitePath !== ':memory:'
      ? claimSqliteFile(config.database.sqlitePath)
      : () => {};
  let db: MamoriDb;
  try {
    db =
      options.db ??
      openDatabase({
        driver: config.database.driver,
        sqlitePath: config.database.sqlitePath,
        postgresUrl: config.database.postgresUrl,
      });
  } catch (err) {
    release();
    throw err;
  }
  const closeDb = async () => {
    try {
      if (!options.db) await db.close();
    } finally {
      release();
    }
  };
  try {
    if (options.migrate !== false) {
      const { applied } = await migrateToLatest(db);
      if (applied.length > 0) logger.info({ applied }, 'database migrated');
    }
  } catch (err) {
    await closeDb();
    throw err;
  }
  const directory = new OrgDirectory(db);
  const policy = new Policy(directory);
  const deps = new Deps(
    config,
    db,
    logger,
    policy,
    directory,
    options.clock ?? (() => new Date()),
    secretBoxFor(config),
  );
  const accounts = new AccountServiceImpl(deps);
  const oidc = config.auth.oidc ? createOidcClient(config.auth.oidc, config.server.publicUrl) : null;
  const socAlerting = createSocAlerting(deps);
  const soc = createSoc(deps);
  soc.services.pipeline.addStage(socAlerting.detection);
  try {
    await soc.start();
  } catch (err) {
    await soc.stop().catch(() => {});
    await closeDb();
    throw err;
  }
  const orgs = new OrganizationServiceImpl(deps);
  const asm = createAsm(deps, options.asm);
  const ingestQuarantine = dbQuarantineSink(db, directory, soc.services.defaultPrefectureId);
  const sources = new SyslogSourceRegistry(deps, soc.services.defaultPrefectureId);
  const ingest = new SocIngestService({
    policy,
    orgs,
    queue: () => soc.services.queue,
    quarantine: () => ingestQuarantine,
    audit: (ctx, entry) => deps.record(ctx, entry),
    defaultPrefectureId: () => soc.services.defaultPrefectureId,
    config,
    logger,
    sources,
  });
  let closed = false;
  return {
    config,
    db,
    logger,
    orgs,
    accounts,
    auth: new AuthServiceImpl(deps, accounts, oidc),
    tokens: new TokenServiceImpl(deps),
    audit: new AuditServiceImpl(deps),
    policy,
    soc: {
      ...soc.services,
      detection: socAlerting.detection,
      alerts: socAlerting.alerts,
      notify: socAlerting.notify,
      ingest,
      sources,
      reports: new SocReportServiceImpl(deps),
    },
    asm: asm.services,
    ready: () => db.ping(),
    async close() {
      if (closed) return;
      closed = true;
      // The pipeline stops first: no batch reaches the detection stage after it closes.
      await soc.stop();
      // Running scans finish and are written before the database closes.
      await asm.close();
      // Pending notifications end (and are recorded) before the database closes.
      await socAlerting.detection.close();
      await closeDb();
    },
  };
}
