// SOC ingest: everything that receives logs and hands them to the queue (syslog UDP/TCP/TLS, HTTP bulk, files).
export { SyslogStreamDecoder, OVERSIZE_PREFIX_BYTES, type Framing, type DecoderSink } from './framing.js';
export {
  TokenBucket,
  SourceTable,
  defaultLimits,
  newSourceStats,
  type IngestLimits,
  type SourceStats,
} from './limits.js';
export { IngestBatcher } from './batcher.js';
export {
  SourceBindings,
  loadBindingsFile,
  normalizePeer,
  type Binding,
  type SourceBinding,
} from './sources.js';
export {
  startSyslogListeners,
  type IngestStats,
  type OversizeSink,
  type SyslogListenerOptions,
  type SyslogListeners,
} from './syslog.js';
export { importFile, type FileImportOptions, type FileImportResult } from './file-import.js';
export {
  splitBulk,
  parseTzOffset,
  isKnownFormat,
  type BulkInput,
  type BulkMediaType,
  type BulkSplit,
} from './bulk.js';
export {
  SocIngestService,
  type BulkRequest,
  type BulkResult,
  type LogFormatInfo,
  type QuarantineSink,
  type SocIngestDeps,
  type SyslogSourcesView,
} from './service.js';
export {
  startConfiguredSyslog,
  syslogConfigured,
  limitsOf,
  type ConfiguredSyslogDeps,
} from './configured.js';
export { dbQuarantineSink } from './quarantine.js';
export {
  SyslogSourceRegistry,
  normalizeSourceValue,
  syslogSourceKinds,
  type SyslogSource,
  type SyslogSourceChange,
  type SyslogSourceInput,
  type SyslogSourceKind,
  type SyslogSourceService,
} from './registry.js';
