export {
  orgKinds,
  orgKindLabels,
  isOrgKind,
  LOCAL_GOVERNMENT_KINDS,
  REGISTERABLE_KINDS,
  municipalityKinds,
  type OrgKind,
} from './org/kinds.js';
export { lgCheckDigit, isValidLgCode, prefectureCodeOf, prefectureLgCode } from './org/lg-code.js';
export { loadLgRecords, parseLgRecords, defaultLgCodesPath, type LgRecord } from './org/lg-records.js';
export { STATE } from './org/state.js';
export { searchKey, hiraganaToKatakana } from './text/search-key.js';
export { severities, severityLabels, severityRank, isSeverity, atLeast, type Severity } from './severity.js';
export { errorCatalog, isErrorCode, type ErrorCode } from './errors/catalog.js';
export { MamoriError, isMamoriError, type ErrorParams } from './errors/mamori-error.js';
export * from './config/index.js';
export {
  eventClasses,
  type EventClass,
  type Disposition,
  type Endpoint,
  type NormalizedEvent,
} from './event.js';
