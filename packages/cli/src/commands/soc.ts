// `mamori soc sources …`: the SOC's registered syslog sources (which sender — an address/CIDR range or a TLS
// certificate name — sends which format for which organization; docs/soc-ingest.md "Registered sources"), at the
// console. The platform's registry checks and audits every change (soc.source.create / update / delete, actor
// system:cli), each in one transaction; a running server's listeners follow within 30 s. Entries of
// soc.syslog.sourcesFile are listed as read-only configuration entries (ids cfg-<n>).
import { Option, type Command } from 'commander';
import { isMamoriError, MamoriError } from '@mamori/core';
import type { Platform, SyslogSource, SyslogSourceChange } from '@mamori/platform';
import { action, cliContext, common, json, out, UsageError, withPlatform, type Common } from './shared.js';

const ctx = cliContext;

async function orgId(p: Platform, idOrCode: string): Promise<string> {
  return (await p.orgs.find(ctx, idOrCode)).id;
}

/** "Not found" alone does not say what: name the id (and where configuration entries change). */
async function onSource<T>(id: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isMamoriError(err) && err.code === 'MAMORI_NOT_FOUND')
      throw new MamoriError('MAMORI_VALIDATION', {
        reason: `no registered source ${id} (mamori soc sources list shows the ids)`,
      });
    throw err;
  }
}

/** One line a source: id, origin, kind, value, format, organization (code and name), note. */
async function lines(p: Platform, items: SyslogSource[]): Promise<string[]> {
  const names = new Map<string, string>();
  const orgText = async (id: string | null): Promise<string> => {
    if (id === null) return '-';
    let t = names.get(id);
    if (t === undefined) {
      const o = await p.orgs.find(ctx, id).catch(() => null);
      t = o ? `${o.code ?? '-'} ${o.name}` : id;
      names.set(id, t);
    }
    return t;
  };
  const rows: string[] = [];
  for (const s of items) {
    rows.push(
      [
        s.id,
        s.origin === 'configuration' ? 'configuration (設定ファイル, read-only)' : 'registered',
        s.kind,
        s.value,
        s.format ?? 'auto',
        await orgText(s.organizationId),
        s.note ?? '',
      ].join('\t'),
    );
  }
  return rows;
}

export function register(program: Command): void {
  const soc = program.command('soc').description('the SOC: registered syslog sources');
  const sources = soc
    .command('sources')
    .description(
      'registered syslog sources: sender (address/CIDR or TLS certificate name) → log format and organization',
    );

  common(sources.command('list'))
    .description(
      'list registered sources and the configuration file entries (soc.syslog.sourcesFile, read-only, ids cfg-<n>)',
    )
    .option('-o, --org <idOrCode>', 'only sources bound to this organization (id or six-digit code)')
    .action(
      action(async (opts: Common & { org?: string }) =>
        withPlatform(opts, async (p) => {
          const organizationId = opts.org ? await orgId(p, opts.org) : undefined;
          const { items } = await p.soc.sources.list(ctx, { organizationId });
          if (opts.json) json(items);
          else {
            if (items.length === 0) out('no syslog sources registered');
            for (const l of await lines(p, items)) out(l);
          }
        }),
      ),
    );

  common(sources.command('add'))
    .description('register a sender; listeners of a running server follow within 30 s')
    .addOption(
      new Option('--address <ip|cidr>', 'sender address or CIDR range (IPv4/IPv6)').conflicts('cert'),
    )
    .option('--cert <name>', 'CN or DNS name in the sender’s TLS client certificate')
    .option('-f, --format <parser>', 'parser id forced for its lines (default auto: detected per line)')
    .option(
      '-o, --org <idOrCode>',
      'organization its events belong to (default: the security cloud’s prefecture, soc.prefectureCode)',
    )
    .option('--note <text>', 'note (at most 500 characters)')
    .action(
      action(
        async (
          opts: Common & { address?: string; cert?: string; format?: string; org?: string; note?: string },
        ) => {
          if (opts.address === undefined && opts.cert === undefined)
            throw new UsageError('give the sender: --address <ip|cidr> or --cert <name>');
          return withPlatform(opts, async (p) => {
            const s = await p.soc.sources.create(ctx, {
              kind: opts.address !== undefined ? 'address' : 'cert',
              value: (opts.address ?? opts.cert)!,
              format: opts.format ?? null,
              organizationId: opts.org ? await orgId(p, opts.org) : p.soc.defaultPrefectureId,
              note: opts.note ?? null,
            });
            if (opts.json) json(s);
            else for (const l of await lines(p, [s])) out(l);
          });
        },
      ),
    );

  common(sources.command('update'))
    .description('change a registered source (configuration entries change in the file)')
    .argument('<id>', 'source id (mamori soc sources list)')
    .addOption(
      new Option('--address <ip|cidr>', 'new sender address or CIDR range (an address source)').conflicts(
        'cert',
      ),
    )
    .option('--cert <name>', 'new certificate name (a certificate source)')
    .option('-f, --format <parser>', 'parser id, or auto to detect per line')
    .option('-o, --org <idOrCode>', 'move the sender to this organization')
    .option('--note <text>', 'note (an empty text clears it)')
    .action(
      action(
        async (
          id: string,
          opts: Common & { address?: string; cert?: string; format?: string; org?: string; note?: string },
        ) => {
          const value = opts.address ?? opts.cert;
          if (
            value === undefined &&
            opts.format === undefined &&
            opts.org === undefined &&
            opts.note === undefined
          )
            throw new UsageError('nothing to change: give --address, --cert, --format, --org or --note');
          return withPlatform(opts, async (p) => {
            const change: SyslogSourceChange = {};
            if (value !== undefined) {
              // A source keeps its kind (the API changes the value only): an address for a certificate
              // source would be read as a name.
              const kind = opts.address !== undefined ? 'address' : 'cert';
              const cur = (await p.soc.sources.list(ctx)).items.find((s) => s.id === id);
              if (cur && cur.origin === 'registered' && cur.kind !== kind) {
                const [what, flag] =
                  cur.kind === 'address' ? ['an address', '--address'] : ['a certificate', '--cert'];
                throw new MamoriError('MAMORI_VALIDATION', {
                  reason: `${id} is ${what} source: give ${flag} (to change its kind, remove it and add another)`,
                });
              }
              change.value = value;
            }
            if (opts.format !== undefined) change.format = opts.format;
            if (opts.org !== undefined) change.organizationId = await orgId(p, opts.org);
            if (opts.note !== undefined) change.note = opts.note;
            const s = await onSource(id, () => p.soc.sources.update(ctx, id, change));
            if (opts.json) json(s);
            else for (const l of await lines(p, [s])) out(l);
          });
        },
      ),
    );

  common(sources.command('remove'))
    .description('remove a registered source (its sender’s lines are attributed per event again)')
    .argument('<id>', 'source id (mamori soc sources list)')
    .action(
      action(async (id: string, opts: Common) =>
        withPlatform(opts, async (p) => {
          await onSource(id, () => p.soc.sources.remove(ctx, id));
          if (opts.json) json({ removed: id });
          else out(`removed ${id}`);
        }),
      ),
    );
}
