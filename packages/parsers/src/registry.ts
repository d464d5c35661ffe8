// The parser registry: every format by id, auto-detection, and parse(line) → NormalizedEvent | ParseError.
import { ParseError } from './types.js';
import type { FormatParser, ParseInput, ParseOptions, ParseResult, ResolvedOptions } from './types.js';
import { stripSyslog } from './syslog.js';
import { modsecurityV3, modsecurityV2 } from './formats/modsecurity.js';
import { suricataEve } from './formats/suricata.js';
import { squid } from './formats/squid.js';
import { postfix } from './formats/postfix.js';
import { rspamdLog, rspamdCheckV2 } from './formats/rspamd.js';
import { clamd } from './formats/clamd.js';
import { netfilterLog, ulogd2Json } from './formats/netfilter.js';
import { unbound } from './formats/unbound.js';
import { yara } from './formats/yara.js';
import { fortigate } from './formats/fortigate.js';
import { panos } from './formats/panos.js';
import { cef } from './formats/cef.js';
import { leef } from './formats/leef.js';
import { winlogbeat } from './formats/winlogbeat.js';
import { linuxAuth } from './formats/linux-auth.js';
import { accessCombined } from './formats/access-log.js';

export const DEFAULT_MAX_LINE = 256 * 1024;

/** All parsers, in auto-detection order (most specific sniff first). */
export const parsers: readonly FormatParser[] = [
  modsecurityV3,
  modsecurityV2,
  suricataEve,
  ulogd2Json,
  winlogbeat,
  rspamdCheckV2,
  cef,
  leef,
  fortigate,
  panos,
  netfilterLog,
  squid,
  postfix,
  rspamdLog,
  clamd,
  unbound,
  linuxAuth,
  accessCombined,
  yara,
];

const byId = new Map(parsers.map((p) => [p.id, p]));
const jsonParsers = parsers.filter((p) => p.input === 'json');
const textParsers = parsers.filter((p) => p.input === 'text');

export function formatIds(): string[] {
  return parsers.map((p) => p.id);
}

export function getParser(id: string): FormatParser | undefined {
  return byId.get(id);
}

export function resolveOptions(o: ParseOptions = {}): ResolvedOptions {
  return {
    tzOffsetMinutes: o.tzOffsetMinutes ?? 0,
    nowMs: (o.now ?? new Date()).getTime(),
    maxLineLength: o.maxLineLength ?? DEFAULT_MAX_LINE,
  };
}

/** Envelope stripping and JSON decoding, done once per line whatever the number of sniffers. */
export function prepareInput(
  line: string,
  options: ResolvedOptions,
  format = 'auto',
): ParseInput | ParseError {
  if (line.length > options.maxLineLength)
    return new ParseError(format, `line too long (${line.length} > ${options.maxLineLength} characters)`);
  let raw = line;
  if (raw.endsWith('\r')) raw = raw.slice(0, -1);
  if (raw.trim().length === 0) return new ParseError(format, 'empty line');
  const { envelope, payload } = stripSyslog(raw, options.tzOffsetMinutes, options.nowMs);
  const input: ParseInput = { raw, payload, options };
  if (envelope) input.envelope = envelope;
  const first = payload.charCodeAt(0);
  if (first === 123 /* { */) {
    let v: unknown;
    try {
      v = JSON.parse(payload);
    } catch (e) {
      return new ParseError(format, `invalid JSON: ${(e as Error).message.slice(0, 120)}`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      return new ParseError(format, 'JSON is not an object');
    input.json = v as Record<string, unknown>;
  }
  return input;
}

/** Runs one parser, converting anything thrown (a bug) into a ParseError instead of a crash. */
export function runParser(p: FormatParser, input: ParseInput): ParseResult {
  if ((p.input === 'json') !== (input.json !== undefined))
    return new ParseError(p.id, p.input === 'json' ? 'not a JSON object' : 'unexpected JSON payload');
  try {
    return p.parse(input);
  } catch (e) {
    return new ParseError(p.id, `parser failure: ${(e as Error).message?.slice(0, 200)}`);
  }
}

/** First parser whose sniff accepts the prepared input, trying `preferred` first. */
export function detect(input: ParseInput, preferred?: FormatParser): FormatParser | undefined {
  const candidates = input.json !== undefined ? jsonParsers : textParsers;
  if (preferred && (preferred.input === 'json') === (input.json !== undefined) && safeSniff(preferred, input))
    return preferred;
  for (const p of candidates) if (p !== preferred && safeSniff(p, input)) return p;
  return undefined;
}

function safeSniff(p: FormatParser, input: ParseInput): boolean {
  try {
    return p.sniff(input);
  } catch {
    return false;
  }
}

/** Detects the format of a raw line, or undefined. */
export function detectFormat(line: string, options?: ParseOptions): string | undefined {
  const input = prepareInput(line, resolveOptions(options));
  if (input instanceof ParseError) return undefined;
  return detect(input)?.id;
}

/**
 * Parses one line. `format` is a parser id or "auto" (sniff). Never throws: malformed or unknown input gives
 * a ParseError with the reason.
 */
export function parseLine(
  line: string,
  format = 'auto',
  options?: ParseOptions | ResolvedOptions,
): ParseResult {
  const opts = options && 'nowMs' in options ? options : resolveOptions(options);
  const input = prepareInput(line, opts, format);
  if (input instanceof ParseError) return input;
  if (format === 'auto') {
    const p = detect(input);
    if (!p) return new ParseError('auto', 'unrecognized format');
    return runParser(p, input);
  }
  const p = byId.get(format);
  if (!p) return new ParseError(format, `unknown format "${format}"`);
  return runParser(p, input);
}
