// @mamori/evtx — a streaming reader for Windows XML event logs (.evtx), clean-room from the public format
// description. Records render to the JSON shape of SigmaHQ's regression data or to XML.
export { EvtxFormatError } from './errors.js';
export {
  readEvtx,
  readEvtxSync,
  readEvtxStream,
  parseChunk,
  chunkRecords,
  parseFileHeader,
  chunkSlots,
  isEvtxHeader,
  EvtxRecord,
  FILE_HEADER_SIZE,
  CHUNK_SIZE,
  type EvtxIssue,
  type EvtxReadOptions,
  type EvtxFileHeader,
} from './file.js';
export { renderJson, renderXml, type JsonValue, type JsonObject } from './render.js';
export { ValueType } from './values.js';
export type { FieldFilter } from './plan.js';
export type { Node, ElementNode, Template } from './binxml.js';
