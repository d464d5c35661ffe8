// `mamori evtx dump PATH… --format jsonl|xml`: every record of the given EVTX files (or folders), one per
// line, in the regression-JSON shape (Event.System.*, Event.EventData.*) or as XML. Damaged chunks and
// records are reported on stderr and skipped; the rest is printed.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { readEvtxStream, readEvtxSync, type EvtxIssue, type EvtxRecord } from '@mamori/evtx';
import { exitCodes } from '../exit-codes.js';

/** Expand folders to the .evtx files under them (sorted); files are taken as given. */
export function evtxFilesUnder(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, top: boolean, depth: number): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      if (depth > 32) return;
      for (const n of readdirSync(p).sort()) walk(join(p, n), false, depth + 1);
    } else if (top || /\.evtx(\.gz)?$/i.test(p)) out.push(p);
  };
  for (const p of paths) walk(p, true, 0);
  return out;
}

function gunzipped(file: string) {
  const raw = createReadStream(file);
  const gunzip = raw.pipe(createGunzip());
  raw.on('error', (err) => gunzip.destroy(err));
  return gunzip;
}

export function formatIssue(i: EvtxIssue): string {
  const where = i.chunk === null ? 'file header' : `chunk ${i.chunk}`;
  return `${i.file ?? '?'}: ${where}, offset ${i.offset}: ${i.message}`;
}

/** Writes to stdout in large pieces, waiting for the pipe to drain; stops quietly when the reader goes away. */
class Out {
  private buf = '';
  closed = false;
  constructor() {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed = true;
    });
  }
  async line(s: string): Promise<void> {
    this.buf += s + '\n';
    if (this.buf.length >= 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.buf === '' || this.closed) return;
    const b = this.buf;
    this.buf = '';
    if (!process.stdout.write(b)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          process.stdout.off('drain', done);
          process.stdout.off('error', done);
          resolve();
        };
        process.stdout.on('drain', done);
        process.stdout.on('error', done);
      });
    }
  }
}

interface DumpOptions {
  format: string;
  quiet?: boolean;
}

async function dump(paths: string[], opts: DumpOptions): Promise<number> {
  if (opts.format !== 'jsonl' && opts.format !== 'xml') {
    process.stderr.write(`mamori evtx dump: --format must be jsonl or xml, not ${opts.format}\n`);
    return exitCodes.usage;
  }
  let files: string[];
  try {
    files = evtxFilesUnder(paths);
  } catch (err) {
    process.stderr.write(`mamori evtx dump: ${(err as Error).message}\n`);
    return exitCodes.input;
  }
  const out = new Out();
  let records = 0;
  let issues = 0;
  let failed = 0;
  const onIssue = (i: EvtxIssue) => {
    issues++;
    if (!opts.quiet) process.stderr.write(`mamori evtx dump: ${formatIssue(i)}\n`);
  };
  const xml = opts.format === 'xml';
  for (const file of files) {
    try {
      // A gzip-compressed file (.evtx.gz) is read as a stream.
      const source: Iterable<EvtxRecord> | AsyncIterable<EvtxRecord> = /\.gz$/i.test(file)
        ? readEvtxStream(gunzipped(file), { name: file, onIssue })
        : readEvtxSync(file, { onIssue });
      for await (const r of source) {
        await out.line(xml ? r.toXml() : JSON.stringify(r.event));
        records++;
        if (out.closed) return exitCodes.ok;
      }
    } catch (err) {
      failed++;
      process.stderr.write(`mamori evtx dump: ${file}: ${(err as Error).message}\n`);
    }
  }
  await out.flush();
  if (issues > 0 || failed > 0) {
    process.stderr.write(
      `mamori evtx dump: ${records} records from ${files.length - failed} of ${files.length} files; ` +
        `${issues} damaged parts skipped\n`,
    );
  }
  return failed > 0 ? exitCodes.input : exitCodes.ok;
}

export function register(program: Command): void {
  const evtx = program.command('evtx').description('Windows event log (.evtx) tools');
  evtx
    .command('dump')
    .description(
      'Print every record of EVTX files (folders: every .evtx under them), one per line, as JSON ' +
        '(Event.System.*, Event.EventData.*, the shape of SigmaHQ regression data) or XML. Damaged chunks ' +
        'and records are reported on stderr and skipped.',
    )
    .argument('<paths...>', 'EVTX files or folders')
    .option('-f, --format <format>', 'jsonl or xml', 'jsonl')
    .option('-q, --quiet', 'do not report damaged parts one by one')
    .addHelpText('after', '\nExit codes: 0 read, 2 bad usage, 3 a file could not be read or is not EVTX.')
    .action(async (paths: string[], opts: DumpOptions) => {
      process.exitCode = await dump(paths, opts);
    });
}
