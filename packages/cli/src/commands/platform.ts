// Platform commands: serve, migrate, org, user, token, audit, demo. They act as the operator at the console
// ("system:cli" in the audit trail): whoever can run them can read the configuration and the database anyway.
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { loadConfig, MamoriError, redactConfig, REGISTERABLE_KINDS } from '@mamori/core';
import {
  createLogger,
  createPlatform,
  isPermission,
  isRole,
  permissionIds,
  roleIds,
  seedDemo,
  type Organization,
  type OrganizationDetail,
  type Permission,
  type Platform,
  type User,
} from '@mamori/platform';
import { migrateToLatest, openDatabase } from '@mamori/store';
import { exitCodes } from '../exit-codes.js';
import { action, cliContext, common, config, flush, json, out, withPlatform, type Common } from './shared.js';

const ctx = cliContext;

async function resolveOrg(p: Platform, idOrCode: string): Promise<OrganizationDetail> {
  return p.orgs.find(ctx, idOrCode);
}

function orgLine(o: Organization): string {
  return [o.code ?? '-', o.kind, o.name, o.nameKana, o.id].join('\t');
}

function userLine(u: User): string {
  return [
    u.username,
    u.role,
    u.organizationName,
    u.disabled ? 'disabled' : 'active',
    u.mfaEnrolled ? 'mfa' : 'no-mfa',
    u.id,
  ].join('\t');
}

function generatedPassword(): string {
  return randomBytes(15).toString('base64url');
}

