// @mamori/sigma — Sigma v2 rule engine. Public surface; see README.md for the contract.
export type {
  Level,
  RuleSource,
  LogsourceHint,
  RuleMeta,
  MatchedField,
  CorrelationInfo,
  CorrelationType,
  SigmaMatch,
  RuleStatus,
  RuleDiagnostic,
  CheckReport,
  EngineOptions,
  EvaluateOptions,
  EventSummary,
} from './types.js';
export {
  SigmaEngine,
  evaluate,
  type WindowsFieldFilter,
  type BucketShare,
  type SharedBucket,
  type EngineSnapshot,
} from './engine.js';
export { checkRules } from './check.js';
export {
  readRuleSources,
  listRuleFiles,
  bundledRulesDirs,
  bundledRegressionDir,
  dataDir,
} from './sources.js';
export { parseJsonEvents } from './json-events.js';
export { summarizeEvent, eventTime } from './event.js';
export { isLinearRegexSupported } from './regex.js';
