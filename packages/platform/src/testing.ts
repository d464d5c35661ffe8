// Test support for the platform, server and console: a platform on an isolated fresh database
// (MAMORI_TEST_DB = sqlite | postgres), optionally with all organizations loaded, and helpers to make
// signed-in actors without going through the HTTP layer.
import { loadConfig, type DeepPartial, type MamoriConfig } from '@mamori/core';
import { createTestDatabase, testDialect } from '@mamori/store/testing';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createPlatform } from './platform.js';
import type { CreateAsmOptions } from './asm/asm.js';
import type { Actor, Platform, RequestContext, Role } from './types.js';
import type { Clock } from './util.js';
import { totpCode, stepAt } from './auth/totp.js';

export { testDialect };

export interface TestPlatform extends Platform {
  /** System context (full access), as the CLI uses. */
  system: RequestContext;
  /** Creates a user (as the system) and returns its id and a context acting as it (MFA treated as done). */
  addUser(input: {
    username: string;
    role: Role;
    organizationId: string;
    password?: string;
  }): Promise<{ id: string; ctx: RequestContext; password: string }>;
  /** Closes the platform and drops its database. */
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Load the 1,788 governments + state + wards (about a second). Default true. */
  orgs?: boolean;
  config?: DeepPartial<MamoriConfig>;
  clock?: Clock;
  /** ASM wiring (TXT resolver, engine options towards a loopback lab). */
  asm?: CreateAsmOptions;
}

export async function createTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const t = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'mamori-data-'));
  const config = loadConfig({
    env: {},
    overrides: {
      ...options.config,
      dataDir,
      database: {
        driver: t.options.driver,
        sqlitePath: t.options.sqlitePath || undefined,
        postgresUrl: t.options.postgresUrl || undefined,
      },
      log: { level: 'silent' },
    } as DeepPartial<MamoriConfig>,
  });
  const platform = await createPlatform(config, {
    logger: pino({ level: 'silent' }),
    clock: options.clock,
    ...(options.asm ? { asm: options.asm } : {}),
  });
  const system: RequestContext = { actor: { kind: 'system', name: 'test' }, sourceIp: '127.0.0.1' };
  if (options.orgs !== false) await platform.orgs.loadOfficial(system);
  return {
    ...platform,
    system,
    async addUser(input) {
      const password = input.password ?? `Test-${randomBytes(9).toString('base64url')}`;
      const user = await platform.accounts.create(system, {
        username: input.username,
        displayName: input.username,
        email: input.username.includes('@') ? input.username : `${input.username}@example.invalid`,
        organizationId: input.organizationId,
        role: input.role,
        password,
      });
      const actor: Actor = {
        kind: 'user',
        userId: user.id,
        username: user.username,
        organizationId: user.organizationId,
        role: user.role,
        mfaVerified: true,
      };
      return { id: user.id, ctx: { actor, sourceIp: '127.0.0.1' }, password };
    },
    async close() {
      await platform.close();
      await t.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The current TOTP code for a secret (to drive enrolment and MFA in tests). */
export function currentTotp(secret: string, at: Date = new Date()): string {
  return totpCode(secret, stepAt(at));
}

/**
 * The ASM lab's web site (tests and benchmarks, served on loopback only): a municipality's home page behind a
 * fingerprintable nginx banner, an exposed `.git/HEAD`, and a `.env` with secrets while `exposeEnv` is on
 * (turning it off is "the fix", on again "the regression").
 */
export function asmLabSite(state: {
  exposeEnv: boolean;
}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/';
    if (url === '/.env' && state.exposeEnv) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('DB_PASSWORD=lab-secret\nAPP_KEY=base64:lab\n');
    } else if (url === '/.git/HEAD') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ref: refs/heads/main\n');
    } else if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', server: 'nginx/1.22.1' });
      res.end('<html><head><title>市役所</title></head><body>ようこそ</body></html>');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain', server: 'nginx/1.22.1' });
      res.end('not found');
    }
  };
}
