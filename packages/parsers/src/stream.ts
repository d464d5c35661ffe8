// Line-stream API: splits a byte or text stream into lines with a bounded buffer, parses each line, counts
// ok/malformed per format, and yields malformed lines with their reasons (the SOC's quarantine).
import type { NormalizedEvent } from '@mamori/core';
import { ParseError } from './types.js';
import type { FormatParser, ParseOptions, ResolvedOptions } from './types.js';
import { detect, getParser, prepareInput, resolveOptions, runParser } from './registry.js';

export type StreamItem =
  | { ok: true; lineNo: number; event: NormalizedEvent }
  | { ok: false; lineNo: number; line: string; error: ParseError };

export interface StreamStats {
  lines: number;
  ok: number;
  malformed: number;
  /** Lines absorbed into the previous event (YARA `-s` string lines). */
  continued: number;
  byFormat: Record<string, { ok: number; malformed: number }>;
}

export interface StreamOptions extends ParseOptions {
  /** Parser id or "auto" (default). */
  format?: string;
  /** Malformed lines are kept up to this many characters in the yielded item (default 8 KiB). */
  keepMalformedChars?: number;
}

export function newStats(): StreamStats {
  return { lines: 0, ok: 0, malformed: 0, continued: 0, byFormat: {} };
}

/** Stateful line parser: feed lines one by one; used by both stream functions. */
export class LineParser {
  readonly stats: StreamStats = newStats();
  private readonly opts: ResolvedOptions;
  private readonly fixed?: FormatParser;
  private readonly format: string;
  private last?: FormatParser;
  private pending?: { lineNo: number; event: NormalizedEvent; parser: FormatParser };
  private readonly keep: number;

  constructor(options: StreamOptions = {}) {
    this.opts = resolveOptions(options);
    this.format = options.format ?? 'auto';
    this.keep = options.keepMalformedChars ?? 8192;
    if (this.format !== 'auto') this.fixed = getParser(this.format);
  }

  private count(format: string, ok: boolean): void {
    const f = (this.stats.byFormat[format] ??= { ok: 0, malformed: 0 });
    if (ok) {
      f.ok++;
      this.stats.ok++;
    } else {
      f.malformed++;
      this.stats.malformed++;
    }
  }

  private bad(lineNo: number, line: string, error: ParseError): StreamItem {
    this.count(error.format, false);
    return { ok: false, lineNo, line: line.length > this.keep ? line.slice(0, this.keep) : line, error };
  }

  /** Parses one line; returns 0, 1 or 2 items (a held multi-line event is released when a new one starts). */
  push(line: string, lineNo: number): StreamItem[] {
    this.stats.lines++;
    const out: StreamItem[] = [];
    if (this.pending?.parser.continues && line.length <= this.opts.maxLineLength) {
      if (this.pending.parser.continues(this.pending.event, line)) {
        this.stats.continued++;
        return out;
      }
    }
    const flushed = this.flush();
    if (flushed) out.push(flushed);
    if (this.format !== 'auto' && !this.fixed) {
      out.push(this.bad(lineNo, line, new ParseError(this.format, `unknown format "${this.format}"`)));
      return out;
    }
    const input = prepareInput(line, this.opts, this.format);
    if (input instanceof ParseError) {
      out.push(this.bad(lineNo, line, input));
      return out;
    }
    const parser = this.fixed ?? detect(input, this.last);
    if (!parser) {
      out.push(this.bad(lineNo, line, new ParseError('auto', 'unrecognized format')));
      return out;
    }
    this.last = parser;
    const r = runParser(parser, input);
    if (r instanceof ParseError) {
      out.push(this.bad(lineNo, line, r));
      return out;
    }
    this.count(parser.id, true);
    if (parser.continues) this.pending = { lineNo, event: r, parser };
    else out.push({ ok: true, lineNo, event: r });
    return out;
  }

  /** Releases an event held for continuation lines (call at end of input). */
  flush(): StreamItem | undefined {
    const p = this.pending;
    if (!p) return undefined;
    this.pending = undefined;
    return { ok: true, lineNo: p.lineNo, event: p.event };
  }
}

/** Parses an in-memory sequence of lines (or one text blob). */
export function* parseLinesSync(
  source: string | Iterable<string>,
  options: StreamOptions = {},
  parser = new LineParser(options),
): Generator<StreamItem, StreamStats> {
  const lines = typeof source === 'string' ? source.split('\n') : source;
  let n = 0;
  for (const line of lines) {
    n++;
    if (typeof source === 'string' && line.length === 0) continue;
    yield* parser.push(line, n);
  }
  const last = parser.flush();
  if (last) yield last;
  return parser.stats;
}

/**
 * Parses a stream of chunks (Buffers from a file or socket, or strings). The line buffer never grows past
 * maxLineLength: an overlong line is reported malformed and skipped to its end.
 */
export async function* parseStream(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: StreamOptions = {},
  parser = new LineParser(options),
): AsyncGenerator<StreamItem, StreamStats> {
  const max = options.maxLineLength ?? resolveOptions(options).maxLineLength;
  const decoder = new TextDecoder('utf-8');
  let buf = '';
  let skipping = false;
  let skipped = 0;
  let lineNo = 0;
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) {
        const rest = text.slice(start);
        if (skipping) skipped += rest.length;
        else if (buf.length + rest.length > max) {
          skipping = true;
          skipped = buf.length + rest.length;
          buf = buf.slice(0, 256) + (buf.length < 256 ? rest.slice(0, 256 - buf.length) : '');
        } else buf += rest;
        break;
      }
      const piece = text.slice(start, nl);
      start = nl + 1;
      lineNo++;
      if (skipping) {
        skipped += piece.length;
        yield* overlong(parser, lineNo, buf, skipped, max);
        skipping = false;
        buf = '';
        continue;
      }
      const line = buf.length > 0 ? buf + piece : piece;
      buf = '';
      if (line.length === 0 || line === '\r') continue;
      if (line.length > max) {
        yield* overlong(parser, lineNo, line.slice(0, 256), line.length, max);
        continue;
      }
      yield* parser.push(line, lineNo);
    }
  }
  const tail = decoder.decode();
  if (tail.length > 0 && !skipping) buf += tail;
  if (skipping) yield* overlong(parser, lineNo + 1, buf, skipped, max);
  else if (buf.length > 0 && buf !== '\r') yield* parser.push(buf, lineNo + 1);
  const last = parser.flush();
  if (last) yield last;
  return parser.stats;
}

function overlong(
  parser: LineParser,
  lineNo: number,
  head: string,
  length: number,
  max: number,
): StreamItem[] {
  // A held multi-line event goes out first so the order of items follows the input.
  const held = parser.flush();
  parser.stats.lines++;
  parser.stats.malformed++;
  const f = (parser.stats.byFormat['auto'] ??= { ok: 0, malformed: 0 });
  f.malformed++;
  return [
    ...(held ? [held] : []),
    {
      ok: false,
      lineNo,
      line: head,
      error: new ParseError('auto', `line too long (${length} > ${max} characters); first 256 kept`),
    },
  ];
}
