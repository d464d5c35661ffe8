// A `mamori hunt` worker thread: compiles the rules once, then runs tasks (an EVTX chunk range or a JSON
// file) and streams hits and progress back. One engine per thread: the engine is single-threaded.
import { parentPort, workerData } from 'node:worker_threads';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { readEvtxStream, readEvtxSync, CHUNK_SIZE, type EvtxIssue } from '@mamori/evtx';
import { SigmaEngine, eventTime, readRuleSources, summarizeEvent, type SigmaMatch } from '@mamori/sigma';
import { eventHit, hitEvent, type HitEvent } from './hits.js';
import { ndjsonLineBatches, openText, JsonSplitter } from './json-stream.js';
import { csvLine, HitStats, JsonlLines } from './report.js';
import { loadCachedEngine, saveCachedEngine } from './rule-cache.js';
import { WorkerBucketShare } from './share.js';
import { levelRank, type Task, type WorkerConfig, type WorkerMessage } from './types.js';

const port = parentPort!;
const config = workerData as WorkerConfig;
const post = (m: WorkerMessage) => port.postMessage(m);
const minRank = levelRank(config.minLevel);

let engine: SigmaEngine;
let share: WorkerBucketShare | undefined;
try {
  // Correlations are kept in one place, the main thread, so they see every input: this engine only says
  // which events fired a rule a correlation refers to (engine.correlationInput), and those are forwarded.
  let cache: 'hit' | 'miss' | 'off' = 'off';
  const cached = config.ruleCache ? loadCachedEngine(config.ruleCache.file) : undefined;
  if (cached) {
    engine = cached;
    cache = 'hit';
  } else {
    engine = new SigmaEngine(config.sources ?? readRuleSources(config.rulePaths), { correlate: false });
    if (config.ruleCache) {
      cache = 'miss';
      if (config.ruleCache.write) saveCachedEngine(config.ruleCache.file, engine);
    }
  }
  if (config.share) engine.bucketShare = share = new WorkerBucketShare(config.share);
  const bad = engine.diagnostics.filter((d) => d.status === 'error');
  post({
    type: 'ready',
    rules: engine.ruleCount,
    unsupported: engine.diagnostics.filter((d) => d.status === 'unsupported').length,
    errors: bad.length,
    errorSamples: bad.slice(0, 5).map((d) => `${d.path}:${d.line}: ${d.reason ?? ''}`),
    cache,
  });
} catch (err) {
  post({ type: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}

// The EVTX reader renders only what the rules and the hit summary read (see @mamori/evtx plan.ts).
const fields = engine.windowsFieldFilter(['TimeCreated', 'Computer', 'EventRecordID', 'Provider_Name']);

// Aggregates for the report and summary are kept here and merged by the main thread at the end; hits
// travel as finished output lines with their time keys (the main thread sorts and writes them).
const stats = new HitStats();
const jsonl = new JsonlLines();
let lines: string[] = [];
const keys = new Float64Array(512);
let count = 0;
let corr: string[] = [];
let corrKeys: number[] = [];
// Backpressure: the main thread acknowledges each batch once written. Streamed tasks (JSON files, .evtx.gz,
// which may be any size) wait while too many batches are unacknowledged, so hits cannot pile up in memory.
let inflight = 0;
let wake: (() => void) | null = null;
const flush = () => {
  if (count || corr.length) {
    const k = keys.slice(0, count);
    port.postMessage({ type: 'hits', lines, keys: k, count, corr, corrKeys } satisfies WorkerMessage, [
      k.buffer,
    ]);
    inflight++;
  }
  lines = [];
  count = 0;
  corr = [];
  corrKeys = [];
};
async function drain(): Promise<void> {
  while (inflight > 4) await new Promise<void>((r) => (wake = r));
}

function collect(event: unknown, matches: readonly SigmaMatch[], file: string): void {
  let ev: HitEvent | undefined;
  for (const m of matches) {
    if (levelRank(m.rule.level) < minRank) continue;
    ev ??= hitEvent(summarizeEvent(event), file, config.utc);
    const hit = eventHit(m, ev);
    stats.add(hit, ev.statsMs);
    if (config.lines !== null) {
      lines.push(config.lines === 'csv' ? csvLine(hit) : jsonl.line(hit, m.rule, ev));
      keys[count] = ev.key;
    }
    count++;
    if (count >= 500) flush();
  }
}

/** Match one event; hits are collected, correlation inputs forwarded. */
function check(event: unknown, file: string): void {
  const m = engine.match(event);
  if (m.length) collect(event, m, file);
  if (engine.correlationInput) {
    corr.push(JSON.stringify({ e: event, f: file }));
    corrKeys.push(eventTime(event) ?? Infinity);
    if (corr.length >= 500) flush();
  }
}

const issueMessage = (i: EvtxIssue) =>
  `${i.chunk === null ? 'file header' : `chunk ${i.chunk}`}, offset ${i.offset}: ${i.message}`;

async function run(task: Task): Promise<void> {
  let events = 0;
  let reported = 0;
  let failed: string | undefined;
  if (task.kind === 'evtxgz') {
    try {
      const raw = createReadStream(task.path);
      const stream = raw.pipe(createGunzip());
      raw.on('error', (err) => stream.destroy(err));
      for await (const r of readEvtxStream(stream, {
        name: task.path,
        fields,
        onIssue: (i) => post({ type: 'issue', file: task.path, message: issueMessage(i) }),
      })) {
        check(r.event, task.path);
        if (inflight > 4) await drain();
        if (++events - reported >= 2000) {
          post({ type: 'progress', events: events - reported, bytes: 0 });
          reported = events;
        }
      }
    } catch (err) {
      failed = err instanceof Error ? err.message : String(err);
    }
    flush();
    post({ type: 'progress', events: events - reported, bytes: 0 });
    post({ type: 'done', id: task.id, events, bytes: task.bytes, failed });
    return;
  }
  if (task.kind === 'evtx') {
    let chunk = -1;
    try {
      for (const r of readEvtxSync(task.path, {
        firstChunk: task.firstChunk,
        endChunk: task.endChunk,
        fields,
        onIssue: (i) => post({ type: 'issue', file: task.path, message: issueMessage(i) }),
      })) {
        check(r.event, task.path);
        events++;
        if (r.chunk !== chunk) {
          chunk = r.chunk;
          if (events - reported >= 2000) {
            post({ type: 'progress', events: events - reported, bytes: 0 });
            reported = events;
          }
        }
      }
    } catch (err) {
      failed = err instanceof Error ? err.message : String(err);
    }
    flush();
    post({ type: 'progress', events: events - reported, bytes: 0 });
    post({
      type: 'done',
      id: task.id,
      events,
      bytes: (task.endChunk - task.firstChunk) * CHUNK_SIZE,
      failed,
    });
    return;
  }
  if (task.kind === 'ndjson') {
    let malformed = 0;
    try {
      for await (const lines of ndjsonLineBatches(task.path, task.start, task.end)) {
        for (const line of lines) {
          if (line.trim() === '') continue;
          let ev: unknown;
          try {
            ev = JSON.parse(line);
          } catch {
            malformed++;
            continue;
          }
          check(ev, task.path);
          events++;
          if (inflight > 4) await drain();
        }
        if (events - reported >= 2000) {
          post({ type: 'progress', events: events - reported, bytes: 0 });
          reported = events;
        }
      }
    } catch (err) {
      failed = err instanceof Error ? err.message : String(err);
    }
    if (malformed > 0)
      post({ type: 'issue', file: task.path, message: `${malformed} malformed JSON entries skipped` });
    flush();
    post({ type: 'progress', events: events - reported, bytes: 0 });
    post({ type: 'done', id: task.id, events, bytes: task.bytes, failed });
    return;
  }
  const splitter = new JsonSplitter();
  let bytesSent = 0;
  try {
    const { stream, bytesRead } = await openText(task.path);
    const onEvent = (text: string) => {
      let ev: unknown;
      try {
        ev = JSON.parse(text);
      } catch {
        splitter.malformed++;
        return;
      }
      check(ev, task.path);
      events++;
    };
    for await (const piece of stream) {
      splitter.feed(piece as string, onEvent);
      await drain();
      const b = bytesRead();
      if (b - bytesSent >= 1 << 20) {
        post({ type: 'progress', events: events - reported, bytes: b - bytesSent });
        reported = events;
        bytesSent = b;
      }
    }
    splitter.end();
  } catch (err) {
    failed = err instanceof Error ? err.message : String(err);
  }
  if (splitter.malformed > 0) {
    post({ type: 'issue', file: task.path, message: `${splitter.malformed} malformed JSON entries skipped` });
  }
  flush();
  post({ type: 'progress', events: events - reported, bytes: 0 });
  post({ type: 'done', id: task.id, events, bytes: task.bytes - bytesSent, failed });
}

// Tasks arrive one at a time; the next is sent when this one is done, which bounds queued work.
port.on('message', (m: Task | { type: 'ack' } | { type: 'finish' }) => {
  if ('type' in m && m.type === 'finish') {
    post({
      type: 'stats',
      stats,
      buckets: { built: share?.builtHere ?? 0, taken: share?.taken ?? 0, waitedMs: share?.waitedMs ?? 0 },
    });
    return;
  }
  if ('type' in m) {
    inflight--;
    const w = wake;
    wake = null;
    w?.();
  } else void run(m);
});
