// `mamori hunt <files|dirs>`: sweep EVTX, JSON and NDJSON/JSONL logs (gzip too) with Sigma rules — the
// bundled SigmaHQ corpus by default — on every core, and write the hits as CSV, JSONL or an HTML report.
// Work is split into tasks (an EVTX chunk range or one JSON file) handed to worker threads one at a time,
// so memory stays bounded whatever the input size.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { Option, type Command } from 'commander';
import { chunkSlots, FILE_HEADER_SIZE } from '@mamori/evtx';
import { bundledRulesDirs, readRuleSources, SigmaEngine, type Level, type RuleSource } from '@mamori/sigma';
import { hitKey, makeHit, summarizeEvent } from '../hunt/hits.js';
import { exitCodes } from '../exit-codes.js';
import { defaultLang, levelLabel, t, type Lang } from '../hunt/i18n.js';
import { csvHeader, csvLine, HitStats, htmlReport, jsonlLine } from '../hunt/report.js';
import { looksLikeNdjson } from '../hunt/json-stream.js';
import { SortedLines } from '../hunt/sorted.js';
import { shareConfigs } from '../hunt/share.js';
import { ruleCacheDir, ruleCacheFile } from '../hunt/rule-cache.js';
import { levelRank, levels, type Task, type WorkerConfig, type WorkerMessage } from '../hunt/types.js';

/** EVTX chunks per task: 2 MiB, small enough to balance cores, large enough to amortise messages. */
const CHUNKS_PER_TASK = 32;
/** NDJSON files larger than this are split into ranges of this size, so every core gets a share. */
export const NDJSON_RANGE = 16 << 20;
const INPUT_NAME = /\.(evtx|json|jsonl|ndjson|log)(\.gz)?$/i;

export interface HuntOptions {
  rules: string[];
  minLevel: string;
  format: string;
  output?: string;
  html?: string;
  json?: boolean;
  utc?: boolean;
  lang?: string;
  workers?: string;
  progress: boolean;
  quiet?: boolean;
  timing?: boolean;
  ndjsonRange?: string;
  /** false with --no-rule-cache. */
  ruleCache?: boolean;
}

interface Input {
  path: string;
  kind: 'evtx' | 'json' | 'evtxgz';
  size: number;
}

function sniff(path: string): 'evtx' | 'json' {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(8);
    const n = readSync(fd, b, 0, 8, 0);
    return n === 8 && b.toString('latin1') === 'ElfFile\0' ? 'evtx' : 'json';
  } finally {
    closeSync(fd);
  }
}

export function findInputs(paths: readonly string[]): { inputs: Input[]; errors: string[] } {
  const inputs: Input[] = [];
  const errors: string[] = [];
  const walk = (p: string, top: boolean, depth: number): void => {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      errors.push(`${p}: ${(err as Error).message}`);
      return;
    }
    if (st.isDirectory()) {
      if (depth > 32) return;
      for (const n of readdirSync(p).sort()) if (!n.startsWith('.')) walk(join(p, n), false, depth + 1);
    } else if (st.isFile() && (top || INPUT_NAME.test(p))) {
      try {
        // A gzip-compressed EVTX file is read as a stream, in one task.
        const kind = /\.evtx\.gz$/i.test(p) ? 'evtxgz' : sniff(p);
        inputs.push({ path: p, kind, size: st.size });
      } catch (err) {
        errors.push(`${p}: ${(err as Error).message}`);
      }
    }
  };
  for (const p of paths) walk(p, true, 0);
  return { inputs, errors };
}

