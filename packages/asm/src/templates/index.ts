// Public surface of the checks engine (nuclei-format templates).
export { compileTemplate } from './compile.js';
export type {
  Block,
  CompileOptions,
  CompileResult,
  CompileStatus,
  CompiledTemplate,
  Protocol as TemplateProtocol,
  TemplateInfo,
} from './compile.js';
export { checkTemplates, listTemplateFiles, loadCompiledTemplates } from './check.js';
export type { CheckReport, TemplateSelection } from './check.js';
export { runTemplate, parseTarget as parseTemplateTarget } from './execute.js';
export type { RunOptions, RunResult, TemplateMatch } from './execute.js';
export { nodeTransport, scopedTransport } from './transport.js';
export type { CheckTransport, Connection, ConnectOptions, DnsQuery, TlsDetails } from './transport.js';
export { ScopeRefusedError, TemplateError, UnsupportedError } from './errors.js';
export { evalDsl, parseDsl } from './dsl.js';
export { interpolate } from './interpolate.js';
export { templatesDataDir } from './paths.js';
export type { ScopeCheck as TemplateScopeCheck, ScopeVerdict } from './transport.js';
