// Parser contracts. A parser never throws on input: it returns a NormalizedEvent or a ParseError.
import type { NormalizedEvent } from '@mamori/core';

/** Why a line could not be turned into an event. Plain object (no stack capture: it is on a hot path). */
export class ParseError {
  readonly kind = 'parse-error' as const;
  constructor(
    /** Format id of the parser that refused it, or "auto" when no parser recognised the line. */
    readonly format: string,
    readonly reason: string,
  ) {}
}

export function isParseError(value: unknown): value is ParseError {
  return value instanceof ParseError;
}

export type ParseResult = NormalizedEvent | ParseError;

/** Host and time from a syslog envelope (RFC 3164 or 5424) that carried the payload. */
export interface Envelope {
  kind: 'rfc3164' | 'rfc5424';
  /** ISO 8601 (UTC) when the header had a usable timestamp. */
  time?: string;
  host?: string;
  app?: string;
  pid?: string;
  msgId?: string;
  facility?: number;
  /** Syslog severity 0 (emergency) … 7 (debug). */
  syslogSeverity?: number;
  /** RFC 5424 structured data, unparsed. */
  structuredData?: string;
}

export interface ParseOptions {
  /**
   * Offset from UTC in minutes for timestamps that carry no zone (RFC 3164, ModSecurity v3, PAN-OS, …).
   * Default 0 (UTC); a Japanese appliance logging local time needs 540.
   */
  tzOffsetMinutes?: number;
  /** Reference time for inferring the year of RFC 3164 timestamps. Default: now. */
  now?: Date;
  /** Longer lines are refused with a ParseError (bounded work per line). Default 256 KiB. */
  maxLineLength?: number;
}

export interface ResolvedOptions {
  tzOffsetMinutes: number;
  nowMs: number;
  maxLineLength: number;
}

/** What a format parser sees: the raw line, the payload after any syslog envelope, and decoded JSON. */
export interface ParseInput {
  raw: string;
  payload: string;
  envelope?: Envelope;
  /** Set when the payload is a JSON object. */
  json?: Record<string, unknown>;
  options: ResolvedOptions;
}

export interface FormatParser {
  /** Stable id, e.g. "suricata-eve". */
  id: string;
  description: string;
  /** Default sourceKind of its events (firewall, ips, waf, proxy, mail, dns, sandbox, endpoint, web). */
  sourceKind: string;
  /** "json" parsers are offered only JSON payloads, "text" parsers only the rest. */
  input: 'json' | 'text';
  /** Cheap recognition test used for auto-detection; must not be fooled by the other formats. */
  sniff(input: ParseInput): boolean;
  parse(input: ParseInput): ParseResult;
  /**
   * Multi-line records (YARA `-s` string lines): true when `line` continues the previous event, which it may
   * update in place. Only consulted by the line-stream API.
   */
  continues?(previous: NormalizedEvent, line: string): boolean;
}