export function makeTasks(inputs: readonly Input[], ndjsonRange = NDJSON_RANGE): Task[] {
  const tasks: Task[] = [];
  for (const i of inputs) {
    if (i.kind === 'json' && i.size > ndjsonRange && looksLikeNdjson(i.path)) {
      for (let start = 0; start < i.size; start += ndjsonRange) {
        const end = Math.min(i.size, start + ndjsonRange);
        tasks.push({ id: tasks.length, kind: 'ndjson', path: i.path, start, end, bytes: end - start });
      }
      continue;
    }
    if (i.kind !== 'evtx') {
      tasks.push({ id: tasks.length, kind: i.kind, path: i.path, bytes: i.size });
      continue;
    }
    const slots = Math.max(1, chunkSlots(i.size));
    for (let c = 0; c < slots; c += CHUNKS_PER_TASK) {
      const end = Math.min(slots, c + CHUNKS_PER_TASK);
      const bytes = c === 0 && end === slots ? i.size : (end - c) * 65536 + (c === 0 ? FILE_HEADER_SIZE : 0);
      tasks.push({ id: tasks.length, kind: 'evtx', path: i.path, firstChunk: c, endChunk: end, bytes });
    }
  }
  return tasks;
}

let v8Tuned = false;

function spawnWorker(config: WorkerConfig): Worker {
  const transferList = config.share ? [...config.share.ports] : [];
  if (!v8Tuned) {
    // V8's allocation-site pretenuring sometimes decides, while rules compile or a bucket's automata are
    // built (when most new objects do survive), that the renderer's and engine's per-event objects should
    // be allocated in the old generation. From then on every event's garbage is promoted and the old
    // generation is marked again and again: the same sweep ran at ~14,000 or ~23,000 events/CPU-s from
    // run to run. Per-event objects die young, so pretenuring only hurts here. The flag is process-wide
    // and read at allocation time, so it also covers the workers' isolates.
    setFlagsFromString('--no-allocation-site-pretenuring');
    v8Tuned = true;
  }
  const self = import.meta.url;
  if (self.endsWith('.ts')) {
    // Development (tsx): Node 20 does not apply tsx's hooks inside workers, so the worker registers them first.
    const entry = new URL('../hunt/worker.ts', self).href;
    const api = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    return new Worker(boot, { eval: true, workerData: config, transferList });
  }
  return new Worker(new URL('../hunt/worker.js', self), { workerData: config, transferList });
}

/** Line output to a file or stdout, buffered in 64 KiB pieces. */
class LineSink {
  private buf = '';
  private readonly fd: number | null;
  /** The reader of stdout went away (e.g. `| head`). */
  closed = false;
  constructor(path: string | undefined) {
    this.fd = path && path !== '-' ? openSync(path, 'w') : null;
    if (this.fd === null) {
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') this.closed = true;
      });
    }
  }
  line(s: string): void {
    this.buf += s + '\n';
    if (this.buf.length >= 1 << 16) this.flush();
  }
  flush(): void {
    if (this.buf === '' || this.closed) return;
    if (this.fd === null) process.stdout.write(this.buf);
    else writeSync(this.fd, this.buf);
    this.buf = '';
  }
  /** Flush and close; on stdout, resolves once everything written has left the process (it may exit next). */
  async close(): Promise<void> {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    else if (!this.closed) await new Promise<void>((r) => process.stdout.write('', () => r()));
  }
}

