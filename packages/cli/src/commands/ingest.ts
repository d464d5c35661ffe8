// `mamori ingest FILE…`: log files (plain or gzip) into the SOC pipeline of this installation. Each file is
// streamed into the durable queue (bounded memory), the pipeline processes it, and the counts are printed once
// it has: lines read, accepted (stored as events), quarantined (with reasons, see the console's quarantine).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { isMamoriError, loadConfig, MamoriError } from '@mamori/core';
import { gzipSync } from 'node:zlib';
import {
  createLogger,
  createPlatform,
  importFile,
  isKnownFormat,
  orgIdForCode,
  parseTzOffset,
  systemContext,
  type EventQueue,
  type IngestRecord,
  type Platform,
} from '@mamori/platform';
import { exitCodes } from '../exit-codes.js';

interface Options {
  config?: string;
  json?: boolean;
  format: string;
  org?: string;
  tz?: string;
  wait: boolean;
  url?: string;
}

export interface FileCounts {
  file: string;
  gzip: boolean;
  /** Non-empty lines read. */
  read: number;
  /** Lines the pipeline stored as events (null when not waited for). */
  accepted: number | null;
  /** Lines kept aside with a reason: too large at ingest, or refused by the parser (null when not waited for). */
  quarantined: number | null;
  /** Lines handed to the durable queue. */
  queued: number;
}

const ctx = systemContext('cli');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitProcessed(platform: Platform, onWait: () => void): Promise<void> {
  // The queue's backlog is what the pipeline has not committed yet.
  let last = Date.now();
  while (platform.soc.queue.backlog() > 0) {
    if (Date.now() - last > 5000) {
      onWait();
      last = Date.now();
    }
    await sleep(50);
  }
}

export async function runIngest(files: string[], opts: Options, print: (s: string) => void): Promise<number> {
  if (files.length === 0) throw new MamoriError('MAMORI_VALIDATION', { reason: 'no file given' });
  if (opts.format !== 'auto' && !isKnownFormat(opts.format))
    throw new MamoriError('MAMORI_VALIDATION', { reason: `unknown format "${opts.format}"` });
  let tzOffsetMinutes: number | undefined;
  if (opts.tz !== undefined) {
    tzOffsetMinutes = parseTzOffset(opts.tz);
    if (tzOffsetMinutes === undefined)
      throw new MamoriError('MAMORI_VALIDATION', { reason: `--tz ${opts.tz} is not an offset like +09:00` });
  }
  for (const f of files) {
    if (!existsSync(f) || !statSync(f).isFile())
      throw new MamoriError('MAMORI_VALIDATION', { reason: `cannot read ${f}: not a file` });
  }
  if (opts.url) return runRemote(files, opts, tzOffsetMinutes, print);
  const cfg = loadConfig({ file: opts.config });
  const logger = createLogger({ log: { level: cfg.log.level === 'silent' ? 'silent' : 'warn' } });
  // The embedded queue belongs to one process: a running `mamori serve` owns it. The platform opens beside it
  // without the pipeline, and the first append says whose spool it is.
  const busy = (err: unknown): never => {
    if (err instanceof Error && /is in use by process/.test(err.message))
      throw new MamoriError('MAMORI_NOT_READY', {
        reason: `${err.message}: a running \`mamori serve\` owns the SOC queue; stop it, or send the file to it with mamori ingest --url or POST /api/v1/ingest/bulk (docs/soc-ingest.md)`,
      });
    throw err;
  };
  const platform: Platform = await createPlatform(cfg, { logger }).catch(busy);
  try {
    const soc = platform.soc;
    // With soc.pipeline on (the embedded default) this process runs the pipeline over what it queues, so it can
    // report the outcome; an ingest-only configuration can only say what it queued.
    const wait = opts.wait && cfg.soc.pipeline;
    const organizationId = opts.org ? (await platform.orgs.find(ctx, opts.org)).id : undefined;
    const results: FileCounts[] = [];
    for (const f of files) {
      const path = resolve(f);
      const started = Date.now();
      const r = await soc.ingest
        .importFile(ctx, path, {
          transport: 'cli',
          peer: path,
          ...(opts.format !== 'auto' ? { format: opts.format } : {}),
          ...(organizationId ? { organizationId } : {}),
          ...(tzOffsetMinutes !== undefined ? { tzOffsetMinutes } : {}),
        })
        .catch(busy);
      const counts: FileCounts = {
        file: f,
        gzip: r.gzip,
        read: r.read,
        queued: r.appended,
        accepted: null,
        quarantined: null,
      };
      if (wait) {
        await waitProcessed(platform, () =>
          process.stderr.write(`mamori: waiting for the pipeline (${soc.queue.backlog()} lines to go)…\n`),
        );
        const q = await soc.quarantine.count(ctx, {
          transport: 'cli',
          peer: path,
          from: new Date(started - 1).toISOString(),
        });
        counts.quarantined = q.total;
        counts.accepted = r.read - q.total;
      }
      results.push(counts);
    }
    if (opts.json) print(JSON.stringify({ files: results }, null, 2));
    else
      for (const c of results) {
        print(
          c.accepted === null
            ? `${c.file}: read ${c.read}, queued ${c.queued} (the pipeline runs elsewhere; see the console for its outcome)`
            : `${c.file}: read ${c.read}, accepted ${c.accepted}, quarantined ${c.quarantined}`,
        );
      }
    return exitCodes.ok;
  } finally {
    await platform.close();
  }
}

