// @mamori/parsers: edge log formats → NormalizedEvent (see docs/events.md for the mapping per source).
export { ParseError, isParseError } from './types.js';
export type {
  Envelope,
  FormatParser,
  ParseInput,
  ParseOptions,
  ParseResult,
  ResolvedOptions,
} from './types.js';
export {
  parsers,
  formatIds,
  getParser,
  parseLine,
  detectFormat,
  resolveOptions,
  prepareInput,
  DEFAULT_MAX_LINE,
} from './registry.js';
export {
  LineParser,
  parseLinesSync,
  parseStream,
  newStats,
  type StreamItem,
  type StreamStats,
  type StreamOptions,
} from './stream.js';
export { stripSyslog, type Stripped } from './syslog.js';
export { attackTypeOf } from './formats/modsecurity.js';
export { windowsFields, type WindowsRecord } from './formats/winlogbeat.js';
export { crs as crsAttackTypes } from './data.js';
export { normalizeEvtxEvent, parseEvtxFile, type EvtxItem } from './formats/evtx.js';