export function register(program: Command): void {
  // ---- serve -------------------------------------------------------------------------------------------
  common(program.command('serve'))
    .description('start the HTTP API and the web console')
    .option('--host <host>', 'listen address (overrides server.host)')
    .option('--port <port>', 'listen port (overrides server.port; 0 picks a free port)')
    .action(
      action(async (opts: Common & { host?: string; port?: string }) => {
        const started = performance.now();
        const port = opts.port === undefined ? undefined : Number(opts.port);
        if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
          throw new MamoriError('MAMORI_VALIDATION', { reason: '--port must be 0–65535' });
        }
        const cfg = loadConfig({
          file: opts.config,
          overrides: {
            server: { ...(opts.host ? { host: opts.host } : {}), ...(port !== undefined ? { port } : {}) },
          },
        });
        const logger = createLogger(cfg);
        logger.info({ config: redactConfig(cfg) }, 'starting');
        const platform = await createPlatform(cfg, { logger });
        // A database migrated elsewhere with --schema-only: the governments are reference data, load them once.
        if ((await platform.orgs.list(ctx, { limit: 1 })).items.length === 0) {
          const r = await platform.orgs.loadOfficial(ctx);
          logger.info({ organizations: r }, 'official list of local governments loaded');
        }
        const { startServer } = await import('@mamori/server');
        let server: Awaited<ReturnType<typeof startServer>>;
        try {
          // ASM: scan schedules, and (embedded mode) queued runs left by a previous process.
          if (cfg.asm.runner) await platform.asm.runtime.startBackground();
          server = await startServer(platform);
        } catch (err) {
          await platform.close();
          throw err;
        }
        const ms = Math.round(performance.now() - started);
        logger.info({ url: server.url, ms }, 'listening');
        const sl = server.syslog;
        const syslog = sl
          ? { udp: sl.udp?.port ?? null, tcp: sl.tcp?.port ?? null, tls: sl.tls?.port ?? null }
          : null;
        if (syslog) logger.info({ syslog }, 'syslog listening');
        if (opts.json) out(JSON.stringify({ url: server.url, startMs: ms, ...(syslog ? { syslog } : {}) }));
        else out(`Mamori is listening on ${server.url} (started in ${ms} ms)`);
        if (syslog && !opts.json)
          out(
            `SOC syslog on ${cfg.soc.syslog.host}: ${Object.entries(syslog)
              .filter(([, p]) => p !== null)
              .map(([k, p]) => `${k} ${p}`)
              .join(', ')}`,
          );
        await flush();
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        logger.info('stopping');
        await server.close();
        await platform.close();
        logger.flush();
      }),
    );

  // ---- migrate -----------------------------------------------------------------------------------------
  common(program.command('migrate'))
    .description(
      'create or upgrade the database schema, then load or refresh the official list of local governments',
    )
    .option('--schema-only', 'only the schema; leave the organizations as they are')
    .action(
      action(async (opts: Common & { schemaOnly?: boolean }) => {
        const cfg = config(opts);
        const db = openDatabase(cfg.database);
        let r: Awaited<ReturnType<typeof migrateToLatest>>;
        try {
          r = await migrateToLatest(db);
        } finally {
          await db.close();
        }
        // The list of governments is reference data the product ships: a migrated database holds it, so that
        // `org list` and the console never start empty (idempotent; nothing is written when it is current).
        const organizations = opts.schemaOnly
          ? null
          : await withPlatform(opts, (p) => p.orgs.loadOfficial(ctx));
        if (opts.json) json({ driver: cfg.database.driver, ...r, organizations });
        else {
          out(r.applied.length ? `applied: ${r.applied.join(', ')}` : `up to date (${r.current ?? 'empty'})`);
          if (organizations)
            out(
              `organizations: ${organizations.governments} local governments + the state, ${organizations.wards} wards (${organizations.inserted} inserted, ${organizations.updated} updated)`,
            );
        }
      }),
    );

  // ---- org ---------------------------------------------------------------------------------------------
  const org = program
    .command('org')
    .description('organizations: the state, prefectures, municipalities, bodies');
  common(org.command('list'))
    .description('list the state and the local governments (wards and registered bodies on request)')
    .option('-q, --query <text>', 'name, kana or code prefix')
    .addOption(new Option('--kind <kind>', 'only this kind'))
    .option('--parent <idOrCode>', 'children of this organization')
    .option('--include-wards', 'include the wards of designated cities')
    .option('--include-bodies', 'include registered bodies (associations, SOC operators, others)')
    .action(
      action(
        async (
          opts: Common & {
            query?: string;
            kind?: string;
            parent?: string;
            includeWards?: boolean;
            includeBodies?: boolean;
          },
        ) =>
          withPlatform(opts, async (p) => {
            const parentId = opts.parent ? (await resolveOrg(p, opts.parent)).id : undefined;
            const items: Organization[] = [];
            let cursor: string | null = null;
            do {
              const page = await p.orgs.list(ctx, {
                q: opts.query,
                kind: opts.kind as Organization['kind'] | undefined,
                parentId,
                includeWards: opts.includeWards,
                limit: 200,
                cursor,
              });
              // By default: the state and the local governments, exactly 1,789 entries.
              items.push(
                ...page.items.filter(
                  (o) =>
                    opts.includeBodies || opts.kind !== undefined || !REGISTERABLE_KINDS.includes(o.kind),
                ),
              );
              cursor = page.nextCursor;
            } while (cursor);
            if (opts.json) json(items);
            else for (const o of items) out(orgLine(o));
            return items.length === 0 && opts.query ? exitCodes.found : exitCodes.ok;
          }),
      ),
    );
  common(org.command('show'))
    .description('show one organization by id or code')
    .argument('<idOrCode>', 'organization id or six-digit code')
    .action(
      action(async (idOrCode: string, opts: Common) =>
        withPlatform(opts, async (p) => {
          const o = await resolveOrg(p, idOrCode);
          if (opts.json) json(o);
          else {
            out(`${o.name} (${o.nameKana})`);
            out(`  id: ${o.id}\n  code: ${o.code ?? '-'}\n  kind: ${o.kind}`);
            out(`  path: ${[...o.path.map((x) => x.name), o.name].join(' > ')}`);
            out(`  children: ${o.childCount}\n  users: ${o.userCount}`);
          }
        }),
      ),
    );
  common(org.command('add'))
    .description(
      'register a body (一部事務組合・広域連合, a security-cloud operator, other) under an organization',
    )
    .requiredOption('--name <name>', 'name')
    .requiredOption('--kana <kana>', 'name in katakana')
    .addOption(new Option('--kind <kind>', 'kind').choices([...REGISTERABLE_KINDS]).makeOptionMandatory())
    .requiredOption('--parent <idOrCode>', 'parent organization (usually the prefecture)')
    .action(
      action(async (opts: Common & { name: string; kana: string; kind: string; parent: string }) =>
        withPlatform(opts, async (p) => {
          const parent = await resolveOrg(p, opts.parent);
          const o = await p.orgs.create(ctx, {
            name: opts.name,
            nameKana: opts.kana,
            kind: opts.kind as 'association' | 'soc_operator' | 'other',
            parentId: parent.id,
          });
          if (opts.json) json(o);
          else out(orgLine(o));
        }),
      ),
    );
  common(org.command('load'))
    .description('load or refresh the official list of local governments (idempotent)')
    .action(
      action(async (opts: Common) =>
        withPlatform(opts, async (p) => {
          const r = await p.orgs.loadOfficial(ctx);
          if (opts.json) json(r);
          else
            out(
              `${r.governments} local governments + the state, ${r.wards} wards: ${r.inserted} inserted, ${r.updated} updated (${r.ms} ms)`,
            );
        }),
      ),
    );

  // ---- user --------------------------------------------------------------------------------------------
  const user = program.command('user').description('user accounts');
  common(user.command('add'))
    .description('create a user; the initial password is generated and printed once unless given')
    .requiredOption('-u, --username <name>', 'user name (lower-case letters, digits, . _ @ -)')
    .requiredOption('-o, --org <idOrCode>', 'organization id or code')
    .addOption(new Option('-r, --role <role>', 'role').choices(roleIds).makeOptionMandatory())
    .option('-n, --display-name <name>', 'display name (default: the user name)')
    .option('-e, --email <address>', 'e-mail address', '')
    .option('--password-env <var>', 'read the initial password from this environment variable')
    .action(
      action(
        async (
          opts: Common & {
            username: string;
            org: string;
            role: string;
            displayName?: string;
            email: string;
            passwordEnv?: string;
          },
        ) =>
          withPlatform(opts, async (p) => {
            if (!isRole(opts.role))
              throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown role ${opts.role}` });
            const o = await resolveOrg(p, opts.org);
            let password: string;
            let generated = false;
            if (opts.passwordEnv) {
              const v = process.env[opts.passwordEnv];
              if (!v)
                throw new MamoriError('MAMORI_VALIDATION', {
                  reason: `environment variable ${opts.passwordEnv} is empty`,
                });
              password = v;
            } else {
              password = generatedPassword();
              generated = true;
            }
            const u = await p.accounts.create(ctx, {
              username: opts.username,
              displayName: opts.displayName ?? opts.username,
              email:
                opts.email ||
                (opts.username.includes('@')
                  ? opts.username
                  : `${opts.username.toLowerCase()}@invalid.invalid`),
              organizationId: o.id,
              role: opts.role,
              password,
            });
            if (opts.json) json({ user: u, ...(generated ? { initialPassword: password } : {}) });
            else {
              out(userLine(u));
              if (generated) out(`initial password (shown once): ${password}`);
            }
          }),
      ),
    );
  common(user.command('list'))
    .description('list users')
    .option('-o, --org <idOrCode>', 'only this organization')
    .option('-q, --query <text>', 'user name or display name contains')
    .action(
      action(async (opts: Common & { org?: string; query?: string }) =>
        withPlatform(opts, async (p) => {
          const organizationId = opts.org ? (await resolveOrg(p, opts.org)).id : undefined;
          const items: User[] = [];
          let cursor: string | null = null;
          do {
            const page = await p.accounts.list(ctx, { organizationId, q: opts.query, limit: 200, cursor });
            items.push(...page.items);
            cursor = page.nextCursor;
          } while (cursor);
          if (opts.json) json(items);
          else for (const u of items) out(userLine(u));
        }),
      ),
    );
  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    common(user.command(name))
      .description(disabled ? 'disable a user (ends the user’s sessions)' : 'enable a disabled user')
      .argument('<idOrUsername>', 'user id or user name')
      .action(
        action(async (idOrUsername: string, opts: Common) =>
          withPlatform(opts, async (p) => {
            const found = await p.accounts.find(ctx, idOrUsername);
            const u = await p.accounts.update(ctx, found.id, { disabled });
            if (opts.json) json(u);
            else out(userLine(u));
          }),
        ),
      );
  }

  common(user.command('reset'))
    .description(
      'new initial password for a user (printed once); MFA to enrol again, lockout cleared, sessions ended',
    )
    .argument('<idOrUsername>', 'user id or user name')
    .action(
      action(async (idOrUsername: string, opts: Common) =>
        withPlatform(opts, async (p) => {
          const found = await p.accounts.find(ctx, idOrUsername);
          const password = generatedPassword();
          const u = await p.accounts.resetCredentials(ctx, found.id, { password });
          if (opts.json) json({ user: u, initialPassword: password });
          else {
            out(userLine(u));
            out(`initial password (shown once): ${password}`);
          }
        }),
      ),
    );

  // ---- token -------------------------------------------------------------------------------------------
  const token = program.command('token').description('API tokens for machines');
  common(token.command('create'))
    .description('create an API token; it is printed once and stored only as a hash')
    .requiredOption('-n, --name <name>', 'what the token is for')
    .requiredOption('-o, --org <idOrCode>', 'organization the token acts for')
    .requiredOption('-p, --permissions <list>', `comma-separated: ${permissionIds.join(', ')}`)
    .option('-d, --days <n>', 'days until it expires (1–366)', '90')
    .action(
      action(async (opts: Common & { name: string; org: string; permissions: string; days: string }) =>
        withPlatform(opts, async (p) => {
          const days = Number(opts.days);
          if (!Number.isInteger(days) || days < 1 || days > 366) {
            throw new MamoriError('MAMORI_VALIDATION', { reason: '--days must be 1–366' });
          }
          const permissions = opts.permissions
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          for (const x of permissions) {
            if (!isPermission(x))
              throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown permission ${x}` });
          }
          const o = await resolveOrg(p, opts.org);
          const r = await p.tokens.create(ctx, {
            name: opts.name,
            organizationId: o.id,
            permissions: permissions as Permission[],
            expiresAt: new Date(Date.now() + days * 86_400_000).toISOString(),
          });
          if (opts.json) json(r);
          else {
            out(`${r.item.id}\t${r.item.name}\t${o.name}\texpires ${r.item.expiresAt}`);
            out(`token (shown once): ${r.token}`);
          }
        }),
      ),
    );
  common(token.command('list'))
    .description('list API tokens (never their secrets)')
    .action(
      action(async (opts: Common) =>
        withPlatform(opts, async (p) => {
          const { items } = await p.tokens.list(ctx);
          if (opts.json) json(items);
          else
            for (const t of items) {
              out(
                [
                  t.id,
                  t.name,
                  t.prefix,
                  t.permissions.join(','),
                  t.expiresAt,
                  t.revokedAt ? 'revoked' : 'active',
                ].join('\t'),
              );
            }
        }),
      ),
    );
  common(token.command('revoke'))
    .description('revoke an API token')
    .argument('<id>', 'token id')
    .action(
      action(async (id: string, opts: Common) =>
        withPlatform(opts, async (p) => {
          await p.tokens.revoke(ctx, id);
          if (opts.json) json({ revoked: id });
          else out(`revoked ${id}`);
        }),
      ),
    );

  // ---- audit -------------------------------------------------------------------------------------------
  const audit = program.command('audit').description('the audit trail');
  common(audit.command('verify'))
    .description('check the hash chain; exit 1 and name each changed, missing or reordered record')
    .option(
      '--anchor <seq:hash>',
      'a head printed by an earlier verify, kept elsewhere: detects a recomputed chain',
    )
    .action(
      action(async (opts: Common & { anchor?: string }) =>
        withPlatform(opts, async (p) => {
          let anchor: { seq: number; hash: string } | undefined;
          if (opts.anchor !== undefined) {
            const m = /^(\d+):([0-9a-f]{64})$/.exec(opts.anchor.trim());
            if (!m)
              throw new MamoriError('MAMORI_VALIDATION', {
                reason: '--anchor must be <seq>:<64 hex digits>',
              });
            anchor = { seq: Number(m[1]), hash: m[2]! };
          }
          const v = await p.audit.verify(ctx, { anchor, includeHead: true });
          if (opts.json) json(v);
          else if (v.ok) {
            out(`audit trail intact: ${v.checked} records checked`);
            if (v.head)
              out(`head (keep it elsewhere; check later with --anchor): ${v.head.seq}:${v.head.hash}`);
          } else {
            out(`audit trail NOT intact: ${v.problems.length} problem(s) in ${v.checked} records`);
            for (const x of v.problems) out(`  #${x.seq}\t${x.kind}\t${x.message}`);
          }
          return v.ok ? exitCodes.ok : exitCodes.found;
        }),
      ),
    );
  common(audit.command('list'))
    .description('show the newest audit records')
    .option('--limit <n>', 'how many (1–200)', '50')
    .option('--action <action>', 'only this action (or prefix ending in ".")')
    .action(
      action(async (opts: Common & { limit: string; action?: string }) =>
        withPlatform(opts, async (p) => {
          const page = await p.audit.list(ctx, { limit: Number(opts.limit), action: opts.action });
          if (opts.json) json(page.items);
          else
            for (const r of page.items) {
              out(
                [r.seq, r.at, r.actorName ?? '-', r.action, r.target ?? '-', r.result, r.sourceIp].join('\t'),
              );
            }
        }),
      ),
    );

  // ---- demo --------------------------------------------------------------------------------------------
  common(program.command('demo'))
    .description('load all organizations and seed demo accounts for 静岡県 (idempotent)')
    .option('--reset-passwords', 'give existing demo accounts new initial passwords (and MFA enrolment)')
    .action(
      action(async (opts: Common & { resetPasswords?: boolean }) =>
        withPlatform(opts, async (p) => {
          const r = await seedDemo(p, ctx, { resetPasswords: opts.resetPasswords });
          if (opts.json) {
            json(r);
            return;
          }
          out(
            `organizations: ${r.organizations.governments} local governments + the state (${r.organizations.wards} wards as sub-units), ${r.organizations.inserted} new, loaded in ${r.organizations.ms} ms`,
          );
          for (const u of r.users) {
            out(
              `  ${u.username.padEnd(14)} ${u.role.padEnd(20)} ${u.password ? `initial password: ${u.password}` : '(exists; password unchanged)'}`,
            );
          }
          if (r.credentialsFile) out(`initial passwords also written to ${r.credentialsFile} (mode 0600)`);
          out('At first sign-in each account enrols a TOTP authenticator (MFA) and gets recovery codes.');
        }),
      ),
    );
}