/**
 * The queue of a running server, reached over HTTP: each batch is one gzip NDJSON POST to /api/v1/ingest/bulk,
 * acknowledged (202) once durable there; 429 (the server's queue is behind) waits Retry-After and sends again.
 */
class HttpBulkQueue implements EventQueue {
  accepted = 0;
  quarantined = 0;

  constructor(
    private readonly endpoint: string,
    private readonly token: string,
  ) {}

  async append(records: IngestRecord[]): Promise<void> {
    // Requests of at most ~4 MiB of NDJSON, whatever the line lengths (the server's limit is 16 MiB by default).
    let chunk: string[] = [];
    let size = 0;
    for (const r of records) {
      const j = JSON.stringify({ line: r.line });
      if (size + j.length > 4 * 1024 * 1024 && chunk.length > 0) {
        await this.post(chunk);
        chunk = [];
        size = 0;
      }
      chunk.push(j);
      size += j.length + 1;
    }
    if (chunk.length > 0) await this.post(chunk);
  }

  private async post(ndjson: string[]): Promise<void> {
    const body = gzipSync(ndjson.join('\n') + '\n');
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(this.endpoint, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.token}`,
            'content-type': 'application/x-ndjson',
            'content-encoding': 'gzip',
          },
          body,
        });
      } catch (err) {
        throw new MamoriError('MAMORI_NOT_READY', {
          reason: `cannot reach ${new URL(this.endpoint).origin}: ${(err as Error).message}`,
        });
      }
      const text = await res.text();
      if (res.status === 202) {
        const r = JSON.parse(text) as { accepted: number; quarantined: number };
        this.accepted += r.accepted;
        this.quarantined += r.quarantined;
        return;
      }
      if (res.status === 429 && attempt < 600) {
        const wait = Number(res.headers.get('retry-after') ?? '1');
        await sleep(Math.min(Math.max(wait, 1), 30) * 1000);
        continue;
      }
      let message = text.slice(0, 500);
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {
        // not a Mamori error body
      }
      throw new MamoriError(
        res.status === 401 || res.status === 403 ? 'MAMORI_FORBIDDEN' : 'MAMORI_BAD_REQUEST',
        {
          reason: `the server answered ${res.status}: ${message}`,
        },
      );
    }
  }

  backlog(): number {
    return 0;
  }

  async close(): Promise<void> {}
}

/** `--url`: send to a running server (its queue and pipeline); counts are what it acknowledged. */
async function runRemote(
  files: string[],
  opts: Options,
  tzOffsetMinutes: number | undefined,
  print: (s: string) => void,
): Promise<number> {
  const token = process.env.MAMORI_API_TOKEN;
  if (!token)
    throw new MamoriError('MAMORI_VALIDATION', {
      reason: '--url needs an API token with soc:ingest in $MAMORI_API_TOKEN',
    });
  let base: URL;
  try {
    base = new URL('/api/v1/ingest/bulk', opts.url);
  } catch {
    throw new MamoriError('MAMORI_VALIDATION', { reason: `--url ${opts.url} is not a URL` });
  }
  if (opts.format !== 'auto') base.searchParams.set('format', opts.format);
  if (opts.org)
    base.searchParams.set('organizationId', /^\d{6}$/.test(opts.org) ? orgIdForCode(opts.org) : opts.org);
  if (opts.tz) base.searchParams.set('tz', opts.tz);
  const results: (FileCounts & { tooLarge: number })[] = [];
  for (const f of files) {
    const q = new HttpBulkQueue(base.href, token);
    const tooLarge: string[] = [];
    const r = await importFile(resolve(f), {
      queue: q,
      transport: 'cli',
      // The server applies its own size limit (and keeps such lines in its quarantine); only what cannot be
      // sent at all is refused here.
      maxLineBytes: 1024 * 1024,
      batchSize: 2000,
      quarantine: async (_record, reason) => {
        tooLarge.push(reason);
      },
      ...(tzOffsetMinutes !== undefined ? { tzOffsetMinutes } : {}),
    });
    results.push({
      file: f,
      gzip: r.gzip,
      read: r.read,
      queued: q.accepted,
      accepted: q.accepted,
      quarantined: q.quarantined + tooLarge.length,
      tooLarge: tooLarge.length,
    });
  }
  if (opts.json) print(JSON.stringify({ files: results }, null, 2));
  else
    for (const c of results)
      print(
        `${c.file}: read ${c.read}, accepted ${c.accepted}, quarantined ${c.quarantined}` +
          (c.tooLarge ? ` (${c.tooLarge} over 1 MiB, not sent)` : '') +
          ' — accepted by the server; its pipeline stores them (the console shows what it could not parse)',
      );
  return exitCodes.ok;
}

export function register(program: Command): void {
  program
    .command('ingest')
    .description(
      'send log files (plain or gzip) to the SOC pipeline; prints lines read, accepted and quarantined once processed',
    )
    .argument('<files...>', 'log files, one line a record (gzip recognised by its magic bytes)')
    .option('-f, --format <id>', 'parser id (e.g. fortigate, squid), or auto to detect per line', 'auto')
    .option(
      '-o, --org <code>',
      'organization the lines belong to (id or 6-digit code); default: attributed per event',
    )
    .option('--tz <offset>', 'offset of timestamps without a zone, e.g. +09:00')
    .option('--no-wait', 'return once the lines are durable in the queue, without waiting for the pipeline')
    .option(
      '--url <url>',
      'send to a running server instead (POST /api/v1/ingest/bulk; API token with soc:ingest in $MAMORI_API_TOKEN)',
    )
    .option('-c, --config <file>', 'configuration file (JSON or YAML); default $MAMORI_CONFIG')
    .option('--json', 'machine-readable output')
    .action(async (files: string[], opts: Options) => {
      let text = '';
      try {
        process.exitCode = await runIngest(files, opts, (s) => (text += `${s}\n`));
      } catch (err) {
        process.stderr.write(`mamori: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode =
          isMamoriError(err) &&
          ['MAMORI_VALIDATION', 'MAMORI_CONFIG_INVALID', 'MAMORI_ORG_NOT_FOUND'].includes(err.code)
            ? exitCodes.input
            : exitCodes.failure;
      }
      if (text) await new Promise<void>((r) => process.stdout.write(text, () => r()));
    });
}