class Progress {
  private last = 0;
  private shown = false;
  constructor(
    private readonly enabled: boolean,
    private readonly total: number,
    private readonly lang: Lang,
  ) {}
  update(bytes: number, events: number, hits: number, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 200) return;
    this.last = now;
    const frac = this.total > 0 ? Math.min(1, bytes / this.total) : 0;
    const width = 30;
    const filled = Math.round(frac * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    process.stderr.write(
      `\r\x1b[K${bar} ${(frac * 100).toFixed(0).padStart(3)}%  ${events.toLocaleString('en-US')} ${t(this.lang).progress}  ${hits.toLocaleString('en-US')} hits`,
    );
    this.shown = true;
  }
  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

/**
 * Peak resident memory of this process (all threads). On Linux from VmHWM: getrusage's maxrss keeps the
 * peak of the process that forked us across execve, so a benchmark holding its inputs in memory would
 * be counted as ours.
 */
function peakRssMiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Math.round(Number(m[1]) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function cpuSince(start: NodeJS.CpuUsage | undefined): number {
  const c = process.cpuUsage(start);
  return (c.user + c.system) / 1e6;
}

export async function hunt(paths: string[], opts: HuntOptions): Promise<number> {
  const lang: Lang = opts.lang === 'ja' || opts.lang === 'en' ? opts.lang : defaultLang();
  const T = t(lang);
  const format = opts.json ? 'jsonl' : opts.format;
  const say = (s: string) => {
    if (!opts.quiet) process.stderr.write(s + '\n');
  };
  if (!['csv', 'jsonl', 'html'].includes(format)) {
    process.stderr.write(`mamori hunt: --format must be csv, jsonl or html, not ${format}\n`);
    return exitCodes.usage;
  }
  if (!levels.includes(opts.minLevel as Level)) {
    process.stderr.write(`mamori hunt: --min-level must be one of ${levels.join(', ')}\n`);
    return exitCodes.usage;
  }
  const workersWanted = opts.workers === undefined ? availableParallelism() : Number(opts.workers);
  if (!Number.isInteger(workersWanted) || workersWanted < 1 || workersWanted > 256) {
    process.stderr.write('mamori hunt: --workers must be a whole number from 1 to 256\n');
    return exitCodes.usage;
  }
  const rulePaths = opts.rules.length ? opts.rules : bundledRulesDirs();
  for (const r of rulePaths) {
    try {
      statSync(r);
    } catch {
      process.stderr.write(`mamori hunt: rules not found: ${r}\n`);
      return exitCodes.input;
    }
  }
  const { inputs, errors } = findInputs(paths);
  for (const e of errors) process.stderr.write(`mamori hunt: ${e}\n`);
  if (inputs.length === 0) {
    process.stderr.write(`mamori hunt: ${T.noInput}\n`);
    return exitCodes.input;
  }
  const range = opts.ndjsonRange === undefined ? NDJSON_RANGE : Number(opts.ndjsonRange);
  if (!Number.isInteger(range) || range < 1) {
    process.stderr.write('mamori hunt: --ndjson-range must be a positive number of bytes\n');
    return exitCodes.usage;
  }
  // Rule files are read once here: their texts key the compiled-rule cache and go to the workers.
  let sources: RuleSource[];
  try {
    sources = readRuleSources(rulePaths);
  } catch (err) {
    process.stderr.write(`mamori hunt: rules: ${(err as Error).message}\n`);
    return exitCodes.input;
  }
  const cacheDir = opts.ruleCache === false ? null : ruleCacheDir();
  const cacheFile = cacheDir === null ? undefined : ruleCacheFile(cacheDir, sources);
  const tasks = makeTasks(inputs, range);
  const totalBytes = tasks.reduce((s, x) => s + x.bytes, 0);
  const started = Date.now();

  const sink = format === 'html' ? null : new LineSink(opts.output);
  if (format === 'csv') sink!.line(csvHeader);
  // Hits are written in event-time order once the sweep is done (spilled to sorted runs when many).
  const sorted = new SortedLines();
  // Events that fired a rule a correlation refers to, from every worker, in time order at the end.
  const corrInputs = new SortedLines();
  let corrCount = 0;
  const stats = new HitStats();
  let hitCount = 0;
  const issues: string[] = [];
  const failed: string[] = [];
  let events = 0;
  let bytes = 0;
  let rules = 0;
  const progress = new Progress(opts.progress && process.stderr.isTTY === true, totalBytes, lang);
  const config: WorkerConfig = {
    rulePaths,
    sources,
    minLevel: opts.minLevel as Level,
    utc: opts.utc === true,
    lines: sink === null ? null : format === 'csv' ? 'csv' : 'jsonl',
  };

  let cpuAtReady: NodeJS.CpuUsage | undefined;
  let allReady: number | undefined;
  const queue = [...tasks];
  const nWorkers = Math.min(workersWanted, tasks.length);
  const shares = nWorkers > 1 ? shareConfigs(nWorkers) : [];
  const buckets = { built: 0, taken: 0, waitedMs: 0 };
  const cacheStates = new Set<string>();
  const swept = new Promise<void>((resolve, reject) => {
    let live = nWorkers;
    let readyReported = false;
    let readyCount = 0;
    const all: Worker[] = [];
    for (let w = 0; w < nWorkers; w++) {
      // One worker writes the cache after compiling (the others compile too on a miss: waiting for it
      // would leave their cores idle).
      const wc: WorkerConfig = { ...config };
      if (shares[w]) wc.share = shares[w];
      if (cacheFile !== undefined) wc.ruleCache = { file: cacheFile, write: w === 0 };
      const worker = spawnWorker(wc);
      all.push(worker);
      const next = () => {
        const task = queue.shift();
        if (task) worker.postMessage(task);
        // No more work: the worker sends its report aggregates, then it is ended.
        else worker.postMessage({ type: 'finish' });
      };
      worker.on('message', (m: WorkerMessage) => {
        switch (m.type) {
          case 'ready':
            rules = m.rules;
            cacheStates.add(m.cache);
            if (++readyCount === nWorkers) {
              // The sweep is timed from here: before, other workers are still compiling rules.
              allReady = Date.now();
              cpuAtReady = process.cpuUsage();
            }
            if (!readyReported) {
              readyReported = true;
              progress.clear();
              say(T.compiled(m.rules, m.unsupported, m.errors));
              for (const e of m.errorSamples) say(`  ${e}`);
            }
            next();
            break;
          case 'hits':
            hitCount += m.count;
            for (let i = 0; i < m.lines.length; i++) sorted.add(m.keys[i]!, m.lines[i]!);
            for (let i = 0; i < m.corr.length; i++) corrInputs.add(m.corrKeys[i]!, m.corr[i]!);
            corrCount += m.corr.length;
            worker.postMessage({ type: 'ack' });
            break;
          case 'stats':
            stats.merge(m.stats);
            buckets.built += m.buckets.built;
            buckets.taken += m.buckets.taken;
            buckets.waitedMs += m.buckets.waitedMs;
            void worker.terminate();
            if (--live === 0) resolve();
            break;
          case 'progress':
            events += m.events;
            bytes += m.bytes;
            progress.update(bytes, events, hitCount);
            break;
          case 'issue':
            if (issues.length < 10000) issues.push(`${m.file}: ${m.message}`);
            progress.clear();
            say(`mamori hunt: ${m.file}: ${m.message}`);
            break;
          case 'done':
            bytes += m.bytes;
            if (m.failed) {
              failed.push(m.id.toString());
              const task = tasks[m.id]!;
              issues.push(`${task.path}: ${m.failed}`);
              progress.clear();
              process.stderr.write(`mamori hunt: ${task.path}: ${m.failed}\n`);
            }
            progress.update(bytes, events, hitCount);
            next();
            break;
          case 'fatal':
            reject(new Error(m.message));
            break;
        }
      });
      worker.on('error', reject);
    }
  });
  try {
    await swept;
    if (corrCount > 0) {
      // Correlation rules over all inputs at once: one engine fed the forwarded events in time order.
      const corrEngine = new SigmaEngine(sources, { explain: false });
      const minRank = levelRank(opts.minLevel);
      corrInputs.finish((text, key) => {
        const { e, f } = JSON.parse(text) as { e: unknown; f: string };
        for (const m of corrEngine.match(e, Number.isFinite(key) ? { time: key } : undefined)) {
          if (m.kind !== 'correlation' || levelRank(m.rule.level) < minRank) continue;
          const summary = summarizeEvent(e);
          const hit = makeHit(m, summary, f, opts.utc === true);
          stats.add(hit);
          hitCount++;
          if (sink) sorted.add(hitKey(summary), format === 'csv' ? csvLine(hit) : jsonlLine(hit));
        }
        return true;
      });
    } else corrInputs.discard();
  } catch (err) {
    sorted.discard();
    corrInputs.discard();
    throw err;
  }
  progress.clear();
  if (sink) {
    sorted.finish((line) => {
      sink.line(line);
      return !sink.closed;
    });
    await sink.close();
  } else sorted.discard();
  const html = format === 'html' ? (opts.output ?? '-') : opts.html;
  if (html !== undefined) {
    const page = htmlReport(stats, {
      lang,
      utc: opts.utc === true,
      files: inputs.length,
      events,
      rules,
      issues,
      generated: new Date(),
    });
    if (html === '-') process.stdout.write(page);
    else {
      const fd = openSync(html, 'w');
      writeSync(fd, page);
      closeSync(fd);
    }
  }
  const secs = (Date.now() - started) / 1000;
  say(T.done(inputs.length, events, stats.total, secs));
  const byLevel = [...levels]
    .reverse()
    .filter((l) => stats.byLevel.get(l))
    .map((l) => `${levelLabel(lang, l)} ${stats.byLevel.get(l)}`);
  if (byLevel.length) say(`  ${byLevel.join(' / ')}`);
  if (opts.timing) {
    // Machine-readable figures for benchmarks: rule compilation and sweep separated.
    const end = Date.now();
    const sweepMs = end - (allReady ?? end);
    process.stderr.write(
      JSON.stringify({
        files: inputs.length,
        events,
        hits: stats.total,
        workers: nWorkers,
        rules,
        compileMs: (allReady ?? end) - started,
        sweepMs,
        eventsPerSecond: sweepMs > 0 ? Math.round((events / sweepMs) * 1000) : null,
        maxRssMiB: peakRssMiB(),
        // CPU time of all threads since the first worker was ready: the sweep, robust to other load.
        sweepCpuSeconds: cpuSince(cpuAtReady),
        // CPU time of the whole command (start-up, rule compilation in every worker, sweep, output).
        totalCpuSeconds: cpuSince(undefined),
        ruleCache: [...cacheStates].sort().join('+'),
        buckets,
      }) + '\n',
    );
  }
  if (stats.total > 0) return exitCodes.found;
  return errors.length || failed.length ? exitCodes.input : exitCodes.ok;
}

export function register(program: Command): void {
  program
    .command('hunt')
    .description(
      'Sweep Windows event logs (.evtx) and JSON / NDJSON / JSONL logs (gzip too) with Sigma rules — the ' +
        'bundled SigmaHQ rules unless --rules is given — using every core. Hits go to stdout or --output as ' +
        'CSV, JSONL or a self-contained HTML report. Each hit names its rule author (Detection Rule License).',
    )
    .argument(
      '<paths...>',
      'log files or folders (folders: *.evtx, *.json, *.jsonl, *.ndjson, *.log, and .gz)',
    )
    .option(
      '-r, --rules <path>',
      'Sigma rule file or folder; repeatable (default: bundled SigmaHQ rules)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .addOption(
      new Option('-l, --min-level <level>', 'lowest rule level reported')
        .choices([...levels])
        .default('informational'),
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['csv', 'jsonl', 'html']).default('csv'),
    )
    .option('-o, --output <file>', 'write hits to this file instead of stdout')
    .option('--html <file>', 'also write the HTML report to this file')
    .option('--json', 'same as --format jsonl')
    .option('--utc', 'timestamps in UTC (default: local time with offset)')
    .addOption(
      new Option('--lang <lang>', 'language of messages and report (default from LANG)').choices([
        'ja',
        'en',
      ]),
    )
    .option('-w, --workers <n>', 'worker threads (default: number of cores)')
    .option(
      '--no-rule-cache',
      'compile the rules even when a saved compilation exists, and save none ($MAMORI_CACHE_DIR, default ~/.cache/mamori)',
    )
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
    .option('-q, --quiet', 'no summary on stderr')
    .addOption(new Option('--timing', 'print timing figures as JSON on stderr (benchmarks)').hideHelp())
    .addOption(
      new Option('--ndjson-range <bytes>', 'split NDJSON files into ranges of this size (tests)').hideHelp(),
    )
    .addHelpText(
      'after',
      '\nJSONL keys: timestamp, computer, channel, event_id, rule_title, rule_id, level, author, tags, details, file, record_id.' +
        '\nExit codes: 0 no hits, 1 hits found, 2 bad usage, 3 input missing or unreadable.',
    )
    .action(async (paths: string[], opts: HuntOptions) => {
      process.exitCode = await hunt(paths, opts);
    });
}
