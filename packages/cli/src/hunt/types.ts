// Messages between `mamori hunt` and its worker threads, and the hit record written to CSV/JSONL/HTML.
import type { Level, RuleSource } from '@mamori/sigma';
import type { ShareConfig } from './share.js';

/** One rule match on one event. JSONL keys are exactly these, in this order. */
export interface Hit {
  timestamp: string;
  computer: string;
  channel: string;
  event_id: number | null;
  rule_title: string;
  rule_id: string;
  level: Level;
  author: string;
  tags: string[];
  details: Record<string, string>;
  file: string;
  record_id: number | null;
}

export type Task =
  | { id: number; kind: 'evtx'; path: string; firstChunk: number; endChunk: number; bytes: number }
  | { id: number; kind: 'json' | 'evtxgz'; path: string; bytes: number }
  /** Lines of an NDJSON file that begin in bytes [start, end). */
  | { id: number; kind: 'ndjson'; path: string; start: number; end: number; bytes: number };

export interface WorkerConfig {
  rulePaths: string[];
  minLevel: Level;
  utc: boolean;
  /** Output line format the worker renders hits to; null: no lines (HTML report only). */
  lines: 'csv' | 'jsonl' | null;
  /** Rule files read once by the main thread (the worker reads rulePaths when absent). */
  sources?: RuleSource[];
  /** Compiled-rule cache file (rule-cache.ts): read it, or compile and write it when `write`. */
  ruleCache?: { file: string; write: boolean };
  /** Channel buckets built once for all workers (see share.ts); absent with one worker. */
  share?: ShareConfig;
}

/** HitStats' fields, as posted by a worker at the end (structured clone keeps the Maps). */
export interface HitStatsData {
  total: number;
  byLevel: Map<Level, number>;
  byRule: Map<string, { title: string; level: Level; author: string; count: number }>;
  byComputer: Map<string, number>;
  byHour: Map<number, number>;
  first: number;
  last: number;
  top: Hit[];
  dropped: number;
}

export type WorkerMessage =
  | {
      type: 'ready';
      rules: number;
      unsupported: number;
      errors: number;
      errorSamples: string[];
      /** Rules restored from the cache, compiled, or compiled without a cache. */
      cache: 'hit' | 'miss' | 'off';
    }
  /**
   * Hits as finished output lines (CSV or JSONL) with their sort keys (event time in ms; Infinity when the
   * event has none): plain strings and one transferred Float64Array are cheap to pass between threads.
   */
  | {
      type: 'hits';
      lines: string[];
      keys: Float64Array;
      count: number;
      /** Events that fired a rule some correlation refers to ({e: event, f: file} JSON) and their times. */
      corr: string[];
      corrKeys: number[];
    }
  | {
      type: 'stats';
      stats: HitStatsData;
      /** Channel buckets this worker built, took from another worker, and ms it waited for them. */
      buckets: { built: number; taken: number; waitedMs: number };
    }
  | { type: 'progress'; events: number; bytes: number }
  | { type: 'issue'; file: string; message: string }
  | { type: 'done'; id: number; events: number; bytes: number; failed?: string }
  | { type: 'fatal'; message: string };

export const levels: readonly Level[] = ['informational', 'low', 'medium', 'high', 'critical'];
export const levelRank = (l: string): number => levels.indexOf(l as Level);
